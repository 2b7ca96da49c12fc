"""Link rules and divergence alerts, without a database."""

from dataclasses import dataclass

import pytest

from riskreg.enums import DivergenceKind, LinkKind
from riskreg.rules.links import (
    Edge,
    ExistingLink,
    LinkEnd,
    alert_kinds,
    cycle_path,
    divergences,
    grouped,
    link_refusal,
    rollup,
)
from riskreg.rules.scoring import DEFAULT_RULES, is_above_appetite

# Headquarters (1) above London North (2), London South (3) and a division (4) with a unit (5).
HQ = LinkEnd(10, "HQ-001", register_id=1, unit_path="/1/", unit_name="Headquarters")
HQ_OTHER = LinkEnd(11, "HQ-002", register_id=1, unit_path="/1/", unit_name="Headquarters")
LN = LinkEnd(20, "LN-001", register_id=2, unit_path="/1/2/", unit_name="London North")
LS = LinkEnd(30, "LS-001", register_id=3, unit_path="/1/3/", unit_name="London South")
DIV = LinkEnd(40, "SCCTD-001", register_id=4, unit_path="/1/4/", unit_name="Special Crime")
DIV_UNIT = LinkEnd(50, "SCCTD-CT-001", register_id=5, unit_path="/1/4/5/", unit_name="Counter Terrorism")

CONTRIBUTES = LinkKind.CONTRIBUTES_TO


def _edge(source: LinkEnd, target: LinkEnd) -> Edge:
    return Edge(source.id, source.ref, target.id, target.ref)


@pytest.mark.parametrize(("source", "target"), [(LN, HQ), (DIV, HQ), (DIV_UNIT, DIV), (DIV_UNIT, HQ)])
def test_contributes_to_may_point_up_the_unit_tree(source, target):
    assert link_refusal(CONTRIBUTES, source, target) is None


def test_a_risk_cannot_be_linked_to_itself():
    message = link_refusal(LinkKind.RELATED, LN, LN)
    assert message == "A risk cannot be linked to itself: choose a risk other than LN-001"


def test_contributes_to_may_not_point_down_the_tree():
    message = link_refusal(CONTRIBUTES, HQ, LN)
    assert message.startswith("HQ-001 cannot contribute to LN-001: London North is below Headquarters")
    assert "Link from LN-001 to HQ-001 instead" in message


def test_contributes_to_may_not_point_sideways():
    message = link_refusal(CONTRIBUTES, LN, LS)
    assert "London South is not above London North" in message and "related" in message


def test_related_and_duplicates_may_point_sideways_or_down():
    assert link_refusal(LinkKind.RELATED, LN, LS) is None
    assert link_refusal(LinkKind.DUPLICATES, HQ, LN) is None


def test_links_join_different_registers():
    message = link_refusal(LinkKind.RELATED, HQ, HQ_OTHER)
    assert message == "Link risks in different registers: HQ-001 and HQ-002 are both in the Headquarters register"


def test_closed_risks_cannot_be_linked():
    closed = LinkEnd(21, "LN-002", register_id=2, unit_path="/1/2/", unit_name="London North", is_open=False)
    assert link_refusal(CONTRIBUTES, closed, HQ) == "LN-002 is closed: only open risks can be linked"
    assert link_refusal(LinkKind.RELATED, LS, closed) == "LN-002 is closed: only open risks can be linked"


def test_the_same_link_cannot_be_made_twice():
    existing = [ExistingLink(LN.id, HQ.id, CONTRIBUTES)]
    assert link_refusal(CONTRIBUTES, LN, HQ, existing) == "LN-001 already contributes to HQ-001"
    # A different kind between the same risks is a different statement.
    assert link_refusal(LinkKind.RELATED, LN, HQ, existing) is None


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        (LinkKind.RELATED, "LS-001 and LN-001 are already linked as related risks"),
        (LinkKind.DUPLICATES, "LS-001 and LN-001 are already marked as duplicates"),
    ],
)
def test_symmetric_links_are_repeats_in_either_direction(kind, message):
    existing = [ExistingLink(LN.id, LS.id, kind)]
    assert link_refusal(kind, LS, LN, existing) == message


