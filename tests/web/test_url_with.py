"""url_with builds links without url_for each time (bench/run.py found it a tenth of the register page's CPU):
it must still give exactly the links url_for would."""

import pytest
from flask import request, url_for

from riskreg.web.hooks import url_with

QUERIES = ["", "sort=score", "category=legal&sort=title&page=3", "owner=7&overdue=1&l=5&i=4", "q=a b&x=/?:@!$'()*,;é"]
CHANGES = [
    {"sort": "review"},
    {"page": None},
    {"page": 2, "sort": "ref"},
    {"l": 3, "i": 5, "page": None},
    {"category": ""},
    {"note": "a&b=c d/é"},
]


def _as_url_for_would(changes: dict) -> str:
    args = request.args.to_dict()
    args.update(changes)
    args = {name: value for name, value in args.items() if value not in (None, "")}
    return url_for(request.endpoint, **(request.view_args or {}), **args)


@pytest.mark.parametrize("query", QUERIES)
def test_url_with_gives_the_links_url_for_gives(app, query):
    with app.test_request_context(f"/registers/LN?{query}"):
        for changes in CHANGES:  # several links on one page: the first must not change the next
            assert url_with(**changes) == _as_url_for_would(changes)
        assert url_with() == _as_url_for_would({})
