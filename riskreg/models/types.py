from enum import StrEnum

import sqlalchemy as sa


def enum_column_type(enum: type[StrEnum]) -> sa.Enum:
    """Store an enumeration as its value in a plain VARCHAR, the same on every database."""
    return sa.Enum(
        enum,
        native_enum=False,
        create_constraint=False,
        length=32,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )
