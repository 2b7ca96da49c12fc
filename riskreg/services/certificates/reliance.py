"""Assertions and the controls they rest on: stated reasons, challenges, reliance after signing, contradictions.

A signed certificate never changes. What happens afterwards is recorded beside
it: a challenge to one of its links, or an event that contradicts an assertion
it signed as assured (a relied-on control tested ineffective, a relied-on risk
rescored above appetite, an incident recorded at a review). The signer and
internal audit see contradictions on their home page; the certificate's page,
the roll-up and the unit's assurance record show them.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from riskreg import policy
from riskreg.clock import utcnow
from riskreg.enums import CertificateStatus, Conclusion, ContradictionKind, Declaration, Role
from riskreg.extensions import db
from riskreg.models import (
    Assertion,
    Certificate,
    CertificateSection,
    Contradiction,
    ControlTest,
    Countermeasure,
    LinkChallenge,
    Review,
    Risk,
    Unit,
    User,
    assertion_countermeasure,
)
from riskreg.rules import scoring
from riskreg.rules.evidence import long_date, records_incident
from riskreg.services import NotAllowed, ServiceError
from riskreg.services.audit import trail as audit

Action = policy.Action
TEXT_MAX = 2000
# Signed certificates that still stand: a superseded one has been replaced by its correction.
STANDING = (CertificateStatus.SIGNED, CertificateStatus.VALIDATED, CertificateStatus.CHALLENGED)


def assertion_number(assertion: Assertion) -> str:
    return f"{assertion.section.position}.{assertion.position}"


# Link reasons and challenges ---------------------------------------------------------------------------------


def link_reasons(assertion_ids: Iterable[int]) -> dict[tuple[int, int], str]:
    """Why each countermeasure supports each assertion, keyed (assertion id, countermeasure id)."""
    ids = list(assertion_ids)
    if not ids:
        return {}
    table = assertion_countermeasure
    rows = db.session.execute(
        sa.select(table.c.assertion_id, table.c.countermeasure_id, table.c.reason).where(table.c.assertion_id.in_(ids))
    )
    return {(row.assertion_id, row.countermeasure_id): row.reason for row in rows}


def set_link_reasons(assertion: Assertion, reasons: dict[int, str]) -> None:
    """Store the stated reason of each of an assertion's links (the caller checks who may and audits)."""
    table = assertion_countermeasure
    for countermeasure_id, reason in reasons.items():
        db.session.execute(
            sa.update(table)
            .where(table.c.assertion_id == assertion.id, table.c.countermeasure_id == countermeasure_id)
            .values(reason=reason.strip())
        )


def open_challenges(assertion_ids: Iterable[int]) -> dict[tuple[int, int], LinkChallenge]:
    """Unanswered challenges, keyed (assertion id, countermeasure id)."""
    ids = list(assertion_ids)
    if not ids:
        return {}
    query = (
        sa.select(LinkChallenge)
        .where(LinkChallenge.assertion_id.in_(ids), LinkChallenge.answered_at.is_(None))
        .options(joinedload(LinkChallenge.raised_by))
    )
    return {(c.assertion_id, c.countermeasure_id): c for c in db.session.scalars(query)}


def challenges_of(certificate: Certificate) -> list[LinkChallenge]:
    """Every challenge to the certificate's links, answered or not, oldest first (structured validation notes)."""
    ids = [assertion.id for assertion in certificate.assertions]
    if not ids:
        return []
    query = (
        sa.select(LinkChallenge)
        .where(LinkChallenge.assertion_id.in_(ids))
        .options(
            joinedload(LinkChallenge.raised_by),
            joinedload(LinkChallenge.answered_by),
            joinedload(LinkChallenge.countermeasure).joinedload(Countermeasure.risk),
            joinedload(LinkChallenge.assertion).joinedload(Assertion.section),
        )
        .order_by(LinkChallenge.raised_at, LinkChallenge.id)
    )
    return list(db.session.scalars(query))


