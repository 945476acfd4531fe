"""Work done off the request's path, in a small pool of threads of the process.

Used where the time of an answer must not tell anything (the password-reset mail is sent
only when the address has an account). ``TASKS_INLINE`` runs the work in the request
instead, as the test suite does unless a test turns it off.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from flask import current_app

from .extensions import db

logger = logging.getLogger(__name__)

_executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="eukz-task")


def run_later(work: Callable[..., object], *args) -> Future | None:
    """Run ``work(*args)`` in an app context of its own after this call returns; a failure
    is logged. Returns the Future (None when run inline)."""
    app = current_app._get_current_object()
    if app.config.get("TASKS_INLINE"):
        work(*args)
        return None

    def job() -> None:
        with app.app_context():
            try:
                work(*args)
            except Exception:  # noqa: BLE001 - logged; the request has long been answered
                logger.exception("Background task %s failed", getattr(work, "__name__", work))
            finally:
                db.session.remove()

    return _executor.submit(job)
