"""Command: ``flask --app eukz_platform reindex``."""

import time

import click
from flask.cli import with_appcontext

from ..extensions import db


@click.command("reindex")
@with_appcontext
def reindex_command():
    """Rebuild the search index from the organisations and contacts."""
    from sqlalchemy import func, select

    from ..contacts.models import Contact
    from ..core.models import Organisation
    from . import indexing

    started = time.perf_counter()
    conn = db.session.connection()
    total = conn.scalar(select(func.count()).select_from(Organisation)) + conn.scalar(
        select(func.count()).select_from(Contact)
    )
    with click.progressbar(length=total, label="Indexing") as bar:
        written = indexing.rebuild(conn, progress=bar.update)
    db.session.commit()
    click.echo(f"reindex: {written} documents in {time.perf_counter() - started:.1f} s")


def register(app) -> None:
    app.cli.add_command(reindex_command)
