"""The accessibility check itself: it must fail on a page that has a known violation."""

import pytest

from tests.browser import axe

pytestmark = pytest.mark.browser


def test_axe_reports_a_known_violation(visitor):
    response = visitor.page.goto("/test-only/known-violation")
    assert response.status == 200
    found = axe.violations(visitor.page)
    assert {violation["id"] for violation in found} >= {"image-alt", "label"}
    with pytest.raises(AssertionError) as failure:
        visitor.check()
    message = str(failure.value)
    assert "image-alt" in message and "Images must have alternative text" in message and "img" in message
    visitor.pending = None  # this page was checked: its failure is what this test expects


def test_axe_is_checking_the_real_page_chrome(visitor):
    """The same page minus the two failures would pass: the violations are the injected ones, nothing else."""
    visitor.page.goto("/test-only/known-violation")
    found = axe.violations(visitor.page)
    assert {violation["id"] for violation in found} == {"image-alt", "label"}
    visitor.pending = None
