"""Real PDF rendering and real PAdES signatures, checked by pyHanko and by poppler's pdfsig."""

import json
import shutil
import subprocess

import pytest

from riskreg.pdf import documents, signing

HTML = (
    "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Certificate of assurance</title>"
    "<style>@page { size: A4; margin: 2cm } body { font-family: Arial, sans-serif }</style></head>"
    "<body><h1>Certificate of assurance</h1><p>Controls operated effectively.</p></body></html>"
)


@pytest.fixture(scope="module")
def demo_ca(tmp_path_factory):
    return signing.create_demo_ca(tmp_path_factory.mktemp("ca"))


@pytest.fixture(scope="module")
def signed(demo_ca):
    pdf = documents.render_pdf(HTML, attachments=(("snapshot.json", b'{"n": 1}', "Data snapshot"),))
    return signing.sign(pdf, demo_ca, "Helen Okafor", "Certificate of assurance 2025-26")


def test_signature_is_intact_trusted_and_names_the_signer(signed, demo_ca):
    check = signing.verify(signed, demo_ca.trust_root_paths)
    assert check.ok, check.problem
    assert check.signer_name == "Helen Okafor" and check.reason == "Certificate of assurance 2025-26"


def test_changing_one_signed_byte_breaks_the_signature(signed, demo_ca):
    tampered = bytearray(signed)
    position = signed.index(b"/Producer")  # inside the first signed byte range
    tampered[position + 1] ^= 0x01
    check = signing.verify(bytes(tampered), demo_ca.trust_root_paths)
    assert not check.ok and "signature is broken" in check.problem


def test_a_certificate_from_another_ca_is_not_trusted(signed, tmp_path):
    other = signing.create_demo_ca(tmp_path / "other")
    check = signing.verify(signed, other.trust_root_paths)
    assert check.intact and not check.trusted and "not trusted" in check.problem


def test_bytes_appended_after_signing_are_detected(signed, demo_ca):
    check = signing.verify(signed + b"\n% appended\n", demo_ca.trust_root_paths)
    assert not check.ok


def test_an_unsigned_or_unreadable_file_is_reported(demo_ca):
    assert "no digital signature" in signing.verify(documents.render_pdf(HTML), demo_ca.trust_root_paths).problem
    assert "not a readable PDF" in signing.verify(b"not a pdf", demo_ca.trust_root_paths).problem


def test_signing_without_a_configured_certificate_is_refused(tmp_path):
    config = signing.SigningConfig(tmp_path / "k.pem", tmp_path / "c.pem", (tmp_path / "ca.pem",))
    with pytest.raises(signing.SigningUnavailable):
        signing.sign(documents.render_pdf(HTML), config, "X", "Y")


def test_attachments_survive_signing(signed):
    assert json.loads(documents.embedded_files(signed)["snapshot.json"]) == {"n": 1}


def test_rendered_pdf_declares_pdf_a_3b(signed):
    from io import BytesIO

    from pyhanko.pdf_utils.reader import PdfFileReader

    xmp = PdfFileReader(BytesIO(signed)).root["/Metadata"].get_object().data
    assert b'pdfaid:part="3"' in xmp and b'pdfaid:conformance="B"' in xmp


def test_pdfsig_lists_the_signature(signed, tmp_path):
    if not shutil.which("pdfsig"):
        pytest.fail("pdfsig (Debian's poppler-utils) is required: .ci/run installs it")
    path = tmp_path / "signed.pdf"
    path.write_bytes(signed)
    output = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, check=False).stdout
    # pdfsig exits 0 even for a bad digest, so read what it says.
    assert "Signature #1" in output and "Signature is Valid" in output


def test_signing_and_verifying_work_inside_a_running_event_loop(demo_ca):
    """pyHanko's synchronous calls start their own event loop: inside a running one (an async server, a test
    driving a browser) riskreg runs them in a thread of their own instead of failing."""
    import asyncio

    def sign_and_verify():
        signed = signing.sign(documents.render_pdf(HTML), demo_ca, "Helen Okafor", "Inside a loop")
        return signing.verify(signed, demo_ca.trust_root_paths)

    async def inside():
        return sign_and_verify()

    try:
        asyncio.get_running_loop()  # the browser tests' Playwright leaves one running for the session
    except RuntimeError:
        assert asyncio.run(inside()).ok
    else:
        assert sign_and_verify().ok
