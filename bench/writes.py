"""Concurrent review recording through the real forms: 8 clients on different risks, then on the same risk.

A lost update is an accepted review (the form redirected) that the database does
not show: its review row missing, the risk's version not moved on by it, or the
risk's scores not those of the last accepted review. Conflicts (409, "changed by
someone else") are the optimistic lock doing its job.
"""

import secrets
import threading
from collections import Counter
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import Flask

from bench.client import Browser
from riskreg.clock import today
from riskreg.extensions import db
from riskreg.models import Review, Risk


@dataclass
class Attempt:
    ref: str
    tag: str  # the commentary, unique per attempt, to find the review row again
    residual: tuple[int, int]
    status: int = 0


@dataclass
class WriteResult:
    scenario: str
    attempts: list[Attempt] = field(default_factory=list)
    lost: int = 0
    lost_detail: list[str] = field(default_factory=list)
    locked: int = 0  # "database is locked" in the server log

    @property
    def statuses(self) -> Counter:
        return Counter(attempt.status for attempt in self.attempts)

    def text(self) -> str:
        statuses = self.statuses
        other = {status: n for status, n in statuses.items() if status not in (302, 409)}
        return (
            f"{len(self.attempts)} reviews sent: {statuses[302]} accepted, {statuses[409]} conflicts (409), "
            f"{sum(other.values())} other{f' {other}' if other else ''}; lost updates {self.lost}; "
            f"'database is locked' {self.locked}"
        )


def _attempt(browser: Browser, ref: str, tag: str, client: int, round_number: int, barrier) -> Attempt:
    residual = (1 + (client + round_number) % 5, 1 + (2 * client + round_number) % 5)
    attempt = Attempt(ref, f"{tag} {ref} client {client} round {round_number}", residual)
    status, _body, hidden = browser.get_form(f"/risks/{ref}/reviews/new")
    if barrier is not None:
        barrier.wait()  # everyone has read the same version: now all post at once
    if status != 200:
        attempt.status = status
        return attempt
    day = today()
    form = {
        **hidden,
        "reviewed_on": [str(day.day), str(day.month), str(day.year)],
        "residual_l": str(residual[0]),
        "residual_i": str(residual[1]),
        "commentary": attempt.tag,
        "outcome": "continue",
    }
    attempt.status, _body = browser.request("POST", f"/risks/{ref}/reviews/new", form)
    return attempt


def record_reviews(browsers: list[Browser], refs: list[str], rounds: int, together: bool) -> list[Attempt]:
    """Client i reviews refs[i] ``rounds`` times; ``together`` lines clients up so they post at the same moment."""
    attempts: list[Attempt] = []
    lock = threading.Lock()
    barrier = threading.Barrier(len(browsers)) if together else None
    tag = f"bench review {secrets.token_hex(4)}"  # unique to this run, so earlier runs' reviews are not counted

    def client(number: int) -> None:
        mine = [_attempt(browsers[number], refs[number], tag, number, r, barrier) for r in range(rounds)]
        with lock:
            attempts.extend(mine)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(len(browsers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return attempts


def snapshot(app: Flask, refs: set[str]) -> dict[str, int]:
    """Each risk's version now, before the writes."""
    with app.app_context():
        rows = db.session.execute(sa.select(Risk.ref, Risk.version).where(Risk.ref.in_(refs))).all()
        db.session.remove()
    return dict(rows)


def count_lost(app: Flask, attempts: list[Attempt], versions_before: dict[str, int]) -> list[str]:
    """Every accepted review that the database does not reflect, described."""
    accepted = [attempt for attempt in attempts if attempt.status == 302]
    problems = []
    with app.app_context():
        tags = {attempt.tag for attempt in attempts}
        query = sa.select(Review.commentary, Review.id).where(Review.commentary.in_(tags))
        stored = dict(db.session.execute(query).all())
        problems += [f"{a.tag}: accepted, but no review row" for a in accepted if a.tag not in stored]
        problems += [
            f"{tag}: stored, but the client was refused" for tag in stored if tag not in {a.tag for a in accepted}
        ]
        for ref, version_before in versions_before.items():
            risk = db.session.scalar(sa.select(Risk).where(Risk.ref == ref))
            mine = sorted((stored[a.tag], a) for a in accepted if a.ref == ref and a.tag in stored)
            if risk.version != version_before + len([a for a in accepted if a.ref == ref]):
                problems.append(f"{ref}: version {risk.version} after {version_before} and {len(mine)} accepted")
            if mine and (risk.residual_l, risk.residual_i) != mine[-1][1].residual:
                problems.append(f"{ref}: scores are not those of the last accepted review")
        db.session.remove()
    return problems
