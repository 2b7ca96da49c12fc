"""Sign-in throttling holds across processes: gunicorn with 2 workers sharing Redis, as production runs.

Per-process counts let "5 failures per account" through twice with 2 workers (issue 18). Every attempt here
opens a new connection, and gunicorn's access log (with the worker's pid) shows that both workers answered.
"""

import re
import secrets
import time

import pytest
import requests

from bench.server import Gunicorn
from riskreg.enums import Role
from riskreg.extensions import db
from tests import factories, served

REDIS = served.REDIS


@pytest.fixture(autouse=True)
def _transaction():
    """The served app has its own database, not the rolled-back test transaction."""
    yield


class TwoWorkers(Gunicorn):
    def __init__(self, database_url: str, log_path, prefix: str) -> None:
        super().__init__(database_url, log_path, workers=2, threads=1)
        self.prefix = prefix

    def _environment(self) -> dict[str, str]:
        return super()._environment() | {
            "RISKREG_RATELIMIT_STORAGE_URI": REDIS,
            "RISKREG_RATELIMIT_KEY_PREFIX": self.prefix,
            "GUNICORN_CMD_ARGS": "--access-logformat 'worker=%(p)s %(m)s %(U)s %(s)s'",
        }


@pytest.fixture(scope="module")
def server(tmp_path_factory, app):
    served.require_redis()
    folder = tmp_path_factory.mktemp("throttle")
    flask_app = served.fresh_app(folder, "riskreg_throttle")
    with flask_app.app_context():
        user = factories.user_with_role(Role.RISK_MANAGER, factories.UnitFactory(code="LN", name="London North"))
        email = user.email
        db.session.remove()
        db.engine.dispose()
    # A prefix of its own: other test runs may share this Redis.
    with TwoWorkers(
        flask_app.config["SQLALCHEMY_DATABASE_URI"], folder / "gunicorn.log", f"riskreg-test-{secrets.token_hex(6)}"
    ) as gunicorn:
        gunicorn.email = email
        yield gunicorn


def _attempt(base: str, email: str, password: str) -> requests.Response:
    """A sign-in on a new connection. Production cookies are Secure, so over plain HTTP they are sent by hand."""
    page = requests.get(f"{base}/sign-in", headers={"Connection": "close"}, timeout=30)
    cookie = page.headers["Set-Cookie"].split(";", 1)[0]
    form = {"email": email, "password": password, "csrf_token": served.field(served.CSRF, page.text)}
    return requests.post(
        f"{base}/sign-in",
        data=form,
        headers={"Connection": "close", "Cookie": cookie},
        allow_redirects=False,
        timeout=30,
    )


def _workers_answering_sign_ins(server) -> set[str]:
    return set(re.findall(r"worker=<?(\d+)>? POST /sign-in", server.log_path.read_text(errors="replace")))


def test_five_failures_then_refused_whichever_worker_answers(server):
    base = f"http://127.0.0.1:{server.port}"
    statuses = [_attempt(base, server.email, "wrong password!").status_code for _ in range(12)]
    assert statuses == [400] * 5 + [429] * 7
    assert _attempt(base, server.email, factories.PASSWORD).status_code == 429  # from this address, for now
    # Under load one worker may still be starting: keep trying (always refused) until both have answered.
    for _ in range(40):
        if len(_workers_answering_sign_ins(server)) == 2:
            break
        assert _attempt(base, server.email, "wrong password!").status_code == 429
        time.sleep(0.2)
    assert len(_workers_answering_sign_ins(server)) == 2, "only one worker answered: the test proves nothing"


def test_no_server_header(server):
    response = requests.get(f"http://127.0.0.1:{server.port}/sign-in", timeout=30)
    assert response.status_code == 200 and "Server" not in response.headers
