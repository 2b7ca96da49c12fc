"""Similar and possibly duplicated risks across registers (DESIGN capability 7, rule 4.6).

Each risk's embedding (title and event) is stored when its text is saved (``refresh_embedding``, called by
riskreg.services.risks) or by ``reindex``. Queries compare one vector with all stored vectors in a single matrix
product. Each process keeps the matrix until the stored embeddings change (a token that every write replaces,
read by primary key, tells it when), so a query does not reload every vector; the app still keeps no state that
matters between requests. Scope: the organisation, which is the whole database today.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from riskreg import lazy
from riskreg.clock import utcnow
from riskreg.config import settings
from riskreg.enums import RiskStatus, SimilarityStage
from riskreg.extensions import db
from riskreg.models import Register, Risk, RiskEmbedding, RiskEmbeddingVersion, User
from riskreg.rules import similarity as similarity_rules
from riskreg.rules.similarity import SimilarityRules
from riskreg.services import risks
from riskreg.services.audit import trail as audit
from riskreg.similarity import encoder

np = lazy.module("numpy")  # riskreg/lazy.py: imported when first used

REINDEX_BATCH = 256


@dataclass(frozen=True)
class SimilarRisk:
    risk: Risk
    score: float
    lexical: float
    semantic: float
    stage: SimilarityStage
    copies: tuple[Risk, ...] = ()  # other registers' near-verbatim copies of the same wording, best first

    @property
    def description(self) -> str:
        return similarity_rules.describe(self.score)

    @property
    def registers(self) -> str:
        """Where the wording is held: "London North", or "London North and 13 other registers"."""
        first = self.risk.register.unit.name
        others = len({copy.register_id for copy in self.copies} - {self.risk.register_id})
        return first if not others else f"{first} and {others} other register{'s' if others != 1 else ''}"


@dataclass(frozen=True)
class DuplicateCandidate:
    """Two open risks in different registers that may be the same risk (``risk.id < other.id``)."""

    risk: Risk
    other: Risk
    score: float
    lexical: float
    semantic: float
    stage: SimilarityStage


def rules() -> SimilarityRules:
    return settings().similarity


def text_of(risk: Risk) -> str:
    return similarity_rules.risk_text(risk.title, risk.event)


# Storing embeddings ------------------------------------------------------------------------------------------


def _store(risk_id: int, vector: np.ndarray, text_hash: str, row: RiskEmbedding | None) -> None:
    blob, scale = similarity_rules.quantise(vector)
    if row is None:
        row = RiskEmbedding(risk_id=risk_id)
        db.session.add(row)
    row.model, row.text_hash, row.vector, row.scale = encoder.MODEL_ID, text_hash, blob, scale
    row.computed_at = utcnow()


def _new_version() -> None:
    """Tell every process that the stored embeddings changed (with this transaction, or not at all)."""
    token = secrets.randbits(62)
    changed = db.session.execute(
        sa.update(RiskEmbeddingVersion).where(RiskEmbeddingVersion.id == 1).values(token=token)
    ).rowcount
    if not changed:
        db.session.add(RiskEmbeddingVersion(id=1, token=token))


def refresh_embedding(risk: Risk) -> bool:
    """Store the risk's embedding unless its text (and the model) are unchanged. True when computed."""
    text = text_of(risk)
    digest = similarity_rules.text_hash(encoder.MODEL_ID, text)
    row = db.session.get(RiskEmbedding, risk.id)
    if row is not None and row.text_hash == digest:
        return False
    _store(risk.id, encoder.encode([text])[0], digest, row)
    _new_version()
    db.session.flush()
    return True


@risks.after_save
def embed_saved(saved: Sequence[Risk], _actor: User | None = None) -> int:
    """The embeddings of saved risks whose text changed, encoded as one batch; a text already embedded for
    another risk (a re-import, a copy) reuses that vector. How many were stored."""
    wanted = {risk.id: text_of(risk) for risk in saved}
    digests = {risk_id: similarity_rules.text_hash(encoder.MODEL_ID, text) for risk_id, text in wanted.items()}
    rows = {
        row.risk_id: row
        for row in db.session.scalars(sa.select(RiskEmbedding).where(RiskEmbedding.risk_id.in_(list(wanted))))
    }
    todo = [
        risk_id for risk_id, digest in digests.items() if rows.get(risk_id) is None or rows[risk_id].text_hash != digest
    ]
    if not todo:
        return 0
    reused = {
        row.text_hash: row
        for row in db.session.scalars(
            sa.select(RiskEmbedding).where(RiskEmbedding.text_hash.in_({digests[risk_id] for risk_id in todo}))
        )
    }
    # Each distinct new text is encoded once, however many of the saved risks share it.
    fresh = {digests[risk_id]: wanted[risk_id] for risk_id in todo if digests[risk_id] not in reused}
    vectors = dict(zip(fresh, encoder.encode(list(fresh.values())), strict=True))
    for risk_id in todo:
        if digests[risk_id] in vectors:
            _store(risk_id, vectors[digests[risk_id]], digests[risk_id], rows.get(risk_id))
        else:
            _copy(risk_id, reused[digests[risk_id]], rows.get(risk_id))
    _new_version()
    db.session.flush()
    return len(todo)


