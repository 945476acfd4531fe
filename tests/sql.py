"""Counting the SQL statements a request runs."""

from contextlib import contextmanager

from sqlalchemy import event

from eukz_platform.extensions import db


@contextmanager
def counting_statements(app):
    """Collect every statement the app's engine runs inside the block."""
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)
