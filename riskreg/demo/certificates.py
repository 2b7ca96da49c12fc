"""Demo certificates of assurance for the last complete financial year, in each state (DESIGN §8).

- London North: a draft prepared by its risk manager in which two assertions are declared assured on weak
  evidence. The page marks them; the demo's area head (Helen Okafor) declares them with exceptions, submits and
  signs. Everything else in it is declared as its evidence allows, so it is signable once those two are fixed.
- London South: signed by its head and validated by internal audit.
- Mersey-Cheshire: signed and challenged by internal audit.
- Yorkshire and Humberside: signed, awaiting validation.
- Cymru-Wales: submitted, awaiting its head's signature.

(Corrections and superseded versions are left out: each signed certificate costs about a second to print and
sign, and the demo is seeded often by the tests. The tests cover corrections.)

Everything goes through the certificate services, so the signed ones are really signed (with the demo CA,
created in instance/signing/ when missing) and every step is in the audit trail. Which countermeasures support
an assertion is chosen by topic words, deterministically.
"""

import random

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from riskreg.enums import Declaration, EvidenceStrength, RiskStatus, Role, ValidationOutcome
from riskreg.extensions import db
from riskreg.models import Certificate, Countermeasure, Risk, Unit, User
from riskreg.rules import certificates as rules
from riskreg.rules.evidence import Assessment
from riskreg.services import certificate_documents as documents
from riskreg.services import certificate_workflow as workflow
from riskreg.services import certificates as queries

SEED = 2013_6
WEAK_ASSURED = 2  # London North's assertions declared assured on weak evidence, for the head to fix

# Topic words: an assertion is supported by countermeasures whose risk or title mentions one of them.
TOPICS = [
    ("custody time limits", ("custody",)),
    ("Disclosure obligations", ("disclos", "unused material")),
    ("Hate crime", ("hate crime",)),
    ("Workforce plans", ("workforce", "recruitment", "staff to meet", "caseload monitoring")),
    ("Sickness absence", ("sickness", "wellbeing")),
    ("Change projects", ("programme", "benefits", "go-live", "move plan", "estates project")),
    ("Spending stayed", ("budget", "spending")),
    ("Agent and counsel fees", ("agent", "counsel fee")),
    ("Gifts, hospitality", ("assurance reporting",)),
    ("Complaints", ("complaint", "letters monitored")),
    ("named owner", ("assurance reporting", "dashboard")),
    ("Mandatory training", ("training",)),
    ("business plan", ("continuity", "dashboard")),
    ("Case management data", ("case management system", "data quality")),
    ("Personal and sensitive information", ("secure", "breach", "information security")),
]
EXCEPTIONS = {
    EvidenceStrength.LIMITED: "The latest test found the control only partly effective or left no evidence; "
    "a re-test with evidence is planned for the first quarter.",
    EvidenceStrength.WEAK: "The control is in place but was not tested during the year; a first-line test is "
    "scheduled and the risk owner reports monthly meanwhile.",
    EvidenceStrength.NONE: "No tested control supports this assertion: the control was found ineffective or is "
    "not yet in place. An action plan is agreed with the area management team.",
}
NOT_ASSURED = "No control covers this yet. A control will be designed and tested before the next certificate."
VALIDATION_NOTES = {
    ValidationOutcome.VALIDATED: "Sampled six assertions against the control tests and evidence: declarations are "
    "consistent with the evidence, and the disclosures match the register.",
    ValidationOutcome.CHALLENGED: "The exceptions declared do not say who owns the actions or by when, and one "
    "assertion rests on a control last tested by the first line without a sample. Correct the certificate.",
}


def _relevance(countermeasure: Countermeasure, words: tuple[str, ...]) -> int:
    """2 when the control itself names the topic, 1 when only its risk does, 0 otherwise."""
    if any(word in countermeasure.title.lower() for word in words):
        return 2
    return 1 if any(word in countermeasure.risk.title.lower() for word in words) else 0