def _copy(risk_id: int, source: RiskEmbedding, row: RiskEmbedding | None) -> None:
    if row is None:
        row = RiskEmbedding(risk_id=risk_id)
        db.session.add(row)
    row.model, row.text_hash, row.vector, row.scale = source.model, source.text_hash, source.vector, source.scale
    row.computed_at = utcnow()


@dataclass(frozen=True)
class ReindexResult:
    checked: int
    computed: int


def reindex(actor: User | None = None, progress: Callable[[int, int], None] | None = None) -> ReindexResult:
    """Compute, in batches, the embeddings of every risk that has none or whose text (or the model) changed.
    ``progress(done, total)`` follows each batch (a job commits there: each batch tells other processes)."""
    stored = dict(db.session.execute(sa.select(RiskEmbedding.risk_id, RiskEmbedding.text_hash)).tuples().all())
    risks = db.session.execute(sa.select(Risk.id, Risk.title, Risk.event).order_by(Risk.id)).tuples().all()
    todo = []
    for risk_id, title, event in risks:
        text = similarity_rules.risk_text(title, event)
        digest = similarity_rules.text_hash(encoder.MODEL_ID, text)
        if stored.get(risk_id) != digest:
            todo.append((risk_id, text, digest))
    for start in range(0, len(todo), REINDEX_BATCH):
        batch = todo[start : start + REINDEX_BATCH]
        vectors = encoder.encode([text for _id, text, _digest in batch])
        rows = {
            row.risk_id: row
            for row in db.session.scalars(
                sa.select(RiskEmbedding).where(RiskEmbedding.risk_id.in_([risk_id for risk_id, _t, _d in batch]))
            )
        }
        for (risk_id, _text, digest), vector in zip(batch, vectors, strict=True):
            _store(risk_id, vector, digest, rows.get(risk_id))
        _new_version()
        db.session.flush()
        if progress:
            progress(start + len(batch), len(todo))
    if todo:
        audit.record(
            actor,
            "similarity.reindexed",
            "risk_embedding",
            None,
            {"model": encoder.MODEL_ID, "computed": len(todo), "checked": len(risks)},
        )
    return ReindexResult(checked=len(risks), computed=len(todo))


# The matrix of stored vectors, kept per process ----------------------------------------------------------------


@dataclass(frozen=True)
class _Index:
    version: int | None
    risk_ids: np.ndarray
    vectors: np.ndarray


_indexes: dict[str, _Index] = {}
_indexes_lock = threading.Lock()


def _index() -> _Index:
    key = str(db.session.get_bind().engine.url)
    version = db.session.scalar(sa.select(RiskEmbeddingVersion.token).where(RiskEmbeddingVersion.id == 1))
    index = _indexes.get(key)
    if index is not None and index.version == version:
        return index
    rows = (
        db.session.execute(
            sa.select(RiskEmbedding.risk_id, RiskEmbedding.scale, RiskEmbedding.vector)
            .where(RiskEmbedding.model == encoder.MODEL_ID)
            .order_by(RiskEmbedding.risk_id)
        )
        .tuples()
        .all()
    )
    index = _Index(
        version=version,
        risk_ids=np.array([row[0] for row in rows], dtype=np.int64),
        vectors=similarity_rules.dequantise([row[2] for row in rows], [row[1] for row in rows], encoder.DIMENSIONS),
    )
    with _indexes_lock:
        _indexes[key] = index
    return index


# Queries ----------------------------------------------------------------------------------------------------


def _open_risks(risk_ids: Iterable[int]) -> dict[int, Risk]:
    query = (
        sa.select(Risk)
        .where(Risk.id.in_([int(risk_id) for risk_id in risk_ids]), Risk.status == RiskStatus.OPEN)
        .options(joinedload(Risk.register).joinedload(Register.unit))
    )
    return {risk.id: risk for risk in db.session.scalars(query)}


