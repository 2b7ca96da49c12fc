"""Test set-up: one schema per run, built by the real migrations; each test in a rolled-back transaction.

RISKREG_TEST_DATABASE_URL selects PostgreSQL; without it the suite runs on a
SQLite file, as the application does by default. Under pytest-xdist every
worker has databases of its own (tests/databases.py).
"""

import os
from contextlib import contextmanager
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
import time_machine
from flask import g, request_started
from flask_migrate import upgrade
from flask_sqlalchemy.session import _app_ctx_id
from sqlalchemy.orm import scoped_session, sessionmaker

from riskreg import create_app
from riskreg.clock import utcnow
from riskreg.extensions import db, limiter
from tests import browser, databases, factories
from tests.certificates import support as certificate_support


def _database_url(tmp_path_factory) -> str:
    if not databases.GIVEN_URL:
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'riskreg-test.sqlite'}"
    if databases.worker():
        return databases.create_postgresql(f"_{databases.worker()}")
    return databases.GIVEN_URL


def _empty_database(app) -> None:
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as connection:
            connection.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    os.environ["RISKREG_TEST_DATABASE_URL"] = _database_url(tmp_path_factory)
    instance = tmp_path_factory.mktemp("instance")
    os.environ["RISKREG_INSTANCE_PATH"] = str(instance)
    databases.install_demo_ca(tmp_path_factory, instance)
    app = create_app("testing")
    with app.app_context():
        _empty_database(app)
        upgrade()
        db.engine.dispose()
    request_started.connect(_fresh_request_globals)
    yield app
    if databases.GIVEN_URL and databases.worker():
        with app.app_context():
            db.engine.dispose()
        databases.drop_postgresql(f"_{databases.worker()}")


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session) -> None:
    # The seeded PostgreSQL template outlives the workers that copied it: the run drops it at its very end.
    if databases.GIVEN_URL and not hasattr(session.config, "workerinput"):
        databases.drop_postgresql(databases.DEMO_TEMPLATE)


def pytest_configure(config) -> None:
    """RISKREG_TEST_TODAY=2099-06-15 runs the suite on another day, the clock ticking from there.

    A test that passes today and fails then depends on today's date: freeze the clock in it (frozen_clock)
    or give it explicit dates. Run it (not the browser tests) with a far-off day, a month's end and 29 February.
    """
    day = os.environ.get("RISKREG_TEST_TODAY")
    if day:
        traveller = time_machine.travel(datetime.fromisoformat(day).replace(hour=12), tick=True)
        traveller.start()
        config.add_cleanup(traveller.stop)


# The pure rules' tests (riskreg/rules touches no database, by the layer contract) and modules marked
# ``no_database`` run without one; the PostgreSQL pass leaves them out, since there they would test nothing new.
RULES_TESTS = Path(__file__).parent / "rules"
DATABASE_FIXTURES = frozenset({"app", "demo", "demo_app", "org", "client", "sign_in", "count_queries", "csrf_enabled"})


def _needs_no_database(item) -> bool:
    if RULES_TESTS in item.path.parents:
        item.add_marker(pytest.mark.no_database)
    if item.get_closest_marker("no_database") is None:
        return False
    if used := sorted(DATABASE_FIXTURES & set(item.fixturenames)):
        raise pytest.UsageError(f"{item.nodeid} is marked no_database but uses {', '.join(used)}")
    return True


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items) -> None:
    # Under `pytest -n` with `--dist loadgroup` (make test), each browser test file runs whole, in order, on one
    # worker; the files are spread over the workers, each with its own Chromium and served copy of the demo.
    # (One worker for all of them left the other core idle for minutes: they were the suite's critical path.)
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.xdist_group(f"browser:{item.path.name}"))
    # Each pass leaves out what it cannot add to: the PostgreSQL pass the tests without a database and those whose
    # subject does not depend on the engine (access answers, PDF layout, API schema conformance), the SQLite pass
    # the tests that need PostgreSQL.
    without_database = {item for item in items if _needs_no_database(item)}
    if databases.GIVEN_URL:
        left_out = without_database | {item for item in items if item.get_closest_marker("engine_independent")}
    else:
        left_out = {item for item in items if item.get_closest_marker("postgresql")}
    if left_out:
        config.hook.pytest_deselected(items=[item for item in items if item in left_out])
        items[:] = [item for item in items if item not in left_out]


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:
    browser.OUTCOME.update(getattr(node, "workeroutput", {}).get("browser", {}))


