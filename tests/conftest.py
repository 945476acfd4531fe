"""Fixtures: the app on SQLite, and on PostgreSQL too when TEST_DATABASE_URL is set.

The test schema comes from the migrations, as in production; tables are emptied
between tests.
"""

import os
from functools import partial
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from werkzeug.security import generate_password_hash

from eukz_platform import create_app
from eukz_platform.auth import models as auth_models
from eukz_platform.extensions import db

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])
TRANSLATIONS = Path(__file__).resolve().parent.parent / "eukz_platform" / "translations"


def pg_database_for(worker_id: str) -> str:
    """A fresh PostgreSQL database of this xdist worker's own, e.g. ``test_gw0``."""
    base = make_url(os.environ["TEST_DATABASE_URL"])
    name = f"{base.database}_{worker_id}"
    engine = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def upgrade_to_head(url: str) -> None:
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogues():
    """The app reads the compiled messages.mo: `make test` compiles them; pytest run alone
    compiles any that is missing or older than its messages.po, as `pybabel compile` would."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as f:
            catalogue = read_po(f, locale=po.parent.parent.name)
        # Written aside, then renamed: another xdist worker may be reading or writing it.
        part = mo.with_name(f"{mo.name}.{os.getpid()}")
        with part.open("wb") as f:
            write_mo(f, catalogue)
        part.replace(mo)


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request, worker_id, tmp_path_factory):
    if request.param == "postgresql":
        url = pg_database_for(worker_id)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db')}/test.db"
    upgrade_to_head(url)
    return url


@pytest.fixture(autouse=True)
def fast_passwords(monkeypatch):
    """Tests make many accounts: a one-round hash keeps them quick. Logins still check the
    password against its hash; production keeps Werkzeug's default (scrypt)."""
    monkeypatch.setattr(
        auth_models,
        "generate_password_hash",
        partial(generate_password_hash, method="pbkdf2:sha256:1"),
    )


def empty_all_tables(app) -> None:
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())


@pytest.fixture
def app(database_url):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url})
    yield app
    empty_all_tables(app)
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def ctx(app):
    """An app context with a request context, for calling services directly."""
    with app.test_request_context():
        yield


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def outbox(app):
    """Messages sent through the locmem mail backend during the test."""
    mailer = app.extensions["mailman"]
    mailer.outbox = []
    return mailer.outbox
