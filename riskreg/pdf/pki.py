"""The organisation's certificate authority: a demo CA for development, and signing certificates for people.

Each person who signs a certificate of assurance gets an X.509 certificate of their own, issued by the
organisation's CA, whose subject names them (CN "Helen Okafor", title "Chief Crown Prosecutor, London North",
their e-mail), so that any PDF reader shows who signed rather than "the organisation".
"""

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

DEMO_ORGANISATION = "riskreg demo organisation"
PERSON_VALIDITY = dt.timedelta(days=3 * 365)


@dataclass(frozen=True)
class Person:
    """Whom a signing certificate names."""

    name: str
    title: str  # e.g. "Chief Crown Prosecutor, London North"
    email: str
    organisation: str


@dataclass(frozen=True)
class Issued:
    """A person's new key and certificate (the key is the caller's to protect: never log or export it)."""

    key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate


def load_certificate(data: bytes) -> x509.Certificate:
    return x509.load_pem_x509_certificate(data) if b"-----BEGIN" in data else x509.load_der_x509_certificate(data)


def load_ca(key_path: Path, cert_path: Path) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """The issuing CA's key and certificate (PEM, unencrypted: keep the file readable only by riskreg)."""
    key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    return key, load_certificate(cert_path.read_bytes())  # type: ignore[return-value]


def _name(common_name: str, organisation: str = DEMO_ORGANISATION) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "GB"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def person_name(person: Person) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "GB"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, person.organisation),
            x509.NameAttribute(NameOID.TITLE, person.title[:64]),  # RFC 5280's upper bound for a title
            x509.NameAttribute(NameOID.COMMON_NAME, person.name[:64]),
            x509.NameAttribute(NameOID.EMAIL_ADDRESS, person.email[:255]),
        ]
    )


def issue_for_person(
    person: Person, ca_key: ec.EllipticCurvePrivateKey, ca_cert: x509.Certificate, now: dt.datetime
) -> Issued:
    """A new P-256 key and a document-signing certificate for ``person``, valid three years (or until the CA
    expires, if sooner)."""
    key = ec.generate_private_key(ec.SECP256R1())
    not_after = min(now + PERSON_VALIDITY, ca_cert.not_valid_after_utc)
    builder = (
        x509.CertificateBuilder()
        .subject_name(person_name(person))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        # digitalSignature and nonRepudiation (contentCommitment): a person committing to what they sign.
        .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        .add_extension(x509.SubjectAlternativeName([x509.RFC822Name(person.email)]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
    )
    return Issued(key, builder.sign(ca_key, hashes.SHA256()))


def _write_key(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    path.chmod(0o600)


def _write_cert(path: Path, cert: x509.Certificate) -> None:
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def make_root(now: dt.datetime, common_name: str) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name(common_name)
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
    return ca_key, ca_cert


def organisation_certificate(
    ca_key: ec.EllipticCurvePrivateKey, ca_cert: x509.Certificate, now: dt.datetime
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """The organisation's own certificate (it signs audit checkpoints, not people's certificates)."""
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(f"{DEMO_ORGANISATION}: certificates of assurance"))
        .issuer_name(ca_cert.subject)
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
    return key, cert


def write_demo_files(folder: Path, names: dict[str, Path], now: dt.datetime) -> None:
    """Write a new demo root CA (with its key, which issues people's certificates) and the organisation's
    certificate to the paths in ``names`` (keys: ca_key, ca_cert, key, cert)."""
    folder.mkdir(parents=True, exist_ok=True)
    ca_key, ca_cert = make_root(now, "riskreg demo root CA (not for real use)")
    key, cert = organisation_certificate(ca_key, ca_cert, now)
    _write_key(names["ca_key"], ca_key)
    _write_cert(names["ca_cert"], ca_cert)
    _write_key(names["key"], key)
    _write_cert(names["cert"], cert)
