from datetime import timedelta

import pytest
from bs4 import BeautifulSoup

from riskreg.clock import today
from riskreg.enums import ControlFrequency, CountermeasureStatus, RiskStatus
from riskreg.extensions import db
from riskreg.models import AuditEvent, Countermeasure, Review, Risk
from tests.factories import CountermeasureFactory, ReviewFactory, RiskFactory


def _soup(response):
    return BeautifulSoup(response.data, "html.parser")


def _summary(response) -> str:
    summary = _soup(response).select_one(".govuk-error-summary")
    return summary.get_text(" ", strip=True) if summary else ""


def _count(model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def _risk_form(owner, **overrides):
    data = {
        "title": "Custody time limits missed",
        "cause": "Manual diary systems",
        "event": "a custody time limit expires",
        "consequence": "a defendant is released",
        "category": "legal",
        "objective": "quality",
        "owner_id": str(owner.id),
        "influence": "high",
        "inherent_l": "4",
        "inherent_i": "5",
        "residual_l": "3",
        "residual_i": "5",
        "target_l": "2",
        "target_i": "4",
    }
    data.update(overrides)
    return data


def _review_form(risk, **overrides):
    day = today()
    data = {
        "version": str(risk.version),
        "reviewed_on": [str(day.day), str(day.month), str(day.year)],
        "residual_l": "4",
        "residual_i": "4",
        "commentary": "Two failures this quarter",
        "outcome": "further_action",
    }
    data.update(overrides)
    return data


def test_risk_page_shows_scores_countermeasures_reviews_and_history(client, org, sign_in):
    risk = RiskFactory(register=org.ln.register, owner=org.risk_ln, residual_l=4, residual_i=4)
    CountermeasureFactory(risk=risk, title="Daily CTL check", owner=org.risk_ln)
    ReviewFactory(risk=risk, reviewer=org.risk_ln, residual_l=3, residual_i=3, reviewed_on=today() - timedelta(days=90))
    ReviewFactory(risk=risk, reviewer=org.risk_ln, residual_l=4, residual_i=4, reviewed_on=today() - timedelta(days=10))
    sign_in(org.viewer_ln)
    text = _soup(client.get(f"/risks/{risk.ref}")).get_text(" ", strip=True)
    for expected in (
        "A cause",
        "something happens",
        "a consequence follows",
        "Daily CTL check",
        "Above appetite",
        "Very high",
        "9 → 16",
        "rising",
    ):
        assert expected in text, expected


def test_create_risk(client, org, sign_in):
    sign_in(org.risk_ln)
    response = client.post("/registers/LN/risks/new", data=_risk_form(org.risk_ln))
    assert response.status_code == 302
    risk = db.session.scalar(db.select(Risk).where(Risk.title == "Custody time limits missed"))
    assert risk.ref == "LN-001" and risk.residual_score == 15
    # High band: reviewed every 60 days.
    assert risk.next_review_on == today() + timedelta(days=60)
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "risk.created"))
    assert event.actor_id == org.risk_ln.id and event.changes["title"] == "Custody time limits missed"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"title": ""}, "Enter a risk title"),
        ({"title": "x" * 201}, "Risk title must be 200 characters or fewer"),
        ({"cause": "  "}, "Enter the cause of the risk"),
        ({"residual_l": "7"}, "Residual likelihood must be from 1 to 5"),
        ({"inherent_i": "0"}, "Inherent impact must be from 1 to 5"),
        ({"target_l": ""}, "Select the target likelihood"),
        ({"category": "weather"}, "Select a category"),
    ],
)
def test_bad_risk_input_is_explained_and_writes_nothing(client, org, sign_in, overrides, message):
    sign_in(org.risk_ln)
    events = _count(AuditEvent)
    response = client.post("/registers/LN/risks/new", data=_risk_form(org.risk_ln, **overrides))
    assert response.status_code == 400
    assert message in _summary(response)
    assert _count(Risk) == 0 and _count(AuditEvent) == events


