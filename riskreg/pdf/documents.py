"""Archival PDFs: PDF/A-3b with embedded source files, and reading those files back.

WeasyPrint and pyHanko are imported inside the functions that use them, so starting the app does not load them
(issue 20)."""

from io import BytesIO

from riskreg.pdf.render import refusing_fetcher_class

PDF_A = "pdf/a-3b"


def _document(html: str, attachments: tuple[tuple[str, bytes, str], ...], variant, identifier):
    from weasyprint import HTML, Attachment

    files = [
        Attachment(string=data, name=name, description=description, relationship="Source")
        for name, data, description in attachments
    ]
    options = {"attachments": files, "pdf_variant": variant, "pdf_identifier": identifier, "custom_metadata": True}
    return HTML(string=html, url_fetcher=refusing_fetcher_class()(), base_url="data:,").render(**options), options


def render_pdf(
    html: str,
    *,
    attachments: tuple[tuple[str, bytes, str], ...] = (),
    variant: str | None = PDF_A,
    identifier: bytes | None = None,
) -> bytes:
    """HTML to PDF (PDF/A-3b by default), with (file name, bytes, description) attachments embedded."""
    document, options = _document(html, attachments, variant, identifier)
    return document.write_pdf(**options)


def render_pdf_locating(
    html: str, element_id: str, *, attachments: tuple[tuple[str, bytes, str], ...] = (), variant: str | None = PDF_A
) -> tuple[bytes, tuple[int, int, int, int] | None]:
    """render_pdf, and where the element with ``element_id`` lies on the last page, in PDF points from the page's
    bottom left (x1, y1, x2, y2); None when it is not on the last page."""
    document, options = _document(html, attachments, variant, None)
    page = document.pages[-1]
    found = page.anchors.get(element_id)
    box = None
    if found is not None:
        x1, y1, x2, y2 = found
        # CSS pixels from the top left to PDF points (3/4 of a pixel) from the bottom left.
        box = (round(x1 * 0.75), round((page.height - y2) * 0.75), round(x2 * 0.75), round((page.height - y1) * 0.75))
    return document.write_pdf(**options), box


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
