"""The residual heat map: where risks land on the 5 x 5 grid, and the SVG both the page and the pack embed."""

import xml.etree.ElementTree as ET
from datetime import date

import pytest

from riskreg.enums import Band
from riskreg.rules import heatmap

SVG = "{http://www.w3.org/2000/svg}"


def test_risks_land_in_their_likelihood_and_impact_cell_with_severe_at_the_top():
    rows = heatmap.grid([("HQ-001", 4, 5), ("HQ-002", 4, 5), ("HQ-003", 1, 1), ("HQ-004", 5, 2)])
    assert [row[0].impact for row in rows] == [5, 4, 3, 2, 1]
    assert [cell.likelihood for cell in rows[0]] == [1, 2, 3, 4, 5]
    assert rows[0][3].refs == ("HQ-001", "HQ-002") and rows[0][3].score == 20
    assert rows[4][0].refs == ("HQ-003",)
    assert [(c.score, c.refs) for c in heatmap.occupied(rows)] == [
        (20, ("HQ-001", "HQ-002")),
        (10, ("HQ-004",)),
        (1, ("HQ-003",)),
    ]


@pytest.mark.parametrize("likelihood, impact", [(0, 3), (3, 6), (-1, -1)])
def test_a_rating_off_the_scale_is_refused(likelihood, impact):
    with pytest.raises(ValueError, match="HQ-009"):
        heatmap.grid([("HQ-009", likelihood, impact)])


def test_the_svg_draws_25_cells_coloured_by_band_with_the_count_in_each_occupied_one():
    markup = heatmap.svg(heatmap.grid([("HQ-001", 4, 5), ("HQ-002", 4, 5), ("HQ-003", 1, 1)]), "Heat <map>")
    root = ET.fromstring(markup)  # noqa: S314 - our own markup; well-formed: WeasyPrint and browsers read the same markup
    assert root.get("role") == "img" and root.find(f"{SVG}title").text == "Heat <map>"
    cells = root.findall(f"{SVG}rect")
    assert len(cells) == 25
    assert cells[3].get("fill") == heatmap.BAND_FILLS[heatmap.Band.VERY_HIGH]  # likely x severe, top row
    assert cells[20].get("fill") == heatmap.BAND_FILLS[heatmap.Band.LOW]  # rare x minimal, bottom left
    counts = [text.text for text in root.iter(f"{SVG}text") if text.get("font-size") == "20"]
    assert counts == ["2", "1"]
    assert "3 risks" in root.find(f"{SVG}desc").text


def test_a_small_map_has_its_own_ids_its_caption_and_numbers_for_axis_labels():
    markup = heatmap.svg(
        heatmap.grid([("LN-001", 2, 3)]), "As at 31 March 2026", ident="map-q4", layout=heatmap.SMALL, caption="Q4"
    )
    root = ET.fromstring(markup)  # noqa: S314 - our own markup
    assert root.get("aria-labelledby") == "map-q4-title map-q4-desc"
    assert root.find(f"{SVG}title").get("id") == "map-q4-title"
    texts = [text.text for text in root.iter(f"{SVG}text")]
    assert "Q4" in texts and "Rare" not in texts and "Severe" not in texts
    assert [text for text in texts if text in {"1", "2", "3", "4", "5"}].count("1") == 3  # two axes and the count


def test_a_snapshot_counts_its_risks_by_band_and_moves_name_what_changed_cell():
    before = heatmap.grid([("LN-001", 4, 5), ("LN-002", 2, 2), ("LN-003", 3, 3)])
    after = heatmap.grid([("LN-001", 3, 5), ("LN-002", 1, 4), ("LN-003", 1, 5), ("LN-004", 1, 1)])
    snapshot = heatmap.Snapshot("2025-26 Q4", date(2026, 3, 31), before)
    assert snapshot.total == 3
    assert snapshot.by_band() == {Band.VERY_HIGH: 1, Band.HIGH: 0, Band.MEDIUM: 1, Band.LOW: 1}
    moved = {move.ref: move.direction for move in heatmap.moves(before, after)}
    assert moved == {"LN-001": "down", "LN-002": "across", "LN-003": "down", "LN-004": "added"}
    assert {move.ref: move.direction for move in heatmap.moves(after, before)}["LN-004"] == "closed"
