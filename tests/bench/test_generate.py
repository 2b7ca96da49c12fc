"""The benchmark data generator, at a tiny scale on the test database (no timing: that is bench/run.py's job)."""

import sqlalchemy as sa

from bench.context import Scale
from bench.generate import generate
from bench.organisation import BENCH_PASSWORD, tree_layout
from riskreg.enums import UnitKind
from riskreg.extensions import db
from riskreg.models import (
    AuditEvent,
    ControlTest,
    Countermeasure,
    Evidence,
    Register,
    Review,
    Risk,
    RiskEmbedding,
    RiskEmbeddingVersion,
    RiskLink,
    RoleAssignment,
    Unit,
    User,
)
from riskreg.services.audit import trail as audit
from riskreg.similarity import encoder

TINY = Scale("tiny", organisations=2, registers_per_organisation=3, risks_per_register=10)


def _count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def _events(action: str) -> int:
    return _count(AuditEvent, AuditEvent.action == action)


def _generate():
    return generate(db.session.connection(), TINY)


def test_it_writes_the_expected_rows_for_the_scale():
    summary = _generate()
    units, users = 2 * 3, 2 * 3 * 4 + 2 * 4  # four people a unit, and four HQ-wide roles per organisation
    assert (_count(Unit), _count(Register), _count(Risk)) == (units, units, units * 10)
    assert (_count(User), _count(RoleAssignment)) == (users, users)
    assert _count(Unit, Unit.parent_id.is_(None)) == 2  # one headquarters-rooted tree per organisation
    assert _count(Review) > _count(Risk)  # two years of reviews
    assert summary.rows["review"] == _count(Review) and summary.rows["audit_event"] == _count(AuditEvent)


def test_every_write_has_its_audit_event_and_the_chain_verifies():
    _generate()
    assert _events("risk.created") == _count(Risk)
    assert _events("countermeasure.added") == _count(Countermeasure)
    assert _events("review.recorded") == _count(Review)
    assert _events("risk.closed") == _count(Risk, Risk.status == "closed")
    assert _events("user.created") == _events("role.assigned") == _count(User)
    assert _events("link.added") == 2 * _count(RiskLink)  # one in each linked risk's history
    assert _events("control_test.recorded") == _count(ControlTest)
    assert _events("evidence.added") == _count(Evidence)
    result = audit.verify_chain()
    assert result.ok, result.reason
    assert result.checked == _count(AuditEvent)


def test_audit_events_are_in_time_order():
    _generate()
    times = db.session.scalars(sa.select(AuditEvent.at).order_by(AuditEvent.id)).all()
    assert times == sorted(times)


def test_each_risk_shows_the_state_its_reviews_left():
    _generate()
    reviews = sa.select(sa.func.count()).where(Review.risk_id == Risk.id).scalar_subquery()
    closed = sa.case((Risk.status == "closed", 1), else_=0)
    assert _count(Risk, Risk.version != 1 + reviews + closed) == 0
    latest = (
        sa.select(Review.residual_l * 10 + Review.residual_i)
        .where(Review.risk_id == Risk.id)
        .order_by(Review.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    assert _count(Risk, reviews > 0, Risk.residual_l * 10 + Risk.residual_i != latest) == 0
    assert _count(Risk, Risk.last_reviewed_on.is_not(None), Risk.next_review_on <= Risk.last_reviewed_on) == 0


def test_links_go_up_the_tree_and_tests_follow_the_countermeasure():
    _generate()
    assert _count(RiskLink) > 0 and _count(ControlTest) > 0 and _count(Evidence) > 0
    ends = []
    for column in (RiskLink.from_risk_id, RiskLink.to_risk_id):
        risk, register, unit = sa.orm.aliased(Risk), sa.orm.aliased(Register), sa.orm.aliased(Unit)
        ends.append((risk, register, unit, column))
    query = sa.select(ends[0][2].parent_id, ends[1][2].id).select_from(RiskLink)
    for risk, register, unit, column in ends:
        query = query.join(risk, risk.id == column).join(register, register.id == risk.register_id)
        query = query.join(unit, unit.id == register.unit_id)
    links = db.session.execute(query).all()
    assert links and all(parent == target_unit for parent, target_unit in links)  # up to the register above
    tests = db.session.execute(
        sa.select(ControlTest.tested_on, Countermeasure.implemented_on, Countermeasure.status).join(
            Countermeasure, Countermeasure.id == ControlTest.countermeasure_id
        )
    ).all()
    assert all(status == "in_place" and tested_on >= implemented_on for tested_on, implemented_on, status in tests)


def test_it_continues_an_existing_audit_trail_and_numbering(org):
    audit.record(None, "user.created", "user", org.admin.id, {"email": org.admin.email})
    db.session.flush()
    _generate()
    assert audit.verify_chain().ok
    assert _count(Unit) == 3 + 6  # the organisation from the factories, and the generated ones beside it


def test_the_generated_pages_open_for_a_generated_user(client, sign_in):
    _generate()
    head = db.session.scalar(sa.select(User).where(User.email == "head.b001-hq@bench.example.org"))
    sign_in(head, password=BENCH_PASSWORD)
    assert client.get("/registers").status_code == 200
    assert client.get("/registers/B002-LN").status_code == 200
    assert client.get("/risks/B001-HQ-001").status_code == 200


def test_an_organisation_tree_lists_parents_before_children():
    for size in (1, 3, 20, 200):
        layout = tree_layout(size)
        assert len(layout) == size
        assert len({code for code, *_rest in layout}) == size
        assert layout[0][2] is UnitKind.HEADQUARTERS
        assert all(parent is not None and parent < index for index, (*_, parent) in enumerate(layout) if index)


def test_every_risk_gets_a_synthetic_embedding_and_copies_of_a_wording_share_one():
    summary = _generate()
    rows = db.session.execute(
        sa.select(Risk.title, Risk.event, RiskEmbedding.vector, RiskEmbedding.model).join(
            RiskEmbedding, RiskEmbedding.risk_id == Risk.id
        )
    ).all()
    assert len(rows) == _count(Risk) == summary.rows["risk_embedding"]
    by_text: dict = {}
    for title, event, vector, model in rows:
        assert model == encoder.MODEL_ID and len(vector) == encoder.DIMENSIONS
        assert by_text.setdefault((title, event), vector) == vector
    assert len(set(by_text.values())) == len(by_text)  # different wordings, different vectors
    assert db.session.get(RiskEmbeddingVersion, 1) is not None  # processes know the stored vectors changed


def test_without_history_it_writes_the_risks_and_their_embeddings_only():
    summary = generate(db.session.connection(), TINY, history=False)
    assert _count(Risk) == _count(RiskEmbedding) == 2 * 3 * 10 and _count(Countermeasure) > 0
    assert (_count(Review), _count(AuditEvent), _count(RiskLink)) == (0, 0, 0)
    assert "two years of reviews, and the audit trail" not in summary.seconds
