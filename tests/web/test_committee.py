"""The Audit and Risk Committee view, its pack PDF, and comments on risks."""

import io
import random
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup
from pypdf import PdfReader

from riskreg.clock import today, utcnow
from riskreg.enums import AppetiteLevel, DivergenceKind, RiskStatus
from riskreg.extensions import db
from riskreg.models import AuditEvent, Comment
from riskreg.services import committee
from riskreg.services.administration import scoring as scoring_settings
from tests.conftest import count_queries
from tests.factories import CommentFactory, ReviewFactory, RiskFactory, RiskLinkFactory


def _soup(response):
    return BeautifulSoup(response.data, "html.parser")


def _sections(response) -> dict[str, BeautifulSoup]:
    return {section.h2.get_text(" ", strip=True): section for section in _soup(response).select("main section")}


@pytest.fixture
def linked(org):
    """A corporate risk informed by two London North risks and one London South risk; another with none."""
    corporate = RiskFactory(
        register=org.hq.register,
        title="Custody time limit failures",
        residual_l=3,
        residual_i=3,
        category="operations",
    )
    ln_high = RiskFactory(register=org.ln.register, title="Custody cases released", residual_l=4, residual_i=4)
    ln_low = RiskFactory(register=org.ln.register, title="CTL diary errors", residual_l=2, residual_i=2)
    ls_same = RiskFactory(register=org.ls.register, title="CTL failures in the south", residual_l=3, residual_i=3)
    for risk in (ln_high, ln_low, ls_same):
        RiskLinkFactory(from_risk=risk, to_risk=corporate)
    lonely = RiskFactory(register=org.hq.register, title="Failure of key contracts", residual_l=1, residual_i=2)
    return corporate, ln_high, ln_low, ls_same, lonely


def test_committee_view_lists_corporate_risks_with_contributors_grouped_by_register(client, org, sign_in, linked):
    corporate, ln_high, ln_low, ls_same, lonely = linked
    sign_in(org.committee)
    sections = _sections(client.get("/committee"))
    assert list(sections) == [f"{corporate.ref} {corporate.title}", f"{lonely.ref} {lonely.title}"]
    section = sections[f"{corporate.ref} {corporate.title}"]
    groups = [tbody.th.get_text(strip=True) for tbody in section.select("tbody")]
    assert groups == ["London North", "London South"]
    rows = {
        tr.td.get_text(" ", strip=True): [td.get_text(" ", strip=True) for td in tr.select("td")]
        for tr in section.select("tbody tr")
        if tr.td
    }
    assert rows[f"{ln_high.ref} {ln_high.title}"][1:3] == ["16 Very high Above appetite", "7 higher"]
    assert rows[f"{ln_low.ref} {ln_low.title}"][2] == "5 lower"
    assert rows[f"{ls_same.ref} {ls_same.title}"][2] == "The same"
    summary = section.select_one(".govuk-summary-list").get_text(" ", strip=True)
    assert "3 open contributing risks: highest 16, average 9.7, 1 above appetite" in summary
    alerts = section.select_one(".app-link-alerts").get_text(" ", strip=True)
    assert (
        f"1 contributing risk ({ln_high.ref}) is in a higher band than {corporate.ref}: review {corporate.ref}'s score"
    ) in alerts
    lonely_text = sections[f"{lonely.ref} {lonely.title}"].get_text(" ", strip=True)
    assert "No open risk in another register informs this risk" in lonely_text


def test_committee_filters_above_appetite_and_with_alerts(client, org, sign_in, linked):
    corporate, *_rest, lonely = linked
    above = RiskFactory(register=org.hq.register, title="Legal risk above appetite", category="legal")
    sign_in(org.committee)
    assert list(_sections(client.get("/committee?with_alerts=1"))) == [f"{corporate.ref} {corporate.title}"]
    assert list(_sections(client.get("/committee?above_appetite=1"))) == [f"{above.ref} {above.title}"]
    assert list(_sections(client.get("/committee?above_appetite=1&with_alerts=1"))) == []
    assert len(_sections(client.get("/committee"))) == 3


