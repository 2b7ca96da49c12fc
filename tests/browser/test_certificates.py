"""Journeys through certificates of assurance, every page checked with axe-core: the demo's area head gives an
opinion and a significant issue, fixes the weakly evidenced assertions, submits and signs; internal audit
validates from the HQ roll-up; the template."""

from io import BytesIO

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pypdf import PdfReader

from riskreg.clock import today
from riskreg.rules.certificates import certifying_period

pytestmark = pytest.mark.browser
PERIOD = certifying_period(today()).label  # the demo's certificates are for the last complete financial year


def _fix_each_problem(visitor) -> int:
    """Follow each "Fix it" link on the sign page and declare that assertion with an exception."""
    fixed = 0
    while visitor.page.locator("#problems a").count():
        with visitor.navigate():
            visitor.page.locator("#problems a").first.click()
        assert "needs at least moderate evidence" in visitor.page.inner_text("main")
        visitor.page.get_by_label("Assured with exceptions").check()
        visitor.page.get_by_label("Explain the exception").fill("Not tested this year; a first-line test is booked.")
        visitor.follow("Save the declaration", role="button")
        assert "Declaration saved" in visitor.page.locator(".govuk-notification-banner--success").inner_text()
        visitor.follow("Sign the certificate")
        fixed += 1
    return fixed


def test_the_area_head_fixes_the_weak_assertions_and_signs(visitor):
    visitor.sign_in("head.ln@example.org")
    visitor.goto("/registers/LN")
    visitor.follow("Certificates of assurance for London North")
    visitor.follow(PERIOD, exact=False)
    assert visitor.heading().startswith("Certificate of assurance")
    assert "2 assertions stop this certificate being signed" in visitor.page.inner_text("main")
    assert "As Chief Crown Prosecutor for London North I am accountable" in visitor.page.inner_text("#main-content")

    # The custody assertion cites the custody time limit failures measure, outside tolerance in October (issue 19).
    custody = visitor.page.locator(".govuk-summary-card", has_text="Controls over custody time limits")
    assert "Contradicts: outside tolerance" in custody.inner_text()
    visitor.follow(
        "Cite measures", within=".govuk-summary-card:has-text('Controls over custody time limits')", exact=False
    )
    assert visitor.page.get_by_label("Custody time limit failures").is_checked()
    visitor.follow("Save the measures", role="button")
    assert "Measures saved" in visitor.page.locator(".govuk-notification-banner--success").inner_text()

    # What the head certifies: an opinion other than the one proposed needs a reason; a significant issue.
    visitor.follow("Change the overall opinion")
    visitor.page.get_by_label("Limited", exact=True).check()
    visitor.follow("Save the opinion", role="button")
    assert "give the reason" in visitor.error_summary()
    visitor.page.get_by_label("Why a different opinion").fill("Audit retested the custody checks in April.")
    visitor.follow("Save the opinion", role="button")
    assert "Limited assurance" in visitor.page.inner_text("#opinion ~ p")
    visitor.follow("Add a significant issue")
    visitor.page.get_by_label("Significant issue").fill("Two custody time limit failures in the year.")
    visitor.page.get_by_label("Action").fill("Daily diary checks by the deputy.")
    visitor.page.get_by_label("Owner").fill("Deputy Chief Crown Prosecutor")
    visitor.page.get_by_label("Day").fill("30")
    visitor.page.get_by_label("Month").fill("9")
    visitor.page.get_by_label("Year").fill(str(today().year + 1))
    visitor.follow("Add the issue", role="button")
    assert "Daily diary checks by the deputy." in visitor.page.inner_text("#issues ~ table")

    visitor.follow("Link countermeasures to assertion 1.1", exact=False)
    assert visitor.heading() == "Which countermeasures support this assertion?"
    visitor.follow("Save the countermeasures", role="button")

    visitor.follow("Submit for signature", role="button")
    assert "Certificate submitted" in visitor.page.locator(".govuk-notification-banner--success").inner_text()
    visitor.follow("Sign the certificate")
    visitor.page.get_by_label("Your password").fill("riskreg-demo-2026")
    visitor.follow("Sign the certificate", role="button")
    assert "This certificate cannot be signed yet" in visitor.error_summary()
    assert _fix_each_problem(visitor) == 2

    visitor.follow("Sign the certificate", role="button")
    assert "Enter your password" in visitor.error_summary()
    visitor.page.get_by_label("Your password").fill("not my password")
    visitor.follow("Sign the certificate", role="button")
    assert "The password is not correct" in visitor.error_summary()
    visitor.page.get_by_label("Your password").fill("riskreg-demo-2026")
    visitor.follow("Sign the certificate", role="button")
    assert "Certificate signed" in visitor.page.locator(".govuk-notification-banner--success").inner_text()
    assert "Automatic disclosures" in visitor.page.inner_text("main")

    with visitor.page.expect_download() as download:
        visitor.page.get_by_role("link", name="Download the signed PDF").click()
    with open(download.value.path(), "rb") as pdf:
        content = pdf.read()
    assert "snapshot.json" in PdfReader(BytesIO(content)).attachments
    (signature,) = PdfFileReader(BytesIO(content)).embedded_signatures
    assert signature.sig_object["/Name"] == "Helen Okafor"
    # Her own certificate, issued by the demo CA as she signed, names her and her title.
    subject = signature.signer_cert.subject.native
    assert subject["common_name"] == "Helen Okafor" and subject["title"] == "Chief Crown Prosecutor, London North"


def test_internal_audit_challenges_from_the_roll_up(visitor):
    visitor.sign_in("auditor@example.org")
    visitor.follow("Certificates", within="nav")
    assert visitor.heading() == f"Certificates of assurance {PERIOD}"
    visitor.follow("Signed certificate of Yorkshire and Humberside")
    visitor.follow("Validate or challenge")
    visitor.follow("Record the conclusion", role="button")
    summary = visitor.error_summary()
    assert "Select validated or challenged" in summary and "Enter your notes" in summary
    visitor.page.get_by_label("Challenged").check()
    visitor.page.get_by_label("Notes").fill("Two exceptions do not say who owns the action.")
    visitor.follow("Record the conclusion", role="button")
    assert "Two exceptions do not say who owns the action." in visitor.page.inner_text("main")


def test_an_administrator_edits_the_certificate_template(visitor):
    visitor.sign_in("admin@example.org")
    visitor.follow("Certificates", within="nav")
    visitor.follow("Edit the certificate template")
    visitor.follow("Add a section")
    visitor.follow("Save the section", role="button")
    assert "Enter the section title" in visitor.error_summary()
    visitor.page.get_by_label("Section title").fill("Counter fraud")
    visitor.follow("Save the section", role="button")
    visitor.follow("Remove section Counter fraud")
    assert "Remove the section “Counter fraud”?" in visitor.heading()
    visitor.follow("Remove", role="button")
    assert "Counter fraud" not in visitor.page.locator(".govuk-summary-card__title").all_inner_texts()
