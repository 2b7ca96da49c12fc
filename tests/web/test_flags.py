"""HQ's flags pages, the owners' view of flags on their risks, and the queue's constant query count."""

from datetime import timedelta

import sqlalchemy as sa
from bs4 import BeautifulSoup

from riskreg.clock import today
from riskreg.enums import FlagKind, FlagStatus, LinkKind
from riskreg.extensions import db
from riskreg.models import Flag, FlagComment, RiskLink
from riskreg.services.flags import scan as flags
from riskreg.services.flags import similarity
from tests.conftest import count_queries
from tests.factories import CountermeasureFactory, RiskFactory

WORKFORCE = (
    "Workforce capacity and capability",
    "the service does not have enough lawyers and caseworkers with the right skills to deal with its caseload",
)
STAFFING = ("Insufficient staff to meet caseload", "the area does not have enough prosecutors to review its cases")


def _soup(response):
    return BeautifulSoup(response.data, "html.parser")


def _text(response) -> str:
    return _soup(response).get_text(" ", strip=True)


# Unrelated risks, so that only the pairs a test means are similar (the factory's "Test risk n" are copies).
TOPICS = iter(
    [
        ("Office flooding", "water floods the basement archive"),
        ("Courier contract", "the courier firm stops deliveries"),
        ("Fraud by staff", "an employee submits false expense claims"),
        ("Heating failure", "the boilers fail in winter"),
        ("Parking permits", "staff lose their parking spaces"),
        ("Cyber attack", "ransomware encrypts the file servers"),
        ("Translation errors", "a Welsh letter is mistranslated"),
        ("Lift breakdown", "the only lift is out of order"),
    ]
    * 20
)


def _risk(register, owner, title_event=None, overdue=False):
    title_event = title_event or next(TOPICS)
    extra = {"title": title_event[0], "event": title_event[1]}
    risk = RiskFactory(
        register=register,
        owner=owner,
        cause="Too few prosecutors for the caseload",
        consequence="Cases are reviewed late and hearings are wasted",
        next_review_on=today() + timedelta(days=-45 if overdue else 30),
        **extra,
    )
    CountermeasureFactory(risk=risk, implemented_on=today() - timedelta(days=10))
    similarity.refresh_embedding(risk)
    return risk


def _duplicate(org):
    corporate = _risk(org.hq.register, org.risk_hq, WORKFORCE)
    area = _risk(org.ln.register, org.risk_ln, STAFFING)
    flags.scan_all()
    flag = db.session.scalar(sa.select(Flag).where(Flag.kind == FlagKind.REPEATS_HIGHER))
    return corporate, area, flag


def test_only_hq_and_the_read_only_roles_see_the_queue(client, org, sign_in):
    _risk(org.ln.register, org.risk_ln, overdue=True)
    flags.scan_all()
    sign_in(org.hq_risk)
    page = _soup(client.get("/flags"))
    assert page.select_one("nav a[href='/flags']") is not None
    assert page.select("input[name=flag_ids]") and "Acknowledge selected flags" in page.get_text()
    assert "Scan every register now" in page.get_text()
    client.post("/sign-out")
    sign_in(org.committee)
    page = _soup(client.get("/flags"))
    assert "Review overdue" in page.get_text() and not page.select("input[name=flag_ids]")
    assert "Scan every register now" not in page.get_text()
    assert client.post("/flags/scan").status_code == 403
    client.post("/sign-out")
    sign_in(org.risk_ln)
    assert client.get("/flags").status_code == 403
    assert _soup(client.get("/")).select_one("nav a[href='/flags']") is None


def test_the_queue_filters_by_kind_register_and_status_and_pages(client, org, sign_in, app, monkeypatch):
    for _ in range(3):
        _risk(org.ln.register, org.risk_ln, overdue=True)
    _risk(org.ls.register, org.risk_ls, overdue=True)
    _duplicate(org)
    sign_in(org.hq_risk)
    assert "5 flags" in _text(client.get("/flags"))
    assert "1 flag" in _text(client.get("/flags?kind=repeats_higher"))
    assert "1 flag" in _text(client.get("/flags?register=LS"))
    assert "4 flags" in _text(client.get("/flags?register=LN"))  # with the duplicate, which involves LN
    assert "0 flags" in _text(client.get("/flags?status=dismissed"))
    ranked = _soup(client.get("/flags")).select("tbody tr td:nth-of-type(2) a")
    # Ranked by the risk's consequence (appetite, staleness), then each risk's flags together.
    assert ranked[0].get_text(" ", strip=True).startswith("Review overdue")
    monkeypatch.setitem(app.config, "RISKREG_PAGE_SIZE", 4)
    second = _soup(client.get("/flags?page=2"))
    assert len(second.select("table")[0].select("tbody tr")) == 1 and second.select_one(".govuk-pagination")


