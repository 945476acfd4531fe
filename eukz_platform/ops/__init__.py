"""What operators watch: structured logs with a request id, and Prometheus metrics.

``logs`` writes one line per request and puts the request's id in every line logged while it
is served; ``metrics`` counts requests, times them and the searches, and serves ``/metrics``
to Prometheus. Neither knows any feature: the factory registers both.
"""

from flask import Flask

from . import logs, metrics


def register_observability(app: Flask) -> None:
    """The request id, the request log line and the metrics, on every request."""
    logs.init_app(app)
    metrics.init_app(app)
