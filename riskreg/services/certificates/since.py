"""What happened between a certificate's period end and its signing (issue 15: one date for the judgement).

The certificate judges everything as at the period end; a head signing months later
must still say what has happened since. These are listed separately, never folded
into the judgement: control tests recorded, reviews that rescored a risk or recorded
an incident, and HQ quality flags raised, on the unit's open risks, from the day
after the period end to the day of signing (or today, for a draft).
"""

from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from riskreg.extensions import db
from riskreg.models import ControlTest, Countermeasure, Flag, Review, Risk, Unit
from riskreg.rules import scoring
from riskreg.rules.evidence import records_incident
from riskreg.services.certificates.disclosures import WITHHELD
from riskreg.services.registers import rules as scoring_rules

Event = dict[str, str]  # {"on": "2026-05-02", "kind": "test", "ref": "LN-007", "text": "..."}
KIND_LABELS = {"test": "Control test", "rescore": "Rescored", "incident": "Incident", "flag": "Flag raised"}


def _event(on: date, kind: str, risk: Risk, text: str) -> Event:
    return {"on": on.isoformat(), "kind": kind, "ref": risk.ref, "text": WITHHELD if risk.restricted else text}


def _tests(risks: dict[int, Risk], first: date, last: date) -> list[Event]:
    query = (
        sa.select(ControlTest)
        .join(Countermeasure, ControlTest.countermeasure_id == Countermeasure.id)
        .where(Countermeasure.risk_id.in_(risks), ControlTest.tested_on.between(first, last))
        .options(joinedload(ControlTest.countermeasure))
        .order_by(ControlTest.tested_on, ControlTest.id)
    )
    return [
        _event(
            test.tested_on,
            "test",
            risks[test.countermeasure.risk_id],
            f"{test.countermeasure.title}: tested {test.conclusion.label.lower()} by {test.line.tester}",
        )
        for test in db.session.scalars(query)
    ]


def _reviews(risks: dict[int, Risk], first: date, last: date) -> list[Event]:
    """Reviews in the window that moved the score (against the review before) or recorded an incident."""
    query = (
        sa.select(Review)
        .where(Review.risk_id.in_(risks), Review.reviewed_on <= last)
        .order_by(Review.risk_id, Review.reviewed_on, Review.id)
    )
    found, previous = [], {}
    for review in db.session.scalars(query):
        before = previous.get(review.risk_id)
        previous[review.risk_id] = review.residual_score
        if review.reviewed_on < first:
            continue
        risk = risks[review.risk_id]
        if before is not None and before != review.residual_score:
            band = scoring.band(review.residual_score, scoring_rules()).label.lower()
            text = f"residual score {before} → {review.residual_score} ({band})"
            found.append(_event(review.reviewed_on, "rescore", risk, text))
        if records_incident(review.commentary):
            found.append(_event(review.reviewed_on, "incident", risk, f"review records: {review.commentary}"))
    return found


def _flags(risks: dict[int, Risk], first: date, last: date) -> list[Event]:
    """Flags raised, one line per day and kind naming the risks: a scan raises many at once."""
    query = (
        sa.select(Flag)
        .where(
            Flag.risk_id.in_(risks),
            Flag.raised_at >= datetime.combine(first, time()),
            Flag.raised_at < datetime.combine(last + timedelta(days=1), time()),
        )
        .order_by(Flag.raised_at, Flag.id)
    )
    grouped: dict[tuple[date, str], list[str]] = {}
    for flag in db.session.scalars(query):
        refs = grouped.setdefault((flag.raised_at.date(), flag.kind.label), [])
        if risks[flag.risk_id].ref not in refs:
            refs.append(risks[flag.risk_id].ref)
    return [
        {"on": on.isoformat(), "kind": "flag", "ref": "", "text": f"{label}: {', '.join(refs)}"}
        for (on, label), refs in grouped.items()
    ]


def events(unit: Unit, period_end: date, until: date) -> dict[str, Any]:
    """Everything recorded on ``unit``'s open risks after ``period_end`` up to ``until``, oldest first."""
    first = period_end + timedelta(days=1)
    if until < first:
        return {"from": first.isoformat(), "to": until.isoformat(), "items": []}
    query = sa.select(Risk).where(Risk.register_id == unit.register.id).order_by(Risk.id)
    risks = {risk.id: risk for risk in db.session.scalars(query)}
    items = _tests(risks, first, until) + _reviews(risks, first, until) + _flags(risks, first, until)
    items.sort(key=lambda item: (item["on"], item["ref"], item["kind"]))
    return {"from": first.isoformat(), "to": until.isoformat(), "items": items}
