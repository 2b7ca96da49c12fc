"""Demo control tests and evidence: each line over two years, some controls ineffective, some untested.

Deterministic (its own seeded random generator, so the rest of the demo is
unchanged) with dates relative to the day it is seeded. Evidence files are
small generated text and CSV files, fingerprinted like any upload.
"""

import hashlib
import random
import zlib
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from riskreg.enums import (
    AssuranceLine,
    Conclusion,
    ControlTestMethod,
    CountermeasureStatus,
    EvidenceKind,
    Role,
    TestNature,
)
from riskreg.extensions import db
from riskreg.models import ControlTest, Countermeasure, Evidence, Risk, User, control_test_evidence
from riskreg.rules.evidence import long_date
from riskreg.services.assurance.evidence_store import store
from riskreg.services.audit import trail as audit

SEED = 2013_5
L1, L2, L3, L4 = AssuranceLine

# How a control has been assured over the two years: (pattern, weight). "never" and "lapsed" leave it
# untested today; the rest add independent lines on top of regular 1st-line self-assessment.
PATTERNS = [("never", 10), ("lapsed", 12), ("self", 33), ("audited", 25), ("overseen", 12), ("every_line", 8)]
INDEPENDENT = {"audited": (L3,), "overseen": (L2,), "every_line": (L2, L3, L4)}
CONCLUSIONS = [(Conclusion.EFFECTIVE, 70), (Conclusion.PARTIALLY_EFFECTIVE, 18), (Conclusion.INEFFECTIVE, 12)]
SAMPLED = (ControlTestMethod.SAMPLE_TEST, ControlTestMethod.REPERFORMANCE, ControlTestMethod.DATA_ANALYSIS)
# The methods the demo picks from, in a fixed order so the seeded generator gives the same tests.
METHODS = (
    ControlTestMethod.WALKTHROUGH,
    ControlTestMethod.SAMPLE_TEST,
    ControlTestMethod.REPERFORMANCE,
    ControlTestMethod.DATA_ANALYSIS,
    ControlTestMethod.OBSERVATION,
)
# The area whose managers assess their own controls generously: always "effective" at the 1st line, while
# internal audit finds otherwise (the calibration figures on the assurance map and the roll-up show it).
GENEROUS_AREA = "MC"
AUDIT_FINDS = (Conclusion.PARTIALLY_EFFECTIVE, Conclusion.INEFFECTIVE)
NOTES = {
    Conclusion.EFFECTIVE: [
        "Operating as designed in every case checked.",
        "No exceptions of substance.",
        "Records complete and signed off on time.",
    ],
    Conclusion.PARTIALLY_EFFECTIVE: [
        "Operating, but records were incomplete in some cases.",
        "Control performed late in a few weeks; no harm found.",
        "Working, but depends on one person; no cover arranged.",
    ],
    Conclusion.INEFFECTIVE: [
        "Not performed for most of the period checked.",
        "Exceptions in most of the sample; control redesign needed.",
        "No evidence the check took place.",
    ],
}

# The independent testers (DESIGN §5: only internal audit records 2nd to 4th-line tests).
TESTERS = [
    ("compliance@example.org", "Samuel Osei", L2),
    ("inspectorate@example.org", "Hannah Price", L4),
]


