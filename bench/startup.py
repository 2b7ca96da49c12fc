"""How long riskreg takes to start, and how much memory a gunicorn worker holds when it has (issue 20).

Each measure runs in a fresh interpreter and reads its own CPU time (``resource.getrusage``) at the end:

- ``riskreg --help`` (the command line: it lists its commands without creating the app);
- ``create_app()``;
- the importing of the heavy libraries the app no longer loads at start, for comparison.

Bytecode: the shell these agents run in sets PYTHONDONTWRITEBYTECODE, which makes every start compile all of
riskreg (~0.5 s). An installed riskreg has its bytecode, so this runs once to fill a private bytecode cache
(PYTHONPYCACHEPREFIX in a temporary folder) and measures with it; ``--no-bytecode`` measures the other way.

Then it starts gunicorn (gunicorn.conf.py, production settings) on a SQLite file and reads each worker's
resident memory (VmRSS) once every worker has booted and answered /healthz.

    python bench/startup.py [--runs 5] [--workers 2] [--no-bytecode] [--append]

``--append`` adds a section to docs/benchmarks.md.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.report import machine  # noqa: E402
from bench.server import Gunicorn  # noqa: E402
from riskreg import PROJECT_ROOT  # noqa: E402

CPU_TAIL = (
    "\nimport resource as _r, sys as _s\n_u = _r.getrusage(_r.RUSAGE_SELF)\n"
    "print(f'CPU {_u.ru_utime + _u.ru_stime:.4f}', file=_s.stderr)\n"
)

MEASURES = {
    "`riskreg --help`": "from riskreg.cli import cli\ntry:\n    cli(['--help'])\nexcept SystemExit:\n    pass",
    "`create_app()`": "from riskreg import create_app\ncreate_app()",
    "Python alone": "pass",
    "Flask and SQLAlchemy alone": (
        "import flask, flask_sqlalchemy, sqlalchemy.orm, flask_wtf, flask_login, flask_limiter"
    ),
    "the libraries now loaded on first use": (
        "import weasyprint, pyhanko.sign, pyhanko.sign.validation, onnxruntime, tokenizers, numpy, openpyxl, "
        "alembic.command, jsonschema, email_validator"
    ),
}
TARGET_SECONDS = 0.5


def _environment(bytecode: bool, cache: str) -> dict[str, str]:
    environment = dict(os.environ)
    if bytecode:
        environment.pop("PYTHONDONTWRITEBYTECODE", None)
        environment["PYTHONPYCACHEPREFIX"] = cache
    else:
        environment["PYTHONDONTWRITEBYTECODE"] = "1"
    return environment


def cpu_seconds(code: str, environment: dict[str, str]) -> float:
    result = subprocess.run(
        [sys.executable, "-c", code + CPU_TAIL],
        cwd=PROJECT_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    line = [line for line in result.stderr.splitlines() if line.startswith("CPU ")][-1]
    return float(line.split()[1])


def measure_cpu(runs: int, bytecode: bool) -> dict[str, list[float]]:
    with tempfile.TemporaryDirectory() as cache:
        environment = _environment(bytecode, cache)
        for code in MEASURES.values():
            cpu_seconds(code, environment)  # fills the bytecode cache (and the OS's file cache)
        return {name: [cpu_seconds(code, environment) for _ in range(runs)] for name, code in MEASURES.items()}


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in path.read_text().split()] if path.exists() else []


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def worker_memory(workers: int) -> tuple[float, list[float]]:
    """(master's RSS, each worker's RSS) in MiB, once gunicorn answers /healthz and every worker has booted."""
    os.environ.setdefault("RISKREG_RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/15")
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/startup.sqlite"
        with Gunicorn(url, Path(folder) / "gunicorn.log", workers=workers, threads=2) as server:
            deadline = time.monotonic() + 60
            while len(_children(server.process.pid)) < workers and time.monotonic() < deadline:
                time.sleep(0.2)
            time.sleep(2)  # the last worker to fork finishes importing the app
            master = server.process.pid
            return _rss_mib(master), [_rss_mib(pid) for pid in _children(master)]


def report(cpu: dict[str, list[float]], memory: tuple[float, list[float]], bytecode: bool, runs: int) -> str:
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    lines = [
        f"Machine: {machine()}; Python {sys.version.split()[0]}; load average at the end {load}.",
        f"CPU seconds in a fresh interpreter, median of {runs} runs (min–max), "
        + ("with bytecode cached, as an installed riskreg runs." if bytecode else "compiling riskreg every time."),
        "",
        "| Start | CPU, median | min–max | Target |",
        "|---|---|---|---|",
    ]
    for name, values in cpu.items():
        target = f"< {TARGET_SECONDS} s" if name in ("`riskreg --help`", "`create_app()`") else ""
        lines.append(
            f"| {name} | {statistics.median(values):.2f} s | {min(values):.2f}–{max(values):.2f} s | {target} |"
        )
    master, workers = memory
    lines += [
        "",
        f"gunicorn (gunicorn.conf.py, gthread, 2 threads) at start: master {master:.0f} MiB RSS; "
        + ", ".join(f"{value:.0f}" for value in workers)
        + f" MiB RSS for its {len(workers)} workers, before any request.",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-bytecode", action="store_true")
    parser.add_argument("--append", action="store_true", help="add the figures to docs/benchmarks.md")
    args = parser.parse_args()
    cpu = measure_cpu(args.runs, not args.no_bytecode)
    text = report(cpu, worker_memory(args.workers), not args.no_bytecode, args.runs)
    print(text)
    if args.append:
        with (PROJECT_ROOT / "docs" / "benchmarks.md").open("a") as results:
            when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
            results.write(f"\n## Start-up (`bench/startup.py`), {when}\n\n")
            results.write(text + "\n")


if __name__ == "__main__":
    main()
