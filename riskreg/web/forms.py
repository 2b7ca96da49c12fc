"""Form pieces shared by the blueprints, with GOV.UK widgets and error wording."""

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from flask import render_template, request
from flask_wtf import FlaskForm
from govuk_frontend_wtf import wtforms_widgets as govuk
from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput, GovTextArea, GovTextInput
from sqlalchemy.orm.exc import StaleDataError
from wtforms import HiddenField, IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, StopValidation, ValidationError

from riskreg.enums import IMPACT_LABELS, LIKELIHOOD_LABELS
from riskreg.services import NotAllowed, ServiceError, StaleEdit


class GovDateInput(govuk.GovDateInput):
    """Day, month and year boxes that also render a date sent with other than three parts.

    A crafted request can send the field's name once, twice, four times or not at all: the field then fails
    validation ("Enter a real date"), and the page showing that error must not fail itself (the GOV.UK widget
    unpacks exactly three values).
    """

    def map_gov_params(self, field, **kwargs):
        if field.raw_data is not None and len(field.raw_data) != 3:
            field.raw_data = ([*field.raw_data, "", "", ""])[:3] if field.raw_data else None
        return super().map_gov_params(field, **kwargs)


def to_choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices."""
    return [SelectChoice(value, label) for value, label in pairs]


class RatingField(SelectField):
    """A 1-5 likelihood or impact, with its label ("3 - Possible")."""

    widget = GovSelect()

    def __init__(self, label: str, scale: dict[int, str], **kwargs: Any) -> None:
        choices = [("", "Choose a rating")] + [(str(n), f"{n} – {name}") for n, name in scale.items()]
        super().__init__(label, choices=to_choices(choices), coerce=str, **kwargs)

    def pre_validate(self, form: Any) -> None:
        if not self.data:
            raise StopValidation(f"Select the {self.label.text.lower()}")
        if self.data not in {str(n) for n in range(1, 6)}:
            raise StopValidation(f"{self.label.text} must be from 1 to 5")

    @property
    def rating(self) -> int:
        return int(self.data)


def likelihood(label: str) -> RatingField:
    return RatingField(label, LIKELIHOOD_LABELS)


def impact(label: str) -> RatingField:
    return RatingField(label, IMPACT_LABELS)


def required_text(label: str, message: str, max_length: int | None = None, hint: str | None = None):
    validators = [DataRequired(message)]
    if max_length:
        validators.append(Length(max=max_length, message=f"{label} must be {max_length} characters or fewer"))
    return StringField(label, validators=validators, widget=GovTextInput(), description=hint or "")


def required_paragraph(label: str, message: str, hint: str | None = None, max_length: int = 4000):
    validators = [
        DataRequired(message),
        Length(max=max_length, message=f"{label} must be {max_length} characters or fewer"),
    ]
    return TextAreaField(label, validators=validators, widget=GovTextArea(), description=hint or "")


class ChoiceOf(SelectField):
    """A select whose first option asks for a choice, with a GOV.UK "Select ..." message."""

    widget = GovSelect()

    def __init__(self, label: str, choices: list[tuple[str, str]], message: str, **kwargs: Any) -> None:
        super().__init__(label, choices=to_choices([("", "Choose"), *choices]), coerce=str, **kwargs)
        self.message = message

    def pre_validate(self, form: Any) -> None:
        if not self.data:
            raise StopValidation(self.message)
        if self.data not in {choice.value for choice in self.choices}:  # type: ignore[union-attr]
            raise StopValidation(self.message)


class VersionedForm(FlaskForm):
    """Carries the version of the record the user started editing (optimistic lock)."""

    version = HiddenField()

    def validate_version(self, field: HiddenField) -> None:
        # ASCII digits only, and few of them: str.isdigit() accepts "²", which int() refuses.
        if not re.fullmatch(r"[0-9]{1,9}", field.data or ""):
            raise ValidationError("This form is out of date: reload the page and try again")

    @property
    def expected_version(self) -> int:
        return int(self.version.data)


class ConfirmForm(FlaskForm):
    """A bare confirmation (CSRF token and a button) for destructive actions."""

    submit = SubmitField("Confirm", widget=GovSubmitInput())


__all__ = [
    "ChoiceOf",
    "to_choices",
    "ConfirmForm",
    "IntegerField",
    "RatingField",
    "VersionedForm",
    "impact",
    "likelihood",
    "required_paragraph",
    "required_text",
]


def page_asked() -> int:
    """The page number in the query string; 1 when it is missing or not a number (services keep it in range)."""
    page = request.args.get("page", "1")
    return int(page) if page.isdecimal() else 1


def render_form(template: str, form: FlaskForm, **context: Any):
    """Render a form page: 400 when a submitted form had errors, so failures are visible in logs and tests."""
    return render_template(template, form=form, **context), 400 if form.errors else 200


def with_error(form: FlaskForm, message: str) -> FlaskForm:
    """The form with ``message`` above its fields (and in the page's error summary)."""
    form.form_errors.append(message)
    return form


def refuse(template: str, form: FlaskForm, message: str, status: int, **context: Any):
    """Show a refusal from a service as an error at the top of the form; the user's input stays."""
    with_error(form, message)
    return render_template(template, form=form, **context), status


class Refused(Exception):  # noqa: N818 - not an error: a response, already rendered
    """A refusal already rendered by ``refusals``: riskreg/web/hooks.py answers it as it is (and rolls back)."""

    def __init__(self, response: Any) -> None:
        super().__init__("refused")
        self.response = response


@contextmanager
def refusals(show: Callable[[str, int, str | None], Any], stale: str | None = None, status: int = 400) -> Iterator:
    """A service's refusal inside the block answered with ``show(message, status, field)``: 409 for a stale edit
    (``stale``, or the service's message), 403 for NotAllowed, otherwise ``status``. The web's counterpart of
    the API's ``service_refusals()``."""
    try:
        yield
    except (StaleEdit, StaleDataError) as error:
        raise Refused(show(stale or str(StaleEdit()), 409, None)) from error
    except ServiceError as error:
        raise Refused(show(str(error), 403 if isinstance(error, NotAllowed) else status, error.field)) from error


def form_refusals(
    template: str,
    form: FlaskForm,
    *,
    stale: str | None = None,
    status: int = 400,
    at_field: bool = False,
    **context: Any,
):
    """``refusals`` shown on ``form`` with the user's input kept: above the form, or (``at_field``) at the field
    the service names when the form has it (a form's FIELD_NAMES maps the service's names to its own)."""

    def show(message: str, status: int, field: str | None):
        name = getattr(form, "FIELD_NAMES", {}).get(field, field) if at_field and field else None
        if name is None or name not in form:
            return refuse(template, form, message, status, **context)
        form[name].errors = [*form[name].errors, message]
        return render_template(template, form=form, **context), status

    return refusals(show, stale, status)
