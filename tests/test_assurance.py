"""Control tests, evidence and evidence strength through the service layer."""

import hashlib
from datetime import timedelta

import pytest
import sqlalchemy as sa

from riskreg.clock import today
from riskreg.enums import (
    AssuranceLine,
    Conclusion,
    ControlTestMethod,
    CountermeasureStatus,
    EvidenceKind,
    EvidenceStrength,
    RiskStatus,
)
from riskreg.extensions import db
from riskreg.models import AuditEvent, ControlTest, Evidence, EvidenceBlob
from riskreg.models.assurance import LockedEvidence
from riskreg.policy import Action, assurance_lines, can
from riskreg.services import NotAllowed, ServiceError
from riskreg.services.assurance import control_tests
from riskreg.services.assurance import evidence as evidence_service
from riskreg.services.assurance import map as assurance_map
from riskreg.services.assurance.evidence import EvidenceInput, EvidenceRefused
from riskreg.services.audit import trail as audit
from tests.factories import ControlTestFactory, CountermeasureFactory, EvidenceFactory, RiskFactory

L1, L2, L3, L4 = AssuranceLine
PDF = b"%PDF-1.7\n%%EOF\n"


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _values(line=L1, conclusion=Conclusion.EFFECTIVE, days_ago=10, **overrides) -> dict:
    values = {
        "tested_on": today() - timedelta(days=days_ago),
        "line": line,
        "method": ControlTestMethod.SAMPLE_TEST,
        "sample_size": 20,
        "exceptions": 1,
        "exceptions_tolerated": 1,
        "conclusion": conclusion,
        "notes": " One late letter ",
    }
    values.update(overrides)
    return values


def _file(data=PDF, filename="working papers.pdf", title="Working papers") -> EvidenceInput:
    return EvidenceInput(EvidenceKind.FILE, title, today() - timedelta(days=10), data=data, filename=filename)


@pytest.fixture
def control(org):
    risk = RiskFactory(register=org.ln.register, owner=org.risk_ln)
    return CountermeasureFactory(risk=risk, implemented_on=today() - timedelta(days=700))


# Who records which line -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "lines"),
    [
        ("risk_ln", [L1]),
        ("head_ln", [L1]),
        ("risk_hq", [L1]),
        ("auditor", [L2, L3, L4]),
        ("viewer_ln", []),
        ("risk_ls", []),
        ("hq_risk", [L2]),
        ("committee", []),
        ("admin", []),
        ("nobody", []),
    ],
)
def test_who_may_record_which_line(org, control, who, lines):
    user = getattr(org, who)
    assert assurance_lines(user, control.risk) == lines
    assert can(user, Action.RECORD_CONTROL_TEST, control.risk) is bool(lines)


def test_nobody_tests_a_restricted_risk_they_cannot_read(org):
    risk = RiskFactory(register=org.ln.register, restricted=True)
    assert assurance_lines(org.risk_ls, risk) == [] and assurance_lines(org.auditor, risk) == [L2, L3, L4]


def test_a_risk_manager_records_a_first_line_test_and_it_is_audited(org, control):
    test = control_tests.record_control_test(control, _values(), org.risk_ln)
    assert (test.tester, test.line, test.exceptions, test.notes) == (org.risk_ln, L1, 1, "One late letter")
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "control_test.recorded"))
    assert event.risk_id == control.risk_id and event.entity_id == test.id
    assert event.changes["line"] == "1" and event.changes["conclusion"] == "effective"
    assert audit.verify_chain().ok


@pytest.mark.parametrize(("who", "line"), [("risk_ln", L3), ("auditor", L1), ("risk_ls", L1), ("viewer_ln", L1)])
def test_lines_a_user_may_not_record_are_refused(org, control, who, line):
    with pytest.raises(NotAllowed):
        control_tests.record_control_test(control, _values(line=line), getattr(org, who))
    assert _count(ControlTest) == 0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"status": CountermeasureStatus.PLANNED}, "Only a countermeasure that is in place can be tested"),
        ({"status": CountermeasureStatus.RETIRED}, "Only a countermeasure that is in place can be tested"),
        ({"risk_status": RiskStatus.CLOSED}, "The countermeasures of a closed risk cannot be tested"),
        ({"days_ago": -1}, "The date of the test must be today or in the past"),
        ({"days_ago": 701}, "on or after the date the countermeasure was put in place"),
        ({"exceptions": 21}, "The number of exceptions cannot be more than the sample size"),
        ({"sample_size": 0}, "The sample size must be 1 or more"),
    ],
)
def test_impossible_tests_are_refused_and_write_nothing(org, control, change, message):
    if "status" in change:
        control.status = change.pop("status")
    if "risk_status" in change:
        control.risk.status = change.pop("risk_status")
    events = _count(AuditEvent)
    with pytest.raises(ServiceError, match=message):
        control_tests.record_control_test(control, _values(**change), org.risk_ln, [_file()])
    assert (_count(ControlTest), _count(Evidence), _count(AuditEvent)) == (0, 0, events)


