"""Error pages: one template for every status, JSON under /api/."""

import logging
import math
import time

from flask import Flask, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

from .extensions import db, limiter

logger = logging.getLogger(__name__)


def _render(code: int, name: str, description: str, retry_after: int | None = None):
    if request.path.startswith("/api/"):
        return {"error": name, "message": description}, code
    return render_template(
        "errors/error.html", code=code, name=name, description=description, retry_after=retry_after
    ), code


def handle_http(e: HTTPException):
    retry_after = None
    if e.code == 429:
        retry_after = _retry_after_seconds(e)
    body, code = _render(e.code or 500, e.name, e.description or "", retry_after)
    headers = {}
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    if e.code == 405 and getattr(e, "valid_methods", None):
        headers["Allow"] = ", ".join(e.valid_methods)  # RFC 9110: a 405 says what is allowed
    return body, code, headers


def _retry_after_seconds(e: HTTPException) -> int | None:
    """Seconds until the breached rate limit resets."""
    current = limiter.current_limit
    if current is None:
        return None
    return max(1, math.ceil(current.reset_at - time.time()))


def handle_unexpected(e: Exception):
    db.session.rollback()
    logger.exception("Unhandled error on %s %s", request.method, request.path)
    err = InternalServerError()
    return _render(500, err.name, err.description)


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(Exception, handle_unexpected)