def test_a_closed_corporate_risk_still_informed_by_open_risks_stays_in_view(client, org, sign_in):
    closed = RiskFactory(register=org.hq.register, title="Estate programme", status=RiskStatus.CLOSED)
    RiskLinkFactory(from_risk=RiskFactory(register=org.ln.register), to_risk=closed)
    RiskFactory(register=org.hq.register, title="Closed and forgotten", status=RiskStatus.CLOSED)
    sign_in(org.hq_risk)
    sections = _sections(client.get("/committee"))
    assert list(sections) == [f"{closed.ref} Estate programme"]
    assert "HQ-001 is closed but 1 contributing risk (LN-001) is still open: link them" in sections[
        f"{closed.ref} Estate programme"
    ].get_text(" ", strip=True)


def test_a_closed_corporate_risk_is_not_counted_above_appetite(org):
    """The roll-up counts open risks above appetite, as the registers index does (review): a closed corporate risk
    in view for its open contributors needs linking, not treating."""
    closed = RiskFactory(register=org.hq.register, residual_l=5, residual_i=5, status=RiskStatus.CLOSED)
    RiskLinkFactory(from_risk=RiskFactory(register=org.ln.register, residual_l=1, residual_i=1), to_risk=closed)
    RiskFactory(register=org.hq.register, residual_l=5, residual_i=5)
    counts = committee.committee_page(today()).counts
    assert (counts.corporate, counts.above_appetite) == (2, 1)


@pytest.mark.parametrize("who", ["committee", "hq_risk", "auditor"])
def test_committee_hq_risk_and_internal_audit_see_the_committee_view(client, org, sign_in, who):
    sign_in(getattr(org, who))
    assert client.get("/committee").status_code == 200
    assert "Committee" in [a.get_text(strip=True) for a in _soup(client.get("/")).select(".govuk-service-navigation a")]


@pytest.mark.parametrize("who", ["viewer_ln", "risk_ln", "head_ln", "risk_hq", "admin", "nobody"])
def test_everyone_else_is_refused_the_committee_view_and_pack(client, org, sign_in, who):
    sign_in(getattr(org, who))
    assert client.get("/committee").status_code == 403
    assert client.post("/committee/pack", data={"meeting": ["3", "12", "2026"]}).status_code == 403
    assert "Committee" not in [
        a.get_text(strip=True) for a in _soup(client.get("/")).select(".govuk-service-navigation a")
    ]


def _link_many(org, corporate_count: int, contributors_each: int) -> None:
    for _ in range(corporate_count):
        corporate = RiskFactory(register=org.hq.register)
        ReviewFactory(risk=corporate)
        for n in range(contributors_each):
            contributor = RiskFactory(register=(org.ln, org.ls)[n % 2].register, owner=org.risk_ln)
            ReviewFactory(risk=contributor)
            RiskLinkFactory(from_risk=contributor, to_risk=corporate)
        CommentFactory(risk=corporate, author=org.committee)


def test_committee_view_queries_do_not_grow_with_the_number_of_linked_risks(client, org, sign_in, monkeypatch):
    monkeypatch.setattr(committee, "CORPORATE_PER_PAGE", 4)
    _link_many(org, corporate_count=1, contributors_each=1)
    sign_in(org.committee)
    client.get("/committee")
    with count_queries() as few:
        assert client.get("/committee").status_code == 200
    _link_many(org, corporate_count=8, contributors_each=6)
    for page in (1, 3):  # a page of four and the last page, of one
        with count_queries() as many:
            response = client.get(f"/committee?page={page}")
        assert len(_sections(response)) == (4 if page == 1 else 1)
        assert len(many) == len(few), "\n".join(many)


def test_the_page_lists_the_contributors_needing_attention_first_and_links_to_them_all(
    client, org, sign_in, frozen_clock
):
    corporate = RiskFactory(register=org.hq.register, title="Custody time limits", residual_l=3, residual_i=3)
    quiet = [RiskFactory(register=org.ls.register, residual_l=1, residual_i=2) for _ in range(6)]
    higher = RiskFactory(register=org.ln.register, residual_l=5, residual_i=4)  # a higher band: an alert
    overdue = RiskFactory(register=org.ls.register, residual_l=1, residual_i=1, next_review_on=today() - timedelta(1))
    for risk in (*quiet, higher, overdue):
        RiskLinkFactory(from_risk=risk, to_risk=corporate)
    sign_in(org.committee)
    section = _sections(client.get("/committee"))[f"{corporate.ref} {corporate.title}"]
    listed = [tr.td.a.get_text(" ", strip=True).split()[0] for tr in section.select("tbody tr") if tr.td]
    assert len(listed) == committee.CONTRIBUTORS_SHOWN
    assert higher.ref in listed and overdue.ref in listed  # divergent and overdue before the quiet ones
    assert "The 5 of 8 risks informing" in section.caption.get_text(" ", strip=True)
    assert "8 open contributing risks" in section.select_one(".govuk-summary-list").get_text(" ", strip=True)
    show_all = section.find("a", string=f"Show all 8 risks informing {corporate.ref}")
    assert show_all["href"] == f"/committee/risks/{corporate.ref}/contributors"
    everyone = _soup(client.get(show_all["href"]))
    refs = [a.get_text(" ", strip=True).split()[0] for a in everyone.select("main tbody td:first-child a")]
    assert sorted(refs) == sorted(risk.ref for risk in (*quiet, higher, overdue))