def test_a_contributes_to_loop_is_refused_and_named():
    # Legacy data (or a unit moved after linking) can hold a link that points down; a new link
    # that closes a loop through it is refused with the loop spelt out.
    edges = [_edge(HQ, DIV), _edge(DIV, DIV_UNIT)]
    message = link_refusal(CONTRIBUTES, DIV_UNIT, HQ, contributes_edges=edges)
    assert message == (
        "SCCTD-CT-001 cannot contribute to HQ-001: HQ-001 already informs SCCTD-CT-001, so the link would make "
        "a loop (SCCTD-CT-001 → HQ-001 → SCCTD-001 → SCCTD-CT-001)"
    )


def test_the_loop_check_is_reported_before_the_direction():
    message = link_refusal(CONTRIBUTES, HQ, LN, contributes_edges=[_edge(LN, HQ)])
    assert "would make a loop (HQ-001 → LN-001 → HQ-001)" in message


def test_no_loop_when_the_paths_do_not_meet():
    edges = [_edge(DIV_UNIT, DIV), _edge(DIV, HQ), _edge(LS, HQ)]
    assert cycle_path(LN, HQ, edges) is None
    # Edges that themselves form a loop do not hang the search.
    assert cycle_path(LN, HQ, [_edge(HQ, DIV), _edge(DIV, HQ)]) is None


@dataclass
class FakeRisk:
    id: int
    ref: str
    residual_score: int
    category: str = "operations"  # cautious: tolerance 9
    is_open: bool = True
    register_id: int | None = None  # the organisation's appetite


def _kinds(alerts):
    return [alert.kind for alert in alerts]


def test_a_contributor_in_a_higher_band_than_its_parent_diverges():
    child, parent = FakeRisk(1, "LN-001", 8, category="strategy"), FakeRisk(2, "HQ-001", 4)
    alerts = divergences(child, parent, DEFAULT_RULES)
    assert _kinds(alerts) == [DivergenceKind.SCORED_ABOVE_PARENT]
    assert alerts[0].message == "LN-001 is in a higher band (medium, 8) than HQ-001 (low, 4), which it contributes to"
    assert (alerts[0].contributor_id, alerts[0].parent_id) == (1, 2)


def test_scores_in_the_same_band_do_not_diverge_levels_use_the_scale_for_different_things():
    # 8 against 6 is a raw difference, but both are medium: an area's 8 and HQ's 6 are not comparable numbers.
    assert divergences(FakeRisk(1, "LN-001", 8), FakeRisk(2, "HQ-001", 6), DEFAULT_RULES) == []


def test_alerts_are_grouped_per_risk_informed_and_reason_each_saying_what_to_do():
    parent = FakeRisk(9, "HQ-001", 6)
    contributors = [FakeRisk(n, f"LN-00{n}", 12) for n in range(1, 6)]
    alerts = [alert for child in contributors for alert in divergences(child, parent, DEFAULT_RULES)]
    assert len(alerts) == 10  # each of five contributors: a higher band, and above appetite
    refs = {risk.id: risk.ref for risk in [parent, *contributors]}
    found = grouped(alerts, refs)
    assert [(group.kind, group.contributor_ids) for group in found] == [
        (DivergenceKind.SCORED_ABOVE_PARENT, (1, 2, 3, 4, 5)),
        (DivergenceKind.ABOVE_APPETITE_PARENT_WITHIN, (1, 2, 3, 4, 5)),
    ]
    assert found[1].message == (
        "5 contributing risks (LN-001, LN-002, LN-003, LN-004 and 1 more) are above "
        "appetite while HQ-001 is within it: review HQ-001's score"
    )
    assert "review HQ-001's score" in found[0].message
    closed = FakeRisk(8, "HQ-002", 6, is_open=False)
    [group] = grouped(divergences(contributors[0], closed, DEFAULT_RULES), {**refs, 8: "HQ-002"})
    assert group.message.endswith("link them to another risk they inform, or close them")


