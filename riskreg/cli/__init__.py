"""The `riskreg` command: `riskreg --help` lists what it can do.

Listing the commands, and any command's own help, creates no app and imports neither the models nor the
services: the commands are the group's own (`COMMANDS`), and each imports what it uses when it runs (issue 20).
A command that needs the app gets it from `with_appcontext`, which creates it then.
"""

import click
from flask.cli import FlaskGroup, with_appcontext

from riskreg import create_app, lazy
from riskreg.cli.certificates import certificates_cli
from riskreg.cli.transfer import export_command, import_command
from riskreg.enums import Role


def _create_app(*_args, **_kwargs):
    return create_app()


class _Group(FlaskGroup):
    def _load_plugin_commands(self) -> None:
        """Flask adds every installed package's commands, importing them to list them; Flask-Limiter's imports
        rich (a fifth of a second of every `riskreg --help`). It is the one installed: named here, imported when
        run (issue 20)."""
        if not self._loaded_plugin_commands:
            self.add_command(
                lazy.Group("limiter", "flask_limiter.commands:cli", help="Flask-Limiter maintenance & utility commands")
            )
            self._loaded_plugin_commands = True

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Flask's creates the app to add the commands the app holds (most of a second); riskreg's app holds
        `COMMANDS`, which are this group's too."""
        self._load_plugin_commands()
        return sorted(self.commands)


@click.group(cls=_Group, create_app=_create_app, add_version_option=False)
def cli() -> None:
    """riskreg: risk and assurance registers."""


def register_commands(app) -> None:
    """The app's own commands, so `riskreg`, `flask` and the test runner all see them."""
    for command in COMMANDS:
        app.cli.add_command(command)


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has units.")
@with_appcontext
def seed_demo(if_empty: bool) -> None:
    """Build the demo organisation (deterministic)."""
    import sqlalchemy as sa

    from riskreg import demo
    from riskreg.extensions import db
    from riskreg.models import Unit

    if db.session.scalar(sa.select(sa.func.count()).select_from(Unit)):
        if if_empty:
            click.echo("The database already has an organisation; the demo was not loaded.")
            return
        raise click.ClickException("The database is not empty: seed the demo into a new database.")
    summary = demo.seed()
    db.session.commit()
    click.echo(summary)
    from riskreg.services.certificates.documents import signing_config

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
@click.password_option(help="At least 12 characters, not a common or breached one. Prompted for when not given.")
@with_appcontext
def create_user(email: str, name: str, role: str | None, unit_code: str | None, password: str) -> None:
    """Create a user, optionally with a role at a unit."""
    import sqlalchemy as sa

    from riskreg.extensions import db
    from riskreg.models import Unit
    from riskreg.services import ServiceError, users

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
    """Check every event's hash and link, then that the trail still matches every signed checkpoint."""
    from riskreg.services import ServiceError
    from riskreg.services.audit import checkpoints as audit_checkpoints

    try:
        result = audit_checkpoints.verify()
    except ServiceError as error:
        raise click.ClickException(str(error)) from error
    chain = result.chain
    if not chain.ok:
        click.echo(
            f"Audit trail BROKEN at event {chain.broken_id}: {chain.reason}. "
            f"{chain.checked} events before it verified.",
            err=True,
        )
    for problem in result.problems:
        click.echo(f"Audit trail does not match its checkpoints: {problem}.", err=True)
    if not result.ok:
        raise SystemExit(1)
    click.echo(f"Audit trail intact: {chain.checked} events verified.")
    if result.latest is None:
        click.echo(
            f"No checkpoints in {audit_checkpoints.checkpoint_path()}: without them, deleting the latest "
            "events or rewriting the trail from some event on cannot be detected. "
            "Run `riskreg audit checkpoint` regularly."
        )
    else:
        click.echo(
            f"It matches all {result.checkpoints} signed checkpoints; the latest, of {result.latest.at}, "
            f"counted {result.latest.count} events ({result.events_since_latest} added since)."
        )


