"""The home page puts a unit head's certificate waiting for signature first (issue 13)."""

from bs4 import BeautifulSoup

from riskreg.services.certificates import workflow
from tests.certificates.support import declare_all, draft


def test_a_unit_heads_certificate_waiting_for_signature_comes_first(client, org, sign_in):
    certificate = declare_all(draft(org), org.risk_ln, {}, org, None)
    workflow.submit(certificate, org.risk_ln)
    sign_in(org.head_ln)
    main = BeautifulSoup(client.get("/").data, "html.parser").select_one("main")
    first = main.select_one("h1").find_next(["h2", "div"])
    assert first.get("id") == "to-sign" and "waiting for your signature" in first.get_text()
    assert first.select_one("a")["href"] == f"/certificates/{certificate.id}"
    client.post("/sign-out")
    sign_in(org.risk_ln)  # a risk manager cannot sign it: nothing to sign on their home page
    assert BeautifulSoup(client.get("/").data, "html.parser").select_one("#to-sign") is None
