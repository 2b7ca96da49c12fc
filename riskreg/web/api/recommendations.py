"""API routes: recommendations (issue 19) and deciding an HQ quality flag with its version (issue 18)."""

from datetime import date

from flask import url_for
from flask_login import current_user

from riskreg import policy
from riskreg.clock import today
from riskreg.enums import RecommendationSource, RecommendationStatus
from riskreg.services import ServiceError, StaleEdit
from riskreg.services import recommendations as service
from riskreg.services.flags import decisions
from riskreg.services.flags import scan as flags_service
from riskreg.web.access import requires, token_required
from riskreg.web.api import bp, responses, serializers
from riskreg.web.api.errors import ApiError, service_refusals
from riskreg.web.api.validation import if_match_version, json_body, query_args

Action = policy.Action


def recommendation_json(item) -> dict:
    readable = [risk.ref for risk in item.risks if policy.can(current_user, Action.READ_RISK, risk)]
    evidence = [
        {
            "id": proof.id,
            "title": proof.title,
            "kind": proof.kind.value,
            "dated_on": proof.dated_on.isoformat(),
            "download": url_for("recommendations.download", recommendation_id=item.id, item_id=proof.id)
            if proof.is_file
            else None,
        }
        for proof in item.evidence
    ]
    return {
        "id": item.id,
        "source": item.report.source.value,
        "report": {
            "title": item.report.title,
            "body": item.report.body,
            "published_on": item.report.published_on.isoformat(),
        },
        "paragraph": item.paragraph,
        "text": item.text,
        "unit": item.unit.code,
        "owner": serializers.person(item.owner),
        "due_on": item.due_on.isoformat(),
        "status": item.status.value,
        "status_note": item.status_note,
        "implemented_on": item.implemented_on.isoformat() if item.implemented_on else None,
        "overdue": item.is_overdue(today()),
        "risks": readable,
        "countermeasure_ids": [control.id for control in item.countermeasures if control.risk.ref in readable],
        "evidence": evidence,
        "version": item.version,
        "created_at": item.created_at.replace(microsecond=0).isoformat() + "Z",
    }


def _response(item, status: int = 200):
    return responses.data(recommendation_json(item), status, {"ETag": responses.etag(item.version)})


@bp.get("/recommendations")
@token_required
@requires(Action.READ_RECOMMENDATIONS)
def list_recommendations():
    args = query_args()
    filters = service.Filters(
        source=RecommendationSource(args["source"]) if args["source"] else None,
        unit_code=args["unit"] or None,
        status=RecommendationStatus(args["status"]) if args["status"] else None,
        overdue=bool(args["overdue"]),
    )
    result = service.page_of(filters, "due", args["page"], args["per_page"], today())
    loaded = [service.get_recommendation(item.id) for item in result.items]
    return responses.page([recommendation_json(item) for item in loaded], result)


@bp.get("/recommendations/<int:recommendation_id>")
@token_required
@requires(Action.READ_RECOMMENDATIONS, "recommendation")
def get_recommendation(recommendation):
    return _response(recommendation)


def _values(body: dict, current) -> dict:
    """The body as the service takes it; what a PATCH leaves out stays as it is."""
    report = current.report if current is not None else None
    unit_code = body.get("unit", current.unit.code if current else "")
    values = {
        "source": RecommendationSource(body["source"]) if "source" in body else (report.source if report else None),
        "title": body.get("report_title", report.title if report else ""),
        "body": body.get("report_body", report.body if report else ""),
        "published_on": date.fromisoformat(body["report_published_on"])
        if "report_published_on" in body
        else (report.published_on if report else None),
        "paragraph": body.get("paragraph", current.paragraph if current else ""),
        "text": body.get("text", current.text if current else ""),
        "unit": service.unit_by_code(unit_code),
        "owner": _owner(body, current),
        "due_on": date.fromisoformat(body["due_on"]) if "due_on" in body else (current.due_on if current else None),
    }
    if values["unit"] is None:
        raise ApiError(422, None, {"unit": [f"There is no unit {unit_code}"]})
    if "risks" in body or current is None:
        values["risks"] = _risks(body.get("risks", []))
    if "countermeasure_ids" in body or "risks" in body:
        risks = values.get("risks", current.risks if current else [])
        wanted = set(body.get("countermeasure_ids", []))
        values["countermeasures"] = [item for item in service.countermeasures_of(risks) if item.id in wanted]
        if len(values["countermeasures"]) != len(wanted):
            message = "Countermeasures must be those of the risks it concerns"
            raise ApiError(422, None, {"countermeasure_ids": [message]})
    return values


