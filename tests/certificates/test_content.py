"""What a head certifies (issue 15): the statement of responsibility, the overall opinion, significant issues and
actions, everything judged as at the period end, and what happened after it listed apart. Real database, real
PDF rendering and signing."""

import json
from datetime import datetime, time, timedelta
from io import BytesIO

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup
from pypdf import PdfReader

from riskreg.clock import today, utcnow
from riskreg.enums import Declaration, FlagKind, Opinion
from riskreg.extensions import db
from riskreg.models import AuditEvent, Flag
from riskreg.models.certificate import FrozenCertificate
from riskreg.rules.evidence import long_date
from riskreg.services import ServiceError, StaleEdit
from riskreg.services.certificates import content, documents, queries, workflow
from riskreg.services.certificates import templates as certificate_templates
from tests.certificates.support import PASSWORD, PERIOD, control, declare_all, draft, signing_ca, test_ca  # noqa: F401
from tests.factories import ReviewFactory, RiskFactory

pytestmark = pytest.mark.usefixtures("signing_ca")
DUE = PERIOD.end + timedelta(days=180)


def _pdf_text(pdf: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages).split())


def _page(client, sign_in, user, url):
    client.post("/sign-out")
    sign_in(user)
    response = client.get(url)
    return response, " ".join(BeautifulSoup(response.data, "html.parser").select_one("main").get_text(" ").split())


# The statement and the opinion --------------------------------------------------------------------------------


def test_a_new_certificate_takes_the_templates_statement_with_its_placeholders_filled(org):
    template = certificate_templates.default_template()
    certificate_templates.set_statement(
        template, "As {title} for {unit} I answer for {period}, judged at {period_end}.", org.admin
    )
    certificate = draft(org)
    view = queries.view(certificate, today())
    assert view.statement == f"As Chief Crown Prosecutor for London North I answer for {PERIOD.label}, judged at " + (
        f"{long_date(PERIOD.end)}."
    )
    with pytest.raises(ServiceError, match=r"riskreg cannot fill \{unti\}"):
        certificate_templates.set_statement(template, "As {title} for {unti}", org.admin)


def test_the_opinion_is_proposed_from_the_evidence_and_another_needs_a_reason(org):
    certificate = declare_all(draft(org), org.risk_ln, {0: "limited", 1: "weak", 2: "none", 3: "limited"}, org)
    view = queries.view(certificate, today())
    assert view.proposal.opinion is Opinion.LIMITED and view.opinion is Opinion.LIMITED  # 4 of 15 with exceptions
    assert view.proposal.basis[0] == "15 assertions: 11 assured, 4 assured with exceptions, 0 not assured"
    with pytest.raises(ServiceError, match="give the reason"):
        content.set_opinion(certificate, Opinion.REASONABLE, " ", Opinion.LIMITED, org.head_ln)
    with pytest.raises(StaleEdit):
        content.set_opinion(
            certificate, Opinion.LIMITED, "", Opinion.LIMITED, org.head_ln, certificate.lock_version - 1
        )
    content.set_opinion(
        certificate, Opinion.REASONABLE, "The fixes were retested in April", Opinion.LIMITED, org.head_ln
    )
    view = queries.view(certificate, today())
    assert view.opinion is Opinion.REASONABLE and view.proposal.opinion is Opinion.LIMITED
    assert view.opinion_reason == "The fixes were retested in April" and view.content_problems == []
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "certificate.opinion_set"))
    assert event.changes["opinion"] == "reasonable" and event.changes["proposed"] == "limited"
    # Choosing the proposed opinion again clears the head's own.
    content.set_opinion(certificate, Opinion.LIMITED, "ignored", Opinion.LIMITED, org.head_ln)
    assert certificate.opinion is None and certificate.opinion_reason == ""


def test_significant_issues_are_added_removed_and_audited(org):
    certificate = draft(org)
    with pytest.raises(ServiceError, match="Enter who owns the action"):
        content.add_issue(certificate, "Custody time limit failures", "Daily checks", " ", DUE, org.risk_ln)
    issue = content.add_issue(
        certificate, "Two custody time limit failures", "Daily diary checks by the DCCP", "Deputy CCP", DUE, org.risk_ln
    )
    content.add_issue(certificate, "Sickness above target", "Wellbeing plan", "HR business partner", DUE, org.risk_ln)
    view = queries.view(queries.get_certificate(certificate.id), today())
    assert [(i.owner, i.due_on) for i in view.issues] == [("Deputy CCP", DUE), ("HR business partner", DUE)]
    content.remove_issue(certificate, issue.id, org.risk_ln)
    assert [i.issue for i in certificate.issues] == ["Sickness above target"]
    actions = db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.action.like("certificate.issue%")))
    assert list(actions) == ["certificate.issue_added", "certificate.issue_added", "certificate.issue_removed"]


