"""Scanning for HQ quality flags, deciding on them, and register health (services.flags)."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from riskreg.clock import today
from riskreg.enums import FlagKind, FlagResolution, FlagStatus, Influence, LinkKind, ReviewOutcome, RiskStatus
from riskreg.extensions import db
from riskreg.models import AuditEvent, DismissedPair, Flag, RegisterHealth, RiskLink
from riskreg.rules.flags import FlagRules
from riskreg.services import ServiceError, links, risks
from riskreg.services.flags import duplicates, similarity
from riskreg.services.flags import scan as flags
from tests.factories import CountermeasureFactory, RiskFactory, RiskLinkFactory, UserFactory

WORKFORCE = (
    "Workforce capacity and capability",
    "the service does not have enough lawyers and caseworkers with the right skills to deal with its caseload",
)
STAFFING = ("Insufficient staff to meet caseload", "the area does not have enough prosecutors to review its cases")


def _risk(register, title_event=None, **kwargs):
    """A risk that raises no flag of its own (reviewed, with a countermeasure) unless told otherwise."""
    kwargs.setdefault("owner", UserFactory())
    if title_event:
        kwargs.update(title=title_event[0], event=title_event[1])
    kwargs.setdefault("cause", "Too few prosecutors for the caseload")
    kwargs.setdefault("consequence", "Cases are reviewed late and hearings are wasted")
    risk = RiskFactory(register=register, **kwargs)
    CountermeasureFactory(risk=risk, implemented_on=today() - timedelta(days=10))
    db.session.refresh(risk)
    similarity.refresh_embedding(risk)
    return risk


def _live(kind=None):
    query = sa.select(Flag).where(Flag.status.in_([FlagStatus.OPEN, FlagStatus.ACKNOWLEDGED]))
    if kind is not None:
        query = query.where(Flag.kind == kind)
    return db.session.scalars(query.order_by(Flag.id)).all()


def test_a_scan_raises_flags_once_and_clears_them_when_the_condition_goes(org):
    risk = _risk(org.ln.register, next_review_on=today() - timedelta(days=40))
    first = flags.scan_all()
    assert first.raised[FlagKind.REVIEW_OVERDUE] == 1
    [flag] = _live(FlagKind.REVIEW_OVERDUE)
    assert flag.risk == risk and flag.raised_by is None and flag.staleness == 40
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "flag.raised"))
    assert event.risk_id == risk.id and event.entity_id == flag.id

    again = flags.scan_all()
    assert again.raised_count == 0 and again.cleared_count == 0
    assert len(_live()) == 1

    risk.next_review_on = today() + timedelta(days=30)
    cleared = flags.scan_all()
    assert cleared.cleared[FlagKind.REVIEW_OVERDUE] == 1
    assert (flag.status, flag.resolution, flag.condition_key) == (FlagStatus.RESOLVED, FlagResolution.CLEARED, None)
    # Overdue again later: a new flag, the old one stays resolved.
    risk.next_review_on = today() - timedelta(days=31)
    assert flags.scan_all().raised[FlagKind.REVIEW_OVERDUE] == 1


def test_a_decided_flag_stands_for_its_condition_until_it_ends(org):
    risk = _risk(org.ln.register, next_review_on=today() - timedelta(days=35))
    flags.scan_all()
    [flag] = _live()
    flags.dismiss(flag, org.hq_risk, "The owner is reviewing it this week")
    assert flags.scan_all().raised_count == 0  # not raised again while still overdue
    risk.next_review_on = today() + timedelta(days=10)
    flags.scan_all()
    assert flag.condition_key is None and flag.status is FlagStatus.DISMISSED
    risk.next_review_on = today() - timedelta(days=31)
    assert flags.scan_all().raised[FlagKind.REVIEW_OVERDUE] == 1


def test_a_pair_across_levels_repeats_the_higher_risk_and_a_pair_at_one_level_is_a_possible_duplicate(org):
    corporate = _risk(org.hq.register, WORKFORCE)
    in_ln = _risk(org.ln.register, STAFFING)
    in_ls = _risk(org.ls.register, STAFFING)  # the same words as London North's: two areas, side by side
    flags.scan_all()
    repeats = {(flag.risk_id, flag.other_risk_id) for flag in _live(FlagKind.REPEATS_HIGHER)}
    assert repeats == {(in_ln.id, corporate.id), (in_ls.id, corporate.id)}
    flag = _live(FlagKind.REPEATS_HIGHER)[0]
    assert flag.method == "semantic" and 0.5 <= flag.score < 1
    assert f"repeats {corporate.ref}" in flag.note and "link it as contributing to it, or close it" in flag.note
    [duplicate] = _live(FlagKind.POSSIBLE_DUPLICATE)
    assert (duplicate.risk, duplicate.other_risk, duplicate.method) == (in_ls, in_ln, "lexical")
    assert "may be the same risk as" in duplicate.note


def test_a_wording_many_registers_at_one_level_hold_is_a_shared_theme_not_a_duplicate(org, app, monkeypatch):
    _risk(org.ln.register, STAFFING)
    _risk(org.ls.register, STAFFING)
    flags.scan_all()
    assert len(_live(FlagKind.POSSIBLE_DUPLICATE)) == 1
    monkeypatch.setitem(app.config, "RISKREG_FLAGS", FlagRules(common_theme_registers=2))
    flags.scan_all()
    assert _live(FlagKind.POSSIBLE_DUPLICATE) == []


def test_a_risk_that_already_informs_a_higher_risk_is_not_flagged_as_repeating_another(org):
    corporate = _risk(org.hq.register, WORKFORCE)
    other = _risk(org.hq.register, ("Recruitment of prosecutors", "the service cannot recruit enough lawyers"))
    in_ln = _risk(org.ln.register, STAFFING)
    RiskLinkFactory(from_risk=in_ln, to_risk=other, kind=LinkKind.CONTRIBUTES_TO)
    flags.scan_all()
    assert [f for f in _live(FlagKind.REPEATS_HIGHER) if f.risk == in_ln] == []
    assert corporate.is_open


def test_linked_pairs_are_not_flagged_and_any_link_resolves_the_flag_at_once(org):
    corporate = _risk(org.hq.register, WORKFORCE)
    in_ln = _risk(org.ln.register, STAFFING)
    in_ls = _risk(org.ls.register, STAFFING)
    RiskLinkFactory(from_risk=in_ls, to_risk=corporate, kind=LinkKind.RELATED)
    flags.scan_all()
    [flag] = _live(FlagKind.REPEATS_HIGHER)
    assert flag.risk == in_ln
    # Any route that links goes through the links service: the flag is resolved now, not at the next scan.
    link = links.add_link(corporate, in_ln, LinkKind.RELATED, "Read together at the quarterly review", org.hq_risk)
    assert (flag.status, flag.resolution, flag.condition_key) == (FlagStatus.RESOLVED, FlagResolution.LINKED, None)
    assert flag.resolved_by == org.hq_risk and link.rationale in flag.reason
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "flag.resolved"))
    assert event.entity_id == flag.id and event.changes["link"] == link.id
    [duplicate] = _live(FlagKind.POSSIBLE_DUPLICATE)  # the two areas' pair is still open
    links.add_link(in_ls, in_ln, LinkKind.DUPLICATES, "The same risk", org.hq_risk)  # either direction, any kind
    assert duplicate.status is FlagStatus.RESOLVED
    assert flags.scan_all().raised_count == 0


def test_a_dismissed_pair_stays_dismissed_after_a_rescan(org):
    corporate = _risk(org.hq.register, WORKFORCE)
    in_ln = _risk(org.ln.register, STAFFING)
    flags.scan_all()
    [flag] = _live(FlagKind.REPEATS_HIGHER)
    with pytest.raises(ServiceError, match="Enter why the flag is being dismissed"):
        flags.dismiss(flag, org.hq_risk, "  ")
    flags.dismiss(flag, org.hq_risk, "Different risks: national recruitment against local vacancies")
    assert flag.resolution is FlagResolution.NOT_DUPLICATE
    pair = db.session.scalar(sa.select(DismissedPair))
    assert (pair.low_risk_id, pair.high_risk_id) == (corporate.id, in_ln.id) and pair.flag_id == flag.id

    for _ in range(2):
        assert flags.scan_all().raised_count == 0
    # Even once the flag let go of its condition (the text changed and changed back), the pair is remembered.
    in_ln.title = "Completely different"
    flags.scan_all()
    in_ln.title = STAFFING[0]
    assert flags.scan_all().raised_count == 0
    assert _live(FlagKind.REPEATS_HIGHER) == []


def test_resolving_a_repeat_by_linking_the_lower_risk_to_the_higher(org):
    corporate = _risk(org.hq.register, WORKFORCE)
    in_ln = _risk(org.ln.register, STAFFING)
    flags.scan_all()
    [flag] = _live(FlagKind.REPEATS_HIGHER)
    link = duplicates.resolve_by_link(flag, org.hq_risk, "London North's form of the corporate risk")
    assert (link.from_risk, link.to_risk, link.kind) == (in_ln, corporate, LinkKind.CONTRIBUTES_TO)
    assert (flag.status, flag.resolution, flag.resolved_by) == (FlagStatus.RESOLVED, FlagResolution.LINKED, org.hq_risk)
    with pytest.raises(ServiceError, match="already resolved"):
        duplicates.resolve_by_link(flag, org.hq_risk, "again")
    assert flags.scan_all().raised_count == 0
    actions = set(db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.risk_id == in_ln.id)))
    assert {"flag.raised", "flag.resolved", "link.added"} <= actions


def test_linking_a_flagged_pair_that_is_already_linked_resolves_the_flag(org):
    corporate = _risk(org.hq.register, WORKFORCE)
    in_ln = _risk(org.ln.register, STAFFING)
    flags.scan_all()
    [flag] = _live(FlagKind.REPEATS_HIGHER)
    # Linked behind the scan's back (an old link, written straight to the table): the flag is still open.
    existing = RiskLinkFactory(from_risk=in_ln, to_risk=corporate, kind=LinkKind.RELATED)
    link = duplicates.resolve_by_link(flag, org.hq_risk, "Already linked as related")
    assert link == existing
    assert (flag.status, flag.resolution) == (FlagStatus.RESOLVED, FlagResolution.LINKED)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RiskLink)) == 1


def test_resolving_two_areas_duplicate_by_linking_them_as_related(org):
    in_ln = _risk(org.ln.register, STAFFING)
    in_ls = _risk(org.ls.register, STAFFING)
    flags.scan_all()
    [flag] = _live(FlagKind.POSSIBLE_DUPLICATE)
    link = duplicates.resolve_by_link(flag, org.hq_risk, "Each area's own risk")
    assert (link.from_risk, link.to_risk, link.kind) == (in_ls, in_ln, LinkKind.RELATED)
    assert flag.status is FlagStatus.RESOLVED


def test_resolving_a_duplicate_by_closing_one_of_the_two(org):
    corporate = _risk(org.hq.register, WORKFORCE)
    in_ln = _risk(org.ln.register, STAFFING)
    flags.scan_all()
    [flag] = _live(FlagKind.REPEATS_HIGHER)
    with pytest.raises(ServiceError, match="Enter why the risk is being closed"):
        duplicates.resolve_as_duplicate(flag, in_ln, "", org.hq_risk)
    duplicates.resolve_as_duplicate(flag, in_ln, "The corporate risk covers it", org.hq_risk)
    assert in_ln.status is RiskStatus.CLOSED and in_ln.closed_reason.startswith(f"Duplicate of {corporate.ref}")
    link = db.session.scalar(sa.select(RiskLink))
    assert (link.from_risk, link.to_risk, link.kind) == (in_ln, corporate, LinkKind.DUPLICATES)
    assert flag.resolution is FlagResolution.DUPLICATE_CLOSED
    assert flags.scan_all().raised_count == 0


def test_lifecycle_acknowledge_resolve_and_bulk_acknowledge(org):
    late = [_risk(org.ln.register, next_review_on=today() - timedelta(days=n)) for n in (33, 34, 35)]
    flags.scan_all()
    first, second, third = _live()
    flags.acknowledge(first, org.hq_risk)
    assert first.acknowledged_by == org.hq_risk and first.status is FlagStatus.ACKNOWLEDGED
    with pytest.raises(ServiceError, match="already acknowledged"):
        flags.acknowledge(first, org.hq_risk)
    flags.resolve(third, org.hq_risk, "Owner told")
    assert flags.bulk_acknowledge([first.id, second.id, third.id], org.hq_risk) == 1  # only the open one
    assert second.status is FlagStatus.ACKNOWLEDGED and third.status is FlagStatus.RESOLVED
    with pytest.raises(ServiceError, match="Select the flags"):
        flags.bulk_acknowledge([], org.hq_risk)
    comment = flags.add_comment(first, "Please review it", org.hq_risk)
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "flag.commented"))
    assert event.entity_id == comment.id and event.risk_id == late[0].id


def _values(owner, **changes) -> dict:
    values = {
        "title": "Court listing delays",
        "cause": "Courts list too many trials for the same day",
        "event": "trials are not reached",
        "consequence": "victims and witnesses attend for nothing",
        "category": "operations",
        "objective": "quality",
        "owner_id": owner.id,
        "influence": Influence.LOW,
        "restricted": False,
        "inherent_l": 4,
        "inherent_i": 4,
        "residual_l": 3,
        "residual_i": 3,
        "target_l": 2,
        "target_i": 2,
    }
    return values | changes


def test_saving_a_risk_scans_it(org):
    risk = risks.create_risk(org.ln.register, _values(org.risk_ln), org.risk_ln)
    assert _live() == []  # a new risk has a month to gain countermeasures and links
    risks.update_risk(risk, {"consequence": "n/a"}, risk.version, org.risk_ln)
    [unclear] = _live()
    assert unclear.kind is FlagKind.UNCLEAR_DESCRIPTION and unclear.risk == risk
    risks.update_risk(
        risk, {"consequence": "Victims and witnesses attend court for nothing"}, risk.version, org.risk_ln
    )
    assert unclear.status is FlagStatus.RESOLVED and unclear.resolution is FlagResolution.CLEARED

    risk.next_review_on = today() - timedelta(days=33)
    flags.scan_risk(risk)
    [overdue] = _live()
    review = {
        "reviewed_on": today(),
        "residual_l": 3,
        "residual_i": 3,
        "commentary": "Reviewed",
        "outcome": ReviewOutcome.CONTINUE,
    }
    risks.record_review(risk, review, risk.version, org.risk_ln)
    assert overdue.status is FlagStatus.RESOLVED and _live() == []


def test_closing_a_risk_clears_its_flags_duplicates_included(org):
    corporate = _risk(org.hq.register, WORKFORCE)
    in_ln = _risk(org.ln.register, STAFFING, next_review_on=today() - timedelta(days=33))
    flags.scan_all()
    assert {flag.kind for flag in _live()} == {FlagKind.REPEATS_HIGHER, FlagKind.REVIEW_OVERDUE}
    risks.close_risk(corporate, "No longer a corporate risk", corporate.version, org.risk_hq)
    assert {flag.kind for flag in _live()} == {FlagKind.REVIEW_OVERDUE}
    assert in_ln.is_open


def test_register_health_is_stored_each_day_with_its_trend(org):
    _risk(org.ln.register)
    late = _risk(org.ln.register, next_review_on=today() - timedelta(days=90))
    flags.scan_all(today=today() - timedelta(days=1))
    late.next_review_on = today() + timedelta(days=30)
    flags.scan_all()
    flags.scan_all()  # the same day again: one snapshot per register and day
    in_ln = RegisterHealth.register_id == org.ln.register.id
    rows = db.session.scalars(sa.select(RegisterHealth).where(in_ln).order_by(RegisterHealth.taken_on)).all()
    assert [row.taken_on for row in rows] == [today() - timedelta(days=1), today()]
    yesterday, now = rows
    assert (yesterday.open_risks, yesterday.flagged_risks, yesterday.overdue_reviews) == (2, 1, 1)
    assert yesterday.score < now.score == 100
    from riskreg.services.flags import queue as flag_queue

    row = next(row for row in flag_queue.health_table() if row.register == org.ln.register)
    assert row.trend == "better" and [item.score for item in row.history] == [yesterday.score, 100]
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(RegisterHealth).where(RegisterHealth.taken_on == today())
        )
        == 3
    )


def test_link_alerts_are_one_flag_on_the_risk_informed_saying_what_to_do(org):
    corporate = _risk(org.hq.register, WORKFORCE, residual_l=2, residual_i=2)  # people: tolerance 9
    contributors = [
        _risk(org.ln.register, STAFFING, residual_l=4, residual_i=4, next_review_on=None),
        _risk(org.ls.register, ("Vacancies", "posts stay empty"), residual_l=4, residual_i=3),
    ]
    for contributor in contributors:
        RiskLinkFactory(from_risk=contributor, to_risk=corporate, kind=LinkKind.CONTRIBUTES_TO)
    flags.scan_all()
    [flag] = _live(FlagKind.LINK_DIVERGENCE)
    assert flag.risk == corporate  # not one per contributor
    assert f"2 contributing risks ({contributors[0].ref}, {contributors[1].ref}) are in a higher band" in flag.note
    assert f"are above appetite while {corporate.ref} is within it: review {corporate.ref}'s score" in flag.note
    # Once the corporate risk is rescored to the areas' view, the alert clears.
    corporate.residual_l, corporate.residual_i = 4, 4
    assert flags.scan_all().cleared[FlagKind.LINK_DIVERGENCE] == 1
