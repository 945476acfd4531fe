"""gunicorn's settings for the platform: ``gunicorn -c gunicorn.conf.py``.

Every value can be changed from the environment: ``WEB_CONCURRENCY`` (workers), ``BIND``,
``GUNICORN_TIMEOUT``, ``GUNICORN_ACCESS_LOG`` ("-" for JSON lines on standard output; off by
default: the app's own log records each request), or any option through
``GUNICORN_CMD_ARGS``. Before any worker starts, the app is built once from the environment:
a missing or malformed setting, or static files not built, stops gunicorn with one line
before it listens.
"""

import json
import os
import sys

from gunicorn.glogging import Logger

wsgi_app = "eukz_platform:create_app()"
bind = os.environ.get("BIND", "0.0.0.0:8000").split(",")


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))  # what a container or taskset allows
    except AttributeError:
        return os.cpu_count() or 1


# Synchronous workers: each serves one request at a time; two per core and one more
# keeps the cores busy while others wait on PostgreSQL.
workers = int(os.environ.get("WEB_CONCURRENCY") or 2 * _cpus() + 1)
worker_class = "sync"
# A request still running after this many seconds is ended and its worker replaced.
timeout = int(os.environ.get("GUNICORN_TIMEOUT") or 30)
# On SIGTERM (a deploy, `docker stop`): stop accepting, let requests finish for this long.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT") or 30)
# Behind nginx, which keeps its own connections to the clients.
keepalive = 5
# Workers replaced now and then, at different times, so that no slow leak grows for ever.
max_requests = 2000
max_requests_jitter = 200
# Request headers of a sane size only (nginx in front refuses larger ones too).
limit_request_line = 8190
limit_request_fields = 100
# The app decides about X-Forwarded-* itself (TRUSTED_PROXIES, werkzeug's ProxyFix).
forwarded_allow_ips = "127.0.0.1,::1"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
# One JSON object a line: what happened, how long it took, never the query string (it may
# hold a search for a person's name) nor cookies.
access_log_format = json.dumps(
    {
        "time": "%(t)s",
        "remote": "%(h)s",
        "method": "%(m)s",
        "path": "%(U)s",
        "status": "%(s)s",
        "bytes": "%(B)s",
        "duration_ms": "%(M)s",
        "user_agent": "%(a)s",
    }
)
QUIET_PATHS = ("/healthz", "/readyz")


class PlatformLogger(Logger):
    """gunicorn's logger, leaving the load balancer's health checks out of the access log."""

    def access(self, resp, req, environ, request_time):
        if environ.get("PATH_INFO") in QUIET_PATHS and resp.status_code < 500:
            return
        super().access(resp, req, environ, request_time)


logger_class = PlatformLogger


def _check_settings() -> None:
    """Build the app once from the environment, as each worker will: a setting missing or
    wrong, or static files not built, stops gunicorn here with one line and status 1,
    before it logs or listens."""
    from eukz_platform import assets, create_app
    from eukz_platform.settings import ConfigurationError

    try:
        app = create_app()
    except ConfigurationError as e:
        sys.exit(f"Error: {e.message}")
    if not assets.is_built(app):
        sys.exit(
            f"Error: the static files are not built in {app.config['STATIC_BUILD_DIR']}: run "
            "`make assets-build` (python -m eukz_platform.assets build) before serving, or set "
            "STATIC_BUILD=false to serve static/ as it is"
        )


_check_settings()


def child_exit(_server, worker) -> None:
    """A worker gone: with PROMETHEUS_MULTIPROC_DIR, its live gauges are dropped (their
    counters stay in the sums /metrics serves)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from eukz_platform.ops.metrics import mark_process_dead

        mark_process_dead(worker.pid)
