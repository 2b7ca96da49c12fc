"""Every API error is JSON: {"error": {"status", "message", "fields"?}}, never an HTML page."""

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Blueprint, Response, g, jsonify
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from riskreg.extensions import db
from riskreg.services import NotFoundError, ServiceError, StaleEdit

MESSAGES = {
    400: "The request is not valid",
    401: "Send a personal access token in the Authorization header: Bearer <token>",
    403: "You do not have permission to do this",
    404: "Not found",
    405: "This method is not allowed here",
    409: "This was changed by someone else",
    413: "The request body is too large",
    415: "Send the request body as JSON, with the header Content-Type: application/json",
    422: "Check the fields and try again",
    428: "Send If-Match with the ETag you last read",
    500: "Sorry, there is a problem with the service. Try again later.",
}
# The ones the blueprint answers itself; URLs the API does not have reach riskreg.web.hooks first.
HANDLED = (400, 401, 403, 404, 405, 409, 413, 415, 422, 428, 500)


class ApiError(Exception):
    def __init__(self, status: int, message: str | None = None, fields: dict[str, list[str]] | None = None) -> None:
        super().__init__(message or MESSAGES.get(status, ""))
        self.status = status
        self.message = message or MESSAGES.get(status, MESSAGES[500])
        self.fields = fields or {}


STALE = (
    "This {what} was changed by someone else since you read it. Read it again (GET) and send its new ETag in If-Match."
)


@contextmanager
def service_refusals(what: str = "risk") -> Iterator[None]:
    """A service's refusal as the API's answer: a stale version is 409, any other 422, against its field."""
    try:
        yield
    except (StaleEdit, StaleDataError) as error:
        raise ApiError(409, STALE.format(what=what)) from error
    except ServiceError as error:
        raise ApiError(422, str(error), {error.field: [str(error)]} if error.field else None) from error


def error_response(
    status: int, message: str | None = None, fields: dict | None = None, headers: dict | None = None
) -> Response:
    error: dict = {"status": status, "message": message or MESSAGES.get(status, MESSAGES[500])}
    if fields:
        error["fields"] = fields
    # Nothing of a failed request is kept (the request hook would roll back too; this is before any rendering).
    db.session.rollback()
    response = jsonify({"error": error})
    response.status_code = status
    response.headers.update(headers or {})
    if status == 401:
        response.headers["WWW-Authenticate"] = _challenge()
    return response


def _challenge() -> str:
    # RFC 6750: say why a token that was sent is refused; without one, just name the scheme.
    problem = g.get("api_auth_problem")
    if g.get("api_token_sent") and problem:
        return f'Bearer realm="riskreg", error="invalid_token", error_description="{problem}"'
    return 'Bearer realm="riskreg"'


def http_error_response(error: HTTPException) -> Response:
    status = error.code or 500
    # Keep what the exception adds, such as Allow on a 405.
    headers = {name: value for name, value in error.get_headers() if name.lower() != "content-type"}
    message = g.get("api_auth_problem") if status == 401 else None
    return error_response(status, message, headers=headers)


def register_handlers(bp: Blueprint) -> None:
    bp.register_error_handler(ApiError, lambda error: error_response(error.status, error.message, error.fields))
    bp.register_error_handler(NotFoundError, lambda _error: error_response(404))
    for status in HANDLED:
        # By status code, so these take precedence over the application's HTML pages for the same codes.
        bp.register_error_handler(status, http_error_response)
