"""What makes a password too easy to guess, as a pure function (NCSC guidance: length, and no obvious choices).

Length is the main defence; beyond it, only what an attacker tries first is refused: one character repeated
("aaaaaaaaaaaa"), a short pattern repeated or a run along the keyboard or the alphabet, the commonest passwords,
and the person's own e-mail address or name.
"""

MIN_LENGTH = 12
MIN_DISTINCT = 5
RUNS = ("abcdefghijklmnopqrstuvwxyz", "01234567890123456789", "qwertyuiopasdfghjklzxcvbnm")
COMMON = frozenset({
    "password1234", "passwordpassword", "password123!", "iloveyou1234", "letmeinletmein", "welcome12345",
    "changeme1234", "administrator", "qwerty123456", "1q2w3e4r5t6y", "trustno1trustno1",
})  # fmt: skip


def weakness(password: str, email: str = "", name: str = "") -> str | None:
    """Why the password is refused, in words for the person choosing it; None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return f"Password must be {MIN_LENGTH} characters or more"
    folded = password.casefold()
    if len(set(folded)) < MIN_DISTINCT or _repeats_a_pattern(folded) or _is_a_run(folded) or folded in COMMON:
        return "Password is too easy to guess: use three or more random words, for example"
    personal = [part for part in (email.casefold().split("@")[0], name.casefold().replace(" ", "")) if len(part) >= 4]
    if any(part in folded.replace(" ", "") for part in personal):
        return "Password must not contain your e-mail address or name"
    return None


def _repeats_a_pattern(folded: str) -> bool:
    return any(len(folded) % size == 0 and folded == folded[:size] * (len(folded) // size) for size in range(1, 5))


def _is_a_run(folded: str) -> bool:
    return any(folded in run or folded in run[::-1] for run in RUNS)
