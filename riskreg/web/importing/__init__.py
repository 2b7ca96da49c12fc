"""The import wizard: upload, choose the sheet and heading row when needed, check and change the mapping,
check the preview, import. The file waits between steps in the database under an unguessable token.
"""

import io

from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from riskreg import jobs, policy
from riskreg.config import settings
from riskreg.importing import HeadingsNotFound, ImportRefused
from riskreg.importing.fields import FIELD_BY_KEY
from riskreg.importing.mapping import Mapping
from riskreg.importing.readers import size_text
from riskreg.services.transfer import importing
from riskreg.web.access import requires, signed_in
from riskreg.web.forms import refusals, render_form, with_error
from riskreg.web.importing.forms import ConfirmImportForm, LayoutForm, UploadForm, mapping_form

bp = Blueprint("importing", __name__, url_prefix="/registers/<code>/import")
PREVIEW_ROWS = 200
FIELD_LABELS = {key: field.label for key, field in FIELD_BY_KEY.items()}
# Room for the multipart envelope and a mapping file beside the register itself.
UPLOAD_OVERHEAD = 256 * 1024


def _upload(register, token: str):
    return importing.get_upload(token, register, current_user)


def _preview(register, upload):
    return importing.preview(register, upload.data, upload.filename, importing.options_of(upload), current_user)


def _preview_or_stop(register, upload):
    """(preview, None), or (None, the response instead): the heading-row step, or why the file is refused."""
    try:
        return _preview(register, upload), None
    except HeadingsNotFound:
        return None, redirect(url_for("importing.layout", code=register.code, token=upload.token))
    except ImportRefused as error:
        return None, (render_template("importing/refused.html", register=register, message=str(error)), 400)


def _read_upload(form: UploadForm, limit: int) -> tuple[bytes, Mapping | None]:
    data = form.file.data.read(limit + 1)
    if len(data) > limit:
        raise ImportRefused(f"The selected file must be smaller than {size_text(limit)}")
    mapping = None
    if form.mapping_file.data and form.mapping_file.data.filename:
        mapping = Mapping.from_json(form.mapping_file.data.read(256 * 1024).decode("utf-8-sig", errors="replace"))
    return data, mapping


@bp.route("", methods=["GET", "POST"])
@signed_in
@requires(policy.Action.EDIT_REGISTER, "register")
def upload(register):
    limit = settings().import_max_bytes
    request.max_content_length = limit + UPLOAD_OVERHEAD
    context = {"register": register, "limit": size_text(limit)}
    try:
        form = UploadForm()
        submitted = form.validate_on_submit()
    except RequestEntityTooLarge:
        form = UploadForm(formdata=None)
        form.file.errors = [f"The selected file must be smaller than {size_text(limit)}"]
        return render_template("importing/upload.html", form=form, **context), 413
    if not submitted:
        return render_form("importing/upload.html", form, **context)
    try:
        data, mapping = _read_upload(form, limit)
        options = importing.ImportOptions.from_mapping(mapping)
        try:
            result = importing.preview(register, data, form.file.data.filename or "upload", options, current_user)
            needs_layout = result.layout.ambiguous and options.sheet is None
        except HeadingsNotFound:
            needs_layout = True
    except ImportRefused as error:
        form.file.errors = [str(error)]
        return render_template("importing/upload.html", form=form, **context), 400
    stored = importing.store_upload(register, current_user, form.file.data.filename or "upload", data, options)
    step = "importing.layout" if needs_layout else "importing.preview"
    return redirect(url_for(step, code=register.code, token=stored.token))


@bp.route("/<token>/layout", methods=["GET", "POST"])
@signed_in
@requires(policy.Action.EDIT_REGISTER, "register")
def layout(register, token: str):
    upload = _upload(register, token)
    options = importing.options_of(upload)
    try:
        candidates, head = importing.survey(upload.data, upload.filename, options.sheet)
    except ImportRefused as error:
        return render_template("importing/refused.html", register=register, message=str(error)), 400
    form = LayoutForm(data={"sheet": options.sheet or candidates[0].sheet, "header_row": options.header_row})
    form.set_sheets(candidates)
    if form.validate_on_submit():
        options.sheet, options.header_row = form.sheet.data, form.header_row.data
        if options.mapping is not None:
            options.mapping.columns = {}  # another sheet or row has other columns
        importing.save_options(upload, options)
        return redirect(url_for("importing.preview", code=register.code, token=upload.token))
    headings_found = any(c.usable for c in candidates if c.sheet == (options.sheet or candidates[0].sheet))
    return render_form(
        "importing/layout.html", form, register=register, upload=upload, head=head, headings_found=headings_found
    )


