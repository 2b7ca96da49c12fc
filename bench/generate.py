"""Generate a realistic riskreg database at scale S, M or L, written in bulk.

    python bench/generate.py --scale M --database-url postgresql://postgres@127.0.0.1:5432/riskreg_bench_m --reset

The schema is built by the real migrations first. Rows are written with COPY on
PostgreSQL and executemany on SQLite; the audit trail is a valid hash chain.

The data is made by table groups, one function each, run in order (GROUPS).
Features that are not generated yet add a group when they need data at scale:
committee comments, import uploads, API tokens, certificates and flags. Risk
embeddings are synthesised (bench/stored_embeddings.py): the model is far too slow for L.
"""

import argparse
import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import sqlalchemy as sa

if __package__ in (None, ""):  # run as a script: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import assurance, organisation, risks, stored_embeddings  # noqa: E402
from bench.context import SCALES, Context, Scale  # noqa: E402
from bench.sink import Sink, next_ids, reset_sequences  # noqa: E402
from bench.timeline import AUDIT_COLUMNS, Timeline  # noqa: E402
from riskreg.clock import today as clock_today  # noqa: E402
from riskreg.extensions import db  # noqa: E402
from riskreg.rules.audit_chain import GENESIS  # noqa: E402
from riskreg.services.audit.trail import WRITE_LOCK_KEY  # noqa: E402

SEED = 9
COLUMNS = {
    "unit": organisation.UNIT_COLUMNS,
    "register": organisation.REGISTER_COLUMNS,
    "app_user": organisation.USER_COLUMNS,
    "role_assignment": organisation.ROLE_COLUMNS,
    "risk": risks.RISK_COLUMNS,
    "countermeasure": risks.COUNTERMEASURE_COLUMNS,
    "review": risks.REVIEW_COLUMNS,
    "risk_link": assurance.LINK_COLUMNS,
    "control_test": assurance.TEST_COLUMNS,
    "evidence": assurance.EVIDENCE_COLUMNS,
    "control_test_evidence": assurance.TEST_EVIDENCE_COLUMNS,
    "audit_event": AUDIT_COLUMNS,
}


def _timeline(ctx: Context) -> None:
    ctx.timeline.run()


# (name, function): each writes one group of tables. Order matters: later groups refer to earlier ones.
GROUPS: list[tuple[str, Callable[[Context], None]]] = [
    ("units and registers", organisation.organisations),
    ("users and role assignments", organisation.people),
    ("risks and countermeasures", risks.risks),
    ("risk links (scheduled)", assurance.links),
    ("control tests and evidence metadata (scheduled)", assurance.control_tests),
    ("two years of reviews, and the audit trail", _timeline),
    ("risks' and registers' state today", risks.final_state),
    ("risk embeddings (synthetic)", stored_embeddings.embeddings),
]


@dataclass
class Summary:
    scale: Scale
    rows: dict[str, int]
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    @property
    def total_seconds(self) -> float:
        return sum(self.seconds.values())

    def text(self) -> str:
        lines = [
            f"Scale {self.scale.name}: {self.total_rows:,} rows in {self.total_seconds:.1f} s "
            f"({self.total_rows / max(self.total_seconds, 1e-9):,.0f} rows/s)"
        ]
        lines += [f"  {name:<45} {seconds:7.1f} s" for name, seconds in self.seconds.items()]
        lines += [f"  {table:<20} {count:>12,}" for table, count in self.rows.items()]
        return "\n".join(lines)


# Without the years of history (--without-history): the risks, countermeasures and embeddings, as they were
# created, without reviews, links, control tests or an audit trail. Scale L's history is most of its rows and
# of the hour of CPU it takes; searching and duplicate detection read only what is here.
WITHOUT_HISTORY = ("units and registers", "users and role assignments", "risks and countermeasures")


def generate(
    connection: sa.Connection, scale: Scale, today: date | None = None, seed: int = SEED, history: bool = True
) -> Summary:
    """Write ``scale``'s data through ``connection``, inside the caller's transaction (the caller commits)."""
    if connection.dialect.name == "postgresql":
        # Like riskreg.services.audit.trail.record: nobody else appends to the chain while we do.
        connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITE_LOCK_KEY})
    else:
        # The unique index on the audit hashes is written in random order: without a large page cache SQLite
        # spends most of a bulk load re-reading its own pages.
        connection.exec_driver_sql("PRAGMA cache_size = -524288")
    audit_event = db.metadata.tables["audit_event"]
    prev_hash = (
        connection.execute(sa.select(audit_event.c.hash).order_by(audit_event.c.id.desc()).limit(1)).scalar() or GENESIS
    )
    sink = Sink(connection, COLUMNS)
    timeline = Timeline(sink, next_ids(connection, list(COLUMNS)), prev_hash)
    ctx = Context(scale=scale, today=today or clock_today(), rng=random.Random(seed), sink=sink, timeline=timeline)
    summary = Summary(scale, sink.written)
    for name, group in GROUPS:
        if (
            not history
            and name not in WITHOUT_HISTORY
            and group not in (risks.final_state, stored_embeddings.embeddings)
        ):
            continue
        started = time.perf_counter()
        group(ctx)
        sink.flush()
        summary.seconds[name] = time.perf_counter() - started
    reset_sequences(connection, list(COLUMNS))
    return summary


def generate_database(database_url: str, scale: Scale, reset: bool, seed: int = SEED, history: bool = True) -> Summary:
    """Migrate the database with the real migrations, then fill it. Refuses a database that has data, unless reset."""
    from flask_migrate import upgrade

    from bench.app import bench_app, prepare_database, tidy_after_bulk_load

    prepare_database(database_url, reset)
    app = bench_app(database_url)
    with app.app_context():
        upgrade()
        with db.engine.begin() as connection:
            units = connection.execute(sa.text("SELECT count(*) FROM unit")).scalar_one()
            if units:
                raise SystemExit(f"{database_url} already has data: pass --reset to replace it")
            summary = generate(connection, scale, seed=seed, history=history)
        started = time.perf_counter()
        from riskreg.services import figures  # bulk rows bypass the ORM's flush events that keep the figures

        figures.rebuild_all()
        db.session.commit()
        summary.seconds["register figures"] = time.perf_counter() - started
        started = time.perf_counter()
        db.engine.dispose()
        tidy_after_bulk_load(database_url)
        summary.seconds["statistics (ANALYZE)"] = time.perf_counter() - started
    return summary


def default_database_url(scale_name: str) -> str:
    from bench.app import BENCH_INSTANCE

    return f"sqlite:///{BENCH_INSTANCE / f'bench-{scale_name.lower()}.sqlite'}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=sorted(SCALES), required=True)
    parser.add_argument("--database-url", help="SQLAlchemy URL (default: a SQLite file in instance/bench/)")
    parser.add_argument("--reset", action="store_true", help="empty the database first (its data is lost)")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument(
        "--without-history",
        action="store_true",
        help="risks, countermeasures and embeddings only (see WITHOUT_HISTORY)",
    )
    args = parser.parse_args(argv)
    url = args.database_url or default_database_url(args.scale)
    summary = generate_database(url, SCALES[args.scale], args.reset, args.seed, not args.without_history)
    print(summary.text())


if __name__ == "__main__":
    main()
