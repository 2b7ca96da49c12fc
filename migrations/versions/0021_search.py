"""search: full-text indexes on risks, countermeasures and control tests (issue 17)

Revision ID: 0021_search
Revises: 0020_certificate_content
Create Date: 2026-12-03 17:50:00

PostgreSQL: a generated ``search_vector`` column (``to_tsvector('english', ...)`` of the searched columns) on
each table, with a GIN index.
SQLite: FTS5 tables over the same columns (external content, so the text is not stored twice), kept in step
by triggers and filled from the rows already there.
"""

from alembic import op

# The SQL below is built from this module's constant table and column names, never from input.
# ruff: noqa: S608

# revision identifiers, used by Alembic.
revision = "0021_search"
down_revision = "0020_certificate_content"
branch_labels = None
depends_on = None

# table -> the columns searched, joined with spaces.
COLUMNS = {
    "risk": ("ref", "title", "event", "cause", "consequence"),
    "countermeasure": ("title", "description", "progress"),
    "control_test": ("notes",),
}


def _document(columns) -> str:
    return " || ' ' || ".join(columns)


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        # Stored, not only indexed: ranking reads every match's vector, and computing it again for each of
        # 20,000 matches took 650 ms at scale M (docs/search.md).
        for table, columns in COLUMNS.items():
            op.execute(
                f"ALTER TABLE {table} ADD COLUMN search_vector tsvector GENERATED ALWAYS AS "
                f"(to_tsvector('english'::regconfig, {_document(columns)})) STORED"
            )
            op.execute(f"CREATE INDEX ix_{table}_search ON {table} USING gin (search_vector)")
        return
    for table, columns in COLUMNS.items():
        fts, listed = f"{table}_fts", ", ".join(columns)
        new = ", ".join(f"new.{column}" for column in columns)
        old = ", ".join(f"old.{column}" for column in columns)
        op.execute(
            f"CREATE VIRTUAL TABLE {fts} USING fts5({listed}, content='{table}', content_rowid='id', "
            "tokenize='porter unicode61')"
        )
        op.execute(
            f"CREATE TRIGGER {fts}_ai AFTER INSERT ON {table} BEGIN "
            f"INSERT INTO {fts}(rowid, {listed}) VALUES (new.id, {new}); END"
        )
        op.execute(
            f"CREATE TRIGGER {fts}_ad AFTER DELETE ON {table} BEGIN "
            f"INSERT INTO {fts}({fts}, rowid, {listed}) VALUES ('delete', old.id, {old}); END"
        )
        op.execute(
            f"CREATE TRIGGER {fts}_au AFTER UPDATE ON {table} BEGIN "
            f"INSERT INTO {fts}({fts}, rowid, {listed}) VALUES ('delete', old.id, {old}); "
            f"INSERT INTO {fts}(rowid, {listed}) VALUES (new.id, {new}); END"
        )
        op.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in COLUMNS:
            op.execute(f"DROP INDEX ix_{table}_search")
            op.execute(f"ALTER TABLE {table} DROP COLUMN search_vector")
        return
    for table in COLUMNS:
        for suffix in ("ai", "ad", "au"):
            op.execute(f"DROP TRIGGER {table}_fts_{suffix}")
        op.execute(f"DROP TABLE {table}_fts")
