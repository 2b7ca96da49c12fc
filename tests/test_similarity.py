"""Stored embeddings, similar risks and duplicate candidates across registers (services.similarity)."""

import json

import sqlalchemy as sa

from riskreg.demo import content
from riskreg.enums import RiskStatus, SimilarityStage
from riskreg.extensions import db
from riskreg.models import AuditEvent, Risk, RiskEmbedding
from riskreg.services import risks
from riskreg.services.flags import similarity
from riskreg.similarity import encoder
from tests.conftest import count_queries
from tests.factories import RiskFactory

WORKFORCE = (
    "Workforce capacity and capability",
    "the service does not have enough lawyers and caseworkers with the right skills to deal with its caseload",
)
STAFFING = ("Insufficient staff to meet caseload", "the area does not have enough prosecutors to review its cases")
FLOODS = ("Flood defences fail", "flood defences fail during a storm surge")
ESTATE = ("Court estate reform", "the programme to close courts changes where cases are heard")


def _risk(register, title_event, **kwargs) -> Risk:
    """A risk as the services save it: with its embedding stored."""
    title, event = title_event
    risk = RiskFactory(register=register, title=title, event=event, **kwargs)
    similarity.refresh_embedding(risk)
    return risk


def _values(owner, title_event) -> dict:
    title, event = title_event
    return {
        "title": title,
        "cause": "A cause",
        "event": event,
        "consequence": "A consequence",
        "category": "people",
        "objective": "people",
        "owner_id": owner.id,
        "influence": "medium",
        "restricted": False,
        "inherent_l": 4,
        "inherent_i": 4,
        "residual_l": 3,
        "residual_i": 3,
        "target_l": 2,
        "target_i": 2,
    }


def test_saving_a_risk_stores_its_embedding_and_recomputes_it_only_when_its_text_changes(org):
    risk = risks.create_risk(org.ln.register, _values(org.risk_ln, STAFFING), org.risk_ln)
    row = db.session.get(RiskEmbedding, risk.id)
    assert row.model == encoder.MODEL_ID and len(row.vector) == encoder.DIMENSIONS
    first_hash, first_computed = row.text_hash, row.computed_at

    risks.update_risk(risk, {"residual_l": 4}, risk.version, org.risk_ln)
    assert (row.text_hash, row.computed_at) == (first_hash, first_computed)  # scores changed, text did not

    risks.update_risk(risk, {"event": "prosecutors leave and are not replaced"}, risk.version, org.risk_ln)
    db.session.refresh(row)
    assert row.text_hash != first_hash


def test_similar_to_text_ranks_the_same_risk_in_other_words_first(org):
    workforce = _risk(org.hq.register, WORKFORCE)
    _risk(org.hq.register, FLOODS)
    _risk(org.ls.register, ESTATE)
    found = similarity.similar_to_text("Not enough prosecutors to deal with the cases coming in", top=2)
    assert [item.risk for item in found][0] == workforce
    assert found[0].score > found[1].score
    assert found[0].stage is SimilarityStage.SEMANTIC


def test_a_near_verbatim_copy_is_found_by_the_lexical_stage(org):
    original = _risk(org.hq.register, WORKFORCE)
    found = similarity.similar_to_text(
        "Workforce capacity and capability. The service does not have enough "
        "lawyers and case workers with the right skills to deal with the caseload"
    )
    assert found[0].risk == original
    assert found[0].stage is SimilarityStage.LEXICAL and found[0].score > 0.9


def test_similar_risks_leave_out_closed_risks_the_own_register_and_what_the_user_cannot_see(org):
    in_hq = _risk(org.hq.register, WORKFORCE)
    in_ln = _risk(org.ln.register, STAFFING)
    closed = _risk(org.ls.register, STAFFING, status=RiskStatus.CLOSED)
    text = "Not enough lawyers for the caseload"
    assert closed not in [item.risk for item in similarity.similar_to_text(text, top=10)]
    assert [item.risk for item in similarity.similar_to_text(text, top=10, exclude_register=org.ln.register)] == [
        in_hq,
        *[item.risk for item in similarity.similar_to_text(text, top=10) if item.risk not in (in_hq, in_ln)],
    ]
    hidden = similarity.similar_to_text(text, top=10, visible=lambda risk: risk.register != org.hq.register)
    assert in_hq not in [item.risk for item in hidden] and in_ln in [item.risk for item in hidden]
    assert similarity.similar_to_text(text, top=10, min_score=0.99) == []


def test_similar_to_risk_uses_other_registers_only(org):
    staffing = _risk(org.ln.register, STAFFING)
    workforce = _risk(org.hq.register, WORKFORCE)
    _risk(org.ln.register, ("Lawyers leaving the area", "the area loses prosecutors faster than it can recruit"))
    found = similarity.similar_to_risk(staffing, top=3)
    assert [item.risk for item in found] == [workforce]


