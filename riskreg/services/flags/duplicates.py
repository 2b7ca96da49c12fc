"""HQ's decisions on a pair flag (a possible duplicate, or a risk repeating a higher-level one): link the two
risks, or mark them as duplicates and close one.

Kept apart from riskreg.services.flags.scan, which the risks service calls on every save: these decisions call the
links and risks services, and living in the flags service they made an import cycle (risks → flags → risks).
"""

from riskreg.enums import FlagKind, FlagResolution, FlagStatus, LinkKind
from riskreg.models import Flag, Risk, RiskLink, User
from riskreg.rules import flags as flag_rules
from riskreg.services import ServiceError, links, risks
from riskreg.services.flags import pairs as pair_flags
from riskreg.services.flags import scan as flags


def _pair(flag: Flag) -> tuple[Risk, Risk]:
    if not flag.is_duplicate or flag.other_risk is None:
        raise ServiceError("Only a flag about two risks is resolved by linking them or closing one of them")
    return flag.risk, flag.other_risk


def _check_resolvable(flag: Flag) -> None:
    refusal = flag_rules.transition_refusal(flag.status, FlagStatus.RESOLVED)
    if refusal:
        raise ServiceError(refusal)


def link_kind_for(flag: Flag) -> LinkKind:
    """A risk repeating a higher-level one contributes to it; two risks at the same level are related."""
    return LinkKind.CONTRIBUTES_TO if flag.kind is FlagKind.REPEATS_HIGHER else LinkKind.RELATED


def _existing_link(lower: Risk, higher: Risk) -> RiskLink | None:
    found = links.links_of([lower.id])
    return next((link for link in found if {link.from_risk_id, link.to_risk_id} == {lower.id, higher.id}), None)


def resolve_by_link(flag: Flag, actor: User, rationale: str) -> RiskLink:
    """Link the pair (the lower risk contributes to the higher, or two risks side by side are related); the
    link resolves the flag (riskreg.services.flags.pairs). A pair already linked is resolved by that link."""
    lower, higher = _pair(flag)
    _check_resolvable(flag)
    if not rationale.strip():
        raise ServiceError("Enter why the risks are linked")
    link = _existing_link(lower, higher)
    if link is not None:
        pair_flags.resolve_pair_flag(flag, link, actor, rationale.strip())
    else:
        link = links.add_link(lower, higher, link_kind_for(flag), rationale, actor)
        flag.reason = rationale.strip()
    for risk in (lower, higher):  # the link may end "not linked upwards" and start a divergence
        flags.scan_risk(risk, actor)
    return link


def resolve_as_duplicate(flag: Flag, close: Risk, reason: str, actor: User) -> Risk:
    """The two risks are one: they are linked as duplicates and ``close`` (one of them) is closed."""
    lower, higher = _pair(flag)
    if close.id not in (lower.id, higher.id):
        raise ServiceError(f"Choose {lower.ref} or {higher.ref} to close")
    if not reason.strip():
        raise ServiceError("Enter why the risk is being closed")
    _check_resolvable(flag)
    kept = higher if close.id == lower.id else lower
    flag.resolution, flag.reason, flag.condition_key = FlagResolution.DUPLICATE_CLOSED, reason.strip(), None
    flags.move_flag(flag, FlagStatus.RESOLVED, actor, "flag.resolved", resolution=flag.resolution, closed=close.ref)
    links.add_link(lower, higher, LinkKind.DUPLICATES, reason, actor)
    risks.close_risk(close, f"Duplicate of {kept.ref}: {reason.strip()}", close.version, actor)
    return close
