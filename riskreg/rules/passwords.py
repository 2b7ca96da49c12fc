"""The password policy (NIST SP 800-63B 5.1.1.2, NCSC guidance): long enough, not common or breached, not
an obvious pattern, not about the person. One function, ``weakness``, for every password riskreg sets:
`riskreg create-user`, a change and a reset.

No composition rules (no "one capital, one digit") and no expiry: length and a check against the passwords
attackers try first are what protect an account. The list of common and breached passwords is held offline in
the package (rules/data/common-passwords.txt; where it comes from and its licence are in its header), so a
password is never sent anywhere to be checked.
"""

import re
import unicodedata
from functools import cache
from pathlib import Path

MIN_LENGTH = 12
MAX_LENGTH = 256  # NIST asks for at least 64; longer than this is a mistake or an attack on the hashing
MIN_DISTINCT = 5
RUNS = ("abcdefghijklmnopqrstuvwxyz", "01234567890123456789", "qwertyuiopasdfghjklzxcvbnm")
COMMON_PASSWORDS = Path(__file__).parent / "data" / "common-passwords.txt"
_PADDING = re.compile(r"^[\W\d_]*(.*?)[\W\d_]*$")

TOO_SHORT = f"Password must be {MIN_LENGTH} characters or more"
TOO_LONG = f"Password must be {MAX_LENGTH} characters or fewer"
COMMON = "This password is too common: it is on a list of passwords used and leaked elsewhere. Choose another"
GUESSABLE = "Password is too easy to guess: use three or more random words, for example"
PERSONAL = "Password must not contain your e-mail address or name"


@cache
def common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def _repeats_a_pattern(folded: str) -> bool:
    return any(len(folded) % size == 0 and folded == folded[:size] * (len(folded) // size) for size in range(1, 5))


def _is_a_run(folded: str) -> bool:
    """Along the alphabet, the digits (counting on past 9) or the keyboard, either way."""
    return any(folded in run or folded in run[::-1] for run in RUNS)


def _is_guessable(folded: str) -> bool:
    return len(set(folded)) < MIN_DISTINCT or _repeats_a_pattern(folded) or _is_a_run(folded)


def weakness(password: str, email: str = "", name: str = "") -> str | None:
    """Why the password is refused, in words for the person choosing it; None when it is acceptable."""
    length = len(unicodedata.normalize("NFKC", password))
    if length < MIN_LENGTH:
        return TOO_SHORT
    if length > MAX_LENGTH:
        return TOO_LONG
    folded = unicodedata.normalize("NFKC", password).casefold()
    core = _PADDING.match(folded).group(1)  # "Password2024!" is "password" with padding
    if folded in common_passwords() or core in common_passwords():
        return COMMON
    if _is_guessable(folded) or (core and _is_guessable(core)):
        return GUESSABLE
    personal = [part for part in (email.casefold().split("@")[0], name.casefold().replace(" ", "")) if len(part) >= 4]
    if any(part in folded.replace(" ", "") for part in personal):
        return PERSONAL
    return None
