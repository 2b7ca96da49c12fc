"""Assurance pages: recording tests, adding, downloading and deleting evidence, strength and the maps."""

import io
from datetime import timedelta

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from riskreg.clock import today
from riskreg.enums import AssuranceLine, Conclusion, CountermeasureStatus, EvidenceStrength
from riskreg.extensions import db
from riskreg.models import AuditEvent, ControlTest, Evidence, EvidenceBlob
from riskreg.services.assurance import evidence as evidence_service
from tests.conftest import count_queries
from tests.factories import ControlTestFactory, CountermeasureFactory, EvidenceFactory, RiskFactory, RiskLinkFactory
from tests.test_assurance import OUTCOMES, arrange

L1, L2, L3, L4 = AssuranceLine
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n"


def _soup(response):
    return BeautifulSoup(response.data, "html.parser")


def _text(response, selector="main") -> str:
    found = _soup(response).select_one(selector)
    return found.get_text(" ", strip=True) if found else ""


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _day(days_ago=0) -> list[str]:
    day = today() - timedelta(days=days_ago)
    return [str(day.day), str(day.month), str(day.year)]


@pytest.fixture
def as_user(client, sign_in):
    """Sign in as someone, signing out whoever was signed in before."""

    def _as_user(user):
        client.post("/sign-out")
        return sign_in(user)

    return _as_user


@pytest.fixture
def control(org):
    risk = RiskFactory(register=org.ln.register, owner=org.risk_ln, title="Victim letters late")
    return CountermeasureFactory(
        risk=risk, title="Weekly letters check", owner=org.risk_ln, implemented_on=today() - timedelta(days=700)
    )


def _url(control, suffix="") -> str:
    return f"/risks/{control.risk.ref}/countermeasures/{control.id}{suffix}"


def _test_form(line="1", **overrides) -> dict:
    data = {
        "tested_on": _day(3),
        "line": line,
        "method": "sample_test",
        "sample_size": "25",
        "exceptions": "2",
        "exceptions_tolerated": "2",
        "nature": "operating",
        "conclusion": "effective",
        "notes": "Two letters sent late",
        "evidence_url": "",
        "evidence_title": "",
    }
    data.update(overrides)
    return data


def _post_test(client, control, upload=None, **overrides):
    data = _test_form(**overrides)
    if upload is not None:
        data["evidence_file"] = (io.BytesIO(upload[0]), upload[1])
    return client.post(_url(control, "/tests/new"), data=data, content_type="multipart/form-data")


# Recording tests --------------------------------------------------------------------------------


def test_a_risk_manager_records_a_test_with_a_file_in_one_step(client, org, as_user, control):
    as_user(org.risk_ln)
    response = _post_test(client, control, upload=(PDF, "Sample of 25 letters.pdf"))
    assert response.status_code == 302 and response.headers["Location"].endswith(_url(control))
    test = db.session.scalar(sa.select(ControlTest))
    assert (test.line, test.sample_size, test.exceptions, test.tester) == (L1, 25, 2, org.risk_ln)
    (evidence,) = test.evidence
    assert (evidence.title, evidence.content_type, evidence.dated_on) == (
        "Sample of 25 letters.pdf",
        "application/pdf",
        test.tested_on,
    )
    page = _text(client.get(_url(control)))
    assert "Two letters sent late" in page and "Sample of 25 letters.pdf" in page
    assert "2 exceptions in a sample of 25" in page
    assert "Moderate evidence" in page


def test_a_test_with_a_link_as_evidence(client, org, as_user, control):
    as_user(org.auditor)
    response = _post_test(
        client,
        control,
        line="3",
        evidence_url="https://intranet.example.org/ia/2026-04",
        evidence_title="Audit report IA 2026/04",
    )
    assert response.status_code == 302
    evidence = db.session.scalar(sa.select(Evidence))
    assert evidence.url == "https://intranet.example.org/ia/2026-04" and evidence.title == "Audit report IA 2026/04"
    link = _soup(client.get(_url(control))).select_one('main a[href="https://intranet.example.org/ia/2026-04"]')
    assert "Audit report IA 2026/04" in link.get_text() and "noopener" in link["rel"]


def test_the_form_offers_only_the_lines_the_user_may_record(client, org, as_user, control):
    as_user(org.auditor)
    radios = _soup(client.get(_url(control, "/tests/new"))).select("input[name=line]")
    assert [radio["value"] for radio in radios] == ["2", "3", "4"]
    as_user(org.risk_ln)
    radios = _soup(client.get(_url(control, "/tests/new"))).select("input[name=line]")
    assert [radio["value"] for radio in radios] == ["1"]
    response = _post_test(client, control, line="3")
    assert response.status_code == 400 and _count(ControlTest) == 0


