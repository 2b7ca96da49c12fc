"""The search indexes live outside the models: migration 0021_search creates them (on PostgreSQL a generated
``search_vector`` column and its GIN index per table; on SQLite FTS5 tables and their triggers), so schema
comparisons leave them out. The models do not map ``search_vector``: the database computes it."""

SEARCHED_TABLES = ("risk", "countermeasure", "control_test")
SEARCH_COLUMN = "search_vector"
INDEX_NAMES = frozenset(f"ix_{table}_search" for table in SEARCHED_TABLES)


def not_search_index(_object, name, type_, _reflected, _compare_to) -> bool:
    """Alembic's ``include_object``: false for the search indexes and the FTS5 tables (and their shadow tables)."""
    if (type_ == "index" and name in INDEX_NAMES) or (type_ == "column" and name == SEARCH_COLUMN):
        return False
    return not (type_ == "table" and any(name.startswith(f"{table}_fts") for table in SEARCHED_TABLES))
