"""Search (issue 17): the header's search box and its results page."""

from flask import Blueprint, render_template, request
from flask_login import current_user

from riskreg import policy
from riskreg.config import settings
from riskreg.enums import RiskStatus
from riskreg.services import search
from riskreg.web.access import requires, signed_in
from riskreg.web.forms import page_asked

bp = Blueprint("search", __name__, url_prefix="/search")

MAX_QUERY = 200  # characters: enough for any reference or phrase


@bp.route("")
@signed_in
@requires(None)
def index():
    choices = search.register_choices()
    text = request.args.get("q", "")[:MAX_QUERY]
    register_code = request.args.get("register", "").upper()
    status = request.args.get("status", "")
    query = search.Query(
        text,
        register_id=next((register_id for register_id, code, _name in choices if code == register_code), None),
        status=RiskStatus(status) if status in RiskStatus._value2member_map_ else None,
    )
    visible = search.registers_under(policy.restricted_readable_under(current_user))
    results = search.search(query, visible, page_asked(), settings().page_size)
    return render_template(
        "search/index.html",
        text=text,
        query=query,
        register_code=register_code if query.register_id else "",
        registers=[(code, name) for _id, code, name in choices],
        statuses=list(RiskStatus),
        page=results,
        searched=bool(search.words(text)),
    )
