"""What each kind of job does. A task takes the job's ``Context`` and parameters (JSON: ids, ISO dates) and
returns ``Done``; ``ctx.step`` reports progress and commits, so it is called only where the work so far may
stand on its own. Every task can run twice: ``jobs.run`` never runs a finished job again, and a task that
works in steps keeps where it got to in ``ctx.state``, committed with each step, and carries on from there.
"""

from datetime import date

from riskreg.clock import today
from riskreg.jobs import Context, Done, Refused, StoredFile, enqueue, task
from riskreg.services import risks as risks_service


def _day(value: str) -> str:
    day = date.fromisoformat(value)
    return f"{day.day} {day:%B %Y}"


def _percent(done: int, total: int, start: int = 0, end: int = 100) -> int:
    return start + (end - start) * done // max(total, 1)


@task("committee_pack", title=lambda params: f"Committee pack for {_day(params['meeting'])}")
def committee_pack(ctx: Context, meeting: str) -> Done:
    from riskreg.services import committee_pack  # WeasyPrint: loaded by the worker that renders, when it renders

    day = date.fromisoformat(meeting)
    ctx.step(10, "Gathering the corporate risks, their controls, contributors and comments, and rendering the pack")
    pdf = committee_pack.pack_pdf(day)
    return Done({"meeting": meeting}, StoredFile(f"committee-pack-{meeting}.pdf", "application/pdf", pdf))


@task("import_register", title=lambda params: f"Import of {params['filename']} into {params['register']}")
def import_register(ctx: Context, upload_id: int, fingerprint: str, register: str, filename: str) -> Done:
    """The wizard's confirmed preview, written all or nothing; similarity and flags follow as another job."""
    from riskreg.importing import ImportRefused
    from riskreg.services import NotFoundError
    from riskreg.services.transfer import importing

    # One step, before the work: a commit between the preview and the writes would expire what the preview loaded.
    ctx.step(10, f"Reading {filename} and writing its risks, all or nothing")
    try:
        upload = importing.upload_by_id(upload_id, ctx.actor)
        result = importing.preview(
            upload.register, upload.data, upload.filename, importing.options_of(upload), ctx.actor
        )
    except NotFoundError:
        raise Refused("The uploaded file has gone (uploads are kept for 24 hours): upload it again") from None
    except ImportRefused as error:
        raise Refused(str(error)) from error
    if result.fingerprint != fingerprint:
        raise Refused("The register or the mapping changed after you checked the preview: upload the file again")
    outcome = importing.commit(upload.register, result, ctx.actor, upload.sha256, after_save=False)
    importing.discard(upload)
    follow_up = enqueue("saved_risks", requested_by=ctx.actor, risk_ids=outcome.saved_ids, register=register)
    return Done(
        {
            "register": register,
            "created": len(outcome.created),
            "updated": len(outcome.updated),
            "left_out": outcome.counts["error"],
            "follow_up": follow_up.id,
        }
    )


@task("saved_risks", title=lambda params: f"Similar risks and flags for {len(params['risk_ids']):,} imported risks")
def saved_risks(ctx: Context, risk_ids: list[int], register: str | None = None) -> Done:
    """The after-save work (embeddings, then the flag scan) for risks written without it, a batch per step."""
    total, done = len(risk_ids), ctx.state.get("done", 0)
    batch = risks_service.AFTER_SAVE_BATCH
    for start in range(done, total, batch):
        risks_service.saved_in_batches(risk_ids[start : start + batch], ctx.actor)
        done = min(start + batch, total)
        ctx.step(
            _percent(done, total), f"Similarity and flags computed for {done:,} of {total:,} risks", {"done": done}
        )
    return Done({"register": register, "risks": total})


@task("flag_scan", title=lambda _params: "Full flag scan of every register")
def flag_scan(ctx: Context) -> Done:
    from riskreg.services.flags import scan

    # The scan's steps come before it loads or writes anything: each commit records progress and nothing else.
    result = scan.scan_all(ctx.actor, progress=ctx.step)
    kinds = set(result.raised) | set(result.cleared)
    by_kind = {kind.value: [result.raised[kind], result.cleared[kind]] for kind in kinds}
    return Done({"raised": result.raised_count, "cleared": result.cleared_count, "by_kind": by_kind})


@task("similarity_reindex", title=lambda _params: "Similarity reindex of every risk")
def similarity_reindex(ctx: Context) -> Done:
    from riskreg.services.flags import similarity

    ctx.step(2, "Finding risks whose embedding is missing or out of date")

    def progress(done: int, total: int) -> None:
        ctx.step(_percent(done, total, 2), f"Embeddings computed for {done:,} of {total:,} risks")

    result = similarity.reindex(ctx.actor, progress)
    return Done({"checked": result.checked, "computed": result.computed})


@task("send_reminders", title=lambda _params: "E-mail reminders")
def send_reminders(ctx: Context) -> Done:
    from flask import current_app

    from riskreg.jobs import mail

    ctx.step(5, "Sending the reminders due today")
    result = mail.send_due(today(), current_app.config)
    return Done({"due": result.due, "sent": result.sent, "failed": result.failed})


@task("audit_checkpoint", title=lambda _params: "Signed checkpoint of the audit trail")
def audit_checkpoint(ctx: Context) -> Done:
    from riskreg.services.audit import checkpoints

    checkpoint = checkpoints.write_checkpoint()
    return Done({"count": checkpoint.count, "head": checkpoint.head})
