from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextArea, GovTextInput
from wtforms import DateField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from riskreg.web.forms import ChoiceOf, GovDateInput, VersionedForm, required_paragraph, required_text, to_choices


class AgreeActionForm(FlaskForm):
    title = required_text("Action", "Enter the action agreed", max_length=200)
    owner_id = ChoiceOf("Owner", [], "Select the action's owner")
    due_on = DateField(
        "Due date",
        format="%d %m %Y",
        validators=[InputRequired("Enter the due date")],
        widget=GovDateInput(),
        description="For example, 31 3 2027",
    )
    exit_criterion = required_paragraph(
        "Exit criterion",
        "Enter the exit criterion: what ends the monitoring",
        hint="What has to be true for the action to be closed, for example: no custody time limit failures for "
        "three months in a row",
    )
    risk_id = ChoiceOf("Risk it concerns (optional)", [], "Select a risk")
    submit = SubmitField("Record the action", widget=GovSubmitInput())

    def set_choices(self, owners, risks) -> None:
        self.owner_id.choices = to_choices([("", "Choose")] + [(str(user.id), user.name) for user in owners])
        self.risk_id.choices = to_choices(
            [("", "None")] + [(str(risk.id), f"{risk.ref} {risk.title}") for risk in risks]
        )
        self.risk_id.pre_validate = lambda form: None  # optional: "None" is a choice


class CloseActionForm(VersionedForm):
    note = TextAreaField(
        "How was the exit criterion met?",
        validators=[
            DataRequired("Say how the exit criterion was met"),
            Length(max=4000, message="Enter 4000 characters or fewer"),
        ],
        widget=GovTextArea(),
    )
    closed_on = DateField(
        "Date closed",
        format="%d %m %Y",
        validators=[InputRequired("Enter the date the action was closed")],
        widget=GovDateInput(),
    )
    submit = SubmitField("Close the action", widget=GovSubmitInput())


class CiteEvidenceForm(FlaskForm):
    measure_id = ChoiceOf("Measure", [], "Select a measure")
    document_title = StringField(
        "Or a document: its title",
        validators=[Optional(), Length(max=200, message="Title must be 200 characters or fewer")],
        widget=GovTextInput(),
        description="For example: Joint file quality dip sample, October",
    )
    document_reference = StringField(
        "Where to find it (optional)",
        validators=[Optional(), Length(max=500, message="Enter 500 characters or fewer")],
        widget=GovTextInput(),
        description="A link, or the file's reference",
    )
    submit = SubmitField("Cite the evidence", widget=GovSubmitInput())

    def set_measures(self, measures) -> None:
        self.measure_id.choices = to_choices([("", "None")] + [(str(m.id), m.name) for m in measures])
        self.measure_id.pre_validate = lambda form: None  # optional: a document will do instead

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        if not self.measure_id.data and not (self.document_title.data or "").strip():
            self.form_errors.append("Choose a measure or name a document")
            return False
        return True
