"""API routes: the document, the caller, registers and their risks."""

from flask import g, jsonify, url_for
from flask_login import current_user

from riskreg import policy
from riskreg.clock import today
from riskreg.enums import Band, RiskStatus
from riskreg.models import Register
from riskreg.services import registers, risks, users, vocabulary
from riskreg.web.access import public, requires, token_required
from riskreg.web.api import bp, responses, serializers
from riskreg.web.api.errors import ApiError, service_refusals
from riskreg.web.api.openapi import document
from riskreg.web.api.validation import json_body, query_args, to_values


@bp.get("/openapi.json")
@public
def openapi():
    # Public: it describes the interface and holds no data, and tools read it before they have a token.
    return jsonify(document())


@bp.get("/me")
@token_required
@requires(None)
def me():
    token = g.api_token
    return responses.data(
        {
            "id": current_user.id,
            "name": current_user.name,
            "email": current_user.email,
            "roles": [{"role": held.role.value, "unit": held.unit.code} for held in current_user.roles],
            "token": {"name": token.name, "prefix": token.prefix, "expires_on": token.expires_on.isoformat()},
        }
    )


@bp.get("/registers")
@token_required
@requires(None)
def list_registers():
    args = query_args()
    result = registers.page_of_registers(args["page"], args["per_page"])
    figures = registers.register_figures(today(), _restricted_visible(result.items))
    return responses.page([serializers.register_json(item, figures.get(item.id)) for item in result.items], result)


@bp.get("/registers/<code>")
@token_required
@requires(policy.Action.READ_REGISTER, "register")
def get_register(register):
    figures = registers.register_figures(today(), _restricted_visible([register])).get(register.id)
    return responses.data(serializers.register_json(register, figures))


def _restricted_visible(items: list[Register]) -> set[int]:
    """Registers whose restricted risks the caller may read: only there do the figures count them (issue 17)."""
    return {item.id for item in items if policy.can(current_user, policy.Action.READ_RESTRICTED, item)}


@bp.get("/registers/<code>/owners")
@token_required
@requires(policy.Action.READ_REGISTER, "register")
def list_owners(register):
    return responses.data([serializers.person(user) for user in users.owner_candidates(register.unit)])


@bp.get("/categories")
@token_required
@requires(None)
def list_categories():
    return responses.data([serializers.term_json(term) for term in vocabulary.categories().entries])


@bp.get("/objectives")
@token_required
@requires(None)
def list_objectives():
    return responses.data([serializers.term_json(term) for term in vocabulary.objectives().entries])


def _filters(args: dict, register: Register) -> registers.RiskFilters:
    return registers.RiskFilters(
        # The organisation's own codes: one it does not have matches no risk (the document cannot list them).
        category=args["category"] or None,
        band=Band(args["band"]) if args["band"] else None,
        owner_id=args["owner"],
        overdue=args["overdue"],
        likelihood=args["likelihood"],
        impact=args["impact"],
        status=None if args["status"] == "all" else RiskStatus(args["status"]),
        include_restricted=policy.can(current_user, policy.Action.READ_RESTRICTED, register),
        text=args["q"] or None,
    )


@bp.get("/registers/<code>/risks")
@token_required
@requires(policy.Action.READ_REGISTER, "register")
def list_risks(register):
    args = query_args()
    result = registers.list_risks(
        register, _filters(args, register), args["sort"], args["page"], today(), args["per_page"]
    )
    return responses.page([serializers.risk_json(risk) for risk in result.items], result)


def check_owner(register: Register, values: dict) -> None:
    """Owners come from the people the pages' forms offer: members of the unit, above it or below it."""
    if "owner_id" not in values:
        return
    if values["owner_id"] not in {user.id for user in users.owner_candidates(register.unit)}:
        raise ApiError(
            422,
            fields={"owner_id": [f"Select an owner listed at GET /registers/{register.code}/owners"]},
        )


@bp.post("/registers/<code>/risks")
@token_required
@requires(policy.Action.EDIT_REGISTER, "register")
def create_risk(register):
    values = to_values(json_body())
    check_owner(register, values)
    values.setdefault("restricted", False)
    with service_refusals():
        risk = risks.create_risk(register, values, current_user)
    risk = risks.get_by_ref(risk.ref)
    location = url_for("api.get_risk", ref=risk.ref)
    headers = {"Location": location, "ETag": responses.etag(risk.version)}
    return responses.data(serializers.risk_detail_json(risk), 201, headers)
