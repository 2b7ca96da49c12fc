"""Links between risks: adding and removing them, escalation and cascade, and the divergences they reveal.

Every link change is audited twice, once against each risk, so it shows in both risks' histories.
"""

import functools
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, joinedload

from riskreg.enums import LinkKind, RiskStatus, UnitKind
from riskreg.extensions import db
from riskreg.models import Register, Review, Risk, RiskLink, Unit, User
from riskreg.rules import links as link_rules
from riskreg.rules import scoring
from riskreg.rules.links import Divergence
from riskreg.services import NotFoundError, ServiceError, risks
from riskreg.services.audit import trail as audit
from riskreg.services.flags import pairs as pair_flags
from riskreg.services.registers import rules

CONTRIBUTES = LinkKind.CONTRIBUTES_TO


def _with_unit(attribute: Any):
    return joinedload(attribute).joinedload(Risk.register).joinedload(Register.unit)


def find_risk(ref: str) -> Risk | None:
    return db.session.scalar(
        sa.select(Risk)
        .where(Risk.ref == ref.strip().upper())
        .options(joinedload(Risk.register).joinedload(Register.unit))
    )


def get_link(link_id: int) -> RiskLink:
    link = db.session.scalar(
        sa.select(RiskLink)
        .where(RiskLink.id == link_id)
        .options(_with_unit(RiskLink.from_risk), _with_unit(RiskLink.to_risk), joinedload(RiskLink.created_by))
    )
    if link is None:
        raise NotFoundError()
    return link


# Adding and removing links ------------------------------------------------------


def _end(risk: Risk) -> link_rules.LinkEnd:
    unit = risk.register.unit
    return link_rules.LinkEnd(risk.id, risk.ref, risk.register_id, unit.path, unit.name, risk.is_open)


def _links_between(first: Risk, second: Risk) -> list[link_rules.ExistingLink]:
    pair = sa.or_(
        sa.and_(RiskLink.from_risk_id == first.id, RiskLink.to_risk_id == second.id),
        sa.and_(RiskLink.from_risk_id == second.id, RiskLink.to_risk_id == first.id),
    )
    rows = db.session.execute(sa.select(RiskLink.from_risk_id, RiskLink.to_risk_id, RiskLink.kind).where(pair))
    return [link_rules.ExistingLink(*row) for row in rows]


def _reachable_query() -> sa.Select:
    """Every contributes_to link reachable from the risk ``:start``, with both ends' references.

    One recursive query however deep; UNION (not UNION ALL) stops even if old data holds a loop.
    Built once: the link rules run it for every new link, and the demo makes a hundred.
    """
    reachable = (
        sa.select(RiskLink.from_risk_id, RiskLink.to_risk_id)
        .where(RiskLink.kind == CONTRIBUTES, RiskLink.from_risk_id == sa.bindparam("start"))
        .cte("reachable", recursive=True)
    )
    step = (
        sa.select(RiskLink.from_risk_id, RiskLink.to_risk_id)
        .join(reachable, RiskLink.from_risk_id == reachable.c.to_risk_id)
        .where(RiskLink.kind == CONTRIBUTES)
    )
    reachable = reachable.union(step)
    source, target = Risk.__table__.alias("source"), Risk.__table__.alias("target")
    return (
        sa.select(reachable.c.from_risk_id, source.c.ref, reachable.c.to_risk_id, target.c.ref)
        .join(source, source.c.id == reachable.c.from_risk_id)
        .join(target, target.c.id == reachable.c.to_risk_id)
    )


_REACHABLE = _reachable_query()


def _contributes_edges_from(risk_id: int) -> list[link_rules.Edge]:
    return [link_rules.Edge(*row) for row in db.session.execute(_REACHABLE, {"start": risk_id})]


def link_refusal(source: Risk, target: Risk, kind: LinkKind) -> str | None:
    edges = _contributes_edges_from(target.id) if kind is CONTRIBUTES else []
    return link_rules.link_refusal(kind, _end(source), _end(target), _links_between(source, target), edges)


