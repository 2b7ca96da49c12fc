"""Control tests and the evidence behind them (DESIGN capability 5)."""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from riskreg.clock import utcnow
from riskreg.enums import AssuranceLine, Conclusion, ControlTestMethod, EvidenceKind, TestNature
from riskreg.extensions import db
from riskreg.models.org import User
from riskreg.models.risk import Countermeasure
from riskreg.models.types import enum_column_type
from riskreg.rules import uploads
from riskreg.rules.evidence import MINIMUM_SAMPLES, ControlTestFact, minimum_sample

control_test_evidence = sa.Table(
    "control_test_evidence",
    db.metadata,
    sa.Column("control_test_id", sa.ForeignKey("control_test.id"), primary_key=True),
    sa.Column("evidence_id", sa.ForeignKey("evidence.id"), primary_key=True, index=True),
)


class ControlTest(db.Model):
    """One test of a countermeasure by one line of assurance. Tests are a record: never edited."""

    __table_args__ = (
        sa.CheckConstraint("sample_size IS NULL OR sample_size >= 1", name="sample_size_positive"),
        sa.CheckConstraint("exceptions >= 0", name="exceptions_not_negative"),
        sa.CheckConstraint("sample_size IS NULL OR exceptions <= sample_size", name="exceptions_within_sample"),
        sa.CheckConstraint("exceptions_tolerated >= 0", name="tolerated_not_negative"),
        sa.CheckConstraint("population IS NULL OR population >= 1", name="population_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    countermeasure_id: Mapped[int] = mapped_column(sa.ForeignKey("countermeasure.id"), index=True)
    tested_on: Mapped[date]
    tester_id: Mapped[int] = mapped_column(sa.ForeignKey("app_user.id"), index=True)
    line: Mapped[AssuranceLine] = mapped_column(enum_column_type(AssuranceLine))
    method: Mapped[ControlTestMethod] = mapped_column(enum_column_type(ControlTestMethod))
    # Design (is the control built to work?) or operating effectiveness (did it work over the period?).
    nature: Mapped[TestNature] = mapped_column(
        enum_column_type(TestNature), default=TestNature.OPERATING, server_default=TestNature.OPERATING.value
    )
    population: Mapped[int | None]  # how many times the control operated in the period tested
    sample_size: Mapped[int | None]
    exceptions: Mapped[int] = mapped_column(default=0)
    exceptions_tolerated: Mapped[int] = mapped_column(default=0, server_default="0")
    conclusion: Mapped[Conclusion] = mapped_column(enum_column_type(Conclusion))
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    countermeasure: Mapped[Countermeasure] = relationship()
    tester: Mapped[User] = relationship()
    evidence: Mapped[list["Evidence"]] = relationship(
        secondary=control_test_evidence, back_populates="control_tests", order_by="Evidence.id"
    )

    def fact(self, minimums=MINIMUM_SAMPLES) -> ControlTestFact:
        minimum = minimum_sample(self.countermeasure.frequency, minimums)
        return ControlTestFact(
            self.tested_on,
            self.line,
            self.conclusion,
            bool(self.evidence),
            self.method,
            self.nature,
            self.sample_size,
            self.exceptions,
            self.exceptions_tolerated,
            minimum,
        )

    def __repr__(self) -> str:
        return f"<ControlTest {self.id} {self.line.short_label} {self.conclusion.value}>"


class Evidence(db.Model):
    """A file, a link or a reference, dated. Locked evidence (relied on by a signed certificate) never changes."""

    __table_args__ = (
        sa.CheckConstraint(
            "kind != 'file' OR (sha256 IS NOT NULL AND size IS NOT NULL AND content_type IS NOT NULL)",
            name="file_has_fingerprint",
        ),
        sa.CheckConstraint("kind != 'link' OR url IS NOT NULL", name="link_has_url"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[EvidenceKind] = mapped_column(enum_column_type(EvidenceKind))
    # Who produced it or where it is kept ("Internal audit report IA 2025/07").
    source: Mapped[str] = mapped_column(sa.String(300), default="")
    dated_on: Mapped[date]
    sha256: Mapped[str | None] = mapped_column(sa.String(64))
    size: Mapped[int | None]
    content_type: Mapped[str | None] = mapped_column(sa.String(100))
    # As uploaded, for display only: downloads use a sanitised name.
    filename: Mapped[str | None] = mapped_column(sa.String(255))
    url: Mapped[str | None] = mapped_column(sa.String(2000))
    uploaded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("app_user.id"), index=True)
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    # One-way: set when a signed certificate relies on it. active_history keeps the old value even when
    # the row was expired, so the guard below can tell that an unlock is being attempted.
    locked: Mapped[bool] = mapped_column(default=False, active_history=True)

    uploaded_by: Mapped[User] = relationship()
    control_tests: Mapped[list[ControlTest]] = relationship(
        secondary=control_test_evidence, back_populates="evidence", order_by="ControlTest.id"
    )

    @property
    def is_file(self) -> bool:
        return self.kind is EvidenceKind.FILE

    @property
    def download_name(self) -> str:
        """A safe name for the download, its extension matching the content."""
        file_type = uploads.by_content_type(self.content_type or "")
        return uploads.download_name(self.filename, file_type) if file_type else "evidence"

    @property
    def size_text(self) -> str:
        return uploads.size_text(self.size or 0)

    @property
    def type_text(self) -> str:
        file_type = uploads.by_content_type(self.content_type or "")
        return file_type.description if file_type else "file"

    def __repr__(self) -> str:
        return f"<Evidence {self.id} {self.kind.value} {self.title!r}>"


class EvidenceBlob(db.Model):
    """An evidence file's bytes, apart from its description so listing evidence never loads them.

    Read and written only through riskreg.services.assurance.evidence_store, so object
    storage could take its place behind the same interface.
    """

    evidence_id: Mapped[int] = mapped_column(sa.ForeignKey("evidence.id"), primary_key=True)
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)


class LockedEvidence(Exception):
    """An attempt to change or delete evidence that a signed certificate relies on."""


@sa.event.listens_for(Evidence, "before_update")
def _refuse_changes_to_locked_evidence(_mapper, _connection, evidence: Evidence) -> None:
    # The service refuses first, with a message; this guards every other path (and locking is one-way).
    was_locked = sa.inspect(evidence).attrs.locked.history.deleted
    if (was_locked and was_locked[0]) or (evidence.locked and _changed_besides_lock(evidence)):
        raise LockedEvidence(f"evidence {evidence.id} is locked and cannot be changed")


@sa.event.listens_for(Evidence, "before_delete")
def _refuse_deleting_locked_evidence(_mapper, _connection, evidence: Evidence) -> None:
    if evidence.locked:
        raise LockedEvidence(f"evidence {evidence.id} is locked and cannot be deleted")


def _changed_besides_lock(evidence: Evidence) -> bool:
    state = sa.inspect(evidence)
    return any(
        attr.history.has_changes() for attr in state.attrs if attr.key not in ("locked", "control_tests", "uploaded_by")
    )
