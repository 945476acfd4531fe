"""The platform served as production serves it: gunicorn with gunicorn.conf.py, in its own
process, from the environment alone; and the static files built once for the test run."""

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
SECRET = "a-test-secret-key-of-at-least-32-characters"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def environment(**settings: str) -> dict[str, str]:
    """A production environment: nothing of this process's settings, only ``settings`` on
    top of what any program needs."""
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "PYTHONPATH", "VIRTUAL_ENV")
    env = {k: os.environ[k] for k in keep if k in os.environ}
    env.update(settings)
    return env


def production_settings(database_url: str, static_dir: Path | None, **more: str) -> dict:
    settings = {
        "DATABASE_URL": database_url,
        "SECRET_KEY": SECRET,
        "SITE_URL": "http://127.0.0.1",
        "TRUSTED_HOSTS": "127.0.0.1",
        "SESSION_COOKIE_SECURE": "false",
        "LOG_LEVEL": "WARNING",
    }
    if static_dir is None:
        settings["STATIC_BUILD"] = "false"
    else:
        settings["STATIC_BUILD_DIR"] = str(static_dir)
    settings.update(more)
    return settings


@contextmanager
def gunicorn(settings: dict, *, workers: int = 1, port: int | None = None, log_to=None):
    """gunicorn -c gunicorn.conf.py on a free port of 127.0.0.1; yields its base address.
    Its output goes to ``log_to`` (a path) when given, kept after it stops."""
    port = port or free_port()
    if log_to is not None:
        log = open(log_to, "wb")  # noqa: SIM115 - closed below
    else:
        log = tempfile.NamedTemporaryFile(prefix="eukz-gunicorn-", suffix=".log", delete=False)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            "gunicorn.conf.py",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
        ],
        cwd=ROOT,
        env=environment(**settings),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn stopped: {Path(log.name).read_text()}")
            try:
                if requests.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not answer: {Path(log.name).read_text()}")
            time.sleep(0.2)
        yield base
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        if log_to is None:
            os.unlink(log.name)


def build_static(tmp_path_factory) -> Path:
    """static/ built as `make assets-build` builds it, once for the test run (each test
    module's ``built_static`` fixture, of the session's scope, calls it)."""
    from eukz_platform.assets import build

    target = tmp_path_factory.getbasetemp() / "static-dist"
    if not (target / "manifest.json").exists():
        build(ROOT / "static", target)
    return target


def migrated_sqlite(directory: Path) -> str:
    """A new SQLite database at the migrations' head, with the seed."""
    url = f"sqlite:///{directory}/platform.db"
    run_flask(url, "db", "upgrade")
    run_flask(url, "seed")
    return url


def run_flask(database_url: str, *args: str, **settings: str) -> subprocess.CompletedProcess:
    """``flask --app eukz_platform ARGS`` as production runs it; fails the test on an error."""
    env = environment(
        **production_settings(database_url, None, LOG_LEVEL="ERROR", **settings),
    )
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "eukz_platform", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    return done
