"""Journey: internal audit records an ineffective test on a control a signed certificate relies on, and the alert
reaches the head who signed it. Every page checked with axe-core."""

import pytest
import sqlalchemy as sa

from riskreg.enums import CountermeasureStatus, Declaration, RiskStatus
from riskreg.extensions import db
from riskreg.models import Certificate, Contradiction
from riskreg.services.certificates import queries, reliance

pytestmark = pytest.mark.browser


def _relied_on_control(app) -> dict:
    """A control in place on an open risk that an assertion signed as assured relies on, not yet contradicted."""
    with app.app_context():
        contradicted = set(db.session.scalars(sa.select(Contradiction.assertion_id)))
        standing = sa.select(Certificate.id).where(Certificate.status.in_(reliance.STANDING)).order_by(Certificate.id)
        for certificate_id in db.session.scalars(standing):
            certificate = queries.get_certificate(certificate_id)
            for assertion in certificate.assertions:
                if assertion.declaration is not Declaration.ASSURED or assertion.id in contradicted:
                    continue
                for countermeasure in assertion.countermeasures:
                    risk = countermeasure.risk
                    if countermeasure.status is CountermeasureStatus.IN_PLACE and risk.status is RiskStatus.OPEN:
                        found = reliance.Reliance(certificate, assertion, countermeasure.id)
                        return {
                            "ref": risk.ref,
                            "relied_on": found.text,
                            "signer": certificate.signed_by.email,
                            "countermeasure_id": countermeasure.id,
                        }
    raise AssertionError("the demo has no control relied on by an assertion signed as assured")


def test_an_ineffective_test_on_a_relied_on_control_reaches_the_signer(visitor, live_server):
    found = _relied_on_control(live_server.app)
    visitor.sign_in("auditor@example.org")
    visitor.goto(f"/risks/{found['ref']}")
    assert f"Relied on by {found['relied_on']}" in visitor.page.locator("#relied-on").first.inner_text()
    visitor.goto(f"/risks/{found['ref']}/countermeasures/{found['countermeasure_id']}")
    assert found["relied_on"] in visitor.page.locator("#relied-on").inner_text()
    visitor.follow("Record a control test")

    page = visitor.page
    page.get_by_label("3rd line: internal audit").check()
    page.get_by_label("Re-performance").check()
    page.get_by_label("Sample size").fill("25")
    page.get_by_label("Exceptions found").fill("7")
    page.get_by_label("Exceptions tolerated").fill("1")
    page.get_by_label("Ineffective", exact=True).check()
    page.get_by_label("What the test found").fill("Seven of 25 cases re-performed missed the check.")
    visitor.follow("Record test", role="button")
    assert "Control test recorded" in page.locator(".govuk-notification-banner--success").inner_text()
    visitor.sign_out()

    visitor.sign_in(found["signer"])
    banner = page.locator(".govuk-notification-banner", has_text="Assurance contradicted").inner_text()
    assert found["ref"] in banner and "tested ineffective by internal audit (3rd line)" in banner
    with visitor.navigate():
        page.locator(".govuk-notification-banner", has_text="Assurance contradicted").get_by_role(
            "link", name=found["relied_on"].split(", assertion")[0], exact=False
        ).last.click()
    after = page.locator("#after-signing ~ table").first.inner_text()
    assert "Relied-on control tested ineffective" in after and found["ref"] in after
