from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
)
from wtforms import BooleanField, DateField, HiddenField, RadioField, SelectField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from riskreg.enums import (
    ControlFrequency,
    CountermeasureKind,
    CountermeasureStatus,
    Influence,
    LinkKind,
    ReviewOutcome,
)
from riskreg.services import vocabulary
from riskreg.web.forms import (
    ChoiceOf,
    GovDateInput,
    VersionedForm,
    impact,
    likelihood,
    required_paragraph,
    required_text,
    to_choices,
)


class RiskForm(FlaskForm):
    title = required_text("Risk title", "Enter a risk title", max_length=200)
    cause = required_paragraph("Cause", "Enter the cause of the risk", hint="Because of…")
    event = required_paragraph("Risk event", "Enter the risk event", hint="There is a risk that…")
    consequence = required_paragraph("Consequence", "Enter the consequence of the risk", hint="Which would lead to…")
    # The organisation's own lists (administration), offered in __init__.
    category = ChoiceOf("Category", [], "Select a category")
    objective = ChoiceOf("Strategic objective", [], "Select a strategic objective")
    owner_id = ChoiceOf("Risk owner", [], "Select a risk owner")
    influence = RadioField(
        "How much can this unit influence the risk?",
        choices=to_choices(Influence.choices()),
        validators=[InputRequired("Select how much this unit can influence the risk")],
        widget=GovRadioInput(),
    )
    inherent_l = likelihood("Inherent likelihood")
    inherent_i = impact("Inherent impact")
    residual_l = likelihood("Residual likelihood")
    residual_i = impact("Residual impact")
    target_l = likelihood("Target likelihood")
    target_i = impact("Target impact")
    restricted = BooleanField(
        "Restricted: only people in this unit, HQ risk, the committee and internal audit can see it",
        widget=GovCheckboxInput(),
    )
    submit = SubmitField("Save risk", widget=GovSubmitInput())
    # Offered with the similar risks in other registers shown before saving (templates/risks/_similar.html).
    save_anyway = SubmitField("Save anyway", widget=GovSubmitInput())
    # Set by the "Link to this risk instead" buttons there: "<ref>:<link kind>".
    link_to = HiddenField()

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.offer_terms()

    def offer_terms(self, current: dict | None = None) -> None:
        """Active categories and objectives; ``current`` (a risk's own values) keeps a retired one it has."""
        current = current or {}
        for field, terms in ((self.category, vocabulary.categories()), (self.objective, vocabulary.objectives())):
            field.choices = to_choices([("", "Choose"), *terms.choices(current.get(field.name))])

    @property
    def link_choice(self) -> tuple[str, LinkKind] | None:
        """The risk to link to and how, from a "Link to this risk instead" button; None when none was pressed."""
        ref, _, kind = (self.link_to.data or "").partition(":")
        if not ref or kind not in (LinkKind.CONTRIBUTES_TO.value, LinkKind.RELATED.value):
            return None
        return ref, LinkKind(kind)

    def set_owners(self, owners) -> None:
        self.owner_id.choices = to_choices([("", "Choose")] + [(str(user.id), user.name) for user in owners])

    def values(self) -> dict:
        return {
            "title": self.title.data.strip(),
            "cause": self.cause.data.strip(),
            "event": self.event.data.strip(),
            "consequence": self.consequence.data.strip(),
            "category": self.category.data,
            "objective": self.objective.data,
            "owner_id": int(self.owner_id.data),
            "influence": Influence(self.influence.data),
            "restricted": bool(self.restricted.data),
            **{name: getattr(self, name).rating for name in RATINGS},
        }


RATINGS = ("inherent_l", "inherent_i", "residual_l", "residual_i", "target_l", "target_i")


