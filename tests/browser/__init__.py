"""Browser tests (tests/browser/conftest.py). OUTCOME is what the run's summary line says: "ran" or "skipped".

Under pytest-xdist the browser tests run in a worker and the summary is written by the controller, which never
loads tests/browser/conftest.py: the worker hands OUTCOME over when it finishes (tests/conftest.py).
"""

OUTCOME: dict[str, str] = {}


def write_summary(terminalreporter) -> None:
    if "skipped" in OUTCOME:
        terminalreporter.write_sep("!", f"BROWSER TESTS SKIPPED: {OUTCOME['skipped']}", yellow=True, bold=True)
    elif "ran" in OUTCOME:
        terminalreporter.write_line(f"browser tests ran with {OUTCOME['ran']}")
