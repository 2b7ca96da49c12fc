import dataclasses

import numpy as np
import pytest

from riskreg.enums import SimilarityStage
from riskreg.rules import similarity as rules
from riskreg.rules.similarity import DEFAULT_SIMILARITY


def test_risk_text_is_title_then_event_with_whitespace_tidied():
    assert rules.risk_text("  Custody time\nlimits ", " a limit  expires ") == "Custody time limits. a limit expires"
    assert rules.risk_text("Title only", "") == "Title only"


def test_text_hash_changes_with_the_text_and_the_model():
    assert rules.text_hash("m1", "a") == rules.text_hash("m1", "a")
    assert len({rules.text_hash("m1", "a"), rules.text_hash("m1", "b"), rules.text_hash("m2", "a")}) == 3


def test_normalise_folds_case_accents_and_punctuation():
    assert rules.normalise("Risk-Owner's  CAFÉ, (Cymru)!") == "risk owners cafe cymru"


def test_lexical_stage_scores_near_verbatim_copies_high_and_other_risks_low():
    original = rules.ngram_vector("Custody time limits missed in the magistrates' court")
    copy = rules.ngram_vector("Custody time limit missed in magistrates court")
    other = rules.ngram_vector("Budget overspend on counsel fees")
    assert np.isclose(np.linalg.norm(original), 1.0)
    assert original @ copy >= DEFAULT_SIMILARITY.lexical_threshold
    assert original @ other < 0.5
    # The same words in other order share most n-grams; different words in the same meaning do not.
    assert rules.ngram_vector("staff shortage") @ rules.ngram_vector("shortage of staff") > 0.6
    assert rules.ngram_vector("staff shortage") @ rules.ngram_vector("too few people") < 0.3


def test_lexical_vectors_are_deterministic_and_empty_text_is_a_zero_vector():
    assert np.array_equal(rules.ngram_vector("disclosure"), rules.ngram_vector("disclosure"))
    assert not rules.ngram_vector("").any()
    matrix = rules.ngram_matrix(["a risk", "another risk"])
    assert matrix.shape == (2, DEFAULT_SIMILARITY.lexical_dimensions)


def test_combine_puts_near_verbatim_copies_first_and_otherwise_blends_mostly_meaning():
    lexical = np.array([0.95, 0.3, 0.3])
    semantic = np.array([0.9, 0.92, 0.5])
    combined = rules.combine(lexical, semantic)
    assert combined[0] >= 0.95  # a copy scores at least its lexical score
    weight = DEFAULT_SIMILARITY.semantic_weight
    assert combined[1] == pytest.approx(weight * 0.92 + (1 - weight) * 0.3)
    assert combined[0] > combined[1] > combined[2]


def test_combine_follows_configured_rules():
    pure_meaning = dataclasses.replace(DEFAULT_SIMILARITY, semantic_weight=1.0, lexical_threshold=1.01)
    assert rules.combine(np.array([0.99]), np.array([0.4]), pure_meaning)[0] == pytest.approx(0.4)


def test_stage_is_lexical_for_copies_and_semantic_otherwise():
    assert rules.stage(0.9) is SimilarityStage.LEXICAL
    assert rules.stage(0.5) is SimilarityStage.SEMANTIC


def test_top_indices_best_first_with_ties_in_index_order():
    scores = np.array([0.1, 0.9, 0.5, 0.9, 0.3])
    assert rules.top_indices(scores, 3).tolist() == [1, 3, 2]
    assert rules.top_indices(scores, 10).tolist() == [1, 3, 2, 4, 0]
    assert rules.top_indices(scores, 0).tolist() == []


def test_rank_of_counts_ties_against_the_target():
    scores = np.array([0.2, 0.8, 0.8, 0.1])
    assert rules.rank_of(scores, 1) == 2
    assert rules.rank_of(scores, 0) == 3


def test_descending_blocks_cover_every_index_once_in_score_order():
    scores = np.random.default_rng(1).random(1000)
    blocks = list(rules.descending_blocks(scores, first=10, largest=100))
    assert [len(block) for block in blocks[:5]] == [10, 20, 40, 80, 100]
    joined = np.concatenate(blocks)
    assert sorted(joined.tolist()) == list(range(1000))
    assert np.all(np.diff(scores[joined]) <= 0)
    ties = np.array([0.5] * 7 + [0.9])
    assert sorted(np.concatenate(list(rules.descending_blocks(ties, first=3))).tolist()) == list(range(8))


def test_ngram_rows_kept_sparse_give_back_ngram_vectors_exactly_a_block_at_a_time():
    texts = ["Witnesses failing to attend trials", "", "ab", "Insufficient staff to meet caseload", "Fraud by staff"]
    rows = rules.NgramRows(texts)
    assert len(rows) == 5 and len(rows.values) < 5 * 4096 / 20  # a few dozen buckets a text, not 4,096
    assert np.array_equal(rows.dense(0, 5), rules.ngram_matrix(texts))
    assert np.array_equal(rows.dense(2, 4), rules.ngram_matrix(texts[2:4]))
    assert rows.dense(1, 1).shape == (0, 4096)


def test_quantised_vectors_keep_their_cosines():
    rng = np.random.default_rng(7)
    vectors = rng.standard_normal((20, 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    blobs, scales = zip(*(rules.quantise(vector) for vector in vectors), strict=True)
    assert all(len(blob) == 384 for blob in blobs)
    restored = rules.dequantise(blobs, scales, 384)
    assert np.allclose(np.linalg.norm(restored, axis=1), 1.0, atol=1e-5)
    assert np.abs(restored @ restored.T - vectors @ vectors.T).max() < 0.01
    assert rules.dequantise([], [], 384).shape == (0, 384)


def test_describe_puts_scores_into_words():
    assert [rules.describe(score) for score in (0.9, 0.7, 0.5)] == ["Very similar", "Similar", "Possibly similar"]
