"""The settings read from the environment, checked once when the app is made.

A missing or malformed setting stops the platform before it serves or runs a command, with one
line that names the setting and says how to fix it: ``ConfigurationError`` is a
``click.ClickException``, so a ``flask --app eukz_platform …`` command prints ``Error: …`` and
exits with status 1, and gunicorn.conf.py prints the same line before any worker starts.
Settings that work together are derived here too (one ``REDIS_URL`` for every part that
keeps state outside the process).
"""

from __future__ import annotations

import binascii
from base64 import urlsafe_b64decode
from email.utils import parseaddr
from urllib.parse import urlsplit

import click
from flask import Flask

# How each setting is named in the environment, where it differs from its config key.
ENVIRONMENT_NAMES = {"SQLALCHEMY_DATABASE_URI": "DATABASE_URL"}
SECRET_KEY_MIN_LENGTH = 32
# The command that prints a good key (not a key).
GENERATE_SECRET_KEY = "python3 -c 'import secrets; print(secrets.token_hex(32))'"  # nosec B105
GENERATE_ENCRYPTION_KEY = (
    "python3 -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
)
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
REDIS_SCHEMES = ("redis", "rediss", "unix")
BOOLEANS = (
    "RATELIMIT_ENABLED",
    "DIRECTORY_PAGE_CACHE",
    "MAIL_USE_TLS",
    "MAIL_USE_SSL",
    "SESSION_COOKIE_SECURE",
    "REMEMBER_COOKIE_SECURE",
    "LANGUAGE_COOKIE_SECURE",
    "STATIC_BUILD",
)
LIMITS = ("RATELIMIT_REGISTER", "RATELIMIT_LOGIN", "RATELIMIT_PASSWORD_RESET", "RATELIMIT_SEARCH")
# Seconds to wait for PostgreSQL to accept a connection: a database that does not answer
# makes /readyz and the commands fail soon instead of hanging.
CONNECT_TIMEOUT = 5


class ConfigurationError(click.ClickException, RuntimeError):
    """A setting is missing or malformed: the message names it and says how to fix it."""


def env_name(key: str) -> str:
    return ENVIRONMENT_NAMES.get(key, key)


def refuse(key: str, problem: str) -> ConfigurationError:
    return ConfigurationError(f"{env_name(key)} {problem}")


def resolve(app: Flask) -> None:
    """Check every setting of ``app.config`` and derive the ones that follow from others;
    raises ConfigurationError on the first that is wrong."""
    config = app.config
    strict = not (app.debug or app.testing)
    _check_secret_key(config, strict)
    _resolve_encryption_keys(config)
    _resolve_database(config)
    _resolve_redis(config)
    _check_booleans(config)
    _check_whole_numbers(config)
    _check_mail(config)
    _check_limits(config)
    _check_site_address(config)
    level = str(config.get("LOG_LEVEL") or "INFO").strip().upper()
    if level not in LOG_LEVELS:
        raise refuse("LOG_LEVEL", f"must be one of {', '.join(LOG_LEVELS)}, not {level!r}")
    config["LOG_LEVEL"] = level


def _check_secret_key(config, strict: bool) -> None:
    key = config.get("SECRET_KEY")
    if not strict:
        return
    if not key:
        raise refuse(
            "SECRET_KEY",
            "is not set: set it to a long random value that stays the same across restarts "
            f"and servers, e.g. export SECRET_KEY=$({GENERATE_SECRET_KEY}) "
            "(or FLASK_DEBUG=1 for local development only)",
        )
    if len(key) < SECRET_KEY_MIN_LENGTH:
        raise refuse(
            "SECRET_KEY",
            f"is too short ({len(key)} characters): use at least {SECRET_KEY_MIN_LENGTH} "
            f"random characters, e.g. export SECRET_KEY=$({GENERATE_SECRET_KEY})",
        )


def _resolve_encryption_keys(config) -> None:
    """ENCRYPTION_KEYS: Fernet keys separated by commas (or a list), kept as a tuple."""
    raw = config.get("ENCRYPTION_KEYS") or ()
    keys = tuple(k.strip() for k in raw.split(",")) if isinstance(raw, str) else tuple(raw)
    keys = tuple(k for k in keys if k)
    for position, key in enumerate(keys, start=1):
        try:
            valid = len(urlsafe_b64decode(key.encode())) == 32 and len(key) == 44
        except (binascii.Error, ValueError):
            valid = False
        if not valid:
            raise refuse(
                "ENCRYPTION_KEYS",
                f"holds a key that is not a Fernet key (key {position}: 44 characters of "
                f"URL-safe base64): make one with {GENERATE_ENCRYPTION_KEY}",
            )
    config["ENCRYPTION_KEYS"] = keys


