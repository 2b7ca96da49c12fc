"""Linking risks across registers: add, refuse, remove, escalate and cascade, with divergence alerts."""

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from riskreg.enums import LinkKind, RiskStatus, Role, UnitKind
from riskreg.extensions import db
from riskreg.models import AuditEvent, Risk, RiskLink
from tests.conftest import count_queries
from tests.factories import RiskFactory, RiskLinkFactory, UnitFactory, user_with_role


def _soup(response):
    return BeautifulSoup(response.data, "html.parser")


def _summary(response) -> str:
    summary = _soup(response).select_one(".govuk-error-summary")
    return summary.get_text(" ", strip=True) if summary else ""


def _section(response, heading: str) -> str:
    """The text from a risk page's h3 ``heading`` up to the next heading."""
    soup = _soup(response)
    start = next(h for h in soup.select("h3") if h.get_text(strip=True) == heading)
    parts = []
    for sibling in start.find_next_siblings():
        if sibling.name in ("h2", "h3"):
            break
        parts.append(sibling.get_text(" ", strip=True))
    return " ".join(parts)


def _links() -> list[RiskLink]:
    return list(db.session.scalars(sa.select(RiskLink)))


def _events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))


def _link_form(target, kind="contributes_to", rationale="The area's form of the corporate risk"):
    return {"kind": kind, "target_ref": target if isinstance(target, str) else target.ref, "rationale": rationale}


@pytest.fixture
def pair(org):
    """An area risk and a corporate risk."""
    area = RiskFactory(register=org.ln.register, title="Custody cases released", owner=org.risk_ln)
    corporate = RiskFactory(register=org.hq.register, title="Custody time limit failures", owner=org.risk_hq)
    return area, corporate


def test_linking_shows_on_both_risks_pages_and_is_audited_for_both(client, org, sign_in, pair):
    area, corporate = pair
    sign_in(org.risk_ln)
    response = client.post(f"/risks/{area.ref}/links/new", data=_link_form(corporate.ref.lower()))
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/risks/{area.ref}#links")
    [link] = _links()
    assert (link.from_risk_id, link.to_risk_id, link.kind) == (area.id, corporate.id, LinkKind.CONTRIBUTES_TO)
    assert link.created_by_id == org.risk_ln.id and link.rationale == "The area's form of the corporate risk"

    informs = _section(client.get(f"/risks/{area.ref}"), "Informs")
    assert corporate.ref in informs and "Headquarters" in informs and "The area's form" in informs
    informed_by = _section(client.get(f"/risks/{corporate.ref}"), "Informed by")
    assert area.ref in informed_by and "London North" in informed_by
    events = _events("link.added")
    assert {event.risk_id for event in events} == {area.id, corporate.id}
    assert all(event.changes["kind"] == "contributes_to" and event.actor_id == org.risk_ln.id for event in events)
    assert "Link added" in _soup(client.get(f"/risks/{corporate.ref}")).select_one("#history + table").text


def test_linked_risks_show_register_band_trend_and_review_freshness(client, org, sign_in, pair):
    area, corporate = pair
    RiskLinkFactory(from_risk=area, to_risk=corporate)
    sign_in(org.viewer_ln)
    row = _soup(client.get(f"/risks/{area.ref}")).select_one("#links ~ table tbody tr")
    cells = [cell.get_text(" ", strip=True) for cell in row.select("td")]
    assert cells[1] == "Headquarters"
    assert cells[2].startswith("9 Medium")  # 3 x 3
    assert cells[3] == "Steady"
    assert cells[4].startswith("Reviewed")


@pytest.mark.parametrize(
    ("source", "target", "kind", "message"),
    [
        ("area", "area", "related", "A risk cannot be linked to itself: choose a risk other than LN-001"),
        (
            "corporate",
            "area",
            "contributes_to",
            "HQ-001 cannot contribute to LN-001: London North is below Headquarters in the organisation",
        ),
        ("area", "other_area", "contributes_to", "London South is not above London North in the organisation"),
        ("area", "area_too", "related", "Link risks in different registers"),
    ],
)
def test_bad_links_are_refused_with_a_clear_message(client, org, sign_in, pair, source, target, kind, message):
    area, corporate = pair
    risks = {
        "area": area,
        "corporate": corporate,
        "other_area": RiskFactory(register=org.ls.register),
        "area_too": RiskFactory(register=org.ln.register),
    }
    sign_in(org.hq_risk)
    events = len(_events("link.added"))
    response = client.post(f"/risks/{risks[source].ref}/links/new", data=_link_form(risks[target], kind))
    assert response.status_code == 400
    assert message in _summary(response)
    assert _links() == [] and len(_events("link.added")) == events


