"""Duplicate detection's pure parts (DESIGN rule 4.6): the lexical stage, and how two stages combine.

The lexical stage compares character 3-grams of the normalised text. It is cheap and sure of itself on
near-verbatim copies (a risk pasted into another register and lightly edited), and blind to the same risk
in other words. The semantic stage (sentence embeddings, riskreg.similarity.encoder) sees meaning, but an
embedding score alone does not say "copied". Scores only propose candidates for a person to confirm:
nothing here merges anything.

Scores are cosines of unit vectors, so a score matrix is one matrix product. Every threshold is in
``SimilarityRules`` so an organisation can tune its own; the defaults were chosen on the labelled
evaluation set in tests/data (docs/benchmarks.md, "Duplicate detection").
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from riskreg import lazy
from riskreg.enums import SimilarityStage

np = lazy.module("numpy")  # riskreg/lazy.py: imported when first used

_NOT_WORD = re.compile(r"[^a-z0-9]+")
# Knuth's multiplicative constant: spreads n-gram codes evenly over the buckets.
_GOLDEN = 2654435761


@dataclass(frozen=True)
class SimilarityRules:
    ngram: int = 3
    # Buckets the n-grams are hashed into (a power of two). More buckets, fewer chance collisions.
    lexical_dimensions: int = 4096
    # A lexical score at or above this is a near-verbatim copy: the lexical stage found it.
    lexical_threshold: float = 0.8
    # Below the lexical threshold the combined score is a blend, mostly semantic.
    semantic_weight: float = 0.9
    # Shown to someone saving a risk ("is this the same as ...?"): generous, a person decides. 0.45 keeps 0.90
    # of paraphrased pairs on the evaluation set (docs/benchmarks.md, "Precision").
    suggest_threshold: float = 0.45
    # Raised as a flag by a scan: the lowest threshold with precision at least 0.8 against pairs of different
    # risks that look alike (0.81 at 0.60; 0.75 at 0.55).
    duplicate_threshold: float = 0.6
    # How many of the semantically nearest risks the lexical stage re-scores for one query.
    shortlist: int = 50


DEFAULT_SIMILARITY = SimilarityRules()


def risk_text(title: str, event: str) -> str:
    """The text both stages compare: what the risk is called and what might happen."""
    title, event = " ".join(title.split()), " ".join(event.split())
    return f"{title}. {event}" if event else title


def text_hash(model_id: str, text: str) -> str:
    return hashlib.sha256(f"{model_id}\n{text}".encode()).hexdigest()


def normalise(text: str) -> str:
    """Lower case, accents folded, punctuation to spaces: "Risk-owner's" and "risk owners" match."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _NOT_WORD.sub(" ", folded.lower().replace("'", "")).strip()


def ngram_vector(text: str, rules: SimilarityRules = DEFAULT_SIMILARITY) -> np.ndarray:
    """Unit vector of hashed character n-gram counts (spaces pad the ends so first letters count)."""
    data = np.frombuffer(f" {normalise(text)} ".encode(), dtype=np.uint8).astype(np.uint64)
    n = rules.ngram
    if len(data) < n:
        return np.zeros(rules.lexical_dimensions, dtype=np.float32)
    codes = np.zeros(len(data) - n + 1, dtype=np.uint64)
    for offset in range(n):
        codes = (codes << np.uint64(8)) | data[offset : offset + len(codes)]
    buckets = ((codes * np.uint64(_GOLDEN)) & np.uint64(0xFFFFFFFF)) % np.uint64(rules.lexical_dimensions)
    vector = np.bincount(buckets.astype(np.int64), minlength=rules.lexical_dimensions).astype(np.float32)
    norm = np.linalg.norm(vector)
    return vector / norm if norm else vector


def ngram_matrix(texts: Sequence[str], rules: SimilarityRules = DEFAULT_SIMILARITY) -> np.ndarray:
    matrix = np.zeros((len(texts), rules.lexical_dimensions), dtype=np.float32)
    for row, text in enumerate(texts):
        matrix[row] = ngram_vector(text, rules)
    return matrix


class NgramRows:
    """Many texts' n-gram vectors kept sparse (a text has a few dozen n-grams of the 4,096 buckets), made dense a
    block of rows at a time: the rows are exactly ``ngram_vector``'s."""

    def __init__(self, texts: Sequence[str], rules: SimilarityRules = DEFAULT_SIMILARITY):
        self.dimensions = rules.lexical_dimensions
        starts, columns, values = [0], [], []
        for text in texts:
            vector = ngram_vector(text, rules)
            nonzero = np.flatnonzero(vector)
            columns.append(nonzero.astype(np.int32))
            values.append(vector[nonzero])
            starts.append(starts[-1] + len(nonzero))
        self.starts = np.array(starts, dtype=np.int64)
        self.columns = np.concatenate(columns) if columns else np.zeros(0, dtype=np.int32)
        self.values = np.concatenate(values) if values else np.zeros(0, dtype=np.float32)

    def __len__(self) -> int:
        return len(self.starts) - 1

    def dense(self, start: int, stop: int) -> np.ndarray:
        """Rows ``start`` to ``stop`` (exclusive) as a dense float32 matrix."""
        matrix = np.zeros((stop - start, self.dimensions), dtype=np.float32)
        first, last = self.starts[start], self.starts[stop]
        rows = np.repeat(np.arange(stop - start), np.diff(self.starts[start : stop + 1]))
        matrix[rows, self.columns[first:last]] = self.values[first:last]
        return matrix


