"""PAdES signatures with pyHanko: sign a PDF as a person, verify a signed one, make a demo CA.

Each signer signs with a certificate of their own, issued by the organisation's CA (riskreg.pdf.pki): the
signature names the person, their title and e-mail. Configured by path: RISKREG_SIGNING_CA_KEY and
RISKREG_SIGNING_CA_CERT (the issuing CA), RISKREG_SIGNING_TRUST_ROOTS (what verification trusts), and
RISKREG_SIGNING_KEY / RISKREG_SIGNING_CERT (the organisation's own key, which signs audit checkpoints).
With RISKREG_TSA_URL set, each signature carries an RFC 3161 time-stamp (PAdES B-T).
"""

import asyncio
import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils import layout
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import fields, signers
from pyhanko.sign.timestamps import HTTPTimeStamper, TimestampRequestError
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.stamp import TextStampStyle
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from riskreg.pdf import pki, stamp_font

# SigningConfig, SigningUnavailable and PersonKey live in riskreg.pdf.config, light enough for every start; named
# here too, as riskreg.pdf.signing.SigningConfig and so on.
from riskreg.pdf.config import PersonKey, SigningConfig, SigningUnavailable

SIGNATURE_FIELD = "CertificateOfAssurance"
TSA_TIMEOUT_SECONDS = 10


