from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import DateField, RadioField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from riskreg.enums import CommitteeActionStatus
from riskreg.services.committee import COMMENT_MAX_LENGTH, MEETINGS_FROM, MEETINGS_UNTIL, is_meeting_date
from riskreg.services.committee_actions import NOTE_MAX_LENGTH, REQUEST_MAX_LENGTH
from riskreg.web.forms import ChoiceOf, GovDateInput, VersionedForm, required_paragraph, to_choices


class PackForm(FlaskForm):
    meeting = DateField(
        "Date of the committee meeting",
        format="%d %m %Y",
        validators=[InputRequired("Enter the date of the committee meeting")],
        widget=GovDateInput(),
        description="The pack includes the comments made in the three months up to the meeting. For example, 27 3 2026",
    )
    submit = SubmitField("Prepare the committee pack (PDF)", widget=GovSubmitInput())

    def validate_meeting(self, field: DateField) -> None:
        if field.data is not None and not is_meeting_date(field.data):
            raise ValidationError(
                f"The date of the committee meeting must be between {MEETINGS_FROM:%-d %B %Y} "
                f"and {MEETINGS_UNTIL:%-d %B %Y}"
            )


class CommentForm(FlaskForm):
    body = required_paragraph(
        "Comment",
        "Enter a comment",
        max_length=COMMENT_MAX_LENGTH,
        hint="The risk’s owner and its register’s risk managers will see this on the risk’s page",
    )
    submit = SubmitField("Add comment", widget=GovSubmitInput())


class ActionForm(VersionedForm):
    """Raise or change a committee action (the version is empty, and unchecked, when raising one)."""

    request = required_paragraph(
        "What the committee asked for",
        "Enter what the committee asked for",
        max_length=REQUEST_MAX_LENGTH,
        hint="One request, as the minutes record it",
    )
    risk_ref = StringField(
        "Corporate risk it concerns (optional)",
        validators=[Optional(), Length(max=20, message="Enter a corporate risk reference, like HQ-003")],
        widget=GovTextInput(),
        description="Its reference, for example HQ-003",
    )
    owner_id = ChoiceOf("Owner", [], "Select who owns the action")
    raised_on = DateField(
        "Date of the meeting that raised it",
        format="%d %m %Y",
        validators=[InputRequired("Enter the date of the meeting that raised it")],
        widget=GovDateInput(),
        description="For example, 27 3 2026",
    )
    due_on = DateField(
        "Due date",
        format="%d %m %Y",
        validators=[InputRequired("Enter the due date")],
        widget=GovDateInput(),
        description="For example, 30 6 2026",
    )
    submit = SubmitField("Save action", widget=GovSubmitInput())

    FIELD_NAMES = {"risk": "risk_ref"}

    def set_owners(self, users) -> None:
        self.owner_id.choices = to_choices([("", "Choose"), *((str(user.id), user.name) for user in users)])

    def validate_version(self, field) -> None:
        if field.data:
            super().validate_version(field)

    def values(self) -> dict:
        return {
            "request": self.request.data,
            "risk_ref": self.risk_ref.data or "",
            "owner_id": int(self.owner_id.data),
            "raised_on": self.raised_on.data,
            "due_on": self.due_on.data,
        }


class CloseActionForm(VersionedForm):
    status = RadioField(
        "Is the action done, or has the committee dropped it?",
        choices=to_choices(
            [(CommitteeActionStatus.DONE.value, "Done"), (CommitteeActionStatus.DROPPED.value, "Dropped")]
        ),
        validators=[InputRequired("Select whether the action is done or dropped")],
        widget=GovRadioInput(),
    )
    note = TextAreaField(
        "Note for the committee",
        validators=[Length(max=NOTE_MAX_LENGTH, message=f"The note must be {NOTE_MAX_LENGTH} characters or fewer")],
        widget=GovTextArea(),
        description="What was done, or why the committee dropped it (needed when dropped)",
    )
    submit = SubmitField("Close the action", widget=GovSubmitInput())


class MeetingForm(FlaskForm):
    """Which meeting's action log to show (a GET form: nothing changes, so no CSRF token)."""

    class Meta:
        csrf = False

    meeting = DateField(
        "Date of the meeting",
        format="%d %m %Y",
        validators=[InputRequired("Enter the date of the meeting")],
        widget=GovDateInput(),
        description="For example, 27 3 2026",
    )
    submit = SubmitField("Show the log for this meeting", widget=GovSubmitInput())

    def validate_meeting(self, field: DateField) -> None:
        if field.data is not None and not is_meeting_date(field.data):
            raise ValidationError(
                f"The date of the meeting must be between {MEETINGS_FROM:%-d %B %Y} and {MEETINGS_UNTIL:%-d %B %Y}"
            )
