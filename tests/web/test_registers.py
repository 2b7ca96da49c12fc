from datetime import timedelta

from bs4 import BeautifulSoup

from riskreg.clock import today
from riskreg.enums import RiskStatus
from tests.conftest import count_queries
from tests.factories import RiskFactory, UserFactory


def _soup(response):
    return BeautifulSoup(response.data, "html.parser")


def _refs(response):
    return [a.text for a in _soup(response).select("table:not(.app-heatmap) td a[href^='/risks/']")]


def test_registers_index_shows_the_tree_with_figures(client, org, sign_in):
    register = org.ln.register
    RiskFactory(register=register, residual_l=5, residual_i=5, category="legal")  # above appetite
    RiskFactory(register=register, next_review_on=today() - timedelta(days=1))  # overdue
    RiskFactory(register=register, status=RiskStatus.CLOSED)  # not counted
    sign_in(org.viewer_ln)
    soup = _soup(client.get("/registers"))
    row = next(tr for tr in soup.select("tbody tr") if "London North" in tr.th.text)
    open_risks, above, overdue = (td.get_text(strip=True) for td in row.select("td")[:3])
    assert (open_risks, above, overdue) == ("2", "1", "1")
    names = [th.a.text if th.a else th.text for th in soup.select("tbody th")]
    assert names[0].strip() == "Headquarters"


def test_register_page_lists_risks_and_marks_overdue_reviews(client, org, sign_in):
    overdue = RiskFactory(register=org.ln.register, title="Overdue one", next_review_on=today() - timedelta(days=3))
    RiskFactory(register=org.ln.register, title="Fresh one")
    sign_in(org.viewer_ln)
    soup = _soup(client.get("/registers/LN"))
    row = next(tr for tr in soup.select("tbody tr") if "Overdue one" in tr.text)
    assert "Review overdue" in row.text
    fresh = next(tr for tr in soup.select("tbody tr") if "Fresh one" in tr.text)
    assert "Review overdue" not in fresh.text
    assert overdue.ref in _refs(client.get("/registers/LN?overdue=1"))
    assert len(_refs(client.get("/registers/LN?overdue=1"))) == 1


def test_filters_by_category_band_and_owner(client, org, sign_in):
    owner = UserFactory(name="Owner A")
    legal = RiskFactory(register=org.ln.register, category="legal", residual_l=5, residual_i=4, owner=owner)
    low = RiskFactory(register=org.ln.register, category="people", residual_l=1, residual_i=2)
    sign_in(org.viewer_ln)
    assert _refs(client.get("/registers/LN?category=legal")) == [legal.ref]
    assert _refs(client.get("/registers/LN?band=very_high")) == [legal.ref]
    assert _refs(client.get("/registers/LN?band=low")) == [low.ref]
    assert _refs(client.get(f"/registers/LN?owner={owner.id}")) == [legal.ref]
    assert _refs(client.get("/registers/LN?category=not-a-category")) == [legal.ref, low.ref]


def test_sorting_by_residual_score(client, org, sign_in):
    small = RiskFactory(register=org.ln.register, residual_l=1, residual_i=1)
    big = RiskFactory(register=org.ln.register, residual_l=5, residual_i=5)
    sign_in(org.viewer_ln)
    assert _refs(client.get("/registers/LN?sort=score")) == [big.ref, small.ref]
    assert _refs(client.get("/registers/LN?sort=ref")) == [small.ref, big.ref]


def test_heat_map_is_a_table_whose_counts_link_to_the_filtered_list(client, org, sign_in):
    first = RiskFactory(register=org.ln.register, residual_l=4, residual_i=2)
    RiskFactory(register=org.ln.register, residual_l=4, residual_i=2)
    RiskFactory(register=org.ln.register, residual_l=1, residual_i=1)
    sign_in(org.viewer_ln)
    table = _soup(client.get("/registers/LN")).select_one("table.app-heatmap")
    assert table.caption and len(table.select("th[scope=row]")) == 5 and len(table.select("thead th[scope=col]")) == 5
    link = table.select_one("a[href*='l=4'][href*='i=2']")
    assert link.contents[0].strip() == "2"
    filtered = _refs(client.get(link["href"]))
    assert len(filtered) == 2 and first.ref in filtered


