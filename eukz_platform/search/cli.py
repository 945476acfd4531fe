"""Commands: ``flask --app eukz_platform reindex`` and ``demo-data --organisations N``."""

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


@click.command("demo-data")
@click.option(
    "--organisations",
    "count",
    type=click.IntRange(1, 1_000_000),
    required=True,
    help="How many organisations to add.",
)
@click.option(
    "--seed", type=int, default=1, show_default=True, help="The same seed, the same data."
)
@with_appcontext
def demo_data_command(count: int, seed: int):
    """Add synthetic organisations and contacts (reproducible), in one transaction."""
    from ..seeding import ensure_groups_and_contacts
    from . import demo

    ensure_groups_and_contacts()
    started = time.perf_counter()
    conn = db.session.connection()
    with click.progressbar(length=count, label="Adding organisations") as bar:
        orgs, contacts = demo.load(conn, count, seed=seed, progress=bar.update)
    db.session.commit()
    click.echo(
        f"demo-data: {orgs} organisations and {contacts} contacts added "
        f"in {time.perf_counter() - started:.1f} s"
    )


def register(app) -> None:
    app.cli.add_command(reindex_command)
    app.cli.add_command(demo_data_command)
