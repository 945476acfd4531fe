"""Back up the PostgreSQL database, restore the backup into a new database and compare the
row count of every table: proof that the backup can be restored.

    python scripts/backup_restore_check.py [--keep-backup FILE] [--keep-restored] [DATABASE_URL]

DATABASE_URL defaults to the environment's. The backup is ``pg_dump --format=custom`` taken
in the same snapshot as the counts (a repeatable-read transaction exported to pg_dump), so
the comparison is exact on a database in use. It is restored with ``pg_restore`` into a new
database ``<name>_restore_check`` on the same server (dropped afterwards unless
``--keep-restored``). Exit status 0 when every table has as many rows in both, 1 otherwise.
Needs pg_dump and pg_restore of the server's major version or newer, and a role that may
create databases.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile

import psycopg
from psycopg import sql

COUNT_TABLES = """
SELECT quote_ident(table_schema) || '.' || quote_ident(table_name)
FROM information_schema.tables
WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')
ORDER BY 1
"""


def libpq_url(url: str) -> str:
    """postgresql+psycopg://… (SQLAlchemy's form) → postgresql://… (libpq's)."""
    scheme, sep, rest = url.partition("://")
    if not sep or scheme.split("+")[0] not in ("postgresql", "postgres"):
        raise SystemExit(f"backup-restore-check: not a PostgreSQL address: {scheme}://…")
    return f"postgresql://{rest}"


def row_counts(conn: psycopg.Connection) -> dict[str, int]:
    tables = [row[0] for row in conn.execute(COUNT_TABLES)]
    return {
        table: conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.SQL(table))).fetchone()[0]
        for table in tables
    }


def run(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"backup-restore-check: {command[0]} failed: {done.stderr.strip()}")


def check(url: str, backup: str, keep_restored: bool) -> bool:
    source_url = libpq_url(url)
    info = psycopg.conninfo.conninfo_to_dict(source_url)
    name = info.get("dbname")
    restored_name = f"{name}_restore_check"
    restored_url = psycopg.conninfo.make_conninfo(source_url, dbname=restored_name)
    admin_url = psycopg.conninfo.make_conninfo(source_url, dbname="postgres")

    with psycopg.connect(source_url) as source:
        source.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        snapshot = source.execute("SELECT pg_export_snapshot()").fetchone()[0]
        expected = row_counts(source)
        # pg_dump reads the same snapshot while this transaction stays open.
        run(["pg_dump", "--format=custom", f"--snapshot={snapshot}", "-f", backup, source_url])
        source.rollback()

    with psycopg.connect(admin_url, autocommit=True) as admin:
        drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(restored_name)
        )
        admin.execute(drop)
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(restored_name)))
        try:
            run(["pg_restore", "--no-owner", "--exit-on-error", "-d", restored_url, backup])
            with psycopg.connect(restored_url) as restored:
                found = row_counts(restored)
        finally:
            if not keep_restored:
                admin.execute(drop)

    width = max(len(t) for t in expected | found) if expected or found else 5
    print(f"{'table':<{width}}  {'backed up':>10}  {'restored':>10}")
    same = True
    for table in sorted(expected | found):
        a, b = expected.get(table), found.get(table)
        mark = "" if a == b else "  ✗"
        same &= a == b
        shown = ["–" if n is None else str(n) for n in (a, b)]
        print(f"{table:<{width}}  {shown[0]:>10}  {shown[1]:>10}{mark}")
    verdict = "restored whole" if same else "DIFFERS from the database"
    print(f"backup-restore-check: {len(expected)} tables, {sum(expected.values())} rows: {verdict}")
    return same


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("database_url", nargs="?", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--keep-backup", metavar="FILE", help="write the backup here and keep it")
    parser.add_argument("--keep-restored", action="store_true", help="keep the restored copy")
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("give DATABASE_URL (argument or environment)")
    if args.keep_backup:
        return 0 if check(args.database_url, args.keep_backup, args.keep_restored) else 1
    with tempfile.TemporaryDirectory(prefix="eukz-backup-") as tmp:
        backup = os.path.join(tmp, "platform.dump")
        return 0 if check(args.database_url, backup, args.keep_restored) else 1


if __name__ == "__main__":
    sys.exit(main())
