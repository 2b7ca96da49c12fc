"""What a signed-in person sees first: their registers, their reviews due, their risks."""

from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from riskreg.enums import CertificateStatus, RiskStatus, Role
from riskreg.extensions import db
from riskreg.models import Certificate, Register, Risk, Unit, User

DUE_SOON = timedelta(days=14)


def my_registers(user: User) -> list[Register]:
    """Registers of the units where the user holds a role directly (not the whole subtree)."""
    unit_ids = {assignment.unit_id for assignment in user.roles}
    if not unit_ids:
        return []
    return list(
        db.session.scalars(
            sa.select(Register)
            .join(Register.unit)
            .where(Register.unit_id.in_(unit_ids))
            .options(joinedload(Register.unit))
            .order_by(Unit.name)
        )
    )


def _owned_open_risks(user: User) -> sa.Select:
    return (
        sa.select(Risk)
        .where(Risk.owner_id == user.id, Risk.status == RiskStatus.OPEN)
        .options(joinedload(Risk.register).joinedload(Register.unit))
    )


def reviews_due(user: User, today: date) -> list[Risk]:
    query = _owned_open_risks(user).where(Risk.next_review_on <= today + DUE_SOON)
    return list(db.session.scalars(query.order_by(Risk.next_review_on, Risk.id)))


def risks_owned(user: User, limit: int = 50) -> list[Risk]:
    query = _owned_open_risks(user).order_by((Risk.residual_l * Risk.residual_i).desc(), Risk.id).limit(limit)
    return list(db.session.scalars(query))


def certificates_to_sign(user: User) -> list[Certificate]:
    """Submitted certificates of the units where the user is the unit head: the first thing on their home page."""
    units = [assignment.unit_id for assignment in user.roles if assignment.role is Role.UNIT_HEAD]
    if not units:
        return []
    return list(
        db.session.scalars(
            sa.select(Certificate)
            .where(Certificate.status == CertificateStatus.SUBMITTED, Certificate.unit_id.in_(units))
            .options(joinedload(Certificate.unit))
            .order_by(Certificate.period, Certificate.id)
        )
    )