@audit.command("checkpoint")
@with_appcontext
def audit_checkpoint() -> None:
    """Append a checkpoint of the trail (event count and head hash), signed with the organisation's key."""
    from riskreg.services import ServiceError
    from riskreg.services.audit import checkpoints as audit_checkpoints

    try:
        checkpoint = audit_checkpoints.write_checkpoint()
    except ServiceError as error:
        raise click.ClickException(str(error)) from error
    click.echo(
        f"Checkpoint written to {audit_checkpoints.checkpoint_path()}: {checkpoint.count} events, "
        f"the last {checkpoint.last_id}, head {checkpoint.head[:16]}…"
    )


@click.command("similar")
@click.argument("text", required=False)
@click.option("--top", default=5, show_default=True, type=click.IntRange(1, 100), help="How many risks to list.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.option("--reindex", is_flag=True, help="Compute the embeddings of risks that have none or whose text changed.")
@with_appcontext
def similar(text: str | None, top: int, as_json: bool, reindex: bool) -> None:
    """The open risks most similar to TEXT, with register, reference, title and score."""
    import json
    import time

    from riskreg.extensions import db
    from riskreg.services.flags import similarity

    if reindex:
        from riskreg import jobs

        started = time.perf_counter()
        job = jobs.enqueue("similarity_reindex")
        db.session.commit()
        _run_with_bar("Computing embeddings")  # a job, in batches: an interrupted reindex keeps what it computed
        result = db.session.merge(job).result
        click.echo(
            f"Embeddings: {result['checked']} risks checked, {result['computed']} computed "
            f"in {time.perf_counter() - started:.1f} s."
        )
        if not text:
            return
    if not text or not text.strip():
        raise click.UsageError('Give the text to compare, for example: riskreg similar "staff shortages"')
    found = similarity.similar_to_text(text.strip(), top=top)
    rows = [
        {
            "ref": item.risk.ref,
            "register": item.risk.register.title,
            "unit": item.risk.register.code,
            "title": item.risk.title,
            "score": round(item.score, 3),
            "lexical": round(item.lexical, 3),
            "semantic": round(item.semantic, 3),
            "stage": item.stage.value,
            "held_by": item.registers,
            "copies": [copy.ref for copy in item.copies],
        }
        for item in found
    ]
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    if not rows:
        click.echo("No open risks to compare with (risks saved outside riskreg need `riskreg similar --reindex`).")
        return
    width = max(len(row["ref"]) for row in rows) + 2
    click.echo(f"{'Score':<7}{'Ref':<{width}}{'Register':<42}Title")
    for row in rows:
        title = f"{row['title']} — {row['held_by']}" if row["copies"] else row["title"]  # one row for the copies
        click.echo(f"{row['score']:<7.2f}{row['ref']:<{width}}{row['register'][:40]:<42}{title}")


@click.group("flags")
def flags_group() -> None:
    """HQ quality flags."""


@flags_group.command("scan")
@click.option("--background", is_flag=True, help="Queue the scan for the workers (riskreg worker) and return at once.")
@with_appcontext
def flags_scan(background: bool) -> None:
    """Scan every register: raise new flags, clear those whose condition has gone, store register health."""
    from riskreg import jobs
    from riskreg.enums import FlagKind
    from riskreg.extensions import db

    job = jobs.enqueue("flag_scan")
    db.session.commit()
    if background:
        jobs.dispatch()
        click.echo(f"Flag scan queued as job {job.id}.")
        return
    _run_with_bar("Scanning every register")
    job = db.session.merge(job)
    if job.error:
        raise click.ClickException(job.error)
    click.echo(f"Flags raised: {job.result['raised']}; cleared: {job.result['cleared']}.")
    for kind, (raised, cleared) in sorted(
        job.result.get("by_kind", {}).items(), key=lambda item: FlagKind(item[0]).label
    ):
        click.echo(f"  {FlagKind(kind).label}: {raised} raised, {cleared} cleared")


def _run_with_bar(label: str) -> None:
    """Run the jobs just committed here, with a progress bar on stderr."""
    import sys

    from riskreg import jobs

    with click.progressbar(length=100, label=label, file=sys.stderr) as bar:
        jobs.run_here(lambda percent, _doing: bar.update(percent - bar.pos))


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty instead of waiting for more jobs.")
@click.option(
    "--requeue",
    is_flag=True,
    help="First put every unfinished job in the database back on the queue (after Redis was lost or restored).",
)
@with_appcontext
def worker(burst: bool, requeue: bool) -> None:
    """Run background jobs from the Redis queue (RISKREG_REDIS_URL) until stopped; SIGTERM finishes the job in hand."""
    from riskreg import jobs

    if not jobs.uses_queue():
        raise click.ClickException(
            "RISKREG_REDIS_URL is not set: without a queue, jobs run in the app process and need no worker"
        )
    from riskreg.jobs import redis_queue

    if requeue:
        from riskreg.services import jobs as jobs_service

        waiting = jobs_service.waiting()
        for job in waiting:
            redis_queue.send(job.id, jobs.task_of(job.kind).timeout)
        click.echo(f"{len(waiting)} unfinished jobs put back on the queue (a finished one is never run twice).")
    redis_queue.work(burst=burst)


@click.command("cron")
@with_appcontext
def cron() -> None:
    """Queue the scheduled jobs when due (nightly flag scan, reminders, audit checkpoints); run one per installation."""
    from riskreg import jobs

    if not jobs.uses_queue():
        raise click.ClickException("RISKREG_REDIS_URL is not set: schedule the commands with cron or systemd timers")
    from riskreg.jobs import schedule

    schedule.scheduler().start()


@click.group("figures")
def figures_group() -> None:
    """The stored figures the registers index and the committee page read (kept up to date on every write)."""


@figures_group.command("rebuild")
@with_appcontext
def figures_rebuild() -> None:
    """Recompute every register's figures and every risk's contributor figures: after upgrading to them, a bulk load
    or a change to the appetite rules."""
    from riskreg.extensions import db
    from riskreg.services import figures

    count = figures.rebuild_all()
    db.session.commit()
    click.echo(f"Figures recomputed for {count} registers and the risks their risks inform.")


@click.command("send-reminders")
@click.option("--dry-run", is_flag=True, help="Print what would be sent; send and store nothing.")
@with_appcontext
def send_reminders(dry_run: bool) -> None:
    """E-mail each owner a digest of reviews and actions due within 14 days or overdue (once a day at most)."""
    import smtplib

    from flask import current_app

    from riskreg.clock import today
    from riskreg.jobs import mail
    from riskreg.services import ServiceError, reminders

    day = today()
    if dry_run:
        due = reminders.pending(day, current_app.config.get("RISKREG_BASE_URL", ""))
        for reminder in due:
            click.echo(f"Would send to {reminder.recipient.email}: {reminder.subject}\n{reminder.body}")
        click.echo(f"Dry run: {len(due)} reminders would be sent; nothing was sent or stored.")
        return
    try:
        result = mail.send_due(day, current_app.config, lambda message: click.echo(message, err=True))
    except (ServiceError, OSError, smtplib.SMTPException) as error:
        raise click.ClickException(f"Cannot send e-mail: {error}") from error
    failed = f"; failed (will be tried again): {result.failed}" if result.failed else ""
    click.echo(f"Reminders sent: {result.sent}{failed}.")


# Flask-Migrate's commands (with Alembic behind them) are imported when run; Migrate.init_app would add them.
migrations = lazy.Group("db", "flask_migrate.cli:db", help="Perform database migrations.")

COMMANDS: tuple[click.Command, ...] = (
    seed_demo,
    demo_sign_ins,
    create_user,
    audit,
    import_command,
    export_command,
    similar,
    flags_group,
    figures_group,
    send_reminders,
    certificates_cli,
    worker,
    cron,
    migrations,
)
for _command in COMMANDS:
    cli.add_command(_command)
