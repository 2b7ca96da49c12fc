"""Demo flags: a full scan of the demo organisation, then the HQ risk team at work on London North's flags.

After the scan, HQ has acknowledged two of London North's flags with feedback that the risks' owners have
answered, linked one restated corporate risk as the scan proposed, and dismissed one pair that only looked
alike, so the HQ queue and the area's own view both show every state of a flag.
"""

from datetime import date

import sqlalchemy as sa

from riskreg.demo import content
from riskreg.enums import FlagKind, FlagStatus
from riskreg.extensions import db
from riskreg.models import Flag, Register, Risk, Unit, User
from riskreg.services.flags import duplicates
from riskreg.services.flags import scan as flags

RESTATED = {
    (local[0], corporate[0])
    for local, corporate in zip(content.LOCAL_RISKS[:12], content.CORPORATE_RISKS[:12], strict=True)
}


def _user(email: str) -> User:
    return db.session.scalars(sa.select(User).where(User.email == email)).one()


def _flags_in(unit_code: str, kind: FlagKind) -> list[Flag]:
    """Open flags of a kind on the risks of one unit's register, in the order they were raised."""
    return list(
        db.session.scalars(
            sa.select(Flag)
            .join(Risk, Risk.id == Flag.risk_id)
            .join(Register, Register.id == Risk.register_id)
            .join(Unit, Unit.id == Register.unit_id)
            .where(Unit.code == unit_code, Flag.kind == kind, Flag.status == FlagStatus.OPEN)
            .order_by(Flag.id)
        )
    )


def _pair_flags() -> list[Flag]:
    """Open pair flags anywhere, same-level possible duplicates first."""
    query = sa.select(Flag).where(
        Flag.kind.in_([FlagKind.POSSIBLE_DUPLICATE, FlagKind.REPEATS_HIGHER]), Flag.status == FlagStatus.OPEN
    )
    return sorted(db.session.scalars(query), key=lambda flag: (flag.kind is not FlagKind.POSSIBLE_DUPLICATE, flag.id))


def _is_restatement(flag: Flag) -> bool:
    return flag.other_risk is not None and (flag.risk.title, flag.other_risk.title) in RESTATED


def seed(today: date) -> None:
    flags.scan_all(today=today)
    hq = _user("hq.risk@example.org")
    pairs = _flags_in("LN", FlagKind.REPEATS_HIGHER) + _flags_in("LN", FlagKind.POSSIBLE_DUPLICATE)
    restated = [flag for flag in pairs if _is_restatement(flag)]
    lookalike = next(flag for flag in _pair_flags() if not _is_restatement(flag))

    asked = restated[0]
    flags.acknowledge(asked, hq)
    flags.add_comment(
        asked,
        f"{asked.risk.ref} reads as London North's version of the corporate risk "
        f"{asked.other_risk.ref}. Please link it as contributing to {asked.other_risk.ref} rather than "
        "keeping it as a separate risk, so the committee sees London North's view.",
        hq,
    )
    flags.add_comment(
        asked,
        "Agreed. We will take it to the area risk meeting next month and link it then; our "
        "local countermeasures stay on our risk.",
        asked.risk.owner,
    )

    linked = restated[1]
    duplicates.resolve_by_link(linked, hq, "London North's form of the corporate risk, confirmed with the area")

    flags.dismiss(
        lookalike,
        hq,
        f"Different risks: {lookalike.risk.ref} is about {lookalike.risk.title.lower()}, "
        f"{lookalike.other_risk.ref} about {lookalike.other_risk.title.lower()}",
    )

    overdue = _flags_in("LN", FlagKind.REVIEW_OVERDUE)[0]
    flags.acknowledge(overdue, hq)
    flags.add_comment(
        overdue,
        f"{overdue.risk.ref} has not been reviewed since it fell due. Please review it "
        "before the quarterly return, or tell us if it should be closed.",
        hq,
    )
    flags.add_comment(overdue, "The owner was on leave; the review is booked for next week.", overdue.risk.owner)
    db.session.flush()
