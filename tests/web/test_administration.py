"""Administration in the web app (issue 17): inviting people through a real in-process SMTP server, accepting
an invitation, roles, deactivation (sign-in and API tokens refused), and the unit tree. Every change is audited."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from riskreg.clock import today, utcnow
from riskreg.enums import AppetiteLevel, Role, UnitKind
from riskreg.extensions import db
from riskreg.models import AuditEvent, RoleAssignment, Unit, User
from riskreg.rules.scoring import DEFAULT_RULES
from riskreg.services import ServiceError, registers, tokens, vocabulary
from riskreg.services import risks as risks_service
from riskreg.services.administration import people, units
from tests.conftest import count_queries
from tests.factories import PASSWORD, RiskFactory, UnitFactory, UserFactory, user_with_role
from tests.test_reminders import smtp_server  # noqa: F401 - the fixture: aiosmtpd on a loopback port

NEW = "tangerine lighthouse forty seven"


def _actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


def _invitation_path(inbox) -> tuple[list[str], str]:
    ((recipients, message),) = inbox.messages
    return recipients, re.search(r"https://riskreg\.example\.org(/invitation/\S+)", message.get_content()).group(1)


def test_invite_accept_and_sign_in(app, client, org, sign_in, smtp_server, frozen_clock):  # noqa: F811
    sign_in(org.admin)
    response = client.post("/admin/users/invite", data={"email": "Nia.Jones@Example.org", "name": "Nia Jones"})
    assert response.status_code == 302
    person = db.session.scalar(sa.select(User).where(User.email == "nia.jones@example.org"))
    assert person is not None and not person.has_password and person.is_active
    recipients, path = _invitation_path(smtp_server)
    assert recipients == ["nia.jones@example.org"]
    assert b"Invited" in client.get(f"/admin/users/{person.id}").data

    newcomer = app.test_client()
    # An invited person has no password: nothing signs them in until they choose one.
    assert newcomer.post("/sign-in", data={"email": person.email, "password": ""}).status_code == 400
    assert b"Create your account" in newcomer.get(path).data
    weak = newcomer.post(path, data={"new_password": "password12345"})
    assert weak.status_code == 400, "the password policy applies"
    assert newcomer.post(path, data={"new_password": NEW}).status_code == 302
    assert newcomer.post("/sign-in", data={"email": person.email, "password": NEW}).status_code == 302
    assert b"does not work" in app.test_client().get(path).data, "the link works once"
    assert {"user.invited", "user.invitation_accepted"} <= set(_actions())


def test_an_invitation_expires_after_7_days(app, client, org, sign_in, smtp_server, frozen_clock):  # noqa: F811
    sign_in(org.admin)
    client.post("/admin/users/invite", data={"email": "late@example.org", "name": "Late Comer"})
    _recipients, path = _invitation_path(smtp_server)
    frozen_clock.shift(timedelta(days=7))
    assert b"This invitation has expired" in app.test_client().get(path).data


def test_without_email_the_link_is_shown_to_the_administrator_once(client, org, sign_in):
    sign_in(org.admin)
    response = client.post("/admin/users/invite", data={"email": "nomail@example.org", "name": "No Mail"})
    assert response.status_code == 201
    assert b"was not sent" in response.data and b"/invitation/" in response.data


def test_invite_refuses_bad_input_and_changes_nothing(client, org, sign_in):
    sign_in(org.admin)
    before = db.session.scalar(sa.select(sa.func.count()).select_from(User))
    taken = client.post("/admin/users/invite", data={"email": org.risk_ln.email, "name": "Again"})
    assert taken.status_code == 400 and b"already exists" in taken.data
    bad = client.post("/admin/users/invite", data={"email": "not an address", "name": "X"})
    assert bad.status_code == 400 and b"correct format" in bad.data
    empty = client.post("/admin/users/invite", data={})
    assert empty.status_code == 400 and b"There is a problem" in empty.data
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == before


def test_assign_and_remove_a_role_with_confirmation(client, org, sign_in):
    person = UserFactory(name="Priya Patel")
    sign_in(org.admin)
    assert client.post(f"/admin/users/{person.id}/roles/new", data={"role": "viewer", "unit": "LN"}).status_code == 302
    (held,) = person.roles
    assert (held.role, held.unit.code) == (Role.VIEWER, "LN")
    again = client.post(f"/admin/users/{person.id}/roles/new", data={"role": "viewer", "unit": "LN"})
    assert again.status_code == 400 and b"already viewer at London North" in again.data
    crafted = client.post(f"/admin/users/{person.id}/roles/new", data={"role": "emperor", "unit": "LN"})
    assert crafted.status_code == 400 and b"Select a role" in crafted.data

    confirm = client.get(f"/admin/users/{person.id}/roles/{held.id}/remove")
    assert b"Remove Priya Patel&#39;s role?" in confirm.data
    assert client.post(f"/admin/users/{person.id}/roles/{held.id}/remove").status_code == 302
    db.session.refresh(person)
    assert person.roles == []
    assert {"role.assigned", "role.removed"} <= set(_actions())


def test_someone_elses_role_is_not_found(client, org, sign_in):
    sign_in(org.admin)
    (other,) = org.risk_ln.roles
    assert client.get(f"/admin/users/{org.viewer_ln.id}/roles/{other.id}/remove").status_code == 404


def test_the_last_administrator_keeps_the_role(client, org, sign_in):
    sign_in(org.admin)
    (held,) = org.admin.roles
    refused = client.post(f"/admin/users/{org.admin.id}/roles/{held.id}/remove")
    assert refused.status_code == 400 and b"last administrator" in refused.data
    assert db.session.get(RoleAssignment, held.id) is not None


def test_a_deactivated_user_cannot_sign_in_or_use_the_api(app, client, org, sign_in):
    person = org.risk_ln
    _token, secret = tokens.create_token(person, "Dashboard", today() + timedelta(days=30))
    api = app.test_client()
    api.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    assert api.get("/api/v1/registers").status_code == 200
    signed_in_elsewhere = app.test_client()
    assert signed_in_elsewhere.post("/sign-in", data={"email": person.email, "password": PASSWORD}).status_code == 302

    sign_in(org.admin)
    assert b"Deactivate Rhys Risk?" in client.get(f"/admin/users/{person.id}/deactivate").data
    assert client.post(f"/admin/users/{person.id}/deactivate").status_code == 302

    assert api.get("/api/v1/registers").status_code == 401, "the API token stops working"
    assert signed_in_elsewhere.get("/").status_code == 302, "the existing session has ended"
    refused = app.test_client().post("/sign-in", data={"email": person.email, "password": PASSWORD})
    assert refused.status_code == 400

    assert client.post(f"/admin/users/{person.id}/reactivate").status_code == 302
    assert api.get("/api/v1/registers").status_code == 200
    assert app.test_client().post("/sign-in", data={"email": person.email, "password": PASSWORD}).status_code == 302
    assert {"user.deactivated", "user.reactivated"} <= set(_actions())


def test_an_administrator_cannot_deactivate_themselves(client, org, sign_in):
    sign_in(org.admin)
    refused = client.post(f"/admin/users/{org.admin.id}/deactivate")
    assert refused.status_code == 400 and b"cannot deactivate yourself" in refused.data
    assert org.admin.is_active


def test_people_are_listed_a_page_at_a_time(app, client, org, sign_in, monkeypatch):
    monkeypatch.setitem(app.config, "RISKREG_PAGE_SIZE", 5)
    sign_in(org.admin)
    first = client.get("/admin/users").data.decode()
    assert "11 people" in first and "Administrator" in first and "govuk-pagination" in first
    assert "Vic Viewer" in client.get("/admin/users?page=3").data.decode()
    assert client.get("/admin/users?page=99999999999999999999").status_code == 200


def test_only_administrators_reach_administration(client, org, sign_in):
    sign_in(org.head_ln)
    assert client.get("/admin/users").status_code == 403
    assert b"Administration" not in client.get("/").data
    client.post("/sign-out")
    sign_in(org.admin)
    assert b"Administration" in client.get("/").data


# The unit tree ---------------------------------------------------------------------------------------------


def test_add_a_unit_with_its_register(client, org, sign_in):
    sign_in(org.admin)
    data = {"code": "cw", "name": "Cymru-Wales", "kind": "area", "parent": "HQ", "register_title": ""}
    assert client.post("/admin/units/new", data=data).status_code == 302
    unit = db.session.scalar(sa.select(Unit).where(Unit.code == "CW"))
    assert unit.parent == org.hq and unit.kind is UnitKind.AREA and unit.path == f"{org.hq.path}{unit.id}/"
    assert unit.register.title == "Cymru-Wales risk register"
    assert client.get("/registers/CW").status_code == 200
    again = client.post("/admin/units/new", data=data)
    assert again.status_code == 400 and b"already a unit with the code CW" in again.data
    bad = client.post("/admin/units/new", data=data | {"code": "cw/../x"})
    assert bad.status_code == 400 and b"Enter a code" in bad.data
    assert "unit.created" in _actions()


def test_rename_a_unit_and_its_register(client, org, sign_in):
    sign_in(org.admin)
    data = {"name": "London North and East", "register_title": "LNE register"}
    assert client.post("/admin/units/LN/edit", data=data).status_code == 302
    assert (org.ln.name, org.ln.register.title) == ("London North and East", "LNE register")
    assert client.post("/admin/units/LN/edit", data=data).status_code == 400, "nothing changed"
    assert "unit.renamed" in _actions()


def test_move_a_unit_with_everything_inside_it(client, org, sign_in):
    team = UnitFactory(code="LNT", name="LN team", kind=UnitKind.UNIT, parent=org.ln)
    sign_in(org.admin)
    assert client.post("/admin/units/LN/move", data={"parent": "LS"}).status_code == 302
    db.session.refresh(team)
    assert org.ln.parent == org.ls and org.ln.path == f"{org.ls.path}{org.ln.id}/"
    assert team.path == f"{org.ln.path}{team.id}/"
    assert team.is_within(org.ls), "roles held above its new place now apply inside it"
    assert client.get("/registers/LNT").status_code == 200
    assert "unit.moved" in _actions()


def test_a_move_that_would_make_a_loop_is_refused(client, org, sign_in):
    team = UnitFactory(code="LNT", name="LN team", kind=UnitKind.UNIT, parent=org.ln)
    sign_in(org.admin)
    page = client.get("/admin/units/LN/move").data.decode()
    assert 'value="LNT"' not in page and 'value="LN"' not in page, "not offered: itself and what is inside it"
    crafted = client.post("/admin/units/LN/move", data={"parent": "LNT"})
    assert crafted.status_code == 400
    db.session.refresh(team)
    assert org.ln.parent == org.hq and team.parent == org.ln
    assert client.post("/admin/units/HQ/move", data={"parent": "LN"}).status_code == 400
    assert b"it cannot be moved" in client.get("/admin/units/HQ/move").data


def test_the_service_refuses_a_loop_whatever_the_form_offers(org):
    team = UnitFactory(code="LNT", name="LN team", kind=UnitKind.UNIT, parent=org.ln)
    with pytest.raises(ServiceError, match="cannot move under itself"):
        units.move_unit(org.ln, team, org.admin)
    with pytest.raises(ServiceError, match="cannot move under itself"):
        units.move_unit(org.ln, org.ln, org.admin)


def test_retire_a_unit_only_when_nothing_is_left_open(client, org, sign_in):
    team = UnitFactory(code="LNT", name="LN team", kind=UnitKind.UNIT, parent=org.ln)
    risk = RiskFactory(register=team.register)
    sign_in(org.admin)
    assert b"still has 1 open risk" in client.get("/admin/units/LNT/retire").data
    assert client.post("/admin/units/LNT/retire").status_code == 400
    assert client.post("/admin/units/LN/retire").status_code == 400, "a unit with active units inside it stays"
    risk.status = "closed"
    db.session.commit()
    assert client.post("/admin/units/LNT/retire").status_code == 302
    db.session.refresh(team)
    assert team.is_retired
    assert 'value="LNT"' not in client.get(f"/admin/users/{org.nobody.id}/roles/new").data.decode()
    refused = client.post(f"/admin/users/{org.nobody.id}/roles/new", data={"role": "viewer", "unit": "LNT"})
    assert refused.status_code == 400
    assert "unit.retired" in _actions()


def test_a_role_is_refused_at_a_retired_unit_by_the_service(org):
    org.ls.retired_at = utcnow()
    with pytest.raises(ServiceError, match="retired"):
        people.add_role(org.nobody, Role.VIEWER, org.ls, org.admin)


def test_units_page_lists_the_tree(client, org, sign_in):
    user_with_role(Role.VIEWER, org.ln)
    sign_in(org.admin)
    page = client.get("/admin/units").data.decode()
    assert page.index("Headquarters") < page.index("London North") < page.index("London South")


# Risk appetite and review cadence --------------------------------------------------------------------------

APPETITE = {category: level.value for category, level in DEFAULT_RULES.appetite.items()}


def test_changing_the_appetite_changes_what_is_above_it(app, client, org, sign_in):
    risk = RiskFactory(register=org.ln.register, category="operations", residual_l=2, residual_i=3)
    sign_in(org.admin)
    assert client.get("/admin/appetite").status_code == 200
    assert "above_appetite" not in _register_json(app, org)
    response = client.post("/admin/appetite/edit", data=APPETITE | {"operations": "averse"})
    assert response.status_code == 302
    assert registers.rules().appetite["operations"] is AppetiteLevel.AVERSE
    # 2 x 3 = 6 was within "cautious" (9); it is above "averse" (4), on the pages and in the API alike.
    assert _register_json(app, org) == f"{risk.ref}: above_appetite"
    assert "appetite.changed" in _actions()
    unchanged = client.post("/admin/appetite/edit", data=APPETITE | {"operations": "averse"})
    assert unchanged.status_code == 400 and b"Nothing has changed" in unchanged.data
    crafted = client.post("/admin/appetite/edit", data=APPETITE | {"legal": "reckless"})
    assert crafted.status_code == 400 and b"Select an appetite for legal" in crafted.data


def test_a_unit_gets_an_appetite_of_its_own_and_gives_it_back(app, client, org, sign_in):
    risk = RiskFactory(register=org.ln.register, category="operations", residual_l=2, residual_i=3)
    RiskFactory(register=org.ls.register, category="operations", residual_l=2, residual_i=3)
    sign_in(org.admin)
    assert client.get("/admin/appetite?unit=ln").headers["Location"].endswith("/admin/appetite/units/LN")
    page = client.get("/admin/appetite/units/LN").data.decode()
    assert "Inherited from the organisation" in page
    form = client.get("/admin/appetite/units/LN/edit").data.decode()
    assert "Inherit: Cautious (up to 9), from the organisation" in form
    inherit_all = {code: "" for code in vocabulary.categories().codes}
    response = client.post("/admin/appetite/units/LN/edit", data=inherit_all | {"operations": "averse"})
    assert response.status_code == 302
    # 2 x 3 = 6 is above London North's averse appetite (4), and still within London South's (the organisation's).
    assert _register_json(app, org) == f"{risk.ref}: above_appetite"
    assert _register_json(app, org, "LS") == ""
    page = client.get("/admin/appetite/units/LN").data.decode()
    assert "would inherit cautious from the organisation" in page
    assert "London North (LN)" in client.get("/admin/appetite").data.decode()  # listed among units with their own
    assert "unit_appetite.changed" in _actions()
    unchanged = client.post("/admin/appetite/units/LN/edit", data=inherit_all | {"operations": "averse"})
    assert unchanged.status_code == 400 and b"Nothing has changed" in unchanged.data
    crafted = client.post("/admin/appetite/units/LN/edit", data=inherit_all | {"legal": "reckless"})
    assert crafted.status_code == 400 and b"Select an appetite for legal, or keep the inherited one" in crafted.data
    assert client.post("/admin/appetite/units/LN/edit", data=inherit_all).status_code == 302
    assert _register_json(app, org) == ""
    assert client.get("/admin/appetite/units/NOPE").status_code == 404


def _register_json(app, org, code: str = "LN") -> str:
    _token, secret = tokens.create_token(org.auditor, "Appetite", today() + timedelta(days=30))
    api = app.test_client()
    api.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    risks = api.get(f"/api/v1/registers/{code}/risks").get_json()["data"]
    return ", ".join(f"{risk['ref']}: above_appetite" for risk in risks if risk["above_appetite"])


def test_changing_the_cadence_moves_the_next_review_by_it(client, org, sign_in):
    risk = RiskFactory(register=org.ln.register, owner=org.risk_ln)
    sign_in(org.admin)
    cadence = {"low": "180", "medium": "90", "high": "60", "very_high": "14"}
    assert client.post("/admin/cadence/edit", data=cadence).status_code == 302
    refused = client.post("/admin/cadence/edit", data=cadence | {"low": "0"})
    assert refused.status_code == 400 and b"from 1 to 366" in refused.data
    client.post("/sign-out")
    sign_in(org.risk_ln)
    review = {
        "reviewed_on": [str(today().day), str(today().month), str(today().year)],
        "residual_l": "4",
        "residual_i": "4",
        "commentary": "Worse",
        "outcome": "continue",
        "version": str(risk.version),
    }
    assert client.post(f"/risks/{risk.ref}/reviews/new", data=review).status_code == 302
    db.session.refresh(risk)
    assert risk.next_review_on == today() + timedelta(days=14), "very high: the organisation's 14 days, not 30"
    assert "cadence.changed" in _actions()


def test_a_retired_units_register_takes_no_new_risks(client, org, sign_in):
    team = UnitFactory(code="LNT", name="LN team", kind=UnitKind.UNIT, parent=org.ln)
    units.retire_unit(team, org.admin)
    with pytest.raises(ServiceError, match="LN team is retired"):
        risks_service.create_risk(team.register, {"title": "Anything"}, org.admin)
    sign_in(org.risk_ln)  # a risk manager above it, who could add risks before
    assert client.get("/registers/LNT").status_code == 200, "its register can still be read"


def test_the_people_page_runs_the_same_queries_however_many_people(client, org, sign_in):
    sign_in(org.admin)

    def queries() -> int:
        client.get("/admin/users")
        with count_queries() as statements:
            assert client.get("/admin/users").status_code == 200
        return len(statements)

    few = queries()
    for n in range(20):
        user_with_role(Role.VIEWER, org.ls if n % 2 else org.ln)
    assert queries() == few
