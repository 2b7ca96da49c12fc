from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from riskreg.clock import utcnow
from riskreg.extensions import db
from riskreg.models.org import User


class SignerCertificate(db.Model):
    """A person's own signing certificate, issued by the organisation's CA the first time they sign.

    The private key is kept only encrypted (AES-256-GCM) under a key derived with scrypt from the person's
    password and the installation's secret key: riskreg can sign as them only while they sign (they re-enter
    their password to sign), and a copy of the database alone does not give the key. Someone with single sign-on
    only re-authenticates by their second factor, and their key is wrapped under a server-side secret instead
    (riskreg.services.certificates.signers). See docs/certificates.md.
    """

    __tablename__ = "signer_certificate"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("app_user.id"), index=True)
    serial: Mapped[str] = mapped_column(sa.String(64), unique=True)  # hex
    subject: Mapped[str] = mapped_column(sa.String(600))  # RFC 4514, for people to read
    title: Mapped[str] = mapped_column(sa.String(200))
    not_before: Mapped[datetime]
    not_after: Mapped[datetime]
    certificate: Mapped[bytes] = mapped_column(sa.LargeBinary)  # DER
    wrapped_key: Mapped[bytes] = mapped_column(sa.LargeBinary)  # nonce + AES-GCM(PKCS#8 DER)
    key_salt: Mapped[bytes] = mapped_column(sa.LargeBinary)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    replaced_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<SignerCertificate {self.serial} of user {self.user_id}>"
