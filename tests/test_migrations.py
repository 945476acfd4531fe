"""The migrations make the schema the models declare, on each database; and a time written on a
PostgreSQL connection in another time zone reads back as the same instant."""

from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from eukz_platform.core.models import Organisation
from eukz_platform.database import include_object
from eukz_platform.extensions import db

from .factories import make_org


def test_the_migrations_make_the_schema_the_models_declare(app):
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": include_object}
        )
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_an_organisations_times_keep_their_instant_whatever_the_servers_zone(app, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL's: SQLite keeps no time zone, the app writes UTC")
    closed = datetime(2026, 11, 30, 22, 15, tzinfo=UTC)
    with app.app_context():
        org = make_org()
        # A server (or a role) set to Almaty's time, for this transaction only.
        db.session.execute(text("SET LOCAL TIME ZONE 'Asia/Almaty'"))
        org.closed_at = org.erased_at = org.no_people_since = closed
        db.session.commit()
        org_id = org.id
        db.session.remove()
    with app.app_context():
        org = db.session.get(Organisation, org_id)
        assert (org.closed_at, org.erased_at, org.no_people_since) == (closed, closed, closed)
