"""The demo organisation contains what riskreg is for (DESIGN §8)."""

import sqlalchemy as sa
import sqlalchemy.orm

from riskreg import demo
from riskreg.clock import today
from riskreg.demo import APPETITE_AREA
from riskreg.enums import AppetiteLevel, Influence, RiskStatus
from riskreg.extensions import db
from riskreg.models import ControlTest, Countermeasure, Evidence, Register, Review, Risk, RiskLink, Unit
from riskreg.rules import scoring
from riskreg.services import registers
from riskreg.services.audit import trail as audit


def _count(query) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))


def test_demo_organisation_has_what_riskreg_is_for(demo):
    codes = set(db.session.scalars(sa.select(Unit.code)))
    assert {"HQ", "LN", "LS", "MC", "YH", "CW", "WX", "SCCTD", "SCCTD-CT", "CFD", "OCD", "WRH"} <= codes
    assert _count(sa.select(Unit).where(Unit.kind == "area")) == 14

    per_register = db.session.execute(sa.select(Risk.register_id, sa.func.count()).group_by(Risk.register_id)).all()
    assert len(per_register) == _count(sa.select(Register))
    assert all(15 <= count <= 30 for _, count in per_register)

    ln = sa.select(Risk).join(Register).join(Unit).where(Unit.code == "LN")
    assert _count(ln.where(Risk.next_review_on < today(), Risk.status == RiskStatus.OPEN)) >= 3
    without_countermeasures = sa.select(Risk).where(~Risk.countermeasures.any())
    assert _count(without_countermeasures) > 10
    assert _count(sa.select(Risk).where(Risk.influence == Influence.LOW)) > 10
    assert _count(sa.select(Risk).where(Risk.restricted.is_(True))) >= 1
    assert _count(sa.select(Countermeasure).where(Countermeasure.due_on < today())) > 0

    oldest = db.session.scalar(sa.select(sa.func.min(Review.reviewed_on)))
    assert (today() - oldest).days > 500  # two years of history


def test_area_risks_restate_corporate_risks_in_other_words(demo):
    corporate = set(db.session.scalars(sa.select(Risk.title).join(Register).join(Unit).where(Unit.code == "HQ")))
    london_north = set(db.session.scalars(sa.select(Risk.title).join(Register).join(Unit).where(Unit.code == "LN")))
    assert "Workforce capacity and capability" in corporate
    assert "Insufficient staff to meet caseload" in london_north
    assert not corporate & london_north  # the same risks, never the same words


def _fingerprint(session) -> list[tuple]:
    """What the demo is made of, by natural keys (ids differ between databases): risks, reviews, links,
    control tests and evidence files."""
    source, target = sa.orm.aliased(Risk), sa.orm.aliased(Risk)
    queries = [
        sa.select(Risk.ref, Risk.title, Risk.residual_l, Risk.residual_i, Risk.next_review_on).order_by(Risk.id),
        sa.select(Risk.ref, Review.reviewed_on, Review.residual_l).join(Review.risk).order_by(Review.id),
        sa.select(source.ref, target.ref, RiskLink.kind)
        .join(source, RiskLink.from_risk_id == source.id)
        .join(target, RiskLink.to_risk_id == target.id)
        .order_by(RiskLink.id),
        sa.select(Countermeasure.title, ControlTest.tested_on, ControlTest.line, ControlTest.conclusion)
        .join(ControlTest.countermeasure)
        .order_by(ControlTest.id),
        sa.select(Evidence.filename, Evidence.sha256).order_by(Evidence.id),
    ]
    return [tuple(row) for query in queries for row in session.execute(query)]


def _advance_ids(session, by: int = 7) -> None:
    """On PostgreSQL, move every id sequence on, as the rolled-back tests before this one do: sequences are not
    rolled back, so a demo seeded into a used database gets other ids than the shared one (SQLite reuses them)."""
    if session.bind.dialect.name != "postgresql":
        return
    for table in db.metadata.sorted_tables:
        if "id" in table.c and table.c.id.autoincrement is not False:
            sequence = session.scalar(sa.select(sa.func.pg_get_serial_sequence(table.name, "id")))
            if sequence:
                session.execute(sa.select(sa.func.setval(sequence, sa.func.nextval(sequence) + by, False)))


def test_demo_is_deterministic_and_its_audit_trail_verifies(demo_app, on_the_demos_day):
    """Seeding again (here, into the test database, its ids moved on) builds exactly what the shared demo holds."""
    _advance_ids(db.session)
    demo.seed()
    db.session.flush()
    assert audit.verify_chain().ok
    with demo_app.app_context(), sa.orm.Session(db.engine) as demo_session:
        assert _fingerprint(db.session) == _fingerprint(demo_session)
    titles = db.session.scalars(sa.select(Risk.ref + Risk.title).order_by(Risk.id)).all()
    assert titles[:3] == [
        "HQ-001Workforce capacity and capability",
        "HQ-002Reduction in funding and financial sustainability",
        "HQ-003Custody time limit failures",
    ]


def test_wessex_has_an_appetite_of_its_own_that_changes_what_is_above_it(demo):
    wessex = db.session.scalar(sa.select(Unit).where(Unit.code == APPETITE_AREA))
    rules = registers.rules()
    assert rules.unit_appetite == {wessex.id: {"operations": AppetiteLevel.AVERSE}}
    risks = db.session.scalars(
        sa.select(Risk).where(Risk.register_id == wessex.register.id, Risk.status == RiskStatus.OPEN)
    ).all()
    # Above Wessex's appetite, within the organisation's: what the override changes.
    changed = [
        risk.ref
        for risk in risks
        if scoring.is_above_appetite(risk.residual_score, risk.category, rules, risk.register_id)
        and not scoring.is_above_appetite(risk.residual_score, risk.category, rules)
    ]
    assert changed
    stored = registers.register_figures(today(), {wessex.register.id})[wessex.register.id].above_appetite
    assert stored == sum(
        scoring.is_above_appetite(risk.residual_score, risk.category, rules, risk.register_id) for risk in risks
    )
