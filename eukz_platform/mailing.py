"""Outgoing mail: SMTP when MAIL_SERVER is set, the application log otherwise.

Mail is sent after the action's transaction has committed; a failure is logged and
never undoes the action. Each person's mail is written in their language, here, in the
request's context; with a mail queue (``mail_queue``, Redis) the written message is queued
and a worker sends it, retrying, so no request waits for the mail server.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from flask import current_app, render_template, request
from flask_babel import force_locale
from flask_mailman.backends.base import BaseEmailBackend

from . import languages, mail_queue

if TYPE_CHECKING:
    from .auth.models import User

    Recipient = str | User

logger = logging.getLogger(__name__)


class LogEmailBackend(BaseEmailBackend):
    """Writes each message to the log, for development without a mail server."""

    def send_messages(self, email_messages):
        for message in email_messages:
            logger.warning(
                "Mail not sent (no MAIL_SERVER); it would have gone to %s:\n%s",
                ", ".join(message.to),
                message.message().as_string(),
            )
        return len(email_messages)


Subject = str | Callable[[], str]


def send(
    to: Recipient | Sequence[Recipient],
    subject: Subject,
    template: str,
    headers: dict[str, str] | None = None,
    **context,
) -> bool:
    """Render ``templates/email/<template>.txt`` and send it; False if sending failed.

    Each person gets it in their language (``languages.of``): one message per language.
    A recipient is a user, or an address without an account, written to in the language
    being used now. ``subject`` is a function when its words must be translated for each
    language (``lambda: _("…", name=…)``). ``headers`` are extra message headers, such as
    ``List-Unsubscribe``.
    """
    recipients = [to] if isinstance(to, str) or not isinstance(to, Sequence) else list(to)
    by_language: dict[str, list[str]] = {}
    for recipient in recipients:
        if isinstance(recipient, str):
            address, language = recipient, languages.current()
        else:
            address, language = recipient.email, languages.of(recipient)
        by_language.setdefault(language, []).append(address)
    sent = True
    for language, addresses in by_language.items():
        with force_locale(language):
            sent = _send_one(addresses, subject, template, headers, context) and sent
    return sent


def _send_one(
    addresses: list[str], subject: Subject, template: str, headers, context: dict
) -> bool:
    words = subject() if callable(subject) else str(subject)
    message: mail_queue.Message = {
        # On one line: a line break in a header is refused by the mail library (it could add
        # headers), and a name saved before single-line fields refused them may hold one.
        "subject": " ".join(words.split()),
        "body": render_template(f"email/{template}.txt", **context),
        "from_email": current_app.config["MAIL_DEFAULT_SENDER"],
        "to": addresses,
        "headers": dict(headers) if headers else None,
    }
    # Queued when there is a queue that answers; sent here otherwise.
    if mail_queue.enabled() and mail_queue.enqueue(message):
        return True
    try:
        mail_queue.send_now(message)
    except Exception:  # noqa: BLE001 - any transport failure is logged, never raised
        logger.exception("Sending mail %r failed", template)
        return False
    return True


def unsubscribe_page(
    token: str, template: str, user_for: Callable[[str], User], stop: Callable[[User], object]
):
    """The page of a mailed "stop these emails" link, whose signed token is the proof (mail
    clients post it without a session, RFC 8058): a GET asks, a POST stops (``stop(user)``);
    a token that does not work (``user_for`` refuses it) is a 400 page. ``template`` is given
    ``invalid``, ``done`` and ``user``."""
    from .errors import DomainError

    try:
        user = user_for(token)
    except DomainError:
        return render_template(template, invalid=True, done=False), 400
    done = request.method == "POST"
    if done:
        stop(user)
    return render_template(template, invalid=False, done=done, user=user)
