"""The Audit and Risk Committee's action log: requests raised at a meeting, with an owner and a due date,
carried from meeting to meeting until they are done or dropped. Every change is audited."""

import functools
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from riskreg.clock import today
from riskreg.enums import CommitteeActionStatus, UnitKind
from riskreg.extensions import db
from riskreg.models import CommitteeAction, Register, Risk, RoleAssignment, Unit, User
from riskreg.services import NotFoundError, ServiceError, StaleEdit
from riskreg.services.audit import trail as audit
from riskreg.services.committee import MEETINGS_FROM, MEETINGS_UNTIL, PACK_COMMENT_WINDOW, is_meeting_date

REQUEST_MAX_LENGTH = 2000
NOTE_MAX_LENGTH = 2000
FIELDS = ("request", "risk_id", "owner_id", "raised_on", "due_on")
CLOSED = (CommitteeActionStatus.DONE, CommitteeActionStatus.DROPPED)
# A meeting's log shows the actions closed in the quarter before it, as the pack's comments do.
CLOSED_WINDOW = PACK_COMMENT_WINDOW


def _eager():
    return (joinedload(CommitteeAction.owner), joinedload(CommitteeAction.risk))


def get_action(action_id: int) -> CommitteeAction:
    action = db.session.scalar(sa.select(CommitteeAction).where(CommitteeAction.id == action_id).options(*_eager()))
    if action is None:
        raise NotFoundError(f"no committee action {action_id}")
    return action


def corporate_risk(ref: str) -> Risk:
    """The corporate risk an action is about, by reference ("HQ-003")."""
    risk = db.session.scalar(
        sa.select(Risk)
        .join(Risk.register)
        .join(Register.unit)
        .where(Risk.ref == ref.strip().upper(), Unit.kind == UnitKind.HEADQUARTERS)
    )
    if risk is None:
        raise ServiceError(f"There is no corporate risk {ref.strip()}", field="risk")
    return risk


def _check_text(text: str, limit: int, empty: str | None, what: str, name: str) -> str:
    text = (text or "").strip()
    if empty and not text:
        raise ServiceError(empty, field=name)
    if len(text) > limit:
        raise ServiceError(f"{what} must be {limit} characters or fewer", field=name)
    return text


def _check_date(day: date | None, what: str, name: str) -> date:
    if day is None:
        raise ServiceError(f"Enter the {what}", field=name)
    if not MEETINGS_FROM <= day <= MEETINGS_UNTIL:
        raise ServiceError(
            f"The {what} must be between {MEETINGS_FROM:%-d %B %Y} and {MEETINGS_UNTIL:%-d %B %Y}", field=name
        )
    return day


def _checked(values: dict[str, Any]) -> dict[str, Any]:
    checked = {
        "request": _check_text(
            values.get("request", ""), REQUEST_MAX_LENGTH, "Enter the request", "Request", "request"
        ),
        "raised_on": _check_date(values.get("raised_on"), "date of the meeting that raised it", "raised_on"),
        "due_on": _check_date(values.get("due_on"), "due date", "due_on"),
    }
    if checked["due_on"] < checked["raised_on"]:
        raise ServiceError("The due date must be on or after the meeting that raised it", field="due_on")
    owner = db.session.get(User, values.get("owner_id") or 0)
    if owner is None or not owner.is_active:
        raise ServiceError("Select who owns the action", field="owner_id")
    checked["owner_id"] = owner.id
    ref = (values.get("risk_ref") or "").strip()
    checked["risk_id"] = corporate_risk(ref).id if ref else None
    return checked


def _snapshot(action: CommitteeAction) -> dict[str, Any]:
    values = {name: getattr(action, name) for name in FIELDS}
    values.update(status=action.status, closed_on=action.closed_on, closing_note=action.closing_note)
    return {key: value.isoformat() if isinstance(value, date) else value for key, value in values.items()}


def _flush() -> None:
    # Two editors can both pass the version check on PostgreSQL; the second then updates no row (a stale edit).
    try:
        db.session.flush()
    except StaleDataError as error:
        db.session.rollback()
        raise StaleEdit("action") from error


def raise_action(values: dict[str, Any], actor: User) -> CommitteeAction:
    action = CommitteeAction(**_checked(values), created_by=actor, status=CommitteeActionStatus.OPEN)
    db.session.add(action)
    db.session.flush()
    audit.record(actor, "committee_action.raised", "committee_action", action.id, _snapshot(action))
    return action


