"""Certificate benchmark: render time and peak memory for the demo certificate and for one with 200 assertions.

    python bench/certificates.py               # writes the "Certificates" section of docs/benchmarks.md
    python bench/certificates.py --no-write    # prints only

It builds a fresh SQLite database in a temporary instance folder (migrations, then the demo organisation with
its own demo CA), so it never touches instance/. For each certificate it measures, separately:

- grading: loading the certificate and grading every assertion and the disclosures (database queries);
- rendering: the print template to PDF/A-3b with WeasyPrint (the median of several runs);
- signing and verifying with pyHanko;
- peak memory while rendering: the Python heap (tracemalloc) and the growth of the process's peak resident
  set (resource.getrusage, measured in a forked child so earlier work does not hide it).
"""

import argparse
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

HEADING = "## Certificates"
RESULTS = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
INTRODUCTION = "# Benchmarks\n\nMeasured by the scripts in `bench/`, never by timed tests.\n"


def _median_seconds(action, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _heap_peak(action) -> int:
    tracemalloc.start()
    try:
        action()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _rss_kib() -> int:
    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


def _peak_rss_growth(action) -> int:
    """KiB the peak resident set grows by while ``action`` runs, in a forked child (Linux)."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: run once, report, and leave without running the parent's clean-up
        os.close(read)
        before = _rss_kib()
        action()
        growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
        os.write(write, str(max(growth, 0)).encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        result = pipe.read()
    os.waitpid(pid, 0)
    return int(result or 0)


def _large_certificate(unit, preparer, assertions: int):
    """A draft with ``assertions`` assertions in sections of ten, each resting on one to three controls."""
    import sqlalchemy as sa

    from riskreg.enums import Declaration, RiskStatus
    from riskreg.extensions import db
    from riskreg.models import Assertion, Certificate, CertificateSection, Countermeasure, Risk

    controls = list(db.session.scalars(
        sa.select(Countermeasure).join(Countermeasure.risk)
        .where(Risk.register_id == unit.register.id, Risk.status == RiskStatus.OPEN).order_by(Countermeasure.id)
    ))  # fmt: skip
    certificate = Certificate(unit=unit, period="2000-01", version=1, prepared_by=preparer)
    for number in range(assertions):
        if number % 10 == 0:
            section = CertificateSection(position=number // 10 + 1, title=f"Benchmark section {number // 10 + 1}")
            certificate.sections.append(section)
        linked = [controls[(number + k) % len(controls)] for k in range(1 + number % 3)]
        section.assertions.append(Assertion(
            position=number % 10 + 1, statement=f"Benchmark assertion {number + 1}: controls operated effectively "
            "throughout the year in every team", declaration=Declaration.ASSURED_WITH_EXCEPTIONS,
            exception_text="One team did not record its checks for two weeks; the manager now reviews them weekly.",
            countermeasures=list(dict.fromkeys(linked)),
        ))  # fmt: skip
    db.session.add(certificate)
    db.session.flush()
    return certificate


def _measure(label: str, certificate, repeats: int) -> dict:
    from riskreg.clock import today, utcnow
    from riskreg.pdf import signing as pades
    from riskreg.services import certificate_documents as documents
    from riskreg.services import certificates as queries

    started = time.perf_counter()
    view = queries.view(queries.get_certificate(certificate.id), today())
    grading = time.perf_counter() - started
    now = utcnow()

    def render():
        return documents.render(view, now)

    pdf = render()
    pages = pdf.count(b"/Type /Page\n") or pdf.count(b"/Type /Page")
    rendering = _median_seconds(render, repeats)
    # Signed as the preparer: any name does for timing, and no password is involved at this level.
    signed = documents.sign(pdf, certificate.prepared_by, "Benchmark")
    sign_time = _median_seconds(lambda: documents.sign(pdf, certificate.prepared_by, "Benchmark"), repeats)
    roots = documents.signing_config().trust_root_paths
    verifying = _median_seconds(lambda: pades.verify(signed, roots), repeats)
    return {
        "label": label, "assertions": len(view.assertions), "pages": pages, "bytes": len(pdf),
        "grading": grading, "rendering": rendering, "signing": sign_time, "verifying": verifying,
        "heap": _heap_peak(render), "rss": _peak_rss_growth(render),
    }  # fmt: skip


def _machine() -> str:
    model = platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        model = next((line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines()
                      if line.startswith("model name")), model)  # fmt: skip
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    return f"{model}, {os.cpu_count()} cores, load average {load} at the start; Python {platform.python_version()}"


def _section(results: list[dict], repeats: int) -> str:
    import pyhanko
    import weasyprint

    lines = [
        HEADING, "",
        f"`python bench/certificates.py`, {datetime.now(UTC):%d %B %Y %H:%M} UTC. {_machine()}; WeasyPrint "
        f"{weasyprint.__version__}, pyHanko {pyhanko.__version__}. Times are medians of {repeats} runs. Peak memory "
        "while rendering: the Python heap (tracemalloc) and the growth of the process's peak resident set "
        "(getrusage, in a forked child).", "",
        "| Certificate | Assertions | Pages | PDF size | Grading | Render (PDF/A-3b) | Sign | Verify "
        "| Peak heap | Peak RSS growth |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]  # fmt: skip
    for r in results:
        lines.append(
            f"| {r['label']} | {r['assertions']} | {r['pages']} | {r['bytes'] / 1024:.0f} KiB | "
            f"{r['grading'] * 1000:.0f} ms | {r['rendering'] * 1000:.0f} ms | {r['signing'] * 1000:.0f} ms | "
            f"{r['verifying'] * 1000:.0f} ms | {r['heap'] / 2**20:.1f} MiB | {r['rss'] / 1024:.1f} MiB |"
        )
    lines += ["", "Grading runs the certificate page's queries (a fixed number whatever the size); rendering is "
              "WeasyPrint's layout and PDF writing, which grows with the text. The print template uses block "
              "layout, not tables (DESIGN §10).", ""]  # fmt: skip
    return "\n".join(lines)


def write_section(section: str) -> None:
    """Replace the Certificates section of docs/benchmarks.md (or add it), leaving other sections alone."""
    text = RESULTS.read_text() if RESULTS.exists() else INTRODUCTION
    start = text.find(HEADING + "\n")
    if start == -1:
        text = text.rstrip("\n") + "\n\n" + section
    else:
        end = text.find("\n## ", start + len(HEADING))
        text = text[:start] + section + ("\n" + text[end + 1:] if end != -1 else "")
    RESULTS.write_text(text.rstrip("\n") + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--assertions", type=int, default=200)
    parser.add_argument("--no-write", action="store_true", help="print the figures without writing docs/benchmarks.md")
    arguments = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="riskreg-bench-certificates-")
    os.environ.update(RISKREG_INSTANCE_PATH=folder, RISKREG_ENV="development")
    os.environ.pop("DATABASE_URL", None)

    import sqlalchemy as sa
    from flask_migrate import upgrade

    from riskreg import create_app, demo
    from riskreg.extensions import db
    from riskreg.models import Certificate, Unit

    app = create_app()
    with app.app_context():
        upgrade()
        demo.seed()
        db.session.commit()
        london_north = db.session.scalar(sa.select(Certificate).join(Certificate.unit).where(Unit.code == "LN"))
        large = _large_certificate(london_north.unit, london_north.prepared_by, arguments.assertions)
        results = [
            _measure("Demo: London North draft", london_north, arguments.repeats),
            _measure(f"{arguments.assertions} assertions (London North's controls)", large, arguments.repeats),
        ]
        db.session.rollback()
    section = _section(results, arguments.repeats)
    print(section)
    if not arguments.no_write:
        write_section(section)
        print(f"Written to {RESULTS}")


if __name__ == "__main__":
    main()
