"""The governance statement's assurance paragraph drafted from the signed certificates (issue 15): exceptions
grouped by assertion across units, as a page and as a DOCX read back with python-docx."""

from io import BytesIO

import docx
import pytest

from riskreg.enums import Declaration
from riskreg.extensions import db
from riskreg.services.certificates import governance, workflow
from tests.certificates.support import PASSWORD, PERIOD, declare_all, draft, signing_ca, test_ca  # noqa: F401

pytestmark = pytest.mark.usefixtures("signing_ca")
CUSTODY = "Controls over custody time limits operated effectively throughout the year"
DISCLOSURE = "Disclosure obligations were met in the cases sampled"


def _signed(org, unit, preparer, head, strengths):
    certificate = declare_all(draft(org, unit, preparer), preparer, strengths, org)
    workflow.submit(certificate, preparer)
    workflow.sign(certificate, head, PASSWORD)
    db.session.commit()
    return certificate


@pytest.fixture
def signed_two(org):
    _signed(org, org.ln, org.risk_ln, org.head_ln, {0: "weak", 1: "limited"})
    ls = _signed(org, org.ls, org.risk_ls, org.head_ls, {0: "none"})
    # London South says "not assured" for custody time limits; London North assures it with an exception.
    assertion = ls.assertions[0]
    assert assertion.statement == CUSTODY and assertion.declaration is Declaration.ASSURED_WITH_EXCEPTIONS
    return org


def test_exceptions_are_grouped_by_assertion_across_units_with_counts_and_names(signed_two):
    result = governance.draft(PERIOD)
    assert result.signed == ["London North", "London South"] and "Headquarters" in " ".join(result.unsigned)
    (custody, disclosure) = result.groups
    assert (custody.statement, custody.count, custody.units) == (CUSTODY, 2, ["London North", "London South"])
    assert (disclosure.statement, disclosure.count, disclosure.units) == (DISCLOSURE, 1, ["London North"])
    assert governance.group_sentence(custody) == (
        f"“{CUSTODY}”: 2 units, assured with exceptions by London North, London South."
    )
    assert result.exception_count == 3
    assert "The signed certificates declared 3 exceptions against 2 assertions" in result.paragraphs()[1]


def test_the_draft_downloads_as_a_docx_that_opens_and_as_a_page(client, signed_two, sign_in):
    org = signed_two
    sign_in(org.viewer_ln)
    assert client.get(f"/certificates/governance-statement.docx?period={PERIOD.label}").status_code == 403
    client.post("/sign-out")
    sign_in(org.hq_risk)
    response = client.get(f"/certificates/governance-statement.docx?period={PERIOD.label}")
    assert response.status_code == 200 and response.mimetype == governance.DOCX_TYPE
    assert f"governance-statement-{PERIOD.label}.docx" in response.headers["Content-Disposition"]
    document = docx.Document(BytesIO(response.data))
    texts = [paragraph.text for paragraph in document.paragraphs]
    assert texts[0] == f"Governance statement {PERIOD.label}: assurance (draft)"
    assert any("2 of 3 signed a certificate of assurance" in text for text in texts)
    bullets = [p.text for p in document.paragraphs if p.style.name == "List Bullet"]
    assert bullets[0] == f"“{CUSTODY}”: 2 units, assured with exceptions by London North, London South."
    assert document.core_properties.title.startswith(f"Governance statement {PERIOD.label}")
    page = client.get(f"/certificates/governance-statement?period={PERIOD.label}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "2 of 3 signed a certificate of assurance" in text
    assert "Download the draft as a Word document (DOCX)" in text and DISCLOSURE in text
    assert "Draft the governance statement" in client.get(f"/certificates?period={PERIOD.label}").get_data(as_text=True)
