"""Outgoing mail: SMTP when MAIL_SERVER is set, the application log otherwise.

Mail is sent after the action's transaction has committed; a failure is logged and
never undoes the action.
"""

import logging

from flask import current_app, render_template
from flask_mailman import EmailMessage
from flask_mailman.backends.base import BaseEmailBackend

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


def send(
    to: str | list[str],
    subject: str,
    template: str,
    headers: dict[str, str] | None = None,
    **context,
) -> bool:
    """Render ``templates/email/<template>.txt`` and send it; False if sending failed.

    ``headers`` are extra message headers, such as ``List-Unsubscribe``.
    """
    recipients = [to] if isinstance(to, str) else list(to)
    if not recipients:
        return True
    body = render_template(f"email/{template}.txt", **context)
    message = EmailMessage(
        # On one line: a line break in a header is refused by the mail library (it could add
        # headers), and a name saved before single-line fields refused them may hold one.
        subject=" ".join(subject.split()),
        body=body,
        from_email=current_app.config["MAIL_DEFAULT_SENDER"],
        to=recipients,
        headers=headers,
    )
    try:
        message.send()
    except Exception:  # noqa: BLE001 - any transport failure is logged, never raised
        logger.exception("Sending mail %r failed", template)
        return False
    return True
