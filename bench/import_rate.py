"""Import rate at scale (issue 16): a generated register of N risks (unique texts) into an empty register,
as `riskreg import` runs it: preview, then the rows written and committed (in the register from then on), then
their after-save work (embeddings and the flag scan, in batches) as the follow-up job ("saved_risks",
riskreg/jobs/tasks.py), run here. Prints each phase, so the rate at which rows are in the register and the rate
at which similarity catches up are both visible.

    python -m bench.import_rate --rows 20000 [--database-url postgresql+psycopg://…] [--no-embeddings]
        [--follow-up-rows N]  (run the follow-up job over the first N imported risks only; default all)

Without --database-url it uses a new SQLite file in a temporary folder. --no-embeddings leaves the
embedding step out (bench only) to show what the rest of the pipeline costs.
"""

import argparse
import os
import platform
import tempfile
import time

import sqlalchemy as sa


def _setup(database_url: str | None):
    folder = tempfile.mkdtemp(prefix="riskreg-import-bench-")
    os.environ["RISKREG_INSTANCE_PATH"] = folder
    os.environ["RISKREG_TEST_DATABASE_URL"] = database_url or f"sqlite:///{folder}/bench.sqlite"
    from flask_migrate import upgrade

    from riskreg import create_app

    app = create_app("testing")
    with app.app_context():
        from riskreg.extensions import db

        db.drop_all()
        with db.engine.begin() as connection:
            connection.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
        upgrade()
    return app


def _organisation():
    from riskreg.enums import Role, UnitKind
    from riskreg.extensions import db
    from riskreg.models import Register, RoleAssignment, Unit, User

    unit = Unit(code="BENCH", name="Import benchmark", kind=UnitKind.HEADQUARTERS)
    db.session.add(unit)
    db.session.flush()
    unit.path = f"/{unit.id}/"
    register = Register(unit=unit, title="Import benchmark risk register")
    nobody_signs_in = "!"  # not a hash any password matches
    people = [
        User(
            email=f"{name.split()[0].lower()}@example.org",
            name=name,
            password_hash=nobody_signs_in,
            session_token=f"bench-{name}",
        )
        for name in ("Rhys Davies", "Helen Okafor")
    ]
    db.session.add_all([register, *people])
    db.session.flush()
    db.session.add_all([RoleAssignment(user=person, unit=unit, role=Role.RISK_MANAGER) for person in people])
    db.session.commit()
    return register, people[0]


def run(rows: int, database_url: str | None, embeddings: bool, follow_up_rows: int | None) -> None:
    app = _setup(database_url)
    from riskreg import jobs
    from riskreg.demo.spreadsheet import register_workbook
    from riskreg.extensions import db
    from riskreg.services import risks
    from riskreg.services.flags import similarity
    from riskreg.services.transfer import importing

    if not embeddings:
        risks.AFTER_SAVE.remove(similarity.embed_saved)
    from riskreg.similarity import encoder

    data = register_workbook(rows)
    load_before = os.getloadavg()
    with app.app_context():
        register, actor = _organisation()
        began = time.perf_counter()
        cpu_began = time.process_time()
        preview = importing.preview(register, data, "bench.xlsx", importing.ImportOptions(), actor)
        previewed = time.perf_counter()
        outcome = importing.commit(register, preview, actor, after_save=False)
        ids = outcome.saved_ids[:follow_up_rows] if follow_up_rows else outcome.saved_ids
        jobs.enqueue("saved_risks", requested_by=actor, risk_ids=ids, register=register.code)
        db.session.commit()
        written = time.perf_counter()
        cpu_written = time.process_time()
        jobs.run_here()
        ended = time.perf_counter()
        cpu_ended = time.process_time()
        created = len(outcome.created)
        embedded = db.session.scalar(sa.text("SELECT count(*) FROM risk_embedding"))
        flagged = dict(db.session.execute(sa.text("SELECT kind, count(*) FROM flag GROUP BY kind")).tuples().all())
    load = " / ".join(f"{before:.1f} → {after:.1f}" for before, after in zip(load_before, os.getloadavg(), strict=True))
    print(
        f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} CPUs, load (1, 5, 15 min) {load}; "
        f"database: {app.config['SQLALCHEMY_DATABASE_URI'].split(':')[0]}"
    )
    print(
        f"workbook: {rows:,} rows, {len(data) / 1e6:.1f} MB; created {created:,}; embeddings {embedded:,}; "
        f"flags raised {flagged}"
    )
    rows_in = written - began
    print(f"read, map and plan (preview): {previewed - began:.1f} s")
    print(f"write and commit: {written - previewed:.1f} s")
    print(
        f"rows in the register: {created:,} in {rows_in:.1f} s, {created / rows_in:,.0f} rows/s "
        f"({cpu_written - cpu_began:.1f} s CPU)"
    )
    follow = ended - written
    print(
        f"follow-up job (similarity and flags) over {len(ids):,} risks: {follow:.1f} s, {len(ids) / follow:,.0f} "
        f"risks/s ({cpu_ended - cpu_written:.1f} s CPU){'' if embeddings else ' WITHOUT embeddings'}"
    )
    work = encoder.WORK
    if work.texts:
        print(
            f"  of which the model: {work.texts:,} texts, {work.tokens / work.texts:.1f} tokens each "
            f"({work.padded / work.tokens - 1:.1%} more with the padding), {work.cpu_seconds:.1f} s CPU: "
            f"{1000 * work.cpu_seconds / work.texts:.2f} ms per text, "
            f"{work.texts / work.cpu_seconds:,.0f} texts per CPU second"
        )
    if len(ids) < created:
        print(f"whole import: not measured (the follow-up job covered {len(ids):,} of the {created:,} risks)")
        return
    total = ended - began
    print(
        f"whole import, embeddings and flags included: {created:,} rows in {total:.1f} s, "
        f"{created / total:,.0f} rows/s "
        f"({cpu_ended - cpu_began:.1f} s CPU, {created / (cpu_ended - cpu_began):,.0f} rows per CPU second)"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--database-url")
    parser.add_argument("--no-embeddings", action="store_true")
    parser.add_argument("--follow-up-rows", type=int)
    arguments = parser.parse_args()
    run(arguments.rows, arguments.database_url, not arguments.no_embeddings, arguments.follow_up_rows)
