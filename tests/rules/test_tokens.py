import hashlib
from datetime import date, timedelta

from riskreg.rules import tokens

TODAY = date(2026, 3, 27)


def test_a_secret_is_stored_as_its_sha256():
    secret = "rr_" + "a" * 43
    assert tokens.hash_secret(secret) == hashlib.sha256(secret.encode()).hexdigest()
    assert tokens.hash_secret(secret) != tokens.hash_secret("rr_" + "b" * 43)


def test_only_the_start_of_a_secret_is_kept_for_display():
    secret = "rr_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
    assert tokens.display_prefix(secret) == "rr_abcdefg"
    assert tokens.looks_like_secret(secret)
    assert not tokens.looks_like_secret(secret[:-1])
    assert not tokens.looks_like_secret("xx" + secret[2:])


def test_tokens_live_90_days_unless_told_and_at_most_a_year():
    assert tokens.default_expiry(TODAY) == TODAY + timedelta(days=90)
    assert tokens.expiry_problem(TODAY + timedelta(days=1), TODAY) is None
    assert tokens.expiry_problem(TODAY + timedelta(days=365), TODAY) is None
    assert tokens.expiry_problem(TODAY, TODAY) == "The expiry date must be in the future"
    assert tokens.expiry_problem(TODAY + timedelta(days=366), TODAY).startswith(
        "The expiry date must be no more than a year from today, 27 March 2027"
    )
