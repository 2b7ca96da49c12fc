from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSubmitInput, GovTextArea
from wtforms import HiddenField, RadioField, SelectMultipleField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, ValidationError

from riskreg.enums import FlagKind
from riskreg.services.flags.scan import COMMENT_MAX_LENGTH
from riskreg.web.forms import VersionedForm, required_paragraph, to_choices

# What the HQ risk team can decide about a flag; a possible duplicate has its own choices.
DUPLICATE_CHOICES = [
    ("link", "Link as contributes to", "Keep both risks: the lower-level risk informs the higher-level one"),
    ("close_lower", "Mark as duplicate and close the lower-level risk", "Link them as duplicates and close {lower}"),
    ("close_higher", "Mark as duplicate and close the higher-level risk", "Link them as duplicates and close {higher}"),
    ("not_duplicate", "Not a duplicate", "Dismiss the flag; this pair will not be proposed again"),
]
SAME_LEVEL_LINK = ("link", "Link as related", "Keep both risks, each register's own, linked as related")
OTHER_CHOICES = [
    ("resolve", "Resolve", "The matter has been dealt with"),
    ("dismiss", "Dismiss", "It is not a problem; say why"),
]
ACKNOWLEDGE = ("acknowledge", "Acknowledge", "You have seen it and are taking it up with the register's owners")
# Choices that need a reason, and the GOV.UK message when it is missing.
REASON_NEEDED = {
    "link": "Enter why the risks are linked",
    "close_lower": "Enter why the risk is being closed",
    "close_higher": "Enter why the risk is being closed",
    "not_duplicate": "Enter why the risks are not duplicates",
    "dismiss": "Enter why the flag is being dismissed",
}


class DecideForm(VersionedForm):
    """Carries the flag's decision version (``version``): a decision made from an older page is refused."""

    decision = RadioField(
        "What do you want to do?",
        choices=[],
        validators=[InputRequired("Select what to do with the flag")],
        widget=GovRadioInput(),
    )
    reason = TextAreaField(
        "Reason",
        validators=[Length(max=4000, message="Reason must be 4000 characters or fewer")],
        widget=GovTextArea(),
        description="The register's owners will see this",
    )
    confirmed = HiddenField()
    submit = SubmitField("Continue", widget=GovSubmitInput())

    def set_choices(self, flag) -> list[dict]:
        """The choices for this flag, and their radio items (label and hint) for the template."""
        choices = DUPLICATE_CHOICES if flag.is_duplicate else OTHER_CHOICES
        if flag.kind is FlagKind.POSSIBLE_DUPLICATE:  # two registers at the same level: neither informs the other
            choices = [SAME_LEVEL_LINK, *choices[1:]]
        if flag.status.value == "open":
            choices = [ACKNOWLEDGE, *choices]
        refs = {"lower": flag.risk.ref, "higher": flag.other_risk.ref if flag.other_risk else ""}
        self.decision.choices = to_choices([(value, label) for value, label, _hint in choices])
        return [{"value": value, "hint": {"text": hint.format(**refs)}} for value, _label, hint in choices]

    def validate_reason(self, field) -> None:
        message = REASON_NEEDED.get(self.decision.data or "")
        if message and not (field.data or "").strip():
            raise ValidationError(message)

    @property
    def decision_label(self) -> str:
        return dict((choice.value, choice.label) for choice in self.decision.choices).get(self.decision.data, "")


class CommentForm(FlaskForm):
    body = required_paragraph(
        "Comment",
        "Enter a comment",
        max_length=COMMENT_MAX_LENGTH,
        hint="The HQ risk team and the register's owners will see this",
    )
    submit = SubmitField("Add comment", widget=GovSubmitInput())


class BulkAcknowledgeForm(FlaskForm):
    flag_ids = SelectMultipleField("Flags", choices=[], validate_choice=False, coerce=int)
    confirmed = HiddenField()
    # The queue's filters, carried through so the user goes back to the page they were on.
    kind = HiddenField()
    register = HiddenField()
    status = HiddenField()
    submit = SubmitField("Acknowledge selected flags", widget=GovSubmitInput())


class RaiseFlagForm(FlaskForm):
    kind = RadioField(
        "What needs attention?",
        validators=[InputRequired("Select what needs attention")],
        widget=GovRadioInput(),
        choices=to_choices([(kind.value, kind.label) for kind in FlagKind if not kind.is_pair]),
    )
    note = required_paragraph(
        "What should the register's owners look at?",
        "Enter what the register's owners should look at",
        hint="They will see this on the risk's page and on their home page",
    )
    submit = SubmitField("Raise flag", widget=GovSubmitInput())