def _eligible_ids(risk_ids: np.ndarray, exclude_register_id: int | None, exclude_risk_id: int | None) -> set[int]:
    """Which of these risks are open and outside the excluded register: ids only, cheap for a large block."""
    ids = [int(risk_id) for risk_id in risk_ids]
    query = sa.select(Risk.id).where(Risk.id.in_(ids), Risk.status == RiskStatus.OPEN)
    if exclude_register_id is not None:
        query = query.where(Risk.register_id != exclude_register_id)
    if exclude_risk_id is not None:
        query = query.where(Risk.id != exclude_risk_id)
    return set(db.session.scalars(query))


def _shortlist(semantic: np.ndarray, index: _Index, size: int, exclude_register_id, exclude_risk_id, visible):
    """The ``size`` semantically nearest open risks that pass the filters, nearest first. Ids are filtered a
    block at a time; whole risks are loaded only for as many as are needed."""
    chosen: list[tuple[Risk, float]] = []
    for block in similarity_rules.descending_blocks(semantic, first=4 * size, largest=2000):
        eligible = _eligible_ids(index.risk_ids[block], exclude_register_id, exclude_risk_id)
        positions = block[np.isin(index.risk_ids[block], np.fromiter(eligible, dtype=np.int64))].tolist()
        while positions and len(chosen) < size:
            batch, positions = positions[: size - len(chosen)], positions[size - len(chosen) :]
            loaded = _open_risks(index.risk_ids[batch])
            for position in batch:
                risk = loaded.get(int(index.risk_ids[position]))
                if risk is not None and (visible is None or visible(risk)):
                    chosen.append((risk, float(semantic[position])))
        if len(chosen) == size:
            break
    return chosen


def _similar(
    vector: np.ndarray,
    text: str,
    top: int,
    exclude_register_id: int | None = None,
    exclude_risk_id: int | None = None,
    visible: Callable[[Risk], bool] | None = None,
    min_score: float | None = None,
    first: Callable[[Risk], bool] | None = None,
) -> list[SimilarRisk]:
    """The ``top`` results, near-verbatim copies grouped into one; ``first`` says which risks rank first."""
    index = _index()
    if not len(index.risk_ids):
        return []
    settings = rules()
    # Copies share a result, so shortlist more than ``top`` distinct wordings may need.
    shortlist = _shortlist(
        index.vectors @ vector, index, max(4 * top, settings.shortlist), exclude_register_id, exclude_risk_id, visible
    )
    if not shortlist:
        return []
    semantic = np.array([score for _risk, score in shortlist], dtype=np.float32)
    lexical = similarity_rules.ngram_matrix([text_of(risk) for risk, _s in shortlist], settings) @ (
        similarity_rules.ngram_vector(text, settings)
    )
    order, combined = similarity_rules.rank_shortlist(lexical, semantic, settings)
    if min_score is not None:
        order = np.array([i for i in order if combined[i] >= min_score], dtype=np.int64)
    if first is not None:  # the registers above come first, best first among them
        order = np.array(sorted(order, key=lambda i: not first(shortlist[i][0])), dtype=np.int64)
    texts = similarity_rules.ngram_matrix([text_of(shortlist[i][0]) for i in order], settings)
    results = []
    for group in similarity_rules.group_copies(texts @ texts.T, settings.lexical_threshold)[:top]:
        i = order[group[0]]
        results.append(
            SimilarRisk(
                shortlist[i][0],
                float(combined[i]),
                float(lexical[i]),
                float(semantic[i]),
                similarity_rules.stage(float(lexical[i]), settings),
                tuple(shortlist[order[j]][0] for j in group[1:]),
            )
        )
    return results


def similar_to_text(
    text: str,
    top: int = 5,
    exclude_register: Register | None = None,
    *,
    exclude_risk: Risk | None = None,
    visible: Callable[[Risk], bool] | None = None,
    min_score: float | None = None,
    first: Callable[[Risk], bool] | None = None,
) -> list[SimilarRisk]:
    """The ``top`` open risks most like ``text``, best first, copies of one wording grouped into one result.
    ``visible`` filters out what a user may not see; ``first`` picks risks to rank before the others."""
    return _similar(
        encoder.encode([text])[0],
        text,
        top,
        exclude_register_id=exclude_register.id if exclude_register else None,
        exclude_risk_id=exclude_risk.id if exclude_risk else None,
        visible=visible,
        min_score=min_score,
        first=first,
    )


