"""The demo loads the inspection report's own recommendations, and the tracker's implementation rates are what
the demo's rows say (issue 19, "Must show")."""

from collections import Counter

import sqlalchemy as sa
from bs4 import BeautifulSoup

from riskreg.clock import today
from riskreg.enums import FlagKind, FlagStatus
from riskreg.extensions import db
from riskreg.models import Flag, Recommendation, SourceReport
from riskreg.services.certificates import disclosures


def test_the_demo_holds_the_inspection_reports_four_recommendations_with_their_paragraphs(demo):
    rows = db.session.execute(
        sa.select(Recommendation.paragraph, Recommendation.status, Recommendation.text)
        .join(SourceReport)
        .where(SourceReport.title == "Thematic Report on CPS Assurance and Performance")
    ).all()
    assert sorted(row.paragraph for row in rows) == ["4.11", "4.27", "4.4", "4.40"]
    texts = {row.paragraph: row.text for row in rows}
    assert texts["4.4"] == "The CPS should improve the effectiveness of the annual certificate of assurance."
    # The implemented ones carry evidence of implementation.
    for recommendation in db.session.scalars(sa.select(Recommendation)):
        assert recommendation.evidence or recommendation.status.value != "implemented"


def _rates_shown(client) -> dict[str, list[str]]:
    page = BeautifulSoup(client.get("/recommendations").data, "html.parser")
    return {
        row.th.get_text(strip=True): [cell.get_text(strip=True) for cell in row.select("td")]
        for row in page.select("#rates ~ .govuk-grid-row table tbody tr")
        if row.th is not None
    }


def test_the_rates_shown_match_the_demos_rows_counted_independently(demo, client):
    # Counted here from the rows with SQL, not through riskreg's rule or service.
    counts = db.session.execute(
        sa.text(
            "SELECT r.source, c.status, count(*) FROM recommendation c JOIN source_report r ON r.id = c.report_id "
            "GROUP BY r.source, c.status"
        )
    ).all()
    by_source: dict[str, Counter] = {}
    for source, status, count in counts:
        by_source.setdefault(source, Counter())[status] = count
    inspection = by_source["inspectorate"]
    assert inspection["implemented"] * 2 == sum(inspection[s] for s in ("accepted", "in_progress", "implemented"))
    client.post("/sign-in", data={"email": "viewer.ln@example.org", "password": "riskreg-demo-2026"})
    shown = _rates_shown(client)
    labels = {"inspectorate": "Inspectorate (HMCPSI)", "internal_audit": "Internal audit"}
    for source, label in labels.items():
        counted = by_source[source]
        accepted = sum(counted[s] for s in ("accepted", "in_progress", "implemented"))
        percent = f"{round(100 * counted['implemented'] / accepted)}%"
        assert shown[label] == [str(counted["implemented"]), str(accepted), percent, str(counted["not_accepted"])]
    assert shown["Inspectorate (HMCPSI)"][2] == "50%"  # the report's own finding: half implemented


def test_overdue_demo_recommendations_are_flagged_and_disclosed(demo):
    flagged = db.session.scalars(
        sa.select(Flag).where(Flag.kind == FlagKind.RECOMMENDATION_OVERDUE, Flag.status == FlagStatus.OPEN)
    ).all()
    assert {flag.risk.register.unit.code for flag in flagged} == {"LN", "HQ"}
    assert any("paragraph 4.27" in flag.note for flag in flagged)
    london_north = next(flag.risk.register.unit for flag in flagged if flag.risk.register.unit.code == "LN")
    groups = disclosures.compute(london_north, today())["groups"]
    (group,) = [group for group in groups if group["kind"] == "overdue_recommendations"]
    assert len(group["items"]) == 1 and "paragraph 4.27" in group["items"][0]["text"]
