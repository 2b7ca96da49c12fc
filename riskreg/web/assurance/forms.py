from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import (
    GovFileInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import DateField, RadioField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, StopValidation

from riskreg.enums import AssuranceLine, Conclusion, ControlTestMethod, EvidenceKind, TestNature
from riskreg.rules import uploads
from riskreg.services.assurance import evidence as evidence_service
from riskreg.services.assurance.evidence import EvidenceInput
from riskreg.web.forms import GovDateInput, required_text, to_choices

LARGEST_NUMBER = 1_000_000


def upload_hint() -> str:
    allowed = uploads.ALLOWED_TEXT[0].upper() + uploads.ALLOWED_TEXT[1:]
    return f"{allowed}, up to {uploads.size_text(evidence_service.max_bytes())}"


def read_upload(storage) -> tuple[bytes, str]:
    """An uploaded file's bytes and name; reads one byte past the limit, enough to know it is too large."""
    if storage is None or not getattr(storage, "filename", ""):
        return b"", ""
    return storage.stream.read(evidence_service.max_bytes() + 1), storage.filename


class WholeNumberField(StringField):
    """A count typed as text, with GOV.UK messages rather than "Not a valid integer value"."""

    widget = GovTextInput()

    def __init__(self, label: str, required_message: str | None = None, **kwargs: Any) -> None:
        super().__init__(label, **kwargs)
        self.required_message = required_message
        self.number: int | None = None

    def pre_validate(self, form: Any) -> None:
        text = (self.data or "").strip()
        self.number = None
        if not text:
            if self.required_message:
                raise StopValidation(self.required_message)
            return
        if not text.isdigit():
            raise StopValidation(f"{self.label.text} must be a whole number, like 25")
        if int(text) > LARGEST_NUMBER:
            raise StopValidation(f"{self.label.text} must be {LARGEST_NUMBER:,} or fewer")
        self.number = int(text)


def date_field(label: str, message: str) -> DateField:
    return DateField(
        label,
        format="%d %m %Y",
        validators=[InputRequired(message)],
        widget=GovDateInput(),
        description="For example, 12 3 2026",
    )


def radios(label: str, choices: list[tuple[str, str]], message: str) -> RadioField:
    return RadioField(label, choices=to_choices(choices), validators=[InputRequired(message)], widget=GovRadioInput())


NATURES = [
    (TestNature.OPERATING.value, "Operating effectiveness: the control worked over the period tested"),
    (TestNature.DESIGN.value, "Design only: the control is built to work (a walkthrough tests design only)"),
]


class ControlTestForm(FlaskForm):
    tested_on = date_field("Date of the test", "Enter the date of the test")
    line = radios("Line of assurance", [], "Select the line of assurance")
    method = radios("How was the control tested?", ControlTestMethod.choices(), "Select how the control was tested")
    nature = radios("What did the test show?", NATURES, "Select whether the test looked at design or operation")
    population = WholeNumberField(
        "Population", description="How many times the control operated in the period tested, if known"
    )
    sample_size = WholeNumberField(
        "Sample size", description="How many items were tested. Leave blank for a walkthrough or an inquiry"
    )
    exceptions = WholeNumberField(
        "Exceptions found",
        "Enter how many exceptions were found, or 0",
        description="How many items in the sample did not meet the control",
    )
    exceptions_tolerated = WholeNumberField(
        "Exceptions tolerated",
        "Enter how many exceptions the test tolerates, or 0",
        description="Decided before testing: more exceptions than this and the control is not effective",
    )
    conclusion = radios("Conclusion", Conclusion.choices(), "Select the conclusion of the test")
    notes = TextAreaField(
        "What the test found",
        validators=[Optional(), Length(max=4000, message="What the test found must be 4000 characters or fewer")],
        widget=GovTextArea(),
    )
    evidence_file = FileField("Upload evidence (optional)", widget=GovFileInput())
    evidence_url = StringField(
        "Or give a link to the evidence (optional)",
        widget=GovTextInput(),
        description="A web address starting with https://, for example on the intranet",
    )
    evidence_title = StringField(
        "Title of the evidence",
        validators=[Length(max=200, message="The title must be 200 characters or fewer")],
        widget=GovTextInput(),
        description="For example, Sample test working papers. Leave blank to use the file name",
    )
    submit = SubmitField("Record test", widget=GovSubmitInput())

    # Service refusals name the evidence field at fault; these are its names on this form.
    FIELD_NAMES = {
        "file": "evidence_file",
        "url": "evidence_url",
        "title": "evidence_title",
        "dated_on": "tested_on",
        "conclusion": "conclusion",
        "nature": "nature",
    }

    def set_lines(self, lines: list[AssuranceLine]) -> None:
        self.line.choices = to_choices([(line.value, line.label) for line in lines])

    def values(self) -> dict:
        return {
            "tested_on": self.tested_on.data,
            "line": AssuranceLine(self.line.data),
            "method": ControlTestMethod(self.method.data),
            "nature": TestNature(self.nature.data),
            "population": self.population.number,
            "sample_size": self.sample_size.number,
            "exceptions": self.exceptions.number or 0,
            "exceptions_tolerated": self.exceptions_tolerated.number or 0,
            "conclusion": Conclusion(self.conclusion.data),
            "notes": (self.notes.data or "").strip(),
        }

    def evidence_items(self) -> list[EvidenceInput]:
        """The file and the link given with the test, each dated the day of the test."""
        items = []
        data, filename = read_upload(self.evidence_file.data)
        title = (self.evidence_title.data or "").strip()
        if filename:
            items.append(
                EvidenceInput(EvidenceKind.FILE, title or filename, self.tested_on.data, data=data, filename=filename)
            )
        url = (self.evidence_url.data or "").strip()
        if url:
            items.append(EvidenceInput(EvidenceKind.LINK, title or url[:200], self.tested_on.data, url=url))
        return items


EVIDENCE_KINDS = [
    (EvidenceKind.FILE.value, "A file to upload"),
    (EvidenceKind.LINK.value, "A link to a web page or document"),
    (EvidenceKind.REFERENCE.value, "A reference to where it is kept, such as a report number or a paper file"),
]


class EvidenceForm(FlaskForm):
    kind = radios("What kind of evidence is it?", EVIDENCE_KINDS, "Select what kind of evidence it is")
    title = required_text("Title", "Enter a title for the evidence", max_length=200)
    file = FileField("File", widget=GovFileInput())
    url = StringField("Web address", widget=GovTextInput(), description="For a link. Starting with https://")
    source = StringField(
        "Where it is kept or who produced it",
        widget=GovTextInput(),
        validators=[Length(max=300, message="Where it is kept must be 300 characters or fewer")],
        description="Needed for a reference. For example, Internal audit report IA 2025/07, section 3",
    )
    dated_on = date_field("Date of the evidence", "Enter the date of the evidence")
    submit = SubmitField("Add evidence", widget=GovSubmitInput())

    FIELD_NAMES = {"file": "file", "url": "url", "title": "title", "source": "source", "dated_on": "dated_on"}

    def item(self) -> EvidenceInput:
        kind = EvidenceKind(self.kind.data)
        data, filename = read_upload(self.file.data) if kind is EvidenceKind.FILE else (b"", "")
        url = (self.url.data or "") if kind is EvidenceKind.LINK else ""
        return EvidenceInput(
            kind,
            self.title.data,
            self.dated_on.data,
            source=self.source.data or "",
            url=url,
            data=data,
            filename=filename,
        )
