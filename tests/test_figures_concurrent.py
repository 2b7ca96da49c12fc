"""Two people saving risks of one register at the same moment, on PostgreSQL: both saves commit, and the register's
stored figures count both risks (riskreg/services/figures.py). Each recount used to delete and insert the register's
rows: the second writer's insert failed on their key once the first had committed, and it had counted without the
first writer's risk."""

import threading

import pytest
import sqlalchemy as sa

from riskreg.enums import RiskStatus, UnitKind
from riskreg.extensions import db
from riskreg.models import Register, RegisterFigure, Risk, RiskLink, User
from riskreg.services import links
from riskreg.services.audit import trail as audit
from tests import factories, served

pytestmark = pytest.mark.postgresql  # SQLite lets one writer in at a time (riskreg/database.py)


@pytest.fixture(autouse=True)
def _transaction():
    """Two transactions that commit, on a database of their own, not the test's rolled-back one."""
    yield


def _writer(flask_app, failures: list[str], work) -> threading.Thread:
    """A thread that does ``work`` in a transaction of its own and commits it, noting whatever error it met."""

    def run() -> None:
        with flask_app.app_context():
            try:
                work()
                db.session.commit()
            except Exception as error:  # noqa: BLE001 - the test reports whatever a writer met
                failures.append(repr(error))
                db.session.rollback()
            finally:
                db.session.remove()

    return threading.Thread(target=run)


def test_two_writers_of_one_register_both_commit_and_both_are_counted(app, tmp_path):
    flask_app = served.fresh_app(tmp_path, "riskreg_figures_race")
    with flask_app.app_context():
        register_id = factories.UnitFactory(code="LN", name="London North").register.id
        db.session.commit()
    first_flushed, first_may_commit = threading.Event(), threading.Event()
    failures = []

    def write(ref: str, flushed: threading.Event | None = None, may_commit: threading.Event | None = None):
        def work() -> None:
            db.session.add(factories.RiskFactory.build(register=db.session.get(Register, register_id), ref=ref))
            db.session.flush()  # the figures are recounted here
            if flushed is not None:
                flushed.set()
                may_commit.wait(10)

        return _writer(flask_app, failures, work)

    first = write("LN-901", first_flushed, first_may_commit)
    first.start()
    assert first_flushed.wait(10)
    second = write("LN-902")
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


def test_a_risk_saved_while_a_link_is_removed_waits_for_it_rather_than_deadlocking(app, tmp_path):
    """A save recounts figures, then audits; removing a link audits, then recounts. Had they two locks, each would
    hold one and wait for the other until PostgreSQL broke the deadlock by failing one of them."""
    flask_app = served.fresh_app(tmp_path, "riskreg_figures_turns")
    with flask_app.app_context():
        hq = factories.UnitFactory(code="HQ", name="Headquarters", kind=UnitKind.HEADQUARTERS)
        ln = factories.UnitFactory(code="LN", name="London North", parent=hq)
        link = factories.RiskLinkFactory(
            from_risk=factories.RiskFactory(register=ln.register), to_risk=factories.RiskFactory(register=hq.register)
        )
        actor = factories.UserFactory()
        ids = {"register": ln.register.id, "link": link.id, "actor": actor.id}
        db.session.commit()
    saved_and_recounted, may_audit = threading.Event(), threading.Event()
    failures = []

    def save_a_risk() -> None:
        risk = factories.RiskFactory.build(register=db.session.get(Register, ids["register"]), ref="LN-903")
        db.session.add(risk)
        db.session.flush()  # recounted: the lock is held from here to the commit
        saved_and_recounted.set()
        may_audit.wait(10)
        audit.record(None, "risk.created", "risk", risk.id, {"ref": risk.ref}, risk_id=risk.id)

    def remove_the_link() -> None:
        links.remove_link(db.session.get(RiskLink, ids["link"]), db.session.get(User, ids["actor"]))

    saver = _writer(flask_app, failures, save_a_risk)
    saver.start()
    assert saved_and_recounted.wait(10)
    remover = _writer(flask_app, failures, remove_the_link)
    remover.start()
    remover.join(0.5)  # it audits (or would recount) while the save holds the lock
    may_audit.set()
    saver.join(20)
    remover.join(20)
    assert failures == []
    with flask_app.app_context():
        assert db.session.get(RiskLink, ids["link"]) is None
        assert audit.verify_chain().ok
        db.engine.dispose()
