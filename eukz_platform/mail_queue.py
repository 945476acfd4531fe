"""Mail off the request's path: with Redis, messages are queued and a worker sends them.

``MAIL_QUEUE_URL`` (default: ``REDIS_URL``) names the Redis server; without one, ``mailing``
sends in the process, as in development. A queued message is already written (subject, body,
recipients, in each person's language): the worker (``flask --app eukz_platform worker``) only
sends it. A failed attempt is tried again after each of ``MAIL_QUEUE_RETRY_INTERVALS``
seconds; after the last, the message is recorded as a ``FailedMail``, which the secretariat
sees in its console and may send again.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

from flask import current_app
from flask_babel import gettext as _
from flask_mailman import EmailMessage
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Retry, SimpleWorker, get_current_job
from rq.serializers import JSONSerializer
from sqlalchemy import JSON, ForeignKey, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from . import audit
from .database import UTCDateTime, utcnow
from .errors import Conflict
from .extensions import db

if TYPE_CHECKING:
    from .auth.models import User

logger = logging.getLogger(__name__)

# What one queued message carries: plain values, stored as JSON in Redis.
Message = dict[str, Any]


class FailedMail(db.Model):
    """A message that could not be sent after every attempt: kept whole, so that the
    secretariat can see to whom it was going and send it again."""

    __tablename__ = "failed_mail"

    id: Mapped[int] = mapped_column(primary_key=True)
    failed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    recipients: Mapped[list[str]] = mapped_column(JSON)
    sender: Mapped[str] = mapped_column(String(300))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    # None is SQL NULL, not JSON null, whichever way the row was written.
    headers: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))
    attempts: Mapped[int] = mapped_column(default=1)
    error: Mapped[str] = mapped_column(String(500))
    # Set when the secretariat sent it again; a new failure is a new row.
    resent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resent_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))


def _url() -> str | None:
    config = current_app.config
    return config.get("MAIL_QUEUE_URL") or config.get("REDIS_URL") or None


def enabled() -> bool:
    """True when mail goes through the queue (a Redis server is configured)."""
    return _url() is not None


def connection() -> Redis:
    """This app's connection to the queue's Redis server (one pool per app)."""
    state = current_app.extensions.setdefault("eukz_mail_queue", {})
    if "redis" not in state:
        state["redis"] = Redis.from_url(_url(), socket_timeout=5, socket_connect_timeout=2)
    return state["redis"]


def queue() -> Queue:
    return Queue(
        current_app.config["MAIL_QUEUE_NAME"], connection=connection(), serializer=JSONSerializer
    )


def _retry() -> Retry | None:
    intervals = current_app.config["MAIL_QUEUE_RETRY_INTERVALS"]
    if isinstance(intervals, str):
        intervals = [int(v) for v in intervals.split(",") if v.strip()]
    return Retry(max=len(intervals), interval=list(intervals)) if intervals else None


def enqueue(message: Message) -> bool:
    """Queue a written message for the worker; False if the queue cannot be reached."""
    try:
        queue().enqueue(
            deliver,
            message,
            retry=_retry(),
            job_timeout=current_app.config["MAIL_QUEUE_JOB_TIMEOUT"],
            # What the worker's log says of the job: never the addresses or the body.
            description=f"mail to {len(message['to'])} recipient(s)",
            # Gone from Redis once sent; a failure is kept in the database (FailedMail).
            result_ttl=0,
            failure_ttl=24 * 3600,
        )
    except RedisError:
        logger.exception("The mail queue cannot be reached")
        return False
    return True


def length() -> int | None:
    """Mails waiting in the queue; None without a queue or when Redis does not answer."""
    if not enabled():
        return None
    try:
        return queue().count
    except RedisError:
        return None


def send_now(message: Message) -> None:
    """Send a written message over the configured backend; raises when sending fails."""
    EmailMessage(
        subject=message["subject"],
        body=message["body"],
        from_email=message["from_email"],
        to=message["to"],
        headers=message.get("headers"),
    ).send(fail_silently=False)


def deliver(message: Message) -> None:
    """The worker's job: send the message. A failure is raised so that RQ tries again; after
    the last attempt it is recorded as a FailedMail for the secretariat."""
    job = get_current_job()
    try:
        send_now(message)
    except Exception as e:
        if job is None or not job.should_retry:
            retry = _retry()
            record_failure(message, e, 1 + (retry.max if retry and job is not None else 0))
        raise
    finally:
        db.session.remove()


def record_failure(message: Message, error: BaseException, attempts: int = 1) -> FailedMail:
    """Keep a message that could not be sent, with the reason, for the secretariat."""
    failed = FailedMail(
        recipients=list(message["to"]),
        sender=message["from_email"][:300],
        subject=message["subject"][:300],
        body=message["body"],
        headers=message.get("headers") or None,
        attempts=attempts,
        error=f"{type(error).__name__}: {error}"[:500],
    )
    db.session.add(failed)
    db.session.commit()
    logger.error("Mail %s could not be sent after %s attempts", failed.id, attempts)
    return failed


def failed_mails(include_resent: bool = False) -> list[FailedMail]:
    """The mails that could not be sent, newest first."""
    statement = select(FailedMail).order_by(FailedMail.failed_at.desc(), FailedMail.id.desc())
    if not include_resent:
        statement = statement.where(FailedMail.resent_at.is_(None))
    return list(db.session.scalars(statement.limit(500)))


def message_of(failed: FailedMail) -> Message:
    return {
        "to": list(failed.recipients),
        "subject": failed.subject,
        "body": failed.body,
        "from_email": failed.sender,
        "headers": failed.headers or None,
    }


def send_again(failed: FailedMail, by: User) -> bool:
    """The secretariat sends a failed mail again: queued (or sent at once without a queue),
    marked as sent again, the audit log noting it. False if it failed again at once."""
    if failed.resent_at is not None:
        raise Conflict(_("This mail has already been sent again."))
    failed.resent_at = utcnow()
    failed.resent_by_id = by.id
    audit.commit(
        by,
        "mail.resend",
        failed,
        f"Failed mail {failed.id} sent again",
        after={"recipients": len(failed.recipients)},
    )
    message = message_of(failed)
    if enabled() and enqueue(message):
        return True
    try:
        send_now(message)
    except Exception as e:  # noqa: BLE001 - recorded again for the secretariat
        record_failure(message, e)
        return False
    return True


def worker() -> SimpleWorker:
    """A worker on this app's mail queue; jobs run in its process, in the app's context."""
    return SimpleWorker([queue()], connection=connection(), serializer=JSONSerializer)


def forget(address: str) -> None:
    """A deleted person's address leaves the mails that could not be sent: one to them alone
    goes, one to several people keeps the others. The caller commits."""
    wanted = address.casefold()
    for mail in db.session.scalars(select(FailedMail)):
        kept = [r for r in mail.recipients if r.casefold() != wanted]
        if not kept:
            db.session.delete(mail)
        elif len(kept) != len(mail.recipients):
            mail.recipients = kept
