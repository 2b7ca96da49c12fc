"""The demo shows evidence that means something: relevant controls, a contradicted assertion, calibration."""

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from riskreg.clock import today
from riskreg.demo import content
from riskreg.demo.certificates import TOPICS
from riskreg.enums import CertificateStatus, ContradictionKind, Declaration
from riskreg.extensions import db
from riskreg.models import Certificate, Contradiction, Countermeasure, Risk, Unit, User
from riskreg.services.assurance import calibration
from riskreg.services.certificates import queries, reliance


def _sign_in(client, email: str) -> None:
    from riskreg.demo import DEMO_PASSWORD

    response = client.post("/sign-in", data={"email": email, "password": DEMO_PASSWORD})
    assert response.status_code == 302


def test_no_validated_certificate_rests_an_assertion_on_an_unrelated_control(demo):
    validated = db.session.scalars(sa.select(Certificate).where(Certificate.status == CertificateStatus.VALIDATED))
    checked = 0
    for certificate in validated:
        certificate = queries.get_certificate(certificate.id)
        reasons = reliance.link_reasons(a.id for a in certificate.assertions)
        for assertion in certificate.assertions:
            words = next(found for topic, found in TOPICS if topic.lower() in assertion.statement.lower())
            for countermeasure in assertion.countermeasures:
                assert any(word in countermeasure.title.lower() for word in words), (
                    assertion.statement,
                    countermeasure.title,
                )
                assert reasons[(assertion.id, countermeasure.id)].strip()
                checked += 1
    assert checked >= 3


def test_demo_controls_fit_their_risks(demo):
    rows = db.session.execute(sa.select(Countermeasure.title, Risk.title, Risk.cause, Risk.event).join(Risk)).all()
    assert rows
    for title, *risk_text in rows:
        words = content.CONTROL_FITS.get(title)
        if words:
            assert any(word in " ".join(risk_text).lower() for word in words), (title, risk_text)
    assert all(db.session.scalars(sa.select(Countermeasure.frequency)))


def test_the_contradicted_assertion_shows_on_its_certificate_page_in_the_rollup_and_home(demo, client):
    contradiction = db.session.scalar(
        sa.select(Contradiction).options(joinedload(Contradiction.certificate).joinedload(Certificate.signed_by))
    )
    assert contradiction is not None and contradiction.kind is ContradictionKind.INEFFECTIVE_TEST
    certificate = contradiction.certificate
    assert certificate.status in reliance.STANDING
    assert contradiction.assertion.declaration is Declaration.ASSURED
    signed_pdf = certificate.content_sha256

    _sign_in(client, "auditor@example.org")
    page = client.get(f"/certificates/{certificate.id}").get_data(as_text=True)
    assert "Assurance contradicted" in page and contradiction.summary in page
    rollup = client.get(f"/certificates?period={certificate.period}").get_data(as_text=True)
    assert "1 contradicted" in rollup
    assert contradiction.summary in client.get("/").get_data(as_text=True)  # internal audit's alert
    client.post("/sign-out")
    _sign_in(client, certificate.signed_by.email)
    assert contradiction.summary in client.get("/").get_data(as_text=True)  # the signer's alert
    assert db.session.get(Certificate, certificate.id).content_sha256 == signed_pdf  # the signed PDF never changes


def test_the_generous_area_shows_in_the_calibration_figures_on_the_map(demo, client):
    figures = calibration.by_unit(until=today())
    generous = db.session.scalar(sa.select(Unit).where(Unit.code == "MC"))
    others = [f.share for unit_id, f in figures.items() if unit_id != generous.id and f.share is not None]
    assert figures[generous.id].checked >= 5
    assert figures[generous.id].share >= 0.8 and figures[generous.id].share > max(others) + 0.15

    viewer = db.session.scalar(sa.select(User).where(User.email == "auditor@example.org"))
    _sign_in(client, viewer.email)
    page = client.get("/registers/MC/assurance").get_data(as_text=True)
    assert "Calibration of self-assessment" in page and figures[generous.id].text in page
