"""A real RFC 3161 time-stamping authority on a loopback port: certomancer's Animator (the responder pyHanko's own
tests use) served by werkzeug in a thread, with a root CA and a TSA certificate of its own made for the run."""

import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

ARCH = "riskreg-tests"
VALIDITY = {"valid-from": "2000-01-01T00:00:00+0000", "valid-to": "2100-01-01T00:00:00+0000"}


@dataclass(frozen=True)
class LocalTsa:
    url: str
    root_path: Path  # the TSA's root certificate (PEM): trust it to validate the time-stamps


def _config(folder: Path) -> dict:
    for label in ("root", "tsa"):
        key = ec.generate_private_key(ec.SECP256R1())
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        (folder / f"{label}.key.pem").write_bytes(pem)
    key_usage = {"id": "key_usage", "critical": True, "smart-value": {"schema": "key-usage"}}
    return {
        "keysets": {ARCH: {"keys": {"root": {"path": "root.key.pem"}, "tsa": {"path": "tsa.key.pem"}}}},
        "pki-architectures": {
            ARCH: {
                "entity-defaults": {"country-name": "GB", "organization-name": "riskreg test TSA"},
                "entities": {"root": {"common-name": "Test TSA root"}, "tsa": {"common-name": "Test TSA"}},
                "certs": {
                    "root": {
                        "subject": "root",
                        "issuer": "root",
                        "validity": VALIDITY,
                        "extensions": [
                            {"id": "basic_constraints", "critical": True, "value": {"ca": True}},
                            key_usage | {"smart-value": {"schema": "key-usage", "params": ["key_cert_sign"]}},
                        ],
                    },
                    "tsa": {
                        "subject": "tsa",
                        "issuer": "root",
                        "validity": VALIDITY,
                        "extensions": [
                            key_usage | {"smart-value": {"schema": "key-usage", "params": ["digital_signature"]}},
                            {"id": "extended_key_usage", "critical": True, "value": ["time_stamping"]},
                        ],
                    },
                },
                "services": {"time-stamping": {"tsa": {"signing-key": "tsa", "signing-cert": "tsa"}}},
            }
        },
    }


@pytest.fixture(scope="session")
def local_tsa(tmp_path_factory):
    from certomancer.integrations.animator import Animator, AnimatorArchStore
    from certomancer.registry import CertLabel, CertomancerConfig
    from werkzeug.serving import make_server

    folder = tmp_path_factory.mktemp("tsa")
    config = CertomancerConfig(_config(folder), key_search_dir=str(folder))
    architecture = config.get_pki_arch(ARCH)
    root_path = folder / "tsa-root.pem"
    root_path.write_bytes(architecture.get_cert(CertLabel("root")).dump())
    app = Animator(AnimatorArchStore(config.pki_archs), with_web_ui=False)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LocalTsa(f"http://127.0.0.1:{server.server_port}/{ARCH}/tsa/tsa", root_path)
    finally:
        server.shutdown()
        thread.join(timeout=5)
