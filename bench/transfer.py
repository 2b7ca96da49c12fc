"""Export time and import rate, in this process, through the same services as `riskreg export` and `riskreg import`."""

import io
import time
from dataclasses import dataclass

import openpyxl
import sqlalchemy as sa
from flask import Flask

from bench.measure import BENCH_EMAIL
from riskreg.enums import UnitKind
from riskreg.extensions import db
from riskreg.models import Register, Risk, Unit
from riskreg.services import registers, users
from riskreg.services.transfer import exporting, importing

IMPORT_ROWS = 10_000


@dataclass
class Timed:
    what: str
    count: int
    seconds: float
    cpu_seconds: float

    def text(self, unit: str) -> str:
        rate, cpu = self.count / self.seconds, self.cpu_seconds
        return f"{self.what}: {self.count:,} {unit} in {self.seconds:.1f} s ({rate:,.0f} {unit}/s; {cpu:.1f} s CPU)"


def _timed(work) -> tuple[object, float, float]:
    began, cpu_began = time.perf_counter(), time.process_time()
    result = work()
    return result, time.perf_counter() - began, time.process_time() - cpu_began


def export_every_register(app: Flask) -> tuple[Timed, bytes]:
    """Every register as one XLSX workbook (risks, countermeasures and reviews), as `riskreg export` writes it."""
    with app.app_context():
        chosen = registers.all_registers()
        risks = db.session.scalar(sa.select(sa.func.count()).select_from(Risk))
        out = io.BytesIO()
        _result, seconds, cpu = _timed(lambda: exporting.export(chosen, None, "xlsx", out))
        db.session.remove()
    what = f"Export, every register, XLSX ({len(out.getvalue()) / 1e6:.1f} MB)"
    return Timed(what, risks, seconds, cpu), out.getvalue()


def _workbook_of(app: Flask, rows: int) -> bytes:
    """An XLSX sheet of about ``rows`` risks, one a row: riskreg's own export of the first registers, without
    the export's countermeasure and review sheets (a register kept in a spreadsheet is usually one sheet)."""
    with app.app_context():
        chosen, total = [], 0
        for register in registers.all_registers():
            if total >= rows:
                break
            chosen.append(register)
            total += db.session.scalar(sa.select(sa.func.count()).where(Risk.register_id == register.id))
        exported = io.BytesIO()
        exporting.export(chosen, None, "xlsx", exported)
        db.session.remove()
    workbook = openpyxl.load_workbook(io.BytesIO(exported.getvalue()))
    for sheet in workbook.worksheets[1:]:
        workbook.remove(sheet)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _empty_register(root: Unit) -> Register:
    number = db.session.scalar(sa.select(sa.func.count()).select_from(Unit).where(Unit.code.like("IMPORT-%")))
    unit = Unit(code=f"IMPORT-{number + 1}", name=f"Import benchmark {number + 1}", kind=UnitKind.UNIT, parent=root)
    db.session.add(unit)
    db.session.flush()
    unit.path = f"{root.path}{unit.id}/"
    register = Register(unit=unit, title=f"Import benchmark {number + 1} risk register")
    db.session.add(register)
    db.session.flush()
    return register


def import_rate(app: Flask, rows: int = IMPORT_ROWS) -> Timed:
    """Import a workbook of ``rows`` risks (with their countermeasures and reviews) into a new, empty register."""
    data = _workbook_of(app, rows)
    with app.app_context():
        root = db.session.scalar(sa.select(Unit).where(Unit.parent_id.is_(None)).order_by(Unit.id))
        register = _empty_register(root)
        db.session.commit()
        actor = users.get_by_email(BENCH_EMAIL)

        def work():
            result, outcome = importing.import_file(register, data, "bench-import.xlsx", actor)
            db.session.commit()
            return outcome

        outcome, seconds, cpu = _timed(work)
        created = len(outcome.created) if outcome else 0
        db.session.remove()
    return Timed(f"Import of a one-sheet XLSX ({len(data) / 1e6:.1f} MB) into an empty register", created, seconds, cpu)