def _check_text(text: str, what: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ServiceError(f"Enter {what}")
    if len(text) > TEXT_MAX:
        raise ServiceError(f"{what.capitalize()} must be {TEXT_MAX} characters or fewer")
    return text


def challenge_link(assertion: Assertion, countermeasure_id: int, reason: str, actor: User) -> LinkChallenge:
    """Internal audit or the HQ risk team doubt that a control supports an assertion; the link stops counting."""
    certificate = assertion.section.certificate
    if not policy.can(actor, Action.CHALLENGE_LINK, certificate):
        raise NotAllowed("Only internal audit and the HQ risk team can challenge a link")
    if countermeasure_id not in {cm.id for cm in assertion.countermeasures}:
        raise ServiceError("Choose a countermeasure this assertion rests on")
    if (assertion.id, countermeasure_id) in open_challenges([assertion.id]):
        raise ServiceError("This link is already challenged and waiting for the unit's answer")
    challenge = LinkChallenge(
        assertion=assertion,
        countermeasure_id=countermeasure_id,
        raised_by=actor,
        reason=_check_text(reason, "why the control does not support the assertion"),
    )
    db.session.add(challenge)
    db.session.flush()
    audit.record(
        actor,
        "certificate.link_challenged",
        "certificate",
        certificate.id,
        {
            "assertion_id": assertion.id,
            "assertion": assertion_number(assertion),
            "countermeasure_id": countermeasure_id,
            "reason": challenge.reason,
        },
    )
    return challenge


def answer_challenge(challenge: LinkChallenge, answer: str, actor: User) -> None:
    """The unit answers a challenge; the link counts again."""
    certificate = challenge.assertion.section.certificate
    if not policy.can(actor, Action.ANSWER_CHALLENGE, certificate):
        raise NotAllowed(f"Only risk managers and unit heads of {certificate.unit.name} can answer a challenge")
    if not challenge.is_open:
        raise ServiceError("This challenge has already been answered")
    challenge.answer = _check_text(answer, "your answer")
    challenge.answered_by, challenge.answered_at = actor, utcnow()
    db.session.flush()
    audit.record(
        actor,
        "certificate.challenge_answered",
        "certificate",
        certificate.id,
        {"challenge_id": challenge.id, "answer": challenge.answer},
    )


# Reliance -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reliance:
    """One standing signed assertion that rests on a countermeasure."""

    certificate: Certificate
    assertion: Assertion
    countermeasure_id: int

    @property
    def text(self) -> str:
        """ "London North 2025-26, assertion 1.1 (assured)"."""
        declaration = self.assertion.declaration.label.lower() if self.assertion.declaration else "undeclared"
        return (
            f"{self.certificate.unit.name} {self.certificate.period}, assertion "
            f"{assertion_number(self.assertion)} ({declaration})"
        )


def reliances(countermeasure_ids: Sequence[int]) -> list[Reliance]:
    """Standing signed assertions resting on any of these countermeasures. One query."""
    if not countermeasure_ids:
        return []
    table = assertion_countermeasure
    rows = db.session.execute(
        sa.select(Assertion, table.c.countermeasure_id)
        .join(table, table.c.assertion_id == Assertion.id)
        .join(Assertion.section)
        .join(CertificateSection.certificate)
        .where(table.c.countermeasure_id.in_(countermeasure_ids), Certificate.status.in_(STANDING))
        .options(joinedload(Assertion.section).joinedload(CertificateSection.certificate).joinedload(Certificate.unit))
        .order_by(Certificate.period.desc(), CertificateSection.position, Assertion.position)
    ).unique()
    return [Reliance(assertion.section.certificate, assertion, cm_id) for assertion, cm_id in rows]


def reliances_on_risk(risk: Risk) -> list[Reliance]:
    return reliances([countermeasure.id for countermeasure in risk.countermeasures])


# Contradictions -----------------------------------------------------------------------------------------------


def _raise(reliance: Reliance, risk_id: int, kind: ContradictionKind, source_id: int, on: date, summary: str) -> bool:
    assertion = reliance.assertion
    if assertion.declaration is not Declaration.ASSURED:
        return False  # an exception already told the reader; nothing was claimed to contradict
    exists = sa.select(Contradiction.id).where(
        Contradiction.assertion_id == assertion.id, Contradiction.kind == kind, Contradiction.source_id == source_id
    )
    if db.session.scalar(exists) is not None:
        return False
    signed_on = reliance.certificate.signed_at.date() if reliance.certificate.signed_at else on
    if on < signed_on:
        return False  # known before signing: not a contradiction after it
    db.session.add(
        Contradiction(
            certificate_id=reliance.certificate.id,
            assertion_id=assertion.id,
            risk_id=risk_id,
            kind=kind,
            source_id=source_id,
            occurred_on=on,
            summary=summary,
        )
    )
    return True


def _record_raised(raised: list[tuple[Reliance, str]], kind: ContradictionKind) -> None:
    if not raised:
        return
    db.session.flush()
    for reliance, summary in raised:
        audit.record(
            None,
            "certificate.assurance_contradicted",
            "certificate",
            reliance.certificate.id,
            {
                "assertion": assertion_number(reliance.assertion),
                "kind": kind.value,
                "summary": summary,
            },
        )


def after_control_test(test: ControlTest) -> None:
    """An ineffective test of a relied-on control contradicts the assertions signed as assured on it."""
    if test.conclusion is not Conclusion.INEFFECTIVE:
        return
    countermeasure = test.countermeasure
    summary = (
        f"{countermeasure.risk.ref} “{countermeasure.title}” tested ineffective by {test.line.tester} "
        f"on {long_date(test.tested_on)}"
    )
    raised = [
        (r, summary)
        for r in reliances([countermeasure.id])
        if _raise(r, countermeasure.risk_id, ContradictionKind.INEFFECTIVE_TEST, test.id, test.tested_on, summary)
    ]
    _record_raised(raised, ContradictionKind.INEFFECTIVE_TEST)


def after_review(review: Review, rules: scoring.ScoringRules, was_above: bool) -> None:
    """A review that takes a relied-on risk above appetite, or records an incident, contradicts its assertions."""
    risk = review.risk
    found = reliances_on_risk(risk)
    if not found:
        return
    events = []
    if not was_above and scoring.is_above_appetite(review.residual_score, risk.category, rules, risk.register_id):
        events.append(
            (
                ContradictionKind.ABOVE_APPETITE,
                f"{risk.ref} rescored to {review.residual_score}, above appetite, on {long_date(review.reviewed_on)}",
            )
        )
    if records_incident(review.commentary):
        events.append(
            (
                ContradictionKind.INCIDENT,
                f"{risk.ref} review on {long_date(review.reviewed_on)} recorded: {review.commentary[:200]}",
            )
        )
    for kind, summary in events:
        seen: set[int] = set()
        raised = []
        for reliance in found:
            if reliance.assertion.id in seen:
                continue
            seen.add(reliance.assertion.id)
            if _raise(reliance, risk.id, kind, review.id, review.reviewed_on, summary):
                raised.append((reliance, summary))
        _record_raised(raised, kind)


def _eager_contradiction():
    return (
        joinedload(Contradiction.certificate).joinedload(Certificate.unit),
        joinedload(Contradiction.certificate).joinedload(Certificate.signed_by),
        joinedload(Contradiction.assertion).joinedload(Assertion.section),
        joinedload(Contradiction.risk),
    )


def contradictions_of(certificate_ids: Sequence[int]) -> list[Contradiction]:
    if not certificate_ids:
        return []
    query = (
        sa.select(Contradiction)
        .where(Contradiction.certificate_id.in_(certificate_ids))
        .options(*_eager_contradiction())
        .order_by(Contradiction.occurred_on, Contradiction.id)
    )
    return list(db.session.scalars(query))


def alerts_for(user: User, limit: int = 20) -> list[Contradiction]:
    """ "Assurance contradicted" alerts for the home page: certificates the user signed; all of them for auditors."""
    query = sa.select(Contradiction).join(Contradiction.certificate).where(Certificate.status.in_(STANDING))
    if not policy.holds_anywhere(user, frozenset({Role.AUDITOR})):
        query = query.where(Certificate.signed_by_id == user.id)
    query = query.options(*_eager_contradiction()).order_by(Contradiction.raised_at.desc(), Contradiction.id.desc())
    return list(db.session.scalars(query.limit(limit)))


def contradiction_counts(certificate_ids: Sequence[int]) -> dict[int, int]:
    """Assertions contradicted after signing, per certificate."""
    if not certificate_ids:
        return {}
    rows = db.session.execute(
        sa.select(Contradiction.certificate_id, sa.func.count(sa.distinct(Contradiction.assertion_id)))
        .where(Contradiction.certificate_id.in_(certificate_ids))
        .group_by(Contradiction.certificate_id)
    )
    return dict(rows.tuples().all())


@dataclass(frozen=True)
class YearRecord:
    """A unit's standing certificate for one year: how many assertions it signed assured, how many contradicted."""

    certificate: Certificate
    assured: int
    contradicted: int


def assurance_record(unit: Unit) -> list[YearRecord]:
    """The unit's record across years, newest first: what its head signed assured and what later contradicted."""
    certificates = db.session.scalars(
        sa.select(Certificate)
        .where(Certificate.unit_id == unit.id, Certificate.status.in_(STANDING))
        .order_by(Certificate.period.desc())
    ).all()
    ids = [certificate.id for certificate in certificates]
    assured = (
        dict(
            db.session.execute(
                sa.select(CertificateSection.certificate_id, sa.func.count(Assertion.id))
                .join(Assertion.section)
                .where(CertificateSection.certificate_id.in_(ids), Assertion.declaration == Declaration.ASSURED)
                .group_by(CertificateSection.certificate_id)
            )
            .tuples()
            .all()
        )
        if ids
        else {}
    )
    contradicted = contradiction_counts(ids)
    return [YearRecord(c, assured.get(c.id, 0), contradicted.get(c.id, 0)) for c in certificates]
