"""PAdES signatures with pyHanko: sign a PDF as a person, verify a signed one, make a demo CA.

The organisation's signing key and certificate are configured by path
(RISKREG_SIGNING_KEY, RISKREG_SIGNING_CERT, RISKREG_SIGNING_TRUST_ROOTS). The
signature names the person who signed and the reason, so one organisational
certificate serves every unit head while each signature says who signed.

pyHanko (with aiohttp) and the X.509 stack are imported inside the functions that use them: importing this
module, as the services do for ``SigningConfig`` and ``SigningUnavailable``, must not slow every start (issue 20).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from asn1crypto import x509 as asn1_x509
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import ec

SIGNATURE_FIELD = "CertificateOfAssurance"
SETTINGS = ("RISKREG_SIGNING_KEY", "RISKREG_SIGNING_CERT", "RISKREG_SIGNING_TRUST_ROOTS")


@dataclass(frozen=True)
class SigningConfig:
    key_path: Path
    cert_path: Path
    trust_root_paths: tuple[Path, ...]

    @classmethod
    def from_app_config(cls, config: dict) -> SigningConfig:
        """The configured paths; SigningUnavailable names the settings that are missing."""
        missing = [name for name in SETTINGS if not config.get(name)]
        if missing:
            raise SigningUnavailable(
                "Signing is not configured: set " + ", ".join(missing) + " to the organisation's signing key, "
                "certificate and trust roots (see docs/operations.md)"
            )
        return cls(
            Path(config["RISKREG_SIGNING_KEY"]),
            Path(config["RISKREG_SIGNING_CERT"]),
            tuple(Path(p) for p in config["RISKREG_SIGNING_TRUST_ROOTS"]),
        )

    def missing_files(self) -> list[Path]:
        return [path for path in (self.key_path, self.cert_path, *self.trust_root_paths) if not path.exists()]

    def is_present(self) -> bool:
        return bool(self.trust_root_paths) and not self.missing_files()

    def what_is_missing(self) -> str:
        missing = [str(path) for path in self.missing_files()]
        return ", ".join(missing) if missing else "no trust root is configured"


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


class SigningUnavailable(Exception):
    """The signing key or certificate is not configured or cannot be read."""


def sign(pdf: bytes, config: SigningConfig, signer_name: str, reason: str, location: str = "") -> bytes:
    if not config.is_present():
        raise SigningUnavailable(f"The organisation's signing certificate cannot be found ({config.what_is_missing()})")
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    signer = signers.SimpleSigner.load(
        str(config.key_path), str(config.cert_path), ca_chain_files=tuple(str(p) for p in config.trust_root_paths)
    )
    if signer is None:
        raise SigningUnavailable("The signing key or certificate could not be read")
    meta = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        name=signer_name,
        reason=reason,
        location=location or None,
    )
    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    return outside_event_loop(signers.sign_pdf, writer, meta, signer=signer).getvalue()


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

    @property
    def ok(self) -> bool:
        return self.present and self.intact and self.trusted and self.covers_whole_file


def _load_trust_roots(paths: tuple[Path, ...]) -> list[asn1_x509.Certificate]:
    from asn1crypto import x509 as asn1_x509
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    roots = []
    for path in paths:
        data = path.read_bytes()
        cert = x509.load_pem_x509_certificate(data) if b"-----BEGIN" in data else x509.load_der_x509_certificate(data)
        roots.append(asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)))
    return roots


def verify(pdf: bytes, trust_root_paths: tuple[Path, ...]) -> SignatureCheck:
    """Check the (single) signature: intact, made by a certificate chaining to our trust roots, covering the file."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

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
    problem = ""
    if not status.intact:
        problem = "the signature is broken: the signed content has been changed"
    elif not status.trusted:
        problem = "the signing certificate is not trusted"
    elif not covers:
        problem = "the file has been changed after it was signed"
    return SignatureCheck(
        present=True,
        intact=status.intact,
        trusted=status.trusted,
        covers_whole_file=covers,
        signer_name=str(sig_object.get("/Name")) if "/Name" in sig_object else None,
        reason=str(sig_object.get("/Reason")) if "/Reason" in sig_object else None,
        signed_at=status.signer_reported_dt,
        problem=problem,
    )


def _name(common_name: str) -> x509.Name:
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "GB"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "riskreg demo organisation"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _write_key(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    from cryptography.hazmat.primitives import serialization

    path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    path.chmod(0o600)


def demo_paths(folder: Path) -> SigningConfig:
    """Where create_demo_ca puts its files (the development defaults of the RISKREG_SIGNING_* settings)."""
    return SigningConfig(folder / "signing-key.pem", folder / "signing-cert.pem", (folder / "demo-ca.pem",))


def create_demo_ca(folder: Path, now: dt.datetime | None = None) -> SigningConfig:
    """A demo root CA and an organisational document-signing certificate, for the demo only."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID

    folder.mkdir(parents=True, exist_ok=True)
    now = now or dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name("riskreg demo root CA (not for real use)")
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("riskreg demo organisation: certificates of assurance"))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1825))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    paths = demo_paths(folder)
    _write_key(paths.key_path, key)
    paths.cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths.trust_root_paths[0].write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    return paths
