"""A person using riskreg in one browser tab: every page they land on is checked with axe-core.

Journeys navigate through ``goto``, ``follow`` (a link or button, found by its accessible name) and
``navigate`` (any action that loads a page, such as pressing Enter). Each checks the page it lands on:
zero axe violations of WCAG 2.x A and AA, no Content-Security-Policy violations and no script errors.
A page that loads without being checked fails the test (see the ``visitor`` fixture), so a new journey
cannot forget a page.
"""

import re
from collections.abc import Iterator
from contextlib import contextmanager

from playwright.sync_api import Page, Response

from tests.browser import axe

DEMO_PASSWORD = "riskreg-demo-2026"
HEAD_LN = "head.ln@example.org"

# True when the focused element looks different from when it is not focused (WCAG 2.4.7). GOV.UK draws
# some focus styles on the label (radios, checkboxes), so its label's styles count too.
_FOCUS_VISIBLE = """() => {
  const el = document.activeElement;
  const parts = [[el, null], [el, "::before"], [el, "::after"]];
  for (const label of el.labels || []) parts.push([label, null], [label, "::before"], [label, "::after"]);
  const look = () => parts.map(([node, pseudo]) => {
    const s = getComputedStyle(node, pseudo);
    return [s.outlineStyle, s.outlineWidth, s.outlineColor, s.boxShadow, s.backgroundColor, s.color,
            s.textDecorationLine, s.borderColor].join(" ");
  }).join("|");
  const focused = look();
  el.blur();
  const unfocused = look();
  el.focus();
  return focused !== unfocused && document.activeElement === el;
}"""


# Markup that passed axe in this session, minus what differs on every response (the CSP nonce, the CSRF
# token, the server's port): axe gives the same answer for the same markup, so it is not run twice.
_PASSED_AXE: set[str] = set()
_MARKUP_NOISE = re.compile(r'nonce="[^"]*"|<input[^>]*"csrf_token"[^>]*>|127\.0\.0\.1:\d+')


class Visitor:
    def __init__(self, page: Page) -> None:
        self.page = page
        self.pending: str | None = None  # a loaded page not yet checked
        self.missed: list[str] = []  # pages that loaded and were left unchecked
        self.problems: list[str] = []  # CSP violations and script errors since the last check
        page.on("load", self._loaded)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"script error: {error}"))

    def _loaded(self, page: Page) -> None:
        if self.pending:
            self.missed.append(self.pending)
        self.pending = page.url

    def _console(self, message) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            self.problems.append(f"CSP violation: {message.text}")

    # Checks -------------------------------------------------------------
    def violations(self) -> list[dict]:
        """axe-core's WCAG A/AA violations on the page as it is now; the page counts as checked."""
        self.pending = None
        return axe.violations(self.page)

    def check(self) -> None:
        """The page as it is now: no axe violations, nothing blocked by the CSP, no script errors."""
        markup = _MARKUP_NOISE.sub("", self.page.content())
        if markup in _PASSED_AXE:
            self.pending = None  # the same markup (a sign-in page, say) already passed axe in this session
        else:
            found = self.violations()
            assert not found, f"axe-core found violations on {self.page.url}:\n{axe.describe(found)}"
            _PASSED_AXE.add(markup)
        problems, self.problems = self.problems, []
        assert not problems, f"on {self.page.url}: {problems}"

    def unchecked(self) -> list[str]:
        return self.missed + ([self.pending] if self.pending else [])

    # Navigation -----------------------------------------------------------
    def goto(self, path: str, status: int = 200) -> Response:
        response = self.page.goto(path)
        assert response is not None and response.status == status, (path, response and response.status)
        self.check()
        return response

    @contextmanager
    def navigate(self) -> Iterator[None]:
        """Wrap an action that loads a page; the page is checked once it has loaded."""
        with self.page.expect_navigation(wait_until="load"):
            yield
        self.check()

    def follow(self, name: str, role: str = "link", within: str = "body", exact: bool = True) -> None:
        with self.navigate():
            self.page.locator(within).get_by_role(role, name=name, exact=exact).first.click()

    def heading(self) -> str:
        return self.page.locator("h1").inner_text()

    def error_summary(self) -> str:
        return self.page.locator(".govuk-error-summary").inner_text()

    def summary_value(self, key: str) -> str:
        row = self.page.locator(".govuk-summary-list__row", has=self.page.locator("dt", has_text=key))
        return row.locator("dd").inner_text()

    # Signing in -------------------------------------------------------------
    def sign_in(self, email: str = HEAD_LN, password: str = DEMO_PASSWORD) -> None:
        self.goto("/sign-in")
        self.page.get_by_label("Email address").fill(email)
        self.page.get_by_label("Password", exact=True).fill(password)
        self.follow("Sign in", role="button")
        assert self.page.url.endswith("/"), self.page.url

    def sign_out(self) -> None:
        # Its accessible name goes on to say who is signed in ("Sign out Helen Okafor").
        self.follow("Sign out", role="button", within="header", exact=False)

    # Keyboard -------------------------------------------------------------------
    def tab_to(self, selector: str, limit: int = 120) -> None:
        """Press Tab until the element matching ``selector`` has the focus, and check the focus is visible."""
        for _ in range(limit):
            self.page.keyboard.press("Tab")
            if self.page.evaluate("s => document.activeElement.matches(s)", selector):
                assert self.page.evaluate(_FOCUS_VISIBLE), f"{selector} has the focus but shows no focus style"
                return
        raise AssertionError(f"{selector} was not reached with {limit} presses of Tab on {self.page.url}")

    def type_into(self, selector: str, text: str) -> None:
        self.tab_to(selector)
        self.page.keyboard.type(text)

    def press_on(self, selector: str, key: str = "Enter") -> None:
        """Tab to an element and press a key on it that loads a page."""
        self.tab_to(selector)
        with self.navigate():
            self.page.keyboard.press(key)
