"""How many registrations one client address may complete (RATELIMIT_REGISTER, per
address): only completed ones count, so a person who corrects mistakes in the form is never
stopped by them. Counted in the rate limiter's storage (Redis in production), as the other
limits are; the form refused for the limit is shown again with what was typed."""

from __future__ import annotations

import math
import time

from flask import current_app
from flask_limiter.util import get_remote_address
from limits import RateLimitItem, parse_many

from ..extensions import limiter


def _items() -> list[RateLimitItem]:
    return parse_many(current_app.config["RATELIMIT_REGISTER"])


def _key() -> str:
    return f"registration-completed/{get_remote_address()}"


def _enabled() -> bool:
    return bool(current_app.config.get("RATELIMIT_ENABLED")) and limiter.enabled


def seconds_to_wait() -> int | None:
    """Seconds until this address may complete another registration, or None if it may now."""
    if not _enabled():
        return None
    waits = []
    for item in _items():
        if not limiter.limiter.test(item, _key()):
            reset_at, _remaining = limiter.limiter.get_window_stats(item, _key())
            waits.append(max(1, math.ceil(reset_at - time.time())))
    return max(waits) if waits else None


def count_completed() -> None:
    """One more registration completed from this address."""
    if _enabled():
        for item in _items():
            limiter.limiter.hit(item, _key())
