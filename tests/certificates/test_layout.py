"""The demo certificates as printed (issue 15): every page's running header names the section at the top of that
page, no heading is left at a page foot, and page 1 is the summary with a contents list. Rendered by WeasyPrint,
read back page by page with pypdf (tests/certificates/layout.py)."""

import re
from io import BytesIO

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from riskreg.clock import today, utcnow
from riskreg.demo import DEMO_PASSWORD
from riskreg.enums import Opinion
from riskreg.extensions import db
from riskreg.models import Certificate, Unit, User
from riskreg.services.certificates import documents, queries
from tests.certificates import layout

# PDF layout does not depend on the database engine: the SQLite pass checks it.
pytestmark = [pytest.mark.usefixtures("demo"), pytest.mark.engine_independent]
TRAILING = ["Significant issues and actions", "Automatic disclosures", "Since the period end", "Signature"]


def _certificate(code: str) -> Certificate:
    found = db.session.scalar(sa.select(Certificate.id).join(Certificate.unit).where(Unit.code == code))
    return queries.get_certificate(found)


def _headings(view) -> list[str]:
    sections = [f"{number}. {section.title}" for number, section in enumerate(view.sections, start=1)]
    units = ["Units' certificates"] if view.units else []
    return ["Summary", "Contents", "How the evidence is graded", *sections, *units, *TRAILING]


def _check(pdf: bytes, view) -> list[layout.Page]:
    assert layout.header_problems(pdf, _headings(view)) == []
    pages = layout.pages(pdf)
    # Every section opens on some page, so every running header had its chance to be wrong.
    body = [line for page in pages for line in page.lines]
    assert all(any(line.startswith(h[:30]) for line in body) for h in _headings(view))
    assert len({page.header for page in pages[1:]}) >= 5
    return pages


def test_the_demo_draft_has_running_headers_matching_each_pages_section_and_a_summary_page():
    certificate = _certificate("LN")
    view = queries.view(certificate, today())
    pdf = documents.render(view, utcnow())
    pages = _check(pdf, view)
    first = " ".join(pages[0].lines)
    assert pages[0].header == "" and "Summary" in first and "Overall opinion:" in first
    assert "Declarations:" in first and "Evidence:" in first and f"Exceptions ({view.exception_count})" in first
    # The contents list on page 1 (two columns, so a row may hold two entries) gives each section's real page.
    checked = 0
    for number, section in enumerate(view.sections, start=1):
        pattern = re.compile(re.escape(f"{number}. {section.title}") + r" ?\.{4,} ?(\d+)")
        found = [match for line in pages[0].lines if (match := pattern.search(line))]
        if found:  # a title too long for its column wraps, and its number is on the next row
            page_number = int(found[0][1])
            assert f"{number}. {section.title}" in " ".join(pages[page_number - 1].lines)
            checked += 1
    assert checked >= len(view.sections) - 2


def test_a_signed_demo_certificate_as_stored_has_the_same_layout():
    certificate = _certificate("LS")
    assert certificate.is_frozen
    pdf = certificate.pdf
    _check(pdf, queries.view(certificate, today()))
    assert len(PdfReader(BytesIO(pdf)).pages) >= 6


def test_the_demo_division_certificate_rolls_up_its_units_and_discloses_the_unsigned_ones(client):
    certificate = _certificate("SCCTD")
    view = queries.view(certificate, today())
    rows = {row.code: row for row in view.units}
    assert set(rows) == {"SCCTD-AP", "SCCTD-CT", "SCCTD-EX", "SCCTD-SC"}
    assert rows["SCCTD-AP"].is_signed and rows["SCCTD-CT"].is_signed and rows["SCCTD-CT"].exceptions
    assert rows["SCCTD-EX"].status == "submitted" and rows["SCCTD-SC"].status == "none"
    (unsigned,) = [g for g in view.disclosures["groups"] if g["kind"] == "unsigned_units"]
    assert [item["text"] for item in unsigned["items"]] == [
        "Extradition Unit (SCCTD-EX): submitted, not signed",
        "Special Crime Unit (SCCTD-SC): no certificate prepared",
    ]
    assert view.proposal.opinion.rank <= Opinion.LIMITED.rank
    assert any(
        line.startswith("Not yet signed, so giving no assurance: Extradition Unit") for line in view.proposal.basis
    )
    pdf = documents.render(view, utcnow())
    _check(pdf, view)
    text = " ".join(" ".join(page.lines) for page in layout.pages(pdf))
    assert "Counter Terrorism Unit (SCCTD-CT):" in text and "Extradition Unit (SCCTD-EX): submitted, not signed" in text
    # The page shows the same, to the division's head.
    head = db.session.scalar(sa.select(User).where(User.email == "head.scctd@example.org"))
    client.post("/sign-in", data={"email": head.email, "password": DEMO_PASSWORD})
    page = client.get(f"/certificates/{certificate.id}").get_data(as_text=True)
    assert "Units' certificates" in page and "Special Crime Unit (SCCTD-SC): no certificate prepared" in page
