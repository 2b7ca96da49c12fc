"""riskreg: risk and assurance registers for public bodies."""

import gc
import os
from pathlib import Path

from flask import Flask
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(env_name: str | None = None, overrides: dict | None = None) -> Flask:
    global _made_one
    if _made_one or not gc.isenabled():
        return _build_app(env_name, overrides)
    # The first app of a process imports riskreg: some 160,000 objects (classes, functions, mappers, rules)
    # that live as long as the process. While they are made, Python's cycle collector examines those made so
    # far again and again (two full collections and ~250 young ones, a fifth of the CPU of a start), and every
    # full collection after examines them all again. Paused while they are made, then frozen (gc.freeze), they
    # are never examined (issue 20). The cycles left unreferenced meanwhile (about 550 objects) stay; objects
    # made later, and anything reference counting frees, are freed as ever.
    gc.disable()
    try:
        app = _build_app(env_name, overrides)
    finally:
        gc.enable()
    gc.freeze()
    _made_one = True
    return app


_made_one = False


def _build_app(env_name: str | None, overrides: dict | None) -> Flask:
    from govuk_frontend_wtf.main import WTFormsHelpers

    from riskreg import database  # noqa: F401 - registers the SQLite engine hooks
    from riskreg.cli import register_commands
    from riskreg.config import Settings, load_config
    from riskreg.extensions import csrf, db, limiter, login_manager, migrate
    from riskreg.models.search import not_search_index
    from riskreg.services import figures  # noqa: F401 - it keeps the register figures on every flush
    from riskreg.services.flags import scan, similarity  # noqa: F401 - they register the work after a risk is saved
    from riskreg.web import hooks

    env_name = env_name or os.environ.get("RISKREG_ENV", "development")
    instance_path = Path(os.environ.get("RISKREG_INSTANCE_PATH", PROJECT_ROOT / "instance"))
    app = Flask(
        __name__,
        instance_path=str(instance_path),
        static_folder=str(PROJECT_ROOT / "build" / "assets"),
        static_url_path="/assets",
    )
    app.config.update(load_config(env_name, instance_path))
    app.config.update(overrides or {})
    Settings.from_config(app.config)  # a missing or mistyped setting stops the start, not a later request

    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(PROJECT_ROOT / "templates"),
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )
    WTFormsHelpers(app)

    db.init_app(app)
    # Batch mode: SQLite can only change a table by rebuilding it.
    migrate.init_app(
        app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True, include_object=not_search_index
    )
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    hooks.init_app(app)
    register_commands(app)
    _register_blueprints(app)
    return app


def _register_blueprints(app: Flask) -> None:
    from riskreg.web.account import bp as account_bp
    from riskreg.web.admin import bp as admin_bp
    from riskreg.web.api import bp as api_bp
    from riskreg.web.assurance import bp as assurance_bp
    from riskreg.web.auth import bp as auth_bp
    from riskreg.web.certificates import bp as certificates_bp
    from riskreg.web.certificates.template_admin import bp as certificate_template_bp
    from riskreg.web.committee import bp as committee_bp
    from riskreg.web.exporting import bp as exporting_bp
    from riskreg.web.flags import bp as flags_bp
    from riskreg.web.importing import bp as importing_bp
    from riskreg.web.jobs import bp as jobs_bp
    from riskreg.web.links import bp as links_bp
    from riskreg.web.main import bp as main_bp
    from riskreg.web.measures import bp as measures_bp
    from riskreg.web.qpr import bp as qpr_bp
    from riskreg.web.recommendations import bp as recommendations_bp
    from riskreg.web.registers import bp as registers_bp
    from riskreg.web.risks import bp as risks_bp
    from riskreg.web.search import bp as search_bp

    blueprints = (
        auth_bp,
        main_bp,
        registers_bp,
        risks_bp,
        links_bp,
        committee_bp,
        assurance_bp,
        importing_bp,
        exporting_bp,
        account_bp,
        api_bp,
        flags_bp,
    )
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
    for blueprint in (
        certificates_bp,
        certificate_template_bp,
        admin_bp,
        measures_bp,
        qpr_bp,
        recommendations_bp,
        jobs_bp,
        search_bp,
    ):
        app.register_blueprint(blueprint)
