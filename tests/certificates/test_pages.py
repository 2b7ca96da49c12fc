"""Certificate pages: who may do what, the forms and their GOV.UK errors, downloads, the roll-up, the template."""

import csv
import io
from io import BytesIO

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup
from pypdf import PdfReader

from riskreg.enums import CertificateStatus, Declaration, Role, UnitKind
from riskreg.extensions import db
from riskreg.models import Certificate, TemplateSection
from riskreg.services.certificates import queries, workflow
from riskreg.services.certificates import templates as certificate_templates
from tests.certificates.support import PASSWORD, PERIOD, control, declare_all, draft, signing_ca, test_ca  # noqa: F401
from tests.conftest import count_queries
from tests.factories import UnitFactory, user_with_role

pytestmark = pytest.mark.usefixtures("signing_ca")


@pytest.fixture
def as_user(client, sign_in):
    """Sign in as someone, signing out whoever was signed in before."""

    def _as_user(user):
        client.post("/sign-out")
        return sign_in(user)

    return _as_user


def _soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.data, "html.parser")


def _text(response) -> str:
    return " ".join(_soup(response).select_one("main").get_text(" ", strip=True).split())


def _version(certificate) -> str:
    db.session.refresh(certificate)
    return str(certificate.lock_version)


def _submitted(org, strengths=None, declaration=None):
    certificate = declare_all(draft(org), org.risk_ln, strengths or {}, org, declaration)
    workflow.submit(certificate, org.risk_ln)
    db.session.commit()
    return certificate


# A unit's certificates and preparing one -------------------------------------------------------------------


def test_a_risk_manager_prepares_a_draft_and_a_viewer_cannot(client, org, as_user):
    as_user(org.viewer_ln)
    page = client.get("/units/LN/certificates")
    assert page.status_code == 200 and "Prepare a certificate" not in _text(page)
    assert client.post("/units/LN/certificates", data={"period": PERIOD.label}).status_code == 403
    as_user(org.risk_ln)
    assert "Prepare a certificate" in _text(client.get("/units/LN/certificates"))
    missing = client.post("/units/LN/certificates", data={})
    assert missing.status_code == 400 and "Select the financial year" in _text(missing)
    response = client.post("/units/LN/certificates", data={"period": PERIOD.label})
    assert response.status_code == 302
    certificate = db.session.scalar(sa.select(Certificate).where(Certificate.unit_id == org.ln.id))
    assert response.headers["Location"] == f"/certificates/{certificate.id}"
    again = client.post("/units/LN/certificates", data={"period": PERIOD.label})
    assert again.status_code == 400 and "Select the financial year" in _text(again)
    assert client.get("/units/ZZ/certificates").status_code == 404


def test_the_certificate_page_shows_strengths_problems_and_live_disclosures(client, org, as_user):
    certificate = declare_all(draft(org), org.risk_ln, {0: "weak", 1: "strong"}, org, Declaration.ASSURED)
    as_user(org.viewer_ln)
    page = client.get(f"/certificates/{certificate.id}")
    text = _text(page)
    assert page.status_code == 200
    first = certificate.assertions[0]
    assert f"1 assertion stops this certificate being signed {first.statement} is declared assured" in text
    card = _soup(page).select_one(f"#assertion-{first.id}")
    assert "Weak evidence" in card.get_text(" ", strip=True) and "Cannot be signed as declared" in card.get_text()
    assert "Strong evidence" in _soup(page).select_one(f"#assertion-{certificate.assertions[1].id}").get_text()
    assert "Would be disclosed if signed now" in text and "Controls not tested in the last 12 months (1)" in text
    assert _soup(page).select_one('.govuk-summary-list a[href="/registers/LN"]').get_text() == "London North"
    assert "Declare" not in text and "Submit for signature" not in text  # a viewer only reads
    as_user(org.risk_ln)
    text = _text(client.get(f"/certificates/{certificate.id}"))
    assert "Submit for signature" in text and "Link countermeasures" in text


