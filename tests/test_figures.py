"""The per-register figures kept on write (riskreg/services/figures.py, issue 20) equal a fresh count after every
kind of write, and count restricted risks only for readers who may see them (issue 17)."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from riskreg.clock import today
from riskreg.enums import LinkKind, ReviewOutcome, RiskStatus, UnitKind
from riskreg.extensions import db
from riskreg.models import ContributorFigure, Register, RegisterFigure, Risk, RiskLink, Unit
from riskreg.rules import scoring
from riskreg.services import committee, figures, links, registers, risks
from tests import factories


def _fresh(register_id: int, with_restricted: bool) -> tuple[int, int, int]:
    """(open risks, above appetite, reviews overdue) counted from the risks themselves."""
    rules = registers.rules()
    found = db.session.scalars(
        sa.select(Risk).where(Risk.register_id == register_id, Risk.status == RiskStatus.OPEN)
    ).all()
    shown = [risk for risk in found if with_restricted or not risk.restricted]
    above = sum(scoring.is_above_appetite(risk.residual_score, risk.category, rules) for risk in shown)
    overdue = sum(risk.next_review_on < today() for risk in shown)
    return len(shown), above, overdue


def _stored(register_id: int, with_restricted: bool) -> registers.RegisterFigures:
    db.session.flush()
    visible = {register_id} if with_restricted else set()
    return registers.register_figures(today(), visible).get(register_id, registers.RegisterFigures())


def assert_figures_fresh(*registers_: Register) -> None:
    alerts = links.divergence_counts_by_register()  # the fresh count, over every risk
    for register in registers_:
        for with_restricted in (False, True):
            stored = _stored(register.id, with_restricted)
            assert (stored.open_risks, stored.above_appetite, stored.reviews_overdue) == _fresh(
                register.id, with_restricted
            )
        assert _stored(register.id, True).link_alerts == alerts.get(register.id, 0)
    assert _stored_contributor_figures() == _fresh_contributor_figures()


def _stored_contributor_figures() -> dict[int, tuple]:
    rows = db.session.scalars(sa.select(ContributorFigure))
    return {row.risk_id: (row.open_contributors, row.highest, row.any_above_appetite) for row in rows}


def _fresh_contributor_figures() -> dict[int, tuple]:
    """Per risk informed: its open contributors, their highest score and whether any is above its own appetite,
    counted from the risks themselves."""
    rules = registers.rules()
    found: dict[int, list] = {}
    for link in db.session.scalars(sa.select(RiskLink).where(RiskLink.kind == LinkKind.CONTRIBUTES_TO)):
        counted = found.setdefault(link.to_risk_id, [0, None, False])
        child = link.from_risk
        if child.is_open:
            counted[0] += 1
            counted[1] = max(counted[1] or 0, child.residual_score)
            counted[2] |= scoring.is_above_appetite(child.residual_score, child.category, rules, child.register_id)
    return {risk_id: tuple(counted) for risk_id, counted in found.items()}


@pytest.fixture
def risk_ln(org):
    return factories.RiskFactory(register=org.ln.register, owner=org.risk_ln)


def _values(**changes):
    values = {
        "title": "Custody time limits missed",
        "cause": "Late files",
        "event": "a custody time limit expires",
        "consequence": "a defendant is released",
        "category": "legal",
        "objective": "quality",
        "influence": factories.Influence.MEDIUM,
        "owner_id": None,
        "inherent_l": 4,
        "inherent_i": 5,
        "residual_l": 3,
        "residual_i": 4,
        "target_l": 2,
        "target_i": 3,
        "restricted": False,
    }
    values.update(changes)
    return values


def test_a_new_risk_counts_at_once(org, frozen_clock):
    risks.create_risk(org.ln.register, _values(residual_l=5, residual_i=5), org.risk_ln)
    assert_figures_fresh(org.ln.register)
    assert _stored(org.ln.register.id, False).above_appetite == 1


def test_an_edit_that_restricts_a_risk_moves_it_out_of_the_shared_figures(org, risk_ln, frozen_clock):
    assert _stored(org.ln.register.id, False).open_risks == 1
    risks.update_risk(risk_ln, {"restricted": True, "residual_l": 5, "residual_i": 5}, risk_ln.version, org.risk_ln)
    assert_figures_fresh(org.ln.register)
    assert _stored(org.ln.register.id, False).open_risks == 0
    assert _stored(org.ln.register.id, True).open_risks == 1


def test_closing_a_risk(org, risk_ln, frozen_clock):
    risks.close_risk(risk_ln, "No longer a risk", risk_ln.version, org.risk_ln)
    assert_figures_fresh(org.ln.register)
    assert _stored(org.ln.register.id, True).open_risks == 0


def test_a_review_moves_the_overdue_count(org, frozen_clock):
    late = factories.RiskFactory(register=org.ln.register, next_review_on=today() - timedelta(days=3))
    assert _stored(org.ln.register.id, False).reviews_overdue == 1
    values = {"reviewed_on": today(), "residual_l": 2, "residual_i": 2, "commentary": "Better"}
    risks.record_review(late, {**values, "outcome": ReviewOutcome.CONTINUE}, late.version, org.risk_ln)
    assert_figures_fresh(org.ln.register)
    assert _stored(org.ln.register.id, False).reviews_overdue == 0


def test_the_overdue_count_follows_the_day_without_a_write(org, frozen_clock):
    factories.RiskFactory(register=org.ln.register, next_review_on=today() + timedelta(days=2))
    assert registers.register_figures(today(), set())[org.ln.register.id].reviews_overdue == 0
    assert registers.register_figures(today() + timedelta(days=3), set())[org.ln.register.id].reviews_overdue == 1


def test_the_index_counts_overdue_reviews_on_the_day_it_is_asked(org, frozen_clock):
    """The index's query is built once (registers._tree_query); the day is a parameter of each run."""
    factories.RiskFactory(register=org.ln.register, next_review_on=today() + timedelta(days=2))

    def overdue_on(day) -> int:
        rows = registers.unit_tree(day, lambda _unit_path: False)
        return next(row for row in rows if row.code == org.ln.code).figures.reviews_overdue

    assert (overdue_on(today()), overdue_on(today() + timedelta(days=3)), overdue_on(today())) == (0, 1, 0)