def test_register_pages_are_paginated(client, org, sign_in, app, monkeypatch):
    monkeypatch.setitem(app.config, "RISKREG_PAGE_SIZE", 5)
    for _ in range(12):
        RiskFactory(register=org.ln.register)
    sign_in(org.viewer_ln)
    assert len(_refs(client.get("/registers/LN"))) == 5
    assert len(_refs(client.get("/registers/LN?page=3"))) == 2
    assert _soup(client.get("/registers/LN")).select_one(".govuk-pagination")


def test_restricted_risks_are_hidden_from_other_units(client, org, sign_in):
    secret = RiskFactory(register=org.ln.register, restricted=True)
    sign_in(org.head_ls)
    assert secret.ref not in _refs(client.get("/registers/LN"))
    client.post("/sign-out")
    sign_in(org.viewer_ln)
    assert secret.ref in _refs(client.get("/registers/LN"))


def test_empty_register_says_so(client, org, sign_in):
    sign_in(org.viewer_ln)
    assert "No risks match these filters" in client.get("/registers/LS").data.decode()


def test_unknown_register_is_404(client, org, sign_in):
    sign_in(org.viewer_ln)
    assert client.get("/registers/ZZ").status_code == 404


def _queries_for_register_page(client, n_risks, register):
    for _ in range(n_risks):
        RiskFactory(register=register, owner=UserFactory())
    with count_queries() as statements:
        assert client.get(f"/registers/{register.unit.code}?status=all").status_code == 200
    return len(statements)


def test_register_page_query_count_does_not_grow_with_risks(app, client, org, sign_in, monkeypatch):
    monkeypatch.setitem(app.config, "RISKREG_PAGE_SIZE", 500)
    sign_in(org.hq_risk)
    small = _queries_for_register_page(client, 10, org.ln.register)
    large = _queries_for_register_page(client, 200, org.ls.register)
    assert small == large, (small, large)


def test_registers_index_query_count_does_not_grow(client, org, sign_in):
    from tests.factories import UnitFactory

    sign_in(org.viewer_ln)
    with count_queries() as before:
        client.get("/registers")
    for _ in range(10):
        RiskFactory(register=UnitFactory(parent=org.hq).register)
    with count_queries() as after:
        client.get("/registers")
    assert len(before) == len(after)


def _index_rows(client, path: str) -> list[str]:
    return [th.select("span")[-1].text.rsplit("·", 1)[1].strip() for th in _soup(client.get(path)).select("tbody th")]


def test_registers_index_comes_a_page_at_a_time_in_the_trees_order(app, client, org, sign_in, monkeypatch):
    from tests.factories import UnitFactory

    for code in ("ZA", "AB", "MM"):
        UnitFactory(code=code, name=f"Area {code}", parent=org.hq)
    sign_in(org.viewer_ln)
    whole = _index_rows(client, "/registers")
    assert whole[0] == "HQ" and len(whole) == 6 and "?page=" not in client.get("/registers").get_data(as_text=True)
    monkeypatch.setitem(app.config, "RISKREG_PAGE_SIZE", 4)
    first, second = _index_rows(client, "/registers"), _index_rows(client, "/registers?page=2")
    assert (first, second) == (whole[:4], whole[4:])
    soup = _soup(client.get("/registers"))
    assert soup.select_one(".govuk-pagination a[rel='next']")["href"] == "/registers?page=2"
    assert _index_rows(client, "/registers?page=99") == second  # past the end: the last page
    assert _index_rows(client, "/registers?page=x") == first
    client.get("/registers?page=2")
    with count_queries() as later:
        client.get("/registers?page=2")
    with count_queries() as earlier:
        client.get("/registers")
    assert len(earlier) == len(later)


def test_an_index_page_that_starts_inside_a_subtree_says_where_it_is(app, client, org, sign_in, monkeypatch):
    from tests.factories import UnitFactory

    for code in ("L1", "L2", "L3"):
        UnitFactory(code=code, name=f"Office {code}", parent=org.ln)
    sign_in(org.viewer_ln)
    monkeypatch.setitem(app.config, "RISKREG_PAGE_SIZE", 3)  # HQ, London North, Office L1 | L2, L3, London South
    assert _index_rows(client, "/registers?page=2")[0] == "L2"
    within = _soup(client.get("/registers?page=2")).select_one("#index-within")
    assert within.text.strip() == "Continued from page 1: under Headquarters › London North"
    assert _soup(client.get("/registers")).select_one("#index-within") is None


