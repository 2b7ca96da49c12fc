"""Link services used by other features: divergences and trends for a set of risks, in a fixed number of queries."""

from datetime import date

from riskreg.enums import DivergenceKind, LinkKind, RiskStatus
from riskreg.services import links, registers
from tests.conftest import count_queries
from tests.factories import ReviewFactory, RiskFactory, RiskLinkFactory


def test_divergences_for_a_set_of_risks_in_one_query(org):
    parent = RiskFactory(register=org.hq.register, residual_l=2, residual_i=2)
    above = RiskFactory(register=org.ln.register, residual_l=3, residual_i=3)
    below = RiskFactory(register=org.ls.register, residual_l=1, residual_i=1)
    RiskLinkFactory(from_risk=above, to_risk=parent)
    RiskLinkFactory(from_risk=below, to_risk=parent)
    RiskLinkFactory(from_risk=below, to_risk=above, kind=LinkKind.RELATED)  # not a contribution: no alert
    ids = [above.id, below.id, parent.id]
    registers.rules()  # the organisation's appetite and cadence: read once per request, before any of this
    with count_queries() as queries:
        found = links.divergences_for(ids)
    assert len(queries) == 1, "\n".join(q[:200] for q in queries)
    assert [alert.kind for alert in found[above.id]] == [DivergenceKind.SCORED_ABOVE_PARENT]
    assert found[parent.id] == found[above.id] and below.id not in found

    closed_parent = RiskFactory(register=org.hq.register, status=RiskStatus.CLOSED)
    for _ in range(5):
        RiskLinkFactory(from_risk=RiskFactory(register=org.ln.register), to_risk=closed_parent)
    ids = [closed_parent.id, above.id]
    with count_queries() as more:
        found = links.divergences_for(ids)
    assert len(more) == 1
    assert [alert.kind for alert in found[closed_parent.id]] == [DivergenceKind.PARENT_CLOSED] * 5


def test_a_trend_compares_each_risks_last_two_reviews_in_one_query(org):
    def reviewed(risk, *scores_by_day):
        for day, likelihood in scores_by_day:
            ReviewFactory(risk=risk, reviewed_on=date(2026, 3, day), residual_l=likelihood, residual_i=2)

    rising, falling, steady, once, never = (RiskFactory(register=org.ln.register) for _ in range(5))
    reviewed(rising, (1, 5), (2, 1), (3, 2))  # the oldest review, higher than both, is not one of the last two
    reviewed(falling, (9, 5), (2, 1), (9, 3))  # reviewed twice on the 9th: the later review (higher id) is the latest
    reviewed(steady, (4, 2), (5, 2))
    reviewed(once, (4, 5))
    ids = [risk.id for risk in (rising, falling, steady, once, never)]
    with count_queries() as queries:
        found = links.trends(ids)
    assert len(queries) == 1
    assert [found[risk_id] for risk_id in ids] == ["rising", "falling", "steady", "steady", "steady"]
