"""The demo organisation's control tests: each line over two years, ineffective and untested controls."""

import hashlib

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from riskreg.clock import today
from riskreg.enums import AssuranceLine, Conclusion, EvidenceKind, EvidenceStrength
from riskreg.extensions import db
from riskreg.models import ControlTest, Countermeasure, Evidence, Register, Risk, Unit
from riskreg.policy import assurance_lines
from riskreg.rules import uploads
from riskreg.services.assurance import control_tests
from riskreg.services.assurance import evidence as evidence_service
from riskreg.services.assurance import map as assurance_map
from riskreg.services.audit import trail as audit


def test_demo_control_tests_and_evidence(demo):
    # Determinism, evidence files included, is checked in tests/test_demo.py.
    lines = dict(db.session.execute(sa.select(ControlTest.line, sa.func.count()).group_by(ControlTest.line)).all())
    assert set(lines) == set(AssuranceLine) and all(count >= 20 for count in lines.values())
    dates = sa.select(sa.func.min(ControlTest.tested_on), sa.func.max(ControlTest.tested_on))
    oldest, newest = db.session.execute(dates).one()
    assert (today() - oldest).days > 600 and newest <= today()

    # Every test was recorded by someone the policy lets record that line.
    tests = db.session.scalars(
        sa.select(ControlTest)
        .options(
            joinedload(ControlTest.tester),
            joinedload(ControlTest.countermeasure).joinedload(Countermeasure.risk).joinedload(Risk.register),
        )
        .order_by(ControlTest.id)
    ).all()
    assert all(test.line in assurance_lines(test.tester, test.countermeasure.risk) for test in tests)

    london_north = assurance_map.build(
        assurance_map.register_risks(
            db.session.scalar(sa.select(Register).join(Unit).where(Unit.code == "LN")), include_restricted=True
        ),
        today(),
    )
    strengths = {strength: london_north.count(strength) for strength in EvidenceStrength}
    assert all(strengths[strength] for strength in EvidenceStrength if strength is not EvidenceStrength.NONE)
    everywhere = control_tests.current_assessments(
        db.session.scalars(sa.select(Countermeasure)).all(), today()
    ).values()
    ineffective = [a for a in everywhere if a.basis and a.basis.conclusion is Conclusion.INEFFECTIVE]
    assert len(ineffective) >= 10
    assert sum(1 for a in everywhere if a.strength is EvidenceStrength.WEAK) >= 50  # untested in 12 months

    kinds = dict(db.session.execute(sa.select(Evidence.kind, sa.func.count()).group_by(Evidence.kind)).all())
    assert set(kinds) == set(EvidenceKind)
    for evidence in db.session.scalars(sa.select(Evidence).where(Evidence.kind == EvidenceKind.FILE).limit(50)):
        data = evidence_service.read_file(evidence)
        assert hashlib.sha256(data).hexdigest() == evidence.sha256
        assert uploads.sniff(data, evidence.filename).content_type == evidence.content_type
    assert audit.verify_chain().ok
