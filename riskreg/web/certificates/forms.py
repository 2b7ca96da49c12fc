"""Forms for certificates of assurance and the certificate template."""

from typing import Any

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovPasswordInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import PasswordField, RadioField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, StopValidation

from riskreg.enums import Declaration, Opinion, ValidationOutcome
from riskreg.rules.evidence import Period
from riskreg.rules.opinion import REASON_MAX
from riskreg.services.certificates.content import ISSUE_MAX, OWNER_MAX
from riskreg.services.certificates.templates import RESPONSIBILITY_MAX, STATEMENT_MAX, TITLE_MAX
from riskreg.services.certificates.workflow import EXCEPTION_MAX, NOTES_MAX
from riskreg.web.assurance.forms import date_field
from riskreg.web.forms import VersionedForm, required_text, to_choices

MISSING_VERSION = "This form is out of date: reload the page and try again"


def version_missing(form: VersionedForm) -> bool:
    """A posted form without the version it was read at (issue 18): refused with 428, never taken as current.
    (A hidden field left out of the post would otherwise keep the version the route filled in.)"""
    return form.is_submitted() and not form.version.raw_data


class Radios(RadioField):
    """Radios with the GOV.UK message ("Select ...") whether nothing or something unknown was posted."""

    widget = GovRadioInput()

    def __init__(self, label: str, choices: list[tuple[str, str]], message: str, **kwargs: Any) -> None:
        super().__init__(label, choices=to_choices(choices), validators=[InputRequired(message)], **kwargs)
        self.message = message

    def pre_validate(self, form: Any) -> None:
        if self.data not in {choice.value for choice in self.choices}:  # type: ignore[union-attr]
            raise StopValidation(self.message)


def radios(label: str, choices: list[tuple[str, str]], message: str) -> Radios:
    return Radios(label, choices, message)


class PrepareForm(FlaskForm):
    period = radios("Financial year", [], "Select the financial year")
    submit = SubmitField("Prepare a draft", widget=GovSubmitInput())

    def set_periods(self, periods: list[Period]) -> None:
        self.period.choices = to_choices(
            [
                (period.label, f"{period.label} (1 April {period.start.year} to 31 March {period.end.year})")
                for period in periods
            ]
        )
        if not self.period.data and periods:
            self.period.data = periods[0].label


class DeclarationForm(VersionedForm):
    declaration = radios("Declaration", Declaration.choices(), "Select a declaration")
    exception_text = TextAreaField(
        "Explain the exception",
        validators=[Length(max=EXCEPTION_MAX, message=f"The explanation must be {EXCEPTION_MAX} characters or fewer")],
        widget=GovTextArea(),
        description="What was not assured, why, and what is being done about it. Needed unless the assertion is "
        "declared assured.",
    )
    submit = SubmitField("Save the declaration", widget=GovSubmitInput())

    def validate_exception_text(self, field: TextAreaField) -> None:
        qualified = self.declaration.data and self.declaration.data != Declaration.ASSURED.value
        if qualified and not (field.data or "").strip():
            raise StopValidation("Explain the exception: what was not assured, and what is being done about it")

    @property
    def chosen(self) -> Declaration:
        return Declaration(self.declaration.data)


class CountermeasureChoice(SelectMultipleField):
    """Checkboxes drawn by the template, grouped by risk; the choices are the countermeasures that may be linked."""

    def pre_validate(self, form: Any) -> None:
        allowed = {str(value) for value, _label in self.choices}  # type: ignore[misc]
        if any(value not in allowed for value in self.data or []):
            raise StopValidation("Select countermeasures from the list")


class LinkForm(VersionedForm):
    countermeasures = CountermeasureChoice("Countermeasures", choices=[], coerce=str)
    submit = SubmitField("Save the countermeasures", widget=GovSubmitInput())

    def set_choices(self, ids: list[int]) -> None:
        self.countermeasures.choices = [(str(cm_id), str(cm_id)) for cm_id in ids]

    @property
    def chosen(self) -> set[int]:
        return {int(value) for value in self.countermeasures.data or []}


class MeasureChoice(SelectMultipleField):
    """Checkboxes drawn by the template; the choices are the unit's measures."""

    def pre_validate(self, form: Any) -> None:
        allowed = {str(value) for value, _label in self.choices}  # type: ignore[misc]
        if any(value not in allowed for value in self.data or []):
            raise StopValidation("Select measures from the list")


class CiteForm(VersionedForm):
    measures = MeasureChoice("Measures", choices=[], coerce=str)
    submit = SubmitField("Save the measures", widget=GovSubmitInput())

    def set_choices(self, ids: list[int]) -> None:
        self.measures.choices = [(str(key), str(key)) for key in ids]

    @property
    def chosen(self) -> set[int]:
        return {int(value) for value in self.measures.data or []}


class StepForm(VersionedForm):
    """A workflow button (submit, withdraw, start a correction) carrying the version the page showed."""

    submit = SubmitField("Continue", widget=GovSubmitInput())


