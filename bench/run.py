"""Run the benchmarks and append the figures to docs/benchmarks.md (`make bench`).

For each database and scale: generate the data (bench/generate.py), count SQL
queries per page in-process, serve the app with gunicorn on loopback, load the
pages with 8 clients, record reviews concurrently, and verify the audit trail.

    python bench/run.py                                   # S and M, SQLite and PostgreSQL
    python bench/run.py --scales M --databases postgresql --note "quiet machine"
"""

import argparse
import json
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa

if __package__ in (None, ""):  # run as a script: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import profile, report, transfer  # noqa: E402
from bench.app import BENCH_INSTANCE, bench_app, is_postgres  # noqa: E402
from bench.client import Browser  # noqa: E402
from bench.context import SCALES  # noqa: E402
from bench.cpu import CpuMeter  # noqa: E402
from bench.generate import default_database_url, generate_database  # noqa: E402
from bench.load import run_load  # noqa: E402
from bench.measure import (  # noqa: E402
    bench_token,
    ensure_bench_user,
    optional_pages,
    page_costs,
    pick_targets,
    verify_rate,
)
from bench.organisation import BENCH_PASSWORD  # noqa: E402
from bench.report import Row, Run  # noqa: E402
from bench.server import Gunicorn  # noqa: E402
from bench.writes import WriteResult, count_lost, record_reviews, snapshot  # noqa: E402
from riskreg import PROJECT_ROOT  # noqa: E402
from riskreg.config import normalise_database_url  # noqa: E402
from riskreg.extensions import db  # noqa: E402

DEFAULT_POSTGRES = os.environ.get("RISKREG_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/riskreg_bench")
NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
# p95 ms, requests per second: scale M on PostgreSQL (issues 9 and 20)
PAGE_TARGET = {"Register page": (150, 100), "Registers index": (150, 100), "Committee view": (150, 100)}
PAGE_TARGET["Search"] = (100, 0)  # issue 17: a search answers in under 100 ms; no throughput target
VERIFY_TARGET = 50_000
LATER = [
    "Certificate render time and peak memory are measured by bench/certificates.py: see its section.",
    "Duplicate detection (recall, check and scan times) is measured by bench/similarity.py: see its section.",
]
IMPORT_TARGET = 2_000


def database_url(kind: str, scale: str, postgresql_url: str) -> str:
    if kind == "sqlite":
        return default_database_url(scale)
    url = sa.make_url(normalise_database_url(postgresql_url))
    return url.set(database=f"{url.database}_{scale.lower()}").render_as_string(hide_password=False)


def has_data(url: str) -> bool:
    if not is_postgres(url) and not Path(sa.make_url(url).database).exists():
        return False
    engine = sa.create_engine(normalise_database_url(url))
    try:
        with engine.connect() as connection:
            return bool(connection.execute(sa.text("SELECT count(*) FROM risk")).scalar())
    except sa.exc.SQLAlchemyError:
        return False
    finally:
        engine.dispose()


