from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from riskreg.clock import utcnow
from riskreg.enums import CertificateStatus, Declaration, EvidenceStrength, Opinion, ValidationOutcome
from riskreg.extensions import db
from riskreg.models.measure import Measure
from riskreg.models.org import Unit, User
from riskreg.models.risk import Countermeasure
from riskreg.models.types import enum_column_type


class CertificateTemplate(db.Model):
    """Sections and default assertions a new certificate starts from (administrators edit it)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    is_default: Mapped[bool] = mapped_column(default=False)
    # The statement of responsibility, with placeholders ({title}, {unit}, ...); empty: riskreg's default wording.
    statement: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    # Optimistic lock: moved by every edit of the template, its sections or its assertions (issue 18).
    lock_version: Mapped[int] = mapped_column(default=1, server_default="1")
    __mapper_args__ = {"version_id_col": lock_version}
    sections: Mapped[list["TemplateSection"]] = relationship(
        back_populates="template", order_by="TemplateSection.position", cascade="all, delete-orphan"
    )


class TemplateSection(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(sa.ForeignKey("certificate_template.id"), index=True)
    position: Mapped[int]
    title: Mapped[str] = mapped_column(sa.String(200))
    template: Mapped[CertificateTemplate] = relationship(back_populates="sections")
    assertions: Mapped[list["TemplateAssertion"]] = relationship(
        back_populates="section", order_by="TemplateAssertion.position", cascade="all, delete-orphan"
    )


class TemplateAssertion(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    section_id: Mapped[int] = mapped_column(sa.ForeignKey("template_section.id"), index=True)
    position: Mapped[int]
    statement: Mapped[str] = mapped_column(sa.Text)
    section: Mapped[TemplateSection] = relationship(back_populates="assertions")


assertion_countermeasure = sa.Table(
    "assertion_countermeasure",
    db.metadata,
    sa.Column("assertion_id", sa.ForeignKey("assertion.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("countermeasure_id", sa.ForeignKey("countermeasure.id"), primary_key=True, index=True),
    # Why this control supports this statement, in the unit's words.
    sa.Column("reason", sa.Text, nullable=False, server_default=""),
)


# The unit's measures (key risk indicators) an assertion cites as evidence, judged over the certificate's year
# (riskreg.rules.measure_evidence). A measure is never deleted, so a cited one stays cited.
assertion_measure = sa.Table(
    "assertion_measure",
    db.metadata,
    sa.Column("assertion_id", sa.ForeignKey("assertion.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("measure_id", sa.ForeignKey("measure.id"), primary_key=True, index=True),
)


class Certificate(db.Model):
    """A unit's certificate of assurance for a financial year; corrections are new versions."""

    __table_args__ = (sa.UniqueConstraint("unit_id", "period", "version", name="uq_certificate_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    period: Mapped[str] = mapped_column(sa.String(7))
    version: Mapped[int] = mapped_column(default=1)
    status: Mapped[CertificateStatus] = mapped_column(
        enum_column_type(CertificateStatus), default=CertificateStatus.DRAFT
    )
    supersedes_id: Mapped[int | None] = mapped_column(sa.ForeignKey("certificate.id"))
    prepared_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Touched by every change to the draft, so the optimistic lock covers its sections and assertions too.
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]
    signed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"))
    signed_at: Mapped[datetime | None]
    # Frozen at signing and never changed: the PDF, its SHA-256, and the data it was built from.
    content_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    snapshot_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    snapshot: Mapped[str | None] = deferred(mapped_column(sa.Text))
    pdf: Mapped[bytes | None] = deferred(mapped_column(sa.LargeBinary))
    disclosures: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    validated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("app_user.id"))
    validated_at: Mapped[datetime | None]
    validation_outcome: Mapped[ValidationOutcome | None] = mapped_column(enum_column_type(ValidationOutcome))
    validation_notes: Mapped[str | None] = mapped_column(sa.Text)
    lock_version: Mapped[int] = mapped_column(default=1)
    # What the head certifies (issue 15): the statement of responsibility (copied from the template, placeholders
    # filled when shown), and the opinion chosen when it is not the one proposed from the evidence, with why.
    statement: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    opinion: Mapped[Opinion | None] = mapped_column(enum_column_type(Opinion))
    opinion_reason: Mapped[str] = mapped_column(sa.Text, default="", server_default="")

    __mapper_args__ = {"version_id_col": lock_version}

    unit: Mapped[Unit] = relationship()
    supersedes: Mapped["Certificate | None"] = relationship(remote_side=[id])
    prepared_by: Mapped[User | None] = relationship(foreign_keys=[prepared_by_id])
    signed_by: Mapped[User | None] = relationship(foreign_keys=[signed_by_id])
    validated_by: Mapped[User | None] = relationship(foreign_keys=[validated_by_id])
    sections: Mapped[list["CertificateSection"]] = relationship(
        back_populates="certificate", order_by="CertificateSection.position", cascade="all, delete-orphan"
    )
    issues: Mapped[list["CertificateIssue"]] = relationship(
        back_populates="certificate", order_by="CertificateIssue.position", cascade="all, delete-orphan"
    )

    @property
    def is_frozen(self) -> bool:
        return self.signed_at is not None

    @property
    def is_draft(self) -> bool:
        return self.status in (CertificateStatus.DRAFT, CertificateStatus.SUBMITTED)

    @property
    def assertions(self) -> list["Assertion"]:
        return [assertion for section in self.sections for assertion in section.assertions]

    @property
    def title(self) -> str:
        return f"Certificate of assurance {self.period}: {self.unit.name}"

    @property
    def exception_count(self) -> int:
        return sum(1 for assertion in self.assertions if assertion.has_exception)

    def __repr__(self) -> str:
        return f"<Certificate {self.id} {self.period} v{self.version} {self.status.value}>"