def test_edit_risk_records_who_changed_what(client, org, sign_in):
    risk = RiskFactory(register=org.ln.register, owner=org.risk_ln)
    sign_in(org.risk_ln)
    response = client.post(
        f"/risks/{risk.ref}/edit", data=_risk_form(org.risk_ln, title="Renamed", version=str(risk.version))
    )
    assert response.status_code == 302
    assert risk.title == "Renamed"
    history = _soup(client.get(f"/risks/{risk.ref}")).select_one("#history + table").get_text(" ", strip=True)
    assert "Rhys Risk" in history and "Risk updated" in history and "Renamed" in history


def test_stale_edit_is_refused_and_keeps_the_users_input(client, org, sign_in):
    risk = RiskFactory(register=org.ln.register, owner=org.risk_ln, title="Original")
    stale_version = str(risk.version)
    risk.title = "Changed by a colleague"
    db.session.commit()  # bumps the version
    sign_in(org.risk_ln)
    response = client.post(
        f"/risks/{risk.ref}/edit", data=_risk_form(org.risk_ln, title="My edit", version=stale_version)
    )
    assert response.status_code == 409
    assert "This risk was changed by someone else while you were editing it" in _summary(response)
    assert _soup(response).select_one("#title")["value"] == "My edit"
    db.session.refresh(risk)
    assert risk.title == "Changed by a colleague"


def test_recording_a_review_moves_the_next_review_date_by_the_cadence(client, org, sign_in):
    risk = RiskFactory(register=org.ln.register, owner=org.risk_ln, next_review_on=today() - timedelta(days=5))
    sign_in(org.risk_ln)
    response = client.post(f"/risks/{risk.ref}/reviews/new", data=_review_form(risk))
    assert response.status_code == 302
    db.session.refresh(risk)
    # 4 x 4 = 16, very high: the next review is due in 30 days.
    assert (risk.residual_l, risk.residual_i) == (4, 4)
    assert risk.last_reviewed_on == today() and risk.next_review_on == today() + timedelta(days=30)
    review = db.session.scalar(db.select(Review).where(Review.risk_id == risk.id))
    assert review.reviewer_id == org.risk_ln.id and review.commentary == "Two failures this quarter"
    page = client.get(f"/risks/{risk.ref}").data.decode()
    assert "Review overdue" not in page and "Two failures this quarter" in page


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"commentary": ""}, "Enter what the review found"),
        ({"reviewed_on": ["", "", ""]}, "Enter the date of the review"),
        ({"reviewed_on": ["31", "2", "2026"]}, "Not a valid date"),
        ({"residual_i": "6"}, "must be from 1 to 5"),
    ],
)
def test_bad_review_input_writes_nothing(client, org, sign_in, overrides, message):
    risk = RiskFactory(register=org.ln.register, owner=org.risk_ln)
    sign_in(org.risk_ln)
    response = client.post(f"/risks/{risk.ref}/reviews/new", data=_review_form(risk, **overrides))
    assert response.status_code == 400 and message in _summary(response)
    assert _count(Review) == 0


def test_review_in_the_future_is_refused(client, org, sign_in):
    risk = RiskFactory(register=org.ln.register, owner=org.risk_ln)
    sign_in(org.risk_ln)
    tomorrow = today() + timedelta(days=1)
    response = client.post(
        f"/risks/{risk.ref}/reviews/new",
        data=_review_form(risk, reviewed_on=[str(tomorrow.day), str(tomorrow.month), str(tomorrow.year)]),
    )
    assert response.status_code == 400 and "today or in the past" in _summary(response)
    assert _count(Review) == 0


def test_stale_review_is_refused(client, org, sign_in):
    risk = RiskFactory(register=org.ln.register, owner=org.risk_ln)
    sign_in(org.risk_ln)
    response = client.post(f"/risks/{risk.ref}/reviews/new", data=_review_form(risk, version=str(risk.version - 1)))
    assert response.status_code == 409 and _count(Review) == 0


