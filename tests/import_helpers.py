"""Shared set-up for the import and export tests: the people the sample files name, and file access."""

from pathlib import Path

import sqlalchemy as sa

from riskreg.enums import Role
from riskreg.extensions import db
from riskreg.models import AuditEvent, Countermeasure, ImportUpload, Review, Risk
from tests.factories import user_with_role

SAMPLES = Path(__file__).resolve().parent / "data" / "import"


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def sample_people(org):
    """The owners named in the samples, as members of London North."""
    return {
        "helen": user_with_role(Role.UNIT_HEAD, org.ln, name="Helen Okafor", email="head.ln@example.org"),
        "rhys": user_with_role(Role.RISK_MANAGER, org.ln, name="Rhys Davies", email="risk.ln@example.org"),
        "kwame": user_with_role(Role.VIEWER, org.ln, name="Kwame Mensah", email="kwame@example.org"),
        "laura": user_with_role(Role.VIEWER, org.ln, name="Laura Bennett", email="laura@example.org"),
    }


def counts() -> dict[str, int]:
    """Rows in every table an import writes to: compare before and after to show nothing changed."""
    return {
        model.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (Risk, Countermeasure, Review, AuditEvent, ImportUpload)
    }
