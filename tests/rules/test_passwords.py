"""The password policy (NIST SP 800-63B): length, a list of common and breached passwords, no composition rules."""

import pytest

from riskreg.rules import passwords
from riskreg.rules.passwords import password_problem


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("short", passwords.TOO_SHORT),
        ("elevenchars", passwords.TOO_SHORT),
        ("x" * 257, passwords.TOO_LONG),
        ("qwerty123456", passwords.COMMON),  # on the list as it is
        ("1qaz2wsx3edc", passwords.COMMON),
        ("Password2024!", passwords.COMMON),  # a listed password with digits and symbols around it
        ("!!Sunshine!!1234", passwords.COMMON),
        ("aaaaaaaaaaaa", passwords.GUESSABLE),
        ("abcabcabcabc", passwords.GUESSABLE),
        ("123456789012", passwords.GUESSABLE),
        ("zyxwvutsrqpo", passwords.GUESSABLE),
        ("my riskreg account", passwords.GUESSABLE),
        ("helen.okafor-2026", passwords.PERSONAL),
        ("okafor rules the roost", passwords.PERSONAL),
    ],
)
def test_refused(password, problem):
    assert password_problem(password, email="helen.okafor@example.org", name="Helen Okafor") == problem


@pytest.mark.parametrize(
    "password",
    ["correct horse battery staple", "tangerine-lighthouse-47", "all lower case and no digits", "ünïcödé ✓ 🔒 façade"],
)
def test_accepted_without_composition_rules(password):
    assert password_problem(password, email="helen.okafor@example.org", name="Helen Okafor") is None


def test_the_list_ships_in_the_package_and_is_large():
    listed = passwords.common_passwords()
    assert len(listed) == 30_000 and "password" in listed and "123456" in listed
    assert passwords.COMMON_PASSWORDS.read_text().startswith("# Common and breached passwords")
