"""Signed checkpoints catch what the chain alone cannot: its last events deleted, or a rewrite whose later
hashes were recomputed with riskreg's own function (the chain is then consistent, but not the one signed)."""

import json

import pytest
import sqlalchemy as sa

from riskreg.extensions import db
from riskreg.models import AuditEvent
from riskreg.pdf import signing
from riskreg.rules.audit_chain import event_hash
from riskreg.services.audit import trail as audit
from tests.factories import RiskFactory


@pytest.fixture(scope="module")
def organisation_key(tmp_path_factory) -> signing.SigningConfig:
    return signing.create_demo_ca(tmp_path_factory.mktemp("audit-ca"))


@pytest.fixture
def checkpoints(app, organisation_key, tmp_path, monkeypatch):
    path = tmp_path / "anchors" / "audit-checkpoints.jsonl"
    monkeypatch.setitem(app.config, "RISKREG_AUDIT_CHECKPOINTS", str(path))
    monkeypatch.setitem(app.config, "RISKREG_SIGNING_KEY", str(organisation_key.key_path))
    monkeypatch.setitem(app.config, "RISKREG_SIGNING_CERT", str(organisation_key.cert_path))
    monkeypatch.setitem(app.config, "RISKREG_SIGNING_TRUST_ROOTS", [str(p) for p in organisation_key.trust_root_paths])
    return path


def _events(org, n: int) -> list[int]:
    risk = RiskFactory(register=org.ln.register)
    for i in range(n):
        audit.record(org.risk_ln, "risk.updated", "risk", risk.id, {"title": [f"t{i}", f"t{i + 1}"]}, risk_id=risk.id)
    return list(db.session.scalars(sa.select(AuditEvent.id).order_by(AuditEvent.id)))


def _cli(app, *args):
    db.session.expire_all()
    return app.test_cli_runner().invoke(args=["audit", *args])


def test_a_checkpoint_is_signed_and_the_trail_then_verifies(app, org, checkpoints):
    ids = _events(org, 4)
    result = _cli(app, "checkpoint")
    assert result.exit_code == 0, result.output
    line = json.loads(checkpoints.read_text().splitlines()[-1])
    assert line["count"] == 4 and line["last_id"] == ids[-1] and len(line["signature"]) > 64
    _events(org, 2)  # events after the checkpoint are expected
    result = _cli(app, "verify")
    assert result.exit_code == 0, result.output
    assert "matches all 1 signed checkpoints" in result.output and "(2 added since)" in result.output


def test_deleting_the_last_events_is_detected(app, org, checkpoints):
    ids = _events(org, 5)
    assert _cli(app, "checkpoint").exit_code == 0
    db.session.execute(sa.text("DELETE FROM audit_event WHERE id >= :id"), {"id": ids[3]})
    assert audit.verify_chain().ok  # what the chain alone says: intact
    result = _cli(app, "verify")
    assert result.exit_code == 1
    assert "events missing" in result.output and "(2 missing, including event" in result.output
    assert f"the last event present is {ids[2]}" in result.output


def test_rewriting_an_event_and_recomputing_later_hashes_is_detected(app, org, checkpoints):
    ids = _events(org, 5)
    assert _cli(app, "checkpoint").exit_code == 0
    _rewrite_from(ids[1], {"title": ["t1", "something else"]})
    assert audit.verify_chain().ok  # the rewritten chain is consistent in itself
    result = _cli(app, "verify")
    assert result.exit_code == 1
    assert "events rewritten" in result.output and "from the first event, up to event" in result.output


def test_a_rewrite_is_placed_between_the_checkpoints_around_it(app, org, checkpoints):
    first = _events(org, 3)
    assert _cli(app, "checkpoint").exit_code == 0
    ids = _events(org, 3)
    assert _cli(app, "checkpoint").exit_code == 0
    _rewrite_from(ids[4], {"title": ["t1", "something else"]})
    result = _cli(app, "verify")
    assert result.exit_code == 1
    assert f"the change lies after event {first[-1]}, up to event {ids[-1]}" in result.output


def test_a_forged_or_removed_checkpoint_is_reported(app, org, checkpoints):
    _events(org, 2)
    assert _cli(app, "checkpoint").exit_code == 0
    assert _cli(app, "checkpoint").exit_code == 0
    lines = checkpoints.read_text().splitlines()
    forged = json.loads(lines[1]) | {"count": 1}
    checkpoints.write_text(json.dumps(forged) + "\n")
    result = _cli(app, "verify")
    assert result.exit_code == 1
    assert "line 1 does not follow the line before it" in result.output
    assert "line 1: its signature does not verify" in result.output


def test_checkpoint_without_the_organisations_key_says_so(app, org, checkpoints, monkeypatch):
    _events(org, 1)
    monkeypatch.setitem(app.config, "RISKREG_SIGNING_KEY", str(checkpoints.parent / "missing.pem"))
    result = _cli(app, "checkpoint")
    assert result.exit_code != 0 and "signing key or certificate is missing" in result.output
    assert not checkpoints.exists()


def test_verify_without_checkpoints_warns_what_it_cannot_detect(app, org, checkpoints):
    _events(org, 2)
    result = _cli(app, "verify")
    assert result.exit_code == 0 and "No checkpoints in" in result.output


def _rewrite_from(event_id: int, changes: dict) -> None:
    """What an attacker with database access can do: edit one event, then recompute every later hash."""
    rows = db.session.execute(sa.select(AuditEvent.__table__).where(AuditEvent.id >= event_id).order_by(AuditEvent.id))
    prev = None
    for row in rows.mappings().all():
        prev = prev or row["prev_hash"]
        new_changes = changes if row["id"] == event_id else row["changes"]
        digest = event_hash(
            prev,
            row["at"],
            row["actor_id"],
            row["action"],
            row["entity"],
            row["entity_id"],
            row["risk_id"],
            new_changes,
        )
        db.session.execute(
            sa.update(AuditEvent.__table__).where(AuditEvent.id == row["id"]),
            {"changes": new_changes, "prev_hash": prev, "hash": digest},
        )
        prev = digest
