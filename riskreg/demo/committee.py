"""The demo's committee action log: a few requests from the last two meetings, carried, done and dropped.

Its own seeded random generator, run after every other demo step, finding people and risks by e-mail and
reference (never by row id), so nothing the rest of the demo holds changes.
"""

import random
from datetime import date, timedelta

import sqlalchemy as sa

from riskreg.enums import CommitteeActionStatus
from riskreg.extensions import db
from riskreg.models import CommitteeAction, Risk, User
from riskreg.services.audit import trail as audit

SEED = 2015
# (request, corporate risk or None, owner's e-mail, meetings ago it was raised, due days after, status, note)
ACTIONS = [
    (
        "Explain how the workforce plan closes the gaps in lawyers and caseworkers that the areas report",
        "HQ-001",
        "risk.hq@example.org",
        1,
        60,
        CommitteeActionStatus.OPEN,
        "",
    ),
    (
        "Bring internal audit's plan for independent testing of disclosure controls to the next meeting",
        None,
        "auditor@example.org",
        1,
        120,
        CommitteeActionStatus.OPEN,
        "",
    ),
    (
        "Report the number of areas without a signed certificate of assurance and when each will sign",
        None,
        "hq.risk@example.org",
        2,
        45,
        CommitteeActionStatus.OPEN,
        "",
    ),
    (
        "Circulate the revised risk appetite statement for comment",
        None,
        "head.hq@example.org",
        2,
        30,
        CommitteeActionStatus.DONE,
        "Circulated to members; comments folded into the March version",
    ),
    (
        "Commission a deep dive on accommodation risks in London",
        None,
        "risk.hq@example.org",
        2,
        60,
        CommitteeActionStatus.DROPPED,
        "Superseded by the estates programme review the board commissioned",
    ),
]
MEETING_INTERVAL = 91  # the committee meets quarterly
CLOSED = (CommitteeActionStatus.DONE, CommitteeActionStatus.DROPPED)


def _meeting(today: date, meetings_ago: int) -> date:
    return today - timedelta(days=MEETING_INTERVAL * meetings_ago)


def seed(today: date) -> None:
    rng = random.Random(SEED)
    chair = db.session.scalar(sa.select(User).where(User.email == "committee@example.org"))
    for request, ref, email, meetings_ago, due_after, status, note in ACTIONS:
        raised_on = _meeting(today, meetings_ago)
        owner = db.session.scalar(sa.select(User).where(User.email == email))
        risk = db.session.scalar(sa.select(Risk).where(Risk.ref == ref)) if ref else None
        # Closed between the last meeting and today, so the next meeting's log reports them.
        closed_on = _meeting(today, 1) + timedelta(days=rng.randint(10, 40)) if status in CLOSED else None
        action = CommitteeAction(
            request=request,
            risk=risk,
            owner=owner,
            raised_on=raised_on,
            due_on=raised_on + timedelta(days=due_after),
            status=status,
            closed_on=closed_on,
            closing_note=note,
            created_by=chair,
        )
        db.session.add(action)
        db.session.flush()
        audit.record(
            chair,
            "committee_action.raised",
            "committee_action",
            action.id,
            {"request": request, "owner": email, "raised_on": raised_on.isoformat(), "status": status.value},
        )
