"""Settings per environment, read from the process environment.

``RISKREG_ENV`` picks the environment (development, testing, production).
Production has no default secrets: it refuses to start without them.
"""

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import current_app, has_app_context

from riskreg.enums import ControlFrequency
from riskreg.rules import evidence as evidence_rules
from riskreg.rules.flags import DEFAULT_FLAG_RULES, FlagRules
from riskreg.rules.scoring import DEFAULT_RULES, ScoringRules
from riskreg.rules.similarity import DEFAULT_SIMILARITY, SimilarityRules


def normalise_database_url(url: str) -> str:
    # psycopg 3 is the driver we ship; plain postgresql:// URLs would ask for psycopg2.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class BaseConfig:
    ENV_NAME = "base"
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_NAME = "riskreg_session"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = 8 * 60 * 60
    WTF_CSRF_TIME_LIMIT = 8 * 60 * 60
    RATELIMIT_STORAGE_URI = os.environ.get("RISKREG_RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = False
    # Several riskreg installations (or test runs) may share one Redis.
    RATELIMIT_KEY_PREFIX = os.environ.get("RISKREG_RATELIMIT_KEY_PREFIX", "riskreg")
    # Failed sign-ins allowed in 15 minutes, per account from one address, and per address.
    RISKREG_SIGNIN_LIMIT_PER_ACCOUNT = "5 per 15 minutes"
    RISKREG_SIGNIN_LIMIT_PER_ADDRESS = "20 per 15 minutes"
    # Password reset e-mails asked for per address (a link replaces the last one, but each is an e-mail).
    RISKREG_RESET_LIMIT_PER_ACCOUNT = "3 per hour"
    RISKREG_RULES = DEFAULT_RULES
    RISKREG_SIMILARITY = DEFAULT_SIMILARITY
    # Register imports: the largest file accepted, what an XLSX may expand to, and the most rows at once.
    RISKREG_IMPORT_MAX_BYTES = int(os.environ.get("RISKREG_IMPORT_MAX_BYTES", 10 * 1024 * 1024))
    RISKREG_IMPORT_MAX_UNPACKED_BYTES = int(os.environ.get("RISKREG_IMPORT_MAX_UNPACKED_BYTES", 200 * 1024 * 1024))
    RISKREG_IMPORT_MAX_ROWS = int(os.environ.get("RISKREG_IMPORT_MAX_ROWS", 20_000))
    # Percentages as likelihood: the upper bound of bands 1 to 4 (above the last is 5), e.g. "10,30,50,80".
    RISKREG_IMPORT_PERCENT_BANDS = tuple(
        float(bound) for bound in os.environ.get("RISKREG_IMPORT_PERCENT_BANDS", "20,40,60,80").split(",")
    )
    RISKREG_PAGE_SIZE = 50
    # How new passwords are hashed (werkzeug's method string): scrypt, werkzeug's default. A stored hash names its
    # own method, so a change applies to passwords set from then on.
    RISKREG_PASSWORD_HASH = "scrypt"  # noqa: S105 - a method's name, not a password
    # Signed audit checkpoints are appended here (default: instance/audit-checkpoints.jsonl). Keep it where the
    # database's users cannot rewrite it: append-only (chattr +a) or write-once storage. See docs/security.md.
    RISKREG_AUDIT_CHECKPOINTS = os.environ.get("RISKREG_AUDIT_CHECKPOINTS", "")
    RISKREG_PROXY_HOPS = int(os.environ.get("RISKREG_PROXY_HOPS", "0"))
    MAX_CONTENT_LENGTH = 25 * 1024 * 1024
    # Largest evidence file kept; keep it below MAX_CONTENT_LENGTH so the form can explain a refusal.
    RISKREG_EVIDENCE_MAX_BYTES = int(os.environ.get("RISKREG_EVIDENCE_MAX_BYTES", str(20 * 1024 * 1024)))
    # A control not tested for this many months shows as untested (DESIGN rule 4.5).
    RISKREG_TEST_WINDOW_MONTHS = 12
    # Minimum sample by control frequency, and the quarters a whole-period assertion needs tests in (rule 4.5).
    RISKREG_MINIMUM_SAMPLES = dict(evidence_rules.MINIMUM_SAMPLES)
    RISKREG_PERIOD_QUARTERS = evidence_rules.PERIOD_QUARTERS
    # The JSON API's request bodies are small: a risk with every text field full is under 100 KB.
    RISKREG_API_MAX_BODY_BYTES = 256 * 1024
    RISKREG_FLAGS = DEFAULT_FLAG_RULES
    # E-mail reminders (riskreg send-reminders); see docs/operations.md.
    RISKREG_SMTP_HOST = os.environ.get("RISKREG_SMTP_HOST", "")
    RISKREG_SMTP_PORT = int(os.environ.get("RISKREG_SMTP_PORT", "25"))
    RISKREG_SMTP_USER = os.environ.get("RISKREG_SMTP_USER", "")
    RISKREG_SMTP_PASSWORD = os.environ.get("RISKREG_SMTP_PASSWORD", "")
    RISKREG_SMTP_STARTTLS = os.environ.get("RISKREG_SMTP_STARTTLS", "").lower() in ("1", "true", "yes", "on")
    RISKREG_MAIL_FROM = os.environ.get("RISKREG_MAIL_FROM", "riskreg@localhost")
    # Where people open riskreg, for the links in e-mails (e.g. https://riskreg.example.org); none when empty.
    RISKREG_BASE_URL = os.environ.get("RISKREG_BASE_URL", "")
    # A signed-in session ends after this long unused, and this long after signing in whatever happens.
    RISKREG_SESSION_IDLE_MINUTES = int(os.environ.get("RISKREG_SESSION_IDLE_MINUTES", "30"))
    RISKREG_SESSION_MAX_HOURS = int(os.environ.get("RISKREG_SESSION_MAX_HOURS", "12"))
    # Roles whose holders must sign in with a second factor (TOTP), comma-separated. None outside production
    # unless set, so the demo's people can sign in with a password; production requires it of these by default.
    RISKREG_TOTP_REQUIRED_ROLES = os.environ.get("RISKREG_TOTP_REQUIRED_ROLES", "")
    # OpenID Connect single sign-on (docs/single-sign-on.md): on when an issuer is set. The issuer's
    # /.well-known/openid-configuration says where everything else is.
    RISKREG_OIDC_ISSUER = os.environ.get("RISKREG_OIDC_ISSUER", "")
    RISKREG_OIDC_CLIENT_ID = os.environ.get("RISKREG_OIDC_CLIENT_ID", "")
    RISKREG_OIDC_CLIENT_SECRET = os.environ.get("RISKREG_OIDC_CLIENT_SECRET", "")
    RISKREG_OIDC_NAME = os.environ.get("RISKREG_OIDC_NAME", "your organisation's account")  # "Sign in with ..."
    # Off: nobody signs in with a riskreg password (single sign-on only); reset and invitation links are refused.
    RISKREG_LOCAL_PASSWORDS = os.environ.get("RISKREG_LOCAL_PASSWORDS", "on").lower() not in ("0", "false", "no", "off")
    # Background jobs (riskreg/jobs): with a Redis URL they go to an RQ queue for `riskreg worker`; without, they
    # run in the app process after the request commits. The queue's name keeps installations sharing a Redis
    # apart; retries are the delays (seconds) before each new attempt of a job that failed or was abandoned.
    RISKREG_REDIS_URL = os.environ.get("RISKREG_REDIS_URL", "")
    RISKREG_JOBS_QUEUE = os.environ.get("RISKREG_JOBS_QUEUE", "riskreg")
    RISKREG_JOB_RETRIES = os.environ.get("RISKREG_JOB_RETRIES", "10,60")
    # The web import wizard imports files with at least this many rows to write as a background job.
    RISKREG_IMPORT_JOB_FROM_ROWS = int(os.environ.get("RISKREG_IMPORT_JOB_FROM_ROWS", "1000"))


def _instance_secret(instance_path: Path) -> str:
    """A per-installation secret for development, kept so sessions survive restarts."""
    path = instance_path / "secret_key"
    if not path.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


SIGNING_FILES = {
    "RISKREG_SIGNING_KEY": "signing-key.pem",
    "RISKREG_SIGNING_CERT": "signing-cert.pem",
    "RISKREG_SIGNING_TRUST_ROOTS": "demo-ca.pem",
    # The CA that issues each signer's own certificate (docs/certificates.md); the demo CA in development.
    "RISKREG_SIGNING_CA_KEY": "demo-ca-key.pem",
    "RISKREG_SIGNING_CA_CERT": "demo-ca.pem",
}


def signing_settings(env_name: str, instance_path: Path, env) -> dict:
    """Paths of the organisation's signing key, certificate and trust roots (several roots: os.pathsep between).

    Development and testing default to instance/signing/, where `riskreg seed-demo` puts a demo CA.
    Production has no default: signing is refused, saying what is missing, until they are set.
    """
    folder = instance_path / "signing"
    settings: dict = {}
    for name, filename in SIGNING_FILES.items():
        value = env.get(name) or (None if env_name == "production" else str(folder / filename))
        if name == "RISKREG_SIGNING_TRUST_ROOTS":
            value = [path for path in (value or "").split(os.pathsep) if path]
        settings[name] = value
    settings["RISKREG_DEMO_SIGNING_FOLDER"] = None if env_name == "production" else str(folder)
    # An RFC 3161 time-stamping authority: when set, every signature is time-stamped (PAdES B-T).
    settings["RISKREG_TSA_URL"] = env.get("RISKREG_TSA_URL", "")
    return settings


PRODUCTION_TOTP_ROLES = "unit_head,auditor,admin"


def load_config(env_name: str, instance_path: Path) -> dict:
    env = os.environ
    config = {k: v for k, v in vars(BaseConfig).items() if k.isupper()}
    config["ENV_NAME"] = env_name
    config["RATELIMIT_STORAGE_URI"] = env.get("RISKREG_RATELIMIT_STORAGE_URI") or "memory://"
    default_db = f"sqlite:///{instance_path / 'riskreg.sqlite'}"
    if env_name == "production":
        missing = [name for name in ("RISKREG_SECRET_KEY", "DATABASE_URL") if not env.get(name)]
        if missing:
            raise RuntimeError(f"production needs these environment variables set: {', '.join(missing)}")
        config["SECRET_KEY"] = env["RISKREG_SECRET_KEY"]
        config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(env["DATABASE_URL"])
        if config["RATELIMIT_STORAGE_URI"].startswith("memory://"):
            # Per-process counts multiply the sign-in limits by the number of workers.
            raise RuntimeError(
                "production needs shared storage for sign-in throttling: set RISKREG_RATELIMIT_STORAGE_URI "
                "(e.g. redis://127.0.0.1:6379/0)"
            )
        config["SESSION_COOKIE_SECURE"] = True
        config["REMEMBER_COOKIE_SECURE"] = True
        config["PREFERRED_URL_SCHEME"] = "https"
        config["RISKREG_TOTP_REQUIRED_ROLES"] = env.get("RISKREG_TOTP_REQUIRED_ROLES", PRODUCTION_TOTP_ROLES)
    elif env_name == "testing":
        config["TESTING"] = True
        # Tests post forms directly; the CSRF tests switch protection back on (fixture csrf_enabled).
        config["WTF_CSRF_ENABLED"] = False
        config["SECRET_KEY"] = "testing-only-secret"  # noqa: S105 - never used outside the test suite
        # A cheap hash: the suite signs in as the demo's people thousands of times, and scrypt costs about
        # 60 ms of CPU a check (50 s of a run). Hashing itself is werkzeug's, and tested there.
        config["RISKREG_PASSWORD_HASH"] = "pbkdf2:sha256:1000"  # noqa: S105 - a method's name
        config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(
            env.get("RISKREG_TEST_DATABASE_URL") or "sqlite:///:memory:"
        )
    else:
        config["SECRET_KEY"] = env.get("RISKREG_SECRET_KEY") or _instance_secret(instance_path)
        config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(env.get("DATABASE_URL") or default_db)
    # Read now, not at import: tests never send jobs to a Redis they were not given (their overrides may).
    config["RISKREG_REDIS_URL"] = "" if env_name == "testing" else env.get("RISKREG_REDIS_URL", "")
    config.update(signing_settings(env_name, instance_path, env))
    if not config["RISKREG_AUDIT_CHECKPOINTS"]:
        config["RISKREG_AUDIT_CHECKPOINTS"] = str(Path(instance_path) / "audit-checkpoints.jsonl")
    return config


SIGNING_SETTINGS = (
    "RISKREG_SIGNING_KEY",
    "RISKREG_SIGNING_CERT",
    "RISKREG_SIGNING_TRUST_ROOTS",
    "RISKREG_SIGNING_CA_KEY",
    "RISKREG_SIGNING_CA_CERT",
    "RISKREG_TSA_URL",
)


@dataclass(frozen=True)
class Settings:
    """riskreg's own settings, typed: services and routes read ``settings()``, never ``app.config["RISKREG_…"]``.

    Built from the application's config (``BaseConfig`` and ``load_config`` above say where each comes from).
    """

    scoring: ScoringRules
    similarity: SimilarityRules
    flags: FlagRules
    page_size: int
    test_window_months: int  # a control not tested for this long shows as untested (DESIGN rule 4.5)
    minimum_samples: Mapping[ControlFrequency, int]  # the smallest sample by control frequency (rule 4.5)
    period_quarters: int  # quarters a whole-period assertion needs tests in (rule 4.5)
    evidence_max_bytes: int
    import_max_bytes: int
    import_max_unpacked_bytes: int
    import_max_rows: int
    import_percent_bands: tuple[float, ...]  # percentages as likelihood: upper bounds of bands 1 to 4
    api_max_body_bytes: int
    base_url: str  # where people open riskreg, for links in e-mails; "" when unknown
    signing: Mapping[str, Any]  # SIGNING_SETTINGS by name, as riskreg.pdf.signing.SigningConfig reads them
    demo_signing_folder: str | None  # None in production: no demo CA is ever made there
    audit_checkpoints: str  # the signed checkpoints' file; (default: instance/audit-checkpoints.jsonl)
    session_idle: timedelta = timedelta(minutes=30)  # a signed-in session unused this long ends
    session_max: timedelta = timedelta(hours=12)  # and every session ends this long after signing in
    totp_required_roles: frozenset[str] = frozenset()  # Role values whose holders must use a second factor
    local_passwords: bool = True  # False: everyone signs in with single sign-on (docs/single-sign-on.md)
    tsa_url: str = ""  # an RFC 3161 time-stamping authority; every signature is time-stamped when set
    redis_url: str = ""  # the job queue's Redis; "" runs jobs in the app process (riskreg/jobs)
    jobs_queue: str = "riskreg"
    job_retries: tuple[int, ...] = (10, 60)  # seconds before each retry of a failed or abandoned job
    import_job_from_rows: int = 1000  # the import wizard runs imports of this many rows or more as a job
    password_hash: str = "scrypt"  # noqa: S105 - werkzeug's method for new password hashes

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> "Settings":
        return cls(
            scoring=config["RISKREG_RULES"],
            similarity=config.get("RISKREG_SIMILARITY", DEFAULT_SIMILARITY),
            flags=config.get("RISKREG_FLAGS", DEFAULT_FLAG_RULES),
            page_size=int(config["RISKREG_PAGE_SIZE"]),
            test_window_months=int(config["RISKREG_TEST_WINDOW_MONTHS"]),
            minimum_samples=config.get("RISKREG_MINIMUM_SAMPLES", evidence_rules.MINIMUM_SAMPLES),
            period_quarters=int(config.get("RISKREG_PERIOD_QUARTERS", evidence_rules.PERIOD_QUARTERS)),
            evidence_max_bytes=int(config["RISKREG_EVIDENCE_MAX_BYTES"]),
            import_max_bytes=int(config["RISKREG_IMPORT_MAX_BYTES"]),
            import_max_unpacked_bytes=int(config["RISKREG_IMPORT_MAX_UNPACKED_BYTES"]),
            import_max_rows=int(config["RISKREG_IMPORT_MAX_ROWS"]),
            import_percent_bands=tuple(config.get("RISKREG_IMPORT_PERCENT_BANDS", (20, 40, 60, 80))),
            api_max_body_bytes=int(config["RISKREG_API_MAX_BODY_BYTES"]),
            base_url=config.get("RISKREG_BASE_URL", ""),
            signing={name: config.get(name) for name in SIGNING_SETTINGS},
            demo_signing_folder=config.get("RISKREG_DEMO_SIGNING_FOLDER"),
            audit_checkpoints=config.get("RISKREG_AUDIT_CHECKPOINTS", ""),
            session_idle=timedelta(minutes=int(config.get("RISKREG_SESSION_IDLE_MINUTES", 30))),
            session_max=timedelta(hours=int(config.get("RISKREG_SESSION_MAX_HOURS", 12))),
            tsa_url=config.get("RISKREG_TSA_URL") or "",
            totp_required_roles=frozenset(
                role.strip() for role in config.get("RISKREG_TOTP_REQUIRED_ROLES", "").split(",") if role.strip()
            ),
            local_passwords=bool(config.get("RISKREG_LOCAL_PASSWORDS", True)),
            redis_url=config.get("RISKREG_REDIS_URL", ""),
            jobs_queue=config.get("RISKREG_JOBS_QUEUE", "riskreg"),
            job_retries=tuple(
                int(delay) for delay in str(config.get("RISKREG_JOB_RETRIES", "10,60")).split(",") if delay.strip()
            ),
            import_job_from_rows=int(config.get("RISKREG_IMPORT_JOB_FROM_ROWS", 1000)),
            password_hash=_password_hash_method(config.get("RISKREG_PASSWORD_HASH", "scrypt")),
        )


def _password_hash_method(method: str) -> str:
    """werkzeug's scrypt or pbkdf2 (with its parameters, e.g. "pbkdf2:sha256:600000"): a typo stops the start,
    rather than every sign-in later."""
    if method.partition(":")[0] not in ("scrypt", "pbkdf2"):
        raise ValueError(f"RISKREG_PASSWORD_HASH must be werkzeug's scrypt or pbkdf2 method, not {method!r}")
    return method


DEFAULT_SETTINGS = Settings.from_config({k: v for k, v in vars(BaseConfig).items() if k.isupper()})


def _settings_key(config: Mapping[str, Any]) -> tuple:
    # What from_config reads, by identity: a changed value is a new object (SIGNING_SETTINGS are read too).
    return tuple(id(value) for name, value in config.items() if name.startswith("RISKREG_"))


def settings() -> Settings:
    """The running application's settings; the defaults outside one (pure scripts, rules' tests).

    Tests change one setting for one test (monkeypatch.setitem(app.config, ...)), so the settings are rebuilt
    whenever a RISKREG_ value is replaced; otherwise the app keeps the ones it built. Building them at every call
    cost the committee view ~25,000 builds a request at scale M (issue 20: the rules are asked once per link).
    """
    if not has_app_context():
        return DEFAULT_SETTINGS
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    key = _settings_key(app.config)
    cached = app.extensions.get("riskreg.settings")
    if cached is None or cached[0] != key:
        cached = (key, Settings.from_config(app.config))
        app.extensions["riskreg.settings"] = cached
    return cached[1]
