"""Table group: every risk's stored embedding, synthesised rather than computed by the model.

The model encodes 40 to 140 texts a second on this machine (docs/benchmarks.md), so embedding scale L's
500,000 risks would take hours. The bench needs vectors of the right size, format and structure, not their
meaning: each distinct text gets a unit vector drawn from a generator seeded by the text's hash, so copies of
one wording share a vector as they would with the model, and a wording restated for another part of the work
("…: fraud") lies near its theme's (cosine about 0.8), as a paraphrase would. Vectors are made per distinct
text, quantised as riskreg stores them (riskreg.rules.similarity.quantise)
with COPY, into an existing database:

    python -m bench.stored_embeddings --database-url postgresql://postgres@127.0.0.1:5432/bench_l
"""

import argparse
import hashlib
import sys
import time
from pathlib import Path

import numpy as np
import sqlalchemy as sa

if __package__ in (None, ""):  # run as a script: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.context import Context  # noqa: E402
from riskreg.clock import utcnow  # noqa: E402
from riskreg.extensions import db  # noqa: E402
from riskreg.rules import similarity as similarity_rules  # noqa: E402
from riskreg.similarity import encoder  # noqa: E402

EMBEDDING_COLUMNS = ("risk_id", "model", "text_hash", "scale", "vector", "computed_at")
# A variant's own direction, relative to its theme's: 0.5 puts variants of one theme at a cosine of about 0.8.
VARIANT_SPREAD = 0.5
BATCH = 50_000


def _unit(seed_text: str) -> np.ndarray:
    seed = int.from_bytes(hashlib.sha256(seed_text.encode()).digest()[:8], "little")
    vector = np.random.default_rng(seed).standard_normal(encoder.DIMENSIONS).astype(np.float32)
    return vector / np.linalg.norm(vector)


def synthetic_vector(title: str, event: str) -> np.ndarray:
    """A unit vector for a risk's text: its theme's direction (the event, which the generator's restatements
    share) plus a smaller one of its own."""
    vector = _unit(event or title) + VARIANT_SPREAD * _unit(similarity_rules.risk_text(title, event))
    return vector / np.linalg.norm(vector)


def embeddings(ctx: Context) -> None:
    ctx.sink.written["risk_embedding"] = write_embeddings(ctx.sink.connection, ctx.setup_at)


def write_embeddings(connection: sa.Connection, computed_at) -> int:
    """Store a synthetic embedding for every risk that has none, and a new embeddings version. How many."""
    ids = connection.execute(
        sa.text(
            "SELECT risk.id, risk.title, risk.event FROM risk LEFT JOIN risk_embedding e ON e.risk_id = risk.id "
            "WHERE e.risk_id IS NULL ORDER BY risk.id"
        )
    ).all()
    stored: dict[str, tuple[str, float, bytes]] = {}  # text -> (hash, scale, vector): one vector per distinct text
    written = 0
    for start in range(0, len(ids), BATCH):
        rows = []
        for risk_id, title, event in ids[start : start + BATCH]:
            text = similarity_rules.risk_text(title, event)
            if text not in stored:
                blob, scale = similarity_rules.quantise(synthetic_vector(title, event))
                stored[text] = (similarity_rules.text_hash(encoder.MODEL_ID, text), scale, blob)
            digest, scale, blob = stored[text]
            rows.append((risk_id, encoder.MODEL_ID, digest, scale, blob, computed_at))
        _write(connection, rows)
        written += len(rows)
    version = db.metadata.tables["risk_embedding_version"]
    connection.execute(sa.delete(version))
    connection.execute(sa.insert(version).values(id=1, token=int.from_bytes(hashlib.sha256(b"bench").digest()[:7])))
    return written


def _write(connection: sa.Connection, rows: list[tuple]) -> None:
    if connection.dialect.name == "postgresql":
        cursor = connection.connection.driver_connection.cursor()
        with cursor.copy(f"COPY risk_embedding ({', '.join(EMBEDDING_COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.close()
    else:
        table = db.metadata.tables["risk_embedding"]
        connection.execute(table.insert(), [dict(zip(EMBEDDING_COLUMNS, row, strict=True)) for row in rows])


def main(argv: list[str] | None = None) -> None:
    from bench.app import bench_app

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    args = parser.parse_args(argv)
    app = bench_app(args.database_url)
    with app.app_context():
        started = time.perf_counter()
        with db.engine.begin() as connection:
            count = write_embeddings(connection, utcnow())
        print(f"{count:,} synthetic embeddings in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