def test_declaring_needs_a_choice_and_an_explanation_for_an_exception(client, org, as_user):
    certificate = draft(org)
    assertion = certificate.assertions[0]
    url = f"/certificates/{certificate.id}/assertions/{assertion.id}"
    as_user(org.risk_ln)
    empty = client.post(url, data={"version": _version(certificate), "exception_text": ""})
    assert empty.status_code == 400 and "Select a declaration" in _text(empty)
    unexplained = client.post(url, data={"version": _version(certificate), "declaration": "not_assured"})
    assert unexplained.status_code == 400 and "Explain the exception" in _text(unexplained)
    done = client.post(
        url, data={"version": _version(certificate), "declaration": "not_assured", "exception_text": "No check was run"}
    )
    assert done.status_code == 302 and done.headers["Location"].endswith(f"#assertion-{assertion.id}")
    db.session.refresh(assertion)
    assert (assertion.declaration, assertion.exception_text) == (Declaration.NOT_ASSURED, "No check was run")
    stale = client.post(url, data={"version": "1", "declaration": "assured"})
    assert stale.status_code == 409 and "changed by someone else" in _text(stale)
    as_user(org.risk_ls)
    assert client.get(url).status_code == 403


def test_linking_countermeasures_offers_the_units_own_grouped_by_risk(client, org, as_user):
    certificate = draft(org)
    mine, theirs = control(org, "moderate", title="Daily custody check"), control(org, "strong", unit=org.ls)
    url = f"/certificates/{certificate.id}/assertions/{certificate.assertions[0].id}/countermeasures"
    as_user(org.risk_ln)
    page = client.get(url)
    legend = _soup(page).select_one("fieldset legend").get_text(strip=True)
    assert legend == f"{mine.risk.ref} {mine.risk.title}"
    assert "Daily custody check" in _text(page) and "Moderate evidence: Tested effective by management" in _text(page)
    assert _soup(page).select_one(f"#countermeasures-{theirs.id}") is None
    refused = client.post(url, data={"version": _version(certificate), "countermeasures": [str(theirs.id)]})
    assert refused.status_code == 400 and "Select countermeasures from the list" in _text(refused)
    unexplained = client.post(url, data={"version": _version(certificate), "countermeasures": [str(mine.id)]})
    assert unexplained.status_code == 400
    assert "Say why “Daily custody check” supports this assertion" in _text(unexplained)
    reason = "The daily check is how custody time limits are monitored"
    saved = client.post(
        url, data={"version": _version(certificate), "countermeasures": [str(mine.id)], f"reason-{mine.id}": reason}
    )
    assert saved.status_code == 302
    assert [cm.id for cm in queries.get_certificate(certificate.id).assertions[0].countermeasures] == [mine.id]
    assert reason in _text(client.get(url))


# The workflow buttons ---------------------------------------------------------------------------------------


def test_submit_and_withdraw_from_the_page(client, org, as_user):
    certificate = draft(org)
    as_user(org.risk_ln)
    refused = client.post(f"/certificates/{certificate.id}/submit", data={"version": _version(certificate)})
    assert refused.status_code == 400
    assert f"{certificate.assertions[0].statement}: has not been declared" in _text(refused)
    assert _soup(refused).title.string.startswith("Error: ")
    certificate = declare_all(certificate, org.risk_ln, {}, org)
    stale = client.post(f"/certificates/{certificate.id}/submit", data={"version": "1"})
    assert stale.status_code == 409
    submitted = client.post(f"/certificates/{certificate.id}/submit", data={"version": _version(certificate)})
    assert submitted.status_code == 302, _text(submitted)
    assert db.session.get(Certificate, certificate.id).status is CertificateStatus.SUBMITTED
    assert (
        client.post(f"/certificates/{certificate.id}/withdraw", data={"version": _version(certificate)}).status_code
        == 302
    )
    assert db.session.get(Certificate, certificate.id).status is CertificateStatus.DRAFT