@dataclass
class _Seeder:
    rng: random.Random
    today: date
    testers: dict[AssuranceLine, User]
    first_line: dict[str, list[User]]
    # Rows written in bulk at the end: adding thousands of ORM objects to a session holding the whole
    # organisation took most of the demo's load time.
    tests: list[dict] = field(default_factory=list)
    evidence: list[tuple[int, dict, bytes | None]] = field(default_factory=list)  # (its test's index, row, file)

    def pick(self, weighted: list[tuple]):
        values, weights = zip(*weighted, strict=True)
        return self.rng.choices(values, weights)[0]

    def dates(self, start: date, end: date, every: tuple[int, int]) -> list[date]:
        days, found = start, []
        while (days := days + timedelta(days=self.rng.randint(*every))) <= end:
            found.append(days)
        return found

    def plan(self, countermeasure: Countermeasure) -> list[tuple[date, AssuranceLine]]:
        """When each line tested this control."""
        pattern = self.pick(PATTERNS)
        start = max(countermeasure.implemented_on or self.today, self.today - timedelta(days=730))
        if pattern == "never":
            return []
        if pattern == "lapsed":
            end = self.today - timedelta(days=self.rng.randint(380, 500))
            return [(day, L1) for day in self.dates(start - timedelta(days=120), end, (150, 220)) if day >= start]
        planned = [(day, L1) for day in self.dates(start, self.today - timedelta(days=3), (180, 300))]
        for line in INDEPENDENT.get(pattern, ()):
            latest = self.today - timedelta(days=7)
            if start < latest:
                planned.append((start + timedelta(days=self.rng.randint(0, (latest - start).days)), line))
        return sorted(planned)

    def tester(self, countermeasure: Countermeasure, line: AssuranceLine) -> User:
        if line is L1:
            return self.rng.choice(self.first_line[countermeasure.risk.register.unit.code])
        return self.testers[line]

    def conclusion(self, countermeasure: Countermeasure, line: AssuranceLine) -> Conclusion:
        conclusion = self.pick(CONCLUSIONS)  # drawn whatever the area, so the generator's sequence stays the same
        if countermeasure.risk.register.unit.code != GENEROUS_AREA:
            return conclusion
        if line is L1:
            return Conclusion.EFFECTIVE
        # Independent testers (2nd and 3rd line) find otherwise: the calibration figure does not then hang on
        # which of the area's controls the seeded generator gave a 2nd-line test. Which finding is keyed by
        # the control's name, not its id: PostgreSQL sequences are not rolled back, so ids depend on what the
        # database held before, and the demo must be the same wherever it is seeded.
        return AUDIT_FINDS[zlib.crc32(f"{countermeasure.risk.ref} {countermeasure.title}".encode()) % 2]

    def test(self, countermeasure: Countermeasure, tested_on: date, line: AssuranceLine) -> None:
        conclusion = self.conclusion(countermeasure, line)
        method = self.rng.choice(METHODS)
        sample = self.rng.randint(10, 40) if method in SAMPLED else None
        spread = {Conclusion.EFFECTIVE: (0, 1), Conclusion.PARTIALLY_EFFECTIVE: (2, 4), Conclusion.INEFFECTIVE: (5, 9)}
        exceptions = min(sample or 9, self.rng.randint(*spread[conclusion]))
        if method not in SAMPLED and conclusion is Conclusion.EFFECTIVE:
            exceptions = 0  # nothing sampled, nothing found
        tester = self.tester(countermeasure, line)
        row = {
            "countermeasure_id": countermeasure.id,
            "tested_on": tested_on,
            "tester_id": tester.id,
            "line": line,
            "method": method,
            "sample_size": sample,
            "exceptions": exceptions,
            "conclusion": conclusion,
            "notes": self.rng.choice(NOTES[conclusion]),
            # A walkthrough tests design; the tolerance is set before testing: one exception in a sample.
            "nature": TestNature.DESIGN if method is ControlTestMethod.WALKTHROUGH else TestNature.OPERATING,
            "population": None,
            "exceptions_tolerated": 1 if sample else 0,
        }
        self.tests.append(row)
        if self.rng.random() < (0.6 if line is L1 else 0.9):
            self.add_evidence(len(self.tests) - 1, row, countermeasure, tester)

    def add_evidence(self, index: int, test: dict, countermeasure: Countermeasure, tester: User) -> None:
        ref, day = countermeasure.risk.ref, test["tested_on"]
        kind = self.pick([(EvidenceKind.FILE, 70), (EvidenceKind.LINK, 20), (EvidenceKind.REFERENCE, 10)])
        row = {
            "title": f"{test['line'].short_label} test working papers, {long_date(day)}",
            "kind": kind,
            "dated_on": day,
            "uploaded_by_id": tester.id,
            "locked": False,
            "source": "",
            "url": None,
            "filename": None,
            "sha256": None,
            "size": None,
            "content_type": None,
        }
        data = None
        if kind is EvidenceKind.LINK:
            row["url"] = f"https://intranet.example.org/assurance/{ref.lower()}/{day:%Y-%m-%d}"
        elif kind is EvidenceKind.REFERENCE:
            row["source"] = f"Paper file {ref}/{day:%Y}, held by {tester.name}"
        else:
            data, extension, row["content_type"] = working_papers(test, countermeasure, tester, self.rng)
            row["filename"] = f"{ref} {countermeasure.title[:60]} {day:%Y-%m-%d}{extension}"
            row["sha256"], row["size"] = hashlib.sha256(data).hexdigest(), len(data)
        self.evidence.append((index, row, data))

    def write(self) -> None:
        def insert(model, rows: list[dict]) -> list[int]:
            returning = sa.insert(model).returning(model.id, sort_by_parameter_order=True)
            return list(db.session.scalars(returning, rows)) if rows else []

        test_ids = insert(ControlTest, self.tests)
        evidence_ids = insert(Evidence, [row for _index, row, _data in self.evidence])
        links = [
            {"control_test_id": test_ids[index], "evidence_id": evidence_id}
            for (index, _row, _data), evidence_id in zip(self.evidence, evidence_ids, strict=True)
        ]
        if links:
            db.session.execute(sa.insert(control_test_evidence), links)
        for (_index, _row, data), evidence_id in zip(self.evidence, evidence_ids, strict=True):
            if data is not None:
                store().save(evidence_id, data)
        db.session.flush()


