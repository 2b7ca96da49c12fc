"""Per-register figures kept up to date on write (issue 20), so the registers index reads a few rows instead of
aggregating every open risk and every link on each request. riskreg/services/figures.py keeps them."""

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from riskreg.extensions import db


class RegisterFigure(db.Model):
    """One register's figures over its unrestricted risks (``restricted`` false) or over its restricted ones only
    (true): a reader gets the second row added only where they may read restricted risks, so the figures never
    count what the reader may not see (issue 17)."""

    __tablename__ = "register_figure"

    register_id: Mapped[int] = mapped_column(sa.ForeignKey("register.id", ondelete="CASCADE"), primary_key=True)
    restricted: Mapped[bool] = mapped_column(primary_key=True)
    open_risks: Mapped[int] = mapped_column(default=0)
    above_appetite: Mapped[int] = mapped_column(default=0)
    # Link alerts (riskreg.rules.links): on the unrestricted row, those between unrestricted risks; on the
    # restricted row, the extra ones that involve a restricted risk.
    link_alerts: Mapped[int] = mapped_column(default=0)


class ContributorFigure(db.Model):
    """What a risk's open contributing risks add up to, for the committee page (issue 20): how many there are, the
    highest residual score among them, and whether any is above its own appetite. Kept for every risk that other
    risks contribute to; the committee page judges its link alerts from these and the risk's own values."""

    __tablename__ = "contributor_figure"

    risk_id: Mapped[int] = mapped_column(sa.ForeignKey("risk.id", ondelete="CASCADE"), primary_key=True)
    open_contributors: Mapped[int] = mapped_column(default=0)
    highest: Mapped[int | None]  # None when none is open
    any_above_appetite: Mapped[bool] = mapped_column(default=False)
