"""Search (issue 17): the header's search box and its results page."""

from flask import Blueprint, render_template, request

from riskreg.config import settings
from riskreg.enums import RiskStatus
from riskreg.services import registers, search
from riskreg.web.access import requires, signed_in
from riskreg.web.registers import restricted_visible

bp = Blueprint("search", __name__, url_prefix="/search")

MAX_QUERY = 200  # characters: enough for any reference or phrase


@bp.route("")
@signed_in
@requires(None)
def index():
    units = registers.all_units()
    register_ids = {unit.code: unit.register.id for unit in units if unit.register is not None}
    text = request.args.get("q", "")[:MAX_QUERY]
    register_code = request.args.get("register", "").upper()
    status = request.args.get("status", "")
    page = request.args.get("page", "1")
    query = search.Query(
        text,
        register_id=register_ids.get(register_code),
        status=RiskStatus(status) if status in RiskStatus._value2member_map_ else None,
    )
    results = search.search(
        query, restricted_visible(units), int(page) if page.isdecimal() else 1, settings().page_size
    )
    return render_template(
        "search/index.html",
        text=text,
        query=query,
        register_code=register_code if query.register_id else "",
        registers=sorted(
            ((unit.code, unit.name) for unit in units if unit.register is not None), key=lambda item: item[1]
        ),
        statuses=list(RiskStatus),
        page=results,
        searched=bool(search.words(text)),
    )
