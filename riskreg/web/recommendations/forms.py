from govuk_frontend_wtf.wtforms_widgets import GovCheckboxesInput, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import HiddenField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import Length

from riskreg.enums import RecommendationSource, RecommendationStatus
from riskreg.web.assurance.forms import date_field, radios
from riskreg.web.forms import ChoiceOf, VersionedForm, required_paragraph, required_text, to_choices

STATUS_HINTS = {
    RecommendationStatus.ACCEPTED: "Accepted, work not started",
    RecommendationStatus.IN_PROGRESS: "Work to implement it has started",
    RecommendationStatus.IMPLEMENTED: "Done, with evidence of implementation",
    RecommendationStatus.NOT_ACCEPTED: "The organisation does not accept it: say why",
}


class RecommendationForm(VersionedForm):
    """A recommendation and the report it comes from (found, or added when new)."""

    source = radios(
        "Who made the recommendation?", RecommendationSource.choices(), "Select who made the recommendation"
    )
    title = required_text("Title of the report", "Enter the title of the report", max_length=300)
    body = required_text(
        "Published by",
        "Enter who published the report",
        max_length=200,
        hint="For example, HM Crown Prosecution Service Inspectorate",
    )
    published_on = date_field("Date of the report", "Enter the date of the report")
    paragraph = required_text(
        "Paragraph",
        "Enter the paragraph number of the recommendation",
        max_length=20,
        hint="The report's paragraph number, for example 4.11",
    )
    text = required_paragraph("Recommendation", "Enter the recommendation", hint="As the report words it")
    unit = ChoiceOf("Unit responsible", [], "Select the unit responsible")
    owner = ChoiceOf("Owner", [], "Select an owner")
    due_on = date_field("Due date", "Enter the date the recommendation is due")
    risks = StringField(
        "Risks it concerns (optional)",
        widget=GovTextInput(),
        validators=[Length(max=1000, message="Risks it concerns must be 1000 characters or fewer")],
        description="Risk references separated by commas, for example LN-003, HQ-002",
    )
    countermeasures = SelectMultipleField(
        "Controls it concerns (optional)",
        choices=[],
        coerce=str,
        widget=GovCheckboxesInput(),
        description="The countermeasures of the risks it concerns",
    )
    submit = SubmitField("Save recommendation", widget=GovSubmitInput())

    FIELD_NAMES = {
        "source": "source",
        "title": "title",
        "body": "body",
        "published_on": "published_on",
        "paragraph": "paragraph",
        "text": "text",
        "unit": "unit",
        "due_on": "due_on",
        "risks": "risks",
    }

    def set_choices(self, units, owners, countermeasures) -> None:
        self.unit.choices = to_choices([("", "Choose"), *((unit.code, f"{unit.name} ({unit.code})") for unit in units)])
        self.owner.choices = to_choices([("", "Choose"), *((str(user.id), user.name) for user in owners)])
        self.countermeasures.choices = to_choices(
            [(str(item.id), f"{item.risk.ref}: {item.title}") for item in countermeasures]
        )

    def risk_refs(self) -> list[str]:
        return [ref.strip().upper() for ref in (self.risks.data or "").replace(";", ",").split(",") if ref.strip()]


class StatusForm(VersionedForm):
    status = radios(
        "New status",
        [(status.value, status.label) for status in RecommendationStatus],
        "Select the new status",
    )
    status_note = TextAreaField(
        "Note (optional)",
        validators=[Length(max=4000, message="Note must be 4000 characters or fewer")],
        widget=GovTextArea(),
        description="What was done, or why it is not accepted (needed for not accepted)",
    )
    confirmed = HiddenField()
    submit = SubmitField("Continue", widget=GovSubmitInput())

    FIELD_NAMES = {"status": "status", "status_note": "status_note", "file": "status"}

    @property
    def chosen(self) -> RecommendationStatus:
        return RecommendationStatus(self.status.data)
