"""The registers index and a register's page."""

from flask import Blueprint, render_template, request, url_for
from flask_login import current_user

from riskreg import policy
from riskreg.clock import today
from riskreg.config import settings
from riskreg.enums import Band, RiskStatus
from riskreg.rules.measures import quarter_of
from riskreg.services import heat_trend, registers, vocabulary
from riskreg.web.access import requires, signed_in
from riskreg.web.forms import page_asked

bp = Blueprint("registers", __name__, url_prefix="/registers")


@bp.route("")
@signed_in
@requires(None)
def index():
    page = registers.unit_tree_page(
        today(),
        policy.restricted_reader(current_user),  # asked once a register
        page_asked(),
        settings().page_size,
    )
    return render_template("registers/index.html", page=page, register_url=url_for("registers.show", code="X")[:-1])


def _enum_arg(name: str, enum):
    value = request.args.get(name, "")
    return enum(value) if value in enum._value2member_map_ else None


def _category_arg() -> str | None:
    value = request.args.get("category", "")
    return value if value in vocabulary.categories().codes else None


def _rating_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value in {"1", "2", "3", "4", "5"} else None


def _filters(register) -> registers.RiskFilters:
    status = request.args.get("status", "open")
    owner = request.args.get("owner", "")
    return registers.RiskFilters(
        category=_category_arg(),
        band=_enum_arg("band", Band),
        owner_id=int(owner) if owner.isdigit() else None,
        overdue=request.args.get("overdue") == "1",
        likelihood=_rating_arg("l"),
        impact=_rating_arg("i"),
        status=None if status == "all" else _enum_arg("status", RiskStatus) or RiskStatus.OPEN,
        include_restricted=policy.can(current_user, policy.Action.READ_RESTRICTED, register),
        controls_untested=request.args.get("untested") == "1",
    )


@bp.route("/<code>")
@signed_in
@requires(policy.Action.READ_REGISTER, "register")
def show(register):
    filters = _filters(register)
    sort = request.args.get("sort", "ref")
    risk_page = registers.list_risks(
        register,
        filters,
        sort if sort in registers.SORTS else "ref",
        page_asked(),
        today(),
        settings().page_size,
    )
    can_edit = policy.can(current_user, policy.Action.EDIT_REGISTER, register)
    return render_template(
        "registers/show.html",
        register=register,
        filters=filters,
        sort=sort,
        page=risk_page,
        heat_map=registers.heat_map(register, filters.include_restricted),
        owners=registers.owners_in(register),
        to_confirm=registers.owners_to_confirm(register) if can_edit else [],
        can_edit=can_edit,
        category_choices=vocabulary.categories().choices(),
        band_choices=Band.choices(),
        today=today(),
    )


@bp.route("/<code>/heat-map-trend")
@signed_in
@requires(policy.Action.READ_REGISTER, "register")
def heat_map_trend(register):
    """The register's residual heat map at the end of each of its last five quarters (issue 19)."""
    ends = heat_trend.quarter_ends(quarter_of(today()), today())
    include_restricted = policy.can(current_user, policy.Action.READ_RESTRICTED, register)
    return render_template(
        "registers/heat_map_trend.html", register=register, trend=heat_trend.trend(register, ends, include_restricted)
    )