def test_the_contributors_page_is_paginated_in_attention_order(client, app, org, sign_in, monkeypatch, frozen_clock):
    monkeypatch.setitem(app.config, "RISKREG_PAGE_SIZE", 3)
    corporate = RiskFactory(register=org.hq.register, residual_l=2, residual_i=2)
    scores = [(1, 1), (5, 5), (1, 2), (4, 4), (2, 1)]
    contributors = [
        RiskFactory(register=org.ln.register, residual_l=likelihood, residual_i=impact) for likelihood, impact in scores
    ]
    for risk in contributors:
        RiskLinkFactory(from_risk=risk, to_risk=corporate)
    sign_in(org.hq_risk)

    def refs(page: int) -> list[str]:
        soup = _soup(client.get(f"/committee/risks/{corporate.ref}/contributors?page={page}"))
        return [a.get_text(" ", strip=True).split()[0] for a in soup.select("main tbody td:first-child a")]

    first, second = refs(1), refs(2)
    # The three highest on the first page; a page lists its rows by register, oldest first.
    assert first == [contributors[1].ref, contributors[2].ref, contributors[3].ref]
    assert second == [contributors[0].ref, contributors[4].ref]
    assert refs(99) == second  # a page past the end shows the last
    soup = _soup(client.get(f"/committee/risks/{corporate.ref}/contributors"))
    assert soup.select_one(".govuk-pagination") is not None


def test_the_contributors_page_runs_the_same_queries_however_many_contribute(client, org, sign_in):
    corporate = RiskFactory(register=org.hq.register)
    RiskLinkFactory(from_risk=RiskFactory(register=org.ln.register), to_risk=corporate)
    sign_in(org.committee)
    path = f"/committee/risks/{corporate.ref}/contributors"
    client.get(path)
    with count_queries() as few:
        assert client.get(path).status_code == 200
    for n in range(12):
        risk = RiskFactory(register=(org.ln, org.ls)[n % 2].register)
        ReviewFactory(risk=risk)
        RiskLinkFactory(from_risk=risk, to_risk=corporate)
    with count_queries() as many:
        assert client.get(path).status_code == 200
    assert len(many) == len(few), "\n".join(many)


@pytest.mark.parametrize("who", ["viewer_ln", "risk_ln", "head_ln", "admin"])
def test_only_the_committee_view_readers_see_a_contributors_page(client, org, sign_in, who):
    corporate = RiskFactory(register=org.hq.register)
    sign_in(getattr(org, who))
    assert client.get(f"/committee/risks/{corporate.ref}/contributors").status_code == 403


def _paged(org):
    """Five corporate risks: one with link alerts, two above appetite, one with its review overdue, one quiet."""
    quiet = RiskFactory(register=org.hq.register, title="Quiet", category="strategy", residual_l=1, residual_i=2)
    above = RiskFactory(register=org.hq.register, title="Above", category="legal", residual_l=3, residual_i=3)
    overdue = RiskFactory(
        register=org.hq.register,
        title="Overdue",
        category="strategy",
        residual_l=1,
        residual_i=2,
        next_review_on=today() - timedelta(days=1),
    )
    alerted = RiskFactory(register=org.hq.register, title="Alerted", category="strategy", residual_l=2, residual_i=2)
    higher = RiskFactory(register=org.ln.register, category="strategy", residual_l=5, residual_i=4)
    RiskLinkFactory(from_risk=higher, to_risk=alerted)
    above_too = RiskFactory(register=org.hq.register, title="Above too", category="legal", residual_l=4, residual_i=4)
    return quiet, above, overdue, alerted, above_too


