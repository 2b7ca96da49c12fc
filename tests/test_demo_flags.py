"""The demo's deliberate duplication and neglect are flagged (issue 6 "Must show")."""

import sqlalchemy as sa

from riskreg.demo.content import CORPORATE_RISKS, LOCAL_RISKS
from riskreg.enums import FlagKind, FlagStatus, UnitKind
from riskreg.extensions import db
from riskreg.models import DismissedPair, Flag, FlagComment, Register, Risk, Unit
from riskreg.services import flags
from riskreg.services.flags import linked_pairs

RESTATED = {local[0]: corporate[0] for local, corporate in zip(LOCAL_RISKS[:12], CORPORATE_RISKS[:12], strict=True)}


def _restatements_not_linked() -> list[tuple[Risk, Risk]]:
    """Every area risk restating an open corporate risk (riskreg/demo/content.py) and not linked to it."""
    corporate = {risk.title: risk for risk in db.session.scalars(
        sa.select(Risk).join(Register).join(Unit).where(Unit.kind == UnitKind.HEADQUARTERS))}  # fmt: skip
    local = db.session.scalars(
        sa.select(Risk).join(Register).join(Unit).where(Unit.kind == UnitKind.AREA, Risk.title.in_(RESTATED))
    ).all()
    linked = linked_pairs()
    pairs = [(risk, corporate[RESTATED[risk.title]]) for risk in local]
    return [(area, hq) for area, hq in pairs if hq.is_open and frozenset((area.id, hq.id)) not in linked]


def _duplicate_flags() -> dict[frozenset, Flag]:
    found = db.session.scalars(sa.select(Flag).where(Flag.kind == FlagKind.POSSIBLE_DUPLICATE))
    return {frozenset((flag.risk_id, flag.other_risk_id)): flag for flag in found}


def test_the_demos_restated_corporate_risks_are_flagged_by_the_scan_run_at_seed(demo):
    expected = _restatements_not_linked()
    assert len(expected) > 40  # most areas restate corporate risks without linking them
    flagged = _duplicate_flags()
    missed = [(area.ref, hq.ref) for area, hq in expected if frozenset((area.id, hq.id)) not in flagged]
    assert missed == []
    for area, hq in expected:
        flag = flagged[frozenset((area.id, hq.id))]
        assert (flag.risk, flag.other_risk) == (area, hq)  # the area's risk is the lower one
    # Only between a register and those above it: never two areas side by side.
    for flag in flagged.values():
        assert flag.risk.register.unit.path.startswith(flag.other_risk.register.unit.path)


def test_a_second_scan_raises_nothing_new(demo):
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Flag))
    result = flags.scan_all()
    assert result.raised_count == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Flag)) == before


def test_the_demos_dismissed_pair_stays_dismissed_after_a_rescan(demo):
    pair = db.session.scalar(sa.select(DismissedPair))
    flag = db.session.get(Flag, pair.flag_id)
    assert flag.status is FlagStatus.DISMISSED and flag.reason.startswith("Different risks")
    flags.scan_all()
    again = [f for key, f in _duplicate_flags().items() if key == frozenset((pair.low_risk_id, pair.high_risk_id))]
    assert again == [flag] and flag.status is FlagStatus.DISMISSED


def test_the_demo_shows_hq_feedback_and_owners_replies(demo):
    acknowledged = db.session.scalars(sa.select(Flag).where(Flag.status == FlagStatus.ACKNOWLEDGED)).all()
    assert {flag.risk.register.unit.code for flag in acknowledged} == {"LN"}
    for flag in acknowledged:
        authors = [c.author.email for c in db.session.scalars(
            sa.select(FlagComment).where(FlagComment.flag_id == flag.id).order_by(FlagComment.id))]  # fmt: skip
        assert authors[0] == "hq.risk@example.org" and authors[1] == flag.risk.owner.email
    kinds = set(db.session.scalars(sa.select(Flag.kind).distinct()))
    assert {FlagKind.POSSIBLE_DUPLICATE, FlagKind.REVIEW_OVERDUE, FlagKind.NO_COUNTERMEASURES,
            FlagKind.NOT_LINKED_UPWARDS, FlagKind.ACTION_OVERDUE, FlagKind.LINK_DIVERGENCE} <= kinds  # fmt: skip
    assert set(db.session.scalars(sa.select(Flag.status).distinct())) == set(FlagStatus)
