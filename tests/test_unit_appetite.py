"""Risk appetite per unit (issue 17): every place that says "above appetite" uses the appetite of the risk's unit
(its own, else its nearest parent's, else the organisation's).

London North sets an averse appetite (tolerance 4) for operations; the organisation's is cautious (9). The same
operations risk scored 2 x 3 = 6 is then above appetite in London North and within it in London South.
"""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from riskreg.clock import today
from riskreg.enums import AppetiteLevel, DivergenceKind, FlagKind, FlagStatus, UnitKind
from riskreg.extensions import db
from riskreg.models import AuditEvent, Flag, Risk
from riskreg.services import committee, links, registers
from riskreg.services.administration import scoring, units
from riskreg.services.certificates import queries
from riskreg.services.flags import scan
from tests.certificates.support import draft
from tests.conftest import count_queries
from tests.factories import RiskFactory, RiskLinkFactory, UnitFactory

OPERATIONS_SIX = {"category": "operations", "residual_l": 2, "residual_i": 3}


@pytest.fixture
def six(org):
    """An operations risk scored 6 in London North and one in London South."""
    return (
        RiskFactory(register=org.ln.register, **OPERATIONS_SIX),
        RiskFactory(register=org.ls.register, **OPERATIONS_SIX),
    )


def _averse_ln(org):
    return scoring.set_unit_appetite(org.ln, {"operations": AppetiteLevel.AVERSE}, org.admin)


def _above_in_figures(register) -> int:
    db.session.flush()
    return (
        registers.register_figures(today(), {register.id}).get(register.id, registers.RegisterFigures()).above_appetite
    )


def test_a_units_appetite_applies_to_its_register_and_the_units_inside_it(org, six):
    ln_risk, ls_risk = six
    inside = UnitFactory(code="LNC", name="London North Crown Court", kind=UnitKind.UNIT, parent=org.ln)
    scoring.forget()  # the factory wrote the unit behind the services' back
    inside_risk = RiskFactory(register=inside.register, **OPERATIONS_SIX)
    assert _above_in_figures(org.ln.register) == 0
    changes = _averse_ln(org)
    assert changes == {"operations": [None, AppetiteLevel.AVERSE]}
    rules = registers.rules()
    above = {risk.ref: scoring_rule(risk, rules) for risk in (ln_risk, ls_risk, inside_risk)}
    assert above == {ln_risk.ref: True, ls_risk.ref: False, inside_risk.ref: True}
    # The stored register figures were recounted in the same transaction.
    assert (_above_in_figures(org.ln.register), _above_in_figures(org.ls.register)) == (1, 0)
    assert _above_in_figures(inside.register) == 1
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "unit_appetite.changed"))
    assert event.entity_id == org.ln.id and event.changes == {"operations": [None, "averse"]}


def scoring_rule(risk: Risk, rules) -> bool:
    from riskreg.rules import scoring as scoring_rules

    return scoring_rules.is_above_appetite(risk.residual_score, risk.category, rules, risk.register_id)


def test_clearing_a_units_appetite_brings_back_the_inherited_one(org, six):
    _averse_ln(org)
    assert _above_in_figures(org.ln.register) == 1
    assert scoring.set_unit_appetite(org.ln, {"operations": None}, org.admin) == {
        "operations": [AppetiteLevel.AVERSE, None]
    }
    assert _above_in_figures(org.ln.register) == 0
    with pytest.raises(Exception, match="Nothing has changed"):
        scoring.set_unit_appetite(org.ln, {"operations": None}, org.admin)


def test_moving_a_unit_makes_it_inherit_from_its_new_parent(org):
    unit = UnitFactory(code="XU", name="Crown Court Unit", kind=UnitKind.UNIT, parent=org.ls)
    scoring.forget()
    risk = RiskFactory(register=unit.register, **OPERATIONS_SIX)
    _averse_ln(org)
    assert _above_in_figures(unit.register) == 0
    units.move_unit(unit, org.ln, org.admin)
    assert _above_in_figures(unit.register) == 1
    assert scoring_rule(risk, registers.rules())


def test_the_register_pages_and_the_api_mark_the_units_appetite(app, client, org, six, sign_in):
    ln_risk, ls_risk = six
    _averse_ln(org)
    db.session.commit()
    sign_in(org.hq_risk)
    ln_page = client.get("/registers/LN").data.decode()
    ls_page = client.get("/registers/LS").data.decode()
    assert "Above appetite" in ln_page and "Above appetite" not in ls_page
    risk_page = client.get(f"/risks/{ln_risk.ref}").data.decode()
    assert "Above appetite" in risk_page


