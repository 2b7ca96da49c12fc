"""Shared set-up for the certificate tests: a CA of their own, controls of each evidence strength, a draft."""

import hashlib
import json
from datetime import timedelta

import pytest
import sqlalchemy as sa

from riskreg.clock import today
from riskreg.enums import AssuranceLine, Conclusion, CountermeasureStatus, Declaration, EvidenceKind
from riskreg.extensions import db
from riskreg.pdf import signing
from riskreg.rules import certificates as rules
from riskreg.services import figures
from riskreg.services.certificates import queries, workflow
from tests import factories
from tests.factories import ControlTestFactory, CountermeasureFactory, EvidenceFactory, RiskFactory

PERIOD = rules.certifying_period(today())
PASSWORD = factories.PASSWORD  # every test user's
# The year's last day: inside the year, and still "tested in the last 12 months" on every day PERIOD is the year
# being certified. 40 days earlier, the live disclosures counted it untested from mid-February to March.
TESTED_ON = PERIOD.end
EARLIER_TEST = PERIOD.end - timedelta(days=200)  # two quarters earlier
L1, L2, L3, L4 = AssuranceLine


@pytest.fixture(scope="session")
def test_ca(tmp_path_factory) -> signing.SigningConfig:
    return signing.create_demo_ca(tmp_path_factory.mktemp("certificates-ca"))


@pytest.fixture
def signing_ca(app, test_ca, monkeypatch) -> signing.SigningConfig:
    """Signing configured with the tests' own CA."""
    monkeypatch.setitem(app.config, "RISKREG_SIGNING_KEY", str(test_ca.key_path))
    monkeypatch.setitem(app.config, "RISKREG_SIGNING_CERT", str(test_ca.cert_path))
    monkeypatch.setitem(app.config, "RISKREG_SIGNING_TRUST_ROOTS", [str(p) for p in test_ca.trust_root_paths])
    monkeypatch.setitem(app.config, "RISKREG_SIGNING_CA_KEY", str(test_ca.ca_key_path))
    monkeypatch.setitem(app.config, "RISKREG_SIGNING_CA_CERT", str(test_ca.ca_cert_path))
    return test_ca


def file_evidence(test, name="sample.csv"):
    data = f"item,result\n1,pass\n{name}\n".encode()
    return EvidenceFactory(
        kind=EvidenceKind.FILE,
        title=f"Sample sheet {name}",
        source="",
        uploaded_by=test.tester,
        dated_on=test.tested_on,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        content_type="text/csv",
        filename=name,
        control_tests=[test],
    )


def control(org, strength: str, unit=None, title=None, risk=None):
    """A countermeasure of the unit's register whose evidence for PERIOD has ``strength``."""
    unit = unit or org.ln
    risk = risk or RiskFactory(register=unit.register, owner=org.risk_ln, title=f"Risk behind a {strength} control")
    status = CountermeasureStatus.PLANNED if strength == "planned" else CountermeasureStatus.IN_PLACE
    countermeasure = CountermeasureFactory(risk=risk, title=title or f"A {strength} control", status=status)
    setups = {
        "strong": (org.auditor, L3, Conclusion.EFFECTIVE, True),
        "moderate": (org.risk_ln, L1, Conclusion.EFFECTIVE, True),
        "limited": (org.risk_ln, L1, Conclusion.EFFECTIVE, False),
        "none": (org.auditor, L3, Conclusion.INEFFECTIVE, True),
    }
    if strength in setups:
        tester, line, conclusion, with_file = setups[strength]
        # An earlier test in another quarter: "throughout the year" needs tests in at least two (rule 4.5).
        ControlTestFactory(
            countermeasure=countermeasure, tested_on=EARLIER_TEST, tester=tester, line=line, conclusion=conclusion
        )
        test = ControlTestFactory(
            countermeasure=countermeasure, tested_on=TESTED_ON, tester=tester, line=line, conclusion=conclusion
        )
        if with_file:
            file_evidence(test, f"{strength}-{countermeasure.id}.csv")
    return countermeasure


def draft(org, unit=None, preparer=None):
    unit = unit or org.ln
    certificate = workflow.prepare_draft(unit, PERIOD.label, preparer or org.risk_ln)
    db.session.commit()  # only a savepoint (see conftest): a later refused request must not roll it back
    return queries.get_certificate(certificate.id)


def declare_all(certificate, actor, strengths_by_position: dict[int, str], org, declaration=None):
    """Link each assertion (in order) to a control of the given strength (default strong) and declare it:
    assured when the evidence allows, otherwise with an exception."""
    with figures.deferred():  # 15 controls' risks, one count of their register's figures
        for index, assertion in enumerate(certificate.assertions):
            strength = strengths_by_position.get(index, "strong")
            cm = control(org, strength, unit=certificate.unit)
            workflow.link_countermeasures(assertion, {cm.id}, actor)
            chosen = declaration or (
                Declaration.ASSURED if strength in ("strong", "moderate") else Declaration.ASSURED_WITH_EXCEPTIONS
            )
            text = "" if chosen is Declaration.ASSURED else "Two custody cases were missed; a daily check now runs"
            workflow.declare(assertion, chosen, text, actor)
    db.session.commit()
    return queries.get_certificate(certificate.id)


def signed_stub(unit):
    """A signed certificate written directly, with a stand-in PDF: for tests about who may reach a certificate's
    pages (the access sweep), where a real signature would only cost time."""
    from riskreg.clock import utcnow
    from riskreg.enums import CertificateStatus, EvidenceStrength
    from riskreg.models import Assertion, Certificate, CertificateSection
    from tests.factories import UserFactory

    version = 1 + db.session.scalar(
        sa.select(sa.func.count()).select_from(Certificate).where(Certificate.unit_id == unit.id)
    )
    disclosed = {"as_of": today().isoformat(), "groups": []}
    snapshot = json.dumps(
        {"judged_on": PERIOD.end.isoformat(), "sections": [], "countermeasures": [], "disclosures": disclosed},
        sort_keys=True,
    )
    certificate = Certificate(
        unit=unit,
        period=PERIOD.label,
        version=version,
        status=CertificateStatus.SIGNED,
        signed_by=UserFactory(name="Stub Signer"),
        signed_at=utcnow(),
        snapshot=snapshot,
        snapshot_sha256=hashlib.sha256(snapshot.encode()).hexdigest(),
        pdf=b"%PDF-1.7 stand-in",
        content_sha256=hashlib.sha256(b"%PDF-1.7 stand-in").hexdigest(),
        disclosures=disclosed,
    )
    section = CertificateSection(position=1, title="Areas of high operational risk")
    section.assertions = [
        Assertion(
            position=1,
            statement="Controls operated effectively",
            exception_text="",
            declaration=Declaration.ASSURED,
            signed_strength=EvidenceStrength.STRONG,
            signed_reason="Tested effective",
        )
    ]
    certificate.sections.append(section)
    db.session.add(certificate)
    db.session.commit()
    return certificate
