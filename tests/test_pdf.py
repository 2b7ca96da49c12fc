"""PDF rendering fetches nothing from disk or the network: only data: URLs (DESIGN §6)."""

import base64
import io

import pytest
from pypdf import PdfReader

from riskreg.pdf.render import RefusingFetcher, html_to_pdf

# No database: what PDF rendering may fetch. The PostgreSQL pass leaves them out (tests/conftest.py).
pytestmark = pytest.mark.no_database

# A 1x1 PNG.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "http://169.254.169.254/latest/meta-data", "https://example.org/x.css", "ftp://x/y"]
)
def test_the_fetcher_refuses_files_and_remote_urls(url):
    with pytest.raises(ValueError, match="may only use data: URLs"):
        RefusingFetcher()(url)


def test_the_fetcher_answers_data_urls():
    response = RefusingFetcher()("data:text/plain;base64,aGVsbG8=")
    assert response.read() == b"hello"


def _images(pdf: bytes) -> int:
    count = 0
    for page in PdfReader(io.BytesIO(pdf)).pages:
        count += len(page.images)
    return count


def test_a_file_url_in_a_printed_page_is_not_read(tmp_path):
    image = tmp_path / "secret.png"
    image.write_bytes(PNG)
    data_url = "data:image/png;base64," + base64.b64encode(PNG).decode()
    with_file = html_to_pdf(f'<html lang="en-GB"><body><p>Text</p><img src="{image.as_uri()}"></body></html>')
    with_data = html_to_pdf(f'<html lang="en-GB"><body><p>Text</p><img src="{data_url}"></body></html>')
    assert _images(with_data) == 1  # the same picture as a data: URL is drawn...
    assert _images(with_file) == 0  # ...but never read from disk