def _owner(body: dict, current):
    if "owner_id" not in body:
        return current.owner if current else None
    if body["owner_id"] is None:
        return None
    owner = service.user_by_id(body["owner_id"])
    if owner is None or not owner.is_active:
        raise ApiError(422, None, {"owner_id": ["There is no such person"]})
    return owner


def _risks(refs: list[str]):
    found = service.risks_by_refs([ref.upper() for ref in refs])
    for ref in refs:
        risk = found.get(ref.upper())
        if risk is None or not policy.can(current_user, Action.READ_RISK, risk):
            raise ApiError(422, None, {"risks": [f"There is no risk {ref}"]})
    return [found[ref.upper()] for ref in refs]


@bp.post("/recommendations")
@token_required
@requires(Action.MANAGE_RECOMMENDATIONS)
def create_recommendation():
    values = _values(json_body(), None)
    with service_refusals("recommendation"):
        created = service.create_recommendation(values, current_user)
    return _response(service.get_recommendation(created.id), 201)


@bp.patch("/recommendations/<int:recommendation_id>")
@token_required
@requires(Action.MANAGE_RECOMMENDATIONS, "recommendation")
def update_recommendation(recommendation):
    version = if_match_version(recommendation.version)
    values = _values(json_body(), recommendation)
    with service_refusals("recommendation"):
        service.update_recommendation(recommendation, values, version, current_user)
    return _response(recommendation)


@bp.post("/recommendations/<int:recommendation_id>/status")
@token_required
@requires(Action.UPDATE_RECOMMENDATION, "recommendation")
def change_status(recommendation):
    version = if_match_version(recommendation.version)
    body = json_body()
    with service_refusals("recommendation"):
        service.change_status(
            recommendation, RecommendationStatus(body["status"]), body.get("status_note", ""), version, current_user
        )
    return _response(recommendation)


# Deciding a flag ------------------------------------------------------------------------------------------


def flag_json(flag) -> dict:
    return {
        "id": flag.id,
        "kind": flag.kind.value,
        "risk": flag.risk.ref,
        "status": flag.status.value,
        "note": flag.note,
        "reason": flag.reason,
        "version": flag.decision_version,
    }


@bp.post("/flags/<int:flag_id>/decision")
@token_required
@requires(Action.MANAGE_FLAGS, "flag")
def decide_flag(flag):
    """The API's counterpart of the flag page's decision: 409 when someone decided since the ETag was read."""
    version = if_match_version(flag.decision_version)
    body = json_body()
    decision, reason = body["decision"], body.get("reason", "")
    try:
        decisions.check(flag, version)
        if flag.is_duplicate and decision != "acknowledge":
            raise ServiceError("Decide on a possible duplicate on its page: link the risks, or say they differ")
        {
            "acknowledge": lambda: flags_service.acknowledge(flag, current_user),
            "resolve": lambda: flags_service.resolve(flag, current_user, reason),
            "dismiss": lambda: flags_service.dismiss(flag, current_user, reason),
        }[decision]()
    except StaleEdit as error:
        raise ApiError(409, decisions.STALE_MESSAGE.split(":")[0]) from error
    except ServiceError as error:
        raise ApiError(422, str(error)) from error
    return responses.data(flag_json(flag), 200, {"ETag": responses.etag(flag.decision_version)})
