"""The password policy (NIST SP 800-63B, 5.1.1.2): long enough, not common or breached, not about us.

No composition rules (no "one capital, one digit") and no expiry: length and a check against a list of
passwords that attackers try first are what protect an account. The list is held offline in the package
(rules/data/common-passwords.txt, where it comes from and its licence are in its header), so a password
is never sent anywhere to be checked. Used for every password riskreg sets: sign-up by `riskreg create-user`,
a change and a reset.
"""

import re
import unicodedata
from functools import cache
from pathlib import Path

MIN_LENGTH = 12
MAX_LENGTH = 256  # NIST asks for at least 64; longer than this is a mistake or an attack on the hashing
COMMON_PASSWORDS = Path(__file__).parent / "data" / "common-passwords.txt"
# Words that make a password easy to guess here, whoever the user is.
SERVICE_WORDS = ("riskreg", "riskregister")
_PADDING = re.compile(r"^[\W\d_]*(.*?)[\W\d_]*$")

TOO_SHORT = f"Password must be {MIN_LENGTH} characters or more"
TOO_LONG = f"Password must be {MAX_LENGTH} characters or fewer"
COMMON = "This password is too common: it is on a list of passwords used and leaked elsewhere. Choose another"
GUESSABLE = "This password is too easy to guess: do not use a repeated or sequential pattern, or the service name"
PERSONAL = "Your password must not contain your email address or name"


@cache
def common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def _normalise(password: str) -> str:
    return unicodedata.normalize("NFKC", password).casefold()


def _is_pattern(text: str) -> bool:
    """One short run repeated ("abcabcabcabc"), or a run of consecutive characters ("123456789012")."""
    for size in range(1, len(text) // 2 + 1):
        if len(text) % size == 0 and text[:size] * (len(text) // size) == text:
            return True
    steps = {ord(b) - ord(a) for a, b in zip(text, text[1:], strict=False)}
    if text.isdigit():  # "...7890123": counting on past 9
        steps = {step % 10 for step in steps}
        return steps in ({1}, {9})
    return len(steps) == 1 and steps <= {1, -1}


def _personal_words(email: str, name: str) -> list[str]:
    """The e-mail address's local part and its pieces ("helen.okafor": "helen", "okafor"), and the full name."""
    local = _normalise(email).partition("@")[0]
    words = [local, *re.split(r"[^\w]+", local), " ".join(_normalise(name).split())]
    return [word for word in words if len(word) >= 4]


def password_problem(password: str, email: str = "", name: str = "") -> str | None:
    """Why ``password`` may not be used (a message for the person choosing it), or None when it may."""
    length = len(unicodedata.normalize("NFKC", password))
    if length < MIN_LENGTH:
        return TOO_SHORT
    if length > MAX_LENGTH:
        return TOO_LONG
    text = _normalise(password)
    core = _PADDING.match(text).group(1)  # "Password2024!" is "password" with padding
    if text in common_passwords() or core in common_passwords():
        return COMMON
    if _is_pattern(text) or _is_pattern(core or text) or any(word in text for word in SERVICE_WORDS):
        return GUESSABLE
    if any(word in text for word in _personal_words(email, name)):
        return PERSONAL
    return None
