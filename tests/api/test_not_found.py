"""Services speak no HTTP: "no such thing" is a NotFoundError, turned into a 404 by the web and API handlers."""

from pathlib import Path

import pytest
from werkzeug.exceptions import HTTPException

import riskreg.services
from riskreg.services import NotFoundError, ServiceError, links, registers, risks
from riskreg.services.certificates import queries as certificates
from riskreg.services.flags import queue as flag_queue
from tests.api.conftest import error_of

SERVICES = Path(riskreg.services.__file__).parent


@pytest.mark.parametrize(
    "find",
    [
        lambda: risks.get_by_ref("ZZ-999"),
        lambda: registers.get_by_code("ZZ"),
        lambda: links.get_link(999_999),
        lambda: flag_queue.get_flag(999_999),
        lambda: certificates.get_certificate(999_999),
    ],
)
def test_services_raise_their_own_not_found(find):
    with pytest.raises(NotFoundError) as raised:
        find()
    # Not an HTTP error, and not a refusal a form would show as a message.
    assert not isinstance(raised.value, HTTPException | ServiceError)


def test_no_service_imports_http_errors():
    # Every module of every service package, not only the top level.
    modules = sorted(SERVICES.rglob("*.py"))
    offenders = [str(path.relative_to(SERVICES)) for path in modules if "werkzeug.exceptions" in path.read_text()]
    assert offenders == []


def test_a_missing_object_is_a_404_page(client, org, sign_in):
    sign_in(org.viewer_ln)
    response = client.get("/risks/ZZ-999")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_a_missing_object_is_a_json_404_in_the_api(api_as, org):
    response = api_as(org.viewer_ln).get("/risks/ZZ-999")
    assert response.status_code == 404
    assert error_of(response)["status"] == 404
