"""Error pages: one template for every status, JSON under /api/; the one domain error."""

import logging
import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from flask import Flask, abort, flash, redirect, render_template, request
from flask.globals import request_ctx
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import (
    HTTPException,
    InternalServerError,
    MethodNotAllowed,
    default_exceptions,
)
from werkzeug.http import HTTP_STATUS_CODES

from .extensions import db, limiter

logger = logging.getLogger(__name__)

# The error pages' titles, and what they say when the error brings no words of its own (the
# HTTP library's are English): in the reader's language. The API keeps the HTTP names as its
# "error" and says these in its "message".
PAGE_TEXTS = {
    400: (
        _l("Bad request"),
        _l("The request could not be understood. Check the address or the form and try again."),
    ),
    401: (_l("Log in needed"), _l("Log in to see this page.")),
    403: (_l("Not allowed"), _l("You may not see this page or do this.")),
    404: (
        _l("Page not found"),
        _l("There is no page at this address, or it is not shown to you. Check the address."),
    ),
    405: (_l("Not possible here"), _l("This address does not take this kind of request.")),
    409: (_l("Conflict"), _l("This clashes with a change made in the meantime. Try again.")),
    413: (
        _l("Too large"),
        _l("What you sent is too large. Send a smaller file or a shorter text."),
    ),
    422: (
        _l("Cannot be done"),
        _l("What you sent cannot be used as it is. Correct it and try again."),
    ),
    429: (_l("Too many requests"), _l("You have sent too many requests in a short time.")),
    500: (
        _l("Something went wrong"),
        _l("An error on our side stopped this; nothing was changed. Please try again later."),
    ),
}

# A form refused by the CSRF check: Flask-WTF's reasons are English and technical; a person needs
# to know what to do. A page left open too long is the common case, so that is what is said.
CSRF_TEXTS = {
    "The CSRF token has expired.": _l(
        "This form was open too long and has expired. Go back, reload the page and send it "
        "again; nothing was changed."
    ),
}
CSRF_DEFAULT = _l(
    "This form could not be checked as coming from this site (its security token is missing "
    "or wrong). Go back, reload the page and send it again; nothing was changed. If it happens "
    "again, allow cookies for this site."
)


class DomainError(Exception):
    """A rule of the platform refused an action: a message for the user and an HTTP status.

    Services raise subclasses; `domain_errors` (HTML) and the app's handler (API and anything
    not caught) turn them into a flash and redirect, or a JSON error; a form shown again puts
    the message beside `field` (`Form.show`). Nothing was written.
    """

    status = 400
    message = ""  # a subclass's default, translated when shown
    category = "error"  # how a flash shows it: error, warning or info
    field: str | None = None  # the form field the message belongs beside, if a form shows it

    def __init_subclass__(
        cls,
        *,
        status: int | None = None,
        field: str | None = None,
        category: str | None = None,
        **kwargs,
    ):
        """A subclass declares what differs in its class line:
        ``class SlugTaken(Conflict, field="slug")``."""
        super().__init_subclass__(**kwargs)
        for name, value in (("status", status), ("field", field), ("category", category)):
            if value is not None:
                setattr(cls, name, value)

    def __init__(self, message: str | None = None, status: int | None = None):
        super().__init__(*(() if message is None else (message,)))
        if message is not None:
            self.message = message
        if status is not None:
            self.status = status

    def __str__(self) -> str:
        return str(self.message)

    def field_errors(self) -> dict[str, list[str]]:
        """The messages by form field, for a form shown again with them beside its fields."""
        return {self.field: [str(self.message)]} if self.field else {}


class NotAllowed(DomainError, status=403):
    """The user may not do this; nothing changes."""


class NotFound(DomainError, status=404):
    """What was asked for does not exist, or is not shown to the user."""


class Conflict(DomainError, status=409):
    """The action clashes with the current state (already done, taken, archived...)."""


@contextmanager
def domain_errors(back: str, category: str | None = None) -> Iterator[None]:
    """Turn a DomainError raised inside into a flash message and a redirect to `back`.

    The flash takes the error's own category unless `category` is given.

    A refusal for lack of rights (403) or of something missing (404) stays that error's page
    (`handle_domain`): the person cannot fix it by trying again.
    """
    try:
        yield
    except (NotAllowed, NotFound):
        raise
    except DomainError as e:
        db.session.rollback()
        flash(str(e.message), category or e.category)
        abort(redirect(back))


@contextmanager
def unique_or(error: Callable[[], DomainError]) -> Iterator[None]:
    """Around a flush or commit that a unique constraint may refuse (another request made the
    row first, or a name is taken): everything is rolled back and ``error()`` (a DomainError
    class, or a function making one) is raised instead, so nothing is half-written."""
    try:
        yield
    except IntegrityError as e:
        db.session.rollback()
        raise error() from e


def _render(code: int, name: str, description: str, retry_after: int | None = None):
    title, default_description = PAGE_TEXTS.get(code, (name, ""))
    known = default_exceptions.get(code)
    if not description or (known is not None and description == known.description):
        description = str(default_description) or description
    if request.path.startswith("/api/"):
        # "error": the HTTP name, the same in every language, for programs; "message": for
        # people, in the reader's language.
        return {"error": name, "message": description}, code
    if request_ctx.url_adapter is None:
        # Refused before routing (a host not in TRUSTED_HOSTS): no page can link anywhere.
        return escape(f"{code} {name}: {description}"), code
    return render_template(
        "errors/error.html",
        code=code,
        name=title,
        description=description,
        retry_after=retry_after,
    ), code


def handle_http(e: HTTPException):
    retry_after = None
    description = e.description or ""
    if e.code == 429:
        retry_after = _retry_after_seconds(e)
        limit = getattr(e, "limit", None)
        if limit is not None and not limit.error_message:
            # Without a message of its own, the limiter describes the limit ("10 per 1
            # minute"), in English: the page says what happened in the reader's language.
            description = ""
    body, code = _render(e.code or 500, e.name, description, retry_after)
    headers = {}
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    if isinstance(e, MethodNotAllowed) and e.valid_methods:
        headers["Allow"] = ", ".join(sorted(e.valid_methods))
    return body, code, headers


def handle_csrf(e: CSRFError):
    """A form without a valid CSRF token: the 400 page, saying in the reader's language why and
    what to do."""
    description = CSRF_TEXTS.get(e.description or "", CSRF_DEFAULT)
    return _render(400, e.name, str(description))


def _retry_after_seconds(e: HTTPException) -> int | None:
    """Seconds until the breached rate limit resets."""
    current = limiter.current_limit
    if current is None:
        return None
    return max(1, math.ceil(current.reset_at - time.time()))


def handle_domain(e: DomainError):
    """A DomainError no view caught: the error page (or JSON) with its message and status."""
    db.session.rollback()
    known = default_exceptions[e.status]() if e.status in default_exceptions else None
    name = known.name if known else HTTP_STATUS_CODES.get(e.status, "Error")
    return _render(e.status, name, str(e.message) or (known.description if known else ""))


def handle_unexpected(e: Exception):
    db.session.rollback()
    logger.exception("Unhandled error on %s %s", request.method, request.path)
    err = InternalServerError()
    return _render(500, err.name, err.description)


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(CSRFError, handle_csrf)
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(DomainError, handle_domain)
    app.register_error_handler(Exception, handle_unexpected)
