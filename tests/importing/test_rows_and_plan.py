from datetime import date

import pytest

from riskreg.enums import CountermeasureStatus, Influence, RiskStatus
from riskreg.importing.layout import locate
from riskreg.importing.mapping import Mapping, resolve
from riskreg.importing.people import People, Person
from riskreg.importing.plan import CREATE, DUPLICATE, ERROR, IGNORED, UPDATE, Existing, plan
from riskreg.importing.readers import Limits, open_source
from riskreg.importing.rows import NOT_YET_SET, Context, build
from tests.import_helpers import SEEDED_VOCABULARIES

# No database: mapping and planning rows, pure functions. The PostgreSQL pass leaves them out (tests/conftest.py).
pytestmark = pytest.mark.no_database

TODAY = date(2026, 6, 1)
HELEN, RHYS, ME = (
    Person(1, "Helen Okafor", "head.ln@example.org"),
    Person(2, "Rhys Davies", "risk.ln@example.org"),
    Person(9, "Importing User", "me@example.org"),
)
HEADER = (
    "Ref;Risk title;Cause;There is a risk that;Consequence;Category;Objective;Influence;L;I;Owner;Controls;"
    "Further actions;Action due date;Status;Next review"
)


def _built(lines: list[str], defaults=None, people=None):
    data = "\n".join([HEADER, *lines]).encode()
    source = open_source(data, "r.csv", Limits())
    layout = locate(source)
    mapping, _ = resolve(
        [c.heading for c in layout.columns],
        {c.name: c.samples for c in layout.columns},
        Mapping({}, {}, defaults or {}),
    )
    context = Context(people or People([HELEN, RHYS], {}, ME), TODAY, vocabularies=SEEDED_VOCABULARIES)
    return build(layout, mapping, context)


def _messages(draft) -> list[str]:
    return [str(p) for p in draft.problems]


def test_a_complete_row_as_it_will_be_stored():
    built = _built(
        [
            "LN-001;CTL;Manual diaries;a CTL expires;release;Legal;Quality;High;3;5;Okafor, Helen;"
            '"• Daily check\n• Weekly sign-off";Buy a diary system;31/12/2026;Open;2026-09-30'
        ]
    )
    draft = built.drafts[0]
    assert draft.importable and draft.problems == []
    assert (
        draft.values.items()
        >= {
            "title": "CTL",
            "cause": "Manual diaries",
            "event": "a CTL expires",
            "consequence": "release",
            "category": "legal",
            "influence": Influence.HIGH,
            "inherent_l": 3,
            "residual_i": 5,
            "target_l": 3,
            "owner_id": 1,
            "status": RiskStatus.OPEN,
            "next_review_on": date(2026, 9, 30),
            "review_frequency_days": 60,
        }.items()
    )
    assert [(c.title, c.status, c.due_on) for c in draft.countermeasures] == [
        ("Daily check", CountermeasureStatus.IN_PLACE, None),
        ("Weekly sign-off", CountermeasureStatus.IN_PLACE, None),
        ("Buy a diary system", CountermeasureStatus.PLANNED, date(2026, 12, 31)),
    ]
    assert "No inherent likelihood column: the residual likelihood is used." in built.notes


def test_every_problem_of_a_row_is_listed():
    draft = _built(["LN-002;;;;;Partnerships;;Huge;Sometimes;16;Nobody;;;soon;Maybe;Annual review"]).drafts[0]
    assert not draft.importable
    assert _messages(draft) == [
        "Risk title: No risk title or description",
        f"Category: ‘Partnerships’ is not a category riskreg knows: {NOT_YET_SET}",
        f"Strategic objective: Empty: {NOT_YET_SET}",
        f"Local influence: ‘Huge’ is not a degree of local influence riskreg knows: {NOT_YET_SET}",
        "Residual likelihood: ‘Sometimes’ is not a likelihood riskreg knows",
        "Residual impact: 16 is not on the 1–10 impact scale (it may be a score, likelihood × impact)",
        "Risk owner: Owner not matched (no one called ‘Nobody’ can own risks here): kept as ‘Nobody’, an owner to "
        "confirm",
        "Status: ‘Maybe’ is not a risk status (open or closed) riskreg knows",
        "Next review date: ‘Annual review’ is not a date (use a date such as 31/05/2027 or 2027-05-31): left out",
        "Due date of the planned actions: ‘soon’ is not a date (use a date such as 31/05/2027 or 2027-05-31): "
        "the actions have no due date",
    ]


