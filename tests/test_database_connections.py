"""Pooled database connections: one the server has closed is replaced before a request uses
it (database.configure_engine), without a round trip to the server on every request."""

import time

import pytest
from sqlalchemy import create_engine, text

from eukz_platform.extensions import db


def backend_pid(app) -> int:
    """The server process behind the connection the pool hands out next."""
    with app.app_context():
        pid = db.session.scalar(text("SELECT pg_backend_pid()"))
        db.session.remove()
    return pid


def terminate(url: str, pid: int) -> None:
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        for _ in range(100):
            gone = not conn.scalar(
                text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}
            )
            if gone:
                break
            time.sleep(0.02)
    admin.dispose()


def test_a_connection_the_server_closed_is_replaced(app, client, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL's: a SQLite connection is a file opened in the process")
    with app.app_context():
        db.engine.dispose()
        # One connection in the pool, so the next request is given it.
        with db.engine.connect():
            pass
    closed = backend_pid(app)
    terminate(database_url, closed)

    page = client.get("/directory/?q=Almaty")

    assert page.status_code == 200
    assert "Directory" in page.get_data(as_text=True)
    assert backend_pid(app) != closed


def test_the_signed_in_person_is_read_by_a_statement_prepared_once(app, client, database_url):
    """Planning the person's load took longer than running it: a connection prepares it the
    first time and runs it after (database.keep_prepared), for any person, and a connection
    the server closed prepares it anew."""
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL's: SQLite plans its statements itself")
    from eukz_platform.auth import sessions

    from .factories import make_org, make_user

    with app.app_context():
        db.engine.dispose()
        first = make_user(org=make_org(name="Prepared Union"), full_name="Asel Prepared")
        second = make_user(org=make_org(name="Other Union"), full_name="Bolat Other")
        keys = [sessions.record(first)[0], sessions.record(second)[0]]
        db.session.remove()
    with app.test_request_context():
        db.session.execute(text("DEALLOCATE ALL"))
        db.session.connection().info.pop("eukz_prepared_statements", None)
        people = [sessions.load(key) for key in (*keys, keys[0])]
        assert [(p.full_name, p.organisation.name) for p in people] == [
            ("Asel Prepared", "Prepared Union"),
            ("Bolat Other", "Other Union"),
            ("Asel Prepared", "Prepared Union"),
        ]
        prepared = db.session.execute(
            text(
                "SELECT generic_plans FROM pg_prepared_statements "
                "WHERE statement LIKE '%FROM \"user\" JOIN user_session%'"
            )
        ).all()
        assert prepared == [(3,)]  # prepared once, run three times
        closed = db.session.scalar(text("SELECT pg_backend_pid()"))
        db.session.remove()
    terminate(database_url, closed)
    with app.test_request_context():
        assert sessions.load(keys[1]).full_name == "Bolat Other"
        assert db.session.scalar(text("SELECT pg_backend_pid()")) != closed


def test_a_statement_whose_values_are_written_in_runs_as_it_is(app, database_url):
    """An IN list is written into the statement when it runs (its length varies): such a
    statement cannot be prepared once, and runs unprepared, with the right rows."""
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL's: SQLite plans its statements itself")
    from sqlalchemy import select

    from eukz_platform.core.models import Organisation

    from .factories import make_org

    with app.app_context():
        ids = [make_org(name=f"Listed Union {i}").id for i in range(3)]
        found = db.session.scalars(
            select(Organisation.name)
            .where(Organisation.id.in_(ids[:2]))
            .order_by(Organisation.id)
            .execution_options(keep_prepared=True)
        ).all()
        assert found == ["Listed Union 0", "Listed Union 1"]
        assert not db.session.scalar(
            text("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%IN (%'")
        )