def add_link(source: Risk, target: Risk, kind: LinkKind, rationale: str, actor: User) -> RiskLink:
    rationale = rationale.strip()
    if not rationale:
        raise ServiceError("Enter why the risks are linked")
    refusal = link_refusal(source, target, kind)
    if refusal:
        raise ServiceError(refusal)
    link = RiskLink(from_risk=source, to_risk=target, kind=kind, rationale=rationale, created_by=actor)
    try:
        with db.session.begin_nested():
            db.session.add(link)
    except IntegrityError as error:  # someone made the same link a moment ago
        raise ServiceError(f"{source.ref} and {target.ref} are already linked like this") from error
    _audit(actor, "link.added", link)
    pair_flags.resolve_linked(link, actor)  # a linked pair is never flagged: every route that links gets this
    return link


def remove_link(link: RiskLink, actor: User) -> None:
    _audit(actor, "link.removed", link)
    db.session.delete(link)
    db.session.flush()


def _audit(actor: User, action: str, link: RiskLink) -> None:
    changes = {
        "from": link.from_risk.ref,
        "to": link.to_risk.ref,
        "kind": link.kind,
        "rationale": link.rationale,
    }
    for risk_id in (link.from_risk_id, link.to_risk_id):
        audit.record(actor, action, "risk_link", link.id, changes, risk_id=risk_id)


# Escalation and cascade ---------------------------------------------------------


def corporate_register_for(risk: Risk) -> Register | None:
    """The register of the headquarters above the risk's unit (the corporate register)."""
    ancestor_ids = [int(part) for part in risk.register.unit.path.strip("/").split("/") if part]
    return db.session.scalar(
        sa.select(Register)
        .join(Register.unit)
        .where(Unit.id.in_(ancestor_ids), Unit.kind == UnitKind.HEADQUARTERS)
        .options(joinedload(Register.unit))
    )


def escalation_targets(register: Register) -> list[Risk]:
    """The open corporate risks a local risk could be linked to."""
    return list(
        db.session.scalars(
            sa.select(Risk)
            .where(Risk.register_id == register.id, Risk.status == RiskStatus.OPEN)
            .options(joinedload(Risk.register).joinedload(Register.unit))
            .order_by(Risk.id)
        )
    )


def _check_escalation(source: Risk, corporate: Register | None, rationale: str) -> Register:
    if corporate is None or source.register_id == corporate.id:
        raise ServiceError(f"{source.ref} is already a corporate risk: only area and division risks escalate")
    if not source.is_open:
        raise ServiceError(f"{source.ref} is closed: only open risks can be escalated")
    if not rationale.strip():
        raise ServiceError("Enter why the risks are linked")
    return corporate


def escalate_to_new(source: Risk, values: dict[str, Any], rationale: str, actor: User) -> Risk:
    """A new corporate risk from ``source``, which then contributes to it."""
    corporate = _check_escalation(source, corporate_register_for(source), rationale)
    created = risks.create_risk(corporate, values, actor)
    add_link(source, created, CONTRIBUTES, rationale, actor)
    return created


def cascade_targets(source: Risk) -> list[Register]:
    """Registers below the source risk's unit, where a local instance of it can be made."""
    unit = source.register.unit
    return list(
        db.session.scalars(
            sa.select(Register)
            .join(Register.unit)
            .where(Unit.path.startswith(unit.path), Unit.id != unit.id)
            .options(joinedload(Register.unit))
            .order_by(Unit.name)
        )
    )


def cascade(source: Risk, register: Register, values: dict[str, Any], rationale: str, actor: User) -> Risk:
    """A local instance of ``source`` in a register below it, linked back as contributing to it."""
    if register.unit_id == source.register.unit_id or not register.unit.is_within(source.register.unit):
        raise ServiceError(f"Choose a register below {source.register.unit.name} to cascade {source.ref} into")
    if not source.is_open:
        raise ServiceError(f"{source.ref} is closed: only open risks can be cascaded")
    if not rationale.strip():
        raise ServiceError("Enter why the risks are linked")
    local = risks.create_risk(register, values, actor)
    add_link(local, source, CONTRIBUTES, rationale, actor)
    return local


