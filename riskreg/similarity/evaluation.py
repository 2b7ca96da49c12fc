"""Recall of duplicate detection on the labelled evaluation set (tests/data/similarity_eval.json).

Each pair's "b" text and every distractor are stored; each pair's "a" text is the query, and the question is
where its partner ranks. The lexical and semantic stages each rank the whole store; the combination ranks
exactly as riskreg.services.flags.similarity does for one risk: the semantic stage shortlists, the combined score
orders the shortlist. The test suite (targets) and bench/similarity.py (figures) both use this.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from riskreg import lazy
from riskreg.rules import similarity as rules_module
from riskreg.rules.similarity import DEFAULT_SIMILARITY, SimilarityRules

np = lazy.module("numpy")  # riskreg/lazy.py: imported when first used

KINDS = ("paraphrase", "near_verbatim")
STAGES = ("lexical", "semantic", "combined")
MISSED = 10**9  # the rank of a partner the shortlist did not contain


@dataclass(frozen=True)
class EvalSet:
    kinds: list[str]
    queries: list[str]
    partners: list[str]
    distractors: list[str]
    # Pairs of different risks that look alike (same theme, cause and consequence, local and national).
    related_kinds: list[str] = field(default_factory=list)
    related: list[tuple[str, str]] = field(default_factory=list)

    @property
    def store(self) -> list[str]:
        return self.partners + self.distractors


def load(path: Path) -> EvalSet:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    text = rules_module.risk_text
    return EvalSet(
        kinds=[pair["kind"] for pair in data["pairs"]],
        queries=[text(pair["a"]["title"], pair["a"]["event"]) for pair in data["pairs"]],
        partners=[text(pair["b"]["title"], pair["b"]["event"]) for pair in data["pairs"]],
        distractors=[text(item["title"], item["event"]) for item in data["distractors"]],
        related_kinds=[pair["kind"] for pair in data.get("related", [])],
        related=[
            (text(pair["a"]["title"], pair["a"]["event"]), text(pair["b"]["title"], pair["b"]["event"]))
            for pair in data.get("related", [])
        ],
    )


@dataclass(frozen=True)
class Scores:
    lexical: np.ndarray  # queries × store
    semantic: np.ndarray


def score(data: EvalSet, encode: Callable[[Sequence[str]], np.ndarray], rules: SimilarityRules) -> Scores:
    lexical = rules_module.ngram_matrix(data.queries, rules) @ rules_module.ngram_matrix(data.store, rules).T
    stored = encode(data.store)
    # Compare with the store as the database holds it: int8 vectors.
    blobs, scales = zip(*(rules_module.quantise(vector) for vector in stored), strict=True)
    stored = rules_module.dequantise(blobs, scales, stored.shape[1])
    return Scores(lexical=lexical, semantic=encode(data.queries) @ stored.T)


def combined_rank(lexical: np.ndarray, semantic: np.ndarray, target: int, rules: SimilarityRules) -> int:
    shortlist = rules_module.top_indices(semantic, rules.shortlist)
    order, _combined = rules_module.rank_shortlist(lexical[shortlist], semantic[shortlist], rules)
    hits = np.flatnonzero(shortlist[order] == target)
    return int(hits[0]) + 1 if len(hits) else MISSED


def ranks(scores: Scores, rules: SimilarityRules = DEFAULT_SIMILARITY) -> dict[str, list[int]]:
    """Per stage, the rank of each query's partner (1 is first)."""
    queries = range(scores.lexical.shape[0])
    return {
        "lexical": [rules_module.rank_of(scores.lexical[q], q) for q in queries],
        "semantic": [rules_module.rank_of(scores.semantic[q], q) for q in queries],
        "combined": [combined_rank(scores.lexical[q], scores.semantic[q], q, rules) for q in queries],
    }


def recall(data: EvalSet, stage_ranks: dict[str, list[int]]) -> dict[str, dict[str, dict[int, float]]]:
    """recall[stage][kind][k]: the share of pairs of that kind whose partner ranks k or better."""
    result: dict[str, dict[str, dict[int, float]]] = {}
    for stage, values in stage_ranks.items():
        result[stage] = {}
        for kind in KINDS:
            kind_ranks = np.array([rank for rank, of in zip(values, data.kinds, strict=True) if of == kind])
            result[stage][kind] = {k: float(np.mean(kind_ranks <= k)) for k in (1, 5)}
    return result


@dataclass(frozen=True)
class PairScores:
    """The combined score of each labelled pair, as a scan scores two stored risks."""

    same: np.ndarray  # the pairs that are one risk (paraphrased or near-verbatim)
    same_kinds: list[str]
    related: np.ndarray  # the pairs of different risks


def _pair_scores(pairs: Sequence[tuple[str, str]], encode, rules: SimilarityRules) -> np.ndarray:
    if not pairs:
        return np.zeros(0, dtype=np.float32)
    firsts, seconds = [a for a, _b in pairs], [b for _a, b in pairs]
    lexical = np.sum(rules_module.ngram_matrix(firsts, rules) * rules_module.ngram_matrix(seconds, rules), axis=1)
    vectors = encode([*firsts, *seconds])
    blobs, scales = zip(*(rules_module.quantise(vector) for vector in vectors), strict=True)
    stored = rules_module.dequantise(blobs, scales, vectors.shape[1])
    semantic = np.sum(stored[: len(firsts)] * stored[len(firsts) :], axis=1)
    return rules_module.combine(lexical, semantic, rules)


def pair_scores(data: EvalSet, encode: Callable[[Sequence[str]], np.ndarray], rules: SimilarityRules) -> PairScores:
    same = list(zip(data.queries, data.partners, strict=True))
    return PairScores(_pair_scores(same, encode, rules), data.kinds, _pair_scores(data.related, encode, rules))


@dataclass(frozen=True)
class AtThreshold:
    threshold: float
    precision: float  # of the labelled pairs reaching the threshold, the share that are one risk
    recall: float  # of the pairs that are one risk, the share reaching it
    paraphrase_recall: float
    related_reached: int


def at_threshold(scores: PairScores, threshold: float) -> AtThreshold:
    same, related = scores.same >= threshold, scores.related >= threshold
    reached = int(same.sum()) + int(related.sum())
    paraphrase = np.array([kind == "paraphrase" for kind in scores.same_kinds])
    return AtThreshold(
        threshold=threshold,
        precision=float(same.sum() / reached) if reached else 1.0,
        recall=float(same.mean()) if len(same) else 0.0,
        paraphrase_recall=float(same[paraphrase].mean()) if paraphrase.any() else 0.0,
        related_reached=int(related.sum()),
    )
