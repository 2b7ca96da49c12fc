"""The committee pack: page 1 is the summary with the heat map; each corporate risk's controls with their latest
tests and evidence strength, its units' certificate exceptions, the action log, the audit checkpoint; and running
headers that name the part actually on each page (issue 15 "Must show", issue 18)."""

import hashlib
import io
import json
from collections import defaultdict
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from riskreg import demo as demo_organisation
from riskreg.clock import today, utcnow
from riskreg.enums import AssuranceLine, CertificateStatus, Conclusion, Declaration, EvidenceStrength
from riskreg.extensions import db
from riskreg.models import Assertion, Certificate, CertificateSection, Unit
from riskreg.pdf import signing
from riskreg.services import committee, committee_actions
from riskreg.services.assurance import control_tests
from tests.factories import ControlTestFactory, CountermeasureFactory, RiskFactory, RiskLinkFactory, UserFactory

MEETING = date(2026, 6, 10)
TOP_MARGIN, BOTTOM_MARGIN = 51, 57  # points: 18 mm and 20 mm (templates/pdf/_print.css)


def _pdf(client, meeting=MEETING) -> PdfReader:
    """The pack as the committee gets it: asked for on the committee page, prepared as a job (in the app's process
    here, without Redis), downloaded from the job's page."""
    response = client.post(
        "/committee/pack", data={"meeting": [str(meeting.day), str(meeting.month), str(meeting.year)]}
    )
    assert response.status_code == 302, response.data[:500]
    job_page = response.headers["Location"]
    download = client.get(f"{job_page}/download")
    assert download.status_code == 200, download.data[:500]
    return PdfReader(io.BytesIO(download.data))


def _flat(reader: PdfReader, pages=None) -> str:
    return " ".join(" ".join(page.extract_text() for page in (pages or reader.pages)).split())


def _signed_certificate(unit, exceptions: list[tuple[str, list]]) -> Certificate:
    """A signed certificate written directly (signing is tested elsewhere): one assertion per (statement,
    countermeasures), each declared not assured with an explanation."""
    content = b"%PDF-1.7 stand-in"
    section = CertificateSection(position=1, title="Areas of high operational risk")
    for position, (statement, countermeasures) in enumerate(exceptions, start=1):
        section.assertions.append(
            Assertion(
                position=position,
                statement=statement,
                declaration=Declaration.NOT_ASSURED,
                exception_text=f"Explained: {statement.lower()}",
                signed_strength=EvidenceStrength.NONE,
                signed_reason="Untested",
                countermeasures=countermeasures,
            )
        )
    certificate = Certificate(
        unit=unit,
        period="2025-26",
        status=CertificateStatus.SIGNED,
        signed_by=UserFactory(name="Helen Head"),
        signed_at=utcnow(),
        snapshot="{}",
        snapshot_sha256=hashlib.sha256(b"{}").hexdigest(),
        pdf=content,
        content_sha256=hashlib.sha256(content).hexdigest(),
        disclosures={"as_of": "2026-03-31", "groups": []},
        sections=[section],
    )
    db.session.add(certificate)
    db.session.flush()
    return certificate


@pytest.fixture
def corporate(org, frozen_clock):
    """A corporate risk with two controls (one tested by internal audit), informed by a London North risk."""
    risk = RiskFactory(register=org.hq.register, title="Custody time limit failures", residual_l=4, residual_i=4)
    audited = CountermeasureFactory(risk=risk, title="Daily custody time limit diary check")
    ControlTestFactory(
        countermeasure=audited,
        tester=org.auditor,
        line=AssuranceLine.THIRD,
        tested_on=date(2026, 4, 20),
        conclusion=Conclusion.EFFECTIVE,
        with_evidence=True,
    )
    CountermeasureFactory(risk=risk, title="Monthly custody dashboard")  # never tested
    local = RiskFactory(register=org.ln.register, title="CTL diary errors")
    RiskLinkFactory(from_risk=local, to_risk=risk)
    local_control = CountermeasureFactory(risk=local, title="Area CTL checklist")
    _signed_certificate(
        org.ln,
        [
            ("Custody time limits were monitored throughout the year", [local_control]),
            ("Sickness absence was managed in line with policy", []),
        ],
    )
    return risk, audited


