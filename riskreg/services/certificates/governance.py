"""The annual governance statement's assurance paragraph, drafted from the units' certificates (issue 15).

Headquarters writes the governance statement from what every head certified. The
draft groups the exceptions the signed certificates declared by assertion, across
units: how many units declared each, and which. Units whose latest certificate is
not signed are named, since they give no assurance yet. Written as HTML (the page)
and as a DOCX people can edit (python-docx); the words are the same.
"""

from dataclasses import dataclass, field
from datetime import date
from io import BytesIO

import sqlalchemy as sa

from riskreg.enums import Declaration
from riskreg.extensions import db
from riskreg.models import Certificate, CertificateSection, Unit
from riskreg.rules.evidence import Period, long_date
from riskreg.services.certificates.queries import KIND_ORDER

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@dataclass
class AssertionExceptions:
    statement: str
    not_assured: list[str] = field(default_factory=list)  # unit names
    with_exceptions: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.not_assured) + len(self.with_exceptions)

    @property
    def units(self) -> list[str]:
        return sorted(self.not_assured + self.with_exceptions)


@dataclass
class GovernanceDraft:
    period: Period
    units: int
    signed: list[str]
    unsigned: list[str]
    groups: list[AssertionExceptions]

    @property
    def exception_count(self) -> int:
        return sum(group.count for group in self.groups)

    def paragraphs(self) -> list[str]:
        """The assurance paragraph as sentences a drafter edits (the same in HTML and DOCX)."""
        year = self.period.label
        first = (
            f"Each of the {self.units} units' heads certifies annually the governance, risk management and "
            f"control arrangements for which they are responsible. For {year}, {len(self.signed)} of "
            f"{self.units} signed a certificate of assurance, each judged as at {long_date(self.period.end)}"
        )
        first += f"; {len(self.unsigned)} had not signed: {', '.join(self.unsigned)}." if self.unsigned else "."
        if not self.groups:
            return [first, "No signed certificate declared an exception."]
        second = (
            f"The signed certificates declared {self.exception_count} exceptions against "
            f"{len(self.groups)} assertions. The most widespread were:"
        )
        return [first, second]


def _latest(period: Period) -> dict[int, Certificate]:
    latest: dict[int, Certificate] = {}
    query = (
        sa.select(Certificate)
        .where(Certificate.period == period.label)
        .options(sa.orm.selectinload(Certificate.sections).selectinload(CertificateSection.assertions))
        .order_by(Certificate.version)
    )
    for certificate in db.session.scalars(query):
        latest[certificate.unit_id] = certificate
    return latest


def draft(period: Period) -> GovernanceDraft:
    """The draft for ``period`` from every unit's latest certificate (a fixed number of queries)."""
    units = sorted(db.session.scalars(sa.select(Unit)), key=lambda unit: (KIND_ORDER[unit.kind], unit.name))
    latest = _latest(period)
    signed = [unit for unit in units if unit.id in latest and latest[unit.id].is_frozen]
    groups: dict[str, AssertionExceptions] = {}
    for unit in signed:
        for assertion in latest[unit.id].assertions:
            if assertion.declaration in (None, Declaration.ASSURED):
                continue
            group = groups.setdefault(assertion.statement, AssertionExceptions(assertion.statement))
            names = group.not_assured if assertion.declaration is Declaration.NOT_ASSURED else group.with_exceptions
            names.append(unit.name)
    ordered = sorted(groups.values(), key=lambda group: (-group.count, group.statement))
    return GovernanceDraft(
        period,
        len(units),
        [unit.name for unit in signed],
        [unit.name for unit in units if unit not in signed],
        ordered,
    )


def group_sentence(group: AssertionExceptions) -> str:
    parts = []
    if group.not_assured:
        parts.append(f"not assured by {', '.join(sorted(group.not_assured))}")
    if group.with_exceptions:
        parts.append(f"assured with exceptions by {', '.join(sorted(group.with_exceptions))}")
    units = "unit" if group.count == 1 else "units"
    return f"“{group.statement}”: {group.count} {units}, {'; '.join(parts)}."


def to_docx(governance: GovernanceDraft, drafted_on: date) -> bytes:
    import docx  # on first use, not at every start (issue 20)
    from docx.shared import Pt

    document = docx.Document()
    document.styles["Normal"].font.name = "Arial"
    document.styles["Normal"].font.size = Pt(11)
    document.core_properties.title = f"Governance statement {governance.period.label}: assurance paragraph (draft)"
    document.core_properties.author = "riskreg"
    document.add_heading(f"Governance statement {governance.period.label}: assurance (draft)", level=1)
    note = (
        f"Drafted by riskreg on {long_date(drafted_on)} from the units' certificates of assurance. Edit it before use."
    )
    document.add_paragraph().add_run(note).italic = True
    paragraphs = governance.paragraphs()
    for text in paragraphs:
        document.add_paragraph(text)
    for group in governance.groups:
        document.add_paragraph(group_sentence(group), style="List Bullet")
    output = BytesIO()
    document.save(output)
    return output.getvalue()
