"""Demo certificates of assurance for the last complete financial year, in each state (DESIGN §8).

- London North: a draft prepared by its risk manager in which two assertions are declared assured on weak
  evidence. The page marks them; the demo's area head (Helen Okafor) declares them with exceptions, submits and
  signs. Everything else in it is declared as its evidence allows, so it is signable once those two are fixed.
- London South: signed by its head and validated by internal audit.
- Mersey-Cheshire: signed and challenged by internal audit.
- Yorkshire and Humberside: signed, awaiting validation.
- Cymru-Wales: submitted, awaiting its head's signature.
- After signing, internal audit finds ineffective a control that one assertion signed as assured relied on (in
  the first signed certificate that has one): the assertion shows as contradicted.

(Corrections and superseded versions are left out: each signed certificate costs about a second to print and
sign, and the demo is seeded often by the tests. The tests cover corrections.)

Everything goes through the certificate services, so the signed ones are really signed (with the demo CA,
created in instance/signing/ when missing) and every step is in the audit trail. Which countermeasures support
an assertion is chosen by topic words in the control's own title, deterministically, each link with its reason.
"""

import random

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from riskreg.enums import (
    AssuranceLine,
    Conclusion,
    ControlTestMethod,
    Declaration,
    EvidenceStrength,
    RiskStatus,
    Role,
    TestNature,
    ValidationOutcome,
)
from riskreg.extensions import db
from riskreg.models import Certificate, Contradiction, Countermeasure, Risk, Unit, User
from riskreg.rules import certificates as rules
from riskreg.rules.evidence import Assessment
from riskreg.services.assurance import control_tests
from riskreg.services.certificates import documents, queries, workflow

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
        countermeasures = list(
            db.session.scalars(
                sa.select(Countermeasure)
                .join(Countermeasure.risk)
                .where(Risk.register_id == unit.register.id, Risk.status == RiskStatus.OPEN, Risk.restricted.is_(False))
                .options(selectinload(Countermeasure.risk))
                .order_by(Countermeasure.id)
            )
        )
        assessments, _tests = queries.grade_countermeasures(countermeasures, self.period, self.period.end)
        return countermeasures, assessments

    def choose(self, statement: str, countermeasures, assessments) -> tuple[str, list[Countermeasure]]:
        """The topic of an assertion and the controls that name it themselves: never a control that merely sits
        on a risk mentioning the topic (custody time limits do not rest on disclosure training)."""
        topic, words = next(((topic, found) for topic, found in TOPICS if topic.lower() in statement.lower()), ("", ()))
        matching = [cm for cm in countermeasures if _relevance(cm, words) == 2]
        # The best-evidenced control; sometimes a second one, as a real preparer might add.
        matching.sort(key=lambda cm: (-assessments[cm.id].strength.rank, cm.id))
        if len(matching) > 1 and self.rng.random() < 0.3:
            return topic, [matching[0], self.rng.choice(matching[1:])]
        return topic, matching[:1]

    def declaration(self, strength: EvidenceStrength, linked: bool) -> tuple[Declaration, str]:
        if rules.is_sufficient(strength):
            return Declaration.ASSURED, ""
        if not linked:
            return Declaration.NOT_ASSURED, NOT_ASSURED
        return Declaration.ASSURED_WITH_EXCEPTIONS, EXCEPTIONS.get(strength, EXCEPTIONS[EvidenceStrength.LIMITED])

    def fill(self, certificate: Certificate, preparer: User, weak_assured: int = 0) -> None:
        """Link every assertion with a stated reason, then declare each as its graded evidence allows;
        ``weak_assured`` of the weakly evidenced ones are declared assured."""
        countermeasures, assessments = self.candidates(certificate.unit)
        for assertion in certificate.assertions:
            topic, chosen = self.choose(assertion.statement, countermeasures, assessments)
            reasons = {cm.id: f"“{cm.title}” is how {cm.risk.ref} controls {topic.lower()}" for cm in chosen}
            workflow.link_countermeasures(assertion, {cm.id for cm in chosen}, preparer, reasons=reasons)
        view = queries.view(queries.get_certificate(certificate.id), self.period.end)
        to_mark = weak_assured
        for line in view.assertions:
            declaration, text = self.declaration(line.strength, bool(line.countermeasures))
            if to_mark and line.countermeasures and not rules.is_sufficient(line.strength):
                declaration, text, to_mark = Declaration.ASSURED, "", to_mark - 1
            workflow.declare(queries.get_assertion(certificate, line.id), declaration, text, preparer)

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


def contradict(certificate: Certificate, auditor: User, on) -> Contradiction | None:
    """After signing, internal audit finds a relied-on control ineffective: the assertion is contradicted."""
    for assertion in certificate.assertions:
        if assertion.declaration is Declaration.ASSURED and assertion.countermeasures:
            countermeasure = assertion.countermeasures[0]
            values = {
                "tested_on": on,
                "line": AssuranceLine.THIRD,
                "method": ControlTestMethod.SAMPLE_TEST,
                "nature": TestNature.OPERATING,
                "population": 240,
                "sample_size": 25,
                "exceptions": 6,
                "exceptions_tolerated": 1,
                "conclusion": Conclusion.INEFFECTIVE,
                "notes": "Six of 25 cases sampled since the certificate was signed missed the check.",
            }
            control_tests.record_control_test(countermeasure, values, auditor)
            return db.session.scalar(sa.select(Contradiction).where(Contradiction.assertion_id == assertion.id))
    return None


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
    signed = [
        make.certificate("LS", "signed", ValidationOutcome.VALIDATED),
        make.certificate("MC", "signed", ValidationOutcome.CHALLENGED),
        make.certificate("YH", "signed"),
    ]
    make.certificate("CW", "submitted")
    # The first signed certificate with an assertion signed assured on a control is contradicted afterwards.
    any(contradict(queries.get_certificate(certificate.id), auditor, builder.today) for certificate in signed)
    return db.session.scalar(sa.select(sa.func.count()).select_from(Certificate))
