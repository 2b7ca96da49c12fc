"""Certificate benchmark: render time and peak memory for the demo certificate and for one with 200 assertions.

    python bench/certificates.py               # writes the "Certificates" section of docs/benchmarks.md
    python bench/certificates.py --no-write    # prints only

It builds a fresh SQLite database in a temporary instance folder (migrations, then the demo organisation with
its own demo CA), so it never touches instance/. For each certificate it measures, separately:

- grading: loading the certificate and grading every assertion and the disclosures (database queries);
- rendering: the print template to PDF/A-3b with WeasyPrint (the median of several runs);
- signing and verifying with pyHanko;
- peak memory while rendering: the Python heap (tracemalloc) and the growth of the process's peak resident
  set (VmHWM in /proc/self/status, measured in a fresh process, so memory freed by earlier work does not hide it).
"""

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime
from io import BytesIO
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


def _status_kib(field: str) -> int:
    line = next(line for line in Path("/proc/self/status").read_text().splitlines() if line.startswith(field + ":"))
    return int(line.split()[1])


def _peak_rss_growth(certificate_id: int) -> int:
    """KiB the peak resident set grows by while rendering, in a fresh process (Linux): in this one, memory
    freed by earlier renders would be reused and hide the growth."""
    child = subprocess.run(
        [sys.executable, __file__, "--rss-of", str(certificate_id)],
        capture_output=True,
        text=True,
        check=False,
        env=os.environ,
    )
    if child.returncode:
        raise RuntimeError(f"the memory measurement failed:\n{child.stderr}")
    return int(child.stdout.strip().splitlines()[-1])


def _rss_child(certificate_id: int) -> None:
    """Print the peak resident set's growth, in KiB, while rendering one certificate (after grading it)."""
    from riskreg import create_app
    from riskreg.clock import today, utcnow
    from riskreg.services.certificates import documents, queries

    with create_app().app_context():
        view = queries.view(queries.get_certificate(certificate_id), today())
        Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM, the peak resident set
        before = _status_kib("VmRSS")
        documents.render(view, utcnow())
        print(max(_status_kib("VmHWM") - before, 0))


