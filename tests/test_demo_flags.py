"""The demo's deliberate duplication and neglect are flagged (issue 6 "Must show")."""

from collections import Counter

import sqlalchemy as sa

from riskreg.demo.content import CORPORATE_RISKS, LOCAL_RISKS
from riskreg.enums import FlagKind, FlagStatus, RiskStatus, UnitKind
from riskreg.extensions import db
from riskreg.models import DismissedPair, Flag, FlagComment, Risk
from riskreg.services.flags import pairs as pair_flags
from riskreg.services.flags import scan as flags

RESTATED = {local[0]: corporate[0] for local, corporate in zip(LOCAL_RISKS[:12], CORPORATE_RISKS[:12], strict=True)}
LIVE = (FlagStatus.OPEN, FlagStatus.ACKNOWLEDGED)


def _live(kind=None) -> list[Flag]:
    query = sa.select(Flag).where(Flag.status.in_(LIVE))
    return list(db.session.scalars(query if kind is None else query.where(Flag.kind == kind)))


def _depth(risk: Risk) -> int:
    return len([part for part in risk.register.unit.path.split("/") if part])


def test_the_demo_raises_few_flags_each_one_a_person_would_act_on(demo):
    """Issue 13: at most 0.35 open flags per open risk (1.67 before), at most 60 possible duplicates (244)."""
    open_risks = db.session.scalar(sa.select(sa.func.count()).select_from(Risk).where(Risk.status == RiskStatus.OPEN))
    live = _live()
    assert len(live) <= 0.35 * open_risks, Counter(flag.kind.value for flag in live)
    duplicates = _live(FlagKind.POSSIBLE_DUPLICATE)
    assert 0 < len(duplicates) <= 60
    for flag in duplicates:  # two registers side by side, never one above the other
        assert flag.risk.register_id != flag.other_risk.register_id and _depth(flag.risk) == _depth(flag.other_risk)
        assert not flag.risk.register.unit.path.startswith(flag.other_risk.register.unit.path)
    linked = pair_flags.linked_pairs()
    pairs = [frozenset((flag.risk_id, flag.other_risk_id)) for flag in live if flag.kind.is_pair]
    assert [pair for pair in pairs if pair in linked] == []


def test_the_demos_repeats_are_area_risks_restating_corporate_risks_they_do_not_inform(demo):
    repeats = _live(FlagKind.REPEATS_HIGHER)
    assert repeats
    for flag in repeats:
        assert flag.risk.register.unit.path.startswith(flag.other_risk.register.unit.path)
        assert flag.risk.register.unit.kind is UnitKind.AREA
        assert flag.other_risk.register.unit.kind is UnitKind.HEADQUARTERS
        assert RESTATED[flag.risk.title] == flag.other_risk.title
        assert f"repeats {flag.other_risk.ref}" in flag.note and "link it as contributing" in flag.note


def test_a_second_scan_raises_nothing_new(demo, on_the_demos_day):
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Flag))
    result = flags.scan_all()
    assert result.raised_count == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Flag)) == before


def test_the_demos_dismissed_pair_stays_dismissed_after_a_rescan(demo):
    pair = db.session.scalar(sa.select(DismissedPair))
    flag = db.session.get(Flag, pair.flag_id)
    assert flag.status is FlagStatus.DISMISSED and flag.reason.startswith("Different risks")
    flags.scan_all()
    again = db.session.scalars(
        sa.select(Flag).where(
            Flag.risk_id.in_([pair.low_risk_id, pair.high_risk_id]),
            Flag.other_risk_id.in_([pair.low_risk_id, pair.high_risk_id]),
        )
    )
    assert again.all() == [flag] and flag.status is FlagStatus.DISMISSED


def test_the_demo_shows_hq_feedback_and_owners_replies(demo):
    acknowledged = db.session.scalars(sa.select(Flag).where(Flag.status == FlagStatus.ACKNOWLEDGED)).all()
    assert {flag.risk.register.unit.code for flag in acknowledged} == {"LN"}
    for flag in acknowledged:
        authors = [
            c.author.email
            for c in db.session.scalars(
                sa.select(FlagComment).where(FlagComment.flag_id == flag.id).order_by(FlagComment.id)
            )
        ]
        assert authors[0] == "hq.risk@example.org" and authors[1] == flag.risk.owner.email
    kinds = set(db.session.scalars(sa.select(Flag.kind).distinct()))
    assert {
        FlagKind.POSSIBLE_DUPLICATE,
        FlagKind.REPEATS_HIGHER,
        FlagKind.REVIEW_OVERDUE,
        FlagKind.NO_COUNTERMEASURES,
        FlagKind.NOT_LINKED_UPWARDS,
        FlagKind.ACTION_OVERDUE,
        FlagKind.LINK_DIVERGENCE,
    } <= kinds
    assert set(db.session.scalars(sa.select(Flag.status).distinct())) == set(FlagStatus)
