"""What one request for a page costs in-process, page by page and reader by reader (issue 20: scale L).

    python -m bench.page_cost --database-url postgresql://postgres@127.0.0.1:5432/bench_l [--repeat 5]

Signs in through the Flask test client (the bench runner of bench/measure.py, a risk manager and committee member
at organisation 1's HQ, and the readers named with --as), loads each page ``--warmup`` times, then ``--repeat``
times, and prints per page the median of this process's CPU per request (time.process_time), the median wall
time, the CPU of this database's PostgreSQL backends per request (from /proc: same machine, and a database of
one's own, or other sessions' queries count too; not the parallel workers a plan starts: set
max_parallel_workers_per_gather to 0 for the database to count those), the SQL statements of one request and
the response's size. On a shared machine the CPU figures are the steady ones.
"""

import argparse
import statistics
import sys
import time
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import quote

import sqlalchemy as sa

if __package__ in (None, ""):  # run as a script: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.app import bench_app  # noqa: E402
from bench.client import CSRF_FIELD  # noqa: E402
from bench.cpu import process_cpu  # noqa: E402
from bench.measure import ensure_bench_user  # noqa: E402
from bench.organisation import BENCH_PASSWORD  # noqa: E402
from riskreg.config import normalise_database_url  # noqa: E402
from riskreg.enums import RiskStatus  # noqa: E402
from riskreg.extensions import db  # noqa: E402
from riskreg.models import Register, Risk, Unit  # noqa: E402
from tests.conftest import count_queries  # noqa: E402  - the test suite's own counter


def hq_risk(app) -> str:
    """Organisation 1's HQ risk team (bench/organisation.py): reads every register and the committee view."""
    with app.app_context():
        code = db.session.scalar(sa.select(Unit.code).where(Unit.parent_id.is_(None)).order_by(Unit.id))
    return f"hqrisk.{code.lower()}@bench.example.org"


def default_pages(app) -> list[tuple[str, str]]:
    """(label, path): the pages issue 20 asks for at L, a first and a later page of the paged ones."""
    with app.app_context():
        hq = db.session.scalar(sa.select(Unit).where(Unit.parent_id.is_(None)).order_by(Unit.id))
        ref = db.session.scalar(
            sa.select(Risk.ref)
            .join(Register, Register.id == Risk.register_id)
            .where(Register.unit_id == hq.id, Risk.status == RiskStatus.OPEN)
            .order_by(Risk.id)
            .limit(1)
        )
        code = hq.code
    return [
        ("Register page", f"/registers/{code}"),
        ("Registers index, page 1", "/registers"),
        ("Registers index, page 50", "/registers?page=50"),
        ("Committee view, page 1", "/committee"),
        ("Committee view, page 500", "/committee?page=500"),
        ("Search, victim letters", f"/search?q={quote('victim letters')}"),
        ("Search, a reference", f"/search?q={quote(ref)}"),
    ]


def signed_in_client(app, email: str):
    client = app.test_client()
    token = CSRF_FIELD.search(client.get("/sign-in").data)  # none when the app checks no CSRF token (tests)
    form = {"email": email, "password": BENCH_PASSWORD} | ({"csrf_token": token.group(1).decode()} if token else {})
    response = client.post("/sign-in", data=form)
    if response.status_code != 302:
        raise RuntimeError(f"in-process sign-in of {email} answered {response.status_code}")
    return client


def backends(url: str) -> list[int]:
    """The PostgreSQL backends serving this database (this process's pool, after a warm-up); none on SQLite."""
    if not normalise_database_url(url).startswith("postgresql"):
        return []
    engine = sa.create_engine(normalise_database_url(url))
    with engine.connect() as connection:
        pids = connection.execute(
            sa.text("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
        ).scalars()
        found = list(pids)
    engine.dispose()
    return found


def measure(app, url: str, client, path: str, warmup: int, repeat: int) -> dict:
    for _ in range(warmup):
        response = client.get(path)
        if response.status_code != 200:
            raise RuntimeError(f"{path} answered {response.status_code}")
    with ExitStack() as stack:
        with app.app_context():  # count_queries finds the engine in an app context; the request pushes its own
            statements = stack.enter_context(count_queries())
        size = len(client.get(path).data)
    pids = backends(url)
    cpu, wall, database = [], [], []
    for _ in range(repeat):
        pg_began = sum(process_cpu(pid) for pid in pids)
        began, cpu_began = time.perf_counter(), time.process_time()
        response = client.get(path)
        cpu.append(time.process_time() - cpu_began)
        wall.append(time.perf_counter() - began)
        database.append(sum(process_cpu(pid) for pid in pids) - pg_began)
        assert response.status_code == 200, (path, response.status_code)
    return {
        "cpu": 1000 * statistics.median(cpu),
        "cpu_range": (1000 * min(cpu), 1000 * max(cpu)),
        "wall": 1000 * statistics.median(wall),
        "pg": 1000 * statistics.mean(database),  # /proc counts in ticks of 10 ms: a mean, not a median
        "queries": len(statements),
        "size": size,
    }


def kib(size: int) -> str:
    return f"{size / 1024:,.0f} KiB" if size < 1024 * 1024 else f"{size / 1024 / 1024:.1f} MiB"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--as", dest="readers", nargs="*", help="more readers' e-mail addresses (default: HQ risk's)")
    parser.add_argument("--only", nargs="*", help="only the pages whose label starts with one of these")
    args = parser.parse_args(argv)
    app = bench_app(args.database_url)
    readers = [ensure_bench_user(app), *(args.readers if args.readers is not None else [hq_risk(app)])]
    pages = [
        (label, path)
        for label, path in default_pages(app)
        if not args.only or any(label.startswith(prefix) for prefix in args.only)
    ]
    print(f"{args.warmup} warm-up requests, then the median of {args.repeat}; CPU = this process (time.process_time)")
    print("| Reader | Page | App CPU, median (min–max) | Wall, median | PostgreSQL CPU, mean | Queries | Size |")
    print("|---|---|---|---|---|---|---|")
    for email in readers:
        client = signed_in_client(app, email)
        for label, path in pages:
            cost = measure(app, args.database_url, client, path, args.warmup, args.repeat)
            low, high = cost["cpu_range"]
            print(
                f"| {email.split('@')[0]} | {label} (`{path}`) | {cost['cpu']:,.1f} ms ({low:,.1f}–{high:,.1f}) "
                f"| {cost['wall']:,.1f} ms | {cost['pg']:,.0f} ms | {cost['queries']} | {kib(cost['size'])} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