class Bench:
    def __init__(self, args: argparse.Namespace, run: Run) -> None:
        self.args = args
        self.run = run
        self.query_counts: dict[tuple[str, str], dict[str, tuple[int, int]]] = {}

    def row(self, kind: str, scale: str, measure: str, result: str, target: str = "", met: bool | None = None):
        self.run.rows.append(Row(NAMES[kind], scale, measure, result, target, met))
        print(f"[{NAMES[kind]} {scale}] {measure}: {result}", flush=True)

    def one(self, kind: str, scale: str) -> None:
        url = database_url(kind, scale, self.args.postgresql_url)
        self.data(kind, scale, url)
        app = bench_app(url)
        email = ensure_bench_user(app)
        targets = pick_targets(app)
        bearer = bench_token(app, email)
        extra, notes = optional_pages(app, targets)
        pages = {
            "Registers index": ["/registers"],
            "Register page": targets.registers,
            "Risk page": targets.risks,
            **extra,
        }
        if self.args.pages:  # only these pages, and none of the write, audit and transfer measures
            pages = {page: paths for page, paths in pages.items() if page in self.args.pages}
        self.run.notes += [note for note in notes if note not in self.run.notes]
        costs = page_costs(app, email, pages, bearer)
        self.query_counts[(kind, scale)] = {page: cost.queries for page, cost in costs.items()}
        self.row(
            kind,
            scale,
            "SQL queries and app CPU per request (in-process, one client)",
            "; ".join(f"{page}: {cost.text()}" for page, cost in costs.items()),
        )
        log = BENCH_INSTANCE / f"gunicorn-{kind}-{scale.lower()}.log"
        with Gunicorn(url, log, self.args.workers, self.args.threads, self.args.worker_class) as server:
            browsers = [Browser(server.port) for _ in range(self.args.clients)]
            for browser in browsers:
                browser.sign_in(email, BENCH_PASSWORD)
                browser.headers["Authorization"] = f"Bearer {bearer}"  # the API's sign-in; pages ignore it
            for page, paths in pages.items():
                self.load(kind, scale, page, paths, browsers, server)
            if not self.args.pages:
                self.writes(kind, scale, app, server, browsers, targets)
            for browser in browsers:
                browser.close()
        if self.args.similarity:  # opt-in: the full scan does not finish at M (docs/benchmarks.md, scale L)
            self.similarity(kind, scale, url)
        if not self.args.pages:
            self.verify(kind, scale, app)
            self.transfer(kind, scale, app)
        with app.app_context():
            db.engine.dispose()

    def data(self, kind: str, scale: str, url: str) -> None:
        if self.args.reuse and has_data(url):
            self.row(kind, scale, "Data", "reused from an earlier run (not regenerated)")
            return
        summary = generate_database(url, SCALES[scale], reset=True)
        counts = ", ".join(f"{n:,} {table}" for table, n in summary.rows.items() if table != "role_assignment")
        self.row(
            kind,
            scale,
            "Generation",
            f"{summary.total_rows:,} rows in {summary.total_seconds:.1f} s "
            f"({summary.total_rows / summary.total_seconds:,.0f} rows/s): {counts}",
        )

    def similarity(self, kind: str, scale: str, url: str) -> None:
        """One new risk checked against every stored risk, and the full flag scan (bench/scan_cost.py), each in a
        child process with a time limit and a memory cap."""
        checked = self._child(url, ["check"], 600)
        if "error" in checked:
            self.row(kind, scale, "Similarity check of one new risk", checked["error"])
        else:
            self.row(
                kind,
                scale,
                f"Similarity check of one new risk against {checked['stored']:,} stored",
                f"warm {1000 * checked['warm']:.0f} ms ({1000 * checked['warm_cpu']:.0f} ms CPU), of which the matrix "
                f"product and ranking {1000 * checked['product']:.0f} ms; cold (the process reads every vector first) "
                f"{checked['cold']:.1f} s ({checked['cold_cpu']:.1f} s CPU); matrix {checked['matrix_mib']:.0f} MiB "
                f"per process, peak {checked['peak_mib']:.0f} MiB",
            )
        if not self.args.scan_seconds:
            return
        scanned = self._child(url, ["scan", "--parts"], self.args.scan_seconds)
        if "error" in scanned:
            self.row(kind, scale, "Full flag scan (scan_all, rolled back)", scanned["error"])
            return
        self.row(
            kind,
            scale,
            "Full flag scan (scan_all, rolled back)",
            f"{scanned['wall']:.0f} s ({scanned['cpu']:.0f} s CPU), {scanned['raised']:,} flags raised, "
            f"{scanned['cleared']:,} cleared; of which the duplicate search alone "
            f"{scanned['pairs_wall']:.0f} s ({scanned['pairs_cpu']:.0f} s CPU): {scanned['risks']:,} open risks, "
            f"{scanned['wordings']:,} distinct wordings, {scanned['wording_pairs']:,} pairs of wordings scored; "
            f"peak {scanned['peak_mib']:,.0f} MiB",
        )

    def _child(self, url: str, what: list[str], seconds: float) -> dict:
        command = [sys.executable, "-m", "bench.scan_cost", "--database-url", url]
        command += ["--memory-gib", str(self.args.scan_memory_gib), *what]
        try:
            done = subprocess.run(
                command, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=seconds, check=False
            )
        except subprocess.TimeoutExpired:
            return {"error": f"stopped after {seconds:.0f} s without finishing"}
        lines = done.stdout.strip().splitlines()
        if done.returncode or not lines:
            cause = "out of memory" if "MemoryError" in done.stderr else f"exit status {done.returncode}"
            return {"error": f"failed ({cause}, under a cap of {self.args.scan_memory_gib} GiB): {done.stderr[-300:]}"}
        return json.loads(lines[-1])

    def verify(self, kind: str, scale: str, app) -> None:
        check, seconds, cpu_seconds = verify_rate(app)
        rate = check.checked / seconds
        state = "intact" if check.ok else f"BROKEN at event {check.broken_id}: {check.reason}"
        result = (
            f"{check.checked:,} events in {seconds:.1f} s: {rate:,.0f} events/s "
            f"({check.checked / cpu_seconds:,.0f} per CPU second of the checking process); {state}"
        )
        self.row(
            kind,
            scale,
            "Audit trail verification",
            result,
            f"≥ {VERIFY_TARGET:,} events/s",
            rate >= VERIFY_TARGET and check.ok,
        )

    def transfer(self, kind: str, scale: str, app) -> None:
        exported, _data = transfer.export_every_register(app)
        self.row(kind, scale, "Export", exported.text("risks"))
        imported = transfer.import_rate(app)
        rate = imported.count / imported.seconds
        self.row(kind, scale, "Import", imported.text("rows"), f"≥ {IMPORT_TARGET:,} rows/s", rate >= IMPORT_TARGET)

    def load(self, kind, scale, page: str, paths: list[str], browsers: list[Browser], server: Gunicorn) -> None:
        run_load(browsers, paths, self.args.warmup)
        load = os.getloadavg()[0]
        meter = CpuMeter(server.process.pid, server.database_url)
        if self.args.profile:
            raw = BENCH_INSTANCE / f"profile-{kind}-{scale.lower()}-{page.lower().replace(' ', '-')}.txt"
            with profile.sampled(server.process.pid, raw), meter:
                result = run_load(browsers, paths, self.args.requests, self.args.page_seconds)
            print(f"Profile of {page} ({raw}):\n{profile.summary(raw)}", flush=True)
        else:
            with meter:
                result = run_load(browsers, paths, self.args.requests, self.args.page_seconds)
        target, met = "", None
        if page in PAGE_TARGET and scale == "M" and kind == "postgresql":
            p95, per_second = PAGE_TARGET[page]
            target = f"p95 < {p95} ms" + (f", ≥ {per_second} req/s" if per_second else "")
            met = result.percentile(95) < p95 and result.per_second >= per_second and not result.failures
        retries = f"; {result.retries} reconnections" if result.retries else ""
        cpu = meter.used.per_request_text(result.requests)
        result_text = f"{result.text()}{retries}; load average {load:.1f} when it started. {cpu}"
        self.row(kind, scale, f"{page} ({len(paths)} URLs)", result_text, target, met)

    def writes(self, kind, scale, app, server, browsers, targets) -> None:
        scenarios = (
            ("different risks", targets.writers, False),
            ("the same risk", [targets.shared] * len(browsers), True),
        )
        for name, refs, together in scenarios:
            versions = snapshot(app, set(refs))
            locked_before = server.log_count("database is locked")
            attempts = record_reviews(browsers, refs, self.args.rounds, together)
            result = WriteResult(name, attempts)
            problems = count_lost(app, attempts, versions)
            result.lost, result.lost_detail = len(problems), problems
            result.locked = server.log_count("database is locked") - locked_before
            errors = sum(n for status, n in result.statuses.items() if status >= 500)
            met = result.lost == 0 and result.locked == 0 and errors == 0
            self.row(
                kind,
                scale,
                f"Concurrent reviews, {len(browsers)} clients on {name}",
                result.text(),
                "0 lost, 0 locked",
                met,
            )
            for problem in problems[:5]:
                print(f"    {problem}", flush=True)

    def independence(self) -> None:
        for kind in self.args.databases:
            small, large = self.query_counts.get((kind, "S")), self.query_counts.get((kind, "M"))
            if small and large:
                same = all(small[page] == large.get(page) for page in small)
                detail = ", ".join(f"{page} {_span(small[page])} → {_span(large.get(page))}" for page in small)
                self.row(kind, "S → M", "SQL queries per page as the data grows 40×", detail, "the same", same)


