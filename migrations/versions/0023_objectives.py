"""objectives: risk categories and strategic objectives become data an administrator edits (issues 16 and 17)

Revision ID: 0023_objectives
Revises: 0022_measure_evidence
Create Date: 2026-12-04 17:00:00

Two tables seeded with the values and labels riskreg had as enumerations, so every stored code stays valid;
risk.category, risk.objective and appetite_setting.category gain a foreign key to them.
SQLite cannot add a constraint to a table, and rebuilding ``risk`` (batch mode) would drop its search triggers
and, with foreign keys on, its dependants' rows: each risk column is replaced by a new one that carries the
reference (ALTER TABLE ADD COLUMN may), the values copied across. ``appetite_setting`` has no dependants and is
rebuilt in batch mode.
"""

from alembic import op
import sqlalchemy as sa

# The SQL below is built from this module's constant names, never from input.
# ruff: noqa: S608

# revision identifiers, used by Alembic.
revision = "0023_objectives"
down_revision = "0022_measure_evidence"
branch_labels = None
depends_on = None

CATEGORIES = (
    ("strategy", "Strategy"),
    ("governance", "Governance"),
    ("operations", "Operations"),
    ("legal", "Legal"),
    ("property", "Property"),
    ("financial", "Financial"),
    ("commercial", "Commercial"),
    ("people", "People"),
    ("technology", "Technology"),
    ("information", "Information"),
    ("security", "Security"),
    ("project", "Project or programme"),
    ("reputational", "Reputational"),
)
OBJECTIVES = (
    ("people", "People"),
    ("quality", "Quality"),
    ("efficiency", "Efficiency"),
    ("digitisation", "Digitisation"),
)
# risk column -> the table its codes come from
RISK_COLUMNS = {"category": "risk_category", "objective": "strategic_objective"}


def _create(name: str, entries) -> None:
    table = op.create_table(
        name,
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("label", sa.String(length=80), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("retired_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("code", name=op.f(f"pk_{name}")),
        sa.UniqueConstraint("label", name=op.f(f"uq_{name}_label")),
    )
    op.bulk_insert(table, [{"code": code, "label": label, "position": n} for n, (code, label) in enumerate(entries, 1)])


def _replace_sqlite_column(column: str, references: str | None) -> None:
    clause = f" CONSTRAINT fk_risk_{column}_{references} REFERENCES {references} (code)" if references else ""
    op.execute(f"ALTER TABLE risk ADD COLUMN {column}_new VARCHAR(32){clause}")
    op.execute(f"UPDATE risk SET {column}_new = {column}")
    op.execute(f"ALTER TABLE risk DROP COLUMN {column}")
    op.execute(f"ALTER TABLE risk RENAME COLUMN {column}_new TO {column}")


def upgrade():
    _create("risk_category", CATEGORIES)
    _create("strategic_objective", OBJECTIVES)
    sqlite = op.get_bind().dialect.name == "sqlite"
    for column, table in RISK_COLUMNS.items():
        if sqlite:
            _replace_sqlite_column(column, table)
        else:
            op.create_foreign_key(op.f(f"fk_risk_{column}_{table}"), "risk", table, [column], ["code"])
    with op.batch_alter_table("appetite_setting", schema=None) as batch_op:
        batch_op.create_foreign_key(
            batch_op.f("fk_appetite_setting_category_risk_category"), "risk_category", ["category"], ["code"]
        )


def downgrade():
    with op.batch_alter_table("appetite_setting", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_appetite_setting_category_risk_category"), type_="foreignkey")
    sqlite = op.get_bind().dialect.name == "sqlite"
    for column, table in RISK_COLUMNS.items():
        if sqlite:
            _replace_sqlite_column(column, None)
        else:
            op.drop_constraint(op.f(f"fk_risk_{column}_{table}"), "risk", type_="foreignkey")
    op.drop_table("strategic_objective")
    op.drop_table("risk_category")
