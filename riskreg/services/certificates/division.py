"""A division's certificate rolls up its units' certificates (issue 15; inspection 5.2-5.3).

A Head of Division is accountable for the whole division, so the division's
certificate covers its own register *and* what each unit's head certified: each
unit's latest certificate for the period, its opinion and its exceptions, and
every unit that has not signed, which is also disclosed. The division's proposed
opinion is no better than its weakest unit's (riskreg.rules.opinion).
"""

import json
from dataclasses import asdict, dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from riskreg.enums import Declaration, EvidenceStrength, Opinion, UnitKind
from riskreg.extensions import db
from riskreg.models import Certificate, CertificateSection, Unit
from riskreg.rules import opinion as opinion_rules
from riskreg.rules.opinion import UnitOpinion

UNSIGNED = "unsigned_units"


@dataclass(frozen=True)
class UnitException:
    number: str  # "2.1"
    statement: str
    declaration: str  # Declaration value
    text: str


@dataclass(frozen=True)
class UnitCertificate:
    """One unit's certificate as its division's certificate shows it."""

    code: str
    name: str
    status: str  # a CertificateStatus value, or "none"
    certificate_id: int | None = None
    signed_by: str = ""
    opinion: str | None = None  # an Opinion value, once signed
    exceptions: tuple[UnitException, ...] = ()

    @property
    def is_signed(self) -> bool:
        return self.opinion is not None

    @property
    def opinion_phrase(self) -> str:
        return Opinion(self.opinion).phrase if self.opinion else "Not signed"


def covers_units(unit: Unit) -> bool:
    return unit.kind is UnitKind.DIVISION


def _signed_opinion(certificate: Certificate) -> Opinion:
    """The opinion a signed certificate gave: from its snapshot, or (signed before opinions were recorded)
    proposed again from what it signed."""
    recorded = (json.loads(certificate.snapshot or "{}").get("opinion") or {}).get("opinion")
    if recorded:
        return Opinion(recorded)
    assertions = certificate.assertions
    strengths = [a.signed_strength or EvidenceStrength.NONE for a in assertions]
    return opinion_rules.propose(strengths, [a.declaration for a in assertions]).opinion


def _exceptions(certificate: Certificate) -> tuple[UnitException, ...]:
    return tuple(
        UnitException(f"{s}.{a}", assertion.statement, assertion.declaration.value, assertion.exception_text)
        for s, section in enumerate(certificate.sections, start=1)
        for a, assertion in enumerate(section.assertions, start=1)
        if assertion.declaration is not None and assertion.declaration is not Declaration.ASSURED
    )


def _row(unit: Unit, certificate: Certificate | None) -> UnitCertificate:
    if certificate is None:
        return UnitCertificate(unit.code, unit.name, "none")
    signed = certificate.is_frozen
    return UnitCertificate(
        unit.code,
        unit.name,
        certificate.status.value,
        certificate.id,
        certificate.signed_by.name if signed and certificate.signed_by else "",
        _signed_opinion(certificate).value if signed else None,
        _exceptions(certificate) if signed else (),
    )


def unit_certificates(division: Unit, period_label: str) -> list[UnitCertificate]:
    """Each unit of the division with its latest certificate for the period (a fixed number of queries)."""
    units = list(db.session.scalars(sa.select(Unit).where(Unit.parent_id == division.id).order_by(Unit.name)))
    latest: dict[int, Certificate] = {}
    query = (
        sa.select(Certificate)
        .where(Certificate.unit_id.in_([unit.id for unit in units]), Certificate.period == period_label)
        .options(
            selectinload(Certificate.sections).selectinload(CertificateSection.assertions),
            selectinload(Certificate.signed_by),
            sa.orm.undefer(Certificate.snapshot),
        )
        .order_by(Certificate.version)
    )
    for certificate in db.session.scalars(query):
        latest[certificate.unit_id] = certificate
    return [_row(unit, latest.get(unit.id)) for unit in units]


def opinions(rows: list[UnitCertificate]) -> list[UnitOpinion]:
    return [UnitOpinion(row.name, Opinion(row.opinion) if row.opinion else None) for row in rows]


def _not_signed(row: UnitCertificate) -> str:
    return "no certificate prepared" if row.status == "none" else f"{row.status}, not signed"


def disclosure(rows: list[UnitCertificate]) -> dict[str, Any]:
    """The disclosure group naming every unit whose certificate is not signed (as at printing or signing)."""
    items = [{"ref": "", "text": f"{row.name} ({row.code}): {_not_signed(row)}"} for row in rows if not row.is_signed]
    return {
        "kind": UNSIGNED,
        "title": "Units whose certificate is not signed",
        "none": "Every unit of the division has signed its certificate",
        "items": items,
    }


def to_snapshot(rows: list[UnitCertificate]) -> list[dict[str, Any]]:
    return [asdict(row) for row in rows]


def from_snapshot(items: list[dict[str, Any]]) -> list[UnitCertificate]:
    return [
        UnitCertificate(**{**item, "exceptions": tuple(UnitException(**e) for e in item.get("exceptions", ()))})
        for item in items
    ]
