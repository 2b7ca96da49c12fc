"""Search from the header (issue 17): one journey, each page checked with axe."""

import pytest

pytestmark = pytest.mark.browser


def test_head_of_london_north_finds_victim_letters_from_the_header(visitor):
    visitor.sign_in("head.ln@example.org")
    visitor.page.get_by_label("Search risks, countermeasures and control tests").fill("victim letters")
    with visitor.navigate():
        visitor.page.keyboard.press("Enter")
    assert visitor.heading() == "Search"
    first = visitor.page.locator("main ol li a").first.inner_text()
    assert first.strip() == "LN-012: Victim letters sent late"
