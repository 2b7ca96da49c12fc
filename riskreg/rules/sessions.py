"""When a signed-in session ends on its own (issue 17): after a spell of inactivity, and after a fixed time
whatever happens in it (NIST SP 800-63B 4.2.3 and 7.2: reauthenticate at least every 12 hours, and after 30
minutes of inactivity for a moderate-assurance service). Times are seconds since the epoch, as the session
cookie keeps them."""

from datetime import timedelta

IDLE = "You were signed out because you had not used riskreg for {minutes} minutes. Sign in again to continue"
TOO_LONG = "You were signed out because you signed in more than {hours} hours ago. Sign in again to continue"


def session_end(signed_in_at: float, last_seen: float, now: float, idle: timedelta, absolute: timedelta) -> str | None:
    """Why the session must end now (a message for the person), or None while it may go on."""
    if now - signed_in_at >= absolute.total_seconds():
        return TOO_LONG.format(hours=round(absolute.total_seconds() / 3600))
    if now - last_seen >= idle.total_seconds():
        return IDLE.format(minutes=round(idle.total_seconds() / 60))
    return None
