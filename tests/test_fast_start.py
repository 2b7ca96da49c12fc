"""Starting riskreg loads no heavy library it does not need yet (issue 20).

Every command, every gunicorn worker and every test's app used to import WeasyPrint, pyHanko, onnxruntime,
numpy, openpyxl, Alembic and jsonschema when the app was created: about three seconds of CPU. They are now
imported where they are first used (riskreg/lazy.py). How long a start takes is a benchmark
(bench/startup.py); what a start imports is behaviour, checked here in a fresh interpreter.
"""

import json
import subprocess
import sys

import pytest
from flask import url_for

from riskreg import PROJECT_ROOT, create_app

# What a start imports does not depend on the engine.
pytestmark = pytest.mark.engine_independent

HEAVY = ("weasyprint", "pyhanko", "pyhanko_certvalidator", "onnxruntime", "tokenizers", "numpy", "openpyxl")
ALSO_DEFERRED = ("alembic", "flask_migrate", "jsonschema", "email_validator", "cryptography", "docx", "authlib", "rq")
# What creating the app imports: `riskreg --help` and a command's own help need none of it.
THE_APP = ("sqlalchemy", "flask_sqlalchemy", "flask_limiter", "flask_login", "flask_wtf", "wtforms", "riskreg.models")

_LOADED = """
import json, sys
{setup}
print(json.dumps(sorted(sys.modules)))
"""


def _answer(code: str):
    """What ``code``, run in a fresh interpreter, prints last (as JSON)."""
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=PROJECT_ROOT, timeout=120
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def _modules_after(setup: str) -> set[str]:
    """The modules a fresh interpreter has imported after running ``setup``: each name and its packages'."""
    return set(_answer(_LOADED.format(setup=setup)))


def _top_level_modules_after(setup: str) -> set[str]:
    return {name.split(".")[0] for name in _modules_after(setup)}


def _command_line(*args: str) -> str:
    return f"from riskreg.cli import cli\ntry:\n    cli({list(args)!r})\nexcept SystemExit:\n    pass"


@pytest.fixture(scope="module")
def after_create_app() -> set[str]:
    return _top_level_modules_after('from riskreg import create_app\ncreate_app("testing")')


@pytest.mark.parametrize("library", HEAVY + ALSO_DEFERRED)
def test_creating_the_app_does_not_import(after_create_app, library):
    assert "riskreg" in after_create_app  # the check ran against the app
    assert library not in after_create_app


def test_the_command_line_help_imports_none_of_them():
    loaded = _top_level_modules_after(_command_line("--help"))
    assert "click" in loaded
    assert not loaded & {*HEAVY, *ALSO_DEFERRED, "rich"}  # rich: Flask-Limiter's command, listed but not loaded


@pytest.mark.parametrize("args", [("--help",), ("worker", "--help"), ("audit", "verify", "--help")])
def test_the_command_line_help_creates_no_app(args):
    """Flask's command group creates the app to list the commands it holds: most of a second, for a help text."""
    loaded = _modules_after(_command_line(*args))
    assert "riskreg.cli" in loaded
    assert not loaded & set(THE_APP)
    assert not {name for name in loaded if name.startswith("riskreg.web")}  # the blueprints: create_app's


def test_a_command_creates_the_app_when_it_runs():
    loaded = _modules_after(_command_line("demo-sign-ins"))
    assert {"riskreg.web.hooks", "riskreg.models"} <= loaded  # create_app ran


def test_the_first_app_leaves_the_objects_of_the_start_out_of_garbage_collections():
    """A process's first app pauses the cycle collector while riskreg is imported, then freezes what was made."""
    frozen, enabled, again = _answer(
        "import gc, json\nfrom riskreg import create_app\ncreate_app('testing')\n"
        "frozen, enabled = gc.get_freeze_count(), gc.isenabled()\ncreate_app('testing')\n"
        "print(json.dumps([frozen, enabled, gc.get_freeze_count()]))"
    )
    assert enabled is True
    assert frozen > 50_000  # the modules, classes, functions and mappers of the start
    assert again - frozen < 1_000  # a later app (tests make several: ~8,000 objects) is not frozen


def test_creating_the_app_compiles_no_url_builder(app):
    """werkzeug generates each URL rule's builders (Python source through ``ast``) when the rule is added, ~30 ms
    of every app made; riskreg's rules generate theirs on their first ``url_for``."""
    fresh = create_app("testing")
    rules = [rule for rule in fresh.url_map.iter_rules() if rule.endpoint != "static"]
    assert len(rules) > 100

    def compiled() -> list[str]:
        return [rule.endpoint for rule in rules if rule._build_unknown.__name__.startswith("<builder")]

    assert compiled() == []
    with fresh.test_request_context():
        assert url_for("registers.show", code="LN", page=2) == "/registers/LN?page=2"
    assert compiled() == ["registers.show"]


def test_the_deferred_migrations_still_answer(app):
    """Flask-Migrate is bound on first use: what migrations/env.py and flask_migrate.upgrade() read is there."""
    config = app.extensions["migrate"]
    assert config.db.metadata is not None
    assert config.configure_args["render_as_batch"] is True
    assert config.migrate.directory.endswith("migrations")


def test_the_lazy_stand_in_imports_on_first_use():
    from riskreg import lazy

    json_module = lazy.module("json")
    assert "not imported yet" in repr(json_module)
    assert json_module.dumps([1]) == "[1]"
    assert "not imported" not in repr(json_module)
