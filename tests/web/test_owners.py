"""Owners act on what they own (issue 17): a risk's owner records its reviews and a countermeasure's owner
reports its status, progress and due date, whatever role they hold at the unit."""

from datetime import date

from bs4 import BeautifulSoup

from riskreg.enums import CountermeasureStatus
from riskreg.extensions import db
from riskreg.models import AuditEvent, Review
from tests.factories import CountermeasureFactory, RiskFactory


def _review(risk):
    return {
        "version": str(risk.version),
        "reviewed_on": ["1", "6", "2026"],
        "residual_l": "2",
        "residual_i": "3",
        "commentary": "Back on track",
        "outcome": "continue",
    }


def _progress(**overrides):
    return {"status": "in_place", "due_on": ["", "", ""], "progress": "Rolled out to both offices"} | overrides


def test_a_viewer_who_owns_a_risk_records_its_review(client, org, sign_in, frozen_clock):
    risk = RiskFactory(register=org.ln.register, owner=org.viewer_ln)
    sign_in(org.viewer_ln)
    page = BeautifulSoup(client.get(f"/risks/{risk.ref}").data, "html.parser")
    assert page.find("a", string="Record a review") and not page.find("a", string="Edit risk")
    assert client.post(f"/risks/{risk.ref}/reviews/new", data=_review(risk)).status_code == 302
    review = db.session.scalar(db.select(Review).where(Review.risk_id == risk.id))
    assert review.reviewer_id == org.viewer_ln.id and review.commentary == "Back on track"
    assert risk.last_reviewed_on == date(2026, 6, 1)


def test_a_viewer_may_not_review_a_risk_they_do_not_own(client, org, sign_in):
    risk = RiskFactory(register=org.ln.register, owner=org.risk_ln)
    sign_in(org.viewer_ln)
    assert b"Record a review" not in client.get(f"/risks/{risk.ref}").data
    assert client.post(f"/risks/{risk.ref}/reviews/new", data=_review(risk)).status_code == 403
    assert db.session.scalar(db.select(db.func.count()).select_from(Review)) == 0


def test_a_countermeasure_owner_reports_progress_and_nothing_else(client, org, sign_in, frozen_clock):
    risk = RiskFactory(register=org.ln.register, owner=org.risk_ln)
    mine = CountermeasureFactory(risk=risk, owner=org.viewer_ln, title="Shared diary", status="planned")
    theirs = CountermeasureFactory(risk=risk, owner=org.risk_ln, title="Weekly check")
    sign_in(org.viewer_ln)
    page = client.get(f"/risks/{risk.ref}").data.decode()
    assert f"/countermeasures/{mine.id}/progress" in page and f"/countermeasures/{theirs.id}/progress" not in page
    assert f"/countermeasures/{mine.id}/edit" not in page
    url = f"/risks/{risk.ref}/countermeasures/{mine.id}/progress"
    # Only the narrow fields are read: a title or owner sent along changes nothing.
    data = _progress(title="Renamed", owner_id=str(org.viewer_ln.id), due_on=["30", "9", "2026"])
    assert client.post(url, data=data).status_code == 302
    assert (mine.status, mine.due_on, mine.progress) == (
        CountermeasureStatus.IN_PLACE,
        date(2026, 9, 30),
        "Rolled out to both offices",
    )
    assert mine.title == "Shared diary" and mine.implemented_on == date(2026, 6, 5)
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "countermeasure.updated"))
    assert event.actor_id == org.viewer_ln.id and event.changes["progress"] == ["", "Rolled out to both offices"]
    assert "Progress: Rolled out to both offices" in client.get(f"/risks/{risk.ref}").data.decode()
    assert client.get(f"/risks/{risk.ref}/countermeasures/{theirs.id}/progress").status_code == 403
    assert client.get(f"/risks/{risk.ref}/countermeasures/{mine.id}/edit").status_code == 403


def test_an_owner_cannot_retire_through_progress(client, org, sign_in):
    risk = RiskFactory(register=org.ln.register, owner=org.risk_ln)
    mine = CountermeasureFactory(risk=risk, owner=org.viewer_ln, status="planned")
    sign_in(org.viewer_ln)
    response = client.post(f"/risks/{risk.ref}/countermeasures/{mine.id}/progress", data=_progress(status="retired"))
    assert response.status_code == 400 and b"Not a valid choice" in response.data
    assert mine.status is CountermeasureStatus.PLANNED


def test_progress_on_a_retired_countermeasure_is_refused(client, org, sign_in):
    risk = RiskFactory(register=org.ln.register, owner=org.risk_ln)
    mine = CountermeasureFactory(risk=risk, owner=org.viewer_ln, status="retired")
    sign_in(org.viewer_ln)
    response = client.post(f"/risks/{risk.ref}/countermeasures/{mine.id}/progress", data=_progress())
    assert b"A retired countermeasure cannot be updated" in response.data
    db.session.refresh(mine)
    assert mine.status is CountermeasureStatus.RETIRED and mine.progress == ""