def _large_certificate(unit, period: str, preparer, assertions: int):
    """A draft with ``assertions`` assertions in sections of ten, each resting on one to three controls."""
    import sqlalchemy as sa

    from riskreg.enums import Declaration, RiskStatus
    from riskreg.extensions import db
    from riskreg.models import Assertion, Certificate, CertificateSection, Countermeasure, Risk

    controls = list(
        db.session.scalars(
            sa.select(Countermeasure)
            .join(Countermeasure.risk)
            .where(Risk.register_id == unit.register.id, Risk.status == RiskStatus.OPEN)
            .order_by(Countermeasure.id)
        )
    )
    # The demo's year, as a version of its own, so the controls are graded on their real tests.
    certificate = Certificate(unit=unit, period=period, version=99, prepared_by=preparer)
    for number in range(assertions):
        if number % 10 == 0:
            section = CertificateSection(position=number // 10 + 1, title=f"Benchmark section {number // 10 + 1}")
            certificate.sections.append(section)
        linked = [controls[(number + k) % len(controls)] for k in range(1 + number % 3)]
        section.assertions.append(
            Assertion(
                position=number % 10 + 1,
                statement=f"Benchmark assertion {number + 1}: controls operated effectively "
                "throughout the year in every team",
                declaration=Declaration.ASSURED_WITH_EXCEPTIONS,
                exception_text="One team did not record its checks for two weeks; the manager now reviews them weekly.",
                countermeasures=list(dict.fromkeys(linked)),
            )
        )
    db.session.add(certificate)
    db.session.flush()
    return certificate


def _person_key(user):
    from datetime import UTC, datetime

    from riskreg.pdf import pki
    from riskreg.pdf import signing as pades
    from riskreg.services.certificates import documents

    config = documents.signing_config()
    ca_key, ca_cert = pki.load_ca(config.ca_key_path, config.ca_cert_path)
    person = pki.Person(user.name, "Benchmark signer", user.email, "riskreg benchmark")
    issued = pki.issue_for_person(person, ca_key, ca_cert, datetime.now(UTC))
    return pades.PersonKey(issued.key, issued.certificate, (ca_cert,))


def _measure(label: str, certificate, repeats: int) -> dict:
    from pypdf import PdfReader

    from riskreg.clock import today, utcnow
    from riskreg.extensions import db
    from riskreg.pdf import signing as pades
    from riskreg.services.certificates import documents, queries

    started = time.perf_counter()
    view = queries.view(queries.get_certificate(certificate.id), today())
    grading = time.perf_counter() - started
    now = utcnow()

    def render():
        return documents.render(view, now)

    pdf = render()
    pages = len(PdfReader(BytesIO(pdf)).pages)
    rendering = _median_seconds(render, repeats)
    # Signed as the preparer with a certificate issued here (no password is involved at this level), with the
    # visible block, as a real signing makes it.
    person = _person_key(certificate.prepared_by)
    box = (300, 60, 560, 140)
    signed = documents.sign(pdf, person, "Benchmark", box=box)
    sign_time = _median_seconds(lambda: documents.sign(pdf, person, "Benchmark", box=box), repeats)
    roots = documents.signing_config().trust_root_paths
    verifying = _median_seconds(lambda: pades.verify(signed, roots), repeats)
    heap = _heap_peak(render)
    certificate_id, assertions = certificate.id, len(view.assertions)
    db.session.rollback()  # outside requests SQLite transactions take the write lock: free it for the child
    return {
        "label": label,
        "assertions": assertions,
        "pages": pages,
        "bytes": len(pdf),
        "grading": grading,
        "rendering": rendering,
        "signing": sign_time,
        "verifying": verifying,
        "heap": heap,
        "rss": _peak_rss_growth(certificate_id),
    }


def _machine() -> str:
    model = platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        model = next(
            (
                line.split(":", 1)[1].strip()
                for line in cpuinfo.read_text().splitlines()
                if line.startswith("model name")
            ),
            model,
        )
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    return f"{model}, {os.cpu_count()} cores, load average {load} at the start; Python {platform.python_version()}"


def _section(results: list[dict], repeats: int) -> str:
    from importlib.metadata import version

    lines = [
        HEADING,
        "",
        f"`python bench/certificates.py`, {datetime.now(UTC):%d %B %Y %H:%M} UTC. {_machine()}; WeasyPrint "
        f"{version('weasyprint')}, pyHanko {version('pyHanko')}. Times are medians of {repeats} runs. Peak memory "
        "while rendering: the Python heap (tracemalloc) and the growth of the process's peak resident set "
        "(VmHWM, in a fresh process). WeasyPrint's C libraries (Pango, HarfBuzz) count only in the second.",
        "",
        "| Certificate | Assertions | Pages | PDF size | Grading | Render (PDF/A-3b) | Sign | Verify "
        "| Peak heap | Peak RSS growth |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r['label']} | {r['assertions']} | {r['pages']} | {r['bytes'] / 1024:.0f} KiB | "
            f"{r['grading'] * 1000:.0f} ms | {r['rendering'] * 1000:.0f} ms | {r['signing'] * 1000:.0f} ms | "
            f"{r['verifying'] * 1000:.0f} ms | {r['heap'] / 2**20:.1f} MiB | {r['rss'] / 1024:.1f} MiB |"
        )
    lines += [
        "",
        "Grading runs the certificate page's queries (a fixed number whatever the size); rendering is "
        "WeasyPrint's layout and PDF writing, which grows with the text. The print template uses block "
        "layout, not tables (DESIGN §10).",
        "",
    ]
    return "\n".join(lines)


def write_section(section: str) -> None:
    """Replace the Certificates section of docs/benchmarks.md (or add it), leaving other sections alone."""
    text = RESULTS.read_text() if RESULTS.exists() else INTRODUCTION
    start = text.find(HEADING + "\n")
    if start == -1:
        text = text.rstrip("\n") + "\n\n" + section
    else:
        end = text.find("\n## ", start + len(HEADING))
        text = text[:start] + section + ("\n" + text[end + 1 :] if end != -1 else "")
    RESULTS.write_text(text.rstrip("\n") + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--assertions", type=int, default=200)
    parser.add_argument("--no-write", action="store_true", help="print the figures without writing docs/benchmarks.md")
    parser.add_argument("--rss-of", type=int, help=argparse.SUPPRESS)  # the child process of _peak_rss_growth
    arguments = parser.parse_args()
    if arguments.rss_of:
        _rss_child(arguments.rss_of)
        return
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
        large = _large_certificate(
            london_north.unit, london_north.period, london_north.prepared_by, arguments.assertions
        )
        db.session.commit()  # the child process that measures memory reads it from the database
        results = [
            _measure("Demo: London North draft", london_north, arguments.repeats),
            _measure(f"{arguments.assertions} assertions (London North's controls)", large, arguments.repeats),
        ]
    section = _section(results, arguments.repeats)
    print(section)
    if not arguments.no_write:
        write_section(section)
        print(f"Written to {RESULTS}")


if __name__ == "__main__":
    main()
