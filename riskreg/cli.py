"""The `riskreg` command: `riskreg --help` lists what it can do."""

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
    from riskreg.cli_transfer import export_command, import_command

    for command in (seed_demo, demo_sign_ins, create_user, audit, import_command, export_command):
        app.cli.add_command(command)


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