class EditRiskForm(RiskForm, VersionedForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.offer_terms(kwargs.get("data"))


class ReviewForm(VersionedForm):
    reviewed_on = DateField(
        "Date of review",
        format="%d %m %Y",
        validators=[InputRequired("Enter the date of the review")],
        widget=GovDateInput(),
        description="For example, 27 3 2026",
    )
    residual_l = likelihood("Residual likelihood now")
    residual_i = impact("Residual impact now")
    commentary = required_paragraph(
        "Commentary", "Enter what the review found", hint="What has changed, and whether the countermeasures work"
    )
    outcome = RadioField(
        "Outcome",
        choices=to_choices(ReviewOutcome.choices()),
        validators=[InputRequired("Select the outcome of the review")],
        widget=GovRadioInput(),
    )
    submit = SubmitField("Record review", widget=GovSubmitInput())

    def values(self) -> dict:
        return {
            "reviewed_on": self.reviewed_on.data,
            "residual_l": self.residual_l.rating,
            "residual_i": self.residual_i.rating,
            "commentary": self.commentary.data.strip(),
            "outcome": ReviewOutcome(self.outcome.data),
        }


class CloseRiskForm(VersionedForm):
    reason = TextAreaField(
        "Why is this risk being closed?",
        validators=[InputRequired("Enter why the risk is being closed"), Length(max=4000)],
        widget=GovTextArea(),
    )
    submit = SubmitField("Close risk", widget=GovSubmitInput())


class CountermeasureForm(FlaskForm):
    title = required_text("Countermeasure", "Enter the countermeasure", max_length=200)
    description = TextAreaField(
        "Description",
        validators=[Optional(), Length(max=4000)],
        widget=GovTextArea(),
        description="How it works and where the evidence of it is kept",
    )
    kind = RadioField(
        "Kind",
        choices=to_choices(CountermeasureKind.choices()),
        validators=[InputRequired("Select the kind of countermeasure")],
        widget=GovRadioInput(),
    )
    owner_id = ChoiceOf("Owner", [], "Select an owner")
    status = SelectField("Status", choices=to_choices(CountermeasureStatus.choices()), widget=GovSelect())
    due_on = DateField(
        "Due date",
        format="%d %m %Y",
        validators=[Optional()],
        widget=GovDateInput(),
        description="When an action should be in place. For example, 27 3 2027",
    )
    implemented_on = DateField("Date put in place", format="%d %m %Y", validators=[Optional()], widget=GovDateInput())
    frequency = SelectField(
        "How often the control operates",
        choices=to_choices([("", "Not recorded"), *ControlFrequency.choices()]),
        widget=GovSelect(),
        default="",
        description="It sets the smallest sample a test needs to conclude the control is effective",
    )
    submit = SubmitField("Save countermeasure", widget=GovSubmitInput())

    def set_owners(self, owners) -> None:
        self.owner_id.choices = to_choices([("", "Choose")] + [(str(user.id), user.name) for user in owners])

    def set_statuses(self, statuses) -> None:
        self.status.choices = to_choices([(status.value, status.label) for status in statuses])

    def values(self) -> dict:
        return {
            "title": self.title.data.strip(),
            "description": (self.description.data or "").strip(),
            "kind": CountermeasureKind(self.kind.data),
            "owner_id": int(self.owner_id.data),
            "status": CountermeasureStatus(self.status.data),
            "due_on": self.due_on.data,
            "implemented_on": self.implemented_on.data,
            "frequency": ControlFrequency(self.frequency.data) if self.frequency.data else None,
        }


class EditCountermeasureForm(CountermeasureForm, VersionedForm):
    pass


class RetireCountermeasureForm(VersionedForm):
    submit = SubmitField("Confirm", widget=GovSubmitInput())


class ProgressForm(VersionedForm):
    """What a countermeasure's owner may change: its status, due date and progress (policy UPDATE_COUNTERMEASURE)."""

    status = RadioField(
        "Status",
        choices=to_choices([(s.value, s.label) for s in (CountermeasureStatus.PLANNED, CountermeasureStatus.IN_PLACE)]),
        validators=[InputRequired("Select the status of the countermeasure")],
        widget=GovRadioInput(),
    )
    due_on = DateField(
        "Due date",
        format="%d %m %Y",
        validators=[Optional()],
        widget=GovDateInput(),
        description="When it should be in place. For example, 27 3 2027",
    )
    progress = TextAreaField(
        "Progress",
        validators=[Optional(), Length(max=4000)],
        widget=GovTextArea(),
        description="What has been done, and what is still to do",
    )
    submit = SubmitField("Save progress", widget=GovSubmitInput())

    def values(self) -> dict:
        return {
            "status": CountermeasureStatus(self.status.data),
            "due_on": self.due_on.data,
            "progress": (self.progress.data or "").strip(),
        }


def progress_form_data(countermeasure) -> dict:
    return {
        "status": countermeasure.status.value,
        "due_on": countermeasure.due_on,
        "progress": countermeasure.progress,
        "version": str(countermeasure.version),
    }


def risk_form_data(risk) -> dict:
    """A risk as form data: selects and radios hold their values as strings."""
    data = {name: str(getattr(risk, name)) for name in (*RATINGS, "owner_id")}
    data.update(
        title=risk.title,
        cause=risk.cause,
        event=risk.event,
        consequence=risk.consequence,
        # A risk imported without them has none yet: the form asks for them (import first, tidy later).
        **{name: getattr(risk, name) for name in ("category", "objective") if getattr(risk, name)},
        **({"influence": risk.influence.value} if risk.influence else {}),
        restricted=risk.restricted,
        version=str(risk.version),
    )
    return data


def countermeasure_form_data(countermeasure) -> dict:
    return {
        "title": countermeasure.title,
        "description": countermeasure.description,
        "kind": countermeasure.kind.value,
        "owner_id": str(countermeasure.owner_id or ""),
        "status": countermeasure.status.value,
        "due_on": countermeasure.due_on,
        "implemented_on": countermeasure.implemented_on,
        "frequency": countermeasure.frequency.value if countermeasure.frequency else "",
        "version": str(countermeasure.version),
    }
