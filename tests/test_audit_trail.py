import sqlalchemy as sa

from riskreg.extensions import db
from riskreg.models import AuditEvent
from riskreg.services.audit import trail as audit
from tests.factories import RiskFactory


def _make_events(org, n=5):
    risk = RiskFactory(register=org.ln.register)
    for i in range(n):
        audit.record(org.risk_ln, "risk.updated", "risk", risk.id, {"title": [f"t{i}", f"t{i + 1}"]}, risk_id=risk.id)
    return risk


def test_events_link_to_the_one_before(org):
    _make_events(org)
    events = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).all()
    for before, after in zip(events, events[1:], strict=False):
        assert after.prev_hash == before.hash


def test_verify_passes_on_an_untouched_trail(app, org):
    _make_events(org)
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "Audit trail intact" in result.output


def test_verify_reports_the_first_altered_event(app, org):
    _make_events(org)
    target = db.session.scalars(sa.select(AuditEvent.id).order_by(AuditEvent.id)).all()[2]
    # Alter the row behind the application's back, as someone with database access might.
    db.session.execute(sa.text("UPDATE audit_event SET action = 'risk.deleted' WHERE id = :id"), {"id": target})
    db.session.expire_all()
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"BROKEN at event {target}" in result.output


def test_verify_reports_a_deleted_event(app, org):
    _make_events(org)
    ids = db.session.scalars(sa.select(AuditEvent.id).order_by(AuditEvent.id)).all()
    db.session.execute(sa.text("DELETE FROM audit_event WHERE id = :id"), {"id": ids[1]})
    db.session.expire_all()
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and f"BROKEN at event {ids[2]}" in result.output


def test_hashes_survive_a_round_trip_through_the_database(org):
    _make_events(org, 3)
    db.session.expire_all()
    assert audit.verify_chain(batch_size=2).ok
