"""Pages run the same SQL however many people they show (found by bench/run.py's queries per page).

A user's roles load eagerly, which the signed-in user needs; owners, reviewers
and audit actors are shown by name only, and loading their roles cost one more
query per kind of person on the page.
"""

from riskreg.enums import Role
from riskreg.extensions import db
from riskreg.services import users
from riskreg.services.audit import trail as audit
from tests.conftest import count_queries
from tests.factories import CountermeasureFactory, ReviewFactory, RiskFactory


def _queries(client, path: str) -> int:
    client.get(path)
    with count_queries() as statements:
        assert client.get(path).status_code == 200
    return len(statements)


def test_register_page_queries_do_not_depend_on_who_owns_the_risks(client, org, sign_in):
    for owner in (org.head_ln, org.risk_ln, org.viewer_ln):
        RiskFactory(register=org.ln.register, owner=owner)
    RiskFactory(register=org.ls.register, owner=None)
    sign_in(org.hq_risk)
    assert _queries(client, "/registers/LN") == _queries(client, "/registers/LS")


def test_risk_page_queries_do_not_depend_on_how_many_people_it_shows(client, org, sign_in):
    busy = RiskFactory(register=org.ln.register, owner=org.head_ln)
    CountermeasureFactory(risk=busy, owner=org.risk_ln)
    ReviewFactory(risk=busy, reviewer=org.viewer_ln)
    bare = RiskFactory(register=org.ln.register, owner=None)
    CountermeasureFactory(risk=bare, owner=None)
    ReviewFactory(risk=bare, reviewer=None)
    for risk in (busy, bare):
        audit.record(org.admin, "risk.updated", "risk", risk.id, {"title": ["a", "b"]}, risk_id=risk.id)
    sign_in(org.hq_risk)
    assert _queries(client, f"/risks/{busy.ref}") == _queries(client, f"/risks/{bare.ref}")


def test_the_signed_in_user_and_their_roles_load_in_one_query(org):
    session_id = org.risk_ln.get_id()
    db.session.expunge_all()  # as at the start of a request: nothing loaded yet
    with count_queries() as statements:
        user = users.load_from_session(session_id)
        assert [assignment.role for assignment in user.roles] == [Role.RISK_MANAGER]
    assert len(statements) == 1
