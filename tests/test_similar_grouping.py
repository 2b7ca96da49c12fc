"""Similar-risk results list distinct risks: copies of one wording across registers are one result, and the
registers above come first when someone saves a risk (issue 13)."""

import json

import numpy as np
import sqlalchemy as sa

from riskreg.extensions import db
from riskreg.models import Register, Risk, Unit
from riskreg.rules.similarity import group_copies
from riskreg.services.flags import similarity

# A paraphrase of the wording the demo copies into several area registers ("Witnesses failing to attend trials").
PARAPHRASE = "Witnesses not turning up to give evidence at trial"
COPIED = "Witnesses failing to attend trials"


def test_group_copies_puts_each_candidate_with_the_first_wording_it_copies():
    lexical = np.array([[1, 0.95, 0.1, 0.9], [0.95, 1, 0.1, 0.85], [0.1, 0.1, 1, 0.1], [0.9, 0.85, 0.1, 1]])
    assert group_copies(lexical, 0.8) == [[0, 1, 3], [2]]
    assert group_copies(lexical, 0.99) == [[0], [1], [2], [3]]


def test_riskreg_similar_lists_the_demos_copies_as_one_grouped_row(app, demo):
    held = set(db.session.scalars(sa.select(Risk.ref).where(Risk.title == COPIED)))
    assert len(held) > 3  # the demo copies it into several areas
    result = app.test_cli_runner().invoke(args=["similar", PARAPHRASE, "--top", "5", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert len(rows) == 5
    grouped = [row for row in rows if row["title"] == COPIED]
    assert len(grouped) == 1  # one row, not five of the top five
    assert {grouped[0]["ref"], *grouped[0]["copies"]} == held
    assert grouped[0]["held_by"].endswith(f"and {len(held) - 1} other registers")
    titles = [row["title"] for row in rows]
    assert len(set(titles)) == len(titles)  # the other rows are other risks

    table = app.test_cli_runner().invoke(args=["similar", PARAPHRASE, "--top", "5"])
    assert f"{COPIED} — " in table.output and f"and {len(held) - 1} other registers" in table.output


def test_suggestions_before_saving_group_the_copies_and_rank_the_corporate_risk_first(demo):
    wessex = db.session.scalar(sa.select(Register).join(Unit).where(Unit.code == "WX"))
    found = similarity.suggestions(
        PARAPHRASE, "witnesses do not come to court when they are needed", wessex, visible=lambda risk: True
    )
    assert found[0].risk.register.unit.kind.value == "headquarters"  # "which corporate risk is this?"
    assert found[0].risk.title == "Witness and victim attendance at court"
    copies = [item for item in found if item.risk.title == COPIED]
    assert len(copies) == 1 and len(copies[0].copies) >= 3
    assert wessex.id not in {copy.register_id for copy in copies[0].copies}  # never the register being saved to
    assert len({item.risk.title for item in found}) == len(found)