def _resolve_database(config) -> None:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    example = "postgresql+psycopg://user:password@host:5432/name or sqlite:////path/to/file.db"
    raw = config.get("SQLALCHEMY_DATABASE_URI")
    if not raw or not str(raw).strip():
        raise refuse("SQLALCHEMY_DATABASE_URI", f"is empty: set it to e.g. {example}")
    try:
        url = make_url(str(raw).strip())
    except ArgumentError:
        raise refuse(
            "SQLALCHEMY_DATABASE_URI", f"is not a database address: write it as {example}"
        ) from None
    backend, _, driver = url.drivername.partition("+")
    if backend in ("postgres", "postgresql") and driver in ("", "psycopg"):
        # psycopg (3) is the driver installed; postgres:// is how many hosts write it.
        url = url.set(drivername="postgresql+psycopg")
    elif backend == "sqlite" and driver == "":
        pass
    else:
        raise refuse(
            "SQLALCHEMY_DATABASE_URI",
            f"uses {url.drivername!r}, which the platform does not run on: use {example}",
        )
    if url.drivername.startswith("postgresql") and not url.database:
        raise refuse("SQLALCHEMY_DATABASE_URI", f"names no database: write it as {example}")
    config["SQLALCHEMY_DATABASE_URI"] = url.render_as_string(hide_password=False)
    options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    if url.drivername.startswith("postgresql") and "connect_timeout" not in url.query:
        connect_args = dict(options.get("connect_args") or {})
        connect_args.setdefault("connect_timeout", CONNECT_TIMEOUT)
        options["connect_args"] = connect_args
    config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def _redis_url(key: str, value) -> str:
    url = str(value).strip()
    parts = urlsplit(url)
    if parts.scheme not in REDIS_SCHEMES or not (parts.hostname or parts.path):
        raise refuse(
            key,
            f"must be a Redis address such as redis://127.0.0.1:6379/0 (or rediss:// for "
            f"TLS), not {url!r}",
        )
    if parts.scheme != "unix" and parts.path.strip("/") and not parts.path.strip("/").isdigit():
        raise refuse(key, f"names Redis database {parts.path.strip('/')!r}: use a number, /0")
    return url


def _resolve_redis(config) -> None:
    """``REDIS_URL`` serves the rate limits, the kept pages and the mail queue, each unless
    its own setting names another."""
    redis_url = config.get("REDIS_URL")
    redis_url = _redis_url("REDIS_URL", redis_url) if redis_url else None
    config["REDIS_URL"] = redis_url

    storage = config.get("RATELIMIT_STORAGE_URI") or redis_url or "memory://"
    from limits.storage import SCHEMES

    scheme = urlsplit(str(storage)).scheme
    if scheme not in SCHEMES:
        raise refuse(
            "RATELIMIT_STORAGE_URI",
            f"must be redis://host:6379/0 or memory:// (one process only), not {storage!r}",
        )
    config["RATELIMIT_STORAGE_URI"] = str(storage)

    cache_url = config.get("CACHE_REDIS_URL") or redis_url
    if cache_url:
        cache_url = _redis_url("CACHE_REDIS_URL", cache_url)
    config["CACHE_REDIS_URL"] = cache_url
    cache_type = config.get("CACHE_TYPE") or ("RedisCache" if cache_url else "SimpleCache")
    if cache_type in ("RedisCache", "flask_caching.backends.RedisCache") and not cache_url:
        raise refuse(
            "CACHE_TYPE",
            "is RedisCache but no Redis is named: set REDIS_URL (or CACHE_REDIS_URL) to e.g. "
            "redis://127.0.0.1:6379/0",
        )
    config["CACHE_TYPE"] = cache_type


def _check_booleans(config) -> None:
    for key in BOOLEANS:
        value = config.get(key)
        if value is not None and not isinstance(value, bool):
            raise refuse(key, f"must be true or false (or 1/0, yes/no, on/off), not {value!r}")


def _whole_number(config, key: str, low: int, high: int | None, what: str) -> None:
    value = config.get(key)
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int):
        raise refuse(key, f"must be {what}, not {value!r}")
    if value < low or (high is not None and value > high):
        raise refuse(key, f"must be {what}, not {value}")
    config[key] = value


def _check_whole_numbers(config) -> None:
    _whole_number(
        config,
        "TRUSTED_PROXIES",
        0,
        10,
        "the number of reverse proxies in front of the platform (0 for none, 1 behind one)",
    )
    _whole_number(config, "MAIL_PORT", 1, 65535, "a port number such as 587")


def _check_mail(config) -> None:
    server = config.get("MAIL_SERVER")
    if server and ("://" in server or "/" in server or " " in server.strip()):
        raise refuse("MAIL_SERVER", f"must be a host name such as smtp.example.eu, not {server!r}")
    if config.get("MAIL_USE_TLS") and config.get("MAIL_USE_SSL") and server:
        raise refuse(
            "MAIL_USE_SSL",
            "and MAIL_USE_TLS are both on: use MAIL_USE_TLS=true with port 587 (STARTTLS), "
            "or MAIL_USE_SSL=true and MAIL_USE_TLS=false with port 465",
        )
    sender = config.get("MAIL_DEFAULT_SENDER") or ""
    _, address = parseaddr(sender)
    if "@" not in address:
        raise refuse(
            "MAIL_DEFAULT_SENDER",
            f"must be an address such as 'Platform <platform@example.eu>', not {sender!r}",
        )


def _check_limits(config) -> None:
    from limits import parse_many

    for key in LIMITS:
        value = config.get(key)
        try:
            parse_many(str(value))
        except ValueError:
            raise refuse(
                key, f"must be a rate such as '120 per minute' or '5 per hour', not {value!r}"
            ) from None


def _check_site_address(config) -> None:
    scheme = config.get("PREFERRED_URL_SCHEME") or "http"
    if scheme not in ("http", "https"):
        raise ConfigurationError(
            f"FLASK_PREFERRED_URL_SCHEME must be https or http, not {scheme!r}"
        )
    server = config.get("SERVER_NAME")
    if server and ("/" in server or " " in server):
        raise ConfigurationError(
            f"FLASK_SERVER_NAME must be a host name such as platform.example.eu (no scheme, "
            f"no path), not {server!r}"
        )
