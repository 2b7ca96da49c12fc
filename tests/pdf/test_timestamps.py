"""PAdES B-T: a signature time-stamped by a real RFC 3161 authority on a loopback port (certomancer)."""

import pytest

from riskreg.pdf import documents, signing
from tests.pdf.test_signing import HTML, STAMP, person_key
from tests.tsa import local_tsa  # noqa: F401 - the fixture

# No database: time-stamped PDF signatures. The PostgreSQL pass leaves them out (tests/conftest.py).
pytestmark = pytest.mark.no_database


@pytest.fixture(scope="module")
def ca(tmp_path_factory):
    return signing.create_demo_ca(tmp_path_factory.mktemp("ts-ca"))


@pytest.fixture(scope="module")
def stamped(ca, local_tsa):  # noqa: F811
    pdf = documents.render_pdf(HTML)
    return signing.sign(pdf, person_key(ca), "Certificate of assurance 2025-26", stamp=STAMP, tsa_url=local_tsa.url)


def test_a_time_stamped_signature_validates_with_the_tsa_root(stamped, ca, local_tsa):  # noqa: F811
    check = signing.verify(stamped, (*ca.trust_root_paths, local_tsa.root_path))
    assert check.ok, check.problem
    assert check.timestamp is not None and check.timestamp.ok
    assert check.timestamp.authority == "Test TSA"
    assert abs((check.timestamp.at - check.signed_at).total_seconds()) < 60


def test_a_time_stamp_from_an_authority_we_do_not_trust_is_reported(stamped, ca):
    check = signing.verify(stamped, ca.trust_root_paths)
    assert check.trusted and check.timestamp is not None  # the signer is trusted; the time-stamp's authority is not
    assert not check.timestamp.trusted and not check.ok
    assert check.problem == "the time-stamping authority is not trusted"


def test_an_unreachable_tsa_refuses_to_sign_rather_than_sign_without_a_time_stamp(ca):
    with pytest.raises(signing.SigningUnavailable, match="time-stamping authority at http://127.0.0.1:9/tsa"):
        signing.sign(documents.render_pdf(HTML), person_key(ca), "r", tsa_url="http://127.0.0.1:9/tsa")