def test_the_committee_page_lists_corporate_risks_needing_attention_first_a_page_at_a_time(
    client, org, sign_in, monkeypatch, frozen_clock
):
    monkeypatch.setattr(committee, "CORPORATE_PER_PAGE", 2)
    quiet, above, overdue, alerted, above_too = _paged(org)
    sign_in(org.committee)
    pages = [client.get(f"/committee?page={number}") for number in (1, 2, 3)]
    titles = [[title.split(" ", 1)[1] for title in _sections(page)] for page in pages]
    # Link alerts, then above appetite, then review overdue, then the rest; each in the usual order.
    assert titles == [["Alerted", "Above"], ["Above too", "Overdue"], ["Quiet"]]
    assert [row.th.get_text(" ", strip=True) for row in _soup(pages[1]).select("#summary-table tbody tr")] == [
        f"{above_too.ref} Above too",
        f"{overdue.ref} Overdue",
    ]
    # The roll-up counts every corporate risk, on every page.
    rollups = [_soup(page).select_one("#rollup").get_text(" ", strip=True) for page in pages]
    assert rollups[0] == rollups[1] == rollups[2]
    rows = {
        row.dt.get_text(strip=True): row.dd.get_text(" ", strip=True) for row in _soup(pages[0]).select("#rollup div")
    }
    assert rows["Corporate risks"] == "5"
    assert rows["Need attention"].startswith("4 ")
    assert rows["Link alerts"] == "2 on 1 corporate risk"  # a higher band, and above appetite while it is within
    assert (rows["Above appetite"], rows["Review overdue"]) == ("2", "1")
    assert "5 corporate risks shown, those needing attention first: 3 to 4 on this page (page 2 of 3)" in (
        _soup(pages[1]).select_one("#shown").get_text(" ", strip=True)
    )
    # The heat map still shows every open corporate risk, whichever the page.
    assert sorted(
        ref
        for cell in _soup(pages[2]).select("#heatmap-table tbody tr")
        for ref in cell.select("td")[2].text.split(", ")
    ) == sorted(risk.ref for risk in (quiet, above, overdue, alerted, above_too))
    # A page past the end is the last, as on the other paginated pages.
    assert list(_sections(client.get("/committee?page=99"))) == [f"{quiet.ref} Quiet"]
    assert list(_sections(client.get("/committee?page=x"))) == list(_sections(pages[0]))
    # A corporate risk's contributors page links back to the page that lists it.
    contributors = _soup(client.get(f"/committee/risks/{alerted.ref}/contributors"))
    back = contributors.find("a", string=f"{alerted.ref} on the committee page")
    assert back["href"] == f"/committee?page=1#risk-{alerted.ref}"
    overdue_back = _soup(client.get(f"/committee/risks/{overdue.ref}/contributors"))
    assert overdue_back.find("a", string=f"{overdue.ref} on the committee page")["href"] == (
        f"/committee?page=2#risk-{overdue.ref}"
    )


def test_the_committee_pages_keep_the_filters(client, org, sign_in, monkeypatch, frozen_clock):
    monkeypatch.setattr(committee, "CORPORATE_PER_PAGE", 1)
    _quiet, above, _overdue, _alerted, above_too = _paged(org)
    sign_in(org.committee)
    first = _soup(client.get("/committee?above_appetite=1"))
    assert list(_sections_of(first)) == [f"{above.ref} Above"]
    following = first.select_one(".govuk-pagination__next a")["href"]
    assert following == "/committee?above_appetite=1&page=2"
    second = _soup(client.get(following))
    assert list(_sections_of(second)) == [f"{above_too.ref} Above too"]
    assert second.select_one("#above_appetite").has_attr("checked")
    assert second.select_one(".govuk-pagination__prev a")["href"] == "/committee?above_appetite=1&page=1"
    rows = {row.dt.get_text(strip=True): row.dd.get_text(" ", strip=True) for row in second.select("#rollup div")}
    assert rows["Corporate risks"] == "5"  # the filters choose what is listed, not what is counted


def _sections_of(soup) -> list[str]:
    return [section.h2.get_text(" ", strip=True) for section in soup.select("main section")]


