from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import GovFileInput, GovRadioInput, GovSelect, GovSubmitInput, GovTextInput
from wtforms import HiddenField, IntegerField, RadioField, SelectField, SubmitField
from wtforms.validators import InputRequired, NumberRange, Optional

from riskreg.enums import Influence
from riskreg.importing.fields import FIELD_BY_KEY, FIELDS, IGNORE
from riskreg.importing.mapping import Mapping
from riskreg.importing.values import clean_text, one_line
from riskreg.services import vocabulary
from riskreg.web.forms import to_choices

FIELD_CHOICES = [(IGNORE, FIELD_BY_KEY[IGNORE].label)] + [(f.key, f.label) for f in FIELDS if f.key != IGNORE]
SCALE_CHOICES = [
    ("", "Work it out from the data"),
    ("3", "1 to 3"),
    ("4", "1 to 4"),
    ("5", "1 to 5"),
    ("10", "1 to 10"),
]
DEFAULTS = {
    "category": ("Category for rows without one", lambda: vocabulary.categories().choices()),
    "objective": ("Strategic objective for rows without one", lambda: vocabulary.objectives().choices()),
    "influence": ("Local influence for rows without one", Influence.choices),
}


class UploadForm(FlaskForm):
    file = FileField(
        "Upload a register",
        validators=[FileRequired("Select a register file")],
        widget=GovFileInput(),
        description="An Excel workbook (.xlsx), a CSV file or a JSON file",
    )
    mapping_file = FileField(
        "Saved column mapping (optional)",
        widget=GovFileInput(),
        description="A mapping file you downloaded from an earlier import of a register laid out the same way",
    )
    submit = SubmitField("Upload and preview", widget=GovSubmitInput())


class LayoutForm(FlaskForm):
    sheet = RadioField(
        "Which sheet holds the register?",
        widget=GovRadioInput(),
        validators=[InputRequired("Select the sheet that holds the register")],
    )
    header_row = IntegerField(
        "Which row holds the headings?",
        validators=[Optional(), NumberRange(min=1, max=100_000, message="Enter a row number, like 3")],
        widget=GovTextInput(),
        description="The row number as your spreadsheet shows it. Leave it empty for riskreg to find it.",
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())

    def set_sheets(self, candidates) -> None:
        choices = []
        for candidate in candidates:
            hint = (
                f"Headings found on row {candidate.header_line}"
                if candidate.usable
                else "No row of register headings found"
            )
            choices.append((candidate.sheet, f"{candidate.sheet} ({hint})"))
        self.sheet.choices = to_choices(choices)


class ConfirmImportForm(FlaskForm):
    fingerprint = HiddenField()
    submit = SubmitField("Import", widget=GovSubmitInput())


def _hint(column) -> str:
    examples = [f"‘{one_line(sample, 30)}’" for sample in column.samples[:3] if clean_text(sample)]
    return f"Column {column.letter}. " + (f"For example {', '.join(examples)}" if examples else "Empty")


class MappingFormBase(FlaskForm):
    columns: list = []

    def column_fields(self):
        return [self[f"column_{n}"] for n in range(len(self.columns))]

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        chosen: dict[str, str] = {}
        for field, column in zip(self.column_fields(), self.columns, strict=True):
            target = field.data
            if target not in FIELD_BY_KEY:
                field.errors.append("Select what this column holds")
                valid = False
            elif target != IGNORE and not FIELD_BY_KEY[target].many and target in chosen:
                field.errors.append(
                    f"Choose {FIELD_BY_KEY[target].label.split(' (')[0].lower()} for one column "
                    f"only (it is already chosen for ‘{chosen[target]}’)"
                )
                valid = False
            else:
                chosen.setdefault(target, column.name)
        return valid

    def mapping(self, base: Mapping) -> Mapping:
        columns = {column.name: field.data for field, column in zip(self.column_fields(), self.columns, strict=True)}
        scales = {dim: int(self[f"scale_{dim}"].data) for dim in ("likelihood", "impact") if self[f"scale_{dim}"].data}
        defaults = {key: self[f"default_{key}"].data for key in DEFAULTS if self[f"default_{key}"].data}
        return Mapping(columns, scales, defaults, base.sheet, base.header_row)


def mapping_form(columns, mapping: Mapping) -> MappingFormBase:
    """A select for every column of this file, with defaults and scales, filled in from ``mapping``."""
    attributes = {"columns": columns}
    data = {}
    for n, column in enumerate(columns):
        attributes[f"column_{n}"] = SelectField(
            column.name, choices=to_choices(FIELD_CHOICES), widget=GovSelect(), description=_hint(column)
        )
        data[f"column_{n}"] = mapping.field_of(column.name)
    for key, (label, offered) in DEFAULTS.items():
        choices = to_choices([("", "None: rows without one cannot be imported"), *offered()])
        attributes[f"default_{key}"] = SelectField(label, choices=choices, widget=GovSelect())
        data[f"default_{key}"] = mapping.defaults.get(key, "")
    for dim in ("likelihood", "impact"):
        attributes[f"scale_{dim}"] = SelectField(
            f"{dim.capitalize()} scale", choices=to_choices(SCALE_CHOICES), widget=GovSelect()
        )
        data[f"scale_{dim}"] = str(mapping.scales.get(dim, ""))
    attributes["submit"] = SubmitField("Preview with this mapping", widget=GovSubmitInput())
    form_class = type("MappingForm", (MappingFormBase,), attributes)
    return form_class(data=data)
