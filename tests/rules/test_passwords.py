"""The password policy (NIST SP 800-63B): length, a list of common and breached passwords, no composition rules."""

import pytest

from riskreg.rules import passwords
from riskreg.rules.passwords import weakness


@pytest.mark.parametrize(
    "password",
    [
        "aaaaaaaaaaaa",
        "abcabcabcabc",
        "abababababab",
        "abcdefghijklmnop",
        "123456789012",
        "qwertyuiopasdf",
        "Password1234",
        "short",
    ],
)
def test_obvious_passwords_are_refused(password):
    assert weakness(password) is not None


def test_the_persons_own_address_or_name_is_refused():
    message = "Password must not contain your e-mail address or name"
    assert weakness("helen.head-2026!", "helen.head@example.org") == message
    assert weakness("HelenHead 2026 spring", "hh@example.org", "Helen Head") is not None


@pytest.mark.parametrize("password", ["correct horse battery staple", "riskreg-bench-2026", "a long enough password"])
def test_ordinary_long_passwords_are_accepted(password):
    assert weakness(password, "someone@example.org", "Some One") is None


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("elevenchars", passwords.TOO_SHORT),
        ("x" * 257, passwords.TOO_LONG),
        ("qwerty123456", passwords.COMMON),  # on the list as it is
        ("1qaz2wsx3edc", passwords.COMMON),
        ("Password2024!", passwords.COMMON),  # a listed password with digits and symbols around it
        ("!!Sunshine!!1234", passwords.COMMON),
        ("zyxwvutsrqpo", passwords.GUESSABLE),
        ("helen.okafor-2026", passwords.PERSONAL),
    ],
)
def test_refused_with_the_reason(password, problem):
    assert weakness(password, email="helen.okafor@example.org", name="Helen Okafor") == problem


@pytest.mark.parametrize(
    "password",
    ["tangerine-lighthouse-47", "all lower case and no digits", "ünïcödé ✓ 🔒 façade"],
)
def test_accepted_without_composition_rules(password):
    assert weakness(password, email="helen.okafor@example.org", name="Helen Okafor") is None


def test_the_list_ships_in_the_package_and_is_large():
    listed = passwords.common_passwords()
    assert len(listed) == 30_000 and "password" in listed and "123456" in listed
    assert passwords.COMMON_PASSWORDS.read_text().startswith("# Common and breached passwords")
