"""Evidence uploads: an allow-list decided by content, never by the file's name."""

import io
import zipfile

import pytest
from openpyxl import Workbook

from riskreg.rules import uploads
from riskreg.rules.uploads import UploadRefused, check_upload, download_name, is_web_address, size_text, sniff

MB = 1024 * 1024
PDF_BYTES = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(17)
JPEG_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(20)
DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
DOCM_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"


def ooxml(main_content_type: str | None, extra: dict[str, bytes] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        if main_content_type:
            archive.writestr(
                "[Content_Types].xml",
                '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                f'<Override PartName="/word/document.xml" ContentType="{main_content_type}"/></Types>',
            )
        archive.writestr("word/document.xml", "<w:document/>")
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def xlsx() -> bytes:
    workbook = Workbook()
    workbook.active["A1"] = "Sample"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "name", "expected"),
    [
        (PDF_BYTES, "report.pdf", uploads.PDF),
        (PNG_BYTES, "screen.png", uploads.PNG),
        (JPEG_BYTES, "photo.jpeg", uploads.JPEG),
        ("Walkthrough notes – café\n".encode(), "notes.txt", uploads.TEXT),
        (b"\xef\xbb\xbfcase,outcome\n1,ok\n", "sample.csv", uploads.CSV),
        (ooxml(DOCX_MAIN), "memo.docx", uploads.DOCX),
    ],
)
def test_allowed_types_are_recognised_by_content(data, name, expected):
    assert check_upload(data, name, MB) is expected


def test_a_real_excel_workbook_is_recognised():
    assert check_upload(xlsx(), "sample.xlsx", MB) is uploads.XLSX


def test_the_name_does_not_decide_the_type():
    assert sniff(PDF_BYTES, "innocent.docx") is uploads.PDF
    assert sniff(b"a,b\n1,2\n", "data.txt") is uploads.TEXT
    assert sniff(b"just words", "looks.csv") is uploads.TEXT  # named CSV, but no separator


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"MZ\x90\x00\x03\x00\x00\x00" + bytes(50), "report.pdf"),  # a Windows program with a PDF's name
        (b"caf\xe9 au lait", "latin1.txt"),  # not UTF-8
        (b"text with a \x00 NUL", "notes.txt"),
        (b"GIF89a\x01\x00\x01\x00", "image.png"),
        (ooxml(DOCM_MAIN), "macros.docx"),  # macro-enabled Word
        (ooxml(None), "plain.docx"),  # a ZIP that is not an Office document
        (b"PK\x03\x04 not really a zip", "broken.xlsx"),
        (b"\x00%PDF-1.7 with something first", "shifted.pdf"),
    ],
)
def test_anything_else_is_refused(data, name):
    with pytest.raises(UploadRefused, match="The selected file must be a PDF, PNG, JPEG, text, CSV, Word"):
        check_upload(data, name, MB)


def test_empty_and_oversized_files_are_refused_with_clear_messages():
    with pytest.raises(UploadRefused, match="^The selected file is empty$"):
        check_upload(b"", "empty.pdf", MB)
    with pytest.raises(UploadRefused, match="^The selected file must be 1 MB or smaller$"):
        check_upload(PDF_BYTES + bytes(MB), "big.pdf", MB)
    assert check_upload(PDF_BYTES.ljust(MB, b" "), "exactly.pdf", MB) is uploads.PDF


def test_a_zip_bomb_is_refused_without_expanding_past_the_budget(monkeypatch):
    bomb = ooxml(DOCX_MAIN, {"word/media/padding.bin": bytes(3 * MB)})
    assert len(bomb) < 50_000
    assert sniff(bomb) is uploads.DOCX
    monkeypatch.setattr(uploads, "MAX_EXPANDED_BYTES", 2 * MB)
    assert sniff(bomb) is None


def test_declared_sizes_over_the_budget_are_refused_before_expanding_anything():
    with zipfile.ZipFile(io.BytesIO(ooxml(DOCX_MAIN))) as archive:
        members = archive.infolist()
        members[0].file_size = MB  # a header claiming more than the budget
        assert not uploads.expands_within(archive, members, MB // 2)


def test_a_damaged_archive_is_refused():
    data = bytearray(ooxml(DOCX_MAIN, {"notes.xml": b"<notes>" + b"x" * 5000 + b"</notes>"}))
    start = data.index(b"notes.xml") + 20  # inside the compressed member
    data[start : start + 8] = b"\x00" * 8
    assert sniff(bytes(data)) is None


@pytest.mark.parametrize(
    ("filename", "file_type", "expected"),
    [
        ("Audit report.pdf", uploads.PDF, "Audit_report.pdf"),
        ("report.docx", uploads.PDF, "report.pdf"),  # the extension follows the content
        ("../../etc/passwd", uploads.TEXT, "etc_passwd.txt"),
        ("photo.JPEG", uploads.JPEG, "photo.JPEG"),
        ("", uploads.CSV, "evidence.csv"),
        (None, uploads.PNG, "evidence.png"),
        ("résumé.pdf", uploads.PDF, "resume.pdf"),
    ],
)
def test_download_names_are_safe(filename, file_type, expected):
    assert download_name(filename, file_type) == expected


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://intranet.example.org/audit/2026/report", True),
        ("http://example.org", True),
        ("javascript:alert(1)", False),
        ("data:text/html,<script>", False),
        ("file:///etc/passwd", False),
        ("https://", False),
        ("intranet/report", False),
        ("https://example.org/a b", False),
    ],
)
def test_web_addresses(url, ok):
    assert is_web_address(url) is ok


def test_size_text():
    assert [size_text(n) for n in (20 * MB, 1536 * 1024, 2048, 12)] == ["20 MB", "1.5 MB", "2 KB", "12 bytes"]
