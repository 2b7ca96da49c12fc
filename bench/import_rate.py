"""Import rate at scale (issue 16): a generated register of N risks (unique texts) into an empty register,
through ``riskreg.services.transfer.importing.import_file`` as `riskreg import` runs it, after-save work included
(embeddings and the flag scan, in batches). Prints the phases so the embedding cost is visible.

    python -m bench.import_rate --rows 20000 [--database-url postgresql+psycopg://…] [--no-embeddings]

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


def run(rows: int, database_url: str | None, embeddings: bool) -> None:
    app = _setup(database_url)
    from riskreg.demo.spreadsheet import register_workbook
    from riskreg.extensions import db
    from riskreg.services import risks
    from riskreg.services.flags import similarity
    from riskreg.services.transfer import importing

    if not embeddings:
        risks.AFTER_SAVE.remove(similarity.embed_saved)
    data = register_workbook(rows)
    with app.app_context():
        register, actor = _organisation()
        marks: dict[str, float] = {}
        began = time.perf_counter()
        cpu_began = time.process_time()

        def progress(_done: int) -> None:
            marks.setdefault("first batch", time.perf_counter())

        preview = importing.preview(register, data, "bench.xlsx", importing.ImportOptions(), actor)
        marks["preview"] = time.perf_counter()
        outcome = importing.commit(register, preview, actor, progress=progress)
        db.session.commit()
        ended = time.perf_counter()
        created = len(outcome.created)
        embedded = db.session.scalar(sa.text("SELECT count(*) FROM risk_embedding"))
        flagged = dict(db.session.execute(sa.text("SELECT kind, count(*) FROM flag GROUP BY kind")).tuples().all())
    seconds = ended - began
    print(
        f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}; "
        f"database: {app.config['SQLALCHEMY_DATABASE_URI'].split(':')[0]}"
    )
    print(
        f"workbook: {rows:,} rows, {len(data) / 1e6:.1f} MB; created {created:,}; embeddings {embedded:,}; "
        f"flags raised {flagged}"
    )
    print(f"read, map and plan (preview): {marks['preview'] - began:.1f} s")
    print(f"write and after-save work (commit): {ended - marks['preview']:.1f} s")
    print(
        f"total: {seconds:.1f} s, {created / seconds:,.0f} rows/s ({time.process_time() - cpu_began:.1f} s CPU)"
        f"{'' if embeddings else ' WITHOUT embeddings'}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--database-url")
    parser.add_argument("--no-embeddings", action="store_true")
    arguments = parser.parse_args()
    run(arguments.rows, arguments.database_url, not arguments.no_embeddings)
