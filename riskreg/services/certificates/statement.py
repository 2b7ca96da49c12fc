"""The statement of responsibility a certificate opens with: the template's wording, placeholders filled."""

from riskreg.models import Certificate
from riskreg.rules import certificates as certificate_rules
from riskreg.rules import opinion as rules
from riskreg.rules.evidence import long_date


def statement_values(certificate: Certificate, signer_name: str = "") -> dict[str, str]:
    """What the statement's placeholders stand for in this certificate."""
    period = certificate_rules.period_of(certificate.period)
    return {
        "title": rules.HEAD_TITLES[certificate.unit.kind],
        "unit": certificate.unit.name,
        "period": certificate.period,
        "period_end": long_date(period.end),
        "name": signer_name or f"the {rules.HEAD_TITLES[certificate.unit.kind]}",
    }


def statement_of(certificate: Certificate, signer_name: str = "") -> str:
    """The statement of responsibility as printed: the certificate's own copy (riskreg's default wording when it
    has none, as certificates prepared before the statement existed), placeholders filled."""
    text = certificate.statement or rules.DEFAULT_STATEMENT
    return rules.fill_statement(text, statement_values(certificate, signer_name))