def test_signing_freezes_the_statement_opinion_and_issues_in_the_pdf_and_snapshot(org):
    certificate = declare_all(draft(org), org.risk_ln, {0: "limited"}, org)
    content.add_issue(certificate, "Custody checks left no evidence", "Keep the check sheets", "DCCP", DUE, org.risk_ln)
    workflow.submit(certificate, org.risk_ln)
    workflow.sign(certificate, org.head_ln, PASSWORD)
    snapshot = json.loads(certificate.snapshot)
    assert snapshot["statement"].startswith("As Chief Crown Prosecutor for London North I am accountable")
    assert snapshot["opinion"]["opinion"] == "reasonable" and snapshot["opinion"]["chosen"] is None
    assert snapshot["issues"] == [
        {
            "issue": "Custody checks left no evidence",
            "action": "Keep the check sheets",
            "owner": "DCCP",
            "due_on": DUE.isoformat(),
        }
    ]
    text = _pdf_text(certificate.pdf)
    assert "Overall opinion: Reasonable assurance" in text
    assert "As Chief Crown Prosecutor for London North I am accountable" in text
    assert "Custody checks left no evidence" in text and "Owner: DCCP" in text
    # Shown as signed afterwards, and frozen.
    view = queries.view(certificate, today())
    assert not view.live and view.opinion is Opinion.REASONABLE and view.issues[0].owner == "DCCP"
    certificate.issues[0].owner = "Someone else"
    with pytest.raises(FrozenCertificate):
        db.session.flush()
    db.session.rollback()


# One date for the judgement -----------------------------------------------------------------------------------


def test_disclosures_are_judged_at_the_period_end_not_the_signing_date(org):
    """Issue 15: evidence was judged on 31 March while disclosures said "not tested between <a year before today>
    and <today>". Fails without judging the disclosures at the period end."""
    control(org, "weak", title="Diary of time limits")
    view = queries.view(draft(org), today())
    untested = next(g for g in view.disclosures["groups"] if g["kind"] == "untested_controls")["items"]
    (item,) = [i for i in untested if i["text"].startswith("Diary of time limits")]
    assert f"and {long_date(PERIOD.end)}" in item["text"]
    assert long_date(today()) not in item["text"]
    assert view.disclosures["as_of"] == PERIOD.end.isoformat() == view.judged_on.isoformat()


def test_what_happened_after_the_period_end_is_listed_apart_and_not_judged(org):
    risk = RiskFactory(register=org.ln.register, title="Custody cases released", residual_l=5, residual_i=4)
    ReviewFactory(risk=risk, reviewed_on=PERIOD.end - timedelta(days=20), residual_l=2, residual_i=2)
    ReviewFactory(
        risk=risk,
        reviewed_on=PERIOD.end + timedelta(days=40),
        residual_l=5,
        residual_i=4,
        commentary="Two custody time limit failures this quarter",
    )
    tested = control(org, "strong", title="Weekly custody check", risk=risk)
    tested.risk.residual_l = 5
    from tests.factories import ControlTestFactory

    ControlTestFactory(countermeasure=tested, tested_on=PERIOD.end + timedelta(days=50), tester=org.auditor)
    db.session.add(Flag(kind=FlagKind.STAGNANT_SCORE, risk=risk, note="Unchanged", raised_at=utcnow()))
    db.session.add(
        Flag(
            kind=FlagKind.REVIEW_OVERDUE,
            risk=risk,
            note="Late",
            raised_at=datetime.combine(PERIOD.end - timedelta(days=5), time(9)),
        )
    )
    db.session.flush()
    view = queries.view(draft(org), today())
    groups = {g["kind"]: g["items"] for g in view.disclosures["groups"]}
    # As at the period end the risk scored 4 (within appetite): neither it nor the later flag is disclosed.
    assert not [i for i in groups["above_appetite"] if i["ref"] == risk.ref]
    assert groups["open_flags"] == [{"ref": "", "text": "On risks within appetite: review overdue 1"}]
    events = [(e.on, e.label, e.ref) for e in view.since_events]
    assert (PERIOD.end + timedelta(days=40), "Rescored", risk.ref) in events
    assert (PERIOD.end + timedelta(days=40), "Incident", risk.ref) in events
    assert (PERIOD.end + timedelta(days=50), "Control test", risk.ref) in events
    assert (today(), "Flag raised", "") in events
    assert view.since_until == today()


# Pages --------------------------------------------------------------------------------------------------------