def combine(lexical: np.ndarray, semantic: np.ndarray, rules: SimilarityRules = DEFAULT_SIMILARITY) -> np.ndarray:
    """One score per candidate. A near-verbatim copy scores at least its lexical score, so it comes first;
    otherwise mostly meaning, with a little of the wording to break near ties."""
    lexical, semantic = np.asarray(lexical, dtype=np.float32), np.asarray(semantic, dtype=np.float32)
    blend = rules.semantic_weight * semantic + (1 - rules.semantic_weight) * lexical
    copied = lexical >= rules.lexical_threshold
    return np.where(copied, np.maximum(np.maximum(lexical, semantic), blend), blend)


def stage(lexical: float, rules: SimilarityRules = DEFAULT_SIMILARITY) -> SimilarityStage:
    """The stage that found a candidate: the cheap lexical one when it is a near-verbatim copy."""
    return SimilarityStage.LEXICAL if lexical >= rules.lexical_threshold else SimilarityStage.SEMANTIC


def top_indices(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k highest scores, highest first (ties: lower index first)."""
    k = min(k, len(scores))
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    candidates = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
    return candidates[np.lexsort((candidates, -scores[candidates]))]


def rank_of(scores: np.ndarray, target: int) -> int:
    """1-based rank of ``target`` among ``scores`` (ties count against it)."""
    return int(np.count_nonzero(scores >= scores[target]))


def descending_blocks(scores: np.ndarray, first: int, largest: int = 2000) -> Iterator[np.ndarray]:
    """Indices in descending score order, in blocks that double in size up to ``largest``: the caller can
    stop early, and needs few blocks to go through everything. The first block needs no full sort."""
    first = max(1, first)
    head = top_indices(scores, first)
    yield head
    if len(head) == len(scores):
        return
    order = np.argsort(-scores, kind="stable")
    order = order[~np.isin(order, head)]  # ties at the edge of the first block may sort either way
    start, size = 0, min(first * 2, max(largest, first))
    while start < len(order):
        yield order[start : start + size]
        start, size = start + size, min(size * 2, max(largest, first))


def quantise(vector: np.ndarray) -> tuple[bytes, float]:
    """A unit vector as int8 components and the scale that makes them a unit vector again (a quarter
    of float32's size; cosines move by about 0.001)."""
    peak = float(np.max(np.abs(vector)))
    if peak == 0:
        return np.zeros(len(vector), dtype=np.int8).tobytes(), 0.0
    components = np.round(vector * (127 / peak)).astype(np.int8)
    return components.tobytes(), float(1 / np.linalg.norm(components.astype(np.float32)))


def dequantise(blobs: Sequence[bytes], scales: Sequence[float], dimensions: int) -> np.ndarray:
    """Stored vectors as one float32 matrix, a row each."""
    if not blobs:
        return np.zeros((0, dimensions), dtype=np.float32)
    matrix = np.frombuffer(b"".join(blobs), dtype=np.int8).reshape(len(blobs), dimensions).astype(np.float32)
    return matrix * np.asarray(scales, dtype=np.float32)[:, None]


def rank_shortlist(
    lexical: np.ndarray, semantic: np.ndarray, rules: SimilarityRules = DEFAULT_SIMILARITY
) -> tuple[np.ndarray, np.ndarray]:
    """The order (best first) of a shortlist by combined score, and the combined scores."""
    combined = combine(lexical, semantic, rules)
    return top_indices(combined, len(combined)), combined


def group_copies(lexical: np.ndarray, threshold: float) -> list[list[int]]:
    """Candidates (rows of ``lexical``, their pairwise lexical scores, best candidate first) grouped into
    near-verbatim copies of one wording: each joins the first group whose leader it copies, else leads its own.
    The same words pasted into fourteen area registers are one result, not the whole top five."""
    groups: list[list[int]] = []
    for index in range(len(lexical)):
        home = next((group for group in groups if lexical[group[0], index] >= threshold), None)
        if home is None:
            groups.append([index])
        else:
            home.append(index)
    return groups


def describe(score: float) -> str:
    """A score in words for people deciding whether two risks are the same (not a probability)."""
    if score >= 0.8:
        return "Very similar"
    if score >= 0.65:
        return "Similar"
    return "Possibly similar"
