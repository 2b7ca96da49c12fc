"""One typed settings object: services read ``settings()``, never ``current_app`` or ``app.config``."""

import dataclasses
from pathlib import Path

import pytest
from werkzeug.security import check_password_hash

import riskreg.services
from riskreg import create_app
from riskreg.config import DEFAULT_SETTINGS, SIGNING_SETTINGS, Settings, settings
from riskreg.rules.flags import FlagRules
from riskreg.services import users
from riskreg.services.assurance import control_tests, evidence
from riskreg.services.flags import scan as flags
from riskreg.services.transfer import importing


def test_settings_are_typed_and_read_only(app):
    current = settings()
    assert current == Settings.from_config(app.config)
    assert current.test_window_months == 12 and current.page_size == 50
    with pytest.raises(dataclasses.FrozenInstanceError):
        current.page_size = 10  # type: ignore[misc]


def test_services_see_a_setting_changed_for_one_test(app, monkeypatch):
    monkeypatch.setitem(app.config, "RISKREG_EVIDENCE_MAX_BYTES", 2048)
    monkeypatch.setitem(app.config, "RISKREG_TEST_WINDOW_MONTHS", 6)
    monkeypatch.setitem(app.config, "RISKREG_IMPORT_MAX_ROWS", 7)
    monkeypatch.setitem(app.config, "RISKREG_FLAGS", FlagRules(include_siblings=False))
    assert evidence.max_bytes() == 2048
    assert control_tests.window_months() == 6
    assert importing.limits().max_rows == 7
    assert not flags.rules().include_siblings  # on by default


def test_the_defaults_are_the_base_configuration(app):
    # Settings that name files in the instance folder differ by installation, not by default.
    per_instance = dict.fromkeys((*SIGNING_SETTINGS, "RISKREG_DEMO_SIGNING_FOLDER"))
    per_instance["RISKREG_AUDIT_CHECKPOINTS"] = ""
    # The suite hashes passwords cheaply (the next test); everywhere else it is scrypt.
    per_instance["RISKREG_PASSWORD_HASH"] = "scrypt"
    unsigned = {**app.config, **per_instance}
    assert Settings.from_config(unsigned) == DEFAULT_SETTINGS


def test_passwords_are_hashed_with_scrypt_and_cheaply_only_in_the_test_suite(app, monkeypatch):
    assert DEFAULT_SETTINGS.password_hash == "scrypt"
    assert users.hash_password("correct horse battery").startswith("pbkdf2:sha256:1000$")
    monkeypatch.setitem(app.config, "RISKREG_PASSWORD_HASH", "scrypt")
    hashed = users.hash_password("correct horse battery")
    assert hashed.startswith("scrypt:") and check_password_hash(hashed, "correct horse battery")


def test_a_broken_setting_stops_the_start():
    with pytest.raises(ValueError):
        create_app("testing", {"RISKREG_PAGE_SIZE": "fifty"})
    with pytest.raises(ValueError, match="RISKREG_PASSWORD_HASH"):
        create_app("testing", {"RISKREG_PASSWORD_HASH": "scyrpt"})


def test_no_service_reads_the_flask_application():
    services = Path(riskreg.services.__file__).parent
    # Every module of every service package, not only the top level.
    modules = sorted(services.rglob("*.py"))
    offenders = [str(path.relative_to(services)) for path in modules if "current_app" in path.read_text()]
    assert offenders == []
