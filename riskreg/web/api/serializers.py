"""Models as the API's JSON. Each shape here is described by the schema of the same name in schemas.py.

A risk's full representation is its summary plus *sections* (countermeasures,
reviews, …). Other features add theirs with ``add_risk_section`` - a name, a
function from a risk to JSON, and the section's JSON Schema - and both the
responses and the OpenAPI document pick it up:

    add_risk_section("links", lambda risk: [...], {"type": "array", "items": ref("RiskLink")})
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import url_for

from riskreg.clock import today
from riskreg.models import Countermeasure, Register, Review, Risk, User
from riskreg.rules import scoring
from riskreg.rules.vocabulary import Term
from riskreg.services.registers import RegisterFigures, rules
from riskreg.web.api.schemas import ref


def term_json(term: Term) -> dict[str, Any]:
    return {"code": term.code, "label": term.label, "description": term.description, "retired": term.retired}


def iso_date(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def iso_datetime(value: datetime) -> str:
    # Stored naive in UTC (riskreg.clock): say so.
    return value.isoformat(timespec="seconds") + "Z"


def person(user: User | None) -> dict[str, Any] | None:
    return {"id": user.id, "name": user.name} if user is not None else None


def register_json(register: Register, figures: RegisterFigures | None) -> dict[str, Any]:
    unit = register.unit
    figures = figures or RegisterFigures()
    return {
        "code": unit.code,
        "title": register.title,
        "url": url_for("api.get_register", code=unit.code),
        "html_url": url_for("registers.show", code=unit.code),
        "risks_url": url_for("api.list_risks", code=unit.code),
        "unit": {"code": unit.code, "name": unit.name, "kind": unit.kind.value},
        "parent": unit.parent.code if unit.parent is not None else None,
        "is_corporate": register.is_corporate,
        "updated_at": iso_datetime(register.updated_at),
        "figures": {
            "open_risks": figures.open_risks,
            "above_appetite": figures.above_appetite,
            "reviews_overdue": figures.reviews_overdue,
        },
    }


def _scores(risk: Risk) -> dict[str, Any]:
    scoring_rules = rules()
    return {
        "inherent_l": risk.inherent_l,
        "inherent_i": risk.inherent_i,
        "residual_l": risk.residual_l,
        "residual_i": risk.residual_i,
        "target_l": risk.target_l,
        "target_i": risk.target_i,
        "inherent_score": risk.inherent_score,
        "residual_score": risk.residual_score,
        "target_score": risk.target_score,
        "residual_band": scoring.band(risk.residual_score, scoring_rules).value,
        "appetite": {
            "level": scoring.appetite_of(risk.category, scoring_rules, risk.register_id).value,
            "tolerance": scoring.tolerance_for(risk.category, scoring_rules, risk.register_id),
        },
        "above_appetite": scoring.is_above_appetite(
            risk.residual_score, risk.category, scoring_rules, risk.register_id
        ),
    }


def risk_json(risk: Risk) -> dict[str, Any]:
    """A risk without its sections: what register listings return. Needs the risk's register unit and owner."""
    overdue = risk.is_open and risk.next_review_on is not None and risk.next_review_on < today()
    return {
        "ref": risk.ref,
        "url": url_for("api.get_risk", ref=risk.ref),
        "html_url": url_for("risks.show", ref=risk.ref),
        "register": risk.register.unit.code,
        "title": risk.title,
        "cause": risk.cause,
        "event": risk.event,
        "consequence": risk.consequence,
        "category": risk.category,
        "objective": risk.objective,
        "influence": risk.influence.value if risk.influence else None,
        "owner_to_confirm": risk.owner_to_confirm,
        "owner_id": risk.owner_id,
        "owner": person(risk.owner),
        "status": risk.status.value,
        "closed_reason": risk.closed_reason,
        "restricted": risk.restricted,
        **_scores(risk),
        "review_frequency_days": risk.review_frequency_days,
        "next_review_on": iso_date(risk.next_review_on),
        "last_reviewed_on": iso_date(risk.last_reviewed_on),
        "review_overdue": overdue,
        "version": risk.version,
        "created_at": iso_datetime(risk.created_at),
        "updated_at": iso_datetime(risk.updated_at),
    }


def countermeasure_json(countermeasure: Countermeasure, risk: Risk) -> dict[str, Any]:
    return {
        "id": countermeasure.id,
        "url": url_for("api.get_countermeasure", ref=risk.ref, countermeasure_id=countermeasure.id),
        "risk": risk.ref,
        "title": countermeasure.title,
        "description": countermeasure.description,
        "kind": countermeasure.kind.value,
        "status": countermeasure.status.value,
        "owner_id": countermeasure.owner_id,
        "owner": person(countermeasure.owner),
        "due_on": iso_date(countermeasure.due_on),
        "implemented_on": iso_date(countermeasure.implemented_on),
        "frequency": countermeasure.frequency.value if countermeasure.frequency else None,
        "overdue": countermeasure.is_overdue(today()),
        "version": countermeasure.version,
        "created_at": iso_datetime(countermeasure.created_at),
    }


def review_json(review: Review, risk: Risk) -> dict[str, Any]:
    return {
        "id": review.id,
        "risk": risk.ref,
        "reviewed_on": review.reviewed_on.isoformat(),
        "reviewer": person(review.reviewer),
        "residual_l": review.residual_l,
        "residual_i": review.residual_i,
        "residual_score": review.residual_score,
        "commentary": review.commentary,
        "outcome": review.outcome.value,
        "created_at": iso_datetime(review.created_at),
    }


@dataclass(frozen=True)
class RiskSection:
    name: str
    serialize: Callable[[Risk], Any]
    schema: dict[str, Any]


RISK_SECTIONS: list[RiskSection] = []


def add_risk_section(name: str, serialize: Callable[[Risk], Any], schema: dict[str, Any]) -> None:
    if any(section.name == name for section in RISK_SECTIONS):
        raise ValueError(f"a risk section called {name} is already registered")
    RISK_SECTIONS.append(RiskSection(name, serialize, schema))


def risk_detail_json(risk: Risk) -> dict[str, Any]:
    """A risk with every section; risks.get_by_ref loads what the built-in sections need."""
    return {**risk_json(risk), **{section.name: section.serialize(risk) for section in RISK_SECTIONS}}


add_risk_section(
    "countermeasures",
    lambda risk: [countermeasure_json(countermeasure, risk) for countermeasure in risk.countermeasures],
    {"type": "array", "items": ref("Countermeasure"), "description": "Oldest first, retired ones included"},
)
add_risk_section(
    "reviews",
    lambda risk: [review_json(review, risk) for review in risk.reviews],
    {"type": "array", "items": ref("Review"), "description": "Newest first"},
)
