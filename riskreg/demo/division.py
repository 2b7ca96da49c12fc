"""The demo's division certificate (issue 15): the Special Crime and Counter Terrorism Division's draft rolls up
its four units' certificates for the last complete financial year (inspection 5.2-5.3):

- Appeals and Counter Terrorism: signed by their heads (Counter Terrorism with exceptions);
- Extradition: submitted, waiting for its head's signature;
- Special Crime: no certificate prepared yet.

So the division's certificate (submitted, waiting for the Head of Division's signature) shows two units'
opinions and exceptions, discloses the two units that have not signed, and its proposed opinion is at most
limited. Runs after the other demo steps with its own seeded random numbers;
it adds certificates and changes nothing the rest of the demo holds.
"""

import random
from datetime import timedelta

import sqlalchemy as sa

from riskreg.demo.certificates import _CertificateBuilder, _people
from riskreg.enums import Role
from riskreg.extensions import db
from riskreg.models import User
from riskreg.rules import certificates as rules
from riskreg.services.certificates import content, queries

SEED = 2013_53
DIVISION = "SCCTD"
SIGNED_UNITS = ("SCCTD-AP", "SCCTD-CT")
SUBMITTED_UNITS = ("SCCTD-EX",)


def seed(builder, password: str) -> int:
    """The division's certificates (see the module docstring); returns how many were made."""
    period = rules.certifying_period(builder.today)
    codes = [DIVISION, *SIGNED_UNITS, *SUBMITTED_UNITS]
    auditor = db.session.scalar(sa.select(User).where(User.email == "auditor@example.org"))
    make = _CertificateBuilder(random.Random(SEED), period, _people(builder, codes), auditor, password)
    for code in SIGNED_UNITS:
        make.certificate(code, "signed")
    for code in SUBMITTED_UNITS:
        make.certificate(code, "submitted")
    division = make.certificate(DIVISION, "submitted")
    head = make.people[DIVISION][Role.UNIT_HEAD]
    content.add_issue(
        queries.get_certificate(division.id),
        "The Special Crime Unit has not prepared its certificate and the Extradition Unit's is not signed, so "
        "part of the division gives no assurance for the year.",
        "Deputy Heads of Division to complete and sign their units' certificates; the division's certificate is "
        "signed once they have.",
        "Head of Division",
        builder.today + timedelta(days=30),
        head,
    )
    return len(codes)
