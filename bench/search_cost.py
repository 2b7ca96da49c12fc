"""What one search costs, query by query: wall time, this process's CPU and PostgreSQL's CPU (issue 17).

    python -m bench.search_cost --database-url postgresql://postgres@127.0.0.1:5432/bench_m [--repeat 20]

Calls riskreg.services.search.search in-process, as the search page does, for the words the bench's "Search"
page loads (bench/measure.py), as a reader who may read every register's restricted risks. The CPU of the
PostgreSQL backend serving this session is read from /proc (same machine only), so the database's share is
seen apart from Python's; on a shared machine the CPU figures are steadier than the wall-clock ones.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

import sqlalchemy as sa

if __package__ in (None, ""):  # run as a script: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.app import bench_app  # noqa: E402
from bench.cpu import process_cpu  # noqa: E402
from bench.measure import SEARCH_WORDS  # noqa: E402
from riskreg.enums import RiskStatus  # noqa: E402
from riskreg.extensions import db  # noqa: E402
from riskreg.models import Register, Risk  # noqa: E402
from riskreg.services import search  # noqa: E402

PAGE_SIZE = 20


def queries() -> list[search.Query]:
    """The bench page's searches: words, a phrase, a status filter, one register, and a reference."""
    found = []
    for words in SEARCH_WORDS:
        text, _, status = words.partition("&status=")
        found.append(search.Query(text, status=RiskStatus(status) if status else None))
    register_id, ref = db.session.execute(sa.select(Risk.register_id, Risk.ref).order_by(Risk.id).limit(1)).one()
    found += [search.Query("court", register_id=register_id), search.Query(ref)]
    return found


def measure(query: search.Query, visible: list[int], repeat: int, page: int = 1) -> dict:
    backend = db.session.scalar(sa.text("SELECT pg_backend_pid()"))
    search.search(query, visible, page, PAGE_SIZE)  # warm: plans, pages in the cache
    walls = []
    cpu_began, pg_began = time.process_time(), process_cpu(backend)
    for _ in range(repeat):
        began = time.perf_counter()
        result = search.search(query, visible, page, PAGE_SIZE)
        walls.append(time.perf_counter() - began)
    return {
        "hits": result.total,
        "wall": 1000 * statistics.median(walls),
        "app": 1000 * (time.process_time() - cpu_began) / repeat,
        "pg": 1000 * (process_cpu(backend) - pg_began) / repeat,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--page", type=int, default=1)
    parser.add_argument("--subquery", action="store_true", help="the readers' registers as the page reads them now")
    args = parser.parse_args(argv)
    app = bench_app(args.database_url)
    with app.app_context():
        # Every register's id, as the search page passed them before it asked for a subquery (the way the old
        # service can be timed too); --subquery: as the page asks now.
        visible = search.registers_under(None) if args.subquery else list(db.session.scalars(sa.select(Register.id)))
        print("| Search | Hits | Wall, median | App CPU | PostgreSQL CPU |\n|---|---|---|---|---|")
        totals = []
        for query in queries():
            cost = measure(query, visible, args.repeat, args.page)
            totals.append(cost)
            label = query.text + (f" (status {query.status.value})" if query.status else "")
            label += " (one register)" if query.register_id else ""
            print(
                f"| {label} | {cost['hits']:,} | {cost['wall']:.1f} ms | {cost['app']:.1f} ms | {cost['pg']:.1f} ms |",
                flush=True,
            )
        mean = {key: statistics.mean(cost[key] for cost in totals) for key in ("wall", "app", "pg")}
        print(f"| mean | | {mean['wall']:.1f} ms | {mean['app']:.1f} ms | {mean['pg']:.1f} ms |")


if __name__ == "__main__":
    main()