def test_bulk_acknowledge_asks_to_confirm_the_count(client, org, sign_in):
    for _ in range(3):
        _risk(org.ln.register, org.risk_ln, overdue=True)
    flags.scan_all()
    first, second, third = db.session.scalars(sa.select(Flag).order_by(Flag.id)).all()
    sign_in(org.hq_risk)
    asked = client.post("/flags/acknowledge", data={"flag_ids": [first.id, second.id], "kind": "review_overdue"})
    assert asked.status_code == 200 and "Acknowledge 2 flags?" in _text(asked)
    assert first.status is FlagStatus.OPEN
    done = client.post(
        "/flags/acknowledge", data={"flag_ids": [first.id, second.id], "confirmed": "yes", "kind": "review_overdue"}
    )
    assert done.status_code == 302 and done.headers["Location"] == "/flags?kind=review_overdue"
    assert [flag.status for flag in (first, second, third)] == [FlagStatus.ACKNOWLEDGED] * 2 + [FlagStatus.OPEN]
    assert "2 flags acknowledged" in _text(client.get("/flags"))
    client.post("/sign-out")
    sign_in(org.committee)
    assert client.post("/flags/acknowledge", data={"flag_ids": [third.id], "confirmed": "yes"}).status_code == 403


def test_a_duplicate_flag_shows_both_risks_and_is_resolved_after_confirmation(client, org, sign_in):
    corporate, area, flag = _duplicate(org)
    sign_in(org.hq_risk)
    page = _soup(client.get(f"/flags/{flag.id}"))
    columns = page.select(".govuk-grid-column-one-half")
    assert len(columns) == 2
    assert area.ref in columns[0].get_text() and corporate.ref in columns[1].get_text()
    assert [radio["value"] for radio in page.select("input[name=decision]")] == [
        "acknowledge",
        "link",
        "close_lower",
        "close_higher",
        "not_duplicate",
    ]

    missing = client.post(f"/flags/{flag.id}/decide", data={"decision": "not_duplicate", "reason": "", "version": "1"})
    assert missing.status_code == 400 and "Enter why the risks are not duplicates" in _text(missing)
    asked = client.post(
        f"/flags/{flag.id}/decide", data={"decision": "link", "reason": "LN's form of it", "version": "1"}
    )
    assert asked.status_code == 200 and f"{area.ref} will contribute to {corporate.ref}" in _text(asked)
    assert db.session.scalar(sa.select(RiskLink)) is None
    done = client.post(
        f"/flags/{flag.id}/decide",
        data={"decision": "link", "reason": "LN's form of it", "confirmed": "yes", "version": "1"},
    )
    assert done.status_code == 302
    link = db.session.scalar(sa.select(RiskLink))
    assert (link.from_risk, link.to_risk, link.kind) == (area, corporate, LinkKind.CONTRIBUTES_TO)
    assert flag.status is FlagStatus.RESOLVED and "The two risks were linked" in _text(client.get(f"/flags/{flag.id}"))


def test_hq_feedback_and_owner_replies(client, org, sign_in):
    _corporate, area, flag = _duplicate(org)
    sign_in(org.hq_risk)
    assert client.post(f"/flags/{flag.id}/comments", data={"body": "Please link it"}).status_code == 302
    client.post("/sign-out")

    sign_in(org.risk_ln)  # the area's risk manager: one of the flagged risk's owners
    home = _soup(client.get("/"))
    assert "Flags on your risks" in home.get_text() and not home.select("#flags + p + table")  # a summary, no list
    assert [item.get_text() for item in home.select("#flag-summary li")] == ["Repeats a higher-level risk: 1"]
    assert home.select_one("a[href='/flags/mine']") is not None
    mine = _soup(client.get("/flags/mine"))
    assert f"/flags/{flag.id}" in [link["href"] for link in mine.select("tbody a")]
    risk_page = _soup(client.get(f"/risks/{area.ref}"))
    assert "Repeats a higher-level risk" in risk_page.select_one("#flags").find_next("table").get_text()
    page = _soup(client.get(f"/flags/{flag.id}"))
    assert "Please link it" in page.get_text() and not page.select("input[name=decision]")
    assert client.post(f"/flags/{flag.id}/comments", data={"body": "Will do"}).status_code == 302
    assert client.post(f"/flags/{flag.id}/decide", data={"decision": "acknowledge"}).status_code == 403
    assert client.post(f"/flags/{flag.id}/comments", data={"body": ""}).status_code == 400
    bodies = [comment.body for comment in db.session.scalars(sa.select(FlagComment).order_by(FlagComment.id))]
    assert bodies == ["Please link it", "Will do"]
    client.post("/sign-out")

    sign_in(org.risk_ls)  # another area: no business with this flag
    assert client.get(f"/flags/{flag.id}").status_code == 403
    assert "Quality flags" not in _text(client.get(f"/risks/{area.ref}"))
    assert "Flags on your risks" not in _text(client.get("/"))
    assert f"/flags/{flag.id}" not in _text(client.get("/flags/mine"))


