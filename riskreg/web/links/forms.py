from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSubmitInput
from wtforms import RadioField, SubmitField
from wtforms.validators import InputRequired

from riskreg.enums import LinkKind
from riskreg.web.forms import ChoiceOf, required_paragraph, required_text, to_choices
from riskreg.web.risks.forms import RiskForm, risk_form_data

KIND_HINTS = {
    LinkKind.CONTRIBUTES_TO: "This risk informs a risk in a higher-level register, for example a corporate risk",
    LinkKind.DUPLICATES: "The two risks are the same risk, written in two registers",
    LinkKind.RELATED: "The risks affect each other but neither informs the other",
}


def _rationale():
    return required_paragraph(
        "Why are the risks linked?",
        "Enter why the risks are linked",
        hint="The committee and both registers' owners will read this",
    )


class LinkForm(FlaskForm):
    kind = RadioField(
        "How is this risk linked to the other?",
        choices=to_choices(LinkKind.choices()),
        validators=[InputRequired("Select how the risks are linked")],
        widget=GovRadioInput(),
    )
    target_ref = required_text(
        "Reference of the other risk",
        "Enter the reference of the other risk",
        max_length=24,
        hint="For example, HQ-003. It must be in a different register.",
    )
    rationale = _rationale()
    submit = SubmitField("Link the risks", widget=GovSubmitInput())

    @staticmethod
    def kind_items() -> list[dict]:
        return [{"value": kind.value, "hint": {"text": KIND_HINTS[kind]}} for kind in LinkKind]


class EscalateForm(FlaskForm):
    target_id = ChoiceOf("Corporate risk", [], "Select a corporate risk")
    rationale = _rationale()
    submit = SubmitField("Link to the corporate risk", widget=GovSubmitInput())

    def set_targets(self, risks) -> None:
        self.target_id.choices = to_choices([("", "Choose")] + [(str(r.id), f"{r.ref} {r.title}") for r in risks])


class CascadeForm(FlaskForm):
    register = ChoiceOf("Register", [], "Select a register")
    submit = SubmitField("Continue", widget=GovSubmitInput())

    def set_registers(self, registers) -> None:
        choices = [("", "Choose")] + [(r.unit.code, f"{r.unit.name} ({r.unit.code})") for r in registers]
        self.register.choices = to_choices(choices)


class LinkedRiskForm(RiskForm):
    """A new risk made from another (escalation or cascade), with why the two are linked."""

    rationale = _rationale()
    submit = SubmitField("Create the risk and link it", widget=GovSubmitInput())


def prefill_from(risk) -> dict:
    """Form data for a new risk that starts as a copy of ``risk`` (its owner is chosen anew)."""
    data = risk_form_data(risk)
    for name in ("owner_id", "version"):
        data.pop(name, None)
    return data