@pytest.mark.parametrize("who", ["viewer_ln", "risk_ls", "committee"])  # the HQ risk team records 2nd-line tests
def test_people_who_may_not_test_are_refused(client, org, as_user, control, who):
    as_user(getattr(org, who))
    assert client.get(_url(control, "/tests/new")).status_code == 403
    assert _post_test(client, control).status_code == 403
    assert _count(ControlTest) == 0
    assert "Record a control test" not in _text(client.get(_url(control)))


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"tested_on": ["", "", ""]}, "Enter the date of the test"),
        ({"method": ""}, "Select how the control was tested"),
        ({"conclusion": ""}, "Select the conclusion of the test"),
        ({"sample_size": "twenty"}, "Sample size must be a whole number, like 25"),
        ({"exceptions": ""}, "Enter how many exceptions were found, or 0"),
        ({"exceptions": "30"}, "The number of exceptions cannot be more than the sample size"),
        ({"tested_on": _day(-2)}, "The date of the test must be today or in the past"),
        ({"evidence_url": "javascript:alert(1)"}, "Enter a web address starting with https://"),
    ],
)
def test_bad_test_input_is_explained_and_writes_nothing(client, org, as_user, control, overrides, message):
    as_user(org.risk_ln)
    events = _count(AuditEvent)
    response = _post_test(client, control, **overrides)
    assert response.status_code == 400
    assert message in _text(response, ".govuk-error-summary")
    assert (_count(ControlTest), _count(Evidence), _count(AuditEvent)) == (0, 0, events)


# Refused uploads store nothing --------------------------------------------------------------------

REFUSED_UPLOADS = [
    ((b"MZ\x90\x00\x03" + bytes(40), "report.pdf"), "The selected file must be a PDF, PNG, JPEG, text, CSV"),
    ((b"", "empty.pdf"), "The selected file is empty"),
    ((PDF + bytes(3100), "big.pdf"), "The selected file must be 3 KB or smaller"),
]


@pytest.mark.parametrize(("upload", "message"), REFUSED_UPLOADS)
def test_refused_uploads_with_a_test_store_nothing(app, monkeypatch, client, org, as_user, control, upload, message):
    monkeypatch.setitem(app.config, "RISKREG_EVIDENCE_MAX_BYTES", 3 * 1024)
    as_user(org.risk_ln)
    events = _count(AuditEvent)
    response = _post_test(client, control, upload=upload)
    assert response.status_code == 400
    summary = _soup(response).select_one(".govuk-error-summary")
    assert message in summary.get_text(" ", strip=True)
    assert summary.find("a", string=lambda s: s and message in s)["href"] == "#evidence_file"
    assert message in _text(response, "#evidence_file-error")
    assert (_count(ControlTest), _count(Evidence), _count(EvidenceBlob), _count(AuditEvent)) == (0, 0, 0, events)


