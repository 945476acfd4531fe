"""Whether this process can serve: for ``/readyz``, asked by load balancers and deploys.

Ready means the database answers, its schema is at the migrations' head (``flask db
upgrade`` has run for this code), and each Redis the settings name answers. Every check is
bounded in time (PostgreSQL's connect timeout, one second for Redis), so a probe never hangs.
"""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from .extensions import db

logger = logging.getLogger(__name__)

REDIS_TIMEOUT = 1.0  # seconds


class NotReady(Exception):
    """One check failed: the message says which and why, without secrets."""


def migration_heads(app: Flask) -> set[str]:
    """The head revisions of the code's migrations (read once: the code does not change
    while the process runs)."""
    heads = app.extensions.get("eukz_migration_heads")
    if heads is None:
        from alembic.script import ScriptDirectory

        directory = app.extensions["migrate"].directory
        heads = set(ScriptDirectory(str(Path(directory))).get_heads())
        app.extensions["eukz_migration_heads"] = heads
    return heads


def check_database(app: Flask) -> str:
    """``ok``, or NotReady: unreachable, or migrations not at head."""
    try:
        with db.engine.connect() as conn:
            try:
                current = set(conn.scalars(text("SELECT version_num FROM alembic_version")))
            except SQLAlchemyError:
                raise NotReady(
                    "migrations not applied: run `flask --app eukz_platform db upgrade`"
                ) from None
    except NotReady:
        raise
    except (SQLAlchemyError, OSError) as e:
        logger.warning("readiness: the database is unreachable: %s", type(e).__name__)
        raise NotReady("database unreachable") from None
    heads = migration_heads(app)
    if current != heads:
        raise NotReady(
            f"migrations not at head: the database is at {', '.join(sorted(current)) or 'none'}, "
            f"the code needs {', '.join(sorted(heads))}: run `flask --app eukz_platform db upgrade`"
        )
    return "ok"


def redis_urls(app: Flask) -> list[str]:
    """Every Redis the settings name: the shared one, the rate limits', the kept pages'."""
    config = app.config
    urls = [config.get("REDIS_URL"), config.get("RATELIMIT_STORAGE_URI")]
    if "redis" in str(config.get("CACHE_TYPE", "")).lower():
        urls.append(config.get("CACHE_REDIS_URL"))
    found = []
    for url in urls:
        if url and urlsplit(url).scheme in ("redis", "rediss", "unix") and url not in found:
            found.append(url)
    return found


def _redis_client(app: Flask, url: str):
    clients = app.extensions.setdefault("eukz_readiness_redis", {})
    if url not in clients:
        import redis

        clients[url] = redis.Redis.from_url(
            url, socket_connect_timeout=REDIS_TIMEOUT, socket_timeout=REDIS_TIMEOUT
        )
    return clients[url]


def check_redis(app: Flask) -> str:
    """``ok``, ``not configured``, or NotReady when a Redis does not answer."""
    urls = redis_urls(app)
    if not urls:
        return "not configured"
    import redis

    for url in urls:
        try:
            _redis_client(app, url).ping()
        except (redis.RedisError, OSError) as e:
            parts = urlsplit(url)
            where = parts.hostname or parts.path
            logger.warning("readiness: Redis at %s is unreachable: %s", where, type(e).__name__)
            raise NotReady("Redis unreachable") from None
    return "ok"


def readiness(app: Flask) -> tuple[bool, dict]:
    """(ready, the answer's JSON): each check's result, and the first failure's reason."""
    checks: dict[str, str] = {}
    reason = None
    for name, check in (("database", check_database), ("redis", check_redis)):
        try:
            checks[name] = check(app)
        except NotReady as e:
            checks[name] = "failed"
            reason = reason or str(e)
    if reason:
        return False, {"status": "not ready", "reason": reason, "checks": checks}
    return True, {"status": "ready", "checks": checks}
