"""The unit tree and its registers: add, rename, move (never under itself) and retire."""

import re
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from riskreg.clock import utcnow
from riskreg.enums import RiskStatus, UnitKind
from riskreg.extensions import db
from riskreg.models import Register, Risk, Unit, User
from riskreg.rules import text as text_rules
from riskreg.services import NotFoundError, ServiceError
from riskreg.services.administration import scoring
from riskreg.services.audit import trail as audit

# Unit codes appear in URLs, risk references and commands (DESIGN §8): short, upper case, stable.
CODE_PATTERN = re.compile(r"[A-Z][A-Z0-9]{0,7}(-[A-Z0-9]{1,7})?")
NAME_MAX = 120
TITLE_MAX = 200


@dataclass(frozen=True)
class TreeRow:
    unit: Unit
    depth: int


def tree() -> list[TreeRow]:
    """Every unit, retired ones too, depth first and by name under each parent: one query."""
    units = db.session.scalars(sa.select(Unit).options(joinedload(Unit.register))).unique().all()
    children: dict[int | None, list[Unit]] = {}
    for unit in units:
        children.setdefault(unit.parent_id, []).append(unit)
    rows: list[TreeRow] = []

    def walk(parent_id: int | None, depth: int) -> None:
        for unit in sorted(children.get(parent_id, []), key=lambda u: u.name):
            rows.append(TreeRow(unit, depth))
            walk(unit.id, depth + 1)

    walk(None, 0)
    return rows


def get_unit(code: str) -> Unit:
    unit = db.session.scalar(sa.select(Unit).where(Unit.code == code.upper()).options(joinedload(Unit.register)))
    if unit is None:
        raise NotFoundError()
    return unit


def active_units() -> list[Unit]:
    """Units that can take a new child unit or role: every one not retired, by name."""
    return list(db.session.scalars(sa.select(Unit).where(Unit.retired_at.is_(None)).order_by(Unit.name)))


def _name(value: str, what: str, limit: int, field: str) -> str:
    cleaned = text_rules.clean(value or "").strip()
    if not cleaned:
        raise ServiceError(f"Enter the {what}", field=field)
    if len(cleaned) > limit:
        raise ServiceError(f"The {what} must be {limit} characters or fewer", field=field)
    return cleaned


def _code(value: str) -> str:
    code = (value or "").strip().upper()
    if not CODE_PATTERN.fullmatch(code):
        raise ServiceError(
            "Enter a code of up to 8 letters and numbers, starting with a letter, with an optional part after a "
            "hyphen, like LN or SCCTD-CT",
            field="code",
        )
    if db.session.scalar(sa.select(Unit.id).where(Unit.code == code)) is not None:
        raise ServiceError(f"There is already a unit with the code {code}", field="code")
    return code


def _check_parent(parent: Unit | None) -> None:
    if parent is None:
        if db.session.scalar(sa.select(Unit.id).where(Unit.parent_id.is_(None)).limit(1)) is not None:
            raise ServiceError("Choose the unit this one is part of", field="parent")
    elif parent.is_retired:
        raise ServiceError(f"{parent.name} is retired: choose another unit", field="parent")


def add_unit(code: str, name: str, kind: UnitKind, parent: Unit | None, register_title: str, actor: User) -> Unit:
    """A new unit with its register (every unit has one register, DESIGN §3)."""
    code, name = _code(code), _name(name, "unit's name", NAME_MAX, "name")
    title = _name(register_title or f"{name} risk register", "register's title", TITLE_MAX, "register_title")
    _check_parent(parent)
    unit = Unit(code=code, name=name, kind=kind, parent=parent)
    db.session.add(unit)
    db.session.flush()
    unit.path = (parent.path if parent else "/") + f"{unit.id}/"
    db.session.add(Register(unit=unit, title=title))
    db.session.flush()
    changes = {"code": code, "name": name, "kind": kind, "parent": parent.code if parent else None, "register": title}
    audit.record(actor, "unit.created", "unit", unit.id, changes)
    scoring.forget()  # the scoring rules know each register's unit
    return unit


def rename_unit(unit: Unit, name: str, register_title: str, actor: User) -> None:
    name = _name(name, "unit's name", NAME_MAX, "name")
    title = _name(register_title, "register's title", TITLE_MAX, "register_title")
    changes = {}
    if name != unit.name:
        changes["name"] = [unit.name, name]
        unit.name = name
    if unit.register is not None and title != unit.register.title:
        changes["register"] = [unit.register.title, title]
        unit.register.title = title
    if not changes:
        raise ServiceError("Nothing has changed: change the name or the register's title", field="name")
    db.session.flush()
    audit.record(actor, "unit.renamed", "unit", unit.id, changes)


def move_unit(unit: Unit, parent: Unit, actor: User) -> None:
    """Under another parent; never under itself or one of its own units (the tree would become a loop)."""
    if unit.parent_id is None:
        raise ServiceError("The organisation itself cannot be moved", field="parent")
    if parent.is_within(unit):
        raise ServiceError(f"{unit.name} cannot move under itself or a unit inside it", field="parent")
    if parent.id == unit.parent_id:
        raise ServiceError(f"{unit.name} is already part of {parent.name}", field="parent")
    _check_parent(parent)
    old_path, old_parent = unit.path, unit.parent
    new_path = f"{parent.path}{unit.id}/"
    # Role assignments follow the tree (a role applies to its unit's subtree): the paths below move with it.
    for below in db.session.scalars(sa.select(Unit).where(Unit.path.startswith(old_path))):
        below.path = new_path + below.path[len(old_path) :]
    unit.parent = parent
    db.session.flush()
    audit.record(actor, "unit.moved", "unit", unit.id, {"parent": [old_parent.code, parent.code]})
    scoring.moved(unit)


def retirement_problem(unit: Unit) -> str | None:
    """Why the unit cannot be retired yet, or None."""
    if unit.parent_id is None:
        return "The organisation itself cannot be retired"
    if unit.is_retired:
        return f"{unit.name} is already retired"
    if db.session.scalar(sa.select(Unit.id).where(Unit.parent_id == unit.id, Unit.retired_at.is_(None)).limit(1)):
        return f"{unit.name} still has units that are not retired: move or retire them first"
    open_risks = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Risk)
        .join(Register)
        .where(Register.unit_id == unit.id, Risk.status == RiskStatus.OPEN)
    )
    if open_risks:
        noun = "risk" if open_risks == 1 else "risks"
        return f"{unit.name}'s register still has {open_risks} open {noun}: close or move them first"
    return None


def retire_unit(unit: Unit, actor: User) -> None:
    problem = retirement_problem(unit)
    if problem:
        raise ServiceError(problem)
    unit.retired_at = utcnow()
    db.session.flush()
    audit.record(actor, "unit.retired", "unit", unit.id, {"code": unit.code})