def working_papers(
    test: dict, countermeasure: Countermeasure, tester: User, rng: random.Random
) -> tuple[bytes, str, str]:
    """A sample sheet (CSV) for sampled tests, otherwise a short test record (text)."""
    risk, day = countermeasure.risk, test["tested_on"]
    if test["sample_size"]:
        prefix = f"{risk.ref.split('-')[0]}{day:%y}"
        failed = set(rng.sample(range(test["sample_size"]), test["exceptions"]))
        rows = ["item,case reference,checked on,result"] + [
            f"{n + 1},{prefix}{rng.randrange(10000, 100000)},{day:%Y-%m-%d}," + ("exception" if n in failed else "pass")
            for n in range(test["sample_size"])
        ]
        return ("\n".join(rows) + "\n").encode(), ".csv", "text/csv"
    lines = [
        "Control test record",
        f"Risk: {risk.ref} {risk.title}",
        f"Control: {countermeasure.title}",
        f"Tested on {long_date(day)} by {tester.name} ({test['line'].label})",
        f"Method: {test['method'].label}. Exceptions found: {test['exceptions']}.",
        f"Conclusion: {test['conclusion'].label}. {test['notes']}",
    ]
    return ("\n".join(lines) + "\n").encode(), ".txt", "text/plain"


def _testers(builder) -> dict[AssuranceLine, User]:
    auditor = db.session.scalar(sa.select(User).where(User.email == "auditor@example.org"))
    testers = {L3: auditor}
    for email, name, line in TESTERS:
        testers[line] = builder.user(email, name, Role.AUDITOR, "HQ")
    return testers


def _first_line(builder) -> dict[str, list[User]]:
    """Per unit, the people who may assess its controls: its risk managers and unit head."""
    editors = {Role.RISK_MANAGER, Role.UNIT_HEAD}
    return {
        code: [user for user in users if any(assignment.role in editors for assignment in user.roles)]
        for code, users in builder.staff.items()
    }


def seed(builder) -> int:
    """Control tests for every control in place in the demo organisation; returns how many."""
    seeder = _Seeder(random.Random(SEED), builder.today, _testers(builder), _first_line(builder))
    countermeasures = db.session.scalars(
        sa.select(Countermeasure)
        .where(Countermeasure.status == CountermeasureStatus.IN_PLACE)
        .options(joinedload(Countermeasure.risk).joinedload(Risk.register))
        .order_by(Countermeasure.id)
    ).all()
    per_register: dict[int, int] = {}
    for countermeasure in countermeasures:
        for tested_on, line in seeder.plan(countermeasure):
            seeder.test(countermeasure, tested_on, line)
            register_id = countermeasure.risk.register_id
            per_register[register_id] = per_register.get(register_id, 0) + 1
    seeder.write()
    # One audit event per register rather than per test: the demo is loaded, not recorded by hand.
    for register_id, count in sorted(per_register.items()):
        changes = {"source": "demo organisation", "control_tests": count}
        audit.record(None, "control_tests.imported", "register", register_id, changes)
    return len(seeder.tests)
