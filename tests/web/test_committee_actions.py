"""The committee's action log: raised at a meeting, carried to every later meeting until done or dropped."""

from datetime import date

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from riskreg.enums import CommitteeActionStatus
from riskreg.extensions import db
from riskreg.models import AuditEvent, CommitteeAction
from riskreg.services import committee_actions
from tests.factories import RiskFactory

M1, M2, M3 = date(2026, 3, 4), date(2026, 6, 3), date(2026, 9, 2)


def _soup(response):
    return BeautifulSoup(response.data, "html.parser")


def _errors(response) -> str:
    return _soup(response).select_one(".govuk-error-summary").get_text(" ", strip=True)


def _day(value: date) -> list[str]:
    return [str(value.day), str(value.month), str(value.year)]


def _form(owner, raised=M1, due=date(2026, 5, 1), request="Report on disclosure training", ref="", version=None):
    data = {
        "request": request,
        "owner_id": str(owner.id) if owner else "",
        "raised_on": _day(raised),
        "due_on": _day(due),
        "risk_ref": ref,
    }
    return data | ({"version": str(version)} if version is not None else {})


def _actions() -> list[CommitteeAction]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(CommitteeAction).order_by(CommitteeAction.id)))


def _raise(org, **values) -> CommitteeAction:
    values = {"request": "Bring the estates plan", "owner_id": org.risk_hq.id, "raised_on": M1, "due_on": M2} | values
    return committee_actions.raise_action(values, org.committee)


def test_a_committee_member_adds_an_action_and_it_is_audited(client, org, sign_in):
    corporate = RiskFactory(register=org.hq.register)
    sign_in(org.committee)
    assert "Add an action" in client.get("/committee/actions/new").data.decode()
    response = client.post("/committee/actions/new", data=_form(org.risk_hq, ref=corporate.ref.lower()))
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/committee/actions?meeting={M1}")
    [action] = _actions()
    assert (action.request, action.owner_id, action.risk_id) == (
        "Report on disclosure training",
        org.risk_hq.id,
        corporate.id,
    )
    assert (action.raised_on, action.due_on, action.status) == (M1, date(2026, 5, 1), CommitteeActionStatus.OPEN)
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "committee_action.raised"))
    assert event.actor_id == org.committee.id and event.changes["request"] == "Report on disclosure training"
    log = client.get(f"/committee/actions?meeting={M1}")
    assert "Raised at this meeting" in log.data.decode() and "Report on disclosure training" in log.data.decode()


@pytest.mark.parametrize(
    "change, message",
    [
        ({"request": "  "}, "Enter what the committee asked for"),
        ({"owner": None}, "Select who owns the action"),
        ({"due": date(2026, 3, 3)}, "The due date must be on or after the meeting that raised it"),
        ({"ref": "HQ-999"}, "There is no corporate risk HQ-999"),
        ({"raised": date(1999, 12, 31)}, "must be between 1 January 2000 and 31 December 2099"),
    ],
)
def test_a_bad_action_is_explained_and_nothing_is_saved(client, org, sign_in, change, message):
    sign_in(org.hq_risk)
    values = {"owner": org.risk_hq} | change
    owner = values.pop("owner")
    response = client.post("/committee/actions/new", data=_form(owner, **values))
    assert response.status_code == 400
    assert message in _errors(response)
    assert _actions() == []


def test_an_area_risk_is_not_a_corporate_risk_an_action_can_name(client, org, sign_in):
    local = RiskFactory(register=org.ln.register)
    sign_in(org.committee)
    response = client.post("/committee/actions/new", data=_form(org.risk_hq, ref=local.ref))
    assert response.status_code == 400 and f"There is no corporate risk {local.ref}" in _errors(response)


def test_a_stale_edit_is_refused_with_409_and_changes_nothing(client, org, sign_in):
    action = _raise(org)
    sign_in(org.committee)
    fresh = client.post(f"/committee/actions/{action.id}/edit", data=_form(org.hq_risk, due=M3, version=1))
    assert fresh.status_code == 302
    stale = client.post(f"/committee/actions/{action.id}/edit", data=_form(org.risk_hq, request="Other", version=1))
    assert stale.status_code == 409
    assert "This action was changed by someone else while you were editing it" in _errors(stale)
    [saved] = _actions()
    assert (saved.owner_id, saved.due_on, saved.request, saved.version) == (
        org.hq_risk.id,
        M3,
        "Report on disclosure training",
        2,
    )
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "committee_action.updated"))
    assert event.changes["due_on"] == [M2.isoformat(), M3.isoformat()]


