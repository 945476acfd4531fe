"""Mail off the request's path: with Redis, the request queues the written message and a worker
sends it, trying again when the mail server fails, then keeping it for the secretariat, who can
send it again. Without Redis, mail is sent at once, as in development.

The queue tests need a Redis server (``TEST_REDIS_URL``, default 127.0.0.1:6379, database 11);
each uses a queue of its own and removes its keys. Without Redis they are skipped, saying why.
"""

import os
import socket
import socketserver
import threading
import uuid

import pytest
from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import select

from eukz_platform import create_app, mail_queue
from eukz_platform.audit import AuditEntry
from eukz_platform.auth.models import Role
from eukz_platform.extensions import db
from eukz_platform.mail_queue import FailedMail

from .conftest import empty_all_tables
from .factories import login, make_user

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/11")


def _redis_or_skip() -> Redis:
    redis = Redis.from_url(REDIS_URL, socket_connect_timeout=1, socket_timeout=2)
    try:
        redis.ping()
    except RedisError as e:
        pytest.skip(f"no Redis server answers at {REDIS_URL} ({e}); the mail queue is not tested")
    return redis


def _forget_queue(redis: Redis, name: str) -> None:
    """Remove the test queue's keys, its jobs', their results' and its workers'."""
    for key in redis.scan_iter("rq:job:*"):
        if redis.type(key) == b"hash" and redis.hget(key, "origin") == name.encode():
            job_id = key.decode().removeprefix("rq:job:")
            redis.delete(key, f"rq:results:{job_id}")
    for key in redis.scan_iter("rq:worker:*"):
        if redis.type(key) == b"hash" and redis.hget(key, "queues") == name.encode():
            redis.srem("rq:workers", key)
            redis.delete(key)
    redis.srem("rq:queues", f"rq:queue:{name}")
    for key in redis.scan_iter(f"*{name}*"):
        redis.delete(key)


@pytest.fixture
def queued(database_url):
    """An app whose mail goes through a queue of its own on the test Redis server."""
    redis = _redis_or_skip()
    name = f"test-mail-{uuid.uuid4().hex}"
    created = []

    def make(**config):
        app = create_app(
            {
                "TESTING": True,
                "SQLALCHEMY_DATABASE_URI": database_url,
                "MAIL_QUEUE_URL": REDIS_URL,
                "MAIL_QUEUE_NAME": name,
                # Tried again at once, twice: three attempts in all.
                "MAIL_QUEUE_RETRY_INTERVALS": "0,0",
                **config,
            }
        )
        app.extensions["mailman"].outbox = []
        created.append(app)
        return app

    yield make
    _forget_queue(redis, name)
    for app in created:
        empty_all_tables(app)
        with app.app_context():
            db.engine.dispose()


def outbox_of(app) -> list:
    return app.extensions["mailman"].outbox


def run_worker(app) -> None:
    """What `flask worker --burst` does: send what is queued, in this process, then stop."""
    with app.app_context():
        mail_queue.worker().work(burst=True)


def waiting(app) -> int:
    with app.app_context():
        return mail_queue.length()


def test_with_redis_the_request_queues_the_mail_and_the_worker_sends_it(queued):
    app = queued()
    with app.app_context():
        make_user(email="dana@example.org", locale="ru")
    client = app.test_client()

    r = client.post("/auth/forgot-password", data={"email": "dana@example.org"})

    assert r.status_code == 302
    assert outbox_of(app) == []  # nothing sent while the request was served
    assert waiting(app) == 1

    run_worker(app)

    (mail,) = outbox_of(app)
    assert mail.to == ["dana@example.org"]
    # Written in the request, in the person's language: the worker only sends it.
    assert mail.subject == "Сброс пароля"
    assert "/auth/reset-password/" in mail.body
    assert waiting(app) == 0


def test_the_worker_command_sends_the_queued_mail(queued):
    app = queued()
    with app.app_context():
        make_user(email="dana@example.org")
    app.test_client().post("/auth/forgot-password", data={"email": "dana@example.org"})
    assert waiting(app) == 1

    result = app.test_cli_runner().invoke(args=["worker", "--burst"])

    assert result.exit_code == 0, result.output
    assert [m.to for m in outbox_of(app)] == [["dana@example.org"]]