def test_the_sign_button_is_csrf_protected(app, client, org, as_user, monkeypatch):
    certificate = _submitted(org)
    as_user(org.head_ln)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    response = client.post(f"/certificates/{certificate.id}/sign", data={"password": PASSWORD, "version": "1"})
    assert response.status_code == 400
    assert db.session.get(Certificate, certificate.id).status is CertificateStatus.SUBMITTED


def test_signing_is_refused_to_a_risk_manager_and_another_units_head(client, org, as_user):
    certificate = _submitted(org)
    for who in (org.risk_ln, org.head_ls, org.auditor):
        as_user(who)
        assert client.get(f"/certificates/{certificate.id}/sign").status_code == 403
        response = client.post(
            f"/certificates/{certificate.id}/sign", data={"version": _version(certificate), "password": PASSWORD}
        )
        assert response.status_code == 403
    assert "Sign the certificate" not in _text(client.get(f"/certificates/{certificate.id}"))
    assert db.session.get(Certificate, certificate.id).status is CertificateStatus.SUBMITTED


def test_a_wrong_password_is_refused_on_the_page(client, org, as_user):
    certificate = _submitted(org)
    as_user(org.head_ln)
    response = client.post(
        f"/certificates/{certificate.id}/sign", data={"version": _version(certificate), "password": "not it"}
    )
    assert response.status_code == 400 and "The password is not correct" in _text(response)
    empty = client.post(f"/certificates/{certificate.id}/sign", data={"version": _version(certificate)})
    assert empty.status_code == 400 and "Enter your password" in _text(empty)
    assert db.session.get(Certificate, certificate.id).status is CertificateStatus.SUBMITTED


def test_repeated_wrong_passwords_are_throttled(client, org, as_user):
    certificate = _submitted(org)
    as_user(org.head_ln)
    url = f"/certificates/{certificate.id}/sign"
    for _attempt in range(5):
        assert client.post(url, data={"version": _version(certificate), "password": "guess"}).status_code == 400
    throttled = client.post(url, data={"version": _version(certificate), "password": PASSWORD})
    assert throttled.status_code == 429
    assert db.session.get(Certificate, certificate.id).status is CertificateStatus.SUBMITTED


def test_signing_a_weak_assured_assertion_is_refused_with_a_link_to_fix_it(client, org, as_user):
    certificate = _submitted(org, {2: "limited"}, Declaration.ASSURED)
    weak = certificate.assertions[2]
    as_user(org.head_ln)
    response = client.post(
        f"/certificates/{certificate.id}/sign", data={"version": _version(certificate), "password": PASSWORD}
    )
    assert response.status_code == 400
    summary = _soup(response).select_one(".govuk-error-summary")
    assert "This certificate cannot be signed yet" in summary.get_text()
    link = summary.select_one("a")
    assert link.get_text(strip=True).startswith(weak.statement) and "not strong enough" in link.get_text()
    assert link["href"] == f"/certificates/{certificate.id}/assertions/{weak.id}"
    assert _soup(response).title.string.startswith("Error: ")
    assert db.session.get(Certificate, certificate.id).status is CertificateStatus.SUBMITTED


def test_the_head_signs_and_the_download_is_the_stored_pdf(client, org, as_user):
    certificate = _submitted(org)
    as_user(org.head_ln)
    assert client.get(f"/certificates/{certificate.id}/sign").status_code == 200
    response = client.post(
        f"/certificates/{certificate.id}/sign", data={"version": _version(certificate), "password": PASSWORD}
    )
    assert response.status_code == 302
    stored = db.session.get(Certificate, certificate.id)
    assert stored.status is CertificateStatus.SIGNED
    as_user(org.viewer_ln)
    download = client.get(f"/certificates/{certificate.id}.pdf")
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    assert download.data == stored.pdf
    assert "attachment" in download.headers["Content-Disposition"]
    page = _text(client.get(f"/certificates/{certificate.id}"))
    assert stored.content_sha256 in page and "Awaiting validation by internal audit" in page
    assert "Automatic disclosures" in page and "Download the signed PDF" in page


