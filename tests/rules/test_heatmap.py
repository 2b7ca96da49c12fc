"""The residual heat map: where risks land on the 5 x 5 grid, and the SVG both the page and the pack embed."""

import xml.etree.ElementTree as ET

import pytest

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
