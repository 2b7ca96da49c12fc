"""What a certificate of assurance must disclose, automatically and without opt-out (DESIGN capability 6).

Judged as at the certificate's period end, like its evidence (one date for the
whole judgement, issue 15): scores as the last review on or before that day left
them, reviews due by then, flags open on that day, controls untested in the 12
months to it, actions due before it and not yet done on it. Stored with the
certificate when it is signed; drafts show the same list live. What happened
after the period end is listed separately (riskreg.services.certificates.since).
Each kind of disclosure is one *source* in SOURCES: a function from the
unit's open risks and their assurance map to a group of items, so disclosing
something more is one function and one line.

Restricted risks are disclosed by reference only, because certificates are read
by everyone in the organisation.
"""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa

from riskreg.enums import CountermeasureStatus, EvidenceStrength
from riskreg.extensions import db
from riskreg.models import Countermeasure, Flag, Review, Risk, Unit
from riskreg.rules import scoring
from riskreg.rules.evidence import long_date
from riskreg.services import recommendations
from riskreg.services.assurance import map as assurance_map
from riskreg.services.assurance.map import AssuranceMap, MapRow
from riskreg.services.registers import rules

WITHHELD = "Restricted risk (details withheld)"


@dataclass(frozen=True)
class DisclosureContext:
    unit: Unit
    today: date  # the day everything is judged as at: the period end (or today while the period runs)
    risks: list[Risk]  # the unit's open risks, restricted ones included
    map: AssuranceMap  # their controls in place, judged on ``today``
    scores: dict[int, int]  # each risk's residual score on that day, from its last review by then
    reviewed: dict[int, date]  # each risk's last review on or before that day

    def score(self, risk: Risk) -> int:
        return self.scores.get(risk.id, risk.residual_score)


Item = dict[str, str]  # {"ref": "LN-007", "text": "..."}
Source = Callable[[DisclosureContext], list[Item]]


def risk_name(risk: Risk) -> str:
    return WITHHELD if risk.restricted else risk.title


def _item(risk: Risk, detail: str) -> Item:
    return {"ref": risk.ref, "text": f"{risk_name(risk)}: {detail}" if not risk.restricted else WITHHELD}


def above_appetite(context: DisclosureContext) -> list[Item]:
    found = []
    for risk in context.risks:
        tolerance = scoring.tolerance_for(risk.category, rules(), risk.register_id)
        score = context.score(risk)
        if score > tolerance:
            band = scoring.band(score, rules()).label.lower()
            found.append(_item(risk, f"residual score {score} ({band}), tolerance {tolerance}"))
    return found


def _review_due(context: DisclosureContext, risk: Risk) -> date | None:
    """When the risk's review was due as seen on the day judged: its cadence after the last review by then, or
    (not reviewed by then) the date its register recorded."""
    if risk.id in context.reviewed:
        return context.reviewed[risk.id] + timedelta(days=risk.review_frequency_days)
    return risk.next_review_on


def overdue_reviews(context: DisclosureContext) -> list[Item]:
    return [
        _item(risk, f"review due on {long_date(_review_due(context, risk))}")
        for risk in context.risks
        if scoring.is_review_overdue(_review_due(context, risk), context.today)
    ]


def _control_items(rows: list[MapRow]) -> list[Item]:
    found = []
    for row in rows:
        risk = row.countermeasure.risk  # loaded: the map's risks are in the session
        text = WITHHELD if risk.restricted else f"{row.countermeasure.title}: {row.assessment.reason}"
        found.append({"ref": risk.ref, "text": text})
    return found


def ineffective_controls(context: DisclosureContext) -> list[Item]:
    return _control_items(context.map.ineffective)


def untested_controls(context: DisclosureContext) -> list[Item]:
    return _control_items([row for row in context.map.rows if row.assessment.strength is EvidenceStrength.WEAK])


def open_flags(context: DisclosureContext) -> list[Item]:
    """HQ quality flags still waiting for a decision (open or acknowledged) on the unit's open risks: each one on
    a risk above appetite (material), and the rest as counts by kind, so the certificate says what matters."""
    risks = {risk.id: risk for risk in context.risks}
    day_after = datetime.combine(context.today + timedelta(days=1), time())
    flags = db.session.scalars(
        sa.select(Flag)
        .where(
            Flag.raised_at < day_after,
            sa.or_(Flag.resolved_at.is_(None), Flag.resolved_at >= day_after),
            sa.or_(Flag.risk_id.in_(risks), Flag.other_risk_id.in_(risks)),
        )
        .order_by(Flag.risk_id, Flag.id)
    ).all()
    found, others = [], Counter()
    for flag in flags:
        risk = risks.get(flag.risk_id) or risks[flag.other_risk_id]
        if context.score(risk) <= scoring.tolerance_for(risk.category, rules(), risk.register_id):
            others[flag.kind.label.lower()] += 1
            continue
        text = WITHHELD if risk.restricted else f"{risk.title}: {flag.kind.label.lower()}"
        found.append({"ref": risk.ref, "text": text})
    if others:
        counts = ", ".join(f"{label} {count}" for label, count in sorted(others.items(), key=lambda item: -item[1]))
        found.append({"ref": "", "text": f"On risks within appetite: {counts}"})
    return found


