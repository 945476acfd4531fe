"""Prometheus metrics, served at ``/metrics`` to those allowed, 404 to everyone else.

Counted: requests by route (the endpoint's name, never the raw path: one series per page, not
per organisation), method and status, with their duration as a histogram; searches' duration;
the mail queue's length. ``/metrics`` answers a request carrying ``Authorization: Bearer
<METRICS_TOKEN>`` or coming from an address in ``METRICS_ALLOW_FROM`` (a comma-separated list
of networks, e.g. ``10.0.0.0/8,127.0.0.1/32``); anyone else gets a 404, as for a page that
does not exist. ``METRICS_ENABLED=false`` turns counting and the endpoint off.

Under gunicorn each worker is a process with its own counters: set ``PROMETHEUS_MULTIPROC_DIR``
to an empty directory writable by the workers (created and emptied before gunicorn starts) and
each process writes its values there, which ``/metrics`` adds up, whichever worker answers.
gunicorn's ``child_exit`` hook should call ``mark_process_dead(worker.pid)`` so that a
finished worker's gauges are dropped.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, Response, abort, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily

REQUESTS = Counter(
    "eukz_http_requests_total",
    "Requests answered, by route (endpoint), method and status.",
    ["endpoint", "method", "status"],
)
REQUEST_DURATION = Histogram(
    "eukz_http_request_duration_seconds",
    "Time to answer a request, by route (endpoint), method and status.",
    ["endpoint", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
SEARCH_DURATION = Histogram(
    "eukz_search_duration_seconds",
    "Time the search service takes for one search (statements and results).",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)

# A request that matched no route: one label for all of them, whatever the path.
UNMATCHED = "<unmatched>"


def multiprocess_mode() -> bool:
    """True under gunicorn with ``PROMETHEUS_MULTIPROC_DIR`` set: values live in files."""
    return bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


def mark_process_dead(pid: int) -> None:
    """For gunicorn's ``child_exit`` hook: forget a finished worker's live gauges."""
    if multiprocess_mode():
        multiprocess.mark_process_dead(pid)


@contextmanager
def timed_search() -> Iterator[None]:
    """Time the block as one search."""
    started = time.perf_counter()
    try:
        yield
    finally:
        if current_app.config.get("METRICS_ENABLED", True):
            SEARCH_DURATION.observe(time.perf_counter() - started)


def _start_clock() -> None:
    g.metrics_started = time.perf_counter()


def _count(response: Response) -> Response:
    started = g.get("metrics_started")
    labels = (request.endpoint or UNMATCHED, request.method, str(response.status_code))
    REQUESTS.labels(*labels).inc()
    if started is not None:
        REQUEST_DURATION.labels(*labels).observe(time.perf_counter() - started)
    return response


def _networks(value) -> list:
    if not value:
        return []
    if isinstance(value, str):
        value = value.split(",")
    return [ipaddress.ip_network(v.strip(), strict=False) for v in value if v.strip()]


def _allowed() -> bool:
    token = current_app.config.get("METRICS_TOKEN")
    given = request.headers.get("Authorization", "")
    if token and given.startswith("Bearer "):
        if hmac.compare_digest(given.removeprefix("Bearer ").encode(), str(token).encode()):
            return True
    networks = current_app.extensions["eukz_metrics_networks"]
    if networks and request.remote_addr:
        try:
            address = ipaddress.ip_address(request.remote_addr)
        except ValueError:
            return False
        return any(address in network for network in networks)
    return False


class MailQueueCollector:
    """The mail queue's length, read from Redis at each scrape (a value of the moment, kept
    nowhere: under gunicorn, no process's file holds it)."""

    def collect(self):
        from .. import mail_queue

        waiting = mail_queue.length()
        if waiting is not None:
            yield GaugeMetricFamily(
                "eukz_mail_queue_length", "Mails waiting in the queue to be sent.", value=waiting
            )


def _mail_queue_registry() -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(MailQueueCollector())
    return registry


def metrics_view():
    """The metrics in Prometheus' text format; a 404 to anyone not allowed."""
    if not _allowed():
        abort(404)
    if multiprocess_mode():
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    body = generate_latest(registry) + generate_latest(_mail_queue_registry())
    return Response(
        body, headers={"Content-Type": CONTENT_TYPE_LATEST, "Cache-Control": "no-store"}
    )


def init_app(app: Flask) -> None:
    """Count and time every request of ``app`` and serve ``/metrics``, unless turned off."""
    if not app.config.get("METRICS_ENABLED", True):
        return
    try:
        app.extensions["eukz_metrics_networks"] = _networks(app.config.get("METRICS_ALLOW_FROM"))
    except ValueError as e:
        raise RuntimeError(f"METRICS_ALLOW_FROM holds a value that is not a network: {e}") from e
    app.before_request_funcs.setdefault(None, []).insert(0, _start_clock)
    app.after_request_funcs.setdefault(None, []).insert(0, _count)
    app.add_url_rule("/metrics", "metrics", metrics_view)
