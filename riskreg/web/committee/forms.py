from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput
from wtforms import DateField, SubmitField
from wtforms.validators import InputRequired, ValidationError

from riskreg.services.committee import COMMENT_MAX_LENGTH, MEETINGS_FROM, MEETINGS_UNTIL, is_meeting_date
from riskreg.web.forms import GovDateInput, required_paragraph


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
