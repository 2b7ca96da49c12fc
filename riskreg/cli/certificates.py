"""`riskreg certificates`: print a draft certificate, export a signed one, verify a certificate PDF."""

from pathlib import Path

import click
from flask.cli import with_appcontext


@click.group("certificates")
def certificates_cli() -> None:
    """Certificates of assurance: print a draft, export a signed one, verify a PDF."""


@certificates_cli.command("render")
@click.option("--unit", "unit_code", required=True, help="The unit's code, e.g. LN.")
@click.option("--period", required=True, help="The financial year, e.g. 2025-26.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), required=True)
@with_appcontext
def certificates_render(unit_code: str, period: str, output: str) -> None:
    """Print the unit's current draft (unsigned, marked DRAFT) to a PDF file."""
    from riskreg.services import NotFoundError
    from riskreg.services.certificates import queries as certificates
    from riskreg.services.certificates import workflow as certificate_workflow

    try:
        draft = certificates.current_draft(certificates.get_unit(unit_code), period)
    except NotFoundError:
        raise click.UsageError(f"No unit has the code {unit_code}") from None
    if draft is None:
        raise click.ClickException(f"{unit_code.upper()} has no draft certificate for {period}")
    Path(output).write_bytes(certificate_workflow.pdf_of(draft))
    click.echo(
        f"Draft certificate {draft.id} ({draft.unit.code} {draft.period}, version {draft.version}) "
        f"written to {output}: DRAFT, not signed"
    )


@certificates_cli.command("export")
@click.argument("certificate_id", type=int)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), required=True)
@with_appcontext
def certificates_export(certificate_id: int, output: str) -> None:
    """Write a signed certificate's stored PDF, byte for byte."""
    from riskreg.extensions import db
    from riskreg.models import Certificate

    certificate = db.session.get(Certificate, certificate_id)
    if certificate is None:
        raise click.ClickException(f"There is no certificate {certificate_id}")
    if not certificate.is_frozen:
        raise click.ClickException(f"Certificate {certificate_id} is not signed: use `riskreg certificates render`")
    Path(output).write_bytes(certificate.pdf)
    click.echo(f"Signed certificate {certificate_id} written to {output} (SHA-256 {certificate.content_sha256})")


@certificates_cli.command("verify")
@click.argument("pdf_file", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def certificates_verify(pdf_file: str) -> None:
    """Check a certificate PDF: who signed it, when and in which role; signature intact, trusted and covering
    the file; time-stamp; the audit trail against the anchor signed into it; snapshot and file as on record.

    Exits 0 only when every check holds.
    """
    from riskreg.pdf.signing import SigningUnavailable
    from riskreg.services.certificates import documents as certificate_documents

    try:
        result = certificate_documents.verify(Path(pdf_file).read_bytes())
    except SigningUnavailable as error:
        raise click.ClickException(str(error)) from error
    for check in result.checks:
        click.echo(f"{'ok  ' if check.ok else 'FAIL'}  {check.name}: {check.detail}")
    if result.ok:
        signer = result.signature.signer if result.signature else None
        who = f" by {signer.name}" + (f", {signer.title}" if signer.title else "") if signer else ""
        click.echo(f"Verified: certificate {result.certificate_id}, signed{who} and unchanged.")
        return
    click.echo("NOT VERIFIED: " + "; ".join(check.detail for check in result.failures), err=True)
    raise SystemExit(1)
