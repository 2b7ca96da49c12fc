"""docs/benchmarks.md: each run appends a section (date, machine, database, scale, commit); earlier runs stay."""

import os
import platform
import sqlite3
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from riskreg import PROJECT_ROOT

RESULTS = PROJECT_ROOT / "docs" / "benchmarks.md"

INTRODUCTION = """# Benchmarks

Measured by `make bench` (`bench/run.py`; data from `bench/generate.py`), never by timed tests. Each run
appends a section below; earlier runs are kept for comparison. DESIGN.md §9 and issue 9 set the targets:

- scale M on PostgreSQL: register page p95 under 150 ms and at least 100 requests per second;
- SQL queries per page independent of data size (the same count at S and M);
- concurrent reviews: 0 lost updates and 0 "database is locked" errors, on SQLite and PostgreSQL;
- audit-trail verification at least 50,000 events per second; import at least 2,000 rows per second.

Scales: S is 20 registers × 50 risks, M is 200 registers × 200 risks, L is 500,000 risks in 250
organisations (`python bench/generate.py --scale L`), each with two years of reviews and a valid audit trail.

Re-run on a quiet machine: `make bench` (PostgreSQL at 127.0.0.1:5432; it creates and replaces the
databases `riskreg_bench_s` and `riskreg_bench_m`). One scale and database:
`make bench BENCH_ARGS="--scales M --databases postgresql"`. Scale L: `make bench SCALE=L` (database
`riskreg_bench_l`, PostgreSQL only: the register page, search, registers index, committee view, the similarity
check and the full flag scan, the scan in a child process with a time limit and an 8 GiB cap).
"""


@dataclass
class Row:
    database: str
    scale: str
    measure: str
    result: str
    target: str = ""
    met: bool | None = None


@dataclass
class Run:
    command: str
    settings: str
    load_before: tuple[float, float, float] = field(default_factory=os.getloadavg)
    started: datetime = field(default_factory=lambda: datetime.now(UTC))
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    versions: dict[str, str] = field(default_factory=dict)
    commit: str = field(default_factory=lambda: current_commit())  # at the start: the code measured


def machine() -> str:
    cores = os.cpu_count()
    memory_kib = 0
    model = platform.processor() or platform.machine()
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            memory_kib = int(line.split()[1])
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    memory = f"{memory_kib / 1024 / 1024:.1f} GiB memory"
    return f"{cores} cores ({model}), {memory}, {platform.system()} {platform.release()}"


def current_commit() -> str:
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=PROJECT_ROOT, capture_output=True, text=True).stdout.strip()

    head = git("rev-parse", "--short", "HEAD") or "unknown"
    changed = git("status", "--porcelain", "--untracked-files=no")
    return f"{head} (with uncommitted changes)" if changed else head


def _load(values: tuple[float, float, float]) -> str:
    return " / ".join(f"{value:.2f}" for value in values)


def section(run: Run) -> str:
    versions = ", ".join(
        f"{name} {version}"
        for name, version in {
            "Python": platform.python_version(),
            "SQLite": sqlite3.sqlite_version,
            **run.versions,
        }.items()
    )
    lines = [
        f"## {run.started:%Y-%m-%d %H:%M} UTC, commit {run.commit}",
        "",
        "| Date | Commit | Machine | Load average before → after (1, 5, 15 min) |",
        "|---|---|---|---|",
        f"| {run.started:%Y-%m-%d} | {run.commit} | {machine()} | {_load(run.load_before)} → "
        f"{_load(os.getloadavg())} |",
        "",
        f"Software: {versions}. {run.settings}",
        f"Command: `{run.command}`",
        "",
        "| Database | Scale | Measure | Result | Target | Met |",
        "|---|---|---|---|---|---|",
    ]
    for row in run.rows:
        met = "" if row.met is None else ("yes" if row.met else "**no**")
        lines.append(f"| {row.database} | {row.scale} | {row.measure} | {row.result} | {row.target} | {met} |")
    if run.notes:
        lines += ["", *[f"- {note}" for note in run.notes]]
    return "\n".join(lines) + "\n"


def append(run: Run, path: Path = RESULTS) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    existing = path.read_text() if path.exists() else INTRODUCTION
    path.write_text(existing.rstrip("\n") + "\n\n" + section(run))
    return path
