"""Fuzz every form: generated values posted to every form route, as a user allowed to use it.

Wrong types, repeated or missing fields, huge numbers, control and invisible characters, long strings, odd
dates and files with odd names. Whatever comes, the answer is never a 5xx, and a refusal (4xx) changes nothing.
The routes, their URLs and an allowed user for each come from the access sweep (tests/web/test_access_sweep.py),
so a new form route is fuzzed without a line here. Bounded: a few examples per route, derandomized, so it runs
in make test (RISKREG_FUZZ_EXAMPLES raises the number for a longer hunt).
"""

import functools
import io
import os

import sqlalchemy as sa
from bs4 import BeautifulSoup
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from riskreg.extensions import db
from tests.web.test_access_sweep import ALLOWED, _access, _scenarios, _Sessions, plan

EXAMPLES = int(os.environ.get("RISKREG_FUZZ_EXAMPLES", "8"))
# Ends the session the fuzzer posts with; it has its own tests.
SKIPPED = {"auth.sign_out"}
# For routes that only take a POST (buttons on another page), names to send besides generated ones.
COMMON_NAMES = ["version", "reason", "decision", "body", "note", "title", "submit", "confirm", "password"]

NASTY = [
    "",
    " ",
    "\x00",
    "\x01",
    "a\x1bb",
    "\u200b\u200d\ufeff",
    "\ud7ff",
    "9" * 30,
    str(2**63),
    str(-(2**63) - 1),
    "-1",
    "0",
    "1.5",
    "1e309",
    "NaN",
    "Infinity",
    "00",
    "31",
    "13",
    "0000",
    "99999",
    "1 2",
    "29 2 2027",
    "x" * 5000,
    "true",
    "on",
    "None",
    "null",
    "[]",
    "{}",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "../../etc/passwd",
    "ünïcödé ✓ 日本",
    "\r\n",
    "%00",
    "LN-001",
    "HQ",
    "planned",
    "effective",
    "1",
    "5",
]
VALUE = st.one_of(st.sampled_from(NASTY), st.text(max_size=40), st.integers().map(str))
# Every field is sent 0 to 4 times: a date is three boxes of one name, so 1, 2 or 4 values are malformed dates.
VALUES = st.lists(VALUE, max_size=4)
FILE = st.tuples(
    st.binary(max_size=300),
    st.sampled_from(["register.xlsx", "papers.pdf", "ünï ✓.csv", "a\x00.csv", "", "x" * 300, "../../a.csv"]),
)


def _fingerprint() -> tuple:
    """Row counts of every table, and the audit trail's head: a refused request must leave them as they were."""
    return tuple(db.session.execute(_fingerprint_query()).one())


@functools.cache
def _fingerprint_query() -> sa.Select:
    # Built once: building 50 counts for each of 1,300 fingerprints was a fifth of the fuzzer's time.
    counts = [sa.select(sa.func.count()).select_from(table).scalar_subquery() for table in db.metadata.sorted_tables]
    head = sa.select(sa.func.max(sa.column("id"))).select_from(sa.table("audit_event")).scalar_subquery()
    return sa.select(*counts, head)


def _fields(client, url: str) -> tuple[list[str], list[str]]:
    """The names of the form fields (and file fields) on the route's own page, when it has one."""
    page = client.get(url)
    names, files = [], []
    if page.status_code == 200:
        for form in BeautifulSoup(page.data, "html.parser").find_all("form", method="post"):
            for element in form.find_all(["input", "select", "textarea"]):
                name = element.get("name")
                if name and name != "csrf_token":
                    (files if element.get("type") == "file" else names).append(name)
    return sorted(set(names) or set(COMMON_NAMES)), sorted(set(files))


def _form_probes(app, org) -> list:
    """One allowed (user, URL) per form route: POST, signed in, not the API."""
    chosen = {}
    for probe in plan(app, org, _scenarios(org)[:1]):
        if probe.method != "POST" or probe.want != ALLOWED or probe.user is None or probe.endpoint in SKIPPED:
            continue
        if _access(app, app.url_map._rules_by_endpoint[probe.endpoint][0])[0] != "signed_in":
            continue
        chosen.setdefault(probe.endpoint, probe)
    return list(chosen.values())


def _fuzz(sessions, probe) -> None:
    names, file_names = _fields(sessions.client(probe.user), probe.url)

    @settings(
        max_examples=EXAMPLES, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(
        values=st.fixed_dictionaries({name: VALUES for name in names}),
        extra=st.dictionaries(st.text(min_size=1, max_size=10), VALUES, max_size=2),
        files=st.fixed_dictionaries({name: st.lists(FILE, max_size=2) for name in file_names}),
    )
    def post(values, extra, files):
        data = MultiDict([(name, value) for name, sent in {**extra, **values}.items() for value in sent])
        for name, sent in files.items():
            for content, filename in sent:
                data.add(name, (io.BytesIO(content), filename))
        before = _fingerprint()
        response = sessions.client(probe.user).post(probe.url, data=data, content_type="multipart/form-data")
        assert response.status_code < 500, f"{probe.endpoint}: {response.status_code} for {data!r}"
        if response.status_code >= 400:
            assert _fingerprint() == before, f"{probe.endpoint}: refused with {response.status_code} but changed"

    post()


def test_every_form_route_survives_generated_input(app, org):
    probes = _form_probes(app, org)
    assert len(probes) >= 25, [p.endpoint for p in probes]  # guards against a fuzzer that fuzzes nothing
    sessions, failures = _Sessions(app), []
    for probe in probes:
        try:
            _fuzz(sessions, probe)
        except AssertionError as error:  # every route's first problem, not just the first route's
            failures.append(str(error).splitlines()[0][:2000])
    assert failures == []
