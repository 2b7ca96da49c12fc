"""riskreg served on a loopback port with a database of its own, for tests that need real concurrent requests.

The rolled-back transaction the other tests run in cannot be shared between threads or processes, so a
module using this declares its own no-op ``_transaction`` fixture (see tests/web/test_concurrent_edits.py).
On PostgreSQL the database is a schema of its own in the test database; on SQLite, a file.
"""

import os
import re
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade
from werkzeug.serving import WSGIRequestHandler, make_server

from riskreg import create_app
from riskreg.extensions import db
from tests import factories


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs) -> None:
        pass


def database_url(folder: Path, schema: str) -> str:
    url = os.environ["RISKREG_TEST_DATABASE_URL"]
    if url.startswith("sqlite"):
        return f"sqlite:///{folder / (schema + '.sqlite')}"
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"))
    engine.dispose()
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options=-csearch_path%3D{schema}"


def fresh_app(folder: Path, schema: str, overrides: dict | None = None) -> Flask:
    """An app on a new, migrated database, with CSRF on and error pages as in production."""
    settings = {"SQLALCHEMY_DATABASE_URI": database_url(folder, schema), "TESTING": False, "WTF_CSRF_ENABLED": True}
    app = create_app("testing", settings | (overrides or {}))
    with app.app_context():
        upgrade()
    return app


@contextmanager
def serve(app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="riskreg-served", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()
        server.server_close()
        with app.app_context():
            db.engine.dispose()


# The Redis the served tests use for shared rate limits and the job queue (RISKREG_TEST_REDIS_URL to change it).
REDIS = os.environ.get("RISKREG_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def require_redis() -> str:
    """The Redis URL, or skip the test when nothing listens there; with RISKREG_REQUIRE_REDIS=1 (CI) a missing
    Redis fails the test instead."""
    host, _, port = REDIS.split("//", 1)[1].split("/", 1)[0].partition(":")
    try:
        with socket.create_connection((host, int(port or 6379)), timeout=1):
            return REDIS
    except OSError:
        if os.environ.get("RISKREG_REQUIRE_REDIS") == "1":
            pytest.fail(f"Redis is not running at {REDIS}, and RISKREG_REQUIRE_REDIS=1", pytrace=False)
        pytest.skip(f"Redis is not running at {REDIS}")


CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
VERSION = re.compile(r'name="version"[^>]*value="([^"]*)"')


def field(pattern: re.Pattern, html: str) -> str:
    match = pattern.search(html)
    assert match, f"{pattern.pattern} not found in the page"
    return match.group(1)


def signed_in_session(base_url: str, email: str, password: str = factories.PASSWORD) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{base_url}/sign-in", timeout=30)
    response = session.post(
        f"{base_url}/sign-in",
        data={"email": email, "password": password, "csrf_token": field(CSRF, page.text)},
        allow_redirects=False,
        timeout=30,
    )
    assert response.status_code == 302, response.text[:500]
    return session
