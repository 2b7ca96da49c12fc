import pytest
import sqlalchemy as sa

from riskreg.extensions import db
from riskreg.models import User


def test_the_riskreg_command_lists_its_commands(app):
    from click.testing import CliRunner

    from riskreg.cli import cli

    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0, result.output
    for command in ("seed-demo", "create-user", "audit", "db", "run"):
        assert command in result.output


def test_the_riskreg_command_lists_every_command_the_app_has(app):
    """`riskreg --help` lists the commands without creating the app (tests/test_fast_start.py): the app holds
    no command the group lacks."""
    import click

    from riskreg.cli import cli

    listed = cli.list_commands(click.Context(cli))
    held = app.cli.list_commands(click.Context(app.cli))
    assert {"db", "worker", "import", "certificates"} <= set(held)  # `flask db upgrade` and the test runner's
    assert set(held) <= set(listed)
    assert {"run", "shell", "routes", "limiter", "db", "worker", "import", "export", "certificates"} <= set(listed)


@pytest.mark.parametrize(
    ("args", "shown"),
    [
        (["db", "--help"], "upgrade"),
        (["db", "upgrade", "--help"], "--sql"),
        (["worker", "--help"], "--requeue"),
        (["certificates", "--help"], "verify"),
        (["audit", "verify", "--help"], "signed checkpoint"),
        (["export", "--help"], "[csv|json|xlsx]"),
        (["limiter", "--help"], "Flask-Limiter"),
    ],
)
def test_each_command_shows_its_help(args, shown):
    from click.testing import CliRunner

    from riskreg.cli import cli

    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert shown in result.output


def test_export_refuses_an_unknown_format():
    from click.testing import CliRunner

    from riskreg.cli import cli

    result = CliRunner().invoke(cli, ["export", "--format", "pdf", "-o", "out.pdf"])
    assert result.exit_code == 2
    assert "'pdf' is not one of 'csv', 'json', 'xlsx'" in result.output


def test_create_user_with_a_role(app, org):
    result = app.test_cli_runner().invoke(
        args=[
            "create-user",
            "--email",
            "New.Person@Example.org",
            "--name",
            "New Person",
            "--role",
            "risk_manager",
            "--unit",
            "ln",
            "--password",
            "a long enough password",
        ]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User).where(User.email == "new.person@example.org"))
    assert [(a.role.value, a.unit.code) for a in user.roles] == [("risk_manager", "LN")]


def test_create_user_refuses_a_short_password_and_an_unknown_unit(app, org):
    runner = app.test_cli_runner()
    short = runner.invoke(args=["create-user", "--email", "a@example.org", "--name", "A", "--password", "short"])
    assert short.exit_code != 0 and "12 characters" in short.output
    unknown = runner.invoke(
        args=[
            "create-user",
            "--email",
            "b@example.org",
            "--name",
            "B",
            "--role",
            "viewer",
            "--unit",
            "ZZ",
            "--password",
            "a long enough password",
        ]
    )
    assert unknown.exit_code != 0 and "No unit has the code ZZ" in unknown.output
    assert db.session.scalar(sa.select(User).where(User.email.in_(["a@example.org", "b@example.org"]))) is None


def test_seed_demo_if_empty_leaves_an_existing_organisation_alone(app, org):
    result = app.test_cli_runner().invoke(args=["seed-demo", "--if-empty"])
    assert result.exit_code == 0 and "was not loaded" in result.output


def test_create_user_refuses_a_weak_password_a_bad_address_and_no_name(app):
    runner = app.test_cli_runner()
    good = "correct horse battery"
    attempts = [
        (["--email", "weak@example.org", "--name", "Weak", "--password", "aaaaaaaaaaaa"], "too easy to guess"),
        (["--email", "bad", "--name", "Bad Address", "--password", good], "correct format"),
        (["--email", "noname@example.org", "--name", "", "--password", good], "Enter the person"),
        (["--email", "blank@example.org", "--name", "\u200b ", "--password", good], "Enter the person"),
    ]
    for args, message in attempts:
        result = runner.invoke(args=["create-user", *args])
        assert result.exit_code != 0 and message in result.output, result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0
