"""The organisation's risk categories and strategic objectives: data an administrator edits (issues 16 and 17).

``code`` is what risks, appetite settings, exports, URLs and the API hold, and never changes; ``label`` is what
people read. A retired entry stays readable on the risks that have it but is not offered for new ones.
"""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from riskreg.extensions import db

CODE_LENGTH = 32


class VocabularyEntry:
    code: Mapped[str] = mapped_column(sa.String(CODE_LENGTH), primary_key=True)
    label: Mapped[str] = mapped_column(sa.String(80), unique=True)
    description: Mapped[str | None] = mapped_column(sa.Text)
    # Display order: lists, forms and exports show entries by it.
    position: Mapped[int]
    retired_at: Mapped[datetime | None]

    @property
    def is_retired(self) -> bool:
        return self.retired_at is not None


class RiskCategory(VocabularyEntry, db.Model):
    __tablename__ = "risk_category"


class StrategicObjective(VocabularyEntry, db.Model):
    __tablename__ = "strategic_objective"