@pytest.mark.usefixtures("clock_in_period")
def test_certificates_disclose_what_is_above_the_units_appetite(org, six):
    ln_risk, _ls_risk = six
    certificate = draft(org)
    groups = {g["kind"]: g["items"] for g in queries.view(certificate, today()).disclosures["groups"]}
    assert not [item for item in groups["above_appetite"] if item["ref"] == ln_risk.ref]
    _averse_ln(org)
    db.session.commit()
    groups = {g["kind"]: g["items"] for g in queries.view(certificate, today()).disclosures["groups"]}
    [item] = [item for item in groups["above_appetite"] if item["ref"] == ln_risk.ref]
    assert "tolerance 4" in item["text"]


def test_the_committee_holds_each_contributor_against_its_own_units_appetite(org, six):
    ln_risk, ls_risk = six
    corporate = RiskFactory(register=org.hq.register, category="operations", residual_l=2, residual_i=3)
    for contributor in six:
        RiskLinkFactory(from_risk=contributor, to_risk=corporate)
    db.session.commit()
    _averse_ln(org)
    [entry] = [entry for entry in committee.committee_view() if entry.risk.id == corporate.id]
    assert not entry.above_appetite  # headquarters keeps the organisation's appetite
    assert entry.rollup.above_appetite == 1
    kinds = {(alert.kind, alert.contributor_ids) for alert in entry.alerts}
    assert (DivergenceKind.ABOVE_APPETITE_PARENT_WITHIN, (ln_risk.id,)) in kinds
    assert [alert.kind for alert in links.divergences_for([ls_risk.id]).get(ls_risk.id, [])] == []
    # The committee page (its own faster reading of the same facts) marks the same contributor, and only it.
    [page_entry] = [entry for entry in committee.committee_page(today()).page.items if entry.risk.id == corporate.id]
    assert not page_entry.above_appetite
    marked = {shown.risk.ref: shown.above_appetite for _unit, listed in page_entry.groups for shown in listed}
    assert marked == {ln_risk.ref: True, ls_risk.ref: False}
    # And the figures the page counts and orders by, read by the database, apply the unit's appetite too.
    [figures] = [f for f in committee.corporate_figures(today()) if f.id == corporate.id]
    assert not figures.above_appetite and figures.alerts == (DivergenceKind.ABOVE_APPETITE_PARENT_WITHIN,)


def test_flags_are_raised_against_the_units_appetite(frozen_clock, org, six):
    ln_risk, ls_risk = six
    for risk in six:  # no countermeasure, added long ago: flagged only when above appetite
        risk.created_at = risk.created_at - timedelta(days=60)
    db.session.commit()
    _averse_ln(org)
    scan.scan_saved([ln_risk, ls_risk])
    raised = set(
        db.session.execute(
            sa.select(Flag.risk_id, Flag.kind).where(
                Flag.status == FlagStatus.OPEN, Flag.kind == FlagKind.NO_COUNTERMEASURES
            )
        ).tuples()
    )
    assert raised == {(ln_risk.id, FlagKind.NO_COUNTERMEASURES)}


def test_pages_read_the_units_appetite_in_a_fixed_number_of_queries(client, org, sign_in):
    """Overrides are read with the other scoring settings, once per request: a register page under an override
    costs what one without does, however many risks and units there are."""
    for _ in range(3):
        RiskFactory(register=org.ln.register, **OPERATIONS_SIX)
    RiskFactory(register=org.ls.register, **OPERATIONS_SIX)
    sign_in(org.hq_risk)

    def queries_for(path: str) -> int:
        client.get(path)
        with count_queries() as statements:
            assert client.get(path).status_code == 200
        return len(statements)

    before = {path: queries_for(path) for path in ("/registers/LN", "/registers/LS", "/registers", "/committee")}
    _averse_ln(org)
    for code in ("A1", "A2", "A3"):
        unit = UnitFactory(code=code, name=f"Area {code}", parent=org.hq)
        scoring.set_unit_appetite(unit, {"legal": AppetiteLevel.EAGER}, org.admin)
        RiskFactory(register=unit.register, **OPERATIONS_SIX)
    db.session.commit()
    after = {path: queries_for(path) for path in before}
    assert after == before


def test_the_unit_appetite_page_reads_in_a_fixed_number_of_queries(client, org, sign_in):
    sign_in(org.admin)

    def queries_for(code: str) -> int:
        path = f"/admin/appetite/units/{code}"
        client.get(path)
        with count_queries() as statements:
            assert client.get(path).status_code == 200
        return len(statements)

    deep = org.ln
    for code in ("D1", "D2", "D3"):
        deep = UnitFactory(code=code, name=f"Unit {code}", kind=UnitKind.UNIT, parent=deep)
    scoring.set_unit_appetite(org.ln, {"legal": AppetiteLevel.EAGER}, org.admin)
    db.session.commit()
    assert queries_for("D3") == queries_for("LN")
