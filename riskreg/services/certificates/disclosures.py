"""What a certificate of assurance must disclose, automatically and without opt-out (DESIGN capability 6).

Computed from the unit's register at the moment of signing and stored with the
certificate; drafts show the same list live ("would be disclosed if signed
now"). Each kind of disclosure is one *source* in SOURCES: a function from the
unit's open risks and their assurance map to a group of items, so disclosing
something more is one function and one line.

Restricted risks are disclosed by reference only, because certificates are read
by everyone in the organisation.
"""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa

from riskreg.enums import CountermeasureStatus, EvidenceStrength
from riskreg.extensions import db
from riskreg.models import Countermeasure, Flag, Risk, Unit
from riskreg.rules import scoring
from riskreg.rules.evidence import long_date
from riskreg.services import recommendations
from riskreg.services.assurance import map as assurance_map
from riskreg.services.assurance.map import AssuranceMap, MapRow
from riskreg.services.flags.queue import LIVE as LIVE_FLAGS
from riskreg.services.registers import rules

WITHHELD = "Restricted risk (details withheld)"


@dataclass(frozen=True)
class DisclosureContext:
    unit: Unit
    today: date
    risks: list[Risk]  # the unit's open risks, restricted ones included
    map: AssuranceMap  # their controls in place, judged on ``today``
    # The certificate's period end once the period is over (else ``today``): what the period's record was.
    judged_on: date | None = None


Item = dict[str, str]  # {"ref": "LN-007", "text": "..."}
Source = Callable[[DisclosureContext], list[Item]]


def risk_name(risk: Risk) -> str:
    return WITHHELD if risk.restricted else risk.title


def _item(risk: Risk, detail: str) -> Item:
    return {"ref": risk.ref, "text": f"{risk_name(risk)}: {detail}" if not risk.restricted else WITHHELD}


def above_appetite(context: DisclosureContext) -> list[Item]:
    found = []
    for risk in context.risks:
        tolerance = scoring.tolerance_for(risk.category, rules())
        if risk.residual_score > tolerance:
            band = scoring.band(risk.residual_score, rules()).label.lower()
            found.append(_item(risk, f"residual score {risk.residual_score} ({band}), tolerance {tolerance}"))
    return found


def overdue_reviews(context: DisclosureContext) -> list[Item]:
    return [
        _item(risk, f"review due on {long_date(risk.next_review_on)}")
        for risk in context.risks
        if scoring.is_review_overdue(risk.next_review_on, context.today)
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
    flags = db.session.scalars(
        sa.select(Flag)
        .where(Flag.status.in_(LIVE_FLAGS), sa.or_(Flag.risk_id.in_(risks), Flag.other_risk_id.in_(risks)))
        .order_by(Flag.risk_id, Flag.id)
    ).all()
    found, others = [], Counter()
    for flag in flags:
        risk = risks.get(flag.risk_id) or risks[flag.other_risk_id]
        if risk.residual_score <= scoring.tolerance_for(risk.category, rules()):
            others[flag.kind.label.lower()] += 1
            continue
        text = WITHHELD if risk.restricted else f"{risk.title}: {flag.kind.label.lower()} ({flag.status.label.lower()})"
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
            Countermeasure.status == CountermeasureStatus.PLANNED,
            Countermeasure.due_on < context.today,
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
    as_of = context.judged_on or context.today
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


def compute(unit: Unit, today: date, judged_on: date | None = None) -> dict[str, Any]:
    """The disclosures for ``unit`` as they stand on ``today``, as stored with a signed certificate; the sources
    about the period's record (overdue recommendations) are judged on ``judged_on``, the period end once it ended."""
    risks = assurance_map.register_risks(unit.register, include_restricted=True)
    context = DisclosureContext(unit, today, risks, assurance_map.build(risks, today), judged_on)
    groups = [
        {"kind": info.kind, "title": info.title, "none": info.none, "items": info.source(context)} for info in SOURCES
    ]
    return {"as_of": today.isoformat(), "groups": groups}


def count(disclosures: dict[str, Any]) -> int:
    return sum(len(group["items"]) for group in disclosures["groups"])