def test_an_imported_batch(org, frozen_clock):
    row = {name: value for name, value in _values().items() if name != "owner_id"}
    frequency, next_review_on = scoring.review_schedule(12, date(2026, 1, 1), registers.rules())
    schedule = {"review_frequency_days": frequency, "next_review_on": next_review_on}
    made = risks.insert_risks(org.ln.register, [{**row, **schedule, "status": RiskStatus.OPEN}] * 3)
    risks.saved_in_batches([risk_id for risk_id, _ref in made], org.risk_ln)
    assert_figures_fresh(org.ln.register)
    assert _stored(org.ln.register.id, False).open_risks == 3


def test_links_added_and_removed_change_both_registers_alerts(org, frozen_clock):
    corporate = factories.RiskFactory(register=org.hq.register, residual_l=2, residual_i=2)
    area = factories.RiskFactory(register=org.ln.register, residual_l=5, residual_i=5)
    link = links.add_link(area, corporate, LinkKind.CONTRIBUTES_TO, "Custody informs the corporate risk", org.hq_risk)
    assert_figures_fresh(org.ln.register, org.hq.register)
    assert _stored(org.ln.register.id, False).link_alerts >= 1
    links.remove_link(link, org.hq_risk)
    assert_figures_fresh(org.ln.register, org.hq.register)
    assert _stored(org.hq.register.id, True).link_alerts == 0