def test_an_open_contributor_to_a_closed_parent_diverges():
    parent = FakeRisk(2, "HQ-001", 6, is_open=False)
    alerts = divergences(FakeRisk(1, "LN-001", 20), parent, DEFAULT_RULES)
    assert _kinds(alerts) == [DivergenceKind.PARENT_CLOSED]
    assert alerts[0].message == "HQ-001 is closed but LN-001, which contributes to it, is still open"


def test_closed_contributors_raise_nothing():
    child = FakeRisk(1, "LN-001", 25, is_open=False)
    assert divergences(child, FakeRisk(2, "HQ-001", 1, is_open=False), DEFAULT_RULES) == []


def test_a_contributor_above_appetite_under_a_parent_within_diverges():
    # Legal is averse (tolerance 4); strategy is open (tolerance 12): 6 is above one and within the other.
    child = FakeRisk(1, "LN-001", 6, category="legal")
    parent = FakeRisk(2, "HQ-001", 9, category="strategy")
    alerts = divergences(child, parent, DEFAULT_RULES)
    assert _kinds(alerts) == [DivergenceKind.ABOVE_APPETITE_PARENT_WITHIN]
    assert "LN-001 is above appetite (6 against a tolerance of 4)" in alerts[0].message
    # When the parent is above appetite too, the committee already sees it: no alert.
    assert divergences(child, FakeRisk(2, "HQ-001", 16, category="strategy"), DEFAULT_RULES) == []


def test_both_score_alerts_at_once():
    child = FakeRisk(1, "LN-001", 12, category="legal")
    parent = FakeRisk(2, "HQ-001", 9, category="strategy")
    assert set(_kinds(divergences(child, parent, DEFAULT_RULES))) == {
        DivergenceKind.SCORED_ABOVE_PARENT,
        DivergenceKind.ABOVE_APPETITE_PARENT_WITHIN,
    }


def test_rollup_of_open_contributors():
    contributors = [
        FakeRisk(1, "LN-001", 16),  # above 9
        FakeRisk(2, "LS-001", 6),
        FakeRisk(3, "MC-001", 12),  # above 9
        FakeRisk(4, "YH-001", 25, is_open=False),  # closed: left out
    ]
    result = rollup(contributors, DEFAULT_RULES)
    assert (result.count, result.highest, result.average, result.above_appetite) == (3, 16, 11.3, 2)
    empty = rollup([], DEFAULT_RULES)
    assert (empty.count, empty.highest, empty.average, empty.above_appetite) == (0, None, None, 0)


CHILDREN = [
    FakeRisk(n, f"LN-{n:03d}", score, category, is_open)
    for n, (score, category, is_open) in enumerate(
        [
            (2, "legal", True),
            (6, "legal", True),
            (8, "strategy", True),
            (12, "operations", False),
            (16, "strategy", True),
            (25, "legal", False),
        ],
        start=1,
    )
]


@pytest.mark.parametrize("parent_open", [True, False])
@pytest.mark.parametrize("category", ["operations", "legal", "strategy"])
@pytest.mark.parametrize("score", [1, 4, 6, 9, 12, 16, 25])
def test_alert_kinds_from_counted_figures_are_those_of_every_contributors_divergences(score, category, parent_open):
    """The committee page counts alerts from what the database aggregates (how many open contributors, the highest
    score, whether any is above appetite): the same kinds, in the same order, as grouping each one's divergences."""
    parent = FakeRisk(99, "HQ-001", score, category, parent_open)
    for size in range(len(CHILDREN) + 1):
        for start in range(len(CHILDREN)):
            children = (CHILDREN * 2)[start : start + size]
            alerts = [alert for child in children for alert in divergences(child, parent, DEFAULT_RULES)]
            refs = {risk.id: risk.ref for risk in [parent, *children]}
            open_ones = [child for child in children if child.is_open]
            highest = max((child.residual_score for child in open_ones), default=None)
            above = any(is_above_appetite(child.residual_score, child.category) for child in open_ones)
            expected = [group.kind for group in grouped(alerts, refs)]
            assert alert_kinds(parent, len(open_ones), highest, above, DEFAULT_RULES) == expected
