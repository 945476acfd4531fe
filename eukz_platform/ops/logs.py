"""Logging: JSON lines (production) or plain text (development), a request id in each line,
no email address in any.

``LOG_FORMAT`` is ``json`` or ``text``; ``LOG_LEVEL`` a level's name. One handler on the root
logger writes to standard error (gunicorn and containers collect it there). Each request gets
an id, taken from its ``X-Request-ID`` header when that is short and safe, made otherwise; it is
in every line logged while the request is served, echoed in the response's ``X-Request-ID`` and
shown on error pages, so a person's report can be matched with the log. One line per request
says what was asked and answered, with the signed-in person's id, never their name or email;
``/healthz``, ``/readyz`` and ``/metrics``, asked every few seconds by machines, are logged
at debug level.
"""

from __future__ import annotations

import logging
import re
import sys
import time
import uuid

from flask import Flask, Response, g, has_request_context, request
from pythonjsonlogger.json import JsonFormatter

# Safe in a header and a log line: letters, digits and . _ -, up to 64 characters (a UUID, a
# load balancer's trace id).
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
REQUEST_ID_HEADER = "X-Request-ID"

# An email address anywhere in a line: its first character and its domain are kept
# (a***@example.org), enough to tell two apart, too little to write to anyone.
_LOCAL = r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]"
_EMAIL = re.compile(rf"({_LOCAL}){_LOCAL}*@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*)")

# Asked every few seconds by load balancers and Prometheus: logged at debug level only.
QUIET_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})

access_logger = logging.getLogger("eukz_platform.requests")


def mask_emails(text: str) -> str:
    """``text`` with every email address masked: ``anna@example.org`` → ``a***@example.org``."""
    return _EMAIL.sub(r"\1***@\2", text)


def request_id() -> str | None:
    """The current request's id (None outside a request): its valid ``X-Request-ID``, or a new
    one, the same for the whole request."""
    if not has_request_context():
        return None
    rid = g.get("request_id")
    if rid is None:
        given = request.headers.get(REQUEST_ID_HEADER, "")
        rid = given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        g.request_id = rid
    return rid


class RequestContextFilter(logging.Filter):
    """Adds ``request_id`` to every record and masks email addresses in its message."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id()
        message = record.getMessage()
        masked = mask_emails(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


class _MaskedExceptions:
    """Tracebacks too can quote an address (a refused recipient): masked like messages."""

    def formatException(self, ei) -> str:  # noqa: N802 - logging's name
        return mask_emails(super().formatException(ei))

    def formatStack(self, stack_info: str) -> str:  # noqa: N802 - logging's name
        return mask_emails(super().formatStack(stack_info))


class TextFormatter(_MaskedExceptions, logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        if getattr(record, "request_id", None) is None:
            record.request_id = "-"  # outside a request (a command, the worker)
        return super().format(record)


class JSONFormatter(_MaskedExceptions, JsonFormatter):
    pass


def _formatter(kind: str) -> logging.Formatter:
    if kind == "json":
        # Fields: time (UTC, ISO 8601), level, logger, message, request_id, and the
        # record's extras (the request line's method, path, status, duration_ms, user_id).
        return JSONFormatter(
            "{levelname}{name}{message}{request_id}",
            style="{",
            rename_fields={"levelname": "level", "name": "logger"},
            timestamp="time",
        )
    return TextFormatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s")


class PlatformLogHandler(logging.StreamHandler):
    """The one handler the platform puts on the root logger; writes to the current stderr."""

    def __init__(self) -> None:
        super().__init__()
        self.addFilter(RequestContextFilter())

    @property
    def stream(self):  # the stream of the moment: a test or a server may swap sys.stderr
        return self._stream or sys.stderr

    @stream.setter
    def stream(self, value) -> None:
        self._stream = None if value is sys.stderr else value


def handler() -> PlatformLogHandler | None:
    """The platform's handler on the root logger, once ``configure`` has put it there."""
    for h in logging.getLogger().handlers:
        if isinstance(h, PlatformLogHandler):
            return h
    return None


def configure(app: Flask) -> None:
    """Put the platform's handler on the root logger (once per process), in the format and
    at the level the config says."""
    kind = app.config.get("LOG_FORMAT") or ("text" if app.debug or app.testing else "json")
    kind = str(kind).lower()
    if kind not in {"json", "text"}:
        raise RuntimeError(f"LOG_FORMAT must be json or text, not {kind!r}.")
    level = str(app.config.get("LOG_LEVEL") or "INFO").upper()
    if not isinstance(logging.getLevelName(level), int):
        raise RuntimeError(f"LOG_LEVEL must be a logging level's name, not {level!r}.")
    root = logging.getLogger()
    platform_handler = handler()
    if platform_handler is None:
        platform_handler = PlatformLogHandler()
        root.addHandler(platform_handler)
    platform_handler.setFormatter(_formatter(kind))
    root.setLevel(level)


def _start_clock() -> None:
    g.request_started = time.perf_counter()
    request_id()


def _logged_path() -> str:
    """The path without its query string; a path carrying a token (a reset or invitation
    link) is logged as its route, so that no log line holds a working link."""
    rule = request.url_rule
    if rule is not None and any("token" in name for name in (request.view_args or {})):
        return rule.rule
    return request.path


def _signed_in_user_id() -> int | None:
    """The signed-in person's id when this request has loaded them; never loads them itself
    (no statement is added to a request that did not need one)."""
    user = g.get("_login_user")
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return getattr(user, "id", None)


def _log_request(response: Response) -> Response:
    rid = request_id()
    response.headers[REQUEST_ID_HEADER] = rid
    started = g.get("request_started")
    duration_ms = round((time.perf_counter() - started) * 1000, 1) if started else None
    path = _logged_path()
    level = logging.DEBUG if request.path in QUIET_PATHS else logging.INFO
    if access_logger.isEnabledFor(level):
        access_logger.log(
            level,
            "%s %s %s %s ms",
            request.method,
            path,
            response.status_code,
            duration_ms,
            extra={
                "method": request.method,
                "path": path,
                "endpoint": request.endpoint,
                "status": response.status_code,
                "duration_ms": duration_ms,
                "user_id": _signed_in_user_id(),
            },
        )
    return response


def init_app(app: Flask) -> None:
    """Configure logging and time, number and log every request of ``app``."""
    configure(app)
    # First of the before_request functions, so that the clock and the id are there even
    # when a later one refuses the request; the after_request function registered first
    # runs last, timing the others too.
    app.before_request_funcs.setdefault(None, []).insert(0, _start_clock)
    app.after_request_funcs.setdefault(None, []).insert(0, _log_request)
