"""Request-wide behaviour: sign-in loading, one commit per request, security headers, errors, template helpers."""

import errno
import secrets
from datetime import date, datetime
from urllib.parse import urlencode

import sqlalchemy as sa
from flask import (
    Flask,
    Request,
    current_app,
    flash,
    has_request_context,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, logout_user
from flask_wtf.csrf import CSRFError
from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter, Rule

from riskreg import jobs, policy
from riskreg.clock import utcnow
from riskreg.config import settings
from riskreg.enums import IMPACT_LABELS, LIKELIHOOD_LABELS, Band
from riskreg.extensions import db, login_manager
from riskreg.rules import scoring
from riskreg.rules import text as text_rules
from riskreg.rules.sessions import session_end
from riskreg.services import NotFoundError, registers, users, vocabulary
from riskreg.web.forms import Refused

BAND_TAG_COLOURS = {Band.LOW: "green", Band.MEDIUM: "yellow", Band.HIGH: "orange", Band.VERY_HIGH: "red"}


class _IdConverter(IntegerConverter):
    """<int:...> in URLs: ids are 32-bit in the database, so a larger number names nothing (404) rather than
    overflowing the query (500; 2^63 did). NotFound rather than the converter's ``max``: werkzeug answers a
    failed conversion with 405 when the same path has a rule for another method."""

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        if number > 2**31 - 1:
            raise NotFound()
        return number


class LazyBuilderRule(Rule):
    """A URL rule whose two URL builders (for ``url_for``) are generated on its first build, not when it is added.

    werkzeug writes each builder as Python source (an ``ast``, compiled) when the rule is added: about 30 ms of
    CPU for riskreg's 166 rules at every creation of an app (28 of 34 ms once riskreg is imported), for builders
    most processes never call (issue 20). A builder costs ~0.1 ms on first use and replaces the stand-in, so
    later builds cost what werkzeug's do.
    """

    def _compile_builder(self, append_unknown: bool = True):
        attribute = "_build_unknown" if append_unknown else "_build"

        def build_on_first_use(rule: Rule, /, **values):
            compiled = Rule._compile_builder(rule, append_unknown).__get__(rule, None)
            setattr(rule, attribute, compiled)
            return compiled(**values)

        return build_on_first_use


def init_app(app: Flask) -> None:
    app.url_rule_class = LazyBuilderRule
    app.url_map.converters["int"] = _IdConverter
    if app.config["RISKREG_PROXY_HOPS"]:
        hops = app.config["RISKREG_PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]

    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = "Sign in to continue"
    login_manager.session_protection = "strong"
    login_manager.user_loader(users.load_from_session)

    app.request_class = CleanTextRequest
    app.before_request(_clean_query_arguments)
    app.before_request(_end_expired_session)
    from riskreg.web.auth.two_factor import enrolment_required  # the auth blueprint imports this module

    app.before_request(enrolment_required)
    app.after_request(_commit_or_roll_back)
    app.after_request(_security_headers)
    _register_error_pages(app)
    _register_template_helpers(app)


def csp_nonce() -> str:
    """This request's script nonce, made on first use: a request refused before our own hooks run
    (a CSRF failure) needs one too, or its error page loses its scripts."""
    if not has_request_context():
        return ""
    return request.environ.setdefault("riskreg.csp_nonce", secrets.token_urlsafe(16))


def _cleaned(values: MultiDict) -> ImmutableMultiDict | None:
    """The values with control characters removed and invisible-only text emptied; None when nothing changes."""
    pairs = [
        (key, value if "password" in str(key) or not isinstance(value, str) else text_rules.clean(value))
        for key, value in values.items(multi=True)
    ]
    if all(new == old for (_k, new), (_k2, old) in zip(pairs, values.items(multi=True), strict=True)):
        return None
    return ImmutableMultiDict(pairs)


def _clean_query_arguments() -> None:
    """Query arguments, cleaned on the way in (rules/text.py): NUL in a search reached PostgreSQL."""
    if not request.path.startswith("/api/"):  # the API refuses these characters, with a message against the field
        args = _cleaned(request.args)
        if args is not None:
            request.args = args


class CleanTextRequest(Request):
    """Form fields cleaned on the way in (rules/text.py): a control character stored in a title broke the XLSX
    export, NUL is refused by PostgreSQL, and a title of zero-width spaces is no title.

    Cleaned where the form is parsed rather than in a before_request hook, so that a view can still set its own
    request.max_content_length (the import and evidence uploads) before the body is read.
    """

    def _load_form_data(self) -> None:
        super()._load_form_data()
        if not self.path.startswith("/api/"):
            form = _cleaned(self.form)
            if form is not None:
                self.form = form


def start_session() -> None:
    """Called at sign-in, after Flask-Login's login_user: the clock of the session's timeouts starts now."""
    session["signed_in_at"] = session["last_seen"] = utcnow().timestamp()


def _end_expired_session():
    """Idle and absolute timeouts of a signed-in browser session (riskreg.rules.sessions). The JSON API signs
    in with a token on each request and keeps no session, so it is not affected."""
    if request.endpoint == "static" or "_user_id" not in session or not current_user.is_authenticated:
        return None
    now = utcnow().timestamp()
    config = settings()
    why = session_end(
        session.get("signed_in_at", now), session.get("last_seen", now), now, config.session_idle, config.session_max
    )
    if why is None:
        session.setdefault("signed_in_at", now)
        session["last_seen"] = now
        return None
    logout_user()
    session.clear()
    flash(why)
    return redirect(url_for("auth.sign_in", next=request.full_path if request.method == "GET" else None))


def _commit_or_roll_back(response):
    """The one place a request's writes are committed: services only flush. Then the background jobs the request
    created are sent to the queue (or, without one, run here: riskreg/jobs)."""
    if response.status_code < 400:
        db.session.commit()
        jobs.dispatch()
    else:
        db.session.rollback()
        jobs.discard()
    return response


def _security_headers(response):
    nonce = csp_nonce()
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; "
        f"script-src 'self' 'nonce-{nonce}'; "
        "style-src 'self'; img-src 'self' data:; font-src 'self'; object-src 'none'; "
        "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    if request.is_secure:
        response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    if current_user.is_authenticated:
        # Pages about risks are sensitive: keep them out of shared caches and the back-forward cache.
        response.headers.setdefault("Cache-Control", "no-store")
    return response


ERROR_PAGES = {
    400: ("Sorry, there is a problem with the request", "Check what you entered and try again."),
    403: ("You do not have permission to do this", "Ask your unit's risk manager or an administrator for access."),
    404: ("Page not found", "If you typed the web address, check it is correct."),
    405: ("Sorry, that action is not available here", "Go back and try again."),
    409: ("This was changed by someone else", "Go back, reload the page and try again."),
    413: ("The file is too large", "Choose a smaller file."),
    500: ("Sorry, there is a problem with the service", "Try again later."),
}


def _error_page(status: int, heading: str | None = None, body: str | None = None, error=None):
    if request.path.startswith("/api/"):
        # The API answers in JSON even for URLs and methods it does not have, which no blueprint handler sees.
        from riskreg.web.api.errors import error_response, http_error_response

        return http_error_response(error) if isinstance(error, HTTPException) else error_response(status)
    default_heading, default_body = ERROR_PAGES.get(status, ERROR_PAGES[500])
    db.session.rollback()
    return render_template("errors/error.html", heading=heading or default_heading, body=body or default_body), status


def _database_failure():
    try:
        db.session.rollback()
    except sa.exc.SQLAlchemyError:
        db.session.remove()  # the connection itself is gone: a new one is taken for the next request
    return _error_page(
        503, "Sorry, riskreg could not save or read your data", "Nothing was saved. Try again in a few minutes."
    )


def _register_error_pages(app: Flask) -> None:
    for status in ERROR_PAGES:
        app.register_error_handler(status, lambda error, status=status: _error_page(status, error=error))
    # The one place a service's "no such thing" becomes a 404 (the API blueprint answers its own in JSON).
    app.register_error_handler(NotFoundError, lambda _error: _error_page(404))
    # A service's refusal, already shown on its form (riskreg/web/forms.py: refusals).
    app.register_error_handler(Refused, lambda refused: refused.response)

    @app.errorhandler(sa.exc.OperationalError)
    def database_unavailable(error):
        # The connection dropped, the server went away, or the disk is full: the request's transaction is rolled
        # back whole (nothing is half-written), and people are told so rather than shown a generic failure.
        current_app.logger.error("database unavailable: %s", error)
        return _database_failure()

    @app.errorhandler(OSError)
    def disk_full(error: OSError):
        if error.errno != errno.ENOSPC:
            raise error
        current_app.logger.error("disk full: %s", error)
        return _database_failure()

    @app.errorhandler(CSRFError)
    def csrf_error(_error):
        return _error_page(
            400,
            "Your form could not be sent",
            "The page had expired or did not come from riskreg, so nothing was saved. Go back, reload the page "
            "and try again.",
        )


def govuk_date(value: date | datetime | None) -> str:
    if value is None:
        return "Not set"
    if isinstance(value, datetime):
        return f"{value:%-d %B %Y at %H:%M}"
    return f"{value:%-d %B %Y}"


def number(value: int) -> str:
    """A count as GOV.UK writes it: 20,000, not 20000."""
    return f"{value:,}"


def row_numbers(lines: list[int], shown: int = 5) -> str:
    """Where a problem is: "Row 4", "Rows 4, 9 and 12", or "Rows 4, 5, 6, 7, 8 and 19,995 more". Row numbers are
    written as the spreadsheet shows them (1202, no comma); the count of the rest is a number like any other."""
    if len(lines) == 1:
        return f"Row {lines[0]}"
    listed = ", ".join(str(line) for line in lines[:shown] if line != lines[-1] or len(lines) > shown)
    rest = f"{number(len(lines) - shown)} more" if len(lines) > shown else str(lines[-1])
    return f"Rows {listed} and {rest}"


def error_list(form) -> list[dict]:
    """The error summary's entries, each linking to its field (date inputs to their day box)."""
    items = []
    for name, messages in form.errors.items():
        if not name:
            items += [{"text": message} for message in messages]
            continue
        field = form[name]
        anchor = f"{field.name}-day" if field.type == "DateField" else field.id
        items.append({"text": messages[0], "href": f"#{anchor}"})
    return items


# The characters werkzeug leaves unescaped in the query strings url_for builds.
QUERY_SAFE = "!$'()*,/:;?@"


def url_with(**changes) -> str:
    """This page's URL with some query arguments changed (None removes one): sorting, filters, pages.

    The same string url_for would build, but the page's path and arguments are worked out once per request:
    a register page makes dozens of these links, and url_for each time was a tenth of its CPU (bench/run.py).
    """
    # Kept with the request rather than in g: g outlives a request when tests share one app context.
    base = request.environ.get("riskreg.url_with_base")
    if base is None:
        base = (url_for(request.endpoint, **(request.view_args or {})), request.args.to_dict())
        request.environ["riskreg.url_with_base"] = base
    path, current = base
    args = {name: value for name, value in {**current, **changes}.items() if value not in (None, "")}
    return f"{path}?{urlencode(args, safe=QUERY_SAFE)}" if args else path


def _register_template_helpers(app: Flask) -> None:
    def rules() -> scoring.ScoringRules:
        return registers.rules()  # the organisation's appetite and cadence over the configured defaults

    def band_of(score: int) -> Band:
        return scoring.band(score, rules())

    def above_appetite(risk) -> bool:
        return scoring.is_above_appetite(risk.residual_score, risk.category, rules(), risk.register_id)

    def tolerance(risk) -> int:
        return scoring.tolerance_for(risk.category, rules(), risk.register_id)

    def appetite_level(risk):
        return scoring.appetite_of(risk.category, rules(), risk.register_id)

    app.add_template_filter(govuk_date)
    app.add_template_filter(row_numbers)
    app.add_template_filter(number)
    app.add_template_global(error_list)
    app.add_template_global(url_with)
    app.add_template_global(band_of)
    app.add_template_global(above_appetite)
    app.add_template_global(tolerance)
    app.add_template_global(appetite_level)
    # The organisation's names for a category or objective code ("Not yet set" for none), read once per request.
    app.add_template_global(lambda code: vocabulary.categories().label(code), "category_label")
    app.add_template_global(lambda code: vocabulary.objectives().label(code), "objective_label")
    app.add_template_global(lambda band: BAND_TAG_COLOURS[band], "band_colour")
    app.add_template_global(policy.can, "can")
    app.add_template_global(policy.Action, "Action")
    app.add_template_global(LIKELIHOOD_LABELS, "likelihood_labels")
    app.add_template_global(IMPACT_LABELS, "impact_labels")
    app.add_template_global(scoring.trend, "trend")

    app.context_processor(lambda: {"cspNonce": csp_nonce()})