def test_defaults_the_user_chose_fill_blank_cells_but_never_replace_unknown_words():
    built = _built(
        ["1;A;;a;;;;;3;3;;;;;;", "2;B;;b;;Weather;;;3;3;;;;;;"],
        defaults={"category": "operations", "objective": "quality", "influence": "low"},
    )
    blank, unknown = built.drafts
    assert blank.importable and blank.values["category"] == "operations"
    assert "Category: Empty: set to Operations, the default you chose" in _messages(blank)
    # Import first, tidy later: the row imports, the unknown word is reported and the category is not yet set.
    assert unknown.importable and unknown.values["category"] is None
    assert f"Category: ‘Weather’ is not a category riskreg knows: {NOT_YET_SET}" in _messages(unknown)


def test_no_category_objective_or_influence_column_never_blocks_a_row():
    built = _built([";".join(["1", "A", "", "a"] + [""] * 4 + ["3", "3"] + [""] * 6)])
    [draft] = built.drafts
    assert draft.importable
    assert (draft.values["category"], draft.values["objective"], draft.values["influence"]) == (None, None, None)


def test_owners_by_email_name_and_the_fallback():
    people = People([HELEN, RHYS], {"old@example.org": Person(5, "Moved Away", "old@example.org")}, ME)
    built = _built(
        [
            f"{n};T{n};;e;;Legal;Quality;Low;3;3;{owner};;;;;"
            for n, owner in enumerate(["risk.ln@example.org", "RHYS DAVIES", "old@example.org", ""])
        ],
        people=people,
    )
    assert [d.values["owner_id"] for d in built.drafts] == [2, 2, None, 9]
    assert [d.values["owner_to_confirm"] for d in built.drafts] == [None, None, "old@example.org", None]
    owner_problems = [[m for m in _messages(d) if m.startswith("Risk owner")] for d in built.drafts]
    assert owner_problems[:2] == [[], []]
    assert "Moved Away is not a member of this unit or above it" in owner_problems[2][0]
    assert owner_problems[3] == ["Risk owner: No owner given: Importing User (you) set as the owner"]


def test_closed_risks_without_a_reason_and_rows_that_are_not_risks():
    built = _built(
        ["1;Old;;e;;Legal;Quality;Low;2;2;;;;;Closed;", ";;;;;;;;;;;;;;;", "Key: L = likelihood;;;;;;;;;;;;;;;"]
    )
    closed = built.drafts[0]
    assert closed.values["status"] is RiskStatus.CLOSED and closed.values["closed_reason"].startswith("Closed before")
    # The blank row is not read at all; a note under the table is not a risk.
    assert len(built.drafts) == 2 and built.drafts[1].ignored.startswith("not a risk")


def test_plan_matches_references_and_reports_possible_duplicates():
    built = _built(
        [
            f"{ref};{title};;e;;Legal;Quality;Low;3;3;;;;;;"
            for ref, title in (
                ("LN-001", "Renamed risk"),
                ("", "Existing title"),
                ("X-9", "New risk"),
                ("LN-001", "Again"),
                ("", "New risk"),
            )
        ]
        + ["note only;;;;;;;;;;;;;;;"]
    )
    existing = [Existing(11, "LN-001", "Old name"), Existing(12, "LN-002", "Existing  TITLE")]
    planned = plan(built.drafts, "LN", existing)
    assert [p.action for p in planned] == [UPDATE, DUPLICATE, CREATE, ERROR, CREATE, IGNORED]
    assert planned[0].existing.id == 11
    assert "Possible duplicate: LN-002 in this register has the same title" in str(planned[1].draft.problems[-1])
    assert (
        str(planned[2].draft.problems[-1])
        == "Reference: Not one of this register's references: the risk gets a new reference"
    )
    assert "LN-001 appears more than once in the file (first on row 2)" in str(planned[3].draft.problems[-1])
    assert "Same title as row 4" in str(planned[4].draft.problems[-1])
