"""A write that loses a race at the database is refused like any stale edit (409), not with an error page.

On PostgreSQL two requests can both pass the version check; the one that
commits second then updates no row (SQLAlchemy's StaleDataError) and its
session needs a rollback before the refusal page can read the risk again.
Found by bench/run.py's concurrent reviews of one risk.
"""

from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from riskreg.extensions import db
from riskreg.models import Review, Risk
from tests.factories import RiskFactory
from tests.web.test_risks import _review_form, _risk_form


@contextmanager
def another_request_commits_first(risk_id: int):
    """Just before this request writes, the risk's version moves on, as when a concurrent request commits first."""
    fired = []

    def bump(session, _context, _instances) -> None:
        if not fired:
            fired.append(True)
            session.connection().execute(
                sa.text("UPDATE risk SET version = version + 1 WHERE id = :id"), {"id": risk_id}
            )

    sa.event.listen(Session, "before_flush", bump)
    try:
        yield fired
    finally:
        sa.event.remove(Session, "before_flush", bump)


@pytest.mark.parametrize("action", ["reviews/new", "edit", "close"])
def test_losing_the_race_is_a_conflict_and_changes_nothing(client, org, sign_in, action):
    risk = RiskFactory(register=org.ln.register, owner=org.risk_ln)
    sign_in(org.risk_ln)
    forms = {
        "reviews/new": _review_form(risk),
        "edit": _risk_form(org.risk_ln, title="My edit", version=str(risk.version)),
        "close": {"version": str(risk.version), "reason": "Merged into a corporate risk"},
    }
    with another_request_commits_first(risk.id) as fired:
        response = client.post(f"/risks/{risk.ref}/{action}", data=forms[action])
    assert fired, "the simulated concurrent write did not happen"
    assert response.status_code == 409
    assert "changed by someone else" in response.get_data(as_text=True)
    stored = db.session.execute(sa.select(Risk.title, Risk.status).where(Risk.id == risk.id)).one()
    assert stored == (risk.title, "open")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Review)) == 0