def test_page_one_is_the_summary_with_the_heat_map(client, org, sign_in, corporate):
    risk, _audited = corporate
    RiskFactory(register=org.hq.register, title="Failure of key contracts", residual_l=1, residual_i=2)
    sign_in(org.committee)
    reader = _pdf(client)
    first = _flat(reader, [reader.pages[0]])
    assert "Summary" in first and "Open corporate risks on the heat map" in first
    assert f"16 (likely × major): {risk.ref}" in first
    assert f"{risk.ref} Custody time limit failures 16 very high" in first
    assert "1 of 2 controls tested, 1 independently" in first
    assert "/Figure" not in str(reader.pages[0].get("/Resources", {}))  # drawn as vectors, not an image file
    assert reader.pages[0].extract_text().count("Severe") == 1  # the heat map's axis, as text in the PDF


def test_each_corporate_risk_shows_its_controls_latest_tests_and_evidence_strength(client, org, sign_in, corporate):
    risk, audited = corporate
    sign_in(org.committee)
    text = _flat(_pdf(client))
    # The strength and reason are the evidence rule's own, as the risk page shows them.
    assessment = dict((cm.id, a) for cm, a in control_tests.risk_assurance(risk, today()))[audited.id]
    assert assessment.strength is EvidenceStrength.STRONG
    assert f"Daily custody time limit diary check (preventive) Evidence: strong. {assessment.reason}." in text
    assert "3rd line: effective on 20 April 2026" in text and "1st line: never tested" in text
    assert "Monthly custody dashboard (preventive) Evidence: weak." in text
    assert "lines with a current test: 3rd line" in text


def test_the_units_that_inform_a_risk_show_the_exceptions_on_their_controls(client, org, sign_in, corporate):
    risk, _audited = corporate
    sign_in(org.committee)
    text = _flat(_pdf(client))
    assert (
        f"London North: certificate 2025-26 (signed), 2 exceptions in all; on the controls of its risks that inform "
        f"{risk.ref}: Areas of high operational risk: Custody time limits were monitored throughout the year "
        "Not assured: Explained: custody time limits were monitored throughout the year"
    ) in text
    assert "Sickness absence" not in text  # an exception resting on none of the contributing risks' controls


def test_the_pack_carries_the_action_log_for_its_meeting(client, org, sign_in, corporate):
    values = {"owner_id": org.risk_hq.id, "raised_on": date(2026, 3, 4), "due_on": date(2026, 5, 1)}
    committee_actions.raise_action(values | {"request": "Reconcile the custody scores"}, org.committee)
    committee_actions.raise_action(
        values | {"request": "Explain the estate plan", "raised_on": MEETING, "due_on": date(2026, 9, 1)}, org.committee
    )
    sign_in(org.committee)
    reader = _pdf(client)
    last = _flat(reader, reader.pages[-2:])
    assert "Committee action log" in last
    assert "Raised at this meeting Explain the estate plan Owner Corporate Risk; due 1 September 2026" in last
    assert (
        "Carried forward from earlier meetings Reconcile the custody scores Owner Corporate Risk; due 1 May 2026 "
        "(overdue); raised at the meeting on 4 March 2026"
    ) in last


@pytest.fixture
def checkpoints(app, tmp_path, monkeypatch):
    key = signing.create_demo_ca(tmp_path / "ca")
    path = tmp_path / "audit-checkpoints.jsonl"
    monkeypatch.setitem(app.config, "RISKREG_AUDIT_CHECKPOINTS", str(path))
    monkeypatch.setitem(app.config, "RISKREG_SIGNING_KEY", str(key.key_path))
    monkeypatch.setitem(app.config, "RISKREG_SIGNING_CERT", str(key.cert_path))
    monkeypatch.setitem(app.config, "RISKREG_SIGNING_TRUST_ROOTS", [str(p) for p in key.trust_root_paths])
    return path


