"""Measures taken inside this process: the bench user, the pages to load, SQL queries per page, audit checking."""

import random
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import Flask

from bench.client import CSRF_FIELD
from bench.organisation import BENCH_PASSWORD
from riskreg.enums import RiskStatus, Role
from riskreg.extensions import db
from riskreg.models import Register, Risk, Unit
from riskreg.rules.audit_chain import ChainCheck
from riskreg.services import audit, users

BENCH_EMAIL = "bench.runner@bench.example.org"
REGISTER_SAMPLE = 20
RISK_SAMPLE = 50
WRITERS = 8


def ensure_bench_user(app: Flask) -> str:
    """A risk manager at the first organisation's headquarters (so every register there is theirs to edit)."""
    with app.app_context():
        if users.get_by_email(BENCH_EMAIL) is None:
            headquarters = db.session.scalar(sa.select(Unit).where(Unit.parent_id.is_(None)).order_by(Unit.id))
            user = users.create_user(BENCH_EMAIL, "Benchmark runner", BENCH_PASSWORD)
            users.assign_role(user, Role.RISK_MANAGER, headquarters)
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
            sa.select(Unit.code).join(Register, Register.unit_id == Unit.id).where(Unit.path.startswith(root.path))
            .order_by(Unit.id)
        ).all()  # fmt: skip
        open_risks = db.session.execute(
            sa.select(Risk.ref, Risk.register_id)
            .join(Register, Register.id == Risk.register_id).join(Unit, Unit.id == Register.unit_id)
            .where(Risk.status == RiskStatus.OPEN, Unit.path.startswith(root.path)).order_by(Risk.id)
        ).all()  # fmt: skip
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


def optional_pages(app: Flask) -> tuple[dict[str, list[str]], list[str]]:
    """Pages that exist only once their features are merged: measured when the URL map has them."""
    rules = [rule for rule in app.url_map.iter_rules() if "GET" in (rule.methods or ()) and not rule.arguments]
    pages, notes = {}, []
    committee = [rule.rule for rule in rules if rule.rule.rstrip("/") == "/committee"]
    if committee:
        pages["Committee view"] = committee
    else:
        notes.append("Committee view: not measured, there is no /committee route on this commit yet.")
    api_lists = sorted((rule.rule for rule in rules if rule.rule.startswith("/api/")), key=lambda r: "risks" not in r)
    if api_lists:
        pages["API list"] = api_lists[:1]
    else:
        notes.append("API list: not measured, there is no /api/ route on this commit yet.")
    return pages, notes


@contextmanager
def counting_queries(app: Flask):
    statements: list[str] = []

    def before_execute(_connection, _cursor, statement, *_args) -> None:
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", before_execute)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", before_execute)


def query_counts(app: Flask, email: str, pages: dict[str, list[str]]) -> dict[str, int]:
    """SQL statements for one request of each page, signed in, through the Flask test client (after one warm-up)."""
    client = app.test_client()
    token = CSRF_FIELD.search(client.get("/sign-in").data)
    response = client.post("/sign-in", data={"csrf_token": token.group(1).decode(), "email": email,
                                             "password": BENCH_PASSWORD})  # fmt: skip
    if response.status_code != 302:
        raise RuntimeError(f"in-process sign-in answered {response.status_code}")
    counts = {}
    for label, paths in pages.items():
        client.get(paths[0])
        with counting_queries(app) as statements:
            status = client.get(paths[0]).status_code
        counts[label] = len(statements) if status == 200 else -status
    return counts


def verify_rate(app: Flask) -> tuple[ChainCheck, float]:
    """riskreg.services.audit.verify_chain over the whole trail, and how long it took."""
    with app.app_context():
        began = time.perf_counter()
        result = audit.verify_chain()
        seconds = time.perf_counter() - began
        db.session.remove()
    return result, seconds
