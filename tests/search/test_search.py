"""Search (issue 17): ranked, filtered, paginated, and never showing what the reader may not read."""

import re

import pytest

from riskreg import policy
from riskreg.demo import DEMO_PASSWORD
from riskreg.enums import RiskStatus, Role
from riskreg.extensions import db
from riskreg.models import ControlTest, Countermeasure, Register, Risk, User
from riskreg.services import search
from tests.conftest import count_queries
from tests.factories import ControlTestFactory, CountermeasureFactory, RiskFactory, UnitFactory, user_with_role


def _results(response) -> list[str]:
    """The results' link texts, in order."""
    assert response.status_code == 200
    html = response.data.decode()
    return [
        re.sub(r"\s+", " ", text).strip()
        for text in re.findall(r'govuk-!-font-weight-bold" href="[^"]*">(.*?)</a>', html, re.S)
    ]


def _search(client, **args):
    return client.get("/search", query_string=args)


def test_a_reference_comes_first_then_words_ranked_across_risks_countermeasures_and_tests(client, org, sign_in):
    letters = RiskFactory(register=org.ln.register, title="Victim letters sent late", event="letters to victims late")
    other = RiskFactory(register=org.ln.register, title="Court backlog", cause="letters pile up")
    countermeasure = CountermeasureFactory(risk=other, title="Template letters for victims")
    ControlTestFactory(countermeasure=countermeasure, notes="Sampled 25 victim letters; all on time")
    sign_in(org.head_ln)

    found = _results(_search(client, q="victim letters"))
    assert found[0] == f"{letters.ref}: Victim letters sent late"
    assert "Countermeasure: Template letters for victims" in found
    assert any(text.startswith("Control test of Template letters for victims") for text in found)
    assert f"{other.ref}: Court backlog" not in found  # it mentions letters, not victims: every word must appear

    by_ref = _results(_search(client, q=other.ref.lower()))
    assert by_ref[0] == f"{other.ref}: Court backlog"


def test_filters_by_register_and_status(client, org, sign_in):
    RiskFactory(register=org.ln.register, title="Flooding of the basement archive")
    closed = RiskFactory(register=org.ln.register, title="Flooding at the old office", status=RiskStatus.CLOSED)
    elsewhere = RiskFactory(register=org.ls.register, title="Flooding in the south")
    sign_in(org.hq_risk)
    assert len(_results(_search(client, q="flooding"))) == 3
    assert _results(_search(client, q="flooding", register="LS")) == [f"{elsewhere.ref}: Flooding in the south"]
    assert _results(_search(client, q="flooding", register="LN", status="closed")) == [
        f"{closed.ref}: Flooding at the old office"
    ]


def test_an_empty_search_gives_advice_and_a_query_of_no_words_searches_nothing(client, org, sign_in):
    sign_in(org.viewer_ln)
    html = _search(client, q="zebra crossings").data.decode()
    assert "No results for ‘zebra crossings’" in html and "fewer words" in html
    assert "Type a risk" in _search(client, q='"-*').data.decode()  # FTS5 syntax characters are not a query
    assert _search(client, q="nul\x00byte").status_code == 200  # PostgreSQL refuses NUL in text


def test_restricted_risks_their_countermeasures_and_tests_never_show_nor_count(client, org, sign_in):
    secret = RiskFactory(register=org.ln.register, title="Informant identities exposed", restricted=True)
    countermeasure = CountermeasureFactory(risk=secret, title="Informant files locked away")
    ControlTestFactory(countermeasure=countermeasure, notes="Informant files checked")
    sign_in(org.head_ls)
    html = _search(client, q="informant").data.decode()
    assert "No results for" in html and "result" not in html.split("No results for")[0].split("<h1")[-1]
    assert "Informant" not in html.replace("‘informant’", "")
    assert _results(_search(client, q=secret.ref)) == []

    client.post("/sign-out")
    sign_in(org.head_ln)
    assert len(_results(_search(client, q="informant"))) == 3


def test_the_index_follows_edits_and_deletions(org):
    risk = RiskFactory(register=org.ln.register, title="Generator fails")
    db.session.flush()
    everything = [org.ln.register.id]
    assert search.search(search.Query("generator"), everything, 1, 10).total == 1
    risk.title = "Power cut"
    db.session.flush()
    assert search.search(search.Query("generator"), everything, 1, 10).total == 0
    assert search.search(search.Query("power"), everything, 1, 10).total == 1
    db.session.delete(risk)
    db.session.flush()
    assert search.search(search.Query("power"), everything, 1, 10).total == 0


