"""Engine set-up that differs by database.

SQLite: WAL (readers don't block the writer), a busy timeout, foreign keys on,
and write transactions opened with BEGIN IMMEDIATE. A deferred transaction that
reads and then writes fails at once with "database is locked" when another
writer got in first - the busy timeout cannot help it - so anything that may
write takes the write lock up front and waits its turn instead.
"""

import sqlite3

import sqlalchemy as sa
from flask import has_request_context, request

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
BUSY_TIMEOUT_MS = 15_000


def _may_write() -> bool:
    # Outside a request (commands, tests setting up data) we cannot know: assume a write.
    return not has_request_context() or request.method not in SAFE_METHODS


@sa.event.listens_for(sa.engine.Engine, "connect")
def _configure_sqlite(dbapi_connection, _record) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # Hand transaction control to SQLAlchemy (the "begin" hook below).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


@sa.event.listens_for(sa.engine.Engine, "begin")
def _begin_sqlite(connection) -> None:
    if connection.dialect.name != "sqlite":
        return
    connection.exec_driver_sql("BEGIN IMMEDIATE" if _may_write() else "BEGIN")
