"""Extension objects, created unbound and bound to an app in create_app()."""

import importlib

import click
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Named constraints, so migrations can drop and alter them on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)


class _DeferredMigrateConfig:
    """Stands in ``app.extensions["migrate"]`` until Flask-Migrate's functions (or migrations/env.py) read it."""

    def __init__(self, db: SQLAlchemy, options: dict) -> None:
        self._db, self._options, self._config = db, options, None

    def __getattr__(self, name: str):
        if self._config is None:
            from flask_migrate import Migrate, _MigrateConfig

            migrate = Migrate(db=self._db, **self._options)
            self._config = _MigrateConfig(migrate, self._db, **migrate.alembic_ctx_kwargs)
        return getattr(self._config, name)


class _LazyGroup(click.Group):
    """A command group named in ``--help`` but imported only when it is run (or its own help is asked for)."""

    def __init__(self, name: str, target: str, help: str) -> None:
        super().__init__(name=name, help=help)
        self._target = target

    def _real(self) -> click.Group:
        module, _, attribute = self._target.partition(":")
        return getattr(importlib.import_module(module), attribute)

    def make_context(self, info_name, args, parent=None, **extra):
        return self._real().make_context(info_name, args, parent=parent, **extra)

    def list_commands(self, ctx):
        return self._real().list_commands(ctx)

    def get_command(self, ctx, name):
        return self._real().get_command(ctx, name)


class LazyMigrate:
    """Flask-Migrate, with Alembic behind it, imported when the migrations are first used: importing them took a
    third of a second of every start of the app, and only `riskreg db ...` and the tests' set-up need them."""

    def init_app(self, app, db: SQLAlchemy, **options) -> None:
        app.extensions["migrate"] = _DeferredMigrateConfig(db, options)
        app.cli.add_command(_LazyGroup("db", "flask_migrate.cli:db", help="Perform database migrations."))


migrate = LazyMigrate()
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address)
