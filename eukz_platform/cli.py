"""Command-line interface: ``flask --app eukz_platform <command>``."""

import time

import click
from email_validator import EmailNotValidError, validate_email
from flask import Flask
from flask.cli import with_appcontext

from .auth import services as auth_services
from .auth.passwords import MIN_LENGTH, is_common


@click.command("seed")
@with_appcontext
def seed_command():
    """Add the working groups and EESC contacts never added before."""
    from .seeding import ensure_groups_and_contacts

    click.echo(f"seed: {ensure_groups_and_contacts()} rows added")


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
    from . import demo_data
    from .extensions import db
    from .seeding import ensure_groups_and_contacts

    ensure_groups_and_contacts()
    started = time.perf_counter()
    conn = db.session.connection()
    with click.progressbar(length=count, label="Adding organisations") as bar:
        orgs, contacts = demo_data.load(conn, count, seed=seed, progress=bar.update)
    db.session.commit()
    click.echo(
        f"demo-data: {orgs} organisations and {contacts} contacts added "
        f"in {time.perf_counter() - started:.1f} s"
    )


@click.command("create-secretariat")
@click.argument("email")
@click.option("--password", help="The password; asked for when not given.")
@click.option("--name", "full_name", help="The person's full name.")
@with_appcontext
def create_secretariat_command(email: str, password: str | None, full_name: str | None):
    """Create a secretariat account, which belongs to no organisation."""
    try:
        email = validate_email(email, check_deliverability=False).normalized.lower()
    except EmailNotValidError as e:
        raise click.ClickException(f"not a valid email address: {e}") from e
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    if len(password) < MIN_LENGTH:
        raise click.ClickException(f"the password needs at least {MIN_LENGTH} characters")
    if is_common(password):
        raise click.ClickException("the password is too common")
    try:
        user = auth_services.create_secretariat(email, password, full_name)
    except auth_services.EmailTaken as e:
        raise click.ClickException(f"an account already uses {email}") from e
    click.echo(f"create-secretariat: account {user.id} created for {user.email}")


@click.command("housekeeping")
@with_appcontext
def housekeeping_command():
    """Periodic jobs (annual confirmation, erasing closed organisations); run it daily."""
    from . import housekeeping

    result = housekeeping.run()
    click.echo(
        f"housekeeping: {result.reminded} reminded, {result.flagged} flagged, "
        f"{result.hidden} hidden, {result.erased} closed organisations erased"
    )
    if result.posts_closed or result.digests:
        click.echo(
            f"partner search: {result.posts_closed} posts closed at their deadline, "
            f"{result.digests} digests sent"
        )


@click.command("import-contacts")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--yes", is_flag=True, help="Apply without asking for confirmation.")
@with_appcontext
def import_contacts_command(file: str, yes: bool):
    """Import EESC contacts from a CSV file, matched on email: show the plan, then apply it."""
    from pathlib import Path

    from flask import current_app
    from flask_babel import force_locale

    from .contacts import importing

    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        try:
            parsed = importing.parse(Path(file).read_bytes())
        except importing.ImportFileError as e:
            raise click.ClickException(e.message) from e
        planned = importing.plan(parsed.rows)
        totals = importing.counts(planned)
        separator = {",": "commas", ";": "semicolons", "\t": "tabs"}[parsed.separator]
        click.echo(
            f"import-contacts: {len(planned)} rows read ({parsed.encoding}, {separator}): "
            f"{totals['create']} to create, {totals['update']} to update, "
            f"{totals['unchanged']} unchanged, {totals['refuse']} refused"
        )
        for row in planned:
            if row["action"] == "refuse":
                reasons = "; ".join(importing.reason_message(r) for r in row["reasons"])
                click.echo(f"  line {row['line']} refused: {reasons}")
        if not (totals["create"] or totals["update"]):
            click.echo("import-contacts: nothing to apply")
            return
        if not yes:
            click.confirm("Apply the import?", abort=True)
        with click.progressbar(length=len(parsed.rows), label="Importing contacts") as bar:
            totals = importing.import_rows(parsed.rows, source=Path(file).name, advance=bar.update)
    click.echo(
        f"import-contacts: {totals['create']} created, {totals['update']} updated, "
        f"{totals['unchanged']} unchanged, {totals['refuse']} refused"
    )


@click.command("worker")
@click.option("--burst", is_flag=True, help="Send what is queued, then stop.")
@with_appcontext
def worker_command(burst: bool):
    """Send the queued mail (needs MAIL_QUEUE_URL or REDIS_URL); runs until stopped."""
    from . import mail_queue

    if not mail_queue.enabled():
        raise click.ClickException(
            "no mail queue: set MAIL_QUEUE_URL or REDIS_URL (without one, mail is sent at once)"
        )
    # The scheduler puts a failed message back in the queue when its next attempt is due.
    mail_queue.worker().work(burst=burst, with_scheduler=True)
    click.echo("worker: stopped")


@click.command("reencrypt")
@with_appcontext
def reencrypt_command():
    """Encrypt every secret kept encrypted again with the first of ENCRYPTION_KEYS."""
    from .database import CannotDecrypt, reencrypt
    from .extensions import db

    try:
        done = reencrypt(db.session)
    except CannotDecrypt as e:
        db.session.rollback()
        raise click.ClickException(
            f"{e}; nothing was changed. Put back the key it was encrypted with in "
            "ENCRYPTION_KEYS (after the new one) and run this again"
        ) from None
    db.session.commit()
    click.echo(f"reencrypt: {done} values encrypted with the first key")


def register_commands(app: Flask) -> None:
    from .search.cli import register as register_search_commands

    register_search_commands(app)  # reindex
    app.cli.add_command(demo_data_command)
    app.cli.add_command(import_contacts_command)
    app.cli.add_command(seed_command)
    app.cli.add_command(create_secretariat_command)
    app.cli.add_command(housekeeping_command)
    app.cli.add_command(worker_command)
    app.cli.add_command(reencrypt_command)