def overdue_actions(context: DisclosureContext) -> list[Item]:
    risks = {risk.id: risk for risk in context.risks}
    overdue = db.session.scalars(
        sa.select(Countermeasure)
        .where(
            Countermeasure.risk_id.in_(risks),
            Countermeasure.due_on < context.today,
            # Not done on the day judged: still planned, or put in place only afterwards.
            sa.or_(
                Countermeasure.status == CountermeasureStatus.PLANNED,
                Countermeasure.implemented_on > context.today,
            ),
            Countermeasure.status != CountermeasureStatus.RETIRED,
        )
        .order_by(Countermeasure.risk_id, Countermeasure.id)
    ).all()
    found = []
    for countermeasure in overdue:
        risk = risks[countermeasure.risk_id]
        text = WITHHELD if risk.restricted else f"{countermeasure.title}: due on {long_date(countermeasure.due_on)}"
        found.append({"ref": risk.ref, "text": text})
    return found


def overdue_recommendations(context: DisclosureContext) -> list[Item]:
    """The unit's own inspectorate, NAO and internal audit recommendations still open (accepted or in progress) and
    due before the period end: one falling due after it belongs to the next year's certificate."""
    as_of = context.today  # the period end: the day everything on the certificate is judged at
    found = []
    for item in recommendations.overdue_for_unit(context.unit, as_of):
        text = item.text if len(item.text) <= 160 else item.text[:159] + "…"
        owner = f", owner {item.owner.name}" if item.owner else ""
        found.append(
            {
                "ref": "",
                "text": f"{item.report.title}, paragraph {item.paragraph}: {text} "
                f"(due {long_date(item.due_on)}, {item.status.label.lower()}{owner})",
            }
        )
    return found


@dataclass(frozen=True)
class SourceInfo:
    kind: str
    title: str  # "Open risks above appetite"
    none: str  # shown when the group is empty: "No open risk is above appetite"
    source: Source


SOURCES: list[SourceInfo] = [
    SourceInfo("above_appetite", "Open risks above appetite", "No open risk is above appetite", above_appetite),
    SourceInfo("overdue_reviews", "Risks with overdue reviews", "No review is overdue", overdue_reviews),
    SourceInfo("open_flags", "Open HQ quality flags", "No HQ quality flag is open", open_flags),
    SourceInfo(
        "ineffective_controls",
        "Controls found ineffective",
        "No control in place was found ineffective",
        ineffective_controls,
    ),
    SourceInfo(
        "untested_controls",
        "Controls not tested in the last 12 months",
        "Every control in place was tested in the last 12 months",
        untested_controls,
    ),
    SourceInfo("overdue_actions", "Overdue actions", "No planned action is past its due date", overdue_actions),
    SourceInfo(
        "overdue_recommendations",
        "Overdue recommendations (inspectorate, NAO, internal audit)",
        "No recommendation to the unit was overdue at the end of the period",
        overdue_recommendations,
    ),
]


def _as_at(risks: list[Risk], as_of: date) -> tuple[dict[int, int], dict[int, date]]:
    """Each risk's residual score and last review date as its last review on or before ``as_of`` left them
    (one query). A risk not reviewed by then keeps its current score: a register imported later has no history,
    and leaving its risks out would hide them."""
    latest = (
        sa.select(Review.risk_id, Review.reviewed_on, Review.residual_l, Review.residual_i)
        .where(Review.risk_id.in_([risk.id for risk in risks]), Review.reviewed_on <= as_of)
        .order_by(Review.risk_id, Review.reviewed_on, Review.id)
    )
    scores, reviewed = {}, {}
    for risk_id, reviewed_on, likelihood, impact in db.session.execute(latest):
        scores[risk_id], reviewed[risk_id] = scoring.score(likelihood, impact), reviewed_on
    return scores, reviewed


def compute(unit: Unit, as_of: date) -> dict[str, Any]:
    """The disclosures for ``unit`` as they stood on ``as_of`` (the period end), as stored with a certificate."""
    risks = assurance_map.register_risks(unit.register, include_restricted=True)
    scores, reviewed = _as_at(risks, as_of)
    context = DisclosureContext(unit, as_of, risks, assurance_map.build(risks, as_of), scores, reviewed)
    groups = [
        {"kind": info.kind, "title": info.title, "none": info.none, "items": info.source(context)} for info in SOURCES
    ]
    return {"as_of": as_of.isoformat(), "groups": groups}


def count(disclosures: dict[str, Any]) -> int:
    return sum(len(group["items"]) for group in disclosures["groups"])
