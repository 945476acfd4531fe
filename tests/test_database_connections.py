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