def test_close_risk_needs_a_reason(client, org, sign_in):
    risk = RiskFactory(register=org.ln.register, owner=org.risk_ln)
    sign_in(org.risk_ln)
    response = client.post(f"/risks/{risk.ref}/close", data={"version": str(risk.version), "reason": ""})
    assert response.status_code == 400 and "Enter why the risk is being closed" in _summary(response)
    response = client.post(f"/risks/{risk.ref}/close", data={"version": str(risk.version), "reason": "Merged"})
    assert response.status_code == 302
    assert risk.status is RiskStatus.CLOSED and risk.closed_reason == "Merged"


def test_countermeasure_lifecycle(client, org, sign_in):
    risk = RiskFactory(register=org.ln.register, owner=org.risk_ln)
    sign_in(org.risk_ln)
    due = today() + timedelta(days=30)
    response = client.post(
        f"/risks/{risk.ref}/countermeasures/new",
        data={
            "title": "Weekly CTL report",
            "kind": "detective",
            "owner_id": str(org.risk_ln.id),
            "status": "planned",
            "due_on": [str(due.day), str(due.month), str(due.year)],
            "implemented_on": ["", "", ""],
        },
    )
    assert response.status_code == 302
    countermeasure = db.session.scalar(db.select(Countermeasure).where(Countermeasure.risk_id == risk.id))
    assert countermeasure.status is CountermeasureStatus.PLANNED and countermeasure.due_on == due

    response = client.post(
        f"/risks/{risk.ref}/countermeasures/{countermeasure.id}/edit",
        data={
            "title": "Weekly CTL report",
            "kind": "detective",
            "owner_id": str(org.risk_ln.id),
            "status": "in_place",
            "due_on": ["", "", ""],
            "implemented_on": ["", "", ""],
            "frequency": "weekly",
            "version": "1",
        },
    )
    assert response.status_code == 302
    assert countermeasure.status is CountermeasureStatus.IN_PLACE and countermeasure.implemented_on == today()
    assert countermeasure.frequency is ControlFrequency.WEEKLY

    confirm = client.get(f"/risks/{risk.ref}/countermeasures/{countermeasure.id}/retire")
    assert "Are you sure you want to retire" in confirm.data.decode()
    retire = client.post(f"/risks/{risk.ref}/countermeasures/{countermeasure.id}/retire", data={"version": "2"})
    assert retire.status_code == 302
    assert countermeasure.status is CountermeasureStatus.RETIRED
    actions = db.session.scalars(db.select(AuditEvent.action).where(AuditEvent.risk_id == risk.id)).all()
    assert actions == ["countermeasure.added", "countermeasure.updated", "countermeasure.retired"]


def test_a_retired_countermeasure_cannot_be_put_back(client, org, sign_in):
    risk = RiskFactory(register=org.ln.register, owner=org.risk_ln)
    countermeasure = CountermeasureFactory(risk=risk, status=CountermeasureStatus.RETIRED, owner=org.risk_ln)
    sign_in(org.risk_ln)
    response = client.post(
        f"/risks/{risk.ref}/countermeasures/{countermeasure.id}/edit",
        data={
            "title": "Back again",
            "kind": "detective",
            "owner_id": str(org.risk_ln.id),
            "status": "in_place",
            "due_on": ["", "", ""],
            "implemented_on": ["", "", ""],
            "version": str(countermeasure.version),
        },
    )
    assert response.status_code == 400
    assert countermeasure.status is CountermeasureStatus.RETIRED and countermeasure.title != "Back again"


def _countermeasure_form(owner, **overrides) -> dict:
    return {
        "title": "Weekly CTL report",
        "kind": "detective",
        "owner_id": str(owner.id),
        "status": "planned",
        "due_on": ["", "", ""],
        "implemented_on": ["", "", ""],
        **overrides,
    }


