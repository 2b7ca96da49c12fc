"""Measures taken inside this process: the bench user, the pages to load, SQL queries per page, audit checking."""

import random
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import quote

import sqlalchemy as sa
from flask import Flask

from bench.client import CSRF_FIELD
from bench.organisation import BENCH_PASSWORD
from riskreg.clock import today
from riskreg.enums import RiskStatus, Role
from riskreg.extensions import db
from riskreg.models import Register, Risk, Unit
from riskreg.rules.audit_chain import ChainCheck
from riskreg.services import tokens, users
from riskreg.services.audit import trail as audit
from tests.conftest import count_queries  # the test suite's own counter, so both count alike

BENCH_EMAIL = "bench.runner@bench.example.org"
REGISTER_SAMPLE = 20
RISK_SAMPLE = 50
WRITERS = 8


def ensure_bench_user(app: Flask) -> str:
    """A risk manager at the first organisation's headquarters (so every register there is theirs to edit),
    and a member of its Audit and Risk Committee (for the committee view)."""
    with app.app_context():
        user = users.get_by_email(BENCH_EMAIL)
        headquarters = db.session.scalar(sa.select(Unit).where(Unit.parent_id.is_(None)).order_by(Unit.id))
        if user is None:
            user = users.create_user(BENCH_EMAIL, "Benchmark runner", BENCH_PASSWORD)
        held = {assignment.role for assignment in user.roles}
        for role in (Role.RISK_MANAGER, Role.COMMITTEE):
            if role not in held:
                users.assign_role(user, role, headquarters)
        db.session.commit()
    return BENCH_EMAIL


@dataclass
class Targets:
    registers: list[str]  # register page paths
    risks: list[str]  # risk page paths
    writers: list[str] = field(default_factory=list)  # refs of risks reviewed by one client each
    shared: str = ""  # ref of the risk every client reviews at once


def pick_targets(app: Flask, seed: int = 1) -> Targets:
    """A spread of registers and open risks of the first organisation, the same ones on every run."""
    rng = random.Random(seed)
    with app.app_context():
        root = db.session.scalar(sa.select(Unit).where(Unit.parent_id.is_(None)).order_by(Unit.id))
        codes = db.session.scalars(
            sa.select(Unit.code)
            .join(Register, Register.unit_id == Unit.id)
            .where(Unit.path.startswith(root.path))
            .order_by(Unit.id)
        ).all()
        open_risks = db.session.execute(
            sa.select(Risk.ref, Risk.register_id)
            .join(Register, Register.id == Risk.register_id)
            .join(Unit, Unit.id == Register.unit_id)
            .where(Risk.status == RiskStatus.OPEN, Unit.path.startswith(root.path))
            .order_by(Risk.id)
        ).all()
    pages = rng.sample(open_risks, min(RISK_SAMPLE, len(open_risks)))
    others = [row for row in open_risks if row not in pages]
    writers = []
    used_registers: set[int] = set()
    for ref, register_id in rng.sample(others, len(others)):
        if register_id not in used_registers:  # different registers, as different people's work would be
            writers.append(ref)
            used_registers.add(register_id)
        if len(writers) == WRITERS + 1:
            break
    return Targets(
        registers=[f"/registers/{code}" for code in rng.sample(codes, min(REGISTER_SAMPLE, len(codes)))],
        risks=[f"/risks/{ref}" for ref, _register in pages],
        writers=writers[:WRITERS],
        shared=writers[-1],
    )


def bench_token(app: Flask, email: str) -> str:
    """A personal access token for the bench user: the JSON API accepts no session cookie."""
    with app.app_context():
        secret = tokens.create_token(users.get_by_email(email), "Benchmark", today() + timedelta(days=7))[1]
        db.session.commit()
    return secret


