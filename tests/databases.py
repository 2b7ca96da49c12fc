"""Databases for a test run: one set per pytest-xdist worker, and set-up that is done once per run and copied.

Under xdist each worker is a process of its own with its own temporary folder inside the run's; the run's
folder is shared, and a file lock in it lets the first worker that needs something build it while the others
wait, then all of them copy it. Seeding the demo organisation takes a minute of CPU: once per run, not once
per worker and again for the browser tests.
"""

import fcntl
import os
import shutil
import sqlite3
from collections.abc import Callable
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from riskreg import create_app
from riskreg.clock import today
from riskreg.extensions import db
from riskreg.pdf import signing

# The database the run was given (PostgreSQL), read before the app fixture points the variable at a worker's.
GIVEN_URL = os.environ.get("RISKREG_TEST_DATABASE_URL") or None


def worker() -> str | None:
    """gw0, gw1 ... under pytest-xdist; None in a plain run."""
    return os.environ.get("PYTEST_XDIST_WORKER")


def run_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.getbasetemp()
    return base.parent if worker() else base


@contextmanager
def run_lock(tmp_path_factory: pytest.TempPathFactory, name: str):
    with open(run_folder(tmp_path_factory) / f"{name}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def once_per_run(tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], None]) -> Path:
    """The run's ``name`` in the shared folder, built by the first worker that asks (the others wait)."""
    target = run_folder(tmp_path_factory) / name
    done = target.with_name(f"{name}.done")
    with run_lock(tmp_path_factory, name):
        if not done.exists():
            build(target)
            done.write_text(today().isoformat())  # the day it was built (seeding dates the demo from it)
    return target


def built_on(tmp_path_factory: pytest.TempPathFactory, name: str) -> date:
    """The day ``once_per_run`` built the run's ``name``."""
    return date.fromisoformat((run_folder(tmp_path_factory) / f"{name}.done").read_text())


# Signing -----------------------------------------------------------------------------------------------------


def install_demo_ca(tmp_path_factory: pytest.TempPathFactory, instance: Path) -> None:
    """One demo CA for the run in every worker's instance folder, where seeding and signing look for it.

    The demo database is seeded once and copied, so the certificates it holds must verify in every worker.
    """
    shared = once_per_run(tmp_path_factory, "signing", signing.create_demo_ca)
    shutil.copytree(shared, instance / "signing")


# PostgreSQL --------------------------------------------------------------------------------------------------


def _database_name(name: str) -> str:
    return sa.engine.make_url(GIVEN_URL).database + name


def postgresql_url(name: str) -> str:
    """The given URL with the database ``<given>name``."""
    url = sa.engine.make_url(GIVEN_URL).set(database=_database_name(name))
    return url.render_as_string(hide_password=False)


def _admin(statements: list[str]) -> None:
    engine = sa.create_engine(GIVEN_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            for statement in statements:
                connection.execute(sa.text(statement))
    finally:
        engine.dispose()


def create_postgresql(name: str, template: str | None = None) -> str:
    """A fresh database ``<given>name`` (copied from ``<given>template``), dropping any left by an earlier run."""
    database = _database_name(name)
    copy = f' TEMPLATE "{_database_name(template)}"' if template is not None else ""
    _admin([f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)', f'CREATE DATABASE "{database}"{copy}'])
    return postgresql_url(name)


def drop_postgresql(name: str) -> None:
    _admin([f'DROP DATABASE IF EXISTS "{_database_name(name)}" WITH (FORCE)'])


# The demo organisation ---------------------------------------------------------------------------------------

DEMO_TEMPLATE = "_demo"  # PostgreSQL: <given>_demo, seeded once per run and dropped when the run ends
DEMO_SQLITE, DEMO_POSTGRESQL = "demo.sqlite", "demo-postgresql"  # the run's seeded demo, by once_per_run's name


def demo_seeded_on(tmp_path_factory: pytest.TempPathFactory) -> date:
    """The day the run's demo was seeded: its dates (reviews due, tests in the period) count from it."""
    return built_on(tmp_path_factory, DEMO_POSTGRESQL if GIVEN_URL else DEMO_SQLITE)


def seed_demo(url: str) -> None:
    from riskreg import demo

    seeding = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url})
    with seeding.app_context():
        upgrade()
        demo.seed()
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def demo_sqlite(tmp_path_factory: pytest.TempPathFactory, destination: Path) -> str:
    """A copy of the run's seeded demo SQLite file at ``destination``; its URL."""
    seeded = once_per_run(tmp_path_factory, DEMO_SQLITE, lambda target: seed_demo(f"sqlite:///{target}"))
    # The backup API copies a consistent database whatever is left in the write-ahead log.
    with sqlite3.connect(seeded) as source, sqlite3.connect(destination) as copy:
        source.backup(copy)
    source.close()
    copy.close()
    return f"sqlite:///{destination}"


def demo_postgresql(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The demo database for this worker: a copy of the run's seeded template (the template in a plain run)."""
    once_per_run(tmp_path_factory, DEMO_POSTGRESQL, lambda _: seed_demo(create_postgresql(DEMO_TEMPLATE)))
    if not worker():
        return postgresql_url(DEMO_TEMPLATE)
    # CREATE DATABASE ... TEMPLATE refuses while anyone else is connected to the template: one copy at a time.
    with run_lock(tmp_path_factory, "demo-postgresql-copy"):
        return create_postgresql(f"_{worker()}_demo", template=DEMO_TEMPLATE)
