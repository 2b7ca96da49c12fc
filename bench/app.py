"""Databases and app instances for the benchmarks."""

import os
import secrets
from pathlib import Path

import sqlalchemy as sa
from flask import Flask

from riskreg import PROJECT_ROOT, create_app
from riskreg.config import normalise_database_url

BENCH_INSTANCE = PROJECT_ROOT / "instance" / "bench"


def bench_app(database_url: str) -> Flask:
    """The app in this process (generation, query counts, audit verification) on ``database_url``."""
    os.environ.setdefault("RISKREG_INSTANCE_PATH", str(BENCH_INSTANCE))
    # A key for this process only, so nothing is written to the instance folder.
    os.environ.setdefault("RISKREG_SECRET_KEY", secrets.token_hex(32))
    return create_app("development", overrides={"SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url)})


def is_postgres(database_url: str) -> bool:
    return normalise_database_url(database_url).startswith("postgresql")


def sqlite_path(database_url: str) -> Path:
    return Path(sa.make_url(database_url).database or "")


def prepare_database(database_url: str, reset: bool) -> None:
    """Create the PostgreSQL database if it is missing; with ``reset``, empty it (or delete the SQLite file)."""
    url = sa.make_url(normalise_database_url(database_url))
    if is_postgres(database_url):
        server = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with server.connect() as connection:
            exists = connection.execute(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": url.database}
            ).scalar()
            if not exists:
                connection.execute(sa.text(f'CREATE DATABASE "{url.database}"'))
        server.dispose()
        if reset:
            engine = sa.create_engine(url)
            with engine.begin() as connection:
                connection.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            engine.dispose()
        return
    path = sqlite_path(database_url)
    path.parent.mkdir(parents=True, exist_ok=True)
    if reset:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


def tidy_after_bulk_load(database_url: str) -> None:
    """Fresh planner statistics (and, on PostgreSQL, no dead rows from the final-state update)."""
    engine = sa.create_engine(normalise_database_url(database_url), isolation_level="AUTOCOMMIT")
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            connection.execute(sa.text("VACUUM ANALYZE"))
    else:
        # A raw connection: riskreg's "begin" hook would open a transaction, and a checkpoint cannot run in one.
        connection = engine.raw_connection()
        try:
            connection.execute("ANALYZE")
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            connection.close()
    engine.dispose()
