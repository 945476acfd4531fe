"""EU–Kazakhstan Civil Society Platform: the Flask application factory."""

import os
import secrets
from collections.abc import Mapping
from pathlib import Path

import click
from flask import Flask

from config import Config, configs

from . import settings
from .extensions import cache, csrf, db, limiter, login_manager, mail, migrate
from .settings import ConfigurationError


def create_app(config: type | Mapping | None = None) -> Flask:
    """Build the app; ``config`` is a config class, a mapping of overrides, or None."""
    app = Flask(
        __name__,
        template_folder="../templates",
        static_folder="../static",
        instance_path=str(Path(__file__).resolve().parent.parent / "instance"),
    )
    try:
        _load_config(app, config)
    except ConfigurationError as e:
        if click.get_current_context(silent=True) is None:
            raise
        # Under the `flask` command: one line and stop. Flask's listing of the commands (`flask
        # --help`) prints any exception of the app's loading with its traceback; SystemExit
        # passes it by.
        e.show()
        raise SystemExit(e.exit_code) from None
    from .ops import register_observability

    register_observability(app)  # logging first: what follows may log
    register_extensions(app)
    register_url_converters(app)
    register_blueprints(app)
    from .templating import register_template_helpers

    register_template_helpers(app)
    from .errors import register_error_handlers
    from .security import register_input_guard, register_security_headers

    register_error_handlers(app)
    register_input_guard(app)
    register_security_headers(app)
    from . import assets

    assets.init_app(app)  # fingerprinted, compressed static files (production)
    from .cli import register_commands

    register_commands(app)
    return app


def _load_config(app: Flask, config: type | Mapping | None) -> None:
    if isinstance(config, type):
        app.config.from_object(config)
    else:
        name = os.environ.get("EUKZ_CONFIG") or ("development" if app.debug else "production")
        if isinstance(config, Mapping) and config.get("TESTING"):
            name = "testing"
        app.config.from_object(configs.get(name, Config))
        if isinstance(config, Mapping):
            app.config.update(config)
    app.config.from_prefixed_env()
    # Every setting checked, and those that follow from others derived, before anything
    # uses them: a wrong one stops the platform with one line naming it (settings.py).
    settings.resolve(app)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _development_secret_key(app)
    _configure_site_address(app)


def _configure_site_address(app: Flask) -> None:
    """Links in mail come from ``SITE_URL``: required in production, refused at start when
    missing; requests for any other host are refused there (``TRUSTED_HOSTS``)."""
    from .links import site_host, site_url_from_config

    try:
        url = site_url_from_config(app.config)
    except ValueError as e:
        raise ConfigurationError(str(e)) from None
    if url is None:
        if not (app.debug or app.testing):
            raise ConfigurationError(
                "SITE_URL is not set: set it to the platform's public address, e.g. "
                "export SITE_URL=https://platform.example.eu (links in mail are built from it)"
            )
        url = app.config.get("DEFAULT_SITE_URL") or "http://localhost"
    app.config["SITE_URL"] = url
    trusted = app.config.get("TRUSTED_HOSTS")
    if isinstance(trusted, str):
        trusted = [h.strip() for h in trusted.split(",") if h.strip()]
    if not trusted and not (app.debug or app.testing):
        trusted = [site_host(app)]
    app.config["TRUSTED_HOSTS"] = trusted or None


def _development_secret_key(app: Flask) -> str:
    """A key kept under instance/, so that local sessions survive a restart."""
    path = Path(app.instance_path) / "dev-secret-key"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_text(secrets.token_hex(32))
    return path.read_text().strip()


def register_extensions(app: Flask) -> None:
    from . import models  # noqa: F401 - every model known to SQLAlchemy and Alembic
    from .search import init_search

    init_search()  # the search index is written in the same transaction as each change
    from .database import configure_engine, include_object, render_item

    db.init_app(app)
    with app.app_context():
        configure_engine(db.engine)
    migrate.init_app(
        app,
        db,
        directory=str(Path(__file__).resolve().parent.parent / "migrations"),
        render_as_batch=True,
        render_item=render_item,
        include_object=include_object,
    )
    csrf.init_app(app)
    mail.init_app(app)
    limiter.init_app(app)
    cache.init_app(app)
    from .languages import register_languages

    register_languages(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"
    from flask_babel import lazy_gettext

    login_manager.login_message = lazy_gettext("Please log in to see this page.")

    from .auth import sessions

    @login_manager.user_loader
    def load_user(session_key: str):
        # A session that has ended, or a person who may not sign in now: signed out.
        return sessions.load(session_key)


def register_url_converters(app: Flask) -> None:
    """Before the routes are added: ``<int:…>`` takes only numbers that fit an id column."""
    from .database import IdConverter

    app.url_map.converters["int"] = IdConverter


def register_blueprints(app: Flask) -> None:
    from .account import bp as account_bp
    from .account_security import bp as account_security_bp
    from .admin import bp as admin_bp
    from .api import bp as api_bp
    from .auth import bp as auth_bp
    from .contacts import bp as contacts_bp
    from .directory import bp as directory_bp
    from .groups import bp as groups_bp
    from .main import bp as main_bp
    from .opportunities import bp as opportunities_bp
    from .organisations import bp as organisations_bp
    from .outputs import bp as outputs_bp
    from .protection import bp as protection_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp, url_prefix="/auth")
    app.register_blueprint(account_bp, url_prefix="/account")
    app.register_blueprint(organisations_bp, url_prefix="/organisations")
    app.register_blueprint(contacts_bp, url_prefix="/organisations")
    app.register_blueprint(protection_bp, url_prefix="/organisations")
    app.register_blueprint(groups_bp, url_prefix="/working-groups")
    app.register_blueprint(directory_bp, url_prefix="/directory")
    app.register_blueprint(opportunities_bp, url_prefix="/partner-search")
    app.register_blueprint(outputs_bp)
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(account_security_bp, url_prefix="/account/security")
    # The read API has GET routes only: nothing there for CSRF to protect.
    csrf.exempt(api_bp)
    app.register_blueprint(api_bp, url_prefix="/api/v1")