# Evidence --------------------------------------------------------------------------------------


def test_a_file_is_kept_with_its_fingerprint_size_and_type(org, control):
    test = control_tests.record_control_test(control, _values(), org.risk_ln, [_file(filename="papers.docx")])
    (evidence,) = test.evidence
    assert evidence.sha256 == hashlib.sha256(PDF).hexdigest() and evidence.size == len(PDF)
    assert evidence.content_type == "application/pdf" and evidence.filename == "papers.docx"
    assert evidence.download_name == "papers.pdf" and not evidence.locked
    assert evidence_service.read_file(evidence) == PDF
    added = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "evidence.added"))
    assert added.changes["sha256"] == evidence.sha256 and added.risk_id == control.risk_id
    assert "data" not in added.changes


# Items made when the test runs, not when it is collected: "tomorrow" must be the day after the run's today.
@pytest.mark.parametrize(
    ("make_item", "message", "field"),
    [
        (lambda: _file(data=b"MZ\x90\x00program"), "The selected file must be a PDF, PNG, JPEG, text, CSV", "file"),
        (lambda: _file(data=b""), "The selected file is empty", "file"),
        (lambda: _file(data=PDF + bytes(2100)), "The selected file must be 2 KB or smaller", "file"),
        (lambda: _file(data=b"", filename=""), "Select a file", "file"),
        (lambda: _file(title=" "), "Enter a title for the evidence", "title"),
        (
            lambda: EvidenceInput(EvidenceKind.LINK, "Report", today(), url="javascript:alert(1)"),
            "Enter a web address starting with https://",
            "url",
        ),
        (
            lambda: EvidenceInput(EvidenceKind.REFERENCE, "Paper file", today()),
            "Enter where the evidence is kept",
            "source",
        ),
        (
            lambda: EvidenceInput(EvidenceKind.REFERENCE, "Later", today() + timedelta(days=1), source="Cabinet 3"),
            "The date of the evidence must be today or in the past",
            "dated_on",
        ),
    ],
)
def test_refused_evidence_stores_nothing_not_even_the_test(app, monkeypatch, org, control, make_item, message, field):
    monkeypatch.setitem(app.config, "RISKREG_EVIDENCE_MAX_BYTES", 2048)
    events = _count(AuditEvent)
    with pytest.raises(EvidenceRefused, match=message) as refusal:
        control_tests.record_control_test(control, _values(), org.risk_ln, [_file(), make_item()])
    assert refusal.value.field == field
    assert (_count(ControlTest), _count(Evidence), _count(EvidenceBlob), _count(AuditEvent)) == (0, 0, 0, events)


def test_links_and_references_are_kept_without_bytes(org, control):
    test = ControlTestFactory(countermeasure=control, tester=org.auditor, line=L3)
    link = evidence_service.add_evidence(
        test,
        EvidenceInput(EvidenceKind.LINK, "Audit report", today(), url="https://intranet.example.org/ia/7"),
        org.auditor,
    )
    reference = evidence_service.add_evidence(
        test, EvidenceInput(EvidenceKind.REFERENCE, "Paper file", today(), source=" Cabinet 3, drawer 2 "), org.auditor
    )
    assert link.url == "https://intranet.example.org/ia/7" and reference.source == "Cabinet 3, drawer 2"
    assert _count(EvidenceBlob) == 0 and test.evidence == [link, reference]


def test_evidence_is_added_only_by_those_who_may_record_that_line(org, control):
    test = ControlTestFactory(countermeasure=control, tester=org.auditor, line=L3)
    item = EvidenceInput(EvidenceKind.REFERENCE, "Notes", today(), source="File 1")
    assert can(org.auditor, Action.ADD_EVIDENCE, test) and not can(org.risk_ln, Action.ADD_EVIDENCE, test)
    with pytest.raises(NotAllowed):
        evidence_service.add_evidence(test, item, org.risk_ln)


def test_a_damaged_file_is_not_served(org, control):
    test = control_tests.record_control_test(control, _values(), org.risk_ln, [_file()])
    db.session.execute(sa.update(EvidenceBlob).values(data=b"%PDF-1.7 altered"))
    with pytest.raises(evidence_service.EvidenceDamaged, match="no longer matches the fingerprint"):
        evidence_service.read_file(test.evidence[0])


