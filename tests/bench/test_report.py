"""The benchmark runner's arithmetic and its results file."""

from collections import Counter

import pytest

from bench.load import LoadResult
from bench.report import Row, Run, append

# No database: the bench's arithmetic and results file. The PostgreSQL pass leaves them out (tests/conftest.py).
pytestmark = pytest.mark.no_database


def test_percentiles_and_rate_come_from_the_latencies():
    result = LoadResult(
        requests=100, seconds=2.0, latencies=[n / 1000 for n in range(1, 101)], statuses=Counter({200: 100})
    )
    assert result.per_second == 50
    assert round(result.percentile(50), 1) == 50.5
    assert round(result.percentile(95), 2) == 95.05
    assert result.failures == 0


def test_a_run_is_appended_and_earlier_runs_are_kept(tmp_path):
    path = tmp_path / "benchmarks.md"
    for database in ("SQLite", "PostgreSQL"):
        run = Run(command="python bench/run.py", settings="settings")
        run.rows.append(Row(database, "M", "Register page", "120 req/s", "p95 < 150 ms", True))
        append(run, path)
    text = path.read_text()
    assert text.startswith("# Benchmarks")
    assert text.count("## ") == 2
    assert "| SQLite | M | Register page | 120 req/s | p95 < 150 ms | yes |" in text
    assert "| PostgreSQL | M | Register page |" in text
    assert "cores" in text and "GiB memory" in text