def test_a_contributes_to_cycle_is_refused_and_the_loop_named(client, org, sign_in, pair):
    area, corporate = pair
    RiskLinkFactory(from_risk=area, to_risk=corporate)
    sign_in(org.hq_risk)
    response = client.post(f"/risks/{corporate.ref}/links/new", data=_link_form(area))
    assert response.status_code == 400
    assert "HQ-001 already informs LN-001" not in _summary(response)
    assert "LN-001 already informs HQ-001, so the link would make a loop (HQ-001 → LN-001 → HQ-001)" in _summary(
        response
    )
    assert len(_links()) == 1


def test_a_loop_through_legacy_links_is_found_however_deep(client, org, sign_in):
    # A division with a unit below it; a link that points down (made before a reorganisation) and one up.
    division = UnitFactory(code="DV", name="A Division", kind=UnitKind.DIVISION, parent=org.hq)
    unit = UnitFactory(code="DV-U", name="A Unit", kind=UnitKind.UNIT, parent=division)
    corporate = RiskFactory(register=org.hq.register)
    division_risk = RiskFactory(register=division.register)
    unit_risk = RiskFactory(register=unit.register)
    RiskLinkFactory(from_risk=corporate, to_risk=division_risk)  # legacy: points down
    RiskLinkFactory(from_risk=division_risk, to_risk=unit_risk)  # legacy: points down
    sign_in(org.hq_risk)
    response = client.post(f"/risks/{unit_risk.ref}/links/new", data=_link_form(corporate))
    assert response.status_code == 400
    assert f"loop ({unit_risk.ref} → {corporate.ref} → {division_risk.ref} → {unit_risk.ref})" in _summary(response)


def test_the_same_link_twice_is_refused(client, org, sign_in, pair):
    area, corporate = pair
    RiskLinkFactory(from_risk=area, to_risk=corporate)
    sign_in(org.risk_ln)
    response = client.post(f"/risks/{area.ref}/links/new", data=_link_form(corporate))
    assert response.status_code == 400 and "LN-001 already contributes to HQ-001" in _summary(response)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"kind": ""}, "Select how the risks are linked"),
        ({"target_ref": ""}, "Enter the reference of the other risk"),
        ({"rationale": " "}, "Enter why the risks are linked"),
        ({"target_ref": "ZZ-999"}, "No risk has the reference ZZ-999"),
    ],
)
def test_incomplete_link_forms_are_explained(client, org, sign_in, pair, overrides, message):
    area, corporate = pair
    sign_in(org.risk_ln)
    response = client.post(f"/risks/{area.ref}/links/new", data={**_link_form(corporate), **overrides})
    assert response.status_code == 400 and message in _summary(response)
    assert _links() == []


def test_a_restricted_risk_the_user_cannot_see_is_not_revealed(client, org, sign_in):
    secret = RiskFactory(register=org.ls.register, restricted=True)
    area = RiskFactory(register=org.ln.register)
    sign_in(org.risk_ln)
    response = client.post(f"/risks/{area.ref}/links/new", data=_link_form(secret, "related"))
    assert response.status_code == 400 and f"No risk has the reference {secret.ref}" in _summary(response)


def test_a_restricted_linked_risk_is_counted_not_shown(client, org, sign_in):
    secret = RiskFactory(register=org.ls.register, restricted=True, title="Secret title")
    area = RiskFactory(register=org.ln.register)
    RiskLinkFactory(from_risk=area, to_risk=secret, kind=LinkKind.RELATED)
    sign_in(org.viewer_ln)
    page = _soup(client.get(f"/risks/{area.ref}")).get_text(" ", strip=True)
    assert "Secret title" not in page and "1 linked risk is restricted and not shown to you" in page


def test_only_editors_of_the_risks_register_or_hq_risk_may_link(client, org, sign_in, pair):
    area, corporate = pair
    sign_in(org.viewer_ln)
    assert client.get(f"/risks/{area.ref}/links/new").status_code == 403
    assert "Link to another risk" not in client.get(f"/risks/{area.ref}").data.decode()
    assert client.post(f"/risks/{area.ref}/links/new", data=_link_form(corporate)).status_code == 403
    assert _links() == []


def test_removing_a_link_asks_first_and_is_audited_for_both_risks(client, org, sign_in, pair):
    area, corporate = pair
    link = RiskLinkFactory(from_risk=area, to_risk=corporate)
    sign_in(org.risk_hq)
    page = client.get(f"/links/{link.id}/remove?from={corporate.ref}")
    assert page.status_code == 200 and "Are you sure you want to remove this link?" in page.data.decode()
    response = client.post(f"/links/{link.id}/remove?from={corporate.ref}")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/risks/{corporate.ref}#links")
    assert _links() == []
    assert {event.risk_id for event in _events("link.removed")} == {area.id, corporate.id}
    assert "does not inform" in _section(client.get(f"/risks/{area.ref}"), "Informs")