def test_query_count_does_not_depend_on_the_results_page(client, org, sign_in, monkeypatch, app):
    for number in range(7):
        risk = RiskFactory(register=org.ln.register, title=f"Storm damage {number}")
        CountermeasureFactory(risk=risk, title=f"Storm shutters {number}")
    RiskFactory(register=org.ls.register, title="A storm once")
    monkeypatch.setitem(app.config, "RISKREG_PAGE_SIZE", 5)
    sign_in(org.hq_risk)

    def queries(**args) -> int:
        _search(client, **args)
        with count_queries() as statements:
            assert _search(client, **args).status_code == 200
        return len(statements)

    assert queries(q="storm") == queries(q="storm", page="2") == queries(q="storm", page="3")
    assert queries(q="storm") == queries(q="a storm once", register="LS")


def _sign_in_demo(client, email: str) -> User:
    response = client.post("/sign-in", data={"email": email, "password": DEMO_PASSWORD})
    assert response.status_code == 302
    return db.session.scalars(db.select(User).where(User.email == email)).one()


@pytest.mark.usefixtures("demo")
def test_demo_search_finds_ln_012_for_head_ln_and_nothing_restricted_for_head_ls(demo_app):
    client = demo_app.test_client()
    _sign_in_demo(client, "head.ln@example.org")
    assert _results(_search(client, q="victim letters"))[0] == "LN-012: Victim letters sent late"

    # The demo's restricted risks are all titled so; none is in London South's tree, so head.ls reads none of them.
    title = "Sensitive intelligence material mishandled"
    restricted = db.session.scalars(db.select(Risk).where(Risk.title == title, Risk.restricted.is_(True))).all()
    assert restricted
    client.post("/sign-out")
    head_ls = _sign_in_demo(client, "head.ls@example.org")
    assert not any(policy.can(head_ls, policy.Action.READ_RISK, risk) for risk in restricted)
    response = _search(client, q="sensitive intelligence material")
    html = response.data.decode()
    assert _results(response) == []
    assert "No results for" in html and not re.search(r"\d+ results?<", html)
    assert not any(risk.ref in html for risk in restricted)


@pytest.mark.postgresql  # SQLite searches its FTS5 tables
def test_postgresql_uses_the_gin_indexes(org):
    """Words are matched through each table's GIN index (migration 0021), not by reading every row."""
    db.session.execute(db.text("SET LOCAL enable_seqscan = off"))
    for model in (Risk, Countermeasure, ControlTest):
        select, _rank = search._matching(db.select(model.id), model, "victim letters")
        sql = str(select.compile(db.engine, compile_kwargs={"literal_binds": True}))
        plan = "\n".join(db.session.execute(db.text("EXPLAIN " + sql)).scalars())
        assert f"ix_{model.__tablename__}_search" in plan, plan


def test_a_page_past_the_last_shows_the_last(client, org, sign_in, monkeypatch, app):
    for number in range(3):
        RiskFactory(register=org.ln.register, title=f"Lift failure {number}")
    monkeypatch.setitem(app.config, "RISKREG_PAGE_SIZE", 2)
    sign_in(org.head_ln)
    html = _search(client, q="lift", page="99").data.decode()
    assert "3 results" in html and len(_results(_search(client, q="lift", page="99"))) == 1


def test_a_page_number_too_large_for_the_database_shows_the_last_page(client, org, sign_in):
    for number in range(3):
        RiskFactory(register=org.ln.register, title=f"Roof leak {number}")
    sign_in(org.head_ln)
    html = _search(client, q="roof", page="9" * 25).data.decode()  # an offset past any 64-bit integer
    assert "3 results" in html and len(_results(_search(client, q="roof", page="9" * 25))) == 3


def test_the_registers_search_reads_restricted_risks_in_are_those_the_policy_allows(org):
    """The search page asks the policy once for where the reader may read restricted risks, not register by
    register: both answers must be the same for every role, at every level, and for a deactivated account."""
    below = UnitFactory(code="LN1", name="North One", parent=org.ln)
    deactivated = user_with_role(Role.UNIT_HEAD, org.ln, name="Left")
    deactivated.is_active = False
    db.session.flush()
    users = [value for value in vars(org).values() if isinstance(value, User)] + [
        deactivated,
        user_with_role(Role.VIEWER, below, name="Low Viewer"),
    ]
    registers = db.session.scalars(db.select(Register)).all()
    for user in users:
        under = search.registers_under(policy.restricted_readable_under(user))
        visible = None if under is None else set(db.session.scalars(under))
        for register in registers:
            readable = visible is None or register.id in visible
            assert readable == policy.can(user, policy.Action.READ_RESTRICTED, register), (user.name, register.id)