class CertificateSection(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(sa.ForeignKey("certificate.id"), index=True)
    position: Mapped[int]
    title: Mapped[str] = mapped_column(sa.String(200))
    certificate: Mapped[Certificate] = relationship(back_populates="sections")
    assertions: Mapped[list["Assertion"]] = relationship(
        back_populates="section", order_by="Assertion.position", cascade="all, delete-orphan"
    )


class Assertion(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    section_id: Mapped[int] = mapped_column(sa.ForeignKey("certificate_section.id"), index=True)
    position: Mapped[int]
    statement: Mapped[str] = mapped_column(sa.Text)
    declaration: Mapped[Declaration | None] = mapped_column(enum_column_type(Declaration))
    exception_text: Mapped[str] = mapped_column(sa.Text, default="")
    # The strength and its reason as judged when the certificate was signed; None before.
    signed_strength: Mapped[EvidenceStrength | None] = mapped_column(enum_column_type(EvidenceStrength))
    signed_reason: Mapped[str | None] = mapped_column(sa.Text)
    section: Mapped[CertificateSection] = relationship(back_populates="assertions")
    countermeasures: Mapped[list[Countermeasure]] = relationship(
        secondary=assertion_countermeasure, order_by="Countermeasure.id"
    )
    measures: Mapped[list[Measure]] = relationship(secondary=assertion_measure, order_by="Measure.name")

    @property
    def has_exception(self) -> bool:
        return self.declaration not in (None, Declaration.ASSURED)


class CertificateIssue(db.Model):
    """A significant issue the head reports, and the action on it, with its owner and due date."""

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(sa.ForeignKey("certificate.id"), index=True)
    position: Mapped[int]
    issue: Mapped[str] = mapped_column(sa.Text)
    action: Mapped[str] = mapped_column(sa.Text)
    owner: Mapped[str] = mapped_column(sa.String(200))  # a person or post, as the head names them
    due_on: Mapped[date]
    certificate: Mapped[Certificate] = relationship(back_populates="issues")


class FrozenCertificate(Exception):
    """An attempt to change what a signed certificate froze: its PDF, snapshot, hashes or assertions."""


# Columns fixed for good once a certificate is signed. Status and validation still move afterwards.
FROZEN_COLUMNS = frozenset(
    {
        "unit_id",
        "period",
        "version",
        "supersedes_id",
        "signed_by_id",
        "signed_at",
        "content_sha256",
        "snapshot_sha256",
        "snapshot",
        "pdf",
        "disclosures",
        "statement",
        "opinion",
        "opinion_reason",
    }
)
FROZEN_ASSERTION_COLUMNS = frozenset(
    {"section_id", "position", "statement", "declaration", "exception_text", "signed_strength", "signed_reason"}
)


def _signed_in_database(connection, certificate_id: int) -> bool:
    # Asked of the database, not the session: the row as stored decides, whatever was loaded or expired.
    table = Certificate.__table__
    query = sa.select(table.c.content_sha256).where(table.c.id == certificate_id)
    return connection.scalar(query) is not None


@sa.event.listens_for(Certificate, "before_update")
def _refuse_changing_a_signed_certificate(_mapper, connection, certificate: Certificate) -> None:
    # The service refuses first, with a message; this guards every other code path.
    state = sa.inspect(certificate)
    changed = [name for name in FROZEN_COLUMNS if state.attrs[name].history.has_changes()]
    if changed and _signed_in_database(connection, certificate.id):
        raise FrozenCertificate(f"certificate {certificate.id} is signed: {', '.join(sorted(changed))} cannot change")


@sa.event.listens_for(Certificate, "before_delete")
def _refuse_deleting_a_signed_certificate(_mapper, connection, certificate: Certificate) -> None:
    if _signed_in_database(connection, certificate.id):
        raise FrozenCertificate(f"certificate {certificate.id} is signed and cannot be deleted")


def _certificate_of_assertion(connection, section_id: int) -> int:
    table = CertificateSection.__table__
    return connection.scalar(sa.select(table.c.certificate_id).where(table.c.id == section_id))


def _guard_assertion(connection, assertion: Assertion) -> None:
    section_id = sa.inspect(assertion).committed_state.get("section_id", assertion.section_id)
    if _signed_in_database(connection, _certificate_of_assertion(connection, section_id)):
        raise FrozenCertificate(f"assertion {assertion.id} belongs to a signed certificate and cannot change")


@sa.event.listens_for(Assertion, "before_update")
def _refuse_changing_a_signed_assertion(_mapper, connection, assertion: Assertion) -> None:
    state = sa.inspect(assertion)
    if any(state.attrs[name].history.has_changes() for name in FROZEN_ASSERTION_COLUMNS):
        _guard_assertion(connection, assertion)


@sa.event.listens_for(Assertion, "before_delete")
def _refuse_deleting_a_signed_assertion(_mapper, connection, assertion: Assertion) -> None:
    _guard_assertion(connection, assertion)


def _guard_issue(connection, issue: CertificateIssue) -> None:
    certificate_id = sa.inspect(issue).committed_state.get("certificate_id", issue.certificate_id)
    if _signed_in_database(connection, certificate_id):
        raise FrozenCertificate(f"issue {issue.id} belongs to a signed certificate and cannot change")


sa.event.listen(CertificateIssue, "before_update", lambda _m, connection, issue: _guard_issue(connection, issue))
sa.event.listen(CertificateIssue, "before_delete", lambda _m, connection, issue: _guard_issue(connection, issue))
