"""The page check itself: it must fail when a page has an accessibility violation or breaks the CSP."""

import pytest

pytestmark = pytest.mark.browser


def test_the_check_fails_on_a_page_with_known_violations(visitor):
    """A riskreg page (base.html and all) with an unlabelled input and an image without alt text."""
    response = visitor.page.goto("/test-only/known-violation")
    assert response.status == 200
    # Exactly the two planted failures: the rest of the page chrome passes.
    assert {violation["id"] for violation in visitor.violations()} == {"image-alt", "label"}
    with pytest.raises(AssertionError) as failure:
        visitor.check()
    message = str(failure.value)
    assert "image-alt (critical): Images must have alternative text" in message
    assert "label (critical): Form elements must have labels" in message
    assert "    img: Fix any of the following:" in message and "Element does not have an alt attribute" in message
    assert "    input: Fix any of the following:" in message


def test_the_check_fails_when_the_csp_blocks_something(visitor):
    visitor.goto("/sign-in")
    # What a template with an inline script would do: the CSP blocks it, and the check must say so.
    visitor.page.evaluate("""() => {
      const script = document.createElement("script");
      script.textContent = "window.inlineRan = true";
      document.body.append(script);
    }""")
    assert not visitor.page.evaluate("window.inlineRan === true")
    with pytest.raises(AssertionError, match="CSP violation"):
        visitor.check()
