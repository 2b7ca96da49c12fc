"""Archival PDFs: PDF/A-3b with embedded source files, and reading those files back.

WeasyPrint and pyHanko are imported inside the functions that use them, so starting the app does not load them
(issue 20)."""

from io import BytesIO

from riskreg.pdf.render import refusing_fetcher_class

PDF_A = "pdf/a-3b"


def render_pdf(
    html: str,
    *,
    attachments: tuple[tuple[str, bytes, str], ...] = (),
    variant: str | None = PDF_A,
    identifier: bytes | None = None,
) -> bytes:
    """HTML to PDF (PDF/A-3b by default), with (file name, bytes, description) attachments embedded."""
    from weasyprint import HTML, Attachment

    files = [
        Attachment(string=data, name=name, description=description, relationship="Source")
        for name, data, description in attachments
    ]
    document = HTML(string=html, url_fetcher=refusing_fetcher_class()(), base_url="data:,")
    return document.write_pdf(attachments=files, pdf_variant=variant, pdf_identifier=identifier, custom_metadata=True)


def embedded_files(pdf: bytes) -> dict[str, bytes]:
    """The files embedded in a PDF's EmbeddedFiles name tree, by name."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(BytesIO(pdf), strict=False)
    names = reader.root.get("/Names")
    if names is None or "/EmbeddedFiles" not in names:
        return {}
    files: dict[str, bytes] = {}
    pending = [names["/EmbeddedFiles"]]
    while pending:
        node = pending.pop()
        for kid in node.get("/Kids", []):
            pending.append(kid.get_object())
        flat = list(node.get("/Names", []))
        for name, spec in zip(flat[::2], flat[1::2], strict=True):
            spec = spec.get_object()
            files[str(spec.get("/UF", name))] = spec["/EF"]["/F"].get_object().data
    return files
