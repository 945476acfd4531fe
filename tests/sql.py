"""Counting the SQL statements a request runs."""

from contextlib import contextmanager

from sqlalchemy import event

from eukz_platform.extensions import db


@contextmanager
def counting_statements(app, with_parameters: bool = False):
    """Collect every statement the app's engine runs inside the block (with the values sent
    along with it, if asked)."""
    statements = []

    def count(conn, cursor, statement, parameters, *args):
        statements.append(f"{statement} {parameters!r}" if with_parameters else statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def assert_same_statements(first: list[str], second: list[str], most: int = 6) -> None:
    """Two requests that differ only in how many results they show ran as many statements, at
    most ``most`` each, everything counted. On PostgreSQL a connection prepares each search
    statement the first time it runs it (eukz_platform/search/engines/postgresql.py): the
    first request may add those PREPAREs, the second reuses them."""
    prepared = [s for s in first if s.startswith("PREPARE ")]
    assert len(first) <= most and len(second) <= most, (first, second)
    assert not any(s.startswith("PREPARE ") for s in second), second
    assert len(first) - len(prepared) == len(second), (first, second)


def reads_the_index(statement: str) -> bool:
    """Whether a statement searches: reads the index, or runs a prepared search statement."""
    return "search_document" in statement or statement.startswith("EXECUTE eukz_")
