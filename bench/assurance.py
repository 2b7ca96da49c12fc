"""Table groups: risk links, and control tests with their evidence metadata.

Both only schedule events on the timeline; the handlers write the rows and the
audit events that riskreg.services.links and riskreg.services.assurance.control_tests
(with riskreg.services.assurance.evidence) write for the same actions. Evidence is
metadata only (references and links): no file bytes.
"""

from datetime import date, datetime, timedelta

from bench.context import Context
from bench.risks import RiskLife
from riskreg.enums import (
    AssuranceLine,
    Conclusion,
    ControlTestMethod,
    CountermeasureStatus,
    EvidenceKind,
    Role,
    TestNature,
)
from riskreg.services.assurance.control_tests import TEST_FIELDS

LINK_COLUMNS = ("id", "from_risk_id", "to_risk_id", "kind", "rationale", "created_by_id", "created_at")
# The service's audited fields, so a field added there is generated here too.
TEST_COLUMNS = ("id", "countermeasure_id", "tester_id", *TEST_FIELDS, "created_at")
EVIDENCE_COLUMNS = (
    "id",
    "title",
    "kind",
    "source",
    "dated_on",
    "sha256",
    "size",
    "content_type",
    "filename",
    "url",
    "uploaded_by_id",
    "uploaded_at",
    "locked",
)
TEST_EVIDENCE_COLUMNS = ("control_test_id", "evidence_id")

SHARE_CONTRIBUTING = 0.15  # unit risks linked up to a risk of the register above
LINES = [AssuranceLine.FIRST] * 12 + [AssuranceLine.SECOND] * 4 + [AssuranceLine.THIRD] * 3 + [AssuranceLine.FOURTH]
CONCLUSIONS = [Conclusion.EFFECTIVE] * 7 + [Conclusion.PARTIALLY_EFFECTIVE] * 2 + [Conclusion.INEFFECTIVE]
SHARE_WITH_EVIDENCE = 0.7
EVIDENCE = [
    ("Dip sample results", "Area quality assurance log"),
    ("Management information pack", "Area performance team"),
    ("Minutes of the case progression meeting", "Area business manager"),
    ("Internal audit report", "Internal audit"),
    ("Inspection report", "HM Crown Prosecution Service Inspectorate"),
]


def links(ctx: Context) -> None:
    """Some unit risks contribute to a risk in the register above them (the unit tree's parent)."""
    units = {unit.id: unit for unit in ctx.units}
    lives_by_register: dict[int, list[RiskLife]] = {}
    for life in ctx.lives:
        lives_by_register.setdefault(life.register_id, []).append(life)
    for unit in ctx.units:
        if unit.parent_id is None:
            continue
        targets = lives_by_register.get(units[unit.parent_id].register_id, [])
        for life in lives_by_register.get(unit.register_id, []):
            if targets and ctx.rng.random() < SHARE_CONTRIBUTING:
                target = ctx.rng.choice(targets)
                day = max(life.updated_at, target.updated_at).date() + timedelta(days=ctx.rng.randint(1, 60))
                if day < ctx.today:
                    ctx.timeline.schedule(ctx.moment(day), _linked, (ctx, unit, life, target))


def _linked(timeline, at: datetime, state: tuple) -> None:
    ctx, unit, source, target = state
    if source.status != "open" or target.status != "open":
        return
    link_id = timeline.next_id("risk_link")
    rationale = f"Our {unit.name} risk feeds the wider risk {target.ref}"
    timeline.sink.add("risk_link", (link_id, source.id, target.id, "contributes_to", rationale, source.manager_id, at))
    changes = {"from": source.ref, "to": target.ref, "kind": "contributes_to", "rationale": rationale}
    for risk_id in (source.id, target.id):  # as riskreg.services.links: one event in each risk's history
        timeline.audit(at, source.manager_id, "link.added", "risk_link", link_id, changes, risk_id=risk_id)


