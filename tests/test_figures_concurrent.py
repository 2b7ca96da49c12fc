"""Two people saving risks of one register at the same moment, on PostgreSQL: both saves commit, and the register's
stored figures count both risks (riskreg/services/figures.py). Each recount used to delete and insert the register's
rows: the second writer's insert failed on their key once the first had committed, and it had counted without the
first writer's risk."""

import threading

import pytest
import sqlalchemy as sa

from riskreg.enums import RiskStatus
from riskreg.extensions import db
from riskreg.models import Register, RegisterFigure, Risk
from tests import factories, served

pytestmark = pytest.mark.postgresql  # SQLite lets one writer in at a time (riskreg/database.py)


@pytest.fixture(autouse=True)
def _transaction():
    """Two transactions that commit, on a database of their own, not the test's rolled-back one."""
    yield


def test_two_writers_of_one_register_both_commit_and_both_are_counted(app, tmp_path):
    flask_app = served.fresh_app(tmp_path, "riskreg_figures_race")
    with flask_app.app_context():
        register_id = factories.UnitFactory(code="LN", name="London North").register.id
        db.session.commit()
    first_flushed, first_may_commit = threading.Event(), threading.Event()
    failures = []

    def write(ref: str, flushed: threading.Event | None, may_commit: threading.Event | None) -> None:
        with flask_app.app_context():
            try:
                register = db.session.get(Register, register_id)
                db.session.add(factories.RiskFactory.build(register=register, ref=ref))
                db.session.flush()  # the figures are recounted here
                if flushed is not None:
                    flushed.set()
                    may_commit.wait(10)
                db.session.commit()
            except Exception as error:  # noqa: BLE001 - the test reports whatever the second writer met
                failures.append(repr(error))
                db.session.rollback()
            finally:
                db.session.remove()

    first = threading.Thread(target=write, args=("LN-901", first_flushed, first_may_commit))
    first.start()
    assert first_flushed.wait(10)
    second = threading.Thread(target=write, args=("LN-902", None, None))
    second.start()
    second.join(0.5)  # the second recounts while the first has not committed
    first_may_commit.set()
    first.join(10)
    second.join(10)
    assert failures == []
    with flask_app.app_context():
        stored = db.session.scalar(
            sa.select(RegisterFigure.open_risks).where(
                RegisterFigure.register_id == register_id, RegisterFigure.restricted.is_(False)
            )
        )
        counted = db.session.scalar(
            sa.select(sa.func.count()).where(Risk.register_id == register_id, Risk.status == RiskStatus.OPEN)
        )
        assert (stored, counted) == (2, 2)
        db.engine.dispose()
