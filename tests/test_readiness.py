"""/readyz: 200 when the database answers at the migrations' head and every Redis configured
answers; otherwise 503 with the reason. Never stored, never rate-limited, quiet in the log."""

import logging
import time

import pytest
import redis
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import make_url

from eukz_platform import create_app
from eukz_platform.extensions import db, limiter

from .servers import free_port

REDIS_TEST_DB = "redis://127.0.0.1:6379/14"


def redis_answers() -> bool:
    try:
        return redis.Redis.from_url(REDIS_TEST_DB, socket_connect_timeout=0.5).ping()
    except redis.RedisError:
        return False


def test_ready_when_the_database_is_at_head(client):
    r = client.get("/readyz")
    assert r.status_code == 200
    assert r.json == {"status": "ready", "checks": {"database": "ok", "redis": "not configured"}}
    assert r.headers["Cache-Control"] == "no-store"
    assert r.mimetype == "application/json"


def unreachable(database_url: str, tmp_path) -> str:
    """An address of the same engine where no database answers."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        return f"sqlite:///{tmp_path}/no-such-folder/platform.db"
    return url.set(host="127.0.0.1", port=free_port()).render_as_string(hide_password=False)


def test_not_ready_when_the_database_is_unreachable(database_url, tmp_path):
    app = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": unreachable(database_url, tmp_path)}
    )
    started = time.monotonic()
    r = app.test_client().get("/readyz")
    assert time.monotonic() - started < 5  # answered at once, not after a long wait
    assert r.status_code == 503
    assert r.json["status"] == "not ready"
    assert r.json["reason"] == "database unreachable"
    assert r.json["checks"]["database"] == "failed"
    assert r.headers["Cache-Control"] == "no-store"


def test_not_ready_while_migrations_are_behind(app):
    client = app.test_client()
    with app.app_context():
        script = ScriptDirectory(app.extensions["migrate"].directory)
        (head,) = script.get_heads()
        previous = script.get_revision(head).down_revision
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": previous})
    try:
        r = client.get("/readyz")
        assert r.status_code == 503
        assert r.json["status"] == "not ready"
        assert r.json["reason"].startswith(
            f"migrations not at head: the database is at {previous}, the code needs {head}"
        )
        assert "db upgrade" in r.json["reason"]
    finally:
        with app.app_context(), db.engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": head})
    assert client.get("/readyz").status_code == 200


def test_not_ready_when_a_configured_redis_does_not_answer(database_url):
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0",
        }
    )
    r = app.test_client().get("/readyz")
    assert r.status_code == 503
    assert r.json["reason"] == "Redis unreachable"
    assert r.json["checks"] == {"database": "ok", "redis": "failed"}


@pytest.mark.skipif(not redis_answers(), reason="no Redis answers at 127.0.0.1:6379")
def test_ready_with_redis_configured(database_url):
    app = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "REDIS_URL": REDIS_TEST_DB}
    )
    r = app.test_client().get("/readyz")
    assert r.status_code == 200
    assert r.json["checks"] == {"database": "ok", "redis": "ok"}


def test_readiness_is_not_rate_limited(database_url):
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_DEFAULT": "2 per minute",
        }
    )
    client = app.test_client()
    try:
        assert [client.get("/readyz").status_code for _ in range(5)] == [200] * 5
        # the same limit holds elsewhere: it is the route that is exempt
        assert [client.get("/privacy").status_code for _ in range(3)] == [200, 200, 429]
    finally:
        # Flask-Limiter keeps default limits on its one extension object, for every app made
        # after in this process: the other tests' apps must not inherit this one's.
        limiter.limit_manager.set_default_limits([])


def test_readiness_logs_nothing_at_info_when_ready(client, caplog):
    with caplog.at_level(logging.DEBUG):
        assert client.get("/readyz").status_code == 200
    assert [r for r in caplog.records if r.levelno >= logging.INFO] == []
