"""What operators read: one JSON log line per request with the request's id, the id echoed and
shown on error pages, no email address in the log, and Prometheus metrics for those allowed."""

import io
import json
import logging
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from eukz_platform import create_app
from eukz_platform.auth.models import Role
from eukz_platform.extensions import db
from eukz_platform.ops import logs

from .conftest import empty_all_tables
from .factories import login, make_user

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def logged(database_url):
    """An app logging JSON at INFO, and the lines its handler writes."""
    made = []

    def make(**config):
        app = create_app(
            {
                "TESTING": True,
                "SQLALCHEMY_DATABASE_URI": database_url,
                "LOG_FORMAT": "json",
                "LOG_LEVEL": "INFO",
                **config,
            }
        )
        made.append(app)
        return app

    stream = io.StringIO()

    def lines() -> list[dict]:
        return [json.loads(line) for line in stream.getvalue().splitlines() if line]

    make.lines = lines
    make.stream = stream
    yield make
    handler = logs.handler()
    handler.setStream(sys.stderr)
    for app in made:
        empty_all_tables(app)
        with app.app_context():
            db.engine.dispose()
    # The next test's app sets its own format and level again.


def _capture(logged) -> None:
    logs.handler().setStream(logged.stream)


def request_lines(lines: list[dict]) -> list[dict]:
    return [line for line in lines if line["logger"] == "eukz_platform.requests"]


def test_one_json_line_per_request_with_its_id_and_the_signed_in_persons_id(logged):
    app = logged()
    with app.app_context():
        user = make_user(email="dana@example.org", full_name="Dana Smagulova")
        user_id = user.id
    client = app.test_client()
    login(client, "dana@example.org")
    _capture(logged)

    r = client.get(
        "/directory/?q=Almaty&email=dana@example.org", headers={"X-Request-ID": "req-0001"}
    )

    assert r.status_code == 200
    assert r.headers["X-Request-ID"] == "req-0001"
    (line,) = request_lines(logged.lines())
    assert line["level"] == "INFO"
    assert line["request_id"] == "req-0001"
    assert line["method"] == "GET"
    assert line["path"] == "/directory/"  # never the query string
    assert line["endpoint"] == "directory.index"
    assert line["status"] == 200
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["user_id"] == user_id
    assert "time" in line
    text = logged.stream.getvalue()
    assert "dana@example.org" not in text and "Smagulova" not in text


def test_every_line_of_a_request_carries_its_id(logged):
    app = logged()
    _capture(logged)
    client = app.test_client()

    client.post(
        "/auth/forgot-password",
        data={"email": "nobody@example.org"},
        headers={"X-Request-ID": "trace.42_a"},
    )

    lines = logged.lines()
    ours = [line for line in lines if line["logger"] == "eukz_platform.auth.services"]
    assert ours, lines  # the service logged that no account uses the address
    assert {line["request_id"] for line in lines} == {"trace.42_a"}


@pytest.mark.parametrize("given", ["", "x" * 65, "<script>", "a b", "id\u00e9"])
def test_an_unsafe_or_missing_request_id_is_replaced_by_a_new_one(logged, given):
    app = logged()
    _capture(logged)
    headers = {"X-Request-ID": given} if given else {}

    r = app.test_client().get("/about", headers=headers)

    made = r.headers["X-Request-ID"]
    assert made != given and re.fullmatch(r"[0-9a-f]{32}", made)
    assert request_lines(logged.lines())[0]["request_id"] == made


def test_error_pages_show_the_request_id_as_a_reference(logged):
    app = logged()

    @app.get("/test-failure")
    def failure():
        raise RuntimeError("the database went away")

    _capture(logged)
    client = app.test_client()

    missing = client.get("/no-such-page", headers={"X-Request-ID": "ref-404"})
    assert missing.status_code == 404
    assert missing.headers["X-Request-ID"] == "ref-404"
    assert "Reference: ref-404" in missing.get_data(as_text=True)

    broken = client.get("/test-failure", headers={"X-Request-ID": "ref-500"})
    assert broken.status_code == 500
    assert broken.headers["X-Request-ID"] == "ref-500"
    assert "Reference: ref-500" in broken.get_data(as_text=True)
    (error,) = [line for line in logged.lines() if line["level"] == "ERROR"]
    assert error["request_id"] == "ref-500"
    assert "the database went away" in error["exc_info"]


def test_email_addresses_are_masked_in_every_line(logged):
    logged()
    _capture(logged)
    log = logging.getLogger("eukz_platform.test")

    log.warning("Mail to %s refused", "anna.kim@example.org")
    try:
        raise ValueError("recipient boris@mail.example.kz refused")
    except ValueError:
        log.exception("Sending to %s failed", "boris@mail.example.kz")

    first, second = logged.lines()
    assert first["message"] == "Mail to a***@example.org refused"
    assert second["message"] == "Sending to b***@mail.example.kz failed"
    assert "b***@mail.example.kz" in second["exc_info"]
    assert "anna.kim@" not in logged.stream.getvalue()
    assert "boris@" not in logged.stream.getvalue()


def test_health_checks_and_links_with_tokens_are_not_logged_as_is(logged):
    app = logged()
    _capture(logged)
    client = app.test_client()

    client.get("/healthz")
    client.get("/metrics")
    client.get("/auth/reset-password/secret-token-value")

    (line,) = request_lines(logged.lines())
    assert line["path"] == "/auth/reset-password/<token>"
    assert "secret-token-value" not in logged.stream.getvalue()