class _CertificateBuilder:
    def __init__(self, rng: random.Random, period, people: dict[str, dict], auditor: User, password: str) -> None:
        self.rng, self.period, self.people, self.auditor = rng, period, people, auditor
        self.password = password  # the demo sign-in password: heads re-enter it to sign, as anyone would

    def candidates(self, unit: Unit) -> tuple[list[Countermeasure], dict[int, Assessment]]:
        countermeasures = list(db.session.scalars(
            sa.select(Countermeasure).join(Countermeasure.risk)
            .where(Risk.register_id == unit.register.id, Risk.status == RiskStatus.OPEN, Risk.restricted.is_(False))
            .options(selectinload(Countermeasure.risk)).order_by(Countermeasure.id)
        ))  # fmt: skip
        assessments, _tests = queries.grade_countermeasures(countermeasures, self.period, self.period.end)
        return countermeasures, assessments

    def choose(self, statement: str, countermeasures, assessments) -> list[Countermeasure]:
        words = next((found for topic, found in TOPICS if topic.lower() in statement.lower()), ())
        matching = [cm for cm in countermeasures if _relevance(cm, words)]
        # The most relevant, best-evidenced control; sometimes a second one, as a real preparer might add.
        matching.sort(key=lambda cm: (-_relevance(cm, words), -assessments[cm.id].strength.rank, cm.id))
        if len(matching) > 1 and self.rng.random() < 0.3:
            return [matching[0], self.rng.choice(matching[1:])]
        return matching[:1]

    def declaration(self, strength: EvidenceStrength, linked: bool) -> tuple[Declaration, str]:
        if rules.is_sufficient(strength):
            return Declaration.ASSURED, ""
        if not linked:
            return Declaration.NOT_ASSURED, NOT_ASSURED
        return Declaration.ASSURED_WITH_EXCEPTIONS, EXCEPTIONS[strength]

    def fill(self, certificate: Certificate, preparer: User, weak_assured: int = 0) -> None:
        """Link and declare every assertion; ``weak_assured`` of the weakly evidenced ones are declared assured."""
        countermeasures, assessments = self.candidates(certificate.unit)
        to_mark = weak_assured
        for assertion in certificate.assertions:
            chosen = self.choose(assertion.statement, countermeasures, assessments)
            if to_mark and not chosen:
                chosen = [cm for cm in countermeasures if not rules.is_sufficient(assessments[cm.id].strength)][:1]
            workflow.link_countermeasures(assertion, {cm.id for cm in chosen}, preparer)
            strength = min((assessments[cm.id].strength for cm in chosen), key=lambda s: s.rank,
                           default=EvidenceStrength.NONE)  # fmt: skip
            declaration, text = self.declaration(strength, bool(chosen))
            if to_mark and chosen and not rules.is_sufficient(strength):
                declaration, text, to_mark = Declaration.ASSURED, "", to_mark - 1
            workflow.declare(assertion, declaration, text, preparer)

    def certificate(self, code: str, stop: str, outcome: ValidationOutcome | None = None) -> Certificate:
        """A certificate for unit ``code`` taken as far as ``stop`` (draft, submitted or signed), then validated."""
        people = self.people[code]
        preparer, head = people[Role.RISK_MANAGER], people[Role.UNIT_HEAD]
        certificate = workflow.prepare_draft(people["unit"], self.period.label, preparer)
        self.fill(queries.get_certificate(certificate.id), preparer, WEAK_ASSURED if stop == "draft" else 0)
        if stop != "draft":
            workflow.submit(certificate, preparer)
        if stop == "signed":
            workflow.sign(certificate, head, self.password)
            if outcome:
                workflow.validate(certificate, outcome, VALIDATION_NOTES[outcome], self.auditor)
        return certificate


def _people(builder, codes: list[str]) -> dict[str, dict]:
    found: dict[str, dict] = {}
    for code in codes:
        entry: dict = {"unit": builder.units[code]}
        for user in builder.staff[code]:
            for assignment in user.roles:
                if assignment.unit_id == builder.units[code].id:
                    entry.setdefault(assignment.role, user)
        found[code] = entry
    return found


def seed(builder, password: str) -> int:
    """The demo's certificates (see the module docstring); returns how many. ``password``: the demo sign-in's."""
    documents.ensure_demo_signing()
    period = rules.certifying_period(builder.today)
    codes = ["LN", "LS", "MC", "YH", "CW"]
    auditor = db.session.scalar(sa.select(User).where(User.email == "auditor@example.org"))
    make = _CertificateBuilder(random.Random(SEED), period, _people(builder, codes), auditor, password)
    make.certificate("LN", "draft")
    make.certificate("LS", "signed", ValidationOutcome.VALIDATED)
    make.certificate("MC", "signed", ValidationOutcome.CHALLENGED)
    make.certificate("YH", "signed")
    make.certificate("CW", "submitted")
    return db.session.scalar(sa.select(sa.func.count()).select_from(Certificate))
