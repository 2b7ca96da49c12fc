"""Link services used by other features: divergences for a set of risks, in a fixed number of queries."""

from riskreg.enums import DivergenceKind, LinkKind, RiskStatus
from riskreg.services import links, registers
from tests.conftest import count_queries
from tests.factories import RiskFactory, RiskLinkFactory


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
