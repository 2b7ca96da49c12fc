"""What the generator's table groups share: the scale, the dates, the random source and the writers."""

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from bench.sink import Sink
from bench.timeline import Timeline


@dataclass(frozen=True)
class Scale:
    name: str
    organisations: int
    registers_per_organisation: int
    risks_per_register: int
    years: int = 2

    @property
    def registers(self) -> int:
        return self.organisations * self.registers_per_organisation

    @property
    def risks(self) -> int:
        return self.registers * self.risks_per_register


SCALES = {
    "S": Scale("S", organisations=1, registers_per_organisation=20, risks_per_register=50),
    "M": Scale("M", organisations=1, registers_per_organisation=200, risks_per_register=200),
    # ~500k risks across 250 public bodies of 20 registers each.
    "L": Scale("L", organisations=250, registers_per_organisation=20, risks_per_register=100),
}


@dataclass
class Context:
    scale: Scale
    today: date
    rng: random.Random
    sink: Sink
    timeline: Timeline
    units: list = field(default_factory=list)  # organisation.UnitSpec, parents first
    staff: dict = field(default_factory=dict)  # unit id -> organisation.Staff
    # organisation number -> {Role: user id} for the HQ-wide roles.
    bench_users: dict = field(default_factory=dict)
    lives: list = field(default_factory=list)  # risks.RiskLife, in id order
    register_touched: dict[int, datetime] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def start(self) -> date:
        """The first day of the years of use the data covers."""
        return self.today - timedelta(days=365 * self.scale.years)

    @property
    def setup_at(self) -> datetime:
        """When the organisations were set up in riskreg, before their first risks."""
        return datetime.combine(self.start - timedelta(days=60), time(8))

    def moment(self, day: date) -> datetime:
        """A time in the working day of ``day``, as a person would have done something."""
        return datetime.combine(day, time(8)) + timedelta(
            seconds=self.rng.randint(0, 9 * 3600 - 1), microseconds=self.rng.randint(0, 999_999)
        )
