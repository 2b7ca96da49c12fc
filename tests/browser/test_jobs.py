"""Journey: an import large enough to run as a background job, its page, the follow-up job, the register.
Every page checked with axe-core. (The committee pack's job is in test_links_and_committee.py.)"""

from pathlib import Path

import pytest

pytestmark = pytest.mark.browser


def test_a_large_import_runs_as_a_job_and_similarity_follows(visitor, live_server, monkeypatch):
    monkeypatch.setitem(live_server.app.config, "RISKREG_IMPORT_JOB_FROM_ROWS", 2)  # "large" from 2 rows here
    visitor.sign_in("risk.ln@example.org")
    visitor.goto("/registers/LN/import")
    csv = Path(__file__).parents[1] / "data" / "import" / "percentages.csv"
    visitor.page.get_by_label("Upload a register").set_input_files(str(csv))
    visitor.follow("Upload and preview", role="button")
    assert visitor.heading() == "Check the import"
    visitor.page.get_by_role("button", name="Import", exact=False).last.click()
    visitor.page.wait_for_load_state()
    visitor.check()
    assert visitor.heading() == "Import of percentages.csv into LN"
    assert "Risks imported" in visitor.page.inner_text("main")
    visitor.follow("see that job’s progress")
    assert visitor.heading().startswith("Similar risks and flags for")
    assert "Done" in visitor.page.inner_text("main")
    visitor.page.go_back()
    visitor.check()
    visitor.follow("Go to the LN register")
    assert "CFD-7" in visitor.page.inner_text("main") or "Fraud case backlog" in visitor.page.inner_text("main")