def test_a_contributor_rescored_changes_the_alerts_of_the_register_it_informs(org, frozen_clock):
    corporate = factories.RiskFactory(register=org.hq.register, residual_l=2, residual_i=3)
    area = factories.RiskFactory(register=org.ln.register, residual_l=2, residual_i=2)
    links.add_link(area, corporate, LinkKind.CONTRIBUTES_TO, "Custody informs the corporate risk", org.hq_risk)
    assert _stored(org.hq.register.id, False).link_alerts == 0
    values = {"reviewed_on": today(), "residual_l": 5, "residual_i": 5, "commentary": "Worse"}
    risks.record_review(area, {**values, "outcome": ReviewOutcome.ESCALATE}, area.version, org.risk_ln)
    assert_figures_fresh(org.ln.register, org.hq.register)
    assert _stored(org.hq.register.id, False).link_alerts >= 1


def test_an_alert_about_a_restricted_risk_is_counted_only_with_it(org, frozen_clock):
    corporate = factories.RiskFactory(register=org.hq.register, residual_l=2, residual_i=2)
    secret = factories.RiskFactory(register=org.ln.register, residual_l=5, residual_i=5, restricted=True)
    factories.RiskLinkFactory(from_risk=secret, to_risk=corporate)
    assert_figures_fresh(org.ln.register, org.hq.register)
    assert _stored(org.hq.register.id, False).link_alerts == 0
    assert _stored(org.hq.register.id, True).link_alerts >= 1


def test_rebuild_all_agrees_with_what_the_writes_kept(org, risk_ln, frozen_clock):
    factories.RiskFactory(register=org.ls.register, restricted=True)
    db.session.flush()
    kept = {(row.register_id, row.restricted): row.open_risks for row in db.session.scalars(sa.select(RegisterFigure))}
    db.session.execute(sa.delete(RegisterFigure))
    assert figures.rebuild_all() == 3
    rebuilt = {
        (row.register_id, row.restricted): row.open_risks for row in db.session.scalars(sa.select(RegisterFigure))
    }
    assert {key: n for key, n in rebuilt.items() if n} == {key: n for key, n in kept.items() if n}
    assert_figures_fresh(org.ln.register, org.ls.register, org.hq.register)


def _open_risks_shown(client, code: str) -> int:
    page = BeautifulSoup(client.get("/registers").data, "html.parser")
    link = page.find("a", href=f"/registers/{code}")
    return int(link.find_parent("tr").find_all("td")[0].get_text(strip=True))


def test_the_index_counts_restricted_risks_only_for_those_who_may_read_them(client, sign_in, org, frozen_clock):
    factories.RiskFactory(register=org.ln.register)
    factories.RiskFactory(register=org.ln.register, restricted=True)
    sign_in(org.head_ls)
    assert _open_risks_shown(client, "LN") == 1
    client.post("/sign-out")
    sign_in(org.viewer_ln)
    assert _open_risks_shown(client, "LN") == 2


def test_an_upgraded_database_fills_its_figures_on_first_read(client, sign_in, org, frozen_clock):
    """Right after `db upgrade` the table is empty (nothing wrote it yet): the first read counts and stores them,
    so the index and the API show the right figures without anyone running `riskreg figures rebuild`."""
    factories.RiskFactory(register=org.ln.register, residual_l=5, residual_i=5, category="legal")
    factories.RiskFactory(register=org.ln.register, restricted=True)
    db.session.execute(sa.delete(RegisterFigure))
    db.session.commit()
    sign_in(org.viewer_ln)
    assert _open_risks_shown(client, "LN") == 2
    stored = {
        (row.register_id, row.restricted): row.open_risks for row in db.session.scalars(sa.select(RegisterFigure))
    }
    assert stored[(org.ln.register.id, False)] == 1 and stored[(org.ln.register.id, True)] == 1
    assert {register_id for register_id, _restricted in stored} == set(db.session.scalars(sa.select(Register.id)))
    assert_figures_fresh(org.ln.register, org.ls.register, org.hq.register)


def test_the_api_reads_fill_missing_figures_too(org, frozen_clock):
    factories.RiskFactory(register=org.ls.register)
    db.session.execute(sa.delete(RegisterFigure))
    assert registers.register_figures(today(), set())[org.ls.register.id].open_risks == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RegisterFigure)) > 0