# Reading links --------------------------------------------------------------------


def trends(risk_ids: Collection[int]) -> dict[int, str]:
    """Each risk's residual score trend from its last two reviews, in one query."""
    if not risk_ids:
        return {}
    found = {
        risk_id: scoring.trend([score for score in (previous, latest) if score is not None])
        for risk_id, previous, latest in db.session.execute(_trends_query(), {"risks": list(risk_ids)})
    }
    return {risk_id: found.get(risk_id, "steady") for risk_id in risk_ids}


def _review_score(back: int) -> sa.ScalarSelect:
    """The residual score of a risk's review ``back`` reviews before its latest (0: the latest), read from the end
    of ``ix_review_risk_recent``."""
    return (
        sa.select(Review.residual_l * Review.residual_i)
        .where(Review.risk_id == Risk.id)
        .order_by(Review.reviewed_on.desc(), Review.id.desc())
        .limit(1)
        .offset(back)
        .scalar_subquery()
    )


@functools.cache
def _trends_query() -> sa.Select:
    """``trends``'s query, built once (``risks``: the ids, a parameter): building a query and working out its cache
    key cost SQLAlchemy about as much as running it (issue 20). Each risk's two latest scores, found in the index:
    ranking every review of the committee page's 100 risks to keep two each read 711 rows for 200 (issue 20)."""
    return sa.select(Risk.id, _review_score(1), _review_score(0)).where(
        Risk.id.in_(sa.bindparam("risks", expanding=True))
    )


@dataclass
class LinkedRisk:
    link: RiskLink
    risk: Risk  # the risk at the other end
    trend: str


@dataclass
class LinkPanel:
    """A risk's links for its page: what it informs, what informs it, other links, and their alerts."""

    informs: list[LinkedRisk] = field(default_factory=list)
    informed_by: list[LinkedRisk] = field(default_factory=list)
    other: list[LinkedRisk] = field(default_factory=list)
    alerts: list[link_rules.GroupedAlert] = field(default_factory=list)
    hidden: int = 0  # linked risks the reader may not see (restricted)


def links_of(risk_ids: Collection[int], kinds: Iterable[LinkKind] = tuple(LinkKind)) -> list[RiskLink]:
    """Links touching any of the risks, with both ends and their registers loaded: one query."""
    touching = sa.or_(RiskLink.from_risk_id.in_(list(risk_ids)), RiskLink.to_risk_id.in_(list(risk_ids)))
    return list(
        db.session.scalars(
            sa.select(RiskLink)
            .where(touching, RiskLink.kind.in_(list(kinds)))
            .options(_with_unit(RiskLink.from_risk), _with_unit(RiskLink.to_risk))
            .order_by(RiskLink.id)
        )
    )


def contributions_to(risk_ids: Collection[int]) -> list[RiskLink]:
    """The contributes_to links into any of the risks, contributors and their registers loaded: one query."""
    return list(
        db.session.scalars(
            sa.select(RiskLink)
            .where(RiskLink.kind == CONTRIBUTES, RiskLink.to_risk_id.in_(list(risk_ids)))
            .options(_with_unit(RiskLink.from_risk))
            .order_by(RiskLink.id)
        )
    )


