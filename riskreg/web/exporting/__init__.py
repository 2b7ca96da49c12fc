"""Downloads of a register, or of every register the user can see, as XLSX, CSV or JSON."""

import tempfile

from flask import Blueprint, send_file
from flask_login import current_user
from werkzeug.exceptions import NotFound

from riskreg import policy
from riskreg.services import registers
from riskreg.services.transfer import exporting
from riskreg.web.access import requires, signed_in

bp = Blueprint("exporting", __name__)
IN_MEMORY_UP_TO = 8 * 1024 * 1024  # larger exports spill to a temporary file


def _send(chosen, fmt: str, everything: bool):
    if fmt not in exporting.FORMATS:
        raise NotFound()
    out = tempfile.SpooledTemporaryFile(max_size=IN_MEMORY_UP_TO)  # noqa: SIM115 - send_file closes it
    exporting.export(chosen, current_user, fmt, out)
    out.seek(0)
    response = send_file(
        out,
        mimetype=exporting.FORMATS[fmt],
        as_attachment=True,
        download_name=exporting.filename(chosen, fmt, everything),
    )
    # send_file says no-cache, which still lets a browser or proxy store a copy of every risk: never store one.
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/registers/<code>/export.<fmt>")
@signed_in
@requires(policy.Action.READ_REGISTER, "register")
def register(register, fmt: str):
    return _send([register], fmt, everything=False)


@bp.route("/export.<fmt>")
@signed_in
@requires(None)
def everything(fmt: str):
    visible = [r for r in registers.all_registers() if policy.can(current_user, policy.Action.READ_REGISTER, r)]
    return _send(visible, fmt, everything=True)
