"""gunicorn with gunicorn.conf.py, as production runs it: workers as asked, the access log as
JSON lines without the health checks or query strings, a graceful stop; and what the lock
files and the image install."""

import json
import re
import tomllib

import pytest
import requests

from .servers import ROOT, build_static, gunicorn, migrated_sqlite, production_settings


def test_gunicorn_serves_with_a_json_access_log_that_leaves_out_health_checks(
    tmp_path, tmp_path_factory
):
    database = migrated_sqlite(tmp_path)
    settings = production_settings(
        database,
        build_static(tmp_path_factory),
        GUNICORN_ACCESS_LOG="-",
        LOG_LEVEL="INFO",
        TRUSTED_PROXIES="1",
    )
    log = tmp_path / "gunicorn.log"
    with gunicorn(settings, workers=2, log_to=log) as base:
        page = requests.get(f"{base}/directory/", params={"q": "Erasmus"}, timeout=10)
        assert page.status_code == 200
        css = re.search(r'href="(/static/dist/css/site\.[0-9a-f]{12}\.css)"', page.text).group(1)
        assert requests.get(base + css, timeout=10).status_code == 200
        for _ in range(3):
            assert requests.get(f"{base}/readyz", timeout=10).status_code == 200
            assert requests.get(f"{base}/healthz", timeout=10).status_code == 200
        # behind one proxy (TRUSTED_PROXIES=1) its X-Forwarded-Proto is believed
        proxied = requests.get(f"{base}/", headers={"X-Forwarded-Proto": "https"}, timeout=10)
        assert proxied.headers["Strict-Transport-Security"] == "max-age=31536000"
    output = log.read_text()
    assert len(re.findall(r"Booting worker with pid", output)) >= 2
    assert "Handling signal: term" in output  # stopped gracefully on SIGTERM
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    # gunicorn's access log (the app's own request log has a logger's name and a level)
    entries = [e for e in lines if "logger" not in e and "remote" in e]
    paths = [e["path"] for e in entries]
    assert "/directory/" in paths and css in paths and "/" in paths
    assert "/readyz" not in paths and "/healthz" not in paths
    assert not any("Erasmus" in line for line in output.splitlines() if line.startswith("{"))
    directory = entries[paths.index("/directory/")]
    assert directory["method"] == "GET" and directory["status"] == "200"
    assert int(directory["duration_ms"]) >= 0


def test_production_installs_the_runtime_packages_alone():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "FROM python:3.11-slim" in dockerfile
    assert "--require-hashes -r requirements.txt" in dockerfile
    assert "requirements-dev" not in dockerfile
    assert re.search(r"^USER platform$", dockerfile, re.M)
    assert 'CMD ["gunicorn", "-c", "gunicorn.conf.py"]' in dockerfile
    assert "tests" in (ROOT / ".dockerignore").read_text().split()
    runtime = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    names = {re.split(r"[=<>\[]", r)[0].lower() for r in runtime}
    assert {"gunicorn", "whitenoise", "brotli"} <= names


def test_the_compose_stack_migrates_before_two_instances_serve_behind_nginx():
    yaml = pytest.importorskip("yaml")
    stack = yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]
    assert {"db", "redis", "migrate", "web1", "web2", "worker", "nginx"} <= set(stack)
    assert "db upgrade" in " ".join(stack["migrate"]["command"])
    for web in ("web1", "web2"):
        assert "command" not in stack[web]  # the image's: gunicorn -c gunicorn.conf.py
        assert stack[web]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }
        assert stack[web]["environment"]["REDIS_URL"] == "redis://redis:6379/0"
        assert stack[web]["environment"]["TRUSTED_PROXIES"] == "1"
    assert stack["worker"]["command"] == ["flask", "--app", "eukz_platform", "worker"]
    nginx = (ROOT / "deploy" / "nginx" / "platform.conf.template").read_text()
    assert "server web1:8000" in nginx and "server web2:8000" in nginx
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in nginx
    assert 'add_header Strict-Transport-Security "max-age=31536000" always;' in nginx
