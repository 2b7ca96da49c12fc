"""The migrations build exactly the schema the models describe, in one chain that can be walked both ways."""

import os
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade

from riskreg import PROJECT_ROOT, create_app
from riskreg.extensions import db
from riskreg.models.search import not_search_index

VERSIONS = PROJECT_ROOT / "migrations" / "versions"


def test_migrations_match_the_models(app):
    context = MigrationContext.configure(
        db.session.connection(), opts={"compare_type": True, "include_object": not_search_index}
    )
    differences = compare_metadata(context, db.metadata)
    assert differences == []


def _chain(app) -> list:
    """The revisions from base to head, as Alembic walks them."""
    with app.app_context():
        script = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())
        assert len(script.get_heads()) == 1, f"more than one head: {script.get_heads()}"
        return list(reversed(list(script.walk_revisions())))


def test_one_head_and_files_in_chain_order(app):
    chain = _chain(app)
    files = sorted(path.name for path in VERSIONS.glob("*.py"))
    assert [Path(revision.path).name for revision in chain] == files
    for number, revision in enumerate(chain, start=1):
        prefix = re.match(r"\d+", Path(revision.path).name).group()
        assert int(prefix) == number, f"{revision.path} should be numbered {number:04d}: number migrations in turn"
        assert revision.revision.startswith(f"{prefix}_"), f"{revision.revision} does not start with {prefix}_"


@pytest.fixture
def scratch_database_url(tmp_path):
    """An empty database of its own: a SQLite file, or on PostgreSQL a schema in the test database."""
    url = os.environ["RISKREG_TEST_DATABASE_URL"]
    if url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'migrations.sqlite'}"
        return
    schema = "riskreg_migrations"
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"))
    separator = "&" if "?" in url else "?"
    try:
        yield f"{url}{separator}options=-csearch_path%3D{schema}"
    finally:
        with engine.begin() as connection:
            connection.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        engine.dispose()


def _objects(connection) -> set[str]:
    """Tables, and on PostgreSQL the enum types, that the migrations left behind."""
    inspector = sa.inspect(connection)
    names = {f"table {name}" for name in inspector.get_table_names()} - {"table alembic_version"}
    if connection.dialect.name == "postgresql":
        names |= {f"type {enum['name']}" for enum in inspector.get_enums()}
    return names


@pytest.mark.usefixtures("app")
def test_upgrade_downgrade_to_base_and_upgrade_again(scratch_database_url):
    migrated = create_app("testing", {"SQLALCHEMY_DATABASE_URI": scratch_database_url})
    with migrated.app_context():
        try:
            upgrade()
            with db.engine.connect() as connection:
                built = _objects(connection)
            downgrade(revision="base")
            with db.engine.connect() as connection:
                assert _objects(connection) == set()
            upgrade()
            with db.engine.connect() as connection:
                assert _objects(connection) == built
                differences = compare_metadata(
                    MigrationContext.configure(
                        connection, opts={"compare_type": True, "include_object": not_search_index}
                    ),
                    db.metadata,
                )
            assert differences == []
        finally:
            db.engine.dispose()
