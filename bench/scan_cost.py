"""Duplicate detection on the bench database: checking one new risk against every stored risk, and the full
flag scan (issue 20, scale L).

    python -m bench.scan_cost --database-url URL check                  # one new risk: cold and warm
    python -m bench.scan_cost --database-url URL scan [--parts]         # riskreg.services.flags.scan.scan_all

The runner (bench/run.py) runs each in a child process with a time limit and a cap on its memory, so a scan
that cannot finish at scale L is stopped and reported instead of taking the shared machine down with it. The
scan's writes (flags raised and cleared, register health, audit events) are rolled back: the bench data stays
as generated. Each prints one line of JSON: wall and CPU seconds, peak resident memory.
"""

import argparse
import json
import resource
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.app import bench_app  # noqa: E402
from riskreg.extensions import db  # noqa: E402

QUERY = "Not enough prosecutors to review the cases the police send us"


def _timed(function) -> tuple[object, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = function()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def check() -> dict:
    """One new risk's similar risks, as the risk form asks before saving: cold (this process reads every stored
    vector first) and warm (the matrix is kept; only the version token is read), and the matrix product alone."""
    from riskreg.rules import similarity as similarity_rules
    from riskreg.services.flags import similarity
    from riskreg.similarity import encoder

    encoder.encode([QUERY])  # load the model: not part of a check
    _found, cold, cold_cpu = _timed(lambda: similarity.similar_to_text(QUERY, top=5))
    warm = [_timed(lambda: similarity.similar_to_text(QUERY, top=5)) for _ in range(5)]
    index = similarity._index()
    vector = encoder.encode([QUERY])[0]
    products = [_timed(lambda: next(similarity_rules.descending_blocks(index.vectors @ vector, 200))) for _ in range(5)]
    return {
        "stored": len(index.risk_ids),
        "matrix_mib": index.vectors.nbytes / 2**20,
        "cold": cold,
        "cold_cpu": cold_cpu,
        "warm": min(w for _r, w, _c in warm),
        "warm_cpu": min(c for _r, _w, c in warm),
        "product": min(w for _r, w, _c in products),
        "peak_mib": _peak_mib(),
    }


def scan(parts: bool) -> dict:
    """``scan_all`` as the nightly job runs it, rolled back. With ``parts``, the duplicate search alone first:
    the open risks grouped by wording and the distinct wordings scored against each other."""
    from riskreg.services.flags import scan as flag_scan
    from riskreg.services.flags import similarity

    figures: dict = {}
    if parts:
        wordings, wall, cpu = _timed(similarity.similar_wordings)
        figures.update(
            risks=len(wordings.risk_ids),
            wordings=len(wordings),
            wording_pairs=wordings.pairs_scored,
            matches=sum(len(found) for found in wordings.matches),
            pairs_wall=wall,
            pairs_cpu=cpu,
            pairs_peak_mib=_peak_mib(),
        )
        del wordings
    result, wall, cpu = _timed(flag_scan.scan_all)
    db.session.rollback()
    figures.update(raised=result.raised_count, cleared=result.cleared_count, wall=wall, cpu=cpu, peak_mib=_peak_mib())
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--memory-gib", type=float, default=0, help="cap this process's address space")
    parser.add_argument("what", choices=["check", "scan"])
    parser.add_argument("--parts", action="store_true", help="time the duplicate search on its own too")
    args = parser.parse_args(argv)
    if args.memory_gib:
        limit = int(args.memory_gib * 2**30)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    app = bench_app(args.database_url)
    with app.app_context():
        figures = check() if args.what == "check" else scan(args.parts)
        db.session.remove()
    print(json.dumps(figures), flush=True)


if __name__ == "__main__":
    main()