def test_the_figures_counted_by_the_database_agree_with_the_link_rules(org, frozen_clock):
    """corporate_figures orders, filters and counts the committee page from aggregates; the alerts it finds must be
    those the link rules find over every contributor (committee_view, which the pack uses)."""
    rng = random.Random(20)
    categories = ["operations", "legal", "strategy"]
    for n in range(30):
        corporate = RiskFactory(
            register=org.hq.register,
            category=rng.choice(categories),
            residual_l=rng.randint(1, 5),
            residual_i=rng.randint(1, 5),
            status=RiskStatus.CLOSED if n % 7 == 0 else RiskStatus.OPEN,
        )
        for _ in range(rng.randint(0, 4)):
            contributor = RiskFactory(
                register=rng.choice([org.ln, org.ls]).register,
                category=rng.choice(categories),
                residual_l=rng.randint(1, 5),
                residual_i=rng.randint(1, 5),
                status=RiskStatus.CLOSED if rng.random() < 0.2 else RiskStatus.OPEN,
            )
            RiskLinkFactory(from_risk=contributor, to_risk=corporate)
    db.session.flush()
    expected = {
        entry.risk.id: (entry.risk.ref, [alert.kind for alert in entry.alerts], entry.risk.is_open)
        for entry in committee.committee_view()
    }
    figures = committee.corporate_figures(today())
    assert {f.id: (f.ref, list(f.alerts), f.is_open) for f in figures} == expected
    assert any(f.alerts for f in figures) and any(not f.alerts for f in figures)
    assert {kind for f in figures for kind in f.alerts} == set(DivergenceKind)


def test_the_figures_follow_a_change_of_appetite_in_the_same_process(org, frozen_clock):
    """corporate_figures builds its aggregate query once per set of tolerances: a change of the organisation's or a
    unit's appetite must give the next request a query with the new tolerances, not the one built before."""
    corporate = RiskFactory(register=org.hq.register, category="operations", residual_l=3, residual_i=3)
    contributor = RiskFactory(register=org.ln.register, category="legal", residual_l=3, residual_i=3)
    RiskLinkFactory(from_risk=contributor, to_risk=corporate)
    db.session.flush()

    def alerts() -> list[DivergenceKind]:
        scoring_settings.forget()  # as a new request would: the rules are read once per request
        return next(list(f.alerts) for f in committee.corporate_figures(today()) if f.id == corporate.id)

    scoring_settings.set_appetite({"legal": AppetiteLevel.EAGER, "operations": AppetiteLevel.EAGER}, org.admin)
    assert alerts() == []
    scoring_settings.set_appetite({"legal": AppetiteLevel.AVERSE}, org.admin)  # 9 is above a tolerance of 4
    assert alerts() == [DivergenceKind.ABOVE_APPETITE_PARENT_WITHIN]
    scoring_settings.set_unit_appetite(org.ln, {"legal": AppetiteLevel.EAGER}, org.admin)  # its unit's own: 16
    assert alerts() == []
    scoring_settings.set_unit_appetite(org.ln, {"legal": None}, org.admin)
    assert alerts() == [DivergenceKind.ABOVE_APPETITE_PARENT_WITHIN]


# Comments ------------------------------------------------------------------------------------------------


def test_committee_members_comment_and_the_risks_owners_see_it(client, org, sign_in):
    risk = RiskFactory(register=org.ln.register, owner=org.viewer_ln)
    sign_in(org.committee)
    response = client.post(f"/risks/{risk.ref}/comments", data={"body": "Please explain the rising score"})
    assert response.status_code == 302
    comment = db.session.scalar(sa.select(Comment))
    assert (comment.risk_id, comment.author_id) == (risk.id, org.committee.id)
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "comment.added"))
    assert event.risk_id == risk.id and event.changes["body"] == "Please explain the rising score"
    client.post("/sign-out")
    for owner in (org.viewer_ln, org.risk_ln):  # the risk's owner, and its register's risk manager
        sign_in(owner)
        comments = _soup(client.get(f"/risks/{risk.ref}")).select_one("#comments").find_next("div").get_text()
        assert "Please explain the rising score" in comments and "Committee Member" in comments
        client.post("/sign-out")


def test_comments_are_not_shown_to_people_who_are_not_the_risks_owners(client, org, sign_in):
    risk = RiskFactory(register=org.ln.register, owner=org.risk_ln)
    CommentFactory(risk=risk, author=org.committee, body="For the owners only")
    sign_in(org.head_ls)
    assert "For the owners only" not in client.get(f"/risks/{risk.ref}").data.decode()
    assert client.get(f"/risks/{risk.ref}/comments").status_code == 403