def outside_event_loop(function, *args, **kwargs):
    """Call one of pyHanko's synchronous functions, which run their own event loop with asyncio.run().

    That fails in a thread whose event loop is already running (an async server, or a test driving a browser
    with Playwright's sync API): there, run it in a short-lived thread of its own.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return function(*args, **kwargs)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function, *args, **kwargs).result()


@dataclass(frozen=True)
class Stamp:
    """The visible signature block: its text (one line each), on the last page, in ``box`` (PDF points, from the
    bottom left: x1, y1, x2, y2)."""

    lines: tuple[str, ...]
    box: tuple[int, int, int, int]


def _asn1_cert(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _signer(person: PersonKey) -> signers.SimpleSigner:
    der = person.key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    chain = [_asn1_cert(cert) for cert in person.chain]
    return signers.SimpleSigner(
        signing_cert=_asn1_cert(person.certificate),
        signing_key=asn1_keys.PrivateKeyInfo.load(der),
        cert_registry=SimpleCertificateStore.from_certs(chain),
    )


def _stamp_style(stamp: Stamp) -> TextStampStyle:
    font = stamp_font.font_path()
    box_style = TextBoxStyle(font=stamp_font.ScaledFontFactory(font), font_size=9) if font else TextBoxStyle()
    # pyHanko fills in %(name)s parameters: a literal % in a name or title must not be read as one.
    text = "\n".join(stamp.lines).replace("%", "%%")
    # Left-aligned and vertically centred, like a signature block on paper.
    placement = layout.SimpleBoxLayoutRule(
        x_align=layout.AxisAlignment.ALIGN_MIN,
        y_align=layout.AxisAlignment.ALIGN_MID,
        margins=layout.Margins.uniform(8),
        inner_content_scaling=layout.InnerScaling.SHRINK_TO_FIT,
    )
    return TextStampStyle(
        stamp_text=text, text_box_style=box_style, border_width=1, background=None, inner_content_layout=placement
    )


def sign(
    pdf: bytes,
    person: PersonKey,
    reason: str,
    *,
    stamp: Stamp | None = None,
    tsa_url: str = "",
    location: str = "",
) -> bytes:
    """Sign ``pdf`` (PAdES) as ``person``: with a visible block on the last page when ``stamp`` is given, and an
    RFC 3161 time-stamp from ``tsa_url`` when one is configured (PAdES B-T)."""
    meta = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        name=person_common_name(person.certificate),
        reason=reason,
        location=location or None,
    )
    pdf_signer = signers.PdfSigner(
        meta,
        signer=_signer(person),
        timestamper=HTTPTimeStamper(tsa_url, timeout=TSA_TIMEOUT_SECONDS) if tsa_url else None,
        stamp_style=_stamp_style(stamp) if stamp else None,
        new_field_spec=fields.SigFieldSpec(SIGNATURE_FIELD, on_page=-1, box=stamp.box) if stamp else None,
    )
    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    try:
        return outside_event_loop(pdf_signer.sign_pdf, writer).getvalue()
    except TimestampRequestError as error:
        # Signing without the time-stamp would quietly make a weaker signature than the one configured.
        raise SigningUnavailable(f"the time-stamping authority at {tsa_url} did not answer ({error})") from error


def _attribute(name: x509.Name, oid) -> str | None:
    found = name.get_attributes_for_oid(oid)
    return str(found[0].value) if found else None


def person_common_name(cert: x509.Certificate) -> str:
    return _attribute(cert.subject, NameOID.COMMON_NAME) or cert.subject.rfc4514_string()


@dataclass(frozen=True)
class Signer:
    """Whom the signing certificate names."""

    name: str
    title: str | None
    email: str | None
    serial: str
    issuer: str

    @classmethod
    def from_asn1(cls, cert: asn1_x509.Certificate) -> "Signer":
        parsed = x509.load_der_x509_certificate(cert.dump())
        return cls(
            person_common_name(parsed),
            _attribute(parsed.subject, NameOID.TITLE),
            _attribute(parsed.subject, NameOID.EMAIL_ADDRESS),
            format(parsed.serial_number, "x"),
            _attribute(parsed.issuer, NameOID.COMMON_NAME) or parsed.issuer.rfc4514_string(),
        )


@dataclass(frozen=True)
class TimeStampCheck:
    at: dt.datetime
    intact: bool
    trusted: bool
    authority: str

    @property
    def ok(self) -> bool:
        return self.intact and self.trusted


@dataclass(frozen=True)
class SignatureCheck:
    present: bool
    intact: bool = False
    trusted: bool = False
    covers_whole_file: bool = False
    signer_name: str | None = None
    reason: str | None = None
    signed_at: dt.datetime | None = None
    problem: str = ""
    signer: Signer | None = None
    timestamp: TimeStampCheck | None = None

    @property
    def ok(self) -> bool:
        timestamp_ok = self.timestamp is None or self.timestamp.ok
        return self.present and self.intact and self.trusted and self.covers_whole_file and timestamp_ok


def _load_trust_roots(paths: tuple[Path, ...]) -> list[asn1_x509.Certificate]:
    return [_asn1_cert(pki.load_certificate(path.read_bytes())) for path in paths]


def _timestamp(status) -> TimeStampCheck | None:
    found = status.timestamp_validity
    if found is None:
        return None
    authority = Signer.from_asn1(found.signing_cert).name if found.signing_cert is not None else "unknown"
    return TimeStampCheck(found.timestamp, found.intact and found.valid, found.trusted, authority)


def _problem(status, covers: bool, timestamp: TimeStampCheck | None) -> str:
    if not status.intact:
        return "the signature is broken: the signed content has been changed"
    if not status.trusted:
        return "the signing certificate is not trusted"
    if not covers:
        return "the file has been changed after it was signed"
    if timestamp is not None and not timestamp.intact:
        return "the time-stamp is broken"
    if timestamp is not None and not timestamp.trusted:
        return "the time-stamping authority is not trusted"
    return ""


def verify(pdf: bytes, trust_root_paths: tuple[Path, ...]) -> SignatureCheck:
    """Check the (single) signature: intact, made by a certificate chaining to our trust roots, covering the file,
    and its time-stamp (if any) intact and from an authority chaining to our trust roots."""
    try:
        reader = PdfFileReader(BytesIO(pdf))
        signatures = reader.embedded_signatures
    except Exception as error:  # noqa: BLE001 - any parse failure means "not a readable signed PDF"
        return SignatureCheck(present=False, problem=f"the file is not a readable PDF ({error})")
    if not signatures:
        return SignatureCheck(present=False, problem="the file has no digital signature")
    embedded = signatures[0]
    context = ValidationContext(trust_roots=_load_trust_roots(trust_root_paths), allow_fetching=False)
    try:
        status = outside_event_loop(validate_pdf_signature, embedded, context)
    except Exception as error:  # noqa: BLE001 - a mangled signature must be reported, not crash the check
        return SignatureCheck(present=True, problem=f"the signature cannot be validated ({error})")
    covers = status.coverage is not None and status.coverage.name == "ENTIRE_FILE"
    sig_object = embedded.sig_object
    signer = Signer.from_asn1(status.signing_cert)
    timestamp = _timestamp(status)
    return SignatureCheck(
        present=True,
        intact=status.intact,
        trusted=status.trusted,
        covers_whole_file=covers,
        signer_name=signer.name,
        reason=str(sig_object.get("/Reason")) if "/Reason" in sig_object else None,
        signed_at=status.signer_reported_dt,
        problem=_problem(status, covers, timestamp),
        signer=signer,
        timestamp=timestamp,
    )


def demo_paths(folder: Path) -> SigningConfig:
    """Where create_demo_ca puts its files (the development defaults of the RISKREG_SIGNING_* settings)."""
    return SigningConfig(
        folder / "signing-key.pem",
        folder / "signing-cert.pem",
        (folder / "demo-ca.pem",),
        folder / "demo-ca-key.pem",
        folder / "demo-ca.pem",
    )


def create_demo_ca(folder: Path, now: dt.datetime | None = None) -> SigningConfig:
    """A demo root CA (which issues people's signing certificates) and the organisation's own certificate, for
    the demo and the tests only."""
    paths = demo_paths(folder)
    names = {"ca_key": paths.ca_key_path, "ca_cert": paths.ca_cert_path, "key": paths.key_path}
    pki.write_demo_files(folder, names | {"cert": paths.cert_path}, now or dt.datetime.now(dt.UTC))
    return paths
