"""The `riskreg` command: `riskreg --help` lists what it can do."""

from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import FlaskGroup, with_appcontext

from riskreg import create_app
from riskreg.enums import Role
from riskreg.extensions import db
from riskreg.models import Unit
from riskreg.services import ServiceError, users
from riskreg.services import audit as audit_service


def _create_app(*_args, **_kwargs):
    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False)
def cli() -> None:
    """riskreg: risk and assurance registers."""


def register_commands(app) -> None:
    """The app's own commands, so `riskreg`, `flask` and the test runner all see them."""
    for command in (seed_demo, demo_sign_ins, create_user, audit):
        app.cli.add_command(command)
    app.cli.add_command(certificates_cli)


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has units.")
@with_appcontext
def seed_demo(if_empty: bool) -> None:
    """Build the demo organisation (deterministic)."""
    from riskreg import demo

    if db.session.scalar(sa.select(sa.func.count()).select_from(Unit)):
        if if_empty:
            click.echo("The database already has an organisation; the demo was not loaded.")
            return
        raise click.ClickException("The database is not empty: seed the demo into a new database.")
    summary = demo.seed()
    db.session.commit()
    click.echo(summary)
    from riskreg.services.certificate_documents import signing_config

    folder = signing_config().cert_path.parent
    click.echo(f"\nThe demo's certificates are signed with a demo CA in {folder} (never for real use).")


@click.command("demo-sign-ins")
@with_appcontext
def demo_sign_ins() -> None:
    """Print the demo organisation's sign-ins."""
    from riskreg import demo

    click.echo(demo.sign_ins_text())


@click.command("create-user")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", type=click.Choice([role.value for role in Role]), help="A role to give the user.")
@click.option("--unit", "unit_code", help="The unit code where the role is held (e.g. LN).")
@click.password_option(help="At least 12 characters. Prompted for when not given.")
@with_appcontext
def create_user(email: str, name: str, role: str | None, unit_code: str | None, password: str) -> None:
    """Create a user, optionally with a role at a unit."""
    if bool(role) != bool(unit_code):
        raise click.UsageError("Give --role and --unit together")
    unit = None
    if unit_code:
        unit = db.session.scalar(sa.select(Unit).where(Unit.code == unit_code.upper()))
        if unit is None:
            raise click.UsageError(f"No unit has the code {unit_code}")
    try:
        user = users.create_user(email, name, password)
        if role and unit:
            users.assign_role(user, Role(role), unit)
    except ServiceError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"Created {user.email}" + (f" ({Role(role).label} at {unit.code})" if role and unit else ""))


@click.group()
def audit() -> None:
    """The hash-chained audit trail."""


@audit.command("verify")
@with_appcontext
def audit_verify() -> None:
    """Check every event's hash and link; report the first broken event."""
    result = audit_service.verify_chain()
    if result.ok:
        click.echo(f"Audit trail intact: {result.checked} events verified.")
        return
    click.echo(
        f"Audit trail BROKEN at event {result.broken_id}: {result.reason}. "
        f"{result.checked} events before it verified.",
        err=True,
    )
    raise SystemExit(1)



# Certificates of assurance ---------------------------------------------------------------------------------


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
    from werkzeug.exceptions import NotFound

    from riskreg.services import certificate_workflow, certificates

    try:
        draft = certificates.current_draft(certificates.get_unit(unit_code), period)
    except NotFound:
        raise click.UsageError(f"No unit has the code {unit_code}") from None
    if draft is None:
        raise click.ClickException(f"{unit_code.upper()} has no draft certificate for {period}")
    Path(output).write_bytes(certificate_workflow.pdf_of(draft))
    click.echo(f"Draft certificate {draft.id} ({draft.unit.code} {draft.period}, version {draft.version}) "
               f"written to {output}: DRAFT, not signed")  # fmt: skip


@certificates_cli.command("export")
@click.argument("certificate_id", type=int)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), required=True)
@with_appcontext
def certificates_export(certificate_id: int, output: str) -> None:
    """Write a signed certificate's stored PDF, byte for byte."""
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
    """Check a certificate PDF: signature intact, trusted and covering the file; snapshot and file as on record.

    Exits 0 only when every check holds.
    """
    from riskreg.pdf.signing import SigningUnavailable
    from riskreg.services import certificate_documents

    try:
        result = certificate_documents.verify(Path(pdf_file).read_bytes())
    except SigningUnavailable as error:
        raise click.ClickException(str(error)) from error
    for check in result.checks:
        click.echo(f"{'ok  ' if check.ok else 'FAIL'}  {check.name}: {check.detail}")
    if result.ok:
        click.echo(f"Verified: certificate {result.certificate_id}, signed and unchanged.")
        return
    click.echo("NOT VERIFIED: " + "; ".join(check.detail for check in result.failures), err=True)
    raise SystemExit(1)
