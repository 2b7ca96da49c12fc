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
from collections import defaultdict
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


@risks.after_save(risks.Stage.EMBEDDING)
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


# Every open risk against every other, by wording (the full flag scan) -------------------------------------------

# Distinct wordings are scored against each other this many at a time: a block's lexical rows are 2 × 1,024 × 4,096
# floats (32 MiB), its score matrices 1,024 × 1,024, however many risks and wordings there are.
WORDING_BLOCK = 1024
# Pairs whose block-product scores come this close to a threshold are scored again one by one, as a pair always was.
_MARGIN = 1e-4


@dataclass(frozen=True, slots=True)  # one for each side of each matching pair: millions at scale L
class WordingMatch:
    """Another wording whose risks score ``score`` (at least the threshold) with this wording's risks."""

    wording: int
    score: float
    lexical: float
    semantic: float
    stage: SimilarityStage


@dataclass(frozen=True)
class Wordings:
    """The open risks with a stored embedding, grouped by wording: risks whose compared text and stored vector are
    the same (copies: one wording pasted into many registers) score the same against everything, 1.0 with each
    other. ``matches[w]`` lists the wordings (``w`` itself among them) whose risks are possible duplicates of
    ``w``'s, so a caller works out what it needs per risk without a list of every pair of risks."""

    risk_ids: np.ndarray  # ascending
    register_ids: np.ndarray
    wording_of: np.ndarray  # each risk's wording, an index into ``texts`` and ``matches``
    texts: list[str]
    matches: list[list[WordingMatch]]
    pairs_scored: int  # pairs of distinct wordings (each with itself included) whose scores were computed

    def __len__(self) -> int:
        return len(self.texts)


def similar_wordings(
    threshold: float | None = None,
    progress: Callable[[int, int], None] | None = None,
    block: int = WORDING_BLOCK,
) -> Wordings:
    """Group the open risks by wording and score the distinct wordings against each other, ``block`` rows and
    columns at a time (memory: the distinct wordings' vectors and one block, not the risks squared). A pair of
    wordings scores as a pair of risks always did: both stages, each pair that reaches the threshold found
    (the lexical stage for near-verbatim copies, the semantic stage for the same risk in other words).
    ``progress(done, total)`` follows each block of rows. Risks without a stored embedding are left out."""
    settings = rules()
    threshold = settings.duplicate_threshold if threshold is None else threshold
    query = (
        sa.select(Risk.id, Risk.register_id, Risk.title, Risk.event, RiskEmbedding.scale, RiskEmbedding.vector)
        .join(RiskEmbedding, RiskEmbedding.risk_id == Risk.id)
        .where(Risk.status == RiskStatus.OPEN, RiskEmbedding.model == encoder.MODEL_ID)
        .order_by(Risk.id)
        .execution_options(yield_per=10_000)
    )
    index: dict[tuple[str, bytes, float], int] = {}
    risk_ids, register_ids, wording_of = [], [], []
    for risk_id, register_id, title, event, scale, vector in db.session.execute(query):
        key = (similarity_rules.risk_text(title, event), bytes(vector), scale)
        risk_ids.append(risk_id)
        register_ids.append(register_id)
        wording_of.append(index.setdefault(key, len(index)))
    keys = list(index)
    del index
    semantic = similarity_rules.dequantise([key[1] for key in keys], [key[2] for key in keys], encoder.DIMENSIONS)
    lexical = similarity_rules.NgramRows([key[0] for key in keys], settings)
    matches, scored = _matching_wordings(semantic, lexical, threshold, settings, progress, block)
    return Wordings(
        risk_ids=np.array(risk_ids, dtype=np.int64),
        register_ids=np.array(register_ids, dtype=np.int64),
        wording_of=np.array(wording_of, dtype=np.int64),
        texts=[key[0] for key in keys],
        matches=matches,
        pairs_scored=scored,
    )


def _matching_wordings(semantic, lexical, threshold: float, settings: SimilarityRules, progress, block: int):
    """For each wording, the wordings (itself included) scoring at least ``threshold`` with it, and how many pairs
    were scored. Each block pair is two matrix products; the pairs they put near or above a threshold are scored
    again one by one with the very expressions ``combine`` was always given, so scores are what they were."""
    count = len(semantic)
    weight = settings.semantic_weight
    # A pair that is not a near-verbatim copy has lexical < the lexical threshold, so its blended score can only
    # reach ``threshold`` from this semantic score up; copies are found by the lexical stage itself.
    floor = (threshold - (1 - weight) * settings.lexical_threshold) / weight if weight else -1.0
    matches: list[list[WordingMatch]] = [[] for _ in range(count)]
    scored = 0
    for row in range(0, count, block):
        rows_lexical = lexical.dense(row, min(row + block, count))
        for column in range(row, count, block):
            columns_lexical = rows_lexical if column == row else lexical.dense(column, min(column + block, count))
            rows_semantic, columns_semantic = semantic[row : row + block], semantic[column : column + block]
            near = (rows_semantic @ columns_semantic.T >= floor - _MARGIN) | (
                rows_lexical @ columns_lexical.T >= settings.lexical_threshold - _MARGIN
            )
            if column == row:
                near = np.triu(near)  # each pair once, each wording with itself (its copies) too
            scored += near.size if column != row else near.shape[0] * (near.shape[0] + 1) // 2
            found = np.nonzero(near)
            if not len(found[0]):
                continue
            lexical_scores = [float(rows_lexical[i] @ columns_lexical[j]) for i, j in zip(*found, strict=True)]
            semantic_scores = [float(rows_semantic[i] @ columns_semantic[j]) for i, j in zip(*found, strict=True)]
            combined = similarity_rules.combine(np.array(lexical_scores), np.array(semantic_scores), settings)
            scores = zip(*found, lexical_scores, semantic_scores, combined.tolist(), strict=True)
            for i, j, lex, sem, score in scores:
                if score < threshold:
                    continue
                first, second, stage = row + int(i), column + int(j), similarity_rules.stage(lex, settings)
                matches[first].append(WordingMatch(second, score, lex, sem, stage))
                if second != first:
                    matches[second].append(WordingMatch(first, score, lex, sem, stage))
        if progress:
            progress(min(row + block, count), count)
    return matches, scored


def duplicate_candidates(threshold: float | None = None) -> list[DuplicateCandidate]:
    """Pairs of open risks in different registers whose combined score reaches ``threshold``, best first.

    Both stages search every pair of distinct wordings (``similar_wordings``); each pair of risks says which
    stage found it. The list has every such pair, so it grows with the square of the copies of a wording: the
    full scan does not use it. Risks without a stored embedding are left out (``riskreg similar --reindex``)."""
    wordings = similar_wordings(threshold)
    members: dict[int, list[int]] = defaultdict(list)
    for position, wording in enumerate(wordings.wording_of.tolist()):
        members[wording].append(position)
    ids, registers = wordings.risk_ids.tolist(), wordings.register_ids.tolist()
    pairs = []
    for wording, found in enumerate(wordings.matches):
        for match in found:
            if match.wording < wording:
                continue
            for i in members[wording]:
                for j in members[match.wording]:
                    if registers[i] != registers[j] and (match.wording != wording or i < j):
                        low, high = sorted((ids[i], ids[j]))
                        pairs.append((low, high, match))
    risks = _open_risks({risk_id for pair in pairs for risk_id in pair[:2]})
    return [
        DuplicateCandidate(risks[low], risks[high], match.score, match.lexical, match.semantic, match.stage)
        for low, high, match in sorted(pairs, key=lambda pair: (-pair[2].score, pair[0], pair[1]))
    ]