@pytest.mark.parametrize("action", ["edit", "retire"])
def test_a_countermeasure_changed_since_the_form_was_read_is_refused(client, org, sign_in, action):
    risk = RiskFactory(register=org.ln.register, owner=org.risk_ln)
    countermeasure = CountermeasureFactory(
        risk=risk, title="As the other person saved it", owner=org.risk_ln, status=CountermeasureStatus.PLANNED
    )
    read_version = str(countermeasure.version)
    countermeasure.description = "Changed by someone else"
    db.session.flush()  # the other person's save moves the version on
    sign_in(org.risk_ln)
    data = (
        _countermeasure_form(org.risk_ln, title="My edit", version=read_version)
        if action == "edit"
        else {"version": read_version}
    )
    response = client.post(f"/risks/{risk.ref}/countermeasures/{countermeasure.id}/{action}", data=data)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "This countermeasure was changed by someone else while you were editing it" in page
    db.session.refresh(countermeasure)
    assert countermeasure.title == "As the other person saved it"
    assert countermeasure.status is CountermeasureStatus.PLANNED


def test_a_countermeasure_form_without_its_version_is_refused(client, org, sign_in):
    risk = RiskFactory(register=org.ln.register, owner=org.risk_ln)
    countermeasure = CountermeasureFactory(
        risk=risk, title="Untouched", owner=org.risk_ln, status=CountermeasureStatus.PLANNED
    )
    sign_in(org.risk_ln)
    for version in ("", "²", "9" * 30):
        response = client.post(
            f"/risks/{risk.ref}/countermeasures/{countermeasure.id}/edit",
            data=_countermeasure_form(org.risk_ln, title="My edit", version=version),
        )
        assert response.status_code == 400, version
    assert countermeasure.title == "Untouched"


class TestAnotherUnitsUser:
    """A user holding roles only in London South, acting on London North's register."""

    def test_cannot_create_edit_review_or_close(self, client, org, sign_in):
        risk = RiskFactory(register=org.ln.register, owner=org.risk_ln, title="Untouched")
        sign_in(org.head_ls)
        events = _count(AuditEvent)
        attempts = [
            client.get("/registers/LN/risks/new"),
            client.post("/registers/LN/risks/new", data=_risk_form(org.head_ls)),
            client.post(f"/risks/{risk.ref}/edit", data=_risk_form(org.head_ls, version=str(risk.version))),
            client.post(f"/risks/{risk.ref}/reviews/new", data=_review_form(risk)),
            client.post(f"/risks/{risk.ref}/close", data={"version": str(risk.version), "reason": "x"}),
            client.post(f"/risks/{risk.ref}/countermeasures/new", data={"title": "x"}),
        ]
        assert [a.status_code for a in attempts] == [403] * len(attempts)
        db.session.refresh(risk)
        assert risk.title == "Untouched" and risk.is_open
        assert _count(Risk) == 1 and _count(Review) == 0 and _count(AuditEvent) == events

    def test_can_read_an_unrestricted_risk_but_not_a_restricted_one(self, client, org, sign_in):
        open_risk = RiskFactory(register=org.ln.register)
        secret = RiskFactory(register=org.ln.register, restricted=True)
        sign_in(org.head_ls)
        assert client.get(f"/risks/{open_risk.ref}").status_code == 200
        assert client.get(f"/risks/{secret.ref}").status_code == 404
        assert client.post(f"/risks/{secret.ref}/edit", data={}).status_code == 404

    def test_edit_buttons_are_not_offered(self, client, org, sign_in):
        risk = RiskFactory(register=org.ln.register)
        sign_in(org.head_ls)
        assert "Record a review" not in client.get(f"/risks/{risk.ref}").data.decode()
        assert "Add a risk" not in client.get("/registers/LN").data.decode()


def test_viewer_cannot_edit_their_own_register(client, org, sign_in):
    risk = RiskFactory(register=org.ln.register)
    sign_in(org.viewer_ln)
    assert client.get(f"/risks/{risk.ref}/edit").status_code == 403


def test_hq_risk_manager_can_edit_area_registers_below_headquarters(client, org, sign_in):
    risk = RiskFactory(register=org.ln.register)
    sign_in(org.risk_hq)
    assert client.get(f"/risks/{risk.ref}/edit").status_code == 200
