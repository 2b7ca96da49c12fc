"""Flags about a pair of risks (possible duplicates, repeats of a higher-level risk) and the links that end them.

A linked pair is never flagged, so a link, made by any route (a risk's page, escalation, cascade, a flag's own
"link" decision, the API, an import), resolves the pair's live flags in its own transaction: nobody waits for
the next scan. The links service calls ``resolve_linked`` for every link it adds. This module imports no other
service but the audit trail, so the links, risks and flags services can all use it without an import cycle.
"""

import sqlalchemy as sa

from riskreg.clock import utcnow
from riskreg.enums import FlagKind, FlagResolution, FlagStatus
from riskreg.extensions import db
from riskreg.models import DismissedPair, Flag, RiskLink, User
from riskreg.rules import flags as flag_rules
from riskreg.services.audit import trail as audit
from riskreg.services.flags import decisions

PAIR_KINDS = tuple(kind for kind in FlagKind if kind.is_pair)


def linked_pairs() -> set[frozenset[int]]:
    """Every pair of risks linked in any way, either direction."""
    return {frozenset(pair) for pair in db.session.execute(sa.select(RiskLink.from_risk_id, RiskLink.to_risk_id))}


def dismissed_pairs() -> set[frozenset[int]]:
    rows = db.session.execute(sa.select(DismissedPair.low_risk_id, DismissedPair.high_risk_id))
    return {frozenset(pair) for pair in rows}


def live_flags_on_pair(first_id: int, second_id: int) -> list[Flag]:
    keys = [flag_rules.condition_key(kind, first_id, second_id) for kind in PAIR_KINDS]
    pair = sa.or_(
        Flag.condition_key.in_(keys),
        sa.and_(Flag.risk_id == first_id, Flag.other_risk_id == second_id),
        sa.and_(Flag.risk_id == second_id, Flag.other_risk_id == first_id),
    )
    query = sa.select(Flag).where(pair, Flag.kind.in_(PAIR_KINDS), Flag.status.in_(_LIVE)).order_by(Flag.id)
    return list(db.session.scalars(query))


_LIVE = (FlagStatus.OPEN, FlagStatus.ACKNOWLEDGED)


def resolve_pair_flag(flag: Flag, link: RiskLink, actor: User | None, reason: str | None = None) -> None:
    """One live pair flag resolved because its two risks are linked; the link is in the flag's history."""
    before = flag.status
    refusal = flag_rules.transition_refusal(before, FlagStatus.RESOLVED)
    if refusal:  # pragma: no cover - only live flags are passed in
        raise ValueError(refusal)
    decisions.bump(flag)
    flag.status, flag.resolution, flag.condition_key = FlagStatus.RESOLVED, FlagResolution.LINKED, None
    flag.resolved_by, flag.resolved_at = actor, utcnow()
    flag.reason = reason or f"{link.from_risk.ref} {link.kind.label.lower()} {link.to_risk.ref}: {link.rationale}"
    db.session.flush()
    changes = {
        "kind": flag.kind,
        "status": [before, FlagStatus.RESOLVED],
        "resolution": FlagResolution.LINKED,
        "link": link.id,
        "link_kind": link.kind,
        "from": link.from_risk.ref,
        "to": link.to_risk.ref,
    }
    audit.record(actor, "flag.resolved", "flag", flag.id, changes, risk_id=flag.risk_id)


def resolve_linked(link: RiskLink, actor: User | None) -> list[Flag]:
    """Resolve the live pair flags of the link's two risks (a new link of any kind)."""
    found = live_flags_on_pair(link.from_risk_id, link.to_risk_id)
    for flag in found:
        resolve_pair_flag(flag, link, actor)
    return found
