"""`riskreg import` and `riskreg export`: registers in and out from the command line.

The services are imported when a command runs: `riskreg --help` imports this module (issue 20).
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click
from flask.cli import with_appcontext

from riskreg import lazy

if TYPE_CHECKING:
    from riskreg.services.transfer import importing


def _fail(message: str, as_json: bool) -> None:
    """A clear message and a non-zero exit, never a traceback."""
    from riskreg import jobs
    from riskreg.extensions import db

    db.session.rollback()
    jobs.discard()
    if as_json:
        click.echo(json.dumps({"error": message}, ensure_ascii=False))
        raise SystemExit(1)
    raise click.ClickException(message)


def _report(result: importing.Preview, outcome, dry_run: bool) -> dict:
    layout = result.layout
    return {
        "file": result.filename,
        "kind": result.kind,
        "sheet": layout.sheet,
        "header_row": layout.header_line,
        "mapping": [
            {"column": c.letter, "heading": c.name, "field": result.mapping.field_of(c.name)} for c in layout.columns
        ],
        "notes": result.notes,
        "counts": result.counts,
        "problems": [
            {"row": line, "level": p.level, "field": p.field, "message": p.message} for line, p in result.problems()
        ],
        "dry_run": dry_run,
        "created": outcome.created if outcome else [],
        "updated": outcome.updated if outcome else [],
    }


def _print_text(report: dict) -> None:
    from riskreg.importing.fields import FIELD_BY_KEY

    click.echo(
        f"File: {report['file']} ({report['kind']}); sheet ‘{report['sheet']}’, headings on row {report['header_row']}"
    )
    click.echo("Mapping:")
    for column in report["mapping"]:
        click.echo(f"  {column['column']:>3}  {column['heading'][:40]:<40} -> {FIELD_BY_KEY[column['field']].label}")
    click.echo("Notes:")
    for note in report["notes"]:
        click.echo(f"  - {note}")
    counts = report["counts"]
    click.echo(
        f"Rows: {counts['create']} new, {counts['update']} updated, {counts['unchanged']} unchanged, "
        f"{counts['duplicate']} possible duplicates, {counts['error']} cannot be imported, "
        f"{counts['ignored']} not risks. Countermeasures: {counts['countermeasures']} new; "
        f"reviews: {counts['reviews']} new."
    )
    if report["problems"]:
        click.echo("Problems:")
        for problem in report["problems"]:
            where = f"{problem['field']}: " if problem["field"] else ""
            click.echo(f"  Row {problem['row']} [{problem['level']}] {where}{problem['message']}")
    if report["dry_run"]:
        click.echo("Dry run: nothing was written.")
    elif report["created"] or report["updated"]:
        click.echo(f"Imported: {len(report['created'])} risks created, {len(report['updated'])} updated.")
    else:
        click.echo("Nothing was imported: no row is new or changed.")


PROGRESS_FROM = 1000  # rows: smaller files import in about a second, without a bar


def _import(register, path: Path, actor, options, dry_run: bool):
    """Preview, then write the rows, leaving their after-save work (embeddings and flag scan, the slow part of
    a large import) to a job committed with them: the rows stand even if that work is interrupted."""
    from riskreg import jobs
    from riskreg.services.transfer import importing

    data = path.read_bytes()
    result = importing.preview(register, data, path.name, options, actor)
    if dry_run or not result.writes:
        return result, None
    outcome = importing.commit(register, result, actor, hashlib.sha256(data).hexdigest(), after_save=False)
    jobs.enqueue("saved_risks", requested_by=actor, risk_ids=outcome.saved_ids, register=register.code)
    return result, outcome


def _after_save(count: int, quiet: bool, background: bool) -> None:
    """Similarity and flags for the imported risks: here, with a progress bar on stderr (so --json output stays
    clean), or by the workers (--background)."""
    from riskreg import jobs

    if background:
        jobs.dispatch()
        click.echo("Similarity and flags for the imported risks are being worked out in the background.", err=True)
        return
    if quiet or count < PROGRESS_FROM:
        jobs.run_here()
        return
    with click.progressbar(
        length=100, label=f"Importing {count:,} risks: similarity and flags", file=sys.stderr
    ) as bar:
        jobs.run_here(lambda percent, _doing: bar.update(percent - bar.pos))


@click.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--register", "code", required=True, help="The code of the register to import into (e.g. LN).")
@click.option("--sheet", help="The sheet to read (default: the one that looks most like a register).")
@click.option("--header-row", type=click.IntRange(min=1), help="The row that holds the headings.")
@click.option(
    "--mapping",
    "mapping_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A saved mapping file (JSON) to use instead of the proposal.",
)
@click.option(
    "--save-mapping",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the mapping used to this file, to reuse or edit.",
)
@click.option(
    "--user",
    "user_email",
    help="The e-mail of the person importing: recorded in the audit trail, "
    "and made the owner of risks whose owner is not matched.",
)
@click.option(
    "--default",
    "defaults",
    multiple=True,
    metavar="FIELD=VALUE",
    help="A value for rows without one: category=operations, objective=quality or influence=medium "
    "(repeat for each). Without one, such rows import with the field not yet set.",
)
@click.option("--dry-run", is_flag=True, help="Show what would be imported; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option(
    "--background",
    is_flag=True,
    help="Leave similarity and flags for the imported risks to a background job (riskreg worker, with Redis).",
)
@with_appcontext
def import_command(
    path, code, sheet, header_row, mapping_path, save_mapping, user_email, defaults, dry_run, as_json, background
) -> None:
    """Import a register from an XLSX, XLSM, XLS, ODS, CSV or JSON file."""
    from riskreg.extensions import db
    from riskreg.importing import ImportRefused
    from riskreg.importing.mapping import Mapping, parse_defaults
    from riskreg.importing.readers import check_size
    from riskreg.services import NotFoundError, ServiceError, registers, users
    from riskreg.services.transfer import importing

    try:
        check_size(path.stat().st_size, importing.limits())  # before reading a byte of it
        register = registers.get_by_code(code)
        actor = users.get_by_email(user_email) if user_email else None
        if user_email and actor is None:
            raise ServiceError(f"No user has the e-mail address {user_email}")
        mapping = Mapping.from_json(mapping_path.read_text(encoding="utf-8-sig")) if mapping_path else None
        if defaults:
            mapping = mapping or Mapping()
            mapping.defaults.update(parse_defaults(defaults, importing.vocabularies()))
        options = importing.ImportOptions.from_mapping(mapping)
        options.sheet, options.header_row = sheet or options.sheet, header_row or options.header_row
        result, outcome = _import(register, path, actor, options, dry_run)
    except NotFoundError:
        return _fail(f"No register has the code {code}", as_json)
    except (ImportRefused, ServiceError) as error:
        return _fail(str(error), as_json)
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
        if outcome is not None:
            _after_save(result.writes, as_json, background)
    if save_mapping:
        save_mapping.write_text(result.mapping.to_json(), encoding="utf-8")
    report = _report(result, outcome, dry_run)
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2, default=str))
    else:
        _print_text(report)


@click.command("export")
@click.option("--register", "code", help="The register's code; without it, every register.")
@click.option("--format", "fmt", type=lazy.Choice("riskreg.services.transfer.exporting:FORMATS"), required=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@with_appcontext
def export_command(code: str | None, fmt: str, output: Path) -> None:
    """Export a register, or every register, to XLSX, CSV or JSON (restricted risks included)."""
    from flask import current_app

    from riskreg.services import NotFoundError, registers
    from riskreg.services.transfer import exporting

    try:
        chosen = [registers.get_by_code(code)] if code else registers.all_registers()
    except NotFoundError:
        raise click.ClickException(f"No register has the code {code}") from None
    with output.open("wb") as out:
        exporting.export(chosen, None, fmt, out)
    current_app.logger.info("exported %s to %s", code or "every register", output)
    click.echo(f"Exported {code or 'every register'} to {output} ({output.stat().st_size:,} bytes).")