def test_a_draft_downloads_printed_now_and_marked_draft(client, org, as_user):
    certificate = draft(org)
    as_user(org.viewer_ln)
    download = client.get(f"/certificates/{certificate.id}.pdf")
    assert download.status_code == 200
    assert "DRAFT – not signed" in PdfReader(BytesIO(download.data)).pages[0].extract_text()


def test_internal_audit_validates_and_the_unit_corrects(client, org, as_user):
    certificate = _submitted(org)
    workflow.sign(certificate, org.head_ln, PASSWORD)
    db.session.commit()
    as_user(org.hq_risk)
    assert client.get(f"/certificates/{certificate.id}/validate").status_code == 403
    as_user(org.auditor)
    missing = client.post(f"/certificates/{certificate.id}/validate", data={"version": _version(certificate)})
    assert missing.status_code == 400 and "Select validated or challenged" in _text(missing)
    assert "Enter your notes" in _text(missing)
    challenge = {"version": _version(certificate), "outcome": "challenged", "notes": "Explain 2.1"}
    done = client.post(f"/certificates/{certificate.id}/validate", data=challenge)
    assert done.status_code == 302
    page = _text(client.get(f"/certificates/{certificate.id}"))
    assert "Challenged by Internal Auditor" in page and "Explain 2.1" in page
    as_user(org.risk_ln)
    corrected = client.post(f"/certificates/{certificate.id}/correct", data={"version": _version(certificate)})
    assert corrected.status_code == 302
    correction = db.session.scalar(sa.select(Certificate).where(Certificate.supersedes_id == certificate.id))
    assert corrected.headers["Location"] == f"/certificates/{correction.id}"
    assert "A correction is being prepared" in _text(client.get(f"/certificates/{certificate.id}"))


def test_a_signed_certificate_cannot_be_edited_from_its_forms(client, org, as_user):
    certificate = _submitted(org)
    workflow.sign(certificate, org.head_ln, PASSWORD)
    db.session.commit()
    as_user(org.risk_ln)
    url = f"/certificates/{certificate.id}/assertions/{certificate.assertions[0].id}"
    response = client.post(
        url,
        data={"version": _version(certificate), "declaration": "not_assured", "exception_text": "Rewriting history"},
    )
    assert response.status_code == 409 and "start a correction" in _text(response)
    assert db.session.get(Certificate, certificate.id).assertions[0].exception_text != "Rewriting history"


# HQ roll-up -------------------------------------------------------------------------------------------------------


def test_the_roll_up_is_for_hq_roles_and_downloads_as_csv(client, org, as_user):
    certificate = _submitted(org, {0: "weak", 3: "none"})
    workflow.sign(certificate, org.head_ln, PASSWORD)
    draft(org, org.ls, org.risk_ls)
    as_user(org.viewer_ln)
    assert client.get("/certificates").status_code == 403 and client.get("/certificates.csv").status_code == 403
    as_user(org.committee)
    page = client.get("/certificates")
    rows = {row.th.get_text(strip=True): row.get_text(" ", strip=True) for row in _soup(page).select("tbody tr")}
    assert "Signed" in rows["London North"] and "2 of 15" in rows["London North"]
    assert "None evidence" in rows["London North"] and "Awaiting" in rows["London North"]
    assert "Draft" in rows["London South"] and "Not started" in rows["Headquarters"]
    download = client.get(f"/certificates.csv?period={PERIOD.label}")
    table = list(csv.DictReader(io.StringIO(download.data.decode())))
    london_north = next(row for row in table if row["Unit code"] == "LN")
    assert (london_north["Status"], london_north["Exceptions"], london_north["Weakest evidence"]) == (
        "signed",
        "2",
        "none",
    )
    assert london_north["PDF SHA-256"] == certificate.content_sha256
    assert london_north["Weakest sections"] == certificate.sections[1].title
    assert london_north["Contradicted since signing"] == "0"
    assert london_north["Self-assessment not confirmed"] == "No 1st-line conclusion of effective"
    assert next(row for row in table if row["Unit code"] == "HQ")["Status"] == "not started"