def test_unlocked_evidence_can_be_corrected_or_deleted_and_both_are_audited(org, control):
    test = control_tests.record_control_test(control, _values(), org.risk_ln, [_file()])
    evidence = test.evidence[0]
    evidence_service.update_evidence(evidence, {"title": "Sample of 20 files"}, org.risk_ln)
    assert evidence.title == "Sample of 20 files"
    evidence_id = evidence.id
    evidence_service.delete_evidence(evidence, org.risk_ln)
    assert db.session.get(Evidence, evidence_id) is None and _count(EvidenceBlob) == 0
    query = sa.select(AuditEvent.action).where(AuditEvent.entity == "evidence").order_by(AuditEvent.id)
    actions = db.session.scalars(query).all()
    assert actions == ["evidence.added", "evidence.updated", "evidence.deleted"]


def test_locked_evidence_can_never_be_changed_or_deleted(org, control):
    test = control_tests.record_control_test(control, _values(), org.risk_ln, [_file()])
    evidence = test.evidence[0]
    evidence_service.lock_evidence([evidence], org.head_ln, "Certificate 2025-26 for LN signed")
    evidence_service.lock_evidence([evidence], org.head_ln, "again")  # already locked: nothing happens
    locks = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "evidence.locked")).all()
    assert len(locks) == 1 and locks[0].changes == {"reason": "Certificate 2025-26 for LN signed"}
    with pytest.raises(ServiceError, match="cannot be changed or deleted. To correct it, add new evidence"):
        evidence_service.update_evidence(evidence, {"title": "Changed"}, org.risk_ln)
    with pytest.raises(ServiceError, match="cannot be changed or deleted"):
        evidence_service.delete_evidence(evidence, org.risk_ln)
    assert evidence.title == "Working papers" and evidence_service.read_file(evidence) == PDF


@pytest.mark.parametrize("change", ["title", "unlock", "delete"])
def test_the_database_layer_also_refuses_to_touch_locked_evidence(org, control, change):
    evidence = EvidenceFactory(control_tests=[ControlTestFactory(countermeasure=control)], locked=True)
    if change == "title":
        evidence.title = "Quietly changed"
    elif change == "unlock":
        evidence.locked = False
    else:
        db.session.delete(evidence)
    with pytest.raises(LockedEvidence):
        db.session.flush()
    db.session.rollback()


def test_correcting_locked_evidence_means_adding_new_evidence(org, control):
    test = ControlTestFactory(countermeasure=control, tester=org.risk_ln, with_evidence=True)
    evidence_service.lock_evidence(test.evidence, None, "signed")
    newer = evidence_service.add_evidence(
        test, EvidenceInput(EvidenceKind.REFERENCE, "Corrected papers", today(), source="File 2"), org.risk_ln
    )
    assert [item.locked for item in test.evidence] == [True, False] and newer in test.evidence


# Evidence strength, each outcome through the services ------------------------------------------

OUTCOMES = {
    "strong": ("auditor", L3, Conclusion.EFFECTIVE, True, "Tested effective by internal audit (3rd line)"),
    "moderate": ("risk_ln", L1, Conclusion.EFFECTIVE, True, "Tested effective by management (1st line)"),
    "limited": ("auditor", L2, Conclusion.PARTIALLY_EFFECTIVE, True, "Tested partially effective by HQ oversight"),
    "weak": (None, None, None, None, "In place but not tested between"),
    "none": ("auditor", L4, Conclusion.INEFFECTIVE, True, "Tested ineffective by external assurance (inspectorate"),
}


def arrange(org, control, outcome: str) -> str:
    """Record, through the services, the tests that give ``control`` the ``outcome`` strength; its reason starts."""
    who, line, conclusion, with_evidence, reason = OUTCOMES[outcome]
    if who:
        evidence = [_file()] if with_evidence else []
        control_tests.record_control_test(control, _values(line, conclusion), getattr(org, who), evidence)
    else:
        # Tested, but 13 months ago: outside the window.
        control_tests.record_control_test(control, _values(days_ago=400), org.risk_ln, [_file()])
    return reason


@pytest.mark.parametrize("outcome", list(OUTCOMES))
def test_each_evidence_strength_through_the_services(org, control, outcome):
    reason = arrange(org, control, outcome)
    ((countermeasure, assessment),) = control_tests.risk_assurance(control.risk, today())
    assert countermeasure is control
    assert assessment.strength is EvidenceStrength(outcome)
    assert assessment.reason.startswith(reason)
    # The countermeasure page's full-history path agrees with the latest-tests query.
    full = control_tests.assess_countermeasure(
        control, control_tests.tests_of(control), control_tests.evidence_rules.Period.rolling(today()), today()
    )
    assert full == assessment


