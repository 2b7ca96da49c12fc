"""Each signer's own signing certificate: issued by the organisation's CA the first time they sign, then kept.

The private key is stored only encrypted, with AES-256-GCM under a key derived (scrypt) from the person's
password, peppered with a secret derived from the issuing CA's key (which is kept outside the database, and
whoever holds it can issue certificates anyway). So riskreg can use it only at the moment the person signs and
re-enters their password; a copy of the database (a backup, an export) does not give it, not even by guessing
passwords offline; and it never appears in logs or audit events (they record the certificate's serial and
subject). When it can no longer be unlocked (the password was changed or reset, or the second factor below set
up again), when the person's title changes, when it nears expiry or the CA changes, a new certificate is issued
and the old one is marked replaced: signatures already made carry their own certificate and stay valid.

Someone who signs in only with single sign-on (riskreg passwords switched off, or none chosen) has no password
to re-enter: they re-authenticate with their second factor, and their key is wrapped under a server-side secret
instead, derived from the pepper and their TOTP secret. A copy of the database alone still does not unlock it
(the pepper is not in it), but whoever holds both the database and the CA key could, without the person: the
second factor is then a check riskreg makes, not a key only the person holds (docs/certificates.md).
"""

from __future__ import annotations

import hashlib
import hmac
import os
from datetime import UTC, timedelta

import sqlalchemy as sa

from riskreg import lazy
from riskreg.clock import utcnow
from riskreg.config import settings
from riskreg.enums import Role
from riskreg.extensions import db
from riskreg.models import SignerCertificate, Unit, User
from riskreg.pdf.config import PersonKey, SigningConfig, SigningUnavailable
from riskreg.rules.signers import signing_title
from riskreg.services.audit import trail as audit

# The X.509 stack loads when someone first signs, not when the app starts (issue 20).
x509 = lazy.module("cryptography.x509")
serialization = lazy.module("cryptography.hazmat.primitives.serialization")
cryptography_exceptions = lazy.module("cryptography.exceptions")
aead = lazy.module("cryptography.hazmat.primitives.ciphers.aead")
kdf_scrypt = lazy.module("cryptography.hazmat.primitives.kdf.scrypt")
pki = lazy.module("riskreg.pdf.pki")

# Issue a new certificate rather than sign with one about to expire: a signature should outlive its reading.
RENEW_BEFORE = timedelta(days=30)
SCRYPT_N = 2**14  # 0.05 to 0.14 s per signing on these machines; the password is checked first anyway


def title_for(user: User, unit: Unit) -> str:
    """The signer's title from where they hold the unit head role over ``unit`` (the unit or its nearest parent)."""
    held = {assignment.unit_id for assignment in user.roles if assignment.role is Role.UNIT_HEAD}
    at: Unit | None = unit
    while at is not None and at.id not in held:
        at = at.parent
    at = at or unit
    return signing_title(at.kind, at.name)


def _pkcs8(key) -> bytes:
    unencrypted = serialization.NoEncryption()  # only ever sealed with AES-GCM or hashed, never stored like this
    return key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, unencrypted)


def pepper_of(ca_key) -> bytes:
    return hashlib.sha256(b"riskreg signer key pepper\0" + _pkcs8(ca_key)).digest()


def by_second_factor(user: User) -> bool:
    """Whether signing re-authenticates ``user`` by their second factor alone: riskreg passwords are switched off,
    or they have none (they sign in with single sign-on)."""
    return not settings().local_passwords or not user.has_password


def _server_secret(user: User) -> str:
    # Peppered in _wrapping_key like a password; a new second factor (a lost phone) means a new signing certificate.
    return f"riskreg second factor\0{user.totp_secret}"


def _wrapping_key(password: str, salt: bytes, pepper: bytes) -> bytes:
    peppered = hmac.new(pepper, password.encode(), hashlib.sha256).digest()
    return kdf_scrypt.Scrypt(salt=salt, length=32, n=SCRYPT_N, r=8, p=1).derive(peppered)


def _aad(user: User, serial: str) -> bytes:
    # Binds the ciphertext to its row: a key copied onto another person's row does not unlock.
    return f"riskreg signer key:{user.id}:{serial}".encode()