def test_a_new_embedding_is_seen_by_the_next_query_in_the_same_process(org):
    _risk(org.hq.register, FLOODS)
    assert similarity.similar_to_text("Not enough lawyers for the caseload", top=1)[0].risk.title == FLOODS[0]
    workforce = _risk(org.hq.register, WORKFORCE)
    assert similarity.similar_to_text("Not enough lawyers for the caseload", top=1)[0].risk == workforce


def test_queries_do_not_grow_with_the_number_of_stored_risks(org):
    for n in range(3):
        _risk(org.hq.register, (f"Unrelated risk {n}", f"something else happens number {n}"))
    similarity.similar_to_text("staff shortages", top=3)  # loads the matrix once
    with count_queries() as few:
        similarity.similar_to_text("staff shortages", top=3)
    for n in range(30):
        _risk(org.ls.register, (f"Another unrelated risk {n}", f"a different thing happens number {n}"))
    similarity.similar_to_text("staff shortages", top=3)
    with count_queries() as many:
        similarity.similar_to_text("staff shortages", top=3)
    assert len(many) == len(few) <= 3


def test_duplicate_candidates_pair_risks_across_registers_and_say_which_stage_found_them(org):
    workforce = _risk(org.hq.register, WORKFORCE)
    staffing = _risk(org.ln.register, STAFFING)
    copy_in_ls = _risk(org.ls.register, STAFFING)
    _risk(org.ln.register, FLOODS)
    _risk(org.ln.register, ("Not enough lawyers in the area", "the area does not have enough prosecutors"))
    pairs = {(pair.risk, pair.other): pair for pair in similarity.duplicate_candidates()}
    copied = pairs[(staffing, copy_in_ls)]
    assert copied.stage is SimilarityStage.LEXICAL and copied.lexical > 0.99
    reworded = pairs[(workforce, staffing)]
    assert reworded.stage is SimilarityStage.SEMANTIC and reworded.score >= 0.55
    assert all(pair.risk.register != pair.other.register for pair in pairs.values())
    assert all(pair.risk.id < pair.other.id for pair in pairs.values())
    assert not any(FLOODS[0] in (pair.risk.title, pair.other.title) for pair in pairs.values())
    scores = [pair.score for pair in similarity.duplicate_candidates()]
    assert scores == sorted(scores, reverse=True)
    assert similarity.duplicate_candidates(threshold=0.999) == [copied]


def test_reindex_embeds_risks_saved_without_one_and_is_idempotent(org):
    RiskFactory(register=org.hq.register, title=WORKFORCE[0], event=WORKFORCE[1])
    RiskFactory(register=org.ln.register, title=STAFFING[0], event=STAFFING[1])
    first = similarity.reindex()
    assert (first.checked, first.computed) == (2, 2)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RiskEmbedding)) == 2
    assert similarity.reindex().computed == 0
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "similarity.reindexed"))
    assert event.changes["computed"] == 2


def test_riskreg_similar_lists_the_most_similar_open_risks(app, org):
    workforce = _risk(org.hq.register, WORKFORCE)
    _risk(org.ln.register, FLOODS)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["similar", "not enough lawyers for the cases", "--top", "1", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert len(rows) == 1
    assert rows[0]["ref"] == workforce.ref and rows[0]["register"] == "Headquarters risk register"
    assert rows[0]["title"] == WORKFORCE[0] and 0 < rows[0]["score"] <= 1 and rows[0]["stage"] == "semantic"

    table = runner.invoke(args=["similar", "not enough lawyers for the cases"])
    assert table.exit_code == 0 and table.output.splitlines()[1].split()[1] == workforce.ref
    assert runner.invoke(args=["similar"]).exit_code != 0


def test_riskreg_similar_reindex_embeds_what_is_missing(app, org):
    RiskFactory(register=org.hq.register, title=WORKFORCE[0], event=WORKFORCE[1])
    result = app.test_cli_runner().invoke(args=["similar", "--reindex"])
    assert result.exit_code == 0 and "1 risks checked, 1 computed" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RiskEmbedding)) == 1


def test_the_demo_is_embedded_and_its_restated_corporate_risks_are_found(demo):
    embedded = db.session.scalar(sa.select(sa.func.count()).select_from(RiskEmbedding))
    assert embedded == db.session.scalar(sa.select(sa.func.count()).select_from(Risk))

    found = {
        (pair.risk.title, pair.other.title): pair.score
        for pair in similarity.duplicate_candidates()
        if {pair.risk.register.unit.code, pair.other.register.unit.code} == {"HQ", "LN"}
    }
    # London North restates the first twelve corporate risks in its own words (riskreg/demo/content.py).
    pairs = zip(content.CORPORATE_RISKS[:12], content.LOCAL_RISKS[:12], strict=True)
    restated = [(corporate[0], local[0]) for corporate, local in pairs]
    missed = [pair for pair in restated if pair not in found]
    # The scan threshold is chosen for precision (0.60: docs/benchmarks.md), which costs some paraphrases; the
    # estate risk is closed in the demo, so never a candidate.
    assert len(missed) <= 3 and ("Accommodation and estate rationalisation", "Office move disrupts the area") in missed
