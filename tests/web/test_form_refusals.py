"""One helper turns a service's refusal into the form again: its message in the error summary, the status saying
what kind of refusal it was, nothing written (the request rolls back)."""

import pytest
from flask import Blueprint
from flask_wtf import FlaskForm
from sqlalchemy.orm.exc import StaleDataError
from wtforms import StringField

from riskreg import create_app
from riskreg.services import NotAllowed, ServiceError, StaleEdit
from riskreg.web.access import public
from riskreg.web.forms import form_refusals

REFUSALS = {
    "plain": ServiceError("The title is already used"),
    "field": ServiceError("Enter a shorter title", field="title"),
    "stale": StaleEdit(),
    "stale_flush": StaleDataError("UPDATE matched 0 rows"),
    "not_allowed": NotAllowed("Only the unit head may sign"),
}


class TitleForm(FlaskForm):
    title = StringField("Title")


@pytest.fixture
def probe_client():
    probe = Blueprint("refusal_probe", __name__)

    @probe.route("/probe/<kind>", methods=["POST"])
    @public
    def refuse(kind: str):
        form = TitleForm()
        with form_refusals(
            "errors/error.html", form, stale="Changed meanwhile", at_field=kind == "field", heading="Probe", body=""
        ):
            raise REFUSALS[kind]
        return "saved"

    app = create_app("testing")
    app.register_blueprint(probe)
    return app.test_client()


@pytest.mark.parametrize(
    ("kind", "status", "message"),
    [
        ("plain", 400, "The title is already used"),
        ("field", 400, "Enter a shorter title"),
        ("stale", 409, "Changed meanwhile"),
        ("stale_flush", 409, "Changed meanwhile"),
        ("not_allowed", 403, "Only the unit head may sign"),
    ],
)
def test_a_refusal_is_shown_on_the_form(probe_client, kind, status, message):
    response = probe_client.post(f"/probe/{kind}", data={"title": "Staff shortages"})
    page = response.get_data(as_text=True)
    assert response.status_code == status
    assert "There is a problem" in page and message in page
    # A refusal that names a field links to it from the error summary.
    assert ('href="#title"' in page) is (kind == "field")
