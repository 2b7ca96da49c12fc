"""Administration through the browser (issue 17), each page checked with axe: an administrator invites someone
(the invitation goes through a real SMTP server started here), gives them a role, the newcomer accepts the
invitation and signs in, and the administrator deactivates them."""

import re

import pytest
from aiosmtpd.controller import Controller

from tests.browser.visitor import DEMO_PASSWORD
from tests.test_reminders import _free_port, _Inbox

pytestmark = pytest.mark.browser

ADMIN = "admin@example.org"
NEWCOMER = "nia.jones@example.org"
PASSWORD = "tangerine lighthouse forty seven"


@pytest.fixture
def inbox(live_server, monkeypatch):
    """The served app's e-mail goes to an SMTP server in this process."""
    received = _Inbox()
    controller = Controller(received, hostname="127.0.0.1", port=_free_port())
    controller.start()
    monkeypatch.setitem(live_server.app.config, "RISKREG_SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(live_server.app.config, "RISKREG_SMTP_PORT", controller.port)
    monkeypatch.setitem(live_server.app.config, "RISKREG_BASE_URL", live_server.url)
    try:
        yield received
    finally:
        controller.stop()


def _invitation_path(inbox) -> str:
    ((recipients, message),) = inbox.messages
    assert recipients == [NEWCOMER]
    return re.search(r"https?://[^/\s]+(/invitation/\S+)", message.get_content()).group(1)


def _status(visitor) -> str:
    row = visitor.page.locator(".govuk-summary-list__row", has=visitor.page.locator("dt", has_text="Status"))
    return row.locator(".govuk-summary-list__value").inner_text()


def test_invite_assign_a_role_accept_and_deactivate(visitor, inbox):
    visitor.sign_in(ADMIN, DEMO_PASSWORD)
    visitor.follow("Administration", within="header")
    visitor.follow("People")
    visitor.follow("Invite someone")
    visitor.follow("Send invitation", role="button")
    assert "Enter the person's email address" in visitor.error_summary()
    visitor.page.get_by_label("Email address").fill(NEWCOMER)
    visitor.page.get_by_label("Full name").fill("Nia Jones")
    visitor.follow("Send invitation", role="button")
    assert visitor.heading() == "Nia Jones" and "Invited" in _status(visitor)
    person_page = visitor.page.url

    visitor.follow("Add a role")
    visitor.page.get_by_label("Role").select_option("viewer")
    visitor.page.get_by_label("Unit").select_option("LN")
    visitor.follow("Add role", role="button")
    assert "Nia Jones is now viewer at London North" in visitor.page.inner_text(".govuk-notification-banner")
    visitor.sign_out()

    visitor.goto(_invitation_path(inbox))
    assert visitor.heading() == "Create your account"
    visitor.page.get_by_label("Choose a password").fill(PASSWORD)
    visitor.follow("Create account", role="button")
    visitor.sign_in(NEWCOMER, PASSWORD)
    visitor.sign_out()

    visitor.sign_in(ADMIN, DEMO_PASSWORD)
    visitor.goto(person_page)
    visitor.follow("Deactivate Nia Jones")
    assert visitor.heading() == "Deactivate Nia Jones?"
    visitor.follow("Deactivate", role="button")
    assert "Deactivated" in _status(visitor)


def test_add_rename_move_and_retire_a_risk_category(visitor):
    """Issues 16 and 17: the categories are the organisation's to edit; every page of it checked with axe."""
    visitor.sign_in(ADMIN, DEMO_PASSWORD)
    visitor.follow("Administration", within="header")
    visitor.follow("Risk categories")
    visitor.follow("Add a category")
    visitor.follow("Add category", role="button")
    assert "Enter the name" in visitor.error_summary()
    visitor.page.get_by_label("Name").fill("Partnerships")
    visitor.follow("Add category", role="button")
    assert "Partnerships added (code partnerships)" in visitor.page.inner_text(".govuk-notification-banner")
    visitor.follow("Rename or describe Partnerships")
    visitor.page.get_by_label("Name").fill("Partnerships and agencies")
    visitor.follow("Save", role="button")
    visitor.follow("Move up Partnerships and agencies", role="button")
    visitor.follow("Retire Partnerships and agencies")
    assert visitor.heading() == "Retire Partnerships and agencies?"
    visitor.follow("Retire category", role="button")
    row = visitor.page.locator("tr", has_text="Partnerships and agencies")
    assert "Retired" in row.inner_text()


def test_a_units_own_appetite_is_shown_changed_and_given_back(visitor):
    """The demo's Wessex accepts less operational risk than the organisation; the administrator sees where each
    category's appetite comes from, sets one more for Wessex, then gives it back (the demo is shared)."""
    visitor.sign_in(ADMIN, DEMO_PASSWORD)
    visitor.follow("Administration", within="header")
    visitor.follow("Risk appetite and review cadence")
    visitor.page.get_by_label("Unit").select_option("WX")
    with visitor.navigate():
        visitor.page.get_by_role("button", name="Show the unit's appetite").click()
    assert visitor.heading() == "Risk appetite of Wessex"
    row = visitor.page.locator("tr", has=visitor.page.locator("td", has_text="Operations"))
    assert "Averse" in row.inner_text() and "would inherit cautious from the organisation" in row.inner_text()
    visitor.follow("Change Wessex's appetite")
    visitor.page.get_by_label("Technology").select_option("eager")
    visitor.follow("Save appetite", role="button")
    assert "Risk appetite of Wessex saved" in visitor.page.inner_text(".govuk-notification-banner")
    visitor.follow("Change Wessex's appetite")
    visitor.page.get_by_label("Technology").select_option("")
    visitor.follow("Save appetite", role="button")
    row = visitor.page.locator("tr", has=visitor.page.locator("td", has_text="Technology"))
    assert "Inherited from the organisation" in row.inner_text()