def control_tests(ctx: Context) -> None:
    """Countermeasures in place are tested every six to fourteen months, mostly by the first line."""
    for life in ctx.lives:
        for countermeasure_id, values in life.countermeasures or ():
            if values["status"] == CountermeasureStatus.IN_PLACE.value:
                _schedule_test(ctx, life, countermeasure_id, values["implemented_on"], 60, 365)


def _schedule_test(ctx: Context, life: RiskLife, countermeasure_id: int, after: date, low: int, high: int) -> None:
    day = after + timedelta(days=ctx.rng.randint(low, high))
    if day < ctx.today:
        ctx.timeline.schedule(ctx.moment(day), _tested, (ctx, life, countermeasure_id))


def _tester(ctx: Context, life: RiskLife, line: AssuranceLine) -> int:
    headquarters = ctx.bench_users[life.organisation]
    if line is AssuranceLine.FIRST:
        return life.manager_id
    return headquarters[Role.HQ_RISK] if line is AssuranceLine.SECOND else headquarters[Role.AUDITOR]


def _tested(timeline, at: datetime, state: tuple) -> None:
    ctx, life, countermeasure_id = state
    if life.status != "open":
        return  # a closed risk's countermeasures are no longer tested
    rng = ctx.rng
    line = rng.choice(LINES)
    method = rng.choice(list(ControlTestMethod))
    sample = rng.randint(10, 40) if method is ControlTestMethod.SAMPLE_TEST else None
    exceptions = rng.choice((0, 0, 0, 1, 2)) if sample else 0
    conclusion = rng.choice(CONCLUSIONS)
    if exceptions and conclusion is Conclusion.EFFECTIVE:
        conclusion = Conclusion.PARTIALLY_EFFECTIVE  # the service refuses "effective" with untolerated exceptions
    nature = TestNature.DESIGN if method is ControlTestMethod.WALKTHROUGH else TestNature.OPERATING
    values = {
        "tested_on": at.date(),
        "line": line.value,
        "method": method.value,
        "nature": nature.value,
        "population": sample * 10 if sample else None,
        "sample_size": sample,
        "exceptions": exceptions,
        "exceptions_tolerated": 0,
        "conclusion": conclusion.value,
        "notes": "",
    }
    tester = _tester(ctx, life, line)
    test_id = timeline.next_id("control_test")
    row = tuple(values[name] for name in TEST_FIELDS)
    timeline.sink.add("control_test", (test_id, countermeasure_id, tester, *row, at))
    snapshot = {name: values[name] for name in TEST_FIELDS} | {"countermeasure_id": countermeasure_id}
    timeline.audit(at, tester, "control_test.recorded", "control_test", test_id, snapshot, risk_id=life.id)
    if rng.random() < SHARE_WITH_EVIDENCE:
        _evidence(ctx, life, test_id, tester, at)
    _schedule_test(ctx, life, countermeasure_id, at.date(), 180, 420)


def _evidence(ctx: Context, life: RiskLife, test_id: int, tester: int, at: datetime) -> None:
    timeline = ctx.timeline
    title, source = ctx.rng.choice(EVIDENCE)
    link = ctx.rng.random() < 0.3
    kind = EvidenceKind.LINK if link else EvidenceKind.REFERENCE
    url = f"https://intranet.example.org/assurance/{test_id}" if link else None
    evidence_id = timeline.next_id("evidence")
    dated_on = at.date() - timedelta(days=ctx.rng.randint(0, 20))
    timeline.sink.add(
        "evidence", (evidence_id, title, kind.value, source, dated_on, None, None, None, None, url, tester, at, False)
    )
    timeline.sink.add("control_test_evidence", (test_id, evidence_id))
    # As riskreg.services.assurance.evidence.describe, with the test it was attached to.
    changes = {"title": title, "kind": kind.value, "dated_on": dated_on, "source": source}
    changes |= ({"url": url} if url else {}) | {"control_test_id": test_id}
    timeline.audit(at, tester, "evidence.added", "evidence", evidence_id, changes, risk_id=life.id)
