"""bench.page_cost: every page it measures at L opens for both of its readers, and it reports what it measured."""

from bench import page_cost
from bench.generate import generate
from bench.measure import ensure_bench_user
from riskreg.extensions import db
from tests.bench.test_generate import TINY


def test_it_measures_every_page_for_the_bench_runner_and_hq_risk(app):
    generate(db.session.connection(), TINY, history=False)
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    readers = [ensure_bench_user(app), page_cost.hq_risk(app)]
    assert readers[1] == "hqrisk.b001-hq@bench.example.org"
    pages = page_cost.default_pages(app)
    assert [path for _label, path in pages][:3] == ["/registers/B001-HQ", "/registers", "/registers?page=50"]
    for email in readers:
        client = page_cost.signed_in_client(app, email)
        for _label, path in pages:
            cost = page_cost.measure(app, url, client, path, warmup=1, repeat=2)  # raises unless each answers 200
            assert cost["queries"] > 0 and cost["size"] > 1000 and cost["cpu"] > 0
            assert cost["cpu_range"][0] <= cost["cpu"] <= cost["cpu_range"][1]