def _span(queries: tuple[int, int] | None) -> str:
    if queries is None:
        return "not measured"
    low, high = queries
    return str(low) if low == high else f"{low}–{high}"


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", nargs="+", choices=["S", "M", "L"], default=["S", "M"])
    parser.add_argument("--databases", nargs="+", choices=list(NAMES), default=list(NAMES))
    parser.add_argument(
        "--postgresql-url",
        default=DEFAULT_POSTGRES,
        help="server and database name prefix; scale S uses <name>_s (created, and replaced)",
    )
    parser.add_argument("--requests", type=int, default=500, help="requests per page, after the warm-up")
    parser.add_argument("--warmup", type=int, default=40, help="requests per page before measuring")
    parser.add_argument(
        "--page-seconds",
        type=float,
        default=40,
        help="stop a page's load after this long even if fewer requests were sent",
    )
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=2, help="threads per gunicorn worker (gthread)")
    parser.add_argument("--worker-class", default="gthread", choices=["gthread", "sync"])
    parser.add_argument("--rounds", type=int, default=5, help="reviews each client records per scenario")
    parser.add_argument("--reuse", action="store_true", help="keep databases that already have data")
    parser.add_argument(
        "--pages",
        nargs="+",
        metavar="PAGE",
        help='only these pages (e.g. "Registers index" "Committee view"), without the write, audit and transfer runs',
    )
    parser.add_argument("--profile", action="store_true", help="sample the workers with py-spy during each page's load")
    parser.add_argument("--similarity", action="store_true", help="the similarity check and the full flag scan too")
    parser.add_argument(
        "--scan-seconds", type=float, default=1800, help="stop the full flag scan after this long (0: no scan)"
    )
    parser.add_argument("--scan-memory-gib", type=float, default=8, help="memory cap of the scan's process")
    parser.add_argument("--note", default="", help="a remark printed with the results (e.g. a busy machine)")
    parser.add_argument("--output", type=Path, default=report.RESULTS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse(argv)
    threads = f" × {args.threads} threads" if args.worker_class == "gthread" else ""
    settings = (
        f"gunicorn with {args.workers} {args.worker_class} workers{threads} (gunicorn.conf.py, "
        f"production settings); {args.clients} clients in one process (threads, http.client, keep-alive), "
        f"{args.requests} requests per page (or {args.page_seconds:.0f} s at most) after {args.warmup} "
        f"warm-up requests; {args.rounds} reviews per "
        f"client per write scenario."
    )
    if args.profile:
        settings += " Workers sampled with py-spy during each page's load (slower than without)."
    if args.note:
        settings += f" **{args.note}**"
    run = Run(
        command=shlex.join(["python", "bench/run.py", *(argv if argv is not None else sys.argv[1:])]), settings=settings
    )
    bench = Bench(args, run)
    began = time.perf_counter()
    for kind in args.databases:
        if kind == "postgresql":
            run.versions["PostgreSQL"] = postgres_version(args.postgresql_url)
        for scale in args.scales:
            bench.one(kind, scale)
    bench.independence()
    run.notes += LATER
    run.notes.append(f"The whole run took {(time.perf_counter() - began) / 60:.1f} minutes.")
    path = report.append(run, args.output)
    print(f"Results appended to {path}")


def postgres_version(url: str) -> str:
    engine = sa.create_engine(sa.make_url(normalise_database_url(url)).set(database="postgres"))
    with engine.connect() as connection:
        version = connection.execute(sa.text("SHOW server_version")).scalar()
    engine.dispose()
    return str(version).split()[0]


if __name__ == "__main__":
    main()