def test_text_logs_in_development_and_tests_json_in_production(database_url):
    create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url})
    assert isinstance(logs.handler().formatter, logs.TextFormatter)
    create_app(
        {
            "SECRET_KEY": "x" * 32,
            "SITE_URL": "https://platform.example.eu",
            "SQLALCHEMY_DATABASE_URI": database_url,
        }
    )
    assert isinstance(logs.handler().formatter, logs.JSONFormatter)
    create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url})
    assert isinstance(logs.handler().formatter, logs.TextFormatter)


# Metrics


def metric(text: str, name: str, **labels) -> float:
    """The value of one series in Prometheus' text format (0 when absent)."""
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        series, _, value = line.rpartition(" ")
        if series == (f"{name}{{{wanted}}}" if labels else name):
            return float(value)
    return 0.0


TOKEN = "metrics-token-for-tests"


@pytest.fixture
def metrics_app(database_url):
    app = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "METRICS_TOKEN": TOKEN}
    )
    yield app
    empty_all_tables(app)
    with app.app_context():
        db.engine.dispose()


def test_metrics_are_refused_without_the_token(metrics_app):
    client = metrics_app.test_client()
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 404
    assert client.get("/metrics", headers={"Authorization": TOKEN}).status_code == 404


def test_metrics_with_the_token_count_each_route_by_endpoint_and_status(metrics_app):
    client = metrics_app.test_client()
    auth = {"Authorization": f"Bearer {TOKEN}"}
    before = client.get("/metrics", headers=auth).get_data(as_text=True)

    client.get("/")
    client.get("/working-groups/first-missing-group")
    client.get("/working-groups/second-missing-group")
    client.get("/directory/?q=Almaty")
    r = client.get("/metrics", headers=auth)

    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/plain")
    after = r.get_data(as_text=True)

    def grew(name: str, **labels) -> float:
        return metric(after, name, **labels) - metric(before, name, **labels)

    home = {"endpoint": "main.index", "method": "GET", "status": "200"}
    assert grew("eukz_http_requests_total", **home) == 1
    assert grew("eukz_http_request_duration_seconds_count", **home) == 1
    group = {"endpoint": "groups.detail", "method": "GET", "status": "404"}
    assert grew("eukz_http_requests_total", **group) == 2
    # One series per route, whatever the address: no raw path in any label.
    assert "missing-group" not in after
    assert grew("eukz_search_duration_seconds_count") == 1


def test_metrics_are_allowed_from_a_configured_network(database_url):
    for networks, status in (("10.0.0.0/8, 127.0.0.0/8", 200), ("192.0.2.0/24", 404)):
        app = create_app(
            {
                "TESTING": True,
                "SQLALCHEMY_DATABASE_URI": database_url,
                "METRICS_ALLOW_FROM": networks,
            }
        )
        assert app.test_client().get("/metrics").status_code == status  # from 127.0.0.1


def test_the_mail_queue_length_is_a_metric_when_there_is_a_queue(database_url):
    import uuid

    from redis import Redis
    from redis.exceptions import RedisError

    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/11")
    try:
        Redis.from_url(url, socket_connect_timeout=1).ping()
    except RedisError as e:
        pytest.skip(f"no Redis server answers at {url} ({e})")
    name = f"test-mail-{uuid.uuid4().hex}"
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "METRICS_TOKEN": TOKEN,
            "MAIL_QUEUE_URL": url,
            "MAIL_QUEUE_NAME": name,
        }
    )
    try:
        with app.app_context():
            make_user(role=Role.SECRETARIAT, email="staff@eesc.example")
            make_user(email="dana@example.org")
        app.test_client().post("/auth/forgot-password", data={"email": "dana@example.org"})
        text = (
            app.test_client()
            .get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
            .get_data(as_text=True)
        )
        assert metric(text, "eukz_mail_queue_length") == 1
    finally:
        redis = Redis.from_url(url)
        for key in redis.scan_iter("rq:job:*"):
            if redis.hget(key, "origin") == name.encode():
                redis.delete(key)
        redis.srem("rq:queues", f"rq:queue:{name}")
        for key in redis.scan_iter(f"*{name}*"):
            redis.delete(key)
        empty_all_tables(app)


def test_metrics_add_up_the_processes_of_gunicorn(tmp_path, database_url):
    """With PROMETHEUS_MULTIPROC_DIR, counts written by one process are served by another."""
    script = textwrap.dedent(
        f"""
        import sys
        from eukz_platform import create_app
        app = create_app({{"TESTING": True, "SQLALCHEMY_DATABASE_URI": {database_url!r},
                          "METRICS_TOKEN": "t"}})
        app.test_client().get("/healthz")
        if sys.argv[1] == "scrape":
            print(app.test_client().get("/metrics", headers={{"Authorization": "Bearer t"}})
                  .get_data(as_text=True))
        """
    )
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    env.pop("TEST_DATABASE_URL", None)
    # One process answers a request and ends; another answers one and serves the metrics.
    subprocess.run(
        [sys.executable, "-c", script, "request"], cwd=ROOT, env=env, check=True, timeout=120
    )
    out = subprocess.run(
        [sys.executable, "-c", script, "scrape"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=120,
        capture_output=True,
        text=True,
    ).stdout
    series = {"endpoint": "main.healthz", "method": "GET", "status": "200"}
    assert metric(out, "eukz_http_requests_total", **series) == 2