def test_a_new_register_has_its_figures_from_the_start(org):
    unit = factories.UnitFactory(parent=org.hq)
    db.session.flush()
    rows = db.session.scalars(sa.select(RegisterFigure).where(RegisterFigure.register_id == unit.register.id)).all()
    assert sorted((row.restricted, row.open_risks) for row in rows) == [(False, 0), (True, 0)]


def _stored_open_risks(register_id: int) -> int:
    row = db.session.execute(
        sa.select(RegisterFigure.open_risks).where(
            RegisterFigure.register_id == register_id, RegisterFigure.restricted.is_(False)
        )
    ).scalar_one_or_none()
    return row or 0


def test_deferred_figures_are_counted_once_when_the_block_ends(org):
    before = _stored_open_risks(org.ln.register.id)
    with figures.deferred():
        for _ in range(3):
            factories.RiskFactory(register=org.ln.register, owner=org.risk_ln)
        db.session.flush()
        assert _stored_open_risks(org.ln.register.id) == before  # held back while the block writes
    assert _stored_open_risks(org.ln.register.id) == before + 3
    assert_figures_fresh(org.ln.register)


def test_an_error_in_a_deferred_block_leaves_nothing_pending(org):
    with pytest.raises(RuntimeError), figures.deferred():
        factories.RiskFactory(register=org.ln.register, owner=org.risk_ln)
        raise RuntimeError("the writer failed")
    assert figures.PENDING not in db.session.info and figures.DEFERRED not in db.session.info


def test_the_seeded_demo_holds_fresh_figures_for_every_register(demo):
    """The demo counts its figures once, after seeding (figures.deferred): the same as counting them again."""

    def stored():
        return db.session.execute(sa.select(RegisterFigure).order_by("register_id", "restricted")).scalars().all()

    seeded = [(f.register_id, f.restricted, f.open_risks, f.above_appetite, f.link_alerts) for f in stored()]
    figures.rebuild_all()
    db.session.expire_all()
    again = [(f.register_id, f.restricted, f.open_risks, f.above_appetite, f.link_alerts) for f in stored()]
    assert len(seeded) == 2 * db.session.scalar(sa.select(sa.func.count()).select_from(Register))
    assert seeded == again
    assert _stored_contributor_figures() == _fresh_contributor_figures() != {}


def test_a_register_rolled_back_inside_a_deferred_block_is_not_counted(org):
    with figures.deferred():
        factories.RiskFactory(register=org.ln.register, owner=org.risk_ln)
        savepoint = db.session.begin_nested()
        unit = Unit(code="GONE", name="Rolled back", kind=UnitKind.AREA, parent=org.hq, path="/")
        db.session.add_all([unit, Register(unit=unit, title="Rolled back risk register")])
        db.session.flush()
        savepoint.rollback()
    assert_figures_fresh(org.ln.register)


def test_the_committee_counts_contributors_without_stored_figures_until_they_are_stored(org, frozen_clock):
    """Right after the upgrade that added them (no rows yet), the committee page counts each corporate risk's
    contributors itself: the same figures as once they are stored."""
    parent = factories.RiskFactory(register=org.hq.register, residual_l=2, residual_i=2)
    for likelihood in (1, 4, 5):
        child = factories.RiskFactory(register=org.ln.register, residual_l=likelihood, residual_i=5)
        factories.RiskLinkFactory(from_risk=child, to_risk=parent)
    closed_parent = factories.RiskFactory(register=org.hq.register, status=RiskStatus.CLOSED)
    factories.RiskLinkFactory(from_risk=factories.RiskFactory(register=org.ls.register), to_risk=closed_parent)
    db.session.flush()
    kept = committee.corporate_figures(today())
    assert {f.id for f in kept} >= {parent.id, closed_parent.id}
    db.session.execute(sa.delete(ContributorFigure))
    assert committee.corporate_figures(today()) == kept
    figures.rebuild_all()
    assert _stored_contributor_figures() == _fresh_contributor_figures()
    assert committee.corporate_figures(today()) == kept