def test_csv_cells_cannot_become_formulas(client, org, as_user):
    UnitFactory(code="EVIL", name='=HYPERLINK("http://x")', parent=org.hq)
    as_user(org.hq_risk)
    text = client.get("/certificates.csv").data.decode()
    assert "'=HYPERLINK" in text


# The template ----------------------------------------------------------------------------------------------------


def _template_version() -> str:
    return str(certificate_templates.default_template().lock_version)


def test_only_administrators_edit_the_template(client, org, as_user):
    as_user(org.hq_risk)
    assert client.get("/admin/certificate-template").status_code == 403
    as_user(org.admin)
    page = client.get("/admin/certificate-template")
    assert page.status_code == 200 and "Areas of high operational risk" in _text(page)

    def post(url, **data):
        return client.post(f"/admin/certificate-template{url}", data={**data, "version": _template_version()})

    assert post("/sections/new", title="").status_code == 400
    assert post("/sections/new", title="Counter fraud").status_code == 302
    section = db.session.scalar(sa.select(TemplateSection).where(TemplateSection.title == "Counter fraud"))
    assert post(f"/sections/{section.id}/assertions/new", statement="Fraud risks were assessed").status_code == 302
    assertion = section.assertions[0]
    assert post(f"/assertions/{assertion.id}", statement="Fraud risks were assessed twice").status_code == 302
    assert "Fraud risks were assessed twice" in _text(client.get("/admin/certificate-template"))
    confirm = client.get(f"/admin/certificate-template/assertions/{assertion.id}/delete")
    assert confirm.status_code == 200 and "Remove this assertion" in _text(confirm)
    assert post(f"/assertions/{assertion.id}/delete").status_code == 302
    assert post(f"/sections/{section.id}/delete").status_code == 302
    titles = _soup(client.get("/admin/certificate-template")).select(".govuk-summary-card__title")
    assert len(titles) == 9 and not [title for title in titles if "Counter fraud" in title.get_text()]
    assert len(certificate_templates.default_template().sections) == 9


# Query counts -------------------------------------------------------------------------------------------------------


def _page_queries(client, url) -> int:
    with count_queries() as statements:
        assert client.get(url).status_code == 200
    return len(statements)


def test_the_certificate_page_runs_the_same_queries_however_much_it_shows(client, org, as_user):
    small = declare_all(draft(org), org.risk_ln, {}, org)
    large = declare_all(draft(org, org.ls, org.risk_ls), org.risk_ls, {}, org)
    for assertion in large.assertions:
        extra = {control(org, strength, unit=org.ls).id for strength in ("moderate", "limited", "none")}
        workflow.link_countermeasures(assertion, extra | {cm.id for cm in assertion.countermeasures}, org.risk_ls)
    db.session.commit()
    as_user(org.viewer_ln)
    assert _page_queries(client, f"/certificates/{small.id}") == _page_queries(client, f"/certificates/{large.id}")


def test_the_roll_up_runs_the_same_queries_however_many_units(client, org, as_user):
    as_user(org.hq_risk)
    declare_all(draft(org), org.risk_ln, {}, org)
    few = _page_queries(client, "/certificates")
    for number in range(4):
        unit = UnitFactory(code=f"X{number}", name=f"Extra area {number}", kind=UnitKind.AREA, parent=org.hq)
        manager = user_with_role(Role.RISK_MANAGER, unit)
        declare_all(draft(org, unit, manager), manager, {}, org)
    assert _page_queries(client, "/certificates") == few
