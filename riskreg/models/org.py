from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from riskreg.clock import utcnow
from riskreg.enums import Role, UnitKind
from riskreg.extensions import db
from riskreg.models.types import enum_column_type


class Unit(db.Model):
    """A node of the organisation tree: headquarters at the root, then areas, divisions and units."""

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(16), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    kind: Mapped[UnitKind] = mapped_column(enum_column_type(UnitKind))
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    # Materialised path of ids ("/1/4/9/"): ancestry checks without queries.
    path: Mapped[str] = mapped_column(sa.String(255), index=True, default="/")
    # Retired units keep their register and history, but take no new roles, units or risks (administration).
    retired_at: Mapped[datetime | None]

    parent: Mapped["Unit | None"] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list["Unit"]] = relationship(back_populates="parent", order_by="Unit.name")
    register: Mapped["Register | None"] = relationship(back_populates="unit", uselist=False)

    @property
    def depth(self) -> int:
        return self.path.count("/") - 2

    @property
    def is_retired(self) -> bool:
        return self.retired_at is not None

    def is_within(self, other: "Unit") -> bool:
        """True when this unit is ``other`` or sits below it in the tree."""
        return self.path.startswith(other.path)

    def __repr__(self) -> str:
        return f"<Unit {self.code}>"


class Register(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    # The last number used in this register's risk references (LN-007).
    last_ref_number: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    unit: Mapped[Unit] = relationship(back_populates="register")

    @property
    def code(self) -> str:
        return self.unit.code

    @property
    def is_corporate(self) -> bool:
        return self.unit.kind is UnitKind.HEADQUARTERS

    def __repr__(self) -> str:
        return f"<Register {self.title}>"


class User(UserMixin, db.Model):
    # "user" is reserved in PostgreSQL; a plain name keeps hand-written SQL simple.
    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    is_active: Mapped[bool] = mapped_column(default=True)
    # Part of the session cookie's identity: changing it signs the user out everywhere.
    session_token: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The TOTP second factor (riskreg.services.two_factor): the shared secret once enrolled, and the last time
    # step a code was accepted for, so one code cannot be used twice.
    totp_secret: Mapped[str | None] = mapped_column(sa.String(64))
    totp_last_step: Mapped[int | None]

    roles: Mapped[list["RoleAssignment"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    @property
    def has_password(self) -> bool:
        """False for someone invited who has not yet chosen a password (an empty hash matches no password)."""
        return bool(self.password_hash)

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class RoleAssignment(db.Model):
    """A role held at a unit; it applies to that unit's whole subtree."""

    __table_args__ = (sa.UniqueConstraint("user_id", "role", "unit_id", name="uq_role_assignment"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("app_user.id"), index=True)
    role: Mapped[Role] = mapped_column(enum_column_type(Role))
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"), index=True)

    user: Mapped[User] = relationship(back_populates="roles")
    unit: Mapped[Unit] = relationship(lazy="joined")
