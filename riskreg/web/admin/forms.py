"""Forms of the administration pages."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import Email, InputRequired, Length, NumberRange, StopValidation

from riskreg.enums import AppetiteLevel, Band, Role, UnitKind
from riskreg.rules.scoring import appetite_of
from riskreg.services.administration.scoring import MAX_DAYS
from riskreg.services.administration.units import NAME_MAX, TITLE_MAX
from riskreg.web.forms import ChoiceOf, required_text, to_choices


def _unit_choices(units: list) -> list[tuple[str, str]]:
    return [(unit.code, f"{unit.name} ({unit.code})") for unit in units]


class InviteForm(FlaskForm):
    email = StringField(
        "Email address",
        validators=[
            InputRequired("Enter the person's email address"),
            Email("Enter an email address in the correct format, like name@example.com"),
            Length(max=254, message="The email address must be 254 characters or fewer"),
        ],
        widget=GovTextInput(),
        description="They will get a link to choose their password. It works once, within 7 days",
    )
    name = required_text("Full name", "Enter the person's name", max_length=120)
    submit = SubmitField("Send invitation", widget=GovSubmitInput())


class RoleForm(FlaskForm):
    role = ChoiceOf("Role", Role.choices(), "Select a role")
    unit = ChoiceOf("Unit", [], "Select a unit", description="The role applies to this unit and every unit inside it")
    submit = SubmitField("Continue", widget=GovSubmitInput())


class UnitForm(FlaskForm):
    code = required_text(
        "Code",
        "Enter the unit's code",
        max_length=16,
        hint="Short and stable: it appears in risk references and web addresses. For example, LN or SCCTD-CT",
    )
    name = required_text("Name", "Enter the unit's name", max_length=NAME_MAX)
    kind = ChoiceOf("Kind of unit", UnitKind.choices(), "Select the kind of unit")
    parent = ChoiceOf("Part of", [], "Choose the unit this one is part of")
    register_title = StringField(
        "Register title",
        validators=[Length(max=TITLE_MAX, message=f"Register title must be {TITLE_MAX} characters or fewer")],
        widget=GovTextInput(),
        description="Leave empty for “<name> risk register”",
    )
    submit = SubmitField("Add unit", widget=GovSubmitInput())


class RenameForm(FlaskForm):
    name = required_text("Name", "Enter the unit's name", max_length=NAME_MAX)
    register_title = required_text("Register title", "Enter the register's title", max_length=TITLE_MAX)
    submit = SubmitField("Save", widget=GovSubmitInput())


class MoveForm(FlaskForm):
    parent = ChoiceOf("Move under", [], "Choose the unit this one will be part of")
    submit = SubmitField("Move", widget=GovSubmitInput())


def set_unit_choices(field: ChoiceOf, units: list) -> None:
    """Offer these units (a select's first option still asks for a choice)."""
    field.choices = to_choices([("", "Choose"), *_unit_choices(units)])


def appetite_form(categories, rules) -> FlaskForm:
    """One select per category (named by its code), each level shown with its tolerance (the highest acceptable
    residual score); a category without a setting shows the appetite it is judged by (the least)."""
    levels = [(level.value, f"{level.label} (up to {rules.tolerance[level]})") for level in AppetiteLevel]

    class AppetiteForm(FlaskForm):
        submit = SubmitField("Save appetite", widget=GovSubmitInput())

    for category in categories:
        label = category.label + (" (retired)" if category.retired else "")
        setattr(
            AppetiteForm,
            category.code,
            ChoiceOf(label, levels, f"Select an appetite for {category.label.lower()}"),
        )
    return AppetiteForm(data={category.code: appetite_of(category.code, rules).value for category in categories})


class InheritOrLevel(SelectField):
    """A unit's appetite for one category: the first option inherits (its label says what), the others set one."""

    widget = GovSelect()

    def pre_validate(self, form) -> None:
        if self.data not in {choice.value for choice in self.choices}:  # type: ignore[union-attr]
            raise StopValidation(f"Select an appetite for {self.label.text.lower()}, or keep the inherited one")


def unit_appetite_form(rows, tolerance: dict[AppetiteLevel, int]) -> FlaskForm:
    """One select per category for a unit (``rows``: riskreg.services.administration.scoring.unit_appetite):
    inherit, its label saying what and from where, or one of the levels."""
    levels = [(level.value, f"{level.label} (up to {tolerance[level]})") for level in AppetiteLevel]

    class UnitAppetiteForm(FlaskForm):
        submit = SubmitField("Save appetite", widget=GovSubmitInput())

    for row in rows:
        inherit = f"Inherit: {row.inherited.label} (up to {tolerance[row.inherited]}), from {row.inherited_from}"
        setattr(
            UnitAppetiteForm,
            row.category.code,
            InheritOrLevel(row.category.label, choices=to_choices([("", inherit), *levels])),
        )
    return UnitAppetiteForm(data={row.category.code: row.own.value if row.own else "" for row in rows})


def cadence_form(current: dict[Band, int]) -> FlaskForm:
    class CadenceForm(FlaskForm):
        submit = SubmitField("Save cadence", widget=GovSubmitInput())

    for band in Band:
        message = f"Enter the days between reviews of {band.label.lower()} risks, from 1 to {MAX_DAYS}"
        field = IntegerField(
            f"{band.label} risks",
            validators=[InputRequired(message), NumberRange(min=1, max=MAX_DAYS, message=message)],
            widget=GovTextInput(),
            description="Days between reviews",
        )
        setattr(CadenceForm, band.value, field)
    return CadenceForm(data={band.value: days for band, days in current.items()})


class TermForm(FlaskForm):
    """A category or strategic objective: its name and what it covers."""

    label = required_text("Name", "Enter the name", max_length=80)
    description = TextAreaField(
        "Description (optional)",
        validators=[Length(max=2000, message="The description must be 2000 characters or fewer")],
        widget=GovTextArea(),
        description="What it covers, for people choosing one for a risk",
    )
    submit = SubmitField("Save", widget=GovSubmitInput())


class NewTermForm(TermForm):
    code = StringField(
        "Code (optional)",
        validators=[Length(max=32, message="The code must be 32 characters or fewer")],
        widget=GovTextInput(),
        description="What exports and the API use; it never changes. Leave it empty to make one from the name",
    )


# The appetite forms name a field after each category's code: a code may not be one of a form's own names.
FORM_NAMES = frozenset([*dir(FlaskForm), "submit"])


class MoveTermForm(FlaskForm):
    direction = ChoiceOf("Move", [("up", "Up"), ("down", "Down")], "Choose up or down")
