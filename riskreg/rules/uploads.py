"""Which uploaded files riskreg keeps as evidence: an allow-list checked by content, never by name.

A file's name and the type the browser claims are whatever the sender chose;
its first bytes and structure are what a program opening it will act on. So
the type is decided here from the bytes: PDF, PNG and JPEG by their
signatures; Word and Excel documents as ZIP archives whose
``[Content_Types].xml`` names the main part (macro-enabled variants are not
allowed), after expanding every member within a fixed budget so a ZIP bomb is
refused rather than stored; plain text and CSV as UTF-8 without NUL bytes.
The name is only used to tell CSV from other text, and to give downloads an
extension that matches their content.
"""

import io
import os
import zipfile
from dataclasses import dataclass
from urllib.parse import urlsplit

from werkzeug.utils import secure_filename

from riskreg.files import ARCHIVE_ERRORS, expands_within, identify, is_utf8_text, size_text

# ZIP-based documents: the most the members may expand to, and how many there may be.
MAX_EXPANDED_BYTES = 200 * 1024 * 1024
MAX_MEMBERS = 5000
CONTENT_TYPES_PART = "[Content_Types].xml"
MAX_CONTENT_TYPES_BYTES = 1024 * 1024


@dataclass(frozen=True)
class FileType:
    content_type: str
    extensions: tuple[str, ...]
    description: str


PDF = FileType("application/pdf", (".pdf",), "PDF")
PNG = FileType("image/png", (".png",), "PNG image")
JPEG = FileType("image/jpeg", (".jpg", ".jpeg"), "JPEG image")
TEXT = FileType("text/plain", (".txt",), "text file")
CSV = FileType("text/csv", (".csv",), "CSV file")
DOCX = FileType("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (".docx",), "Word document")
XLSX = FileType("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",), "Excel workbook")
ALLOWED = (PDF, PNG, JPEG, TEXT, CSV, DOCX, XLSX)
ALLOWED_TEXT = "a PDF, PNG, JPEG, text, CSV, Word (DOCX) or Excel (XLSX) file"

BY_SIGNATURE = {"pdf": PDF, "png": PNG, "jpeg": JPEG}
OOXML_MAIN_PARTS = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": DOCX,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": XLSX,
}


class UploadRefused(ValueError):
    """The file cannot be kept; the message is the GOV.UK error to show."""


def check_upload(data: bytes, filename: str | None, max_bytes: int) -> FileType:
    """The file's type, or UploadRefused with a message saying what is wrong."""
    if not data:
        raise UploadRefused("The selected file is empty")
    if len(data) > max_bytes:
        raise UploadRefused(f"The selected file must be {size_text(max_bytes)} or smaller")
    file_type = sniff(data, filename or "")
    if file_type is None:
        raise UploadRefused(f"The selected file must be {ALLOWED_TEXT}")
    return file_type


def sniff(data: bytes, filename: str = "") -> FileType | None:
    kind = identify(data).kind
    if kind in BY_SIGNATURE:
        return BY_SIGNATURE[kind]
    if kind == "zip":
        return office_type(data)
    if is_utf8_text(data):
        return CSV if filename.lower().endswith(".csv") and looks_like_csv(data) else TEXT
    return None


def looks_like_csv(data: bytes) -> bool:
    first_line = next(iter(data[:4096].splitlines()), b"")
    return any(separator in first_line for separator in (b",", b";", b"\t"))


def office_type(data: bytes) -> FileType | None:
    """DOCX or XLSX when the archive is sound, within bounds, and says it is one; otherwise None."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            if len(members) > MAX_MEMBERS or not expands_within(archive, members, MAX_EXPANDED_BYTES):
                return None
            with archive.open(CONTENT_TYPES_PART) as part:
                content_types = part.read(MAX_CONTENT_TYPES_BYTES)
    except ARCHIVE_ERRORS:
        return None
    for main_part, file_type in OOXML_MAIN_PARTS.items():
        for quote in (b'"', b"'"):
            if b"ContentType=" + quote + main_part.encode() + quote in content_types:
                return file_type
    return None


def by_content_type(content_type: str) -> FileType | None:
    return next((file_type for file_type in ALLOWED if file_type.content_type == content_type), None)


def download_name(filename: str | None, file_type: FileType, fallback: str = "evidence") -> str:
    """A safe file name whose extension matches the content (a PDF called report.docx downloads as report.pdf)."""
    stem, extension = os.path.splitext(secure_filename(filename or ""))
    if extension.lower() in file_type.extensions:
        return stem + extension
    return (stem or fallback) + file_type.extensions[0]


def is_web_address(url: str) -> bool:
    """An http or https address with a host: never javascript:, data: or file: links."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname) and not any(c.isspace() for c in url)
