"""Command-line interface: ``flask --app eukz_platform <command>``."""

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


def register_commands(app: Flask) -> None:
    app.cli.add_command(seed_command)
    app.cli.add_command(create_secretariat_command)
