"""Real PDF rendering and real PAdES signatures made with a person's own certificate, checked by pyHanko and by
poppler's pdfsig."""

import datetime as dt
import json
import shutil
import subprocess

import pytest

from riskreg.pdf import documents, pki, signing

# No database: rendering, signing and verifying PDFs. The PostgreSQL pass leaves them out (tests/conftest.py).
pytestmark = pytest.mark.no_database

HTML = (
    "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Certificate of assurance</title>"
    "<style>@page { size: A4; margin: 2cm } body { font-family: Arial, sans-serif }</style></head>"
    "<body><h1>Certificate of assurance</h1><p>Controls operated effectively.</p></body></html>"
)


@pytest.fixture(scope="module")
def demo_ca(tmp_path_factory):
    return signing.create_demo_ca(tmp_path_factory.mktemp("ca"))


HELEN = pki.Person("Helen Okafor", "Chief Crown Prosecutor, London North", "head.ln@example.org", "Demo org")
STAMP = signing.Stamp(
    ("Digitally signed by", "Helen Okafor", "Chief Crown Prosecutor, London North"), (300, 60, 560, 140)
)


def person_key(config: signing.SigningConfig, person=HELEN) -> signing.PersonKey:
    ca_key, ca_cert = pki.load_ca(config.ca_key_path, config.ca_cert_path)
    issued = pki.issue_for_person(person, ca_key, ca_cert, dt.datetime.now(dt.UTC))
    return signing.PersonKey(issued.key, issued.certificate, (ca_cert,))


@pytest.fixture(scope="module")
def helen(demo_ca):
    return person_key(demo_ca)


@pytest.fixture(scope="module")
def signed(helen):
    pdf = documents.render_pdf(HTML, attachments=(("snapshot.json", b'{"n": 1}', "Data snapshot"),))
    return signing.sign(pdf, helen, "Certificate of assurance 2025-26", stamp=STAMP)


def test_signature_is_intact_trusted_and_names_the_signer_from_their_own_certificate(signed, demo_ca):
    check = signing.verify(signed, demo_ca.trust_root_paths)
    assert check.ok, check.problem
    assert check.signer_name == "Helen Okafor" and check.reason == "Certificate of assurance 2025-26"
    assert check.signer.title == "Chief Crown Prosecutor, London North"
    assert check.signer.email == "head.ln@example.org"
    assert check.signer.issuer == "riskreg demo root CA (not for real use)"
    assert check.timestamp is None  # no time-stamping authority given


def test_the_visible_signature_block_is_on_the_last_page_in_an_embedded_font(signed, tmp_path):
    from io import BytesIO

    from pypdf import PdfReader

    reader = PdfReader(BytesIO(signed))
    widgets = [annot.get_object() for annot in reader.pages[-1].get("/Annots", [])]
    field = next(widget for widget in widgets if widget.get("/T") == signing.SIGNATURE_FIELD)
    assert [round(float(n)) for n in field["/Rect"]] == list(STAMP.box)
    appearance = field["/AP"]["/N"].get_object()
    fonts = appearance["/Resources"]["/Font"]
    descendant = next(iter(fonts.values())).get_object()["/DescendantFonts"][0].get_object()
    assert "/FontFile2" in descendant["/FontDescriptor"]  # embedded, as PDF/A requires
    path = tmp_path / "signed.pdf"
    path.write_bytes(signed)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "Digitally signed by\nHelen Okafor\nChief Crown Prosecutor, London North" in text


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


def test_without_an_issuing_ca_people_cannot_sign_and_the_settings_are_named(demo_ca):
    settings = {
        "RISKREG_SIGNING_KEY": str(demo_ca.key_path),
        "RISKREG_SIGNING_CERT": str(demo_ca.cert_path),
        "RISKREG_SIGNING_TRUST_ROOTS": [str(p) for p in demo_ca.trust_root_paths],
    }
    config = signing.SigningConfig.from_app_config(settings)
    assert config.is_present() and not config.can_issue()
    assert "set RISKREG_SIGNING_CA_KEY and RISKREG_SIGNING_CA_CERT" in config.what_is_missing()
    with pytest.raises(signing.SigningUnavailable, match="RISKREG_SIGNING_TRUST_ROOTS"):
        signing.SigningConfig.from_app_config({"RISKREG_SIGNING_KEY": "/k.pem", "RISKREG_SIGNING_CERT": "/c.pem"})


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
    assert "Signer Certificate Common Name: Helen Okafor" in output
    assert 'title="Chief Crown Prosecutor, London North"' in output


def test_signing_and_verifying_work_inside_a_running_event_loop(demo_ca):
    """pyHanko's synchronous calls start their own event loop: inside a running one (an async server, a test
    driving a browser) riskreg runs them in a thread of their own instead of failing."""
    import asyncio

    def sign_and_verify():
        signed = signing.sign(documents.render_pdf(HTML), person_key(demo_ca), "Inside a loop", stamp=STAMP)
        return signing.verify(signed, demo_ca.trust_root_paths)

    async def inside():
        return sign_and_verify()

    try:
        asyncio.get_running_loop()  # the browser tests' Playwright leaves one running for the session
    except RuntimeError:
        assert asyncio.run(inside()).ok
    else:
        assert sign_and_verify().ok
