"""Extension objects, created unbound and bound to an app in create_app()."""

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


class LazyMigrate:
    """Flask-Migrate, with Alembic behind it, imported when the migrations are first used: importing them took a
    third of a second of every start of the app, and only `riskreg db ...` and the tests' set-up need them."""

    def init_app(self, app, db: SQLAlchemy, **options) -> None:
        # Its `db` command group is riskreg.cli's (`migrations`), added with the others.
        app.extensions["migrate"] = _DeferredMigrateConfig(db, options)


migrate = LazyMigrate()
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address)