@pytest.hookimpl(trylast=True)
def pytest_terminal_summary(terminalreporter) -> None:
    browser.write_summary(terminalreporter)


def _fresh_request_globals(_sender, **_extra) -> None:
    # A test's requests share its app context, and so its ``g``, where Flask-Login caches the signed-in
    # user and Flask-WTF the CSRF token: without this they would carry over from one request, or one
    # client, to the next. Each request starts with an empty ``g``, as it does when served.
    vars(g).clear()


@contextmanager
def _rolled_back(flask_app):
    """Run inside a transaction that is rolled back: requests' commits become savepoints."""
    with flask_app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        original = db.session
        # A plain SQLAlchemy session: Flask-SQLAlchemy's own ignores a bound connection and picks the engine.
        db.session = scoped_session(
            sessionmaker(bind=connection, join_transaction_mode="create_savepoint"), scopefunc=_app_ctx_id
        )
        try:
            yield
        finally:
            db.session.remove()
            db.session = original
            outer.rollback()
            connection.close()


@pytest.fixture(autouse=True)
def _transaction(request):
    """Every test runs in a rolled-back transaction, on the demo database when it asks for ``demo``."""
    if request.node.get_closest_marker("browser") or request.node.get_closest_marker("no_database"):
        yield  # browser tests drive a served app with its own database (tests/browser/conftest.py)
        return
    target = request.getfixturevalue("demo_app" if "demo" in request.fixturenames else "app")
    limiter.reset()
    with _rolled_back(target):
        yield


@pytest.fixture(scope="session")
def demo_app(app, tmp_path_factory):
    """A second database holding the demo organisation, seeded once per run and copied: seeding takes a minute."""
    if databases.GIVEN_URL:
        url = databases.demo_postgresql(tmp_path_factory)
    else:
        url = databases.demo_sqlite(tmp_path_factory, tmp_path_factory.mktemp("demo") / "riskreg-demo.sqlite")
    demo_app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url})
    yield demo_app
    with demo_app.app_context():
        db.engine.dispose()
    if databases.GIVEN_URL and databases.worker():
        databases.drop_postgresql(f"_{databases.worker()}_demo")


@pytest.fixture
def on_the_demos_day(demo_app, tmp_path_factory):
    """The clock moved to the day the run's shared demo was seeded, ticking on: for tests that compare with what
    seeding made of its day. A run that crossed midnight seeded it the day before, and seeding again or scanning a
    day later made other dates and raised a review newly overdue."""
    seeded_on = databases.demo_seeded_on(tmp_path_factory)
    with time_machine.travel(datetime.combine(seeded_on, utcnow().time(), tzinfo=UTC), tick=True):
        yield seeded_on


@pytest.fixture
def demo():
    """Tests that take this fixture run (rolled back) against the seeded demo organisation."""


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def org():
    return factories.build_organisation()


@pytest.fixture
def sign_in(client):
    def _sign_in(user, password=factories.PASSWORD):
        response = client.post("/sign-in", data={"email": user.email, "password": password})
        assert response.status_code == 302, response.data.decode()[:2000]
        return user

    return _sign_in


@pytest.fixture
def csrf_enabled(app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)


@contextmanager
def count_queries():
    """Counts the SQL statements run inside the block."""
    statements: list[str] = []

    def before_execute(_conn, _cursor, statement, *_args):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO")):
            statements.append(statement)

    engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", before_execute)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", before_execute)


# 90 days on is 3 September: a day and a month of one digit, which once broke a test comparing strings.
FROZEN_NOW = datetime(2026, 6, 5, 10, 0)
FROZEN_TODAY = FROZEN_NOW.date()  # today() under frozen_clock


@pytest.fixture
def frozen_clock():
    """Stops the clock at FROZEN_NOW (UTC) for tests that compute dates from today."""
    with time_machine.travel(FROZEN_NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def clock_in_period():
    """Stops the clock a month after the certificate tests' PERIOD ends, when its certificates are prepared and
    signed. (frozen_clock's fixed day lies in another certifying year than PERIOD, which is worked out from today,
    from every 1 April after it.)"""
    moment = datetime.combine(certificate_support.PERIOD.end + timedelta(days=30), time(10))
    with time_machine.travel(moment, tick=False) as traveller:
        yield traveller
