"""Home page and health check."""

from flask import Blueprint, render_template
from flask_login import current_user

from riskreg.clock import today
from riskreg.services import home as home_service
from riskreg.services.certificates import reliance
from riskreg.web.access import public, requires, signed_in

bp = Blueprint("main", __name__)


@bp.route("/")
@signed_in
@requires(None)
def home():
    return render_template(
        "main/home.html",
        registers=home_service.my_registers(current_user),
        reviews_due=home_service.reviews_due(current_user, today()),
        risks_owned=home_service.risks_owned(current_user),
        to_sign=home_service.certificates_to_sign(current_user),
        contradictions=reliance.alerts_for(current_user),
        today=today(),
    )


@bp.route("/healthz")
@public
def health():
    return {"status": "ok"}
