from datetime import date, datetime

import pytest

from riskreg.enums import CountermeasureStatus, Influence, RiskStatus
from riskreg.importing.values import (
    CATEGORY_SYNONYMS,
    clean_text,
    read_date,
    read_days,
    read_enum,
    read_yes_no,
    split_items,
    split_statement,
    term_words,
    title_and_description,
    title_from,
)
from riskreg.rules.vocabulary import Term, Terms
from tests.import_helpers import SEEDED_CATEGORIES, SEEDED_VOCABULARIES

pytestmark = pytest.mark.no_database  # the PostgreSQL pass leaves it out (tests/conftest.py)


@pytest.mark.parametrize(
    ("value", "expected", "note"),
    [
        ("2027-05-31", date(2027, 5, 31), ""),
        ("2027-05-31T00:00:00", date(2027, 5, 31), ""),
        ("31/05/2027", date(2027, 5, 31), ""),
        ("31-5-27", date(2027, 5, 31), ""),
        ("31.05.2027", date(2027, 5, 31), ""),
        ("31 May 2027", date(2027, 5, 31), ""),
        ("31st May 2027", date(2027, 5, 31), ""),
        ("May 31, 2027", date(2027, 5, 31), ""),
        ("May 2027", date(2027, 5, 1), "a month only: read as 1 May 2027"),
        ("Sept 2026", date(2026, 9, 1), "a month only: read as 1 September 2026"),
        ("05/2027", date(2027, 5, 1), "a month only: read as 1 May 2027"),
        (datetime(2026, 6, 30, 0, 0), date(2026, 6, 30), ""),
        (date(2026, 6, 30), date(2026, 6, 30), ""),
        (46203, date(2026, 6, 30), "Excel day number 46203: read as 30 June 2026"),
    ],
)
def test_dates_as_people_write_them(value, expected, note):
    found, problem, how = read_date(value)
    assert (found, problem, how) == (expected, None, note)


@pytest.mark.parametrize("value", ["Annual review", "05/31/2027", "Q3 2026", "TBC", "31/02/2027", 12])
def test_non_dates_are_reported_not_guessed(value):
    found, problem, _ = read_date(value)
    assert found is None and "is not a date" in problem


def test_blank_dates_are_neither_dates_nor_problems():
    assert read_date("  ") == (None, None, "")


@pytest.mark.parametrize(
    ("value", "enum", "expected"),
    [
        ("H", Influence, Influence.HIGH),
        ("Partial", Influence, Influence.MEDIUM),
        ("Live", RiskStatus, RiskStatus.OPEN),
        ("Archived", RiskStatus, RiskStatus.CLOSED),
        ("In place", CountermeasureStatus, CountermeasureStatus.IN_PLACE),
        ("in_place", CountermeasureStatus, CountermeasureStatus.IN_PLACE),
    ],
)
def test_enumeration_words_and_synonyms(value, enum, expected):
    assert read_enum(value, enum, "thing") == (expected, None)


@pytest.mark.parametrize(
    ("value", "key", "expected"),
    [
        ("Legal", "category", "legal"),
        ("Operational", "category", "operations"),
        ("Finance", "category", "financial"),
        ("Estates", "category", "property"),
        ("HR", "category", "people"),
        ("ICT", "category", "technology"),
        ("Project or programme", "category", "project"),
        ("PROJECT", "category", "project"),
        ("Value for money", "objective", "efficiency"),
        ("Digital", "objective", "digitisation"),
    ],
)
def test_category_and_objective_words_and_synonyms(value, key, expected):
    assert SEEDED_VOCABULARIES[key].read(value, key) == (expected, None)


def test_unknown_category_words_are_reported():
    member, problem = SEEDED_VOCABULARIES["category"].read("Partnerships", "category")
    assert member is None and problem == "‘Partnerships’ is not a category riskreg knows"
    assert SEEDED_VOCABULARIES["category"].read("", "category") == (None, None)


def test_an_added_category_is_read_by_code_or_name_and_a_name_wins_over_a_usual_word():
    added = Terms((*SEEDED_CATEGORIES.entries, Term("digital", "Digital services")))
    words = term_words(added, CATEGORY_SYNONYMS)
    assert words.read("digital services", "category") == ("digital", None)
    assert words.read("DIGITAL", "category") == ("digital", None)  # its code, not "technology"'s usual word
    retired = Terms(tuple(Term(t.code, t.label, retired=t.code == "legal") for t in SEEDED_CATEGORIES.entries))
    assert term_words(retired, CATEGORY_SYNONYMS).read("Legal", "category")[0] is None  # not for new risks


def test_yes_no_and_frequencies():
    assert read_yes_no("Yes", "restricted") == (True, None)
    assert read_yes_no("OFFICIAL", "restricted") == (False, None)
    assert read_yes_no(True, "restricted") == (True, None)
    assert read_yes_no("maybe", "restricted")[1] == "‘maybe’ is not yes or no (restricted)"
    assert read_days("Quarterly") == (90, None)
    assert read_days(60) == (60, None)
    assert read_days("often")[0] is None


@pytest.mark.parametrize(
    ("cell", "items"),
    [
        ("Daily check\nWeekly sign-off", ["Daily check", "Weekly sign-off"]),
        ("• Daily check\n• Weekly sign-off", ["Daily check", "Weekly sign-off"]),
        ("- Daily check\r\n- Weekly sign-off;", ["Daily check", "Weekly sign-off"]),
        ("* Daily check\n* Weekly sign-off", ["Daily check", "Weekly sign-off"]),
        ("1. Daily check\n2) Weekly sign-off", ["Daily check", "Weekly sign-off"]),
        (
            "• Daily check of the CTL diary\n  by the team leader\n• Weekly sign-off",
            ["Daily check of the CTL diary by the team leader", "Weekly sign-off"],
        ),
        ("• Daily check • Weekly sign-off", ["Daily check", "Weekly sign-off"]),
        ("1. Daily check 2. Weekly sign-off", ["Daily check", "Weekly sign-off"]),
        ("Recruit 2.5 FTE lawyers", ["Recruit 2.5 FTE lawyers"]),
        ("None", []),
        ("N/A", []),
        (["Panel", "Peer review"], ["Panel", "Peer review"]),
    ],
)
def test_several_controls_in_one_cell_are_separate_items(cell, items):
    assert split_items(cell) == items


def test_long_items_keep_their_words_as_the_description():
    text = "word " * 60
    title, description = title_and_description(text.strip())
    assert len(title) <= 200 and title.endswith("…") and description == text.strip()
    assert title_and_description("Short") == ("Short", "")


def test_orange_book_statements_split_into_cause_event_and_consequence():
    parts = split_statement(
        "Because of high caseloads, there is a risk that disclosure is late, which would lead to trials collapsing."
    )
    assert parts == {"cause": "high caseloads", "event": "disclosure is late", "consequence": "trials collapsing"}
    assert split_statement("Disclosure is late") is None
    assert title_from("There is a risk that disclosure is late. More words.") == "Disclosure is late"


def test_clean_text_undoes_the_exports_formula_escape_and_tidies_cells():
    assert clean_text("'=SUM(A1)") == "=SUM(A1)"
    assert clean_text("'quoted'") == "'quoted'"
    assert clean_text(3.0) == "3"
    assert clean_text("a\r\nb\u00a0") == "a\nb"
    assert clean_text(datetime(2026, 1, 2)) == "2026-01-02"
