"""Shared set-up for the import and export tests: the people the sample files name, and file access."""

from pathlib import Path

import sqlalchemy as sa

from riskreg.enums import Role
from riskreg.extensions import db
from riskreg.importing.values import CATEGORY_SYNONYMS, OBJECTIVE_SYNONYMS, term_words
from riskreg.models import AuditEvent, Countermeasure, ImportUpload, Review, Risk
from riskreg.rules.vocabulary import Term, Terms
from tests.factories import user_with_role

SAMPLES = Path(__file__).resolve().parent / "data" / "import"

# The categories and objectives migration 0022 seeds, for the import tests that run without a database.
SEEDED_CATEGORIES = Terms(
    tuple(
        Term(code, code.capitalize())
        for code in [
            "strategy",
            "governance",
            "operations",
            "legal",
            "property",
            "financial",
            "commercial",
            "people",
            "technology",
            "information",
            "security",
            "reputational",
        ]
    )
    + (Term("project", "Project or programme"),)
)
SEEDED_OBJECTIVES = Terms(
    tuple(Term(code, code.capitalize()) for code in ("people", "quality", "efficiency", "digitisation"))
)
SEEDED_VOCABULARIES = {
    "category": term_words(SEEDED_CATEGORIES, CATEGORY_SYNONYMS),
    "objective": term_words(SEEDED_OBJECTIVES, OBJECTIVE_SYNONYMS),
}


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