def test_effective_without_evidence_is_limited(org, control):
    control_tests.record_control_test(control, _values(L3), org.auditor)
    ((_, assessment),) = control_tests.risk_assurance(control.risk, today())
    assert assessment.strength is EvidenceStrength.LIMITED and assessment.reason.endswith("no evidence attached")


def test_a_planned_countermeasure_has_no_evidence_strength(org, control):
    planned = CountermeasureFactory(risk=control.risk, status=CountermeasureStatus.PLANNED)
    strengths = {cm.id: a.strength for cm, a in control_tests.risk_assurance(control.risk, today())}
    assert strengths == {control.id: EvidenceStrength.WEAK, planned.id: EvidenceStrength.NONE}


def test_latest_tests_keeps_each_lines_latest_and_everything_on_the_latest_day(org, control):
    day = today() - timedelta(days=5)
    old_first = ControlTestFactory(countermeasure=control, line=L1, tested_on=day - timedelta(days=90))
    first = ControlTestFactory(countermeasure=control, line=L1, tested_on=day)
    third = ControlTestFactory(countermeasure=control, line=L3, tested_on=day, conclusion=Conclusion.INEFFECTIVE)
    second = ControlTestFactory(countermeasure=control, line=L2, tested_on=day - timedelta(days=500))
    ControlTestFactory(countermeasure=control, line=L2, tested_on=day - timedelta(days=600))
    future = ControlTestFactory(countermeasure=control, line=L4, tested_on=today() + timedelta(days=3))
    latest = control_tests.latest_tests([control.id], today())[control.id]
    assert {test.id for test in latest} == {first.id, third.id, second.id}
    assert old_first.id not in {t.id for t in latest} and future.id not in {t.id for t in latest}
    # Two lines disagreeing on the same latest day: the weaker conclusion stands.
    ((_, assessment),) = control_tests.risk_assurance(control.risk, today())
    assert assessment.strength is EvidenceStrength.NONE


# Cadence and the map ----------------------------------------------------------------------------


def test_untested_controls_filter_finds_risks_with_a_control_not_tested_for_12_months(org):
    def risk_with(*ages, status=CountermeasureStatus.IN_PLACE):
        risk = RiskFactory(register=org.ln.register)
        countermeasure = CountermeasureFactory(risk=risk, status=status)
        for age in ages:
            ControlTestFactory(countermeasure=countermeasure, tested_on=today() - timedelta(days=age))
        return risk

    never, stale, fresh, edge = risk_with(), risk_with(400, 800), risk_with(400, 20), risk_with(365)
    planned = risk_with(status=CountermeasureStatus.PLANNED)
    found = set(db.session.scalars(control_tests.untested_risk_ids(today())))
    assert {never.id, stale.id} <= found
    assert not {fresh.id, planned.id} & found
    # 365 days ago is within the 12 months unless the last year had a 29 February.
    months_ago_12 = control_tests.evidence_rules.window_start(today())
    assert (edge.id in found) is (today() - timedelta(days=365) < months_ago_12)


def test_assurance_map_shows_the_latest_from_each_line_and_the_gaps(org, control):
    ControlTestFactory(countermeasure=control, line=L1, tested_on=today() - timedelta(days=40), with_evidence=True)
    ControlTestFactory(countermeasure=control, line=L1, tested_on=today() - timedelta(days=200))
    ControlTestFactory(countermeasure=control, line=L3, tested_on=today() - timedelta(days=500))
    untested = CountermeasureFactory(risk=control.risk)
    bare = RiskFactory(register=org.ln.register)
    result = assurance_map.build([control.risk, bare], today())
    first, second = result.groups
    assert first.risk == control.risk and [row.countermeasure for row in first.rows] == [control, untested]
    row = first.rows[0]
    cells = {cell.line: cell for cell in row.cells}
    assert cells[L1].current and cells[L1].test.tested_on == today() - timedelta(days=40)
    assert cells[L1].test.has_evidence
    assert cells[L3].test is not None and cells[L3].is_gap  # out of date
    assert cells[L2].test is None and cells[L2].is_gap
    assert row.assessment.strength is EvidenceStrength.MODERATE
    assert result.unassured == [first.rows[1]] and result.self_assessed_only == [row]
    assert result.risks_without_controls == [bare]