class SignForm(VersionedForm):
    password = PasswordField(
        "Your password",
        validators=[DataRequired("Enter your password")],
        widget=GovPasswordInput(),
        description="You are signing as yourself: enter the password you sign in with.",
    )
    # Asked for (and shown) only when the signer has a second factor (issue 17).
    code = StringField(
        "Code from your authenticator app",
        validators=[Optional()],
        widget=GovTextInput(),
        description="The 6-digit code your app shows now, or one of your recovery codes",
    )
    submit = SubmitField("Sign the certificate", widget=GovSubmitInput())


class ValidationForm(VersionedForm):
    outcome = radios("Internal audit's conclusion", ValidationOutcome.choices(), "Select validated or challenged")
    notes = TextAreaField(
        "Notes",
        validators=[
            DataRequired("Enter your notes"),
            Length(max=NOTES_MAX, message=f"Your notes must be {NOTES_MAX} characters or fewer"),
        ],
        widget=GovTextArea(),
        description="What you checked and what you found. A challenge says what the unit must correct.",
    )
    submit = SubmitField("Record the conclusion", widget=GovSubmitInput())


class SectionForm(VersionedForm):
    title = required_text("Section title", "Enter the section title", TITLE_MAX)
    submit = SubmitField("Save the section", widget=GovSubmitInput())


class TemplateAssertionForm(VersionedForm):
    statement = TextAreaField(
        "Assertion",
        validators=[
            DataRequired("Enter the assertion"),
            Length(max=STATEMENT_MAX, message=f"The assertion must be {STATEMENT_MAX} characters or fewer"),
        ],
        widget=GovTextArea(),
        description="What the unit head asserts, for example “Controls over custody time limits operated "
        "effectively throughout the year”.",
    )
    submit = SubmitField("Save the assertion", widget=GovSubmitInput())


class TemplateRemoveForm(VersionedForm):
    """Confirms removing a section or an assertion from the template, at the version the page showed."""

    submit = SubmitField("Remove", widget=GovSubmitInput())


class ResponsibilityForm(VersionedForm):
    statement = TextAreaField(
        "Statement of responsibility",
        validators=[
            DataRequired("Enter the statement of responsibility"),
            Length(max=RESPONSIBILITY_MAX, message=f"The statement must be {RESPONSIBILITY_MAX} characters or fewer"),
        ],
        widget=GovTextArea(),
        description="What every head certifies they are accountable for. riskreg fills in {title} (for example "
        "Chief Crown Prosecutor), {unit}, {period} (2025-26), {period_end} (31 March 2026) and {name} (the signer).",
    )
    submit = SubmitField("Save the statement", widget=GovSubmitInput())


class OpinionForm(VersionedForm):
    opinion = radios("Overall opinion", Opinion.choices(), "Select an overall opinion")
    reason = TextAreaField(
        "Why a different opinion from the one the evidence supports",
        validators=[Length(max=REASON_MAX, message=f"The reason must be {REASON_MAX} characters or fewer")],
        widget=GovTextArea(),
        description="Needed only when you choose an opinion other than the one proposed.",
    )
    submit = SubmitField("Save the opinion", widget=GovSubmitInput())

    @property
    def chosen(self) -> Opinion:
        return Opinion(self.opinion.data)


class IssueForm(VersionedForm):
    issue = TextAreaField(
        "Significant issue",
        validators=[
            DataRequired("Describe the issue"),
            Length(max=ISSUE_MAX, message=f"The issue must be {ISSUE_MAX} characters or fewer"),
        ],
        widget=GovTextArea(),
        description="What went wrong or is not assured, and why it matters.",
    )
    action = TextAreaField(
        "Action",
        validators=[
            DataRequired("Say what action is being taken"),
            Length(max=ISSUE_MAX, message=f"The action must be {ISSUE_MAX} characters or fewer"),
        ],
        widget=GovTextArea(),
    )
    owner = required_text("Owner", "Enter who owns the action", OWNER_MAX, "A person or post, such as Deputy CCP")
    due_on = date_field("Due date", "Enter the due date")
    submit = SubmitField("Add the issue", widget=GovSubmitInput())


class ChallengeLinkForm(FlaskForm):
    countermeasure = radios("Which link do you challenge?", [], "Select the countermeasure whose link you challenge")
    reason = TextAreaField(
        "Why does this control not support the statement?",
        validators=[
            DataRequired("Enter why the control does not support the assertion"),
            Length(max=2000, message="The reason must be 2000 characters or fewer"),
        ],
        widget=GovTextArea(),
        description="The unit sees this and answers it. Until it does, the link does not count towards the evidence.",
    )
    submit = SubmitField("Challenge the link", widget=GovSubmitInput())


class AnswerChallengeForm(FlaskForm):
    answer = TextAreaField(
        "Your answer",
        validators=[
            DataRequired("Enter your answer"),
            Length(max=2000, message="Your answer must be 2000 characters or fewer"),
        ],
        widget=GovTextArea(),
        description="Why the control does support the statement, or what you have changed. The link counts again.",
    )
    submit = SubmitField("Send the answer", widget=GovSubmitInput())