class _RefusingSMTP(socketserver.BaseRequestHandler):
    """A mail server that is there but refuses service, counting each attempt."""

    def handle(self):
        self.server.attempts += 1
        self.request.sendall(b"421 4.3.2 Service not available, try again later\r\n")


@pytest.fixture
def refusing_smtp():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _RefusingSMTP)
    server.attempts = 0
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_a_failing_mail_server_is_tried_again_then_the_mail_is_kept_for_the_secretariat(
    queued, refusing_smtp
):
    app = queued(
        MAIL_BACKEND="smtp",
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=refusing_smtp.server_address[1],
        MAIL_USE_TLS=False,
        MAIL_TIMEOUT=5,
    )
    with app.app_context():
        make_user(email="dana@example.org")
        make_user(role=Role.SECRETARIAT, email="staff@eesc.example")
    app.test_client().post("/auth/forgot-password", data={"email": "dana@example.org"})

    run_worker(app)

    assert refusing_smtp.attempts == 3  # the first attempt and two more
    assert waiting(app) == 0
    with app.app_context():
        (failed,) = db.session.scalars(select(FailedMail))
        assert failed.recipients == ["dana@example.org"]
        assert failed.subject == "Reset your password"
        assert failed.attempts == 3
        assert "Service not available" in failed.error

    staff = app.test_client()
    login(staff, "staff@eesc.example")
    page = staff.get("/admin/failed-mail")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "dana@example.org" in text
    assert "Reset your password" in text
    assert "Service not available" in text

    # The mail server works again: the secretariat sends the mail again.
    app.extensions["mailman"].backend = "locmem"
    r = staff.post(f"/admin/failed-mail/{failed.id}/send-again")
    assert r.status_code == 302
    assert "The mail is being sent again." in staff.get(r.headers["Location"]).get_data(
        as_text=True
    )
    run_worker(app)

    (mail,) = outbox_of(app)
    assert mail.to == ["dana@example.org"]
    assert mail.subject == "Reset your password"
    assert "/auth/reset-password/" in mail.body
    assert "dana@example.org" not in staff.get("/admin/failed-mail").get_data(as_text=True)
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "mail.resend"))
        assert entry.actor_email == "staff@eesc.example"
        assert entry.target_id == failed.id
    # Sent again once: a second press changes nothing.
    again = staff.post(f"/admin/failed-mail/{failed.id}/send-again", follow_redirects=True)
    assert "This mail has already been sent again." in again.get_data(as_text=True)
    run_worker(app)
    assert len(outbox_of(app)) == 1


def test_only_the_secretariat_sees_failed_mail(app, client):
    with app.app_context():
        make_user(email="member@example.org")
        db.session.add(
            FailedMail(
                recipients=["dana@example.org"],
                sender="Platform <no-reply@localhost>",
                subject="Reset your password",
                body="…",
                error="SMTPConnectError: refused",
            )
        )
        db.session.commit()
        failed_id = db.session.scalar(select(FailedMail.id))
    assert client.get("/admin/failed-mail").status_code == 302  # to the sign-in page
    login(client, "member@example.org")
    assert client.get("/admin/failed-mail").status_code == 403
    assert client.post(f"/admin/failed-mail/{failed_id}/send-again").status_code == 403
    with app.app_context():
        assert db.session.get(FailedMail, failed_id).resent_at is None


def test_without_redis_mail_is_sent_during_the_request(app, client, outbox):
    with app.app_context():
        make_user(email="dana@example.org")
        assert not mail_queue.enabled()

    client.post("/auth/forgot-password", data={"email": "dana@example.org"})

    assert [m.to for m in outbox] == [["dana@example.org"]]


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_queue_that_does_not_answer_does_not_lose_the_mail(database_url):
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "MAIL_QUEUE_URL": f"redis://127.0.0.1:{_closed_port()}/0",
        }
    )
    app.extensions["mailman"].outbox = []
    try:
        with app.app_context():
            make_user(email="dana@example.org")
        app.test_client().post("/auth/forgot-password", data={"email": "dana@example.org"})
        assert [m.to for m in outbox_of(app)] == [["dana@example.org"]]
    finally:
        empty_all_tables(app)


def test_the_worker_command_needs_a_queue(runner):
    result = runner.invoke(args=["worker", "--burst"])
    assert result.exit_code != 0
    assert "MAIL_QUEUE_URL or REDIS_URL" in result.output