@bp.route("/<token>/mapping", methods=["GET", "POST"])
@signed_in
@requires(policy.Action.EDIT_REGISTER, "register")
def mapping(register, token: str):
    upload = _upload(register, token)
    result, stop = _preview_or_stop(register, upload)
    if stop is not None:
        return stop
    form = mapping_form(result.layout.columns, result.mapping)
    if form.validate_on_submit():
        options = importing.options_of(upload)
        options.mapping = form.mapping(result.mapping)
        importing.save_options(upload, options)
        return redirect(url_for("importing.preview", code=register.code, token=upload.token))
    return render_form("importing/mapping.html", form, register=register, upload=upload, result=result)


@bp.route("/<token>/mapping.json")
@signed_in
@requires(policy.Action.EDIT_REGISTER, "register")
def mapping_file(register, token: str):
    upload = _upload(register, token)
    try:
        result = _preview(register, upload)
    except ImportRefused as error:
        return render_template("importing/refused.html", register=register, message=str(error)), 400
    name = upload.filename.rsplit(".", 1)[0] + "-mapping.json"
    # send_file writes the name as RFC 6266 asks (an ASCII fallback and filename*=UTF-8''...): a name with
    # "ü" in a plain header failed with a 500, and a quote in it could end the header's value early.
    return send_file(
        io.BytesIO(result.mapping.to_json().encode()),
        mimetype="application/json",
        as_attachment=True,
        download_name=name,
    )


def _show(register, upload, result, form, status: int = 200):
    form.fingerprint.data = result.fingerprint
    form.submit.label.text = f"Import {result.writes:,} {'risk' if result.writes == 1 else 'risks'}"
    return render_template(
        "importing/preview.html",
        register=register,
        upload=upload,
        result=result,
        form=form,
        rows=result.planned[:PREVIEW_ROWS],
        counts=result.counts,
        field_labels=FIELD_LABELS,
    ), status


@bp.route("/<token>", methods=["GET", "POST"])
@signed_in
@requires(policy.Action.EDIT_REGISTER, "register")
def preview(register, token: str):
    upload = _upload(register, token)
    result, stop = _preview_or_stop(register, upload)
    if stop is not None:
        return stop
    form = ConfirmImportForm()
    if not form.validate_on_submit():
        return _show(register, upload, result, form, 400 if form.errors else 200)
    if form.fingerprint.data != result.fingerprint:
        form.form_errors.append("The register or the mapping changed after you checked the preview: check it again")
        return _show(register, upload, result, form, 409)
    if result.writes >= settings().import_job_from_rows:
        return _import_as_job(register, upload, result)
    with refusals(lambda message, status, _field: _show(register, upload, result, with_error(form, message), status)):
        outcome = importing.commit(register, result, current_user, upload.sha256)
    importing.discard(upload)
    flash(_done_message(outcome))
    return redirect(url_for("registers.show", code=register.code))


def _import_as_job(register, upload, result):
    """A large file is written by a background job (the preview is checked again there), whose page shows the
    progress and then links to the register; similarity and flags for its risks follow as another job."""
    job = jobs.enqueue(
        "import_register",
        requested_by=current_user,
        upload_id=upload.id,
        fingerprint=result.fingerprint,
        register=register.code,
        filename=upload.filename,
    )
    return redirect(url_for("jobs.show", job_id=job.id))


def _done_message(outcome) -> str:
    parts = [f"{len(outcome.created)} {'risk' if len(outcome.created) == 1 else 'risks'} imported"]
    if outcome.updated:
        parts.append(f"{len(outcome.updated)} updated")
    if outcome.counts["error"]:
        parts.append(f"{outcome.counts['error']} rows with problems left out")
    return ", ".join(parts)
