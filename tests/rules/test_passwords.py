import pytest

from riskreg.rules.passwords import weakness


@pytest.mark.parametrize("password", [
    "aaaaaaaaaaaa", "abcabcabcabc", "abababababab", "abcdefghijklmnop", "123456789012", "qwertyuiopasdf",
    "Password1234", "short",
])  # fmt: skip
def test_obvious_passwords_are_refused(password):
    assert weakness(password) is not None


def test_the_persons_own_address_or_name_is_refused():
    message = "Password must not contain your e-mail address or name"
    assert weakness("helen.head-2026!", "helen.head@example.org") == message
    assert weakness("HelenHead 2026 spring", "hh@example.org", "Helen Head") is not None


@pytest.mark.parametrize("password", ["correct horse battery staple", "riskreg-bench-2026", "a long enough password"])
def test_ordinary_long_passwords_are_accepted(password):
    assert weakness(password, "someone@example.org", "Some One") is None
