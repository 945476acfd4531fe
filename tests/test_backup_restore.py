"""scripts/backup_restore_check.py on PostgreSQL: a backup restored into a new database
holds as many rows in every table as the database it was taken from."""

import subprocess
import sys

import pytest
from sqlalchemy.engine import make_url

from eukz_platform.auth.models import Role
from eukz_platform.seeding import ensure_groups_and_contacts

from .factories import make_contacts_of_every_visibility, make_org, make_user
from .servers import ROOT


def test_a_backup_restores_every_row(app, database_url):
    if make_url(database_url).get_backend_name() != "postgresql":
        pytest.skip("backups are PostgreSQL's (pg_dump); SQLite's is a copy of its file")
    with app.app_context():
        ensure_groups_and_contacts()
        for n in range(3):
            org = make_org(name=f"Backup Union {n}")
            make_user(org=org, role=Role.ADMIN)
            make_contacts_of_every_visibility(org)
    done = subprocess.run(
        [sys.executable, "scripts/backup_restore_check.py", database_url],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[-1].startswith("backup-restore-check: ") and "restored whole" in lines[-1]
    rows = {line.split()[0]: line.split()[1:] for line in lines[1:-1]}
    assert rows["public.organisation"] == ["3", "3"]
    assert rows["public.contact"] == ["11", "11"]  # 3 × 3 and the 2 EESC contacts
    assert rows["public.working_group"] == ["5", "5"]
    assert rows["public.alembic_version"] == ["1", "1"]
    assert all(backed == restored for backed, restored in rows.values())
    # the restored copy is dropped afterwards
    name = make_url(database_url).database + "_restore_check"
    with app.app_context():
        from sqlalchemy import text

        from eukz_platform.extensions import db

        assert not db.session.scalar(
            text("SELECT count(*) FROM pg_database WHERE datname = :n"), {"n": name}
        )
