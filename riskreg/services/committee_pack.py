"""The committee pack for a meeting, as PDF bytes: one function, so a request or a background job can make it.

Page 1 is the summary (the heat map and a row per corporate risk); then a section per corporate risk with the
risks that inform it, its controls with their latest tests and evidence strength, three-lines coverage, and
the certificate exceptions of the units that inform it; then the committee's action log for the meeting. The
last page and the PDF's metadata name the latest signed audit checkpoint, so a pack anchors the audit trail.
"""

from datetime import date, datetime

from flask import render_template

from riskreg.clock import today, utcnow
from riskreg.pdf.render import html_to_pdf
from riskreg.rules.audit_checkpoints import Checkpoint
from riskreg.services import committee, committee_actions, committee_summary
from riskreg.services.audit import checkpoints

TEMPLATE = "pdf/committee_pack.html"


def pack_context(meeting: date, generated_at: datetime) -> dict:
    """Everything the pack's template reads."""
    entries = committee.pack(meeting)
    as_of = min(meeting, generated_at.date())
    return {
        "entries": entries,
        "summary": committee_summary.summarise(entries, as_of),
        "exceptions": committee_summary.certificate_exceptions(entries),
        "actions": committee_actions.log_for(meeting),
        "checkpoint": checkpoints.latest_signed(),
        "meeting": meeting,
        "generated_at": generated_at,
        "today": today(),
    }


def checkpoint_metadata(checkpoint: Checkpoint | None) -> str:
    """The PDF metadata entry that names the checkpoint (readable by any PDF tool)."""
    if checkpoint is None:
        return "none"
    return f"count={checkpoint.count}; last_id={checkpoint.last_id}; head={checkpoint.head}; at={checkpoint.at}"


def pack_pdf(meeting: date, generated_at: datetime | None = None) -> bytes:
    """The committee pack for the meeting on ``meeting``, as PDF bytes (needs an app context)."""
    context = pack_context(meeting, generated_at or utcnow())
    html = render_template(TEMPLATE, checkpoint_text=checkpoint_metadata(context["checkpoint"]), **context)
    return html_to_pdf(html, custom_metadata=True)
