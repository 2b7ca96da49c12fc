"""API routes: a risk, and changing it, its countermeasures and its reviews."""

from flask import url_for
from flask_login import current_user

from riskreg import policy
from riskreg.clock import today
from riskreg.enums import CountermeasureStatus
from riskreg.models import Risk
from riskreg.services import risks
from riskreg.web.access import requires, token_required
from riskreg.web.api import bp, responses, serializers
from riskreg.web.api.errors import service_refusals
from riskreg.web.api.registers import check_owner
from riskreg.web.api.validation import if_match_version, json_body, to_values


def _risk_response(risk: Risk, status: int = 200):
    return responses.data(serializers.risk_detail_json(risk), status, {"ETag": responses.etag(risk.version)})


@bp.get("/risks/<ref>")
@token_required
@requires(policy.Action.READ_RISK, "risk")
def get_risk(risk):
    return _risk_response(risk)


@bp.patch("/risks/<ref>")
@token_required
@requires(policy.Action.EDIT_REGISTER, "risk")
def update_risk(risk):
    version = if_match_version(risk.version)
    values = to_values(json_body())
    check_owner(risk.register, values)
    with service_refusals():
        risks.update_risk(risk, values, version, current_user)
    return _risk_response(risk)


@bp.post("/risks/<ref>/reviews")
@token_required
@requires(policy.Action.RECORD_REVIEW, "risk")
def create_review(risk):
    version = if_match_version(risk.version)
    values = to_values(json_body())
    values.setdefault("reviewed_on", today())
    with service_refusals():
        review = risks.record_review(risk, values, version, current_user)
    return responses.data(serializers.review_json(review, risk), 201, {"ETag": responses.etag(risk.version)})


@bp.post("/risks/<ref>/countermeasures")
@token_required
@requires(policy.Action.EDIT_REGISTER, "risk")
def create_countermeasure(risk):
    values = to_values(json_body())
    check_owner(risk.register, values)
    values.setdefault("description", "")
    values.setdefault("status", CountermeasureStatus.PLANNED)
    with service_refusals():
        countermeasure = risks.add_countermeasure(risk, values, current_user)
    location = url_for("api.get_countermeasure", ref=risk.ref, countermeasure_id=countermeasure.id)
    return _countermeasure_response(countermeasure, risk, 201, {"Location": location})


def _countermeasure_response(countermeasure, risk: Risk, status: int = 200, headers: dict | None = None):
    headers = {**(headers or {}), "ETag": responses.etag(countermeasure.version)}
    return responses.data(serializers.countermeasure_json(countermeasure, risk), status, headers)


@bp.get("/risks/<ref>/countermeasures/<int:countermeasure_id>")
@token_required
@requires(policy.Action.READ_RISK, "risk")
def get_countermeasure(risk, countermeasure_id: int):
    countermeasure = risks.get_countermeasure(risk, countermeasure_id)
    return _countermeasure_response(countermeasure, risk)


@bp.patch("/risks/<ref>/countermeasures/<int:countermeasure_id>")
@token_required
@requires(policy.Action.EDIT_REGISTER, "risk")
def update_countermeasure(risk, countermeasure_id: int):
    countermeasure = risks.get_countermeasure(risk, countermeasure_id)
    version = if_match_version(countermeasure.version)
    values = to_values(json_body())
    check_owner(risk.register, values)
    with service_refusals("countermeasure"):
        risks.update_countermeasure(countermeasure, values, version, current_user)
    return _countermeasure_response(countermeasure, risk)
