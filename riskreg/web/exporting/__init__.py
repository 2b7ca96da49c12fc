"""Downloads of a register, or of every register the user can see, as XLSX, CSV or JSON."""

import tempfile

from flask import Blueprint, send_file
from flask_login import current_user
from werkzeug.exceptions import NotFound

from riskreg import policy
from riskreg.services import exporting, registers
from riskreg.web.access import checks, signed_in

bp = Blueprint("exporting", __name__)
IN_MEMORY_UP_TO = 8 * 1024 * 1024  # larger exports spill to a temporary file


def _send(chosen, fmt: str, everything: bool):
    if fmt not in exporting.FORMATS:
        raise NotFound()
    out = tempfile.SpooledTemporaryFile(max_size=IN_MEMORY_UP_TO)  # noqa: SIM115 - send_file closes it
    exporting.export(chosen, current_user, fmt, out)
    out.seek(0)
    response = send_file(out, mimetype=exporting.FORMATS[fmt], as_attachment=True,
                         download_name=exporting.filename(chosen, fmt, everything))  # fmt: skip
    # send_file says no-cache, which still lets a browser or proxy store a copy of every risk: never store one.
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/registers/<code>/export.<fmt>")
@signed_in
@checks(policy.Action.READ_REGISTER, target="register")
def register(code: str, fmt: str):
    chosen = registers.get_by_code(code)
    policy.authorize(current_user, policy.Action.READ_REGISTER, chosen)
    return _send([chosen], fmt, everything=False)


@bp.route("/export.<fmt>")
@signed_in
@checks(None)
def everything(fmt: str):
    visible = [r for r in registers.all_registers() if policy.can(current_user, policy.Action.READ_REGISTER, r)]
    return _send(visible, fmt, everything=True)