@pytest.mark.parametrize("who", ["auditor", "risk_ln", "viewer_ln"])
def test_only_the_committee_and_hq_risk_may_comment(client, org, sign_in, who):
    risk = RiskFactory(register=org.ln.register, owner=org.viewer_ln)
    sign_in(getattr(org, who))
    assert client.post(f"/risks/{risk.ref}/comments", data={"body": "Hello"}).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Comment)) == 0


def test_an_empty_comment_is_explained(client, org, sign_in):
    risk = RiskFactory(register=org.ln.register)
    sign_in(org.hq_risk)
    response = client.post(f"/risks/{risk.ref}/comments", data={"body": "  "})
    assert response.status_code == 400
    assert "Enter a comment" in _soup(response).select_one(".govuk-error-summary").text


def test_the_committee_view_shows_the_latest_comments(client, org, sign_in, linked):
    corporate = linked[0]
    for n in range(5):
        CommentFactory(risk=corporate, author=org.committee, body=f"Remark {n}", created_at=utcnow() + timedelta(n))
    sign_in(org.auditor)
    text = _sections(client.get("/committee"))[f"{corporate.ref} {corporate.title}"].get_text(" ", strip=True)
    assert "Remark 4" in text and "Remark 2" in text and "Remark 1" not in text


# The committee pack ------------------------------------------------------------------------------------


def committee_pack(client, meeting: date):
    """The pack as people get it: the form queues a job (run here, after the request: no Redis in tests), whose
    page offers the PDF."""
    queued = client.post("/committee/pack", data={"meeting": [str(meeting.day), str(meeting.month), str(meeting.year)]})
    assert queued.status_code == 302 and "/jobs/" in queued.headers["Location"], queued.get_data(as_text=True)[:500]
    page = client.get(queued.headers["Location"])
    assert page.status_code == 200 and "Download committee-pack-" in page.get_data(as_text=True)
    return client.get(queued.headers["Location"] + "/download")


def _pdf_text(data: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(data))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


def test_the_committee_pack_names_corporate_risks_their_contributors_alerts_and_comments(client, org, sign_in, linked):
    corporate, ln_high, ln_low, ls_same, lonely = linked
    meeting = today() + timedelta(days=7)
    CommentFactory(risk=corporate, author=org.committee, body="Reconcile the area and corporate scores")
    CommentFactory(risk=corporate, author=org.committee, body="An old remark", created_at=utcnow() - timedelta(200))
    sign_in(org.committee)
    response = committee_pack(client, meeting)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert f"committee-pack-{meeting.isoformat()}.pdf" in response.headers["Content-Disposition"]
    reader, text = _pdf_text(response.data)
    flat = " ".join(text.split())
    for expected in (
        corporate.title,
        lonely.title,
        ln_high.title,
        ln_low.title,
        ls_same.title,
        ln_high.ref,
        "London North",
        "London South",
        f"({ln_high.ref}) is in a higher band than {corporate.ref}",
        "Reconcile the area and corporate scores",
    ):
        assert expected in flat, expected
    assert "An old remark" not in flat  # outside the three months before the meeting
    assert reader.metadata.title == f"Audit and Risk Committee pack – meeting on {meeting:%-d %B %Y}"
    assert reader.trailer["/Root"]["/Lang"] == "en-GB"


def test_the_pack_form_queues_the_pack_for_the_meeting_date(client, org, sign_in):
    sign_in(org.committee)
    response = client.post("/committee/pack", data={"meeting": ["3", "12", "2026"]})
    assert response.status_code == 302 and "/jobs/" in response.headers["Location"]
    page = _soup(client.get(response.headers["Location"]))
    assert page.h1.get_text(strip=True) == "Committee pack for 3 December 2026"
    missing = client.post("/committee/pack", data={"meeting": ["", "", ""]})
    assert missing.status_code == 400
    assert "Enter the date of the committee meeting" in _soup(missing).select_one(".govuk-error-summary").text


@pytest.mark.parametrize("meeting", [["31", "2", "2026"], ["x", "y", "z"], ["1", "13", "2026"]])
def test_a_pack_without_a_valid_meeting_date_is_a_bad_request(client, org, sign_in, meeting):
    sign_in(org.committee)
    assert client.post("/committee/pack", data={"meeting": meeting}).status_code == 400


def test_an_empty_organisation_still_prints_a_pack(client, org, sign_in):
    sign_in(org.hq_risk)
    _reader, text = _pdf_text(committee_pack(client, date(2026, 3, 5)).data)
    assert "Principal risks for the meeting on 5 March 2026" in " ".join(text.split())