def similar_to_risk(
    risk: Risk, top: int = 5, *, visible: Callable[[Risk], bool] | None = None, min_score: float | None = None
) -> list[SimilarRisk]:
    """The open risks in other registers most like ``risk``; uses its stored embedding when it is current."""
    text = text_of(risk)
    row = db.session.get(RiskEmbedding, risk.id)
    if row is not None and row.text_hash == similarity_rules.text_hash(encoder.MODEL_ID, text):
        vector = similarity_rules.dequantise([row.vector], [row.scale], encoder.DIMENSIONS)[0]
    else:
        vector = encoder.encode([text])[0]
    return _similar(
        vector,
        text,
        top,
        exclude_register_id=risk.register_id,
        exclude_risk_id=risk.id,
        visible=visible,
        min_score=min_score,
    )


def suggestions(
    title: str, event: str, register: Register, visible: Callable[[Risk], bool], exclude_risk: Risk | None = None
) -> list[SimilarRisk]:
    """What to show someone saving a risk: the most similar risks in other registers above the threshold, those
    in the registers above first (the question is often "which corporate risk is this?")."""
    above = register.unit.path

    def is_above(risk: Risk) -> bool:
        path = risk.register.unit.path
        return path != above and above.startswith(path)

    return similar_to_text(
        similarity_rules.risk_text(title, event),
        top=5,
        exclude_register=register,
        exclude_risk=exclude_risk,
        visible=visible,
        min_score=rules().suggest_threshold,
        first=is_above,
    )


def duplicate_candidates(threshold: float | None = None) -> list[DuplicateCandidate]:
    """Pairs of open risks in different registers whose combined score reaches ``threshold``, best first.

    Both stages search every pair: the lexical stage for near-verbatim copies, the semantic stage for the same
    risk in other words. Each pair says which stage found it. Risks without a stored embedding are left out
    (``riskreg similar --reindex`` computes them)."""
    settings = rules()
    threshold = settings.duplicate_threshold if threshold is None else threshold
    rows = (
        db.session.execute(
            sa.select(Risk.id, Risk.register_id, Risk.title, Risk.event, RiskEmbedding.scale, RiskEmbedding.vector)
            .join(RiskEmbedding, RiskEmbedding.risk_id == Risk.id)
            .where(Risk.status == RiskStatus.OPEN, RiskEmbedding.model == encoder.MODEL_ID)
            .order_by(Risk.id)
        )
        .tuples()
        .all()
    )
    if len(rows) < 2:
        return []
    groups = np.array([row[1] for row in rows])
    semantic = similarity_rules.dequantise([row[5] for row in rows], [row[4] for row in rows], encoder.DIMENSIONS)
    lexical = similarity_rules.ngram_matrix([similarity_rules.risk_text(row[2], row[3]) for row in rows], settings)
    pairs = _candidate_pairs(semantic, lexical, groups, threshold, settings)
    risks = _open_risks({rows[i][0] for pair in pairs for i in pair[:2]})
    return [
        DuplicateCandidate(risks[rows[i][0]], risks[rows[j][0]], score, lex, sem, similarity_rules.stage(lex, settings))
        for i, j, score, lex, sem in sorted(pairs, key=lambda pair: (-pair[2], rows[pair[0]][0], rows[pair[1]][0]))
    ]


def _candidate_pairs(semantic, lexical, groups, threshold: float, settings: SimilarityRules) -> list[tuple]:
    # A pair that is not a near-verbatim copy has lexical < the lexical threshold, so its blended score can only
    # reach ``threshold`` from this semantic score up; copies are found by the lexical stage itself.
    weight = settings.semantic_weight
    floor = (threshold - (1 - weight) * settings.lexical_threshold) / weight if weight else -1.0
    found = {(i, j) for i, j, _ in similarity_rules.pairs_above(semantic, groups, floor)}
    found |= {(i, j) for i, j, _ in similarity_rules.pairs_above(lexical, groups, settings.lexical_threshold)}
    pairs = []
    for i, j in found:
        lex, sem = float(lexical[i] @ lexical[j]), float(semantic[i] @ semantic[j])
        score = float(similarity_rules.combine(np.array([lex]), np.array([sem]), settings)[0])
        if score >= threshold:
            pairs.append((i, j, score, lex, sem))
    return pairs
