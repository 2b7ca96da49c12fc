"""The demo shows links at work: what the committee sees, each divergence, and escalation (issue "Must show")."""

import io
import re

import sqlalchemy as sa
from bs4 import BeautifulSoup
from pypdf import PdfReader

from riskreg import demo
from riskreg.clock import today
from riskreg.demo.content import CORPORATE_RISKS, LOCAL_RISKS
from riskreg.enums import DivergenceKind, LinkKind, UnitKind
from riskreg.extensions import db
from riskreg.models import AuditEvent, Register, Risk, RiskLink, Unit
from riskreg.services import committee, links
from riskreg.services.audit import trail as audit
from tests.web.test_committee import committee_pack

RESTATEMENTS = {theme[0] for theme in LOCAL_RISKS[:12]}


def _sign_in(client, email):
    response = client.post("/sign-in", data={"email": email, "password": demo.DEMO_PASSWORD})
    assert response.status_code == 302


def _linked_titles(unit_code: str) -> set[str]:
    source = sa.orm.aliased(Risk)
    return set(
        db.session.scalars(
            sa.select(source.title)
            .join(RiskLink, RiskLink.from_risk_id == source.id)
            .join(Register, Register.id == source.register_id)
            .join(Unit, Unit.id == Register.unit_id)
            .where(Unit.code == unit_code)
        )
    )


def _text(response) -> str:
    return BeautifulSoup(response.data, "html.parser").get_text(" ", strip=True)


def test_the_demo_shows_links_to_the_committee_and_hq_can_escalate(client, demo):
    # One test walking through the demo: the data, then the committee, then an escalation.
    _check_demo_data()
    _committee_member_reviews_the_demo(client)
    _hq_escalates_an_area_risk_into_a_new_corporate_risk(client)


def _check_demo_data():
    entries = committee.committee_view()
    kinds = {alert.kind for entry in entries for alert in entry.alerts}
    assert kinds == set(DivergenceKind)
    assert len(entries) == len(CORPORATE_RISKS)  # the closed one stays: an open risk still informs it

    # London North has linked some restatements of corporate risks and not others; North East leaves only the
    # inspection's themes (workforce, funding, police files, accommodation) unlinked; Wessex links them all.
    ln_linked = _linked_titles("LN") & RESTATEMENTS
    assert 0 < len(ln_linked) < 12
    for code, complete in (("NE", False), ("WX", True)):
        restated = set(
            db.session.scalars(
                sa.select(Risk.title).join(Register).join(Unit).where(Unit.code == code, Risk.title.in_(RESTATEMENTS))
            )
        )
        estate = "Office move disrupts the area"  # only London North links it: HQ closes the estate risk
        assert restated and ((restated - {estate}) <= _linked_titles(code)) is complete

    # Casework divisions inform corporate risks too, and every kind of link is there.
    division_to_hq = (
        sa.select(sa.func.count())
        .select_from(RiskLink)
        .join(Risk, Risk.id == RiskLink.from_risk_id)
        .join(Register, Register.id == Risk.register_id)
        .join(Unit, Unit.id == Register.unit_id)
        .where(Unit.kind == UnitKind.DIVISION, RiskLink.kind == LinkKind.CONTRIBUTES_TO)
    )
    assert db.session.scalar(division_to_hq) >= 4
    assert set(db.session.scalars(sa.select(RiskLink.kind).distinct())) == set(LinkKind)
    assert audit.verify_chain().ok


def test_the_corporate_registers_link_alerts_fit_on_one_screen_each_saying_what_to_do(demo):
    """Issue 13: one alert per corporate risk and reason (50 before), each ending in what to do."""
    alerts = [alert for entry in committee.committee_view() for alert in entry.alerts]
    assert set(alert.kind for alert in alerts) == set(DivergenceKind)
    assert len(alerts) <= 12
    per_reason = [(alert.parent_id, alert.kind) for alert in alerts]
    assert len(per_reason) == len(set(per_reason))
    for alert in alerts:
        action = alert.message.split(": ", 1)[1]
        assert action.startswith(("review ", "link them")), alert.message
    # The registers index counts the corporate register's alerts the same way.
    corporate = db.session.scalar(sa.select(Register).join(Unit).where(Unit.kind == UnitKind.HEADQUARTERS))
    assert links.divergence_counts_by_register()[corporate.id] == len(alerts)


def _committee_member_reviews_the_demo(client):
    _sign_in(client, "committee@example.org")
    page = _text(client.get("/committee"))
    assert "HQ-003 Custody time limit failures" in page and "LN-003 Custody cases released" in page
    assert re.search(
        r"contributing risks? \([^)]*LN-003[^)]*\) (is|are) in a higher band than HQ-003: review "
        r"HQ-003's score",
        page,
    )

    pdf = committee_pack(client, today())
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages).split())
    for title, *_rest in CORPORATE_RISKS:
        assert title in text, title
    assert "LN-003 Custody cases released because time limits are missed" in text
    assert re.search(r"SCCTD-\d{3} ", text)  # a division's contributor
    client.post("/sign-out")


def _hq_escalates_an_area_risk_into_a_new_corporate_risk(client):
    area = db.session.scalar(sa.select(Risk).where(Risk.ref == "LN-013"))
    _sign_in(client, "hq.risk@example.org")
    form = BeautifulSoup(client.get(f"/risks/{area.ref}/escalate/new").data, "html.parser")
    data = {field["name"]: field.get("value", "") for field in form.select("form input") if field.get("name")}
    data.update(
        {
            select["name"]: (select.select_one("option[selected]") or {"value": ""})["value"]
            for select in form.select("form select")
        }
    )
    data.update({area_["name"]: area_.text for area_ in form.select("form textarea")})
    data.update(
        {
            "influence": "medium",
            "rationale": "Several areas report it",
            "owner_id": form.select("#owner_id option")[1]["value"],
        }
    )
    response = client.post(f"/risks/{area.ref}/escalate/new", data=data)
    assert response.status_code == 302, response.data.decode()[:3000]
    created = db.session.scalar(sa.select(Risk).where(Risk.ref == f"HQ-{len(CORPORATE_RISKS) + 1:03d}"))
    assert created.title == area.title
    created_page = _text(client.get(f"/risks/{created.ref}"))
    area_page = _text(client.get(f"/risks/{area.ref}"))
    assert f"{area.ref} {area.title}" in created_page.split("Informed by")[1].split("Countermeasures")[0]
    assert f"{created.ref} {created.title}" in area_page.split("Informs")[1].split("Informed by")[0]
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "link.added", AuditEvent.risk_id.in_([area.id, created.id]))
    )
    assert {event.risk_id for event in events} == {area.id, created.id}
