"""Eight people saving one countermeasure at once, against a served app: no save is lost.

Each round, every writer reads the edit form (or the API's ETag), all wait until everyone has read, then all
save. Exactly one save per round can be based on the current version: the others must be refused (409 with
"changed by someone else"), never accepted on top of a change their writer did not see (a lost update).
The audit trail then shows every accepted save, each starting from the one before it.
"""

import threading
from collections import Counter
from types import SimpleNamespace

import pytest
import requests
import sqlalchemy as sa

from riskreg.enums import CountermeasureStatus, Role
from riskreg.extensions import db
from riskreg.models import AuditEvent, Countermeasure, Risk, User
from tests import factories, served
from tests.api.conftest import make_token

WRITERS = 8
ROUNDS = 5


@pytest.fixture(autouse=True)
def _transaction():
    """These tests use a served app with its own database, not the rolled-back test transaction."""
    yield


@pytest.fixture(scope="module")
def site(tmp_path_factory, app):
    flask_app = served.fresh_app(tmp_path_factory.mktemp("races"), "riskreg_races")
    with flask_app.app_context():
        org = factories.build_organisation()
        writers = [factories.user_with_role(Role.RISK_MANAGER, org.ln, name=f"Writer {n}") for n in range(WRITERS)]
        risk = factories.RiskFactory(register=org.ln.register, owner=org.risk_ln)
        emails = [user.email for user in writers]
        tokens = [make_token(user) for user in writers]
        site = SimpleNamespace(
            app=flask_app, risk_ref=risk.ref, risk_id=risk.id, owner_id=org.risk_ln.id, emails=emails, tokens=tokens
        )
        db.session.remove()
    with served.serve(flask_app) as url:
        site.url = url
        yield site


def _new_countermeasure(site) -> int:
    with site.app.app_context():
        countermeasure = factories.CountermeasureFactory(
            risk=db.session.get(Risk, site.risk_id),
            owner=db.session.get(User, site.owner_id),
            title="Start",
            status=CountermeasureStatus.PLANNED,
        )
        countermeasure_id = countermeasure.id
        db.session.remove()
    return countermeasure_id


def _race(write) -> list[tuple[str, int, int, str]]:
    """Runs write(writer, round, barrier) on WRITERS threads; returns (title, version read, status, text)."""
    barrier = threading.Barrier(WRITERS, timeout=60)
    results: list = []
    failures: list = []

    def writer(number: int) -> None:
        try:
            for round_number in range(ROUNDS):
                results.append(write(number, round_number, barrier))
        except Exception as error:  # noqa: BLE001 - reported below, with the thread's number
            failures.append((number, repr(error)))
            barrier.abort()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    return results


def _assert_nothing_lost(site, countermeasure_id: int, results, refused_text: str) -> None:
    statuses = Counter(status for _title, _version, status, _text in results)
    assert set(statuses) <= {200, 302, 409}, statuses
    saved = [(title, version) for title, version, status, _text in results if status in (200, 302)]
    assert all(refused_text in text for _title, _version, status, text in results if status == 409)
    # One save per round, each from the version the one before it left: nothing accepted blindly.
    assert len(saved) == ROUNDS and statuses[409] == (WRITERS - 1) * ROUNDS
    assert sorted(version for _title, version in saved) == list(range(1, ROUNDS + 1))
    with site.app.app_context():
        stored = db.session.get(Countermeasure, countermeasure_id)
        events = db.session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.entity_id == countermeasure_id, AuditEvent.action == "countermeasure.updated")
            .order_by(AuditEvent.id)
        ).all()
        titles = ["Start"] + [event.changes["title"][1] for event in events]
        assert [event.changes["title"][0] for event in events] == titles[:-1]
        assert stored.version == ROUNDS + 1 and stored.title == titles[-1]
        assert sorted(titles[1:]) == sorted(title for title, _version in saved)
        db.session.remove()


def test_eight_form_writers_lose_nothing(site):
    countermeasure_id = _new_countermeasure(site)
    url = f"{site.url}/risks/{site.risk_ref}/countermeasures/{countermeasure_id}/edit"
    sessions = [served.signed_in_session(site.url, email) for email in site.emails]

    def write(number: int, round_number: int, barrier: threading.Barrier):
        page = sessions[number].get(url, timeout=30)
        assert page.status_code == 200, page.status_code
        version = served.field(served.VERSION, page.text)
        barrier.wait()
        title = f"Writer {number}, round {round_number}"
        form = {
            "csrf_token": served.field(served.CSRF, page.text),
            "version": version,
            "title": title,
            "kind": "detective",
            "owner_id": str(site.owner_id),
            "status": "planned",
            "description": "",
            "due_on": ["", "", ""],
            "implemented_on": ["", "", ""],
        }
        response = sessions[number].post(url, data=form, allow_redirects=False, timeout=60)
        barrier.wait()  # the next round reads only after every save of this one has finished
        return title, int(version), response.status_code, response.text

    results = _race(write)
    _assert_nothing_lost(site, countermeasure_id, results, "This countermeasure was changed by someone else")


def test_eight_api_writers_lose_nothing(site):
    countermeasure_id = _new_countermeasure(site)
    url = f"{site.url}/api/v1/risks/{site.risk_ref}/countermeasures/{countermeasure_id}"
    sessions = []
    for token in site.tokens:
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {token}"
        sessions.append(session)

    def write(number: int, round_number: int, barrier: threading.Barrier):
        etag = sessions[number].get(url, timeout=30).headers["ETag"]
        barrier.wait()
        title = f"Client {number}, round {round_number}"
        response = sessions[number].patch(url, json={"title": title}, headers={"If-Match": etag}, timeout=60)
        barrier.wait()
        return title, int(etag.strip('"')), response.status_code, response.text

    results = _race(write)
    _assert_nothing_lost(site, countermeasure_id, results, "This countermeasure was changed by someone else")