def _check_version(action: CommitteeAction, expected_version: int) -> None:
    if expected_version != action.version:
        raise StaleEdit("action")


def update_action(action: CommitteeAction, values: dict[str, Any], expected_version: int, actor: User) -> None:
    _check_version(action, expected_version)
    if not action.is_open:
        raise ServiceError(f"This action is {action.status.label.lower()}: it can no longer be changed")
    before = _snapshot(action)
    for name, value in _checked(values).items():
        setattr(action, name, value)
    after = _snapshot(action)
    changes = {key: [before[key], after[key]] for key in after if before[key] != after[key]}
    if changes:
        _flush()
        audit.record(actor, "committee_action.updated", "committee_action", action.id, changes)


def close_action(
    action: CommitteeAction, status: CommitteeActionStatus, note: str, expected_version: int, actor: User
) -> None:
    """Done or dropped, for good; dropping one needs a reason the committee can read."""
    _check_version(action, expected_version)
    if status not in CLOSED:
        raise ServiceError("Select whether the action is done or dropped", field="status")
    if not action.is_open:
        raise ServiceError(f"This action is already {action.status.label.lower()}")
    empty = "Enter why the committee dropped the action" if status is CommitteeActionStatus.DROPPED else None
    note = _check_text(note, NOTE_MAX_LENGTH, empty, "The note", "note")
    action.status, action.closed_on, action.closing_note = status, max(today(), action.raised_on), note
    _flush()
    audit.record(
        actor,
        f"committee_action.{status.value}",
        "committee_action",
        action.id,
        {"status": status.value, "closed_on": action.closed_on.isoformat(), "closing_note": note},
    )


# The log for a meeting ---------------------------------------------------------------------------------------


@dataclass
class ActionLog:
    meeting: date
    raised: list[CommitteeAction] = field(default_factory=list)  # at this meeting
    carried: list[CommitteeAction] = field(default_factory=list)  # from earlier meetings, still open at it
    closed: list[CommitteeAction] = field(default_factory=list)  # closed in the quarter up to it

    @property
    def is_empty(self) -> bool:
        return not (self.raised or self.carried or self.closed)

    def overdue(self, action: CommitteeAction) -> bool:
        return action.was_open_on(self.meeting) and action.due_on < self.meeting


def log_for(meeting: date) -> ActionLog:
    """The action log as a meeting sees it: what it raised, what is carried to it, and what closed before it."""
    if not is_meeting_date(meeting):
        raise ServiceError("The date of the committee meeting is out of range", field="meeting")
    since = meeting - CLOSED_WINDOW
    found = db.session.scalars(
        sa.select(CommitteeAction)
        .where(CommitteeAction.raised_on <= meeting)
        .where(sa.or_(CommitteeAction.closed_on.is_(None), CommitteeAction.closed_on > since))
        .options(*_eager())
        .order_by(CommitteeAction.due_on, CommitteeAction.id)
    )
    log = ActionLog(meeting)
    for action in found:
        if action.raised_on == meeting:
            log.raised.append(action)
        elif action.closed_on is None or action.closed_on > meeting:
            log.carried.append(action)
        else:
            log.closed.append(action)
    return log


def open_actions() -> list[CommitteeAction]:
    return list(db.session.scalars(_open_actions_query()))


@functools.cache
def _open_actions_query() -> sa.Select:
    """Built once: the committee page lists the open actions on every request, and building the query and its cache
    key cost SQLAlchemy about as much as running it (issue 20)."""
    return (
        sa.select(CommitteeAction)
        .where(CommitteeAction.status == CommitteeActionStatus.OPEN)
        .options(*_eager())
        .order_by(CommitteeAction.due_on, CommitteeAction.id)
    )


def meetings() -> list[date]:
    """Meetings that raised actions, latest first (the log's meeting picker)."""
    return list(
        db.session.scalars(sa.select(CommitteeAction.raised_on).distinct().order_by(CommitteeAction.raised_on.desc()))
    )


def owner_candidates() -> list[User]:
    """Who may own a committee action: any active member of the organisation (executives, internal audit...)."""
    return list(
        db.session.scalars(
            sa.select(User)
            .where(User.is_active.is_(True), sa.exists().where(RoleAssignment.user_id == User.id))
            .order_by(User.name, User.id)
        )
    )
