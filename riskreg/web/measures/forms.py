from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovFileInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import RadioField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, StopValidation, ValidationError

from riskreg.enums import MeasureDirection, MeasureFrequency
from riskreg.rules import measures as measure_rules
from riskreg.web.forms import ChoiceOf, VersionedForm, required_paragraph, required_text, to_choices

DIRECTIONS = [
    (MeasureDirection.HIGHER_IS_WORSE.value, "Higher is worse (failures, days late)"),
    (MeasureDirection.HIGHER_IS_BETTER.value, "Higher is better (attendance, timeliness rates)"),
]
FREQUENCIES = [
    (MeasureFrequency.MONTHLY.value, "Monthly"),
    (MeasureFrequency.QUARTERLY.value, "Quarterly (financial year quarters)"),
]


def _number(form: Any, field: StringField) -> None:
    try:
        field.number = measure_rules.parse_number(field.data or "", field.label.text)
    except ValueError as error:
        raise ValidationError(str(error)) from None


class RiskChoice(SelectMultipleField):
    widget = GovCheckboxesInput()

    def pre_validate(self, form: Any) -> None:
        allowed = {str(value) for value, _label in self.choices}  # type: ignore[misc]
        if any(value not in allowed for value in self.data or []):
            raise StopValidation("Select risks from the list")


class MeasureForm(VersionedForm):
    name = required_text("Name", "Enter the measure's name", max_length=200)
    definition = required_paragraph(
        "Definition", "Enter what the measure counts", hint="What is counted, and how, so anyone can check it"
    )
    unit_of_measure = StringField(
        "Unit of measure",
        validators=[Optional(), Length(max=40, message="Unit of measure must be 40 characters or fewer")],
        widget=GovTextInput(),
        description="For example: failures, %, days",
    )
    direction = RadioField(
        "Which way is better?",
        choices=to_choices(DIRECTIONS),
        validators=[InputRequired("Select which way is better")],
        widget=GovRadioInput(),
    )
    frequency = RadioField(
        "How often is there a value?",
        choices=to_choices(FREQUENCIES),
        validators=[InputRequired("Select how often there is a value")],
        widget=GovRadioInput(),
    )
    green_limit = StringField(
        "Green limit",
        validators=[_number],
        widget=GovTextInput(),
        description="The edge of green: where higher is worse, values up to it are green; where higher is better, "
        "values from it up",
    )
    red_limit = StringField(
        "Red limit (tolerance)",
        validators=[_number],
        widget=GovTextInput(),
        description="Beyond it a value is outside tolerance: it flags the risks the measure informs for review",
    )
    source = StringField(
        "Source",
        validators=[Optional(), Length(max=200, message="Source must be 200 characters or fewer")],
        widget=GovTextInput(),
        description="Where the figures come from: a system, a report, a partner",
    )
    risk_ids = RiskChoice("Risks it informs", choices=[], coerce=str, description="Select all that apply")
    submit = SubmitField("Save measure", widget=GovSubmitInput())

    FIELD_NAMES = {"name": "name", "red_limit": "red_limit", "risk_ids": "risk_ids"}

    def set_risks(self, risks) -> None:
        self.risk_ids.choices = [(str(risk.id), f"{risk.ref} {risk.title}") for risk in risks]

    def values(self) -> dict:
        return {
            "name": self.name.data.strip(),
            "definition": self.definition.data.strip(),
            "unit_of_measure": (self.unit_of_measure.data or "").strip(),
            "direction": MeasureDirection(self.direction.data),
            "frequency": MeasureFrequency(self.frequency.data),
            "green_limit": self.green_limit.number,
            "red_limit": self.red_limit.number,
            "source": (self.source.data or "").strip(),
        }

    @property
    def chosen_risks(self) -> list[int]:
        return [int(value) for value in self.risk_ids.data or []]


def measure_form_data(measure) -> dict:
    return {
        "name": measure.name,
        "definition": measure.definition,
        "unit_of_measure": measure.unit_of_measure,
        "direction": measure.direction.value,
        "frequency": measure.frequency.value,
        "green_limit": measure_rules.number_text(measure.green_limit).replace(",", ""),
        "red_limit": measure_rules.number_text(measure.red_limit).replace(",", ""),
        "source": measure.source,
        "risk_ids": [str(risk.id) for risk in measure.risks],
        "version": str(measure.version),
    }


class ValueForm(FlaskForm):
    period = ChoiceOf("Period", [], "Select the period the value is for")
    value = StringField("Value", validators=[_number], widget=GovTextInput())
    note = TextAreaField(
        "Note (optional)",
        validators=[Optional(), Length(max=2000, message="Note must be 2000 characters or fewer")],
        widget=GovTextArea(),
        description="Anything a reader needs to know: a change in counting, a late return",
    )
    submit = SubmitField("Save value", widget=GovSubmitInput())

    def set_periods(self, periods: list[tuple[str, str]]) -> None:
        self.period.choices = to_choices([("", "Choose"), *periods])


class ImportValuesForm(FlaskForm):
    upload = FileField(
        "Upload a file",
        widget=GovFileInput(),
        description="CSV or Excel, one row per measure and period, with the columns Measure, Period and Value "
        "(and Note if you like)",
    )
    submit = SubmitField("Import values", widget=GovSubmitInput())

    def validate_upload(self, field: FileField) -> None:
        if not field.data or not getattr(field.data, "filename", ""):
            raise ValidationError("Select a file to upload")