@pytest.mark.parametrize(("upload", "message"), REFUSED_UPLOADS)
def test_refused_uploads_as_follow_up_evidence_store_nothing(
    app, monkeypatch, client, org, as_user, control, upload, message
):
    monkeypatch.setitem(app.config, "RISKREG_EVIDENCE_MAX_BYTES", 3 * 1024)
    test = ControlTestFactory(countermeasure=control, tester=org.risk_ln)
    as_user(org.risk_ln)
    events = _count(AuditEvent)
    response = client.post(
        _url(control, f"/tests/{test.id}/evidence/new"),
        data={"kind": "file", "title": "Papers", "dated_on": _day(), "file": (io.BytesIO(upload[0]), upload[1])},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400 and message in _text(response, ".govuk-error-summary")
    assert (_count(Evidence), _count(EvidenceBlob), _count(AuditEvent)) == (0, 0, events)


def test_an_upload_just_within_the_limit_is_kept(app, monkeypatch, client, org, as_user, control):
    monkeypatch.setitem(app.config, "RISKREG_EVIDENCE_MAX_BYTES", 3 * 1024)
    as_user(org.risk_ln)
    assert _post_test(client, control, upload=(PDF.ljust(3 * 1024, b" "), "exact.pdf")).status_code == 302
    assert db.session.scalar(sa.select(Evidence.size)) == 3 * 1024


# Follow-up evidence, download, delete ------------------------------------------------------------


def test_evidence_added_later_to_a_test(client, org, as_user, control):
    test = ControlTestFactory(countermeasure=control, tester=org.auditor, line=L3)
    as_user(org.auditor)
    page = _text(client.get(_url(control)))
    assert "No evidence attached" in page
    response = client.post(
        _url(control, f"/tests/{test.id}/evidence/new"),
        data={"kind": "reference", "title": "Audit working papers", "source": "IA file 2026/04", "dated_on": _day(1)},
    )
    assert response.status_code == 302
    assert "Reference: IA file 2026/04" in _text(client.get(_url(control)))
    as_user(org.risk_ln)  # a 1st-line user cannot add evidence to internal audit's test
    assert client.get(_url(control, f"/tests/{test.id}/evidence/new")).status_code == 403


def test_download_is_an_attachment_with_a_safe_name_and_the_stored_type(client, org, as_user, control):
    as_user(org.risk_ln)
    _post_test(client, control, upload=(b"Walkthrough notes\n", "../../Notes for <CTL>.docx"))
    evidence = db.session.scalar(sa.select(Evidence))
    as_user(org.viewer_ln)
    response = client.get(f"/evidence/{evidence.id}/download")
    assert response.status_code == 200 and response.data == b"Walkthrough notes\n"
    assert response.headers["Content-Disposition"] == "attachment; filename=Notes_for_CTL.txt"
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response.headers["Cache-Control"]


def test_download_is_refused_to_those_who_may_not_read_the_risk(client, org, as_user):
    risk = RiskFactory(register=org.ln.register, restricted=True)
    control = CountermeasureFactory(risk=risk)
    test = ControlTestFactory(countermeasure=control, tester=org.auditor, line=L3)
    evidence = evidence_service.add_evidence(
        test,
        evidence_service.EvidenceInput(
            evidence_service.EvidenceKind.FILE, "Secret", today(), data=PDF, filename="s.pdf"
        ),
        org.auditor,
    )
    assert client.get(f"/evidence/{evidence.id}/download").status_code == 302  # not signed in
    as_user(org.risk_ls)
    assert client.get(f"/evidence/{evidence.id}/download").status_code == 404
    assert client.get(f"/evidence/{evidence.id}/delete").status_code == 404
    assert client.get(f"/evidence/{evidence.id + 1000}/download").status_code == 404
    as_user(org.head_ln)
    assert client.get(f"/evidence/{evidence.id}/download").data == PDF


def test_links_and_references_have_nothing_to_download(client, org, as_user, control):
    evidence = EvidenceFactory(control_tests=[ControlTestFactory(countermeasure=control)])
    as_user(org.viewer_ln)
    assert client.get(f"/evidence/{evidence.id}/download").status_code == 404


def test_a_damaged_file_is_not_sent(client, org, as_user, control):
    as_user(org.risk_ln)
    _post_test(client, control, upload=(PDF, "papers.pdf"))
    db.session.execute(sa.update(EvidenceBlob).values(data=b"%PDF-1.7 replaced"))
    response = client.get(f"/evidence/{db.session.scalar(sa.select(Evidence.id))}/download")
    assert response.status_code == 500 and "no longer matches the fingerprint" in _text(response)


def test_deleting_evidence(client, org, as_user, control):
    test = ControlTestFactory(countermeasure=control, tester=org.risk_ln, with_evidence=True)
    evidence = test.evidence[0]
    as_user(org.auditor)  # internal audit cannot delete management's evidence
    assert client.post(f"/evidence/{evidence.id}/delete").status_code == 403
    as_user(org.risk_ln)
    response = client.post(f"/evidence/{evidence.id}/delete")
    assert response.status_code == 302 and response.headers["Location"].endswith(_url(control))
    assert _count(Evidence) == 0


def test_locked_evidence_cannot_be_deleted_from_the_page(client, org, as_user, control):
    test = ControlTestFactory(countermeasure=control, tester=org.risk_ln, with_evidence=True)
    evidence = test.evidence[0]
    evidence_service.lock_evidence([evidence], None, "certificate signed")
    db.session.commit()
    as_user(org.risk_ln)
    assert "Locked a signed certificate relies on it" in _text(client.get(_url(control)))
    page = client.get(f"/evidence/{evidence.id}/delete")
    assert "cannot be changed or deleted" in _text(page) and not _soup(page).select("main form[method=post] button")
    response = client.post(f"/evidence/{evidence.id}/delete")
    assert response.status_code == 409 and "To correct it, add new evidence" in _text(response, ".govuk-error-summary")
    assert _count(Evidence) == 1


# Evidence strength on the pages -------------------------------------------------------------------


@pytest.mark.parametrize("outcome", list(OUTCOMES))
def test_each_evidence_strength_is_shown_with_its_reason(client, org, as_user, control, outcome):
    reason = arrange(org, control, outcome)
    db.session.commit()
    label = EvidenceStrength(outcome).label
    as_user(org.viewer_ln)
    result = _text(client.get(_url(control)), "#strength-result")
    assert result.startswith(f"{label} evidence") and reason in result
    row = _soup(client.get(f"/risks/{control.risk.ref}")).select_one("#assurance + p + table tbody tr")
    cells = [cell.get_text(" ", strip=True) for cell in row.select("td")]
    assert cells[0].startswith("Weekly letters check") and cells[1] == f"{label} evidence"
    assert cells[2].startswith(reason)


def test_a_past_financial_year_is_judged_as_it_stood_at_its_end(client, org, as_user, control):
    ControlTestFactory(countermeasure=control, line=L3, tested_on=today() - timedelta(days=20), with_evidence=True)
    as_user(org.viewer_ln)
    keys = [option["value"] for option in _soup(client.get(_url(control))).select("#period option")]
    assert keys[0] == "rolling" and len(keys) == 4
    assert _text(client.get(_url(control)), "#strength-result").startswith("Strong")
    assert _text(client.get(_url(control, f"?period={keys[-1]}")), "#strength-result").startswith("Weak")


def test_the_countermeasure_page_shows_the_test_cadence(client, org, as_user, control):
    as_user(org.viewer_ln)
    assert "Untested Never tested" in _text(client.get(_url(control)))
    ControlTestFactory(countermeasure=control, tested_on=today() - timedelta(days=400))
    assert "Untested Not tested for 12 months" in _text(client.get(_url(control)))
    ControlTestFactory(countermeasure=control, tested_on=today() - timedelta(days=10))
    assert "It counts as tested until" in _text(client.get(_url(control)))


def test_countermeasure_pages_of_restricted_risks_are_hidden(client, org, as_user):
    control = CountermeasureFactory(risk=RiskFactory(register=org.ln.register, restricted=True))
    as_user(org.risk_ls)
    assert client.get(_url(control)).status_code == 404
    assert client.get(f"/risks/{control.risk.ref}/assurance").status_code == 404
    assert client.get(f"/risks/{control.risk.ref}/countermeasures/{control.id + 99}").status_code == 404


def test_the_evidence_list_issues_a_constant_number_of_queries(client, org, as_user, control):
    def add_tests(count):
        for n in range(count):
            test = ControlTestFactory(
                countermeasure=control, tester=org.auditor, line=L3, tested_on=today() - timedelta(days=n)
            )
            for _ in range(3):
                EvidenceFactory(control_tests=[test], uploaded_by=org.auditor)

    as_user(org.auditor)
    add_tests(1)
    with count_queries() as small:
        assert client.get(_url(control)).status_code == 200
    add_tests(15)
    with count_queries() as large:
        page = client.get(_url(control))
    assert len(_soup(page).select("#tests ~ table td ul.govuk-list > li")) == 48
    assert len(large) == len(small), large


# The register filter and the maps ---------------------------------------------------------------


def test_register_filter_controls_untested(client, org, as_user, control):
    tested = RiskFactory(register=org.ln.register, title="Well tested")
    ControlTestFactory(countermeasure=CountermeasureFactory(risk=tested), tested_on=today() - timedelta(days=30))
    as_user(org.viewer_ln)
    filtered = _text(client.get("/registers/LN?untested=1"))
    assert "Victim letters late" in filtered and "Well tested" not in filtered
    assert _soup(client.get("/registers/LN?untested=1")).select_one("#filter-untested").has_attr("checked")
    assert "Well tested" in _text(client.get("/registers/LN"))


def test_register_assurance_map(client, org, as_user, control):
    ControlTestFactory(countermeasure=control, line=L1, tested_on=today() - timedelta(days=15), with_evidence=True)
    ControlTestFactory(
        countermeasure=control, line=L3, tested_on=today() - timedelta(days=450), conclusion=Conclusion.INEFFECTIVE
    )
    RiskFactory(register=org.ln.register, title="Nothing in place")
    CountermeasureFactory(risk=control.risk, title="Only planned", status=CountermeasureStatus.PLANNED)
    RiskFactory(register=org.ln.register, title="Secret matter", restricted=True)
    as_user(org.risk_ls)
    response = client.get("/registers/LN/assurance")
    assert response.status_code == 200
    row = _soup(response).find("a", string="Weekly letters check").find_parent("tr")
    cells = [cell.get_text(" ", strip=True) for cell in row.select("td")]
    assert cells[0].startswith("Effective") and cells[1] == "Gap: no test"
    assert cells[2].startswith("Gap: out of date") and "ineffective" in cells[2]
    assert cells[4] == "Moderate evidence"
    page = _text(response)
    assert "Gap: no controls in place" in page and "Only planned" not in page and "Secret matter" not in page
    summary = _text(response, "#map-summary")
    assert "1 control in place" in summary and "1 assured only by management self-assessment" in summary
    assert "1 risk has no controls in place" in summary
    as_user(org.head_ln)
    assert "Secret matter" in _text(client.get("/registers/LN/assurance"))


def test_risk_assurance_map(client, org, as_user, control):
    other = RiskFactory(register=org.ln.register, title="Another risk")
    as_user(org.committee)
    response = client.get(f"/risks/{control.risk.ref}/assurance")
    assert response.status_code == 200
    page = _text(response)
    assert "Weekly letters check" in page and "Another risk" not in page and other.ref not in page


def test_a_corporate_risks_map_includes_the_risks_that_inform_it(client, org, as_user, control):
    corporate = RiskFactory(register=org.hq.register, title="Victims not kept informed")
    CountermeasureFactory(risk=corporate, title="National letters audit")
    RiskLinkFactory(from_risk=control.risk, to_risk=corporate)
    hidden = RiskFactory(register=org.ln.register, title="Secret contributor", restricted=True)
    CountermeasureFactory(risk=hidden, title="Secret control")
    RiskLinkFactory(from_risk=hidden, to_risk=corporate)
    as_user(org.head_ls)  # may not see London North's restricted risk
    page = _text(client.get(f"/risks/{corporate.ref}/assurance"))
    assert "National letters audit" in page and "Weekly letters check" in page
    assert "Secret control" not in page and "includes the 1 open risk" in page
    as_user(org.committee)
    page = _text(client.get(f"/risks/{corporate.ref}/assurance"))
    assert "Secret control" in page and "includes the 2 open risks" in page
    assert f"/risks/{corporate.ref}/assurance" in client.get("/committee").data.decode()


def test_the_assurance_map_issues_a_constant_number_of_queries(client, org, as_user):
    def add_risks(count):
        for _ in range(count):
            risk = RiskFactory(register=org.ln.register)
            for _ in range(2):
                countermeasure = CountermeasureFactory(risk=risk)
                for line, age in ((L1, 20), (L1, 200), (L2, 100), (L3, 500)):
                    ControlTestFactory(
                        countermeasure=countermeasure,
                        line=line,
                        with_evidence=True,
                        tested_on=today() - timedelta(days=age),
                    )

    as_user(org.committee)
    add_risks(1)
    with count_queries() as small:
        assert client.get("/registers/LN/assurance").status_code == 200
    add_risks(8)
    with count_queries() as large:
        page = client.get("/registers/LN/assurance")
    assert _text(page, "#map-summary").startswith("18 controls in place")
    assert len(large) == len(small), large


def test_the_risk_pages_assurance_section_issues_a_constant_number_of_queries(client, org, as_user, control):
    def add_controls(count):
        for _ in range(count):
            countermeasure = CountermeasureFactory(risk=control.risk)
            ControlTestFactory(countermeasure=countermeasure, line=L2, with_evidence=True)

    as_user(org.viewer_ln)
    add_controls(1)
    with count_queries() as small:
        client.get(f"/risks/{control.risk.ref}")
    add_controls(10)
    with count_queries() as large:
        page = client.get(f"/risks/{control.risk.ref}")
    assert _text(page, "#assurance ~ table").count("Strong evidence") == 11
    assert len(large) == len(small), large


def test_a_request_over_the_servers_limit_is_refused_whole(app, monkeypatch, client, org, as_user, control):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 4 * 1024)
    as_user(org.risk_ln)
    response = _post_test(client, control, upload=(PDF + bytes(8 * 1024), "huge.pdf"))
    assert response.status_code == 413 and "The file is too large" in _text(response)
    assert (_count(ControlTest), _count(Evidence), _count(EvidenceBlob)) == (0, 0, 0)


def test_forms_need_their_csrf_token(app, monkeypatch, client, org, as_user, control):
    as_user(org.risk_ln)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    assert _post_test(client, control, upload=(PDF, "papers.pdf")).status_code == 400
    assert _count(ControlTest) == 0
