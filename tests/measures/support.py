"""Set-up for the measures tests: measures made through the service, as the form makes them."""

from decimal import Decimal

from riskreg.enums import MeasureDirection, MeasureFrequency
from riskreg.services.measures import catalogue


def make_measure(unit, risks=(), actor=None, **overrides):
    values = {
        "name": "Custody time limit failures",
        "definition": "Custody time limits that expired without a successful application to extend",
        "unit_of_measure": "failures",
        "direction": MeasureDirection.HIGHER_IS_WORSE,
        "frequency": MeasureFrequency.MONTHLY,
        "green_limit": Decimal(0),
        "red_limit": Decimal(1),
        "source": "Case management system, CTL report",
        **overrides,
    }
    return catalogue.create_measure(unit, values, [risk.id for risk in risks], actor)
