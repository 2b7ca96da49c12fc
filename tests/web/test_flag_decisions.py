"""Deciding a flag from a page someone else has since decided on (issue 18): a clear message, nothing changed."""

from bs4 import BeautifulSoup

from riskreg.enums import FlagKind, FlagStatus
from riskreg.extensions import db
from riskreg.models import Flag
from tests.factories import RiskFactory


def _text(response, selector) -> str:
    found = BeautifulSoup(response.data, "html.parser").select_one(selector)
    return found.get_text(" ", strip=True) if found else ""


def test_a_decision_from_a_stale_page_is_refused_with_someone_else_decided(client, org, sign_in):
    flag = Flag(kind=FlagKind.REVIEW_OVERDUE, risk=RiskFactory(register=org.ln.register), note="The review was due")
    db.session.add(flag)
    db.session.commit()
    sign_in(org.hq_risk)
    page = BeautifulSoup(client.get(f"/flags/{flag.id}").data, "html.parser")
    seen = page.select_one("form[action$='/decide'] input[name=version]")["value"]
    assert seen == "1"
    # Someone else resolves it first.
    url = f"/flags/{flag.id}/decide"
    assert client.post(url, data={"decision": "resolve", "version": seen, "confirmed": "yes"}).status_code == 302
    # The first page's dismissal, confirmed, is refused: the flag stays resolved, no dismissal is recorded.
    late = client.post(url, data={"decision": "dismiss", "reason": "Not ours", "version": seen, "confirmed": "yes"})
    assert late.status_code == 409
    assert "Someone else decided on this flag while you were looking at it" in _text(late, ".govuk-error-summary")
    db.session.refresh(flag)
    assert (flag.status, flag.reason) == (FlagStatus.RESOLVED, None)


def test_the_confirmation_page_carries_the_version(client, org, sign_in):
    flag = Flag(kind=FlagKind.REVIEW_OVERDUE, risk=RiskFactory(register=org.ln.register), note="The review was due")
    db.session.add(flag)
    db.session.commit()
    sign_in(org.hq_risk)
    asked = client.post(f"/flags/{flag.id}/decide", data={"decision": "resolve", "version": "1"})
    assert asked.status_code == 200
    page = BeautifulSoup(asked.data, "html.parser")
    assert page.select_one("input[name=version]")["value"] == "1"
    missing = client.post(f"/flags/{flag.id}/decide", data={"decision": "resolve", "confirmed": "yes"})
    assert missing.status_code == 400 and "out of date" in _text(missing, ".govuk-error-summary")