def test_the_heat_map_over_time_shows_a_small_map_per_quarter_and_the_risks_that_moved(
    client, org, sign_in, frozen_clock
):
    from datetime import date

    from tests.factories import ReviewFactory

    moved = RiskFactory(register=org.ln.register, residual_l=2, residual_i=2)
    ReviewFactory(risk=moved, reviewed_on=date(2025, 6, 1), residual_l=5, residual_i=4)
    ReviewFactory(risk=moved, reviewed_on=date(2026, 5, 1), residual_l=2, residual_i=2)
    secret = RiskFactory(register=org.ln.register, restricted=True, residual_l=1, residual_i=1)
    ReviewFactory(risk=secret, reviewed_on=date(2025, 6, 1), residual_l=1, residual_i=1)
    sign_in(org.viewer_ln)
    register_page = _soup(client.get("/registers/LN"))
    assert register_page.select_one("a[href='/registers/LN/heat-map-trend']")
    page = _soup(client.get("/registers/LN/heat-map-trend"))
    maps = page.select("svg.app-heatmap")
    assert [svg.select_one("title")["id"] for svg in maps] == [
        "heatmap-20250630-title",
        "heatmap-20250930-title",
        "heatmap-20251231-title",
        "heatmap-20260331-title",
        "heatmap-20260605-title",
    ]
    bands, moves = page.select("table.govuk-table")
    assert [row.th.text for row in bands.tbody.select("tr")] == [
        "2025-26 Q1",
        "2025-26 Q2",
        "2025-26 Q3",
        "2025-26 Q4",
        "2026-27 Q1",
    ]
    second = [cell.text for cell in bands.tbody.select("tr")[1].select("td")]
    assert second == ["30 September 2025", "1", "0", "0", "1", "2"]
    assert [row.th.text for row in moves.tbody.select("tr")] == [moved.ref]
    assert "Better" in moves.text
    client.post("/sign-out")
    sign_in(org.head_ls)  # may read the register, not its restricted risks
    other = _soup(client.get("/registers/LN/heat-map-trend")).select("table.govuk-table")[0]
    assert other.tbody.select("tr")[1].select("td")[-1].text == "1"


def test_the_heat_map_over_time_query_count_does_not_grow_with_risks_or_their_history(client, org, sign_in):
    from tests.factories import ReviewFactory

    def queries(register, count: int) -> int:
        for _ in range(count):
            risk = RiskFactory(register=register, owner=UserFactory())
            ReviewFactory(risk=risk, reviewed_on=today() - timedelta(days=200), residual_l=5, residual_i=5)
            ReviewFactory(risk=risk, reviewed_on=today() - timedelta(days=20), residual_l=1, residual_i=2)
        path = f"/registers/{register.unit.code}/heat-map-trend"
        client.get(path)
        with count_queries() as statements:
            assert client.get(path).status_code == 200
        return len(statements)

    sign_in(org.hq_risk)
    assert queries(org.ln.register, 2) == queries(org.ls.register, 40)


def _normalised(html) -> str:
    return " ".join(BeautifulSoup(str(html), "html.parser").decode().split())


def test_the_written_out_rows_match_the_risk_macros(app, client, org, sign_in, frozen_clock):
    """templates/registers/show.html writes macros/risk.html's band_tag and review_status inline (issue 20): the
    cells must stay what the macros write, for each band and for a review overdue, due and unset."""
    from flask import render_template_string

    risks = [
        RiskFactory(register=org.ln.register, residual_l=5, residual_i=5, next_review_on=today() - timedelta(days=2)),
        RiskFactory(register=org.ln.register, residual_l=3, residual_i=3, next_review_on=today() + timedelta(days=9)),
        RiskFactory(register=org.ln.register, residual_l=1, residual_i=2, next_review_on=None),
    ]
    sign_in(org.viewer_ln)
    found = _soup(client.get("/registers/LN")).select("tbody tr")
    rows = {tr.select_one("td a").text: tr.select("td") for tr in found if tr.select_one("td a.govuk-link")}
    macros = '{% from "macros/risk.html" import band_tag, review_status %}'
    with app.test_request_context():
        for risk in risks:
            cells = rows[risk.ref]
            band = render_template_string(macros + "{{ band_tag(score) }}", score=risk.residual_score)
            review = render_template_string(macros + "{{ review_status(risk, today) }}", risk=risk, today=today())
            assert _normalised(cells[4].select_one("strong")) == _normalised(band)
            assert _normalised(cells[5].decode_contents()) == _normalised(review)
