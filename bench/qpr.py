"""Quarterly performance review pack benchmark: building and printing London North's pack from the demo.

    python bench/qpr.py                            # seeds the demo into a temporary SQLite database first
    python bench/qpr.py --instance /path/to/inst   # uses an instance folder that already holds the demo

Prints the median time to gather the pack (queries) and to render it to PDF (WeasyPrint), over five runs
each, with the machine and load; the figures go by hand into docs/benchmarks.md ("QPR pack"). Target: the PDF
in under 2 s for the demo unit.
"""

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

RUNS = 5


def _seeded(folder: str) -> None:
    env = {**os.environ, "RISKREG_INSTANCE_PATH": folder}
    command = [sys.executable, "-c", "from riskreg.cli import cli; cli()"]
    subprocess.run([*command, "db", "upgrade"], env=env, check=True, capture_output=True)
    subprocess.run([*command, "seed-demo"], env=env, check=True, capture_output=True)


def _median(action) -> tuple[float, float]:
    """Median wall and CPU seconds of this process: on a busy machine the wall time is mostly waiting."""
    wall, cpu = [], []
    for _ in range(RUNS):
        started, started_cpu = time.perf_counter(), time.process_time()
        action()
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return statistics.median(wall), statistics.median(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instance", help="an instance folder holding the demo database")
    args = parser.parse_args()
    folder = args.instance or tempfile.mkdtemp(prefix="riskreg-bench-qpr-")
    if not args.instance:
        _seeded(folder)
    os.environ["RISKREG_INSTANCE_PATH"] = folder
    from riskreg import create_app
    from riskreg.clock import today
    from riskreg.rules.measures import review_quarter
    from riskreg.services.certificates.queries import get_unit
    from riskreg.services.measures import qpr
    from riskreg.web.qpr import pack_pdf

    app = create_app("development")
    load_before = os.getloadavg()
    with app.test_request_context():
        unit, quarter = get_unit("LN"), review_quarter(today())
        pack = qpr.build_pack(unit, quarter, today())
        gather = _median(lambda: qpr.build_pack(unit, quarter, today()))
        pdf = pack_pdf(unit, quarter)
        render = _median(lambda: pack_pdf(unit, quarter))
    print(
        f"QPR pack, London North, {quarter.label}: {len(pack.breaches)} measures out of tolerance, "
        f"{len(pack.actions)} actions, {len(pack.flags)} flags, {len(pack.reviews)} reviews; "
        f"PDF {len(pdf) / 1024:.0f} KB"
    )
    print(
        f"gather (median of {RUNS}): {gather[0] * 1000:.0f} ms wall, {gather[1] * 1000:.0f} ms CPU; "
        f"gather and render to PDF: {render[0] * 1000:.0f} ms wall, {render[1] * 1000:.0f} ms CPU "
        f"(target < 2000 ms: {'met' if render[0] < 2 else 'not met'} on the wall clock)"
    )
    print(
        f"machine: {os.cpu_count()} cores ({platform.processor() or platform.machine()}), Python "
        f"{platform.python_version()}; load average before {load_before[0]:.2f} / {load_before[1]:.2f} / "
        f"{load_before[2]:.2f}, after {os.getloadavg()[0]:.2f}"
    )


if __name__ == "__main__":
    main()
