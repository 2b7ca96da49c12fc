"""Administration (issue 17): the unit tree and registers, people and their roles. Admins only; every change is
audited by the services. Confirmation pages come before anything that takes access away."""

from flask import Blueprint, render_template

from riskreg.policy import Action
from riskreg.web.access import requires, signed_in

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("")
@signed_in
@requires(Action.ADMINISTER)
def index():
    return render_template("admin/index.html")


from riskreg.web.admin import people, scoring, units, vocabulary  # noqa: E402, F401 - register their routes on bp