def test_removal_redirects_only_to_one_of_the_linked_risks(client, org, sign_in, pair):
    area, corporate = pair
    link = RiskLinkFactory(from_risk=area, to_risk=corporate)
    sign_in(org.risk_ln)
    response = client.post(f"/links/{link.id}/remove?from=https://evil.example")
    assert response.headers["Location"].endswith(f"/risks/{area.ref}#links")


def test_people_who_edit_neither_register_cannot_remove_a_link(client, org, sign_in, pair):
    area, corporate = pair
    link = RiskLinkFactory(from_risk=area, to_risk=corporate)
    sign_in(org.head_ls)
    assert client.post(f"/links/{link.id}/remove").status_code == 403
    assert client.get("/links/999999/remove").status_code == 404
    assert len(_links()) == 1


# Escalation ---------------------------------------------------------------------------------------


def test_escalating_to_an_existing_corporate_risk(client, org, sign_in, pair):
    area, corporate = pair
    sign_in(org.risk_ln)
    page = client.get(f"/risks/{area.ref}/escalate")
    assert corporate.title in page.data.decode()
    assert "Only the HQ risk team or a corporate risk manager can create a corporate risk" in page.data.decode()
    response = client.post(
        f"/risks/{area.ref}/escalate", data={"target_id": str(corporate.id), "rationale": "Same risk, locally"}
    )
    assert response.status_code == 302
    [link] = _links()
    assert (link.from_risk_id, link.to_risk_id, link.kind) == (area.id, corporate.id, LinkKind.CONTRIBUTES_TO)


def test_an_area_risk_manager_cannot_create_a_corporate_risk(client, org, sign_in, pair):
    area, _corporate = pair
    sign_in(org.risk_ln)
    assert client.get(f"/risks/{area.ref}/escalate/new").status_code == 403


def _new_risk_form(owner, **overrides):
    data = {
        "title": "Custody time limit failures across areas",
        "cause": "Manual diaries",
        "event": "limits expire",
        "consequence": "defendants released",
        "category": "legal",
        "objective": "quality",
        "owner_id": str(owner.id),
        "influence": "medium",
        "inherent_l": "4",
        "inherent_i": "5",
        "residual_l": "3",
        "residual_i": "5",
        "target_l": "2",
        "target_i": "4",
        "rationale": "Failures in several areas make this a corporate risk",
    }
    data.update(overrides)
    return data


def test_escalating_into_a_new_corporate_risk_links_both_pages_and_is_audited(client, org, sign_in, pair):
    area, _corporate = pair
    sign_in(org.hq_risk)
    form = _soup(client.get(f"/risks/{area.ref}/escalate/new"))
    assert form.select_one("#title")["value"] == area.title  # pre-filled from the area risk
    response = client.post(f"/risks/{area.ref}/escalate/new", data=_new_risk_form(org.risk_hq))
    assert response.status_code == 302
    created = db.session.scalar(sa.select(Risk).where(Risk.title == "Custody time limit failures across areas"))
    assert created.register_id == org.hq.register.id and created.ref == "HQ-002"
    assert response.headers["Location"].endswith(f"/risks/{created.ref}#links")
    assert area.ref in _section(client.get(f"/risks/{created.ref}"), "Informed by")
    assert created.ref in _section(client.get(f"/risks/{area.ref}"), "Informs")
    assert _events("risk.created")[0].risk_id == created.id
    assert {event.risk_id for event in _events("link.added")} == {area.id, created.id}


def test_escalation_refuses_a_missing_rationale_and_creates_nothing(client, org, sign_in, pair):
    area, _corporate = pair
    sign_in(org.risk_hq)
    response = client.post(f"/risks/{area.ref}/escalate/new", data=_new_risk_form(org.risk_hq, rationale=""))
    assert response.status_code == 400 and "Enter why the risks are linked" in _summary(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Risk)) == 2


def test_corporate_risks_have_nowhere_to_escalate(client, org, sign_in, pair):
    _area, corporate = pair
    sign_in(org.hq_risk)
    assert client.get(f"/risks/{corporate.ref}/escalate").status_code == 404
    assert "Escalate to a corporate risk" not in client.get(f"/risks/{corporate.ref}").data.decode()


# Cascade ---------------------------------------------------------------------------------------------