def test_closing_asks_first_and_dropping_needs_a_reason(client, org, sign_in, frozen_clock):
    action = _raise(org)
    sign_in(org.committee)
    page = client.get(f"/committee/actions/{action.id}/close")
    assert "Are you sure you want to close this action?" in page.data.decode()
    refused = client.post(f"/committee/actions/{action.id}/close", data={"status": "dropped", "version": "1"})
    assert refused.status_code == 400 and "Enter why the committee dropped the action" in _errors(refused)
    assert _actions()[0].is_open
    done = client.post(f"/committee/actions/{action.id}/close", data={"status": "done", "note": "", "version": "1"})
    assert done.status_code == 302
    [closed] = _actions()
    assert (closed.status, closed.closed_on) == (CommitteeActionStatus.DONE, date(2026, 6, 5))
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "committee_action.done")) is not None
    again = client.post(f"/committee/actions/{action.id}/edit", data=_form(org.risk_hq, version=closed.version))
    assert again.status_code == 400 and "This action is done: it can no longer be changed" in _errors(again)


def test_an_open_action_is_carried_to_later_meetings_until_closed(org, frozen_clock):
    carried = _raise(org, request="Carried one")
    dropped = _raise(org, request="Dropped one")
    _raise(org, request="Raised later", raised_on=M2, due_on=M3)
    committee_actions.close_action(dropped, CommitteeActionStatus.DROPPED, "Overtaken", 1, org.committee)  # 5 June

    def log(meeting):
        found = committee_actions.log_for(meeting)
        return [[a.request for a in part] for part in (found.raised, found.carried, found.closed)]

    assert log(M1) == [["Carried one", "Dropped one"], [], []]
    assert log(M2) == [["Raised later"], ["Carried one", "Dropped one"], []]  # dropped after M2
    assert log(M3) == [[], ["Carried one", "Raised later"], ["Dropped one"]]
    assert log(date(2027, 3, 3)) == [[], ["Carried one", "Raised later"], []]  # closed too long before
    assert committee_actions.log_for(M3).overdue(carried)


def test_the_committee_page_shows_open_actions(client, org, sign_in):
    _raise(org, request="Bring the estates plan")
    sign_in(org.auditor)
    text = _soup(client.get("/committee")).select_one("main").get_text(" ", strip=True)
    assert "1 open action, carried to every meeting until done or dropped" in text
    assert "Bring the estates plan" in text and "Add an action" not in text


@pytest.mark.parametrize("who", ["auditor", "risk_hq", "head_ln"])
def test_only_the_committee_and_hq_risk_keep_the_log(client, org, sign_in, who):
    action = _raise(org)
    sign_in(getattr(org, who))
    assert client.post("/committee/actions/new", data=_form(org.risk_hq)).status_code == 403
    assert (
        client.post(f"/committee/actions/{action.id}/close", data={"status": "done", "version": "1"}).status_code == 403
    )
    assert len(_actions()) == 1 and _actions()[0].is_open
    expected = 200 if who == "auditor" else 403
    assert client.get("/committee/actions").status_code == expected


def test_a_meeting_date_out_of_range_is_a_bad_request(client, org, sign_in):
    sign_in(org.committee)
    assert client.get("/committee/actions?meeting=1066-10-14").status_code == 400
    assert client.get("/committee/actions?meeting=soon").status_code == 400
    picked = client.get("/committee/actions", query_string=[("meeting", "3"), ("meeting", "6"), ("meeting", "2026")])
    assert picked.status_code == 200 and "Action log for the meeting on 3 June 2026" in picked.data.decode()
    wrong = client.get("/committee/actions", query_string=[("meeting", "31"), ("meeting", "2"), ("meeting", "2026")])
    assert wrong.status_code == 400
    assert client.get("/committee/actions/999999/edit").status_code == 404
