"""Signing settings and the light types the services name (issue 20): importing this loads neither pyHanko nor
the X.509 stack, which riskreg.pdf.signing and riskreg.pdf.pki import when a document is first signed."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import ec

SETTINGS = ("RISKREG_SIGNING_KEY", "RISKREG_SIGNING_CERT", "RISKREG_SIGNING_TRUST_ROOTS")
CA_SETTINGS = ("RISKREG_SIGNING_CA_KEY", "RISKREG_SIGNING_CA_CERT")


@dataclass(frozen=True)
class SigningConfig:
    key_path: Path
    cert_path: Path
    trust_root_paths: tuple[Path, ...]
    ca_key_path: Path | None = None
    ca_cert_path: Path | None = None
    tsa_url: str = ""

    @classmethod
    def from_app_config(cls, config: dict) -> SigningConfig:
        """The configured paths; SigningUnavailable names the settings that are missing. The issuing CA is optional
        here (audit checkpoints and verifying need only the rest): can_issue() says whether people can sign."""
        missing = [name for name in SETTINGS if not config.get(name)]
        if missing:
            raise SigningUnavailable(
                "Signing is not configured: set " + ", ".join(missing) + " to the organisation's signing key, "
                "certificate and trust roots (see docs/certificates.md)"
            )
        ca_key, ca_cert = (config.get(name) for name in CA_SETTINGS)
        return cls(
            Path(config["RISKREG_SIGNING_KEY"]),
            Path(config["RISKREG_SIGNING_CERT"]),
            tuple(Path(p) for p in config["RISKREG_SIGNING_TRUST_ROOTS"]),
            Path(ca_key) if ca_key else None,
            Path(ca_cert) if ca_cert else None,
            config.get("RISKREG_TSA_URL") or "",
        )

    def files(self) -> list[Path]:
        optional = [path for path in (self.ca_key_path, self.ca_cert_path) if path is not None]
        return [self.key_path, self.cert_path, *optional, *self.trust_root_paths]

    def missing_files(self) -> list[Path]:
        return [path for path in self.files() if not path.exists()]

    def is_present(self) -> bool:
        return bool(self.trust_root_paths) and not self.missing_files()

    def can_issue(self) -> bool:
        return self.is_present() and self.ca_key_path is not None and self.ca_cert_path is not None

    def what_is_missing(self) -> str:
        missing = [str(path) for path in self.missing_files()]
        if self.ca_key_path is None or self.ca_cert_path is None:
            missing.append("no issuing CA is configured: set " + " and ".join(CA_SETTINGS))
        return ", ".join(missing) if missing else "no trust root is configured"


class SigningUnavailable(Exception):
    """The signing key or certificate is not configured or cannot be read."""


@dataclass(frozen=True)
class PersonKey:
    """A person's signing key and certificate, and the CA certificates above it (embedded in the signature)."""

    key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...] = ()