def test_cascading_a_corporate_risk_creates_a_linked_local_instance(client, org, sign_in, pair):
    _area, corporate = pair
    sign_in(org.risk_hq)
    choose = client.post(f"/risks/{corporate.ref}/cascade", data={"register": "LS"})
    assert choose.headers["Location"].endswith(f"/risks/{corporate.ref}/cascade/LS")
    page = _soup(client.get(f"/risks/{corporate.ref}/cascade/LS"))
    assert page.select_one("#title")["value"] == corporate.title
    response = client.post(
        f"/risks/{corporate.ref}/cascade/LS",
        data=_new_risk_form(org.risk_ls, title="Custody time limits in London South"),
    )
    assert response.status_code == 302
    local = db.session.scalar(sa.select(Risk).where(Risk.title == "Custody time limits in London South"))
    assert local.register_id == org.ls.register.id
    [link] = [link for link in _links() if link.from_risk_id == local.id]
    assert link.to_risk_id == corporate.id and link.kind is LinkKind.CONTRIBUTES_TO
    assert local.ref in _section(client.get(f"/risks/{corporate.ref}"), "Informed by")


def test_cascade_only_offers_registers_the_user_may_write_to(client, org, sign_in, pair):
    _area, corporate = pair
    sign_in(org.risk_ln)
    options = [o["value"] for o in _soup(client.get(f"/risks/{corporate.ref}/cascade")).select("#register option")]
    assert options == ["", "LN"]
    assert client.get(f"/risks/{corporate.ref}/cascade/LS").status_code == 403


def test_viewers_cannot_cascade(client, org, sign_in, pair):
    _area, corporate = pair
    sign_in(org.viewer_ln)
    assert "Cascade to a local register" not in client.get(f"/risks/{corporate.ref}").data.decode()
    assert client.get(f"/risks/{corporate.ref}/cascade").status_code == 403


def test_cascade_is_refused_into_a_register_that_is_not_below(client, org, sign_in):
    area = RiskFactory(register=org.ln.register)
    sign_in(org.hq_risk)
    response = client.post(f"/risks/{area.ref}/cascade/LS", data=_new_risk_form(org.risk_ls))
    assert response.status_code == 400
    assert "Choose a register below London North to cascade LN-001 into" in _summary(response)


# Divergence alerts ----------------------------------------------------------------------------------


def test_divergence_alerts_show_on_both_risks_pages(client, org, sign_in):
    corporate = RiskFactory(register=org.hq.register, residual_l=2, residual_i=3, category="operations")
    area = RiskFactory(register=org.ln.register, residual_l=4, residual_i=4, category="operations")
    RiskLinkFactory(from_risk=area, to_risk=corporate)
    sign_in(org.viewer_ln)
    for ref in (area.ref, corporate.ref):
        banner = _soup(client.get(f"/risks/{ref}")).select_one(".govuk-notification-banner").get_text(" ", strip=True)
        assert "1 contributing risk (LN-001) is in a higher band than HQ-001: review HQ-001's score" in banner
        assert "1 contributing risk (LN-001) is above appetite while HQ-001 is within it" in banner


def test_a_closed_parent_with_open_contributors_is_an_alert(client, org, sign_in):
    corporate = RiskFactory(register=org.hq.register, status=RiskStatus.CLOSED)
    area = RiskFactory(register=org.ln.register)
    RiskLinkFactory(from_risk=area, to_risk=corporate)
    sign_in(org.viewer_ln)
    banner = _soup(client.get(f"/risks/{area.ref}")).select_one(".govuk-notification-banner").text
    assert "HQ-001 is closed but 1 contributing risk (LN-001) is still open: link them" in banner


def _index_alerts(client) -> dict[str, str]:
    rows = _soup(client.get("/registers")).select("tbody tr")
    return {row.select_one("th a").text.strip(): row.select("td")[3].get_text(strip=True) for row in rows}


def test_the_registers_index_counts_alerts_in_both_registers_in_constant_queries(client, org, sign_in):
    corporate = RiskFactory(register=org.hq.register, residual_l=1, residual_i=2)  # low
    RiskLinkFactory(from_risk=RiskFactory(register=org.ln.register, residual_l=3, residual_i=2), to_risk=corporate)
    sign_in(org.viewer_ln)
    client.get("/registers")
    with count_queries() as few:
        assert _index_alerts(client) == {"Headquarters": "1", "London North": "1", "London South": "0"}
    for register in (org.ln.register, org.ls.register):
        for _ in range(4):
            RiskLinkFactory(from_risk=RiskFactory(register=register, residual_l=5, residual_i=5), to_risk=corporate)
    with count_queries() as many:
        # Each contributor's own alerts in its register; the corporate register's one per risk and reason.
        assert _index_alerts(client) == {"Headquarters": "2", "London North": "9", "London South": "8"}
    assert len(many) == len(few)


def test_new_roles_see_the_right_link_buttons(client, org, sign_in, pair):
    _area, corporate = pair
    manager = user_with_role(Role.RISK_MANAGER, org.ln, name="Another manager")
    sign_in(manager)
    page = client.get(f"/risks/{corporate.ref}").data.decode()
    # A London North risk manager may cascade a corporate risk into London North, but not link from it.
    assert "Cascade to a local register" in page and "Link to another risk" not in page
