from datetime import datetime

from riskreg.rules.audit_chain import GENESIS, check_chain, diff, event_hash

AT = datetime(2026, 3, 12, 9, 30, 0, 123456)


def _chain(n):
    rows, prev = [], GENESIS
    for i in range(1, n + 1):
        changes = {"title": [f"old {i}", f"new {i}"]}
        digest = event_hash(prev, AT, 7, "risk.updated", "risk", i, i, changes)
        rows.append([i, AT, 7, "risk.updated", "risk", i, i, changes, prev, digest])
        prev = digest
    return rows


def test_an_intact_chain_verifies():
    result = check_chain(_chain(5))
    assert result.ok and result.checked == 5


def test_altered_contents_are_reported_at_that_event():
    rows = _chain(5)
    rows[2][7] = {"title": ["old 3", "tampered"]}
    result = check_chain(rows)
    assert not result.ok and result.broken_id == 3 and "contents" in result.reason


def test_a_deleted_event_breaks_the_link_of_the_next():
    rows = _chain(5)
    del rows[1]
    result = check_chain(rows)
    assert result.broken_id == 3 and "previous" in result.reason


def test_hash_depends_on_every_field():
    base = event_hash(GENESIS, AT, 1, "a", "risk", 1, 1, {})
    assert base != event_hash(GENESIS, AT, 2, "a", "risk", 1, 1, {})
    assert base != event_hash(GENESIS, AT, 1, "a", "risk", 1, 2, {})
    assert base != event_hash("f" * 64, AT, 1, "a", "risk", 1, 1, {})


def test_diff_lists_only_changed_fields():
    assert diff({"a": 1, "b": 2}, {"a": 1, "b": 3}) == {"b": [2, 3]}
