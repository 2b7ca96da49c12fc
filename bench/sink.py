"""Bulk writing for the generator: COPY on PostgreSQL, executemany on SQLite.

Rows are buffered per table and written in chunks. A table's chunk is only
written after the chunks of every table before it in ``TABLE_ORDER``, so a row
never reaches the database before the rows its foreign keys point to.
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa

import riskreg.models  # noqa: F401 - registers every table on the metadata
from riskreg.extensions import db

# Parents before children.
TABLE_ORDER = (
    "unit",
    "register",
    "app_user",
    "role_assignment",
    "risk",
    "countermeasure",
    "review",
    "risk_link",
    "control_test",
    "evidence",
    "control_test_evidence",
    "audit_event",
)
CHUNK_ROWS = 20_000


class Sink:
    """Buffers rows (tuples in the order of ``columns[table]``) and writes them in bulk."""

    def __init__(self, connection: sa.Connection, columns: dict[str, Sequence[str]], chunk_rows: int = CHUNK_ROWS):
        self.connection = connection
        self.columns = columns
        self.chunk_rows = chunk_rows
        self.postgres = connection.dialect.name == "postgresql"
        self.buffers: dict[str, list[tuple]] = {table: [] for table in columns}
        self.written: dict[str, int] = dict.fromkeys(columns, 0)
        self._json_positions = {table: self._json_columns(table) for table in columns}

    def _json_columns(self, table: str) -> list[int]:
        table_columns = db.metadata.tables[table].c
        return [i for i, name in enumerate(self.columns[table]) if isinstance(table_columns[name].type, sa.JSON)]

    def add(self, table: str, row: tuple) -> None:
        buffer = self.buffers[table]
        buffer.append(row)
        if len(buffer) >= self.chunk_rows:
            self.flush(upto=table)

    def flush(self, upto: str | None = None) -> None:
        """Write the buffered rows of every table up to ``upto`` (all tables when None), parents first."""
        for table in TABLE_ORDER:
            if table in self.buffers and self.buffers[table]:
                self._write(table, self.buffers[table])
                self.written[table] += len(self.buffers[table])
                self.buffers[table] = []
            if table == upto:
                return

    def _write(self, table: str, rows: list[tuple]) -> None:
        names = self.columns[table]
        json_positions = self._json_positions[table]
        if self.postgres:
            copy_sql = f"COPY {table} ({', '.join(names)}) FROM STDIN"  # noqa: S608 - names come from our metadata
            cursor = self.connection.connection.driver_connection.cursor()
            with cursor.copy(copy_sql) as copy:
                for row in rows:
                    if json_positions:
                        row = _json_encoded(row, json_positions)
                    copy.write_row(row)
            cursor.close()
        else:
            # SQLAlchemy's executemany: its type processors store dates and JSON exactly as the app reads them.
            self.connection.execute(
                db.metadata.tables[table].insert(), [dict(zip(names, row, strict=True)) for row in rows]
            )


def _json_encoded(row: tuple, positions: list[int]) -> tuple:
    values = list(row)
    for position in positions:
        values[position] = json.dumps(values[position], separators=(",", ":"), ensure_ascii=False)
    return tuple(values)


def next_ids(connection: sa.Connection, tables: Sequence[str]) -> dict[str, int]:
    """The first free id of each table: the generator numbers its rows itself, so children can point at parents."""
    tables = [table for table in tables if "id" in db.metadata.tables[table].c]
    largest = {table: sa.select(sa.func.max(db.metadata.tables[table].c.id)) for table in tables}
    return {table: (connection.execute(query).scalar() or 0) + 1 for table, query in largest.items()}


def reset_sequences(connection: sa.Connection, tables: Sequence[str]) -> None:
    """PostgreSQL: move each id sequence past the ids the generator wrote (SQLite needs nothing)."""
    if connection.dialect.name != "postgresql":
        return
    for table in [table for table in tables if "id" in db.metadata.tables[table].c]:
        connection.execute(
            sa.text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max_id) "  # noqa: S608 - our table names
                f"FROM (SELECT max(id) AS max_id FROM {table}) AS m WHERE max_id IS NOT NULL"
            )
        )
