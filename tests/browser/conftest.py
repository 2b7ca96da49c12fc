"""Browser tests: Debian's Chromium, driven by Playwright, against riskreg served on a loopback port.

One server and one browser for the whole session. The served app uses a SQLite file built by the
real migrations and seeded with the demo organisation (a copy of the run's), outside the rolled-back
transaction the other tests run in; CSRF protection is on and errors go to the error pages, as in production.

Without Chromium the browser tests are skipped, and the run says so in its summary. With
RISKREG_REQUIRE_BROWSER=1 (set by .ci/run) a missing Chromium fails them instead.
"""

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Blueprint, Flask, render_template_string
from werkzeug.serving import WSGIRequestHandler, make_server

from riskreg import create_app
from tests import databases
from tests.browser import OUTCOME
from tests.browser.visitor import Visitor

CHROMIUM = Path(os.environ.get("RISKREG_CHROMIUM", "/usr/bin/chromium"))
# Headless, no sandbox (CI runs as root), and nothing that reaches the network on its own.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
REQUIRED = os.environ.get("RISKREG_REQUIRE_BROWSER") == "1"
PAGES = Path(__file__).parent / "pages"
SERVER_ERROR_DETAIL = "internal detail: /srv/riskreg/secrets.py password=hunter2"

_call_report = pytest.StashKey[pytest.TestReport]()


def missing_chromium() -> str | None:
    if CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK):
        return None
    return f"Chromium not found at {CHROMIUM}: install Debian's chromium package (.ci/run does) to run them"


def pytest_sessionfinish(session) -> None:
    # An xdist worker: hand the outcome to the controller, which writes the summary (tests/conftest.py).
    if hasattr(session.config, "workeroutput"):
        session.config.workeroutput["browser"] = dict(OUTCOME)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.stash[_call_report] = report
    return report


@pytest.fixture(scope="session")
def chromium():
    reason = missing_chromium()
    if reason:
        if REQUIRED:
            pytest.fail(f"{reason}. RISKREG_REQUIRE_BROWSER=1: the browser tests are required.", pytrace=False)
        OUTCOME["skipped"] = reason
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        OUTCOME["ran"] = f"Chromium {browser.version} ({CHROMIUM})"
        yield browser
        browser.close()


@dataclass
class LiveServer:
    url: str
    app: Flask


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs) -> None:
        pass


def _test_only_pages() -> Blueprint:
    """Pages that exist only in the served test app, never in riskreg itself."""
    pages = Blueprint("test_only", __name__, url_prefix="/test-only")

    @pages.route("/known-violation")
    def known_violation():
        return render_template_string((PAGES / "known_violation.html").read_text(encoding="utf-8"))

    @pages.route("/server-error")
    def server_error():
        raise RuntimeError(SERVER_ERROR_DETAIL)

    return pages


@pytest.fixture(scope="session")
def live_server(chromium, app, tmp_path_factory) -> Iterator[LiveServer]:
    # A copy of the run's seeded demo database (tests/databases.py), which the browser may change at will.
    database = databases.demo_sqlite(tmp_path_factory, tmp_path_factory.mktemp("browser") / "riskreg.sqlite")
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database, "TESTING": False, "WTF_CSRF_ENABLED": True})
    app.register_blueprint(_test_only_pages())
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="riskreg-live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.server_port}", app)
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


@pytest.fixture
def visitor(chromium, live_server, request) -> Iterator[Visitor]:
    """A fresh browser context (no cookies) with one tab; fails the test if a page it loaded went unchecked."""
    context = chromium.new_context(base_url=live_server.url)
    context.set_default_timeout(30_000)  # generous: a loaded CI machine, not a slow page
    visitor = Visitor(context.new_page())
    yield visitor
    context.close()
    report = request.node.stash.get(_call_report, None)
    if report is not None and report.passed:
        assert visitor.unchecked() == [], "pages loaded but not checked with axe-core (use Visitor.check)"
