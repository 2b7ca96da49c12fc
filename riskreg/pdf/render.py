"""HTML to PDF with WeasyPrint, fetching nothing from disk or the network.

Print templates are ours, but what they show is typed by users; a fetcher that
only answers ``data:`` URLs means no text in a risk can make the server read a
local file or call another machine while it prints (DESIGN §6).

WeasyPrint takes most of a second to import, so it is imported when the first PDF is made, not when the app
starts (issue 20): ``RefusingFetcher`` is built on first use (``refusing_fetcher_class``, or the module
attribute, which PEP 562's ``__getattr__`` answers).
"""

import functools

from flask import render_template

ALLOWED_SCHEMES = ("data",)


@functools.cache
def refusing_fetcher_class() -> type:
    from weasyprint import URLFetcher

    class RefusingFetcher(URLFetcher):
        """Answers ``data:`` URLs only; anything else (``file:``, ``http:``, ...) is refused."""

        def __init__(self) -> None:
            super().__init__(allowed_protocols=ALLOWED_SCHEMES, allow_redirects=False)

        def fetch(self, url, headers=None):
            scheme = url.partition(":")[0].lower()
            if scheme not in ALLOWED_SCHEMES:
                raise ValueError(f"riskreg's PDFs may only use data: URLs, not {scheme}: ({url[:80]})")
            return super().fetch(url, headers)

    return RefusingFetcher


def __getattr__(name: str):
    if name == "RefusingFetcher":
        return refusing_fetcher_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def html_to_pdf(html: str, **options) -> bytes:
    """``options`` go to WeasyPrint's ``write_pdf`` (``custom_metadata=True``: <meta> names into the PDF's info)."""
    from weasyprint import HTML

    return HTML(string=html, url_fetcher=refusing_fetcher_class()()).write_pdf(**options)


def render_pdf(template: str, **context) -> bytes:
    """Render a print template (templates/pdf/) to PDF bytes."""
    return html_to_pdf(render_template(template, **context))