def test_the_pack_records_the_latest_signed_audit_checkpoint(app, client, org, sign_in, checkpoints):
    sign_in(org.committee)
    reader = _pdf(client)
    assert "No signed checkpoint of the audit trail had been taken" in _flat(reader, reader.pages[-1:])
    assert reader.metadata["/auditcheckpoint"] == "none"

    db.session.commit()  # the checkpoint command reads committed events, as it does from cron
    for _ in range(2):
        assert app.test_cli_runner().invoke(args=["audit", "checkpoint"]).exit_code == 0
    latest = json.loads(checkpoints.read_text().splitlines()[-1])
    forged = dict(latest, count=latest["count"] + 5, signature="00" * 64)  # a line that does not verify
    with checkpoints.open("a") as out:
        out.write(json.dumps(forged) + "\n")
    reader = _pdf(client)
    last = _flat(reader, reader.pages[-1:])
    assert (
        f"recorded {latest['count']} events (the last, number {latest['last_id']}, with hash {latest['head']})" in last
    )
    assert reader.metadata["/auditcheckpoint"] == (
        f"count={latest['count']}; last_id={latest['last_id']}; head={latest['head']}; at={latest['at']}"
    )


# Running headers, checked on the demo's pack ------------------------------------------------------------------


def _page_lines(page) -> tuple[str, list[str]]:
    """The running header, and the body's lines top to bottom, from the text's positions on the page."""
    height = float(page.mediabox.height)
    rows: dict[float, list[tuple[float, str]]] = defaultdict(list)

    def visit(text, cm, tm, _font, _size):
        if text.strip():
            rows[round(cm[5] + tm[5] * cm[3])].append((cm[4] + tm[4] * cm[0], text.strip()))

    page.extract_text(visitor_text=visit)
    lines = [(y, " ".join(t for _x, t in sorted(parts))) for y, parts in sorted(rows.items(), reverse=True)]
    header = " ".join(text for y, text in lines if y > height - TOP_MARGIN)
    body = [text for y, text in lines if BOTTOM_MARGIN < y <= height - TOP_MARGIN]
    return header, body


@pytest.mark.engine_independent  # PDF layout: checked in the SQLite pass
def test_every_page_of_the_demo_pack_names_the_part_on_it_and_no_heading_is_stranded(client, demo):
    response = client.post(
        "/sign-in", data={"email": "committee@example.org", "password": demo_organisation.DEMO_PASSWORD}
    )
    assert response.status_code == 302
    meeting = today() + timedelta(days=7)
    parts = {f"{entry.risk.ref} {entry.risk.title}" for entry in committee.pack(meeting)} | {"Committee action log"}
    subheadings = ("Controls on ", "Risks that inform ", "Certificate exceptions of ", "Link alerts", "Comments")
    subheadings += ("Raised at this meeting", "Carried forward from", "Closed in the three months", "Audit trail")
    units = set(db.session.scalars(sa.select(Unit.name)))
    reader = _pdf(client, meeting)
    assert len(reader.pages) > len(parts)
    current, seen = "", []
    for number, page in enumerate(reader.pages, start=1):
        header, body = _page_lines(page)
        if number == 1:
            assert header == "" and body[0] == "Audit and Risk Committee"
            current = "Summary"
            continue
        if body[0] in parts:
            current = body[0]
            seen.append(current)
        assert header == current, f"page {number}: the header says {header!r} above {current!r}"
        stranded = body[-1]
        assert not stranded.startswith(subheadings) and stranded not in units, f"page {number} ends with {stranded!r}"
    assert sorted(seen) == sorted(parts)  # every part starts a page of its own
    log = committee_actions.log_for(meeting)  # the demo's action log: some carried, some closed since last time
    assert len(log.carried) == 3 and {a.status.value for a in log.closed} == {"done", "dropped"}