def _wrap(key, password: str, pepper: bytes, user: User, serial: str) -> tuple[bytes, bytes]:
    salt, nonce = os.urandom(16), os.urandom(12)
    sealed = aead.AESGCM(_wrapping_key(password, salt, pepper)).encrypt(nonce, _pkcs8(key), _aad(user, serial))
    return nonce + sealed, salt


def unwrap(record: SignerCertificate, password: str, pepper: bytes):
    """The record's private key, or None when this password (and pepper) does not unlock it."""
    nonce, sealed = record.wrapped_key[:12], record.wrapped_key[12:]
    wrapping_key = _wrapping_key(password, record.key_salt, pepper)
    try:
        der = aead.AESGCM(wrapping_key).decrypt(nonce, sealed, _aad(record.user, record.serial))
    except cryptography_exceptions.InvalidTag:
        return None
    return serialization.load_der_private_key(der, password=None)


def current(user: User) -> SignerCertificate | None:
    query = (
        sa.select(SignerCertificate)
        .where(SignerCertificate.user_id == user.id, SignerCertificate.replaced_at.is_(None))
        .order_by(SignerCertificate.id.desc())
        .limit(1)
    )
    return db.session.scalar(query)


def _still_good(record: SignerCertificate, title: str, ca_cert: x509.Certificate) -> str:
    """Why ``record`` must be replaced, or "" when it can still sign."""
    if record.title != title:
        return "the signer's title changed"
    if record.not_after - RENEW_BEFORE < utcnow():
        return "it expires soon"
    if x509.load_der_x509_certificate(record.certificate).issuer != ca_cert.subject:
        return "the organisation's CA changed"
    return ""


def _organisation(ca_cert: x509.Certificate) -> str:
    found = ca_cert.subject.get_attributes_for_oid(x509.oid.NameOID.ORGANIZATION_NAME)
    return str(found[0].value) if found else "riskreg"


def _issue(
    user: User, title: str, password: str | None, ca, replacing: SignerCertificate | None, why: str
) -> PersonKey:
    ca_key, ca_cert = ca
    person = pki.Person(user.name, title, user.email, _organisation(ca_cert))
    issued = pki.issue_for_person(person, ca_key, ca_cert, utcnow().replace(tzinfo=UTC))
    cert = issued.certificate
    serial = format(cert.serial_number, "x")
    secret = _server_secret(user) if password is None else password
    wrapped, salt = _wrap(issued.key, secret, pepper_of(ca_key), user, serial)
    if replacing is not None:
        replacing.replaced_at = utcnow()
    record = SignerCertificate(
        user=user,
        serial=serial,
        subject=cert.subject.rfc4514_string(),
        title=title,
        not_before=cert.not_valid_before_utc.replace(tzinfo=None),
        not_after=cert.not_valid_after_utc.replace(tzinfo=None),
        certificate=cert.public_bytes(serialization.Encoding.DER),
        wrapped_key=wrapped,
        key_salt=salt,
    )
    db.session.add(record)
    db.session.flush()
    changes = {"serial": serial, "subject": record.subject, "not_after": record.not_after}
    changes["key_unlocked_by"] = "second factor" if password is None else "password"
    if replacing is not None:
        changes |= {"replaces": replacing.serial, "because": why}
    audit.record(user, "signer_certificate.issued", "signer_certificate", record.id, changes)
    return PersonKey(issued.key, cert, (ca_cert,))


def key_for(user: User, unit: Unit, password: str | None, config: SigningConfig) -> PersonKey:
    """The person's signing key and certificate for signing as head of ``unit``: theirs if they have one that
    still fits, otherwise a new one issued now. ``password`` must already have been checked; None when they
    re-authenticated by their second factor (``by_second_factor``), which must already have been checked too."""
    if not config.can_issue():
        raise SigningUnavailable(f"The organisation's CA cannot be found ({config.what_is_missing()})")
    ca = pki.load_ca(config.ca_key_path, config.ca_cert_path)  # type: ignore[arg-type]
    title = title_for(user, unit)
    record = current(user)
    if record is None:
        return _issue(user, title, password, ca, None, "")
    why = _still_good(record, title, ca[1])
    secret = _server_secret(user) if password is None else password
    key = None if why else unwrap(record, secret, pepper_of(ca[0]))
    if key is None:
        how = "their second factor" if password is None else "this password"
        return _issue(user, title, password, ca, record, why or f"the key could not be unlocked with {how}")
    return PersonKey(key, x509.load_der_x509_certificate(record.certificate), (ca[1],))