def test_the_draft_page_shows_the_statement_opinion_and_issues_and_the_head_changes_them(client, org, sign_in):
    certificate = declare_all(draft(org), org.risk_ln, {0: "none"}, org, Declaration.NOT_ASSURED)
    response, text = _page(client, sign_in, org.head_ln, f"/certificates/{certificate.id}")
    assert "Statement of responsibility As Chief Crown Prosecutor for London North" in text
    assert "Overall opinion No assurance There are fundamental weaknesses" in text
    assert "Record the significant issues and the actions" in text and "Since the period end" in text
    url = f"/certificates/{certificate.id}"
    version = str(certificate.lock_version)
    missing = client.post(f"{url}/opinion", data={"opinion": "limited"})
    assert missing.status_code == 428
    no_reason = client.post(f"{url}/opinion", data={"opinion": "limited", "reason": "", "version": version})
    assert no_reason.status_code == 400 and "give the reason" in no_reason.get_data(as_text=True)
    stale = client.post(f"{url}/opinion", data={"opinion": "limited", "reason": "x", "version": "0"})
    assert stale.status_code == 409 and "changed by someone else" in stale.get_data(as_text=True)
    saved = client.post(
        f"{url}/opinion", data={"opinion": "limited", "reason": "Audit retested it", "version": version}
    )
    assert saved.status_code == 302
    version = str(queries.get_certificate(certificate.id).lock_version)
    issue = {"issue": "Custody failures", "action": "Daily checks", "owner": "Deputy CCP", "version": version}
    bad_date = client.post(f"{url}/issues", data={**issue, "due_on": ["31", "2", "2027"]})
    assert bad_date.status_code == 400
    added = client.post(f"{url}/issues", data={**issue, "due_on": ["30", "9", "2026"]})
    assert added.status_code == 302
    _response, text = _page(client, sign_in, org.head_ln, url)
    assert "Limited assurance" in text and "the head gives limited assurance because: Audit retested it" in text
    assert "Custody failures Daily checks Deputy CCP 30 September 2026" in text
    assert "Record the significant issues" not in text
    # A viewer sees it all and changes nothing.
    response, text = _page(client, sign_in, org.viewer_ln, url)
    assert "Change the overall opinion" not in text and "Add a significant issue" not in text
    assert client.post(f"{url}/issues", data={**issue, "due_on": ["30", "9", "2026"]}).status_code == 403


def test_the_template_statement_is_edited_with_a_version_check(client, org, sign_in):
    sign_in(org.admin)
    page = client.get("/admin/certificate-template/statement")
    assert page.status_code == 200 and "As {title} for {unit}" in page.get_data(as_text=True)
    version = str(certificate_templates.default_template().lock_version)
    text = "As {title} for {unit} I am accountable to the Director."
    assert client.post("/admin/certificate-template/statement", data={"statement": text}).status_code == 428
    saved = client.post("/admin/certificate-template/statement", data={"statement": text, "version": version})
    assert saved.status_code == 302
    # The same page saved again from the old version: someone else's change is not overwritten.
    stale = client.post("/admin/certificate-template/statement", data={"statement": "Mine", "version": version})
    assert stale.status_code == 409 and "changed by someone else" in stale.get_data(as_text=True)
    section = certificate_templates.default_template().sections[0]
    renamed = client.post(
        f"/admin/certificate-template/sections/{section.id}", data={"title": "Renamed", "version": version}
    )
    assert renamed.status_code == 409
    db.session.expire_all()
    template = certificate_templates.default_template()
    assert template.statement == text and template.sections[0].title != "Renamed"
    assert "I am accountable to the Director" in client.get("/admin/certificate-template").get_data(as_text=True)


def test_a_draft_pdf_carries_the_summary_opinion_and_issues(org):
    certificate = declare_all(draft(org), org.risk_ln, {2: "weak"}, org)
    content.add_issue(certificate, "Hate crime flagging untested", "Test it in Q1", "Hate crime lead", DUE, org.risk_ln)
    pdf = documents.render(queries.view(certificate, today()), utcnow())
    first = " ".join(PdfReader(BytesIO(pdf)).pages[0].extract_text().split())
    assert "Overall opinion: Reasonable assurance" in first
    assert "Declarations: 0 not declared · 14 assured · 1 assured with exceptions · 0 not assured" in first
    assert "Exceptions (1)" in first and "1.3 Hate crime cases" in first and "Contents" in first
    assert "Significant issues: 1" in first


def test_a_certificate_signed_before_opinions_shows_the_opinion_its_signed_evidence_supports(org):
    """A snapshot from before this change has sections but no opinion, statement, issues or units."""
    certificate = declare_all(draft(org), org.risk_ln, {}, org)
    workflow.submit(certificate, org.risk_ln)
    workflow.sign(certificate, org.head_ln, PASSWORD)
    old = json.loads(certificate.snapshot)
    for key in ("opinion", "statement", "issues", "units", "since_period_end"):
        old.pop(key)
    # As an older release stored it, loaded into the session only (no UPDATE: a signed snapshot never changes).
    sa.orm.attributes.set_committed_value(certificate, "snapshot", json.dumps(old))
    view = queries.view(certificate, today())
    assert not view.live and view.opinion is Opinion.SUBSTANTIAL and view.proposal.basis
    assert view.statement == "" and view.issues == [] and view.units == [] and view.since_events == []


def test_a_declaration_posted_without_its_version_is_refused_and_changes_nothing(client, org, sign_in):
    certificate = draft(org)
    assertion = certificate.assertions[0]
    sign_in(org.risk_ln)
    url = f"/certificates/{certificate.id}/assertions/{assertion.id}"
    missing = client.post(url, data={"declaration": "assured"})
    assert missing.status_code == 428 and "This form is out of date" in missing.get_data(as_text=True)
    stale = client.post(url, data={"declaration": "assured", "version": str(certificate.lock_version - 1)})
    assert stale.status_code == 409
    db.session.expire_all()
    assert queries.get_certificate(certificate.id).assertions[0].declaration is None