def panel(risk: Risk, visible: Callable[[Risk], bool]) -> LinkPanel:
    """``visible`` says whether the reader may see a linked risk; hidden ones are only counted."""
    links = links_of([risk.id])
    trend_of = trends({link.other_end(risk.id).id for link in links})
    result = LinkPanel()
    found: list[Divergence] = []
    for link in links:
        other = link.other_end(risk.id)
        if not visible(other):
            result.hidden += 1
            continue
        entry = LinkedRisk(link, other, trend_of[other.id])
        if link.kind is not CONTRIBUTES:
            result.other.append(entry)
        elif link.from_risk_id == risk.id:
            result.informs.append(entry)
        else:
            result.informed_by.append(entry)
        if link.kind is CONTRIBUTES:
            found += link_rules.divergences(link.from_risk, link.to_risk, rules())
    refs = {end.id: end.ref for link in links for end in (link.from_risk, link.to_risk)}
    result.alerts = link_rules.grouped(found, refs)
    return result


# Divergences ------------------------------------------------------------------------


def divergences_for(risk_ids: Collection[int]) -> dict[int, list[Divergence]]:
    """The divergence alerts that concern each of the risks, as contributor or as parent: one query."""
    wanted = set(risk_ids)
    found: dict[int, list[Divergence]] = defaultdict(list)
    for link in links_of(wanted, kinds=[CONTRIBUTES]):
        for alert in link_rules.divergences(link.from_risk, link.to_risk, rules()):
            for risk_id in {alert.contributor_id, alert.parent_id} & wanted:
                found[risk_id].append(alert)
    return dict(found)


@dataclass(frozen=True)
class _Scored(link_rules.ScoredValues):
    """The columns the divergence rules read, without loading whole risks."""

    id: int
    ref: str
    category: str | None
    status: RiskStatus
    residual_l: int
    residual_i: int
    register_id: int


def divergence_counts_by_register() -> dict[int, int]:
    """Link alerts per register, one query: each contributor's alerts in its register, and in the register of
    the risk informed one alert per risk and reason (riskreg.rules.links.grouped)."""
    child, parent = aliased(Risk), aliased(Risk)
    columns = ("id", "ref", "category", "status", "residual_l", "residual_i", "register_id")
    query = (
        sa.select(
            child.register_id,
            *(getattr(child, name) for name in columns),
            parent.register_id,
            *(getattr(parent, name) for name in columns),
        )
        .join(RiskLink, RiskLink.from_risk_id == child.id)
        .join(parent, RiskLink.to_risk_id == parent.id)
        .where(RiskLink.kind == CONTRIBUTES, child.status == RiskStatus.OPEN)
    )
    counts: dict[int, int] = defaultdict(int)
    grouped: dict[int, set] = defaultdict(set)  # the risk informed's register: one alert per risk and reason
    width = len(columns) + 1
    for row in db.session.execute(query):
        child_register, parent_register = row[0], row[width]
        for alert in link_rules.divergences(_Scored(*row[1:width]), _Scored(*row[width + 1 :]), rules()):
            counts[child_register] += 1
            grouped[parent_register].add((alert.parent_id, alert.kind))
    for register_id, alerts in grouped.items():
        counts[register_id] += len(alerts)
    return dict(counts)


# Saving a risk linked to another ------------------------------------------------------


def save_linked(
    register: Register,
    values: dict[str, Any],
    target: Risk,
    kind: LinkKind,
    actor: User,
    risk: Risk | None = None,
    expected_version: int | None = None,
) -> Risk:
    """Save a new risk in ``register`` (or the edit of ``risk``) and link it to ``target``, all or nothing: the
    "Link to this risk instead" of the similar risks shown before saving. The link rules are asked before
    anything is written, so a refused link saves nothing."""
    if risk is None:
        unit = register.unit
        new_end = link_rules.LinkEnd(0, "This risk", register.id, unit.path, unit.name)
        refusal = link_rules.link_refusal(kind, new_end, _end(target))
    else:
        refusal = link_refusal(risk, target, kind)
    if refusal:
        raise ServiceError(refusal)
    saved = (
        risks.create_risk(register, values, actor)
        if risk is None
        else (risks.update_risk(risk, values, expected_version, actor))
    )
    rationale = f"Linked when {saved.ref} was saved, instead of keeping it as a separate risk like {target.ref}"
    add_link(saved, target, kind, rationale, actor)
    return saved
