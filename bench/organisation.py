"""Table group: organisations (units and their registers) and people (users, role assignments).

The schema holds one organisation tree per database. "Many organisations" (scale
L) are modelled as many headquarters-rooted subtrees side by side, each with its
own code prefix (B001-HQ, B001-LN, ...), its own staff and its own HQ roles.
"""

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from werkzeug.security import generate_password_hash

from bench.context import Context
from riskreg.demo import content
from riskreg.enums import Role, UnitKind

BENCH_PASSWORD = "riskreg-bench-2026"  # noqa: S105 - every generated account's password; benchmark data only

UNIT_COLUMNS = ("id", "code", "name", "kind", "parent_id", "path")
REGISTER_COLUMNS = ("id", "unit_id", "title", "last_ref_number", "updated_at")
USER_COLUMNS = ("id", "email", "name", "password_hash", "is_active", "session_token", "created_at")
ROLE_COLUMNS = ("id", "user_id", "role", "unit_id")

# Teams that areas and divisions are split into when an organisation has more registers than areas.
TEAMS = [
    "Magistrates' Court Unit",
    "Crown Court Unit",
    "Rape and Serious Sexual Offences Unit",
    "Complex Casework Unit",
    "Youth Unit",
    "Trials Unit",
    "Witness Care Unit",
    "Proceeds of Crime Unit",
    "Case Progression Unit",
    "Serious Violence Unit",
]
STAFF_ROLES = ((Role.UNIT_HEAD, "head"), (Role.RISK_MANAGER, "risk"), (Role.VIEWER, "staff1"), (Role.VIEWER, "staff2"))
HQ_ROLES = ((Role.HQ_RISK, "hqrisk"), (Role.COMMITTEE, "committee"), (Role.AUDITOR, "audit"), (Role.ADMIN, "admin"))


@dataclass(slots=True)
class UnitSpec:
    id: int
    code: str
    name: str
    kind: UnitKind
    parent_id: int | None
    path: str
    organisation: int
    register_id: int = 0


@dataclass(slots=True)
class Staff:
    """Who owns, manages and reviews a unit's risks."""

    head: int
    manager: int
    viewers: list[int] = field(default_factory=list)

    @property
    def owners(self) -> list[int]:
        return [self.head, self.manager, *self.viewers]


def tree_layout(count: int) -> list[tuple[str, str, UnitKind, int | None]]:
    """(code, name, kind, parent index) for an organisation of ``count`` units, parents first."""
    layout: list[tuple[str, str, UnitKind, int | None]] = [("HQ", "Headquarters", UnitKind.HEADQUARTERS, None)]
    for code, name in content.AREAS:
        if len(layout) < count:
            layout.append((code, name, UnitKind.AREA, 0))
    for code, name, children in content.DIVISIONS:
        if len(layout) < count:
            layout.append((code, name, UnitKind.DIVISION, 0))
            parent = len(layout) - 1
            layout += [(c, n, UnitKind.UNIT, parent) for c, n in children[: count - len(layout)]]
    parents = [i for i, (_c, _n, kind, _p) in enumerate(layout) if kind in (UnitKind.AREA, UnitKind.DIVISION)] or [0]
    number = 0
    while len(layout) < count:
        parent = parents[number % len(parents)]
        team = number // len(parents) + 1
        parent_code, parent_name = layout[parent][0], layout[parent][1]
        layout.append(
            (f"{parent_code}-{team:02d}", f"{parent_name} {TEAMS[(team - 1) % len(TEAMS)]}", UnitKind.UNIT, parent)
        )
        number += 1
    return layout


def organisations(ctx: Context) -> None:
    """Units and registers: one HQ-rooted tree per organisation."""
    many = ctx.scale.organisations > 1
    for organisation in range(1, ctx.scale.organisations + 1):
        prefix = f"B{organisation:03d}-" if many else ""
        created: list[UnitSpec] = []
        for code, name, kind, parent in tree_layout(ctx.scale.registers_per_organisation):
            if many and kind is UnitKind.HEADQUARTERS:
                name = f"Public body {organisation} headquarters"
            parent_spec = created[parent] if parent is not None else None
            unit_id = ctx.timeline.next_id("unit")
            path = (parent_spec.path if parent_spec else "/") + f"{unit_id}/"
            spec = UnitSpec(
                unit_id,
                prefix + code,
                name,
                kind,
                parent_spec.id if parent_spec else None,
                path,
                organisation,
                ctx.timeline.next_id("register"),
            )
            created.append(spec)
            ctx.sink.add("unit", (spec.id, spec.code, spec.name, spec.kind.value, spec.parent_id, spec.path))
            title = "Corporate risk register" if kind is UnitKind.HEADQUARTERS else f"{name} risk register"
            ctx.sink.add("register", (spec.register_id, spec.id, title, ctx.scale.risks_per_register, ctx.setup_at))
        ctx.units += created


def people(ctx: Context) -> None:
    """Four people per unit (head, risk manager, two staff) and HQ's risk team, committee, auditor and admin."""
    password_hash = generate_password_hash(BENCH_PASSWORD)
    names = _names()
    for unit in ctx.units:
        roles = STAFF_ROLES + (HQ_ROLES if unit.kind is UnitKind.HEADQUARTERS else ())
        ids = [_person(ctx, unit, role, slug, next(names), password_hash) for role, slug in roles]
        ctx.staff[unit.id] = Staff(head=ids[0], manager=ids[1], viewers=ids[2:4])
        ctx.bench_users.setdefault(unit.organisation, {}).update(
            {role: user_id for (role, _slug), user_id in zip(roles[4:], ids[4:], strict=True)}
        )


def _names():
    number = 0
    while True:
        for last in content.LAST_NAMES:
            for first in content.FIRST_NAMES:
                yield f"{first} {last}" if number == 0 else f"{first} {last} {number + 1}"
        number += 1


def _person(ctx: Context, unit: UnitSpec, role: Role, slug: str, name: str, password_hash: str) -> int:
    user_id = ctx.timeline.next_id("app_user")
    email = f"{slug}.{unit.code.lower()}@bench.example.org"
    at = _onboarding_time(ctx, unit.organisation, user_id)
    token = f"{ctx.rng.getrandbits(256):064x}"
    ctx.sink.add("app_user", (user_id, email, name, password_hash, True, token, at))
    ctx.sink.add("role_assignment", (ctx.timeline.next_id("role_assignment"), user_id, role.value, unit.id))
    # The same two events riskreg.services.users writes when an administrator adds someone.
    ctx.timeline.schedule(at, _user_added, (user_id, email, name, role.value, unit.code))
    return user_id


def _onboarding_time(ctx: Context, organisation: int, user_id: int) -> datetime:
    # Each organisation is set up on its own morning, a person every few seconds.
    day = ctx.setup_at.date() + timedelta(days=organisation % 20)
    return datetime.combine(day, time(8)) + timedelta(minutes=organisation % 60, seconds=user_id % 20_000)


def _user_added(timeline, at: datetime, person: tuple) -> None:
    user_id, email, name, role, unit_code = person
    timeline.audit(at, None, "user.created", "user", user_id, {"email": email, "name": name})
    timeline.audit(at, None, "role.assigned", "user", user_id, {"role": role, "unit": unit_code})