def optional_pages(app: Flask, targets: "Targets") -> tuple[dict[str, list[str]], list[str]]:
    """Pages that exist only once their features are merged: measured when the URL map has them."""
    rules = [rule for rule in app.url_map.iter_rules() if "GET" in (rule.methods or ()) and not rule.arguments]
    pages, notes = {}, []
    committee = [rule.rule for rule in rules if rule.rule.rstrip("/") == "/committee"]
    if committee:
        pages["Committee view"] = committee
    else:
        notes.append("Committee view: not measured, there is no /committee route on this commit yet.")
    if "/api/v1/registers/<code>/risks" in {rule.rule for rule in app.url_map.iter_rules()}:
        # A register's risks through the API: the same sample of registers as the register page.
        pages["API list"] = [f"/api/v1{path}/risks" for path in targets.registers]
    else:
        notes.append("API list: not measured, there is no /api/ route on this commit yet.")
    if any(rule.rule == "/search" for rule in rules):
        pages["Search"] = search_paths(targets)
    else:
        notes.append("Search: not measured, there is no /search route on this commit yet.")
    return pages, notes


# Words from the demo content the generator draws on (riskreg/demo/content.py): common ones that match thousands
# of risks and countermeasures at M, a phrase, a rare word, filters, and exact references.
SEARCH_WORDS = ["victim letters", "court", "staff", "cyber attack", "witnesses", "backlog&status=open", "custody"]


def search_paths(targets: "Targets") -> list[str]:
    refs = [path.rsplit("/", 1)[1] for path in targets.risks[:5]]
    return [f"/search?q={quote(words, safe='&=')}" for words in SEARCH_WORDS] + [f"/search?q={ref}" for ref in refs]


@dataclass
class PageCost:
    queries: tuple[int, int]  # fewest and most SQL statements over the sampled URLs
    cpu_ms: float  # this process's CPU time per request: the app's own cost, little changed by other load

    def text(self) -> str:
        low, high = self.queries
        return f"{low if low == high else f'{low}–{high}'} queries, {self.cpu_ms:.1f} ms CPU"


def page_costs(
    app: Flask, email: str, pages: dict[str, list[str]], bearer: str = "", samples: int = 50, repeat: int = 30
):
    """SQL statements per request (over up to ``samples`` URLs of each page) and app CPU time per request,
    signed in, through the Flask test client, after a warm-up.

    A risk page runs one more query when the risk has links, and one more when it has countermeasures: the
    range over every sampled URL is what must stay the same as the data grows."""
    client = app.test_client()
    if bearer:  # for the API; the pages ignore it
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {bearer}"
    token = CSRF_FIELD.search(client.get("/sign-in").data)
    response = client.post(
        "/sign-in", data={"csrf_token": token.group(1).decode(), "email": email, "password": BENCH_PASSWORD}
    )
    if response.status_code != 302:
        raise RuntimeError(f"in-process sign-in answered {response.status_code}")
    costs = {}
    for label, paths in pages.items():
        counts = []
        for path in paths[:samples]:
            client.get(path)
            with ExitStack() as stack:
                # count_queries finds the engine in an app context; the request must then push its own.
                with app.app_context():
                    statements = stack.enter_context(count_queries())
                status = client.get(path).status_code
            counts.append(len(statements) if status == 200 else -status)
        began = time.process_time()
        for number in range(repeat):
            client.get(paths[number % len(paths)])
        costs[label] = PageCost((min(counts), max(counts)), 1000 * (time.process_time() - began) / repeat)
    return costs


def verify_rate(app: Flask) -> tuple[ChainCheck, float, float]:
    """riskreg.services.audit.trail.verify_chain over the whole trail, and how long it took (wall and CPU seconds)."""
    with app.app_context():
        began, cpu_began = time.perf_counter(), time.process_time()
        result = audit.verify_chain()
        seconds, cpu_seconds = time.perf_counter() - began, time.process_time() - cpu_began
        db.session.remove()
    return result, seconds, cpu_seconds