def test_a_flag_on_a_restricted_risk_is_not_found_for_those_who_cannot_read_it(client, org, sign_in):
    risk = _risk(org.ln.register, org.risk_ln, overdue=True)
    risk.restricted = True
    db.session.commit()
    flags.scan_all()
    flag = db.session.scalar(sa.select(Flag))
    sign_in(org.risk_ls)
    assert client.get(f"/flags/{flag.id}").status_code == 404


def test_the_queue_runs_a_fixed_number_of_queries(client, org, sign_in):
    _risk(org.ln.register, org.risk_ln, overdue=True)
    _duplicate(org)
    sign_in(org.hq_risk)
    client.get("/flags")
    with count_queries() as few:
        assert client.get("/flags").status_code == 200
    for _ in range(12):
        _risk(org.ls.register, org.risk_ls, overdue=True)
    flags.scan_all()
    with count_queries() as many:
        assert client.get("/flags").status_code == 200
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Flag)) >= 14
    assert len(many) == len(few)


def test_hq_can_run_a_scan_from_the_queue(client, org, sign_in):
    _risk(org.ln.register, org.risk_ln, overdue=True)
    sign_in(org.hq_risk)
    response = client.post("/flags/scan")
    assert response.status_code == 302 and "/jobs/" in response.headers["Location"]  # a job, run after the request
    assert "1 flag raised, 0 cleared" in _text(client.get(response.headers["Location"]))


def test_hq_raises_a_flag_by_hand_and_scans_leave_it_alone(client, org, sign_in):
    risk = _risk(org.ln.register, org.risk_ln)
    sign_in(org.hq_risk)
    assert "Raise a flag on this risk" in _text(client.get(f"/risks/{risk.ref}"))
    missing = client.post(f"/risks/{risk.ref}/flags/new", data={"kind": "unclear_description", "note": ""})
    assert missing.status_code == 400 and "Enter what the register's owners should look at" in _text(missing)
    duplicate = {"kind": "possible_duplicate", "note": "Same as HQ-001"}
    assert client.post(f"/risks/{risk.ref}/flags/new", data=duplicate).status_code == 400
    response = client.post(
        f"/risks/{risk.ref}/flags/new",
        data={"kind": "unclear_description", "note": "The event does not say what might happen"},
    )
    assert response.status_code == 302
    flag = db.session.scalar(sa.select(Flag))
    assert (flag.raised_by, flag.condition_key, flag.kind) == (org.hq_risk, None, FlagKind.UNCLEAR_DESCRIPTION)
    flags.scan_all()  # the rules find the description clear, but a flag raised by hand is HQ's to decide
    assert flag.status is FlagStatus.OPEN
    client.post("/sign-out")
    sign_in(org.risk_ln)
    assert client.get(f"/risks/{risk.ref}/flags/new").status_code == 403
    assert "Unclear description: 1" in _text(client.get("/"))
    assert "The event does not say what might happen" in _text(client.get("/flags/mine"))


def test_the_queue_ranks_by_consequence_and_keeps_each_risks_flags_together(client, org, sign_in):
    within = _risk(org.ln.register, org.risk_ln, overdue=True)
    above = _risk(org.ls.register, org.risk_ls, overdue=True)
    above.residual_l, above.residual_i, above.category = 5, 5, "legal"  # tolerance 4
    within.residual_l, within.residual_i, within.category = 1, 1, "legal"
    for risk in (within, above):
        db.session.add(Flag(kind=FlagKind.UNCLEAR_DESCRIPTION, risk=risk, note="Vague", staleness=0))
    flags.scan_all()
    sign_in(org.hq_risk)
    page = _soup(client.get("/flags"))
    refs = [row.select("td")[1].get_text(" ", strip=True) for row in page.select("#queue + form tbody tr")]
    owners = [next(ref for ref in (above.ref, within.ref) if ref in text) for text in refs]
    assert owners == [above.ref, above.ref, within.ref, within.ref]  # above appetite first, each risk together
    assert "Staleness of the risk (points)" in page.get_text()
