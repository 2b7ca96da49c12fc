"""Several servers (issue 20): two gunicorn app servers on different ports and one `riskreg worker`, against one
PostgreSQL and one Redis, as an organisation that outgrew one machine runs riskreg.

A session from one server works on the other; sign-in throttling counts on both; a job queued on one is done by
the worker and its result offered by the other; a risk saved on one is among the similar risks the other shows
(each process keeps a matrix of embeddings, and notices a change made elsewhere by the token every embedding
write replaces: riskreg/services/flags/similarity.py). PostgreSQL only: SQLite is one machine's database.
"""

import os
import re
import signal
import time

import pytest
import requests

from bench.server import Gunicorn
from riskreg.enums import Role
from riskreg.extensions import db
from riskreg.jobs import redis_queue
from tests import factories, served
from tests.jobs.conftest import production_environment, start_worker

pytestmark = pytest.mark.postgresql  # several app servers share one database: SQLite is not for that


@pytest.fixture(autouse=True)
def _transaction():
    """The servers have their own database, not the rolled-back test transaction."""
    yield


class AppServer(Gunicorn):
    def __init__(self, environment: dict[str, str], log_path) -> None:
        super().__init__(environment["DATABASE_URL"], log_path, workers=1, threads=2)
        self.base_environment = environment

    def _environment(self) -> dict[str, str]:
        return super()._environment() | self.base_environment

    def _wait_until_ready(self, timeout: float = 120) -> None:
        """Not on entering: both servers start at once, then ``ready`` waits for each (a few seconds saved)."""

    def ready(self) -> None:
        super()._wait_until_ready(120)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


class Browser:
    """One person's cookie, sent to whichever server (production cookies are Secure: sent by hand over HTTP)."""

    def __init__(self) -> None:
        self.cookie = ""

    def request(self, method: str, url: str, **kwargs) -> requests.Response:
        headers = {"Cookie": self.cookie} if self.cookie else {}
        response = requests.request(method, url, headers=headers, allow_redirects=False, timeout=60, **kwargs)
        value = response.cookies.get("riskreg_session")
        if value is not None:
            self.cookie = f"riskreg_session={value}"
        return response

    def post_form(self, page_url: str, data: dict, action: str | None = None) -> requests.Response:
        token = served.field(served.CSRF, self.request("GET", page_url).text)
        return self.request("POST", action or page_url, data=data | {"csrf_token": token})


@pytest.fixture(scope="module")
def deployment(app, tmp_path_factory):
    redis = served.require_redis()
    folder = tmp_path_factory.mktemp("two-servers")
    queue_name = f"riskreg-test-{os.getpid()}-{time.monotonic_ns()}"
    flask_app = served.fresh_app(
        folder, "riskreg_two_servers", {"RISKREG_REDIS_URL": redis, "RISKREG_JOBS_QUEUE": queue_name}
    )
    with flask_app.app_context():
        hq = factories.UnitFactory(code="HQ", name="Headquarters")
        ln = factories.UnitFactory(code="LN", name="London North", parent=hq)
        ls = factories.UnitFactory(code="LS", name="London South", parent=hq)
        people = {
            "committee": factories.user_with_role(Role.COMMITTEE, hq),
            "throttled": factories.user_with_role(Role.VIEWER, hq),
            "ln": factories.user_with_role(Role.RISK_MANAGER, ln),
            "ls": factories.user_with_role(Role.RISK_MANAGER, ls),
        }
        people = {key: (user.id, user.email) for key, user in people.items()}
        db.session.remove()
        db.engine.dispose()
    environment = production_environment(flask_app.config["SQLALCHEMY_DATABASE_URI"], redis, queue_name, folder)
    worker = start_worker(environment, folder / "worker.log")
    try:
        with AppServer(environment, folder / "a.log") as one, AppServer(environment, folder / "b.log") as other:
            one.ready()
            other.ready()
            yield one, other, people
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=60)
        with flask_app.app_context():
            redis_queue.queue().delete(delete_jobs=True)


def _sign_in(browser: Browser, server: AppServer, email: str, password: str = factories.PASSWORD) -> int:
    response = browser.post_form(f"{server.url}/sign-in", {"email": email, "password": password})
    return response.status_code


def test_a_session_from_one_server_works_on_the_other_and_a_job_queued_on_one_is_offered_by_the_other(deployment):
    one, other, people = deployment
    browser = Browser()
    assert _sign_in(browser, one, people["committee"][1]) == 302
    assert browser.request("GET", f"{other.url}/committee").status_code == 200
    meeting = {"meeting": ["5", "6", "2026"]}
    queued = browser.post_form(f"{one.url}/committee", meeting, action=f"{one.url}/committee/pack")
    assert queued.status_code == 302, queued.text[:500]
    job_page = other.url + queued.headers["Location"]
    deadline = time.monotonic() + 60
    while "Download committee-pack-2026-06-05.pdf" not in (page := browser.request("GET", job_page).text):
        assert time.monotonic() < deadline and "did not finish" not in page, page[-2000:]
        time.sleep(0.3)
    pdf = browser.request("GET", f"{job_page}/download")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_sign_in_throttling_counts_on_both_servers(deployment):
    one, other, people = deployment
    email = people["throttled"][1]
    answers = [_sign_in(Browser(), server, email, "wrong password!") for server in (one, other) * 3]
    assert answers == [400] * 5 + [429]
    assert _sign_in(Browser(), one, email, "wrong password!") == 429


def _risk_form(owner_id: int, title: str, event: str) -> dict:
    ratings = {f"{kind}_{axis}": "3" for kind in ("inherent", "residual", "target") for axis in "li"}
    return ratings | {
        "title": title,
        "cause": "Because of recruitment freezes",
        "event": event,
        "consequence": "Which would lead to cases being delayed",
        "category": "operations",
        "objective": "quality",
        "owner_id": str(owner_id),
        "influence": "medium",
    }


def test_a_risk_saved_on_one_server_is_among_the_similar_risks_the_other_shows(deployment):
    one, other, people = deployment
    ls, ln = Browser(), Browser()
    assert _sign_in(ls, other, people["ls"][1]) == 302 and _sign_in(ln, one, people["ln"][1]) == 302
    # The other server checks for similar risks (its matrix is loaded) and saves an unrelated risk.
    estates = _risk_form(people["ls"][0], "Estate fire safety", "There is a risk that a fire closes the building")
    assert ls.post_form(f"{other.url}/registers/LS/risks/new", estates).status_code == 302
    # One server saves the risk that will be found.
    witness = _risk_form(
        people["ln"][0],
        "Witness care staff shortages",
        "There is a risk that too few witness care officers delay trials",
    )
    saved = ln.post_form(f"{one.url}/registers/LN/risks/new", witness)
    assert saved.status_code == 302
    ref = re.search(r"/risks/(LN-\d+)", saved.headers["Location"]).group(1)
    # The other server, about to save the same risk in LS, shows it: its matrix noticed the change.
    again = _risk_form(
        people["ls"][0],
        "Shortage of witness care staff",
        "There is a risk that witness care officer shortages delay trials",
    )
    check = ls.post_form(f"{other.url}/registers/LS/risks/new", again)
    assert check.status_code == 200 and "Check for similar risks before you save" in check.text, check.status_code
    assert ref in check.text
