"""Settings from the environment: a missing or malformed one stops every command and the
server with one line naming it and how to fix it, never a traceback; REDIS_URL serves every
part that keeps state outside the process."""

import subprocess
import sys

import pytest

from eukz_platform import create_app
from eukz_platform.settings import ConfigurationError

from .servers import ROOT, SECRET, environment, free_port

GOOD = {"SECRET_KEY": SECRET, "SITE_URL": "https://platform.example.eu"}


def flask(*args: str, **settings: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "eukz_platform", *args],
        cwd=ROOT,
        env=environment(**settings),
        capture_output=True,
        text=True,
        timeout=60,
    )


def one_line_error(done: subprocess.CompletedProcess) -> str:
    """The command failed with exactly one line on standard error, and no traceback."""
    assert done.returncode == 1, (done.returncode, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr + done.stdout
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("Error: "), lines[0]
    return lines[0]


@pytest.mark.parametrize(
    "command",
    [
        ["seed"],
        ["db", "upgrade"],
        ["create-secretariat", "staff@example.eu", "--password", "x" * 20],
        ["routes"],
        ["--help"],
    ],
)
def test_every_command_without_a_secret_key_stops_with_one_line(command, tmp_path):
    line = one_line_error(flask(*command, DATABASE_URL=f"sqlite:///{tmp_path}/x.db"))
    assert "SECRET_KEY is not set" in line
    assert "export SECRET_KEY=" in line  # how to fix it
    assert not (tmp_path / "x.db").exists()  # nothing was touched


# Each written in the environment, as an operator writes it (a command run for each).
@pytest.mark.parametrize(
    "settings, expected",
    [
        ({"SECRET_KEY": "short"}, "SECRET_KEY is too short (5 characters)"),
        ({"SITE_URL": "platform.example.eu"}, "SITE_URL must look like https://"),
        ({"DATABASE_URL": "mysql://u:p@db/platform"}, "DATABASE_URL uses 'mysql'"),
        ({"REDIS_URL": "127.0.0.1:6379"}, "REDIS_URL must be a Redis address"),
        ({"RATELIMIT_ENABLED": "maybe"}, "RATELIMIT_ENABLED must be true or false"),
        ({"TRUSTED_PROXIES": "two"}, "TRUSTED_PROXIES must be the number of reverse proxies"),
        ({"MAIL_PORT": "smtp"}, "MAIL_PORT must be a port number"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL must be one of DEBUG, INFO, WARNING"),
        ({"ENCRYPTION_KEYS": "secret"}, "ENCRYPTION_KEYS holds a key that is not a Fernet key"),
        (
            {
                "SITE_URL": "",
                "FLASK_SERVER_NAME": "platform.example.eu",
                "FLASK_PREFERRED_URL_SCHEME": "ftp",
            },
            "FLASK_PREFERRED_URL_SCHEME must be https or http",
        ),
    ],
)
def test_a_wrong_setting_is_named_in_one_line(settings, expected, tmp_path):
    env = {**GOOD, "DATABASE_URL": f"sqlite:///{tmp_path}/x.db", **settings}
    line = one_line_error(flask("seed", **env))
    assert expected in line, line


# The same check on the app's settings (as config.py and FLASK_<NAME> leave them).
@pytest.mark.parametrize(
    "settings, expected",
    [
        ({"SITE_URL": ""}, "SITE_URL is not set"),
        ({"SQLALCHEMY_DATABASE_URI": "not an address"}, "DATABASE_URL is not a database address"),
        ({"SQLALCHEMY_DATABASE_URI": "postgresql://u@db:5432"}, "DATABASE_URL names no database"),
        ({"REDIS_URL": "redis://127.0.0.1:6379/zero"}, "REDIS_URL names Redis database 'zero'"),
        ({"CACHE_REDIS_URL": "http://cache"}, "CACHE_REDIS_URL must be a Redis address"),
        ({"CACHE_TYPE": "RedisCache"}, "CACHE_TYPE is RedisCache but no Redis is named"),
        ({"RATELIMIT_STORAGE_URI": "postgres://x"}, "RATELIMIT_STORAGE_URI must be"),
        ({"RATELIMIT_SEARCH": "lots"}, "RATELIMIT_SEARCH must be a rate"),
        ({"TRUSTED_PROXIES": -1}, "TRUSTED_PROXIES must be the number"),
        ({"TRUSTED_PROXIES": 99}, "TRUSTED_PROXIES must be the number"),
        ({"MAIL_USE_TLS": "sometimes"}, "MAIL_USE_TLS must be true or false"),
        ({"MAIL_SERVER": "smtp://mail.example.eu"}, "MAIL_SERVER must be a host name"),
        (
            {"MAIL_SERVER": "mail.example.eu", "MAIL_USE_TLS": True, "MAIL_USE_SSL": True},
            "MAIL_USE_SSL and MAIL_USE_TLS are both on",
        ),
        ({"MAIL_DEFAULT_SENDER": "platform"}, "MAIL_DEFAULT_SENDER must be an address"),
        ({"STATIC_BUILD": "perhaps"}, "STATIC_BUILD must be true or false"),
        (
            {"ENCRYPTION_KEYS": "A" * 43 + "=," + "x" * 44},
            "ENCRYPTION_KEYS holds a key that is not a Fernet key (key 2",
        ),
        (
            {"SITE_URL": "", "SERVER_NAME": "platform.example.eu/x"},
            "FLASK_SERVER_NAME must be a host name",
        ),
    ],
)
def test_the_app_refuses_a_wrong_setting_naming_it(settings, expected, database_url):
    with pytest.raises(ConfigurationError) as raised:
        production_app(database_url, **settings)
    assert expected in raised.value.message
    assert "\n" not in raised.value.message


def test_gunicorn_refuses_to_start_with_one_line(tmp_path):
    def gunicorn(**settings) -> subprocess.CompletedProcess:
        return subprocess.run(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                "gunicorn.conf.py",
                "--bind",
                f"127.0.0.1:{free_port()}",
            ],
            cwd=ROOT,
            env=environment(DATABASE_URL=f"sqlite:///{tmp_path}/x.db", **settings),
            capture_output=True,
            text=True,
            timeout=60,
        )

    no_key = gunicorn(SITE_URL="https://platform.example.eu")
    assert "SECRET_KEY is not set" in one_line_error(no_key)
    empty = tmp_path / "not-built"
    no_static = gunicorn(**GOOD, STATIC_BUILD_DIR=str(empty))
    line = one_line_error(no_static)
    assert "static files are not built" in line and "make assets-build" in line


def test_good_settings_run_the_commands(tmp_path):
    env = {
        **GOOD,
        "DATABASE_URL": f"sqlite:///{tmp_path}/platform.db",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "TRUSTED_PROXIES": "1",
        "MAIL_SERVER": "mail.example.eu",
        "MAIL_PORT": "465",
        "MAIL_USE_TLS": "false",
        "MAIL_USE_SSL": "true",
        "LOG_LEVEL": "warning",
    }
    upgraded = flask("db", "upgrade", **env)
    assert upgraded.returncode == 0, upgraded.stderr
    seeded = flask("seed", **env)
    assert seeded.returncode == 0, seeded.stderr
    assert "seed: 17 rows added" in seeded.stdout


PRODUCTION = {"SECRET_KEY": SECRET, "SITE_URL": "https://platform.example.eu"}


def production_app(database_url: str, **settings):
    return create_app({**PRODUCTION, "SQLALCHEMY_DATABASE_URI": database_url, **settings})


def test_one_redis_url_serves_rate_limits_and_kept_pages(database_url):
    app = production_app(database_url, REDIS_URL="redis://cache.internal:6379/2")
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://cache.internal:6379/2"
    assert app.config["CACHE_TYPE"] == "RedisCache"
    assert app.config["CACHE_REDIS_URL"] == "redis://cache.internal:6379/2"


def test_each_part_may_name_its_own_redis(database_url):
    app = production_app(
        database_url,
        REDIS_URL="redis://shared:6379/0",
        RATELIMIT_STORAGE_URI="redis://limits:6379/1",
        CACHE_REDIS_URL="redis://pages:6379/2",
    )
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://limits:6379/1"
    assert app.config["CACHE_REDIS_URL"] == "redis://pages:6379/2"
    assert app.config["REDIS_URL"] == "redis://shared:6379/0"


def test_without_redis_each_process_keeps_its_own(database_url):
    app = production_app(database_url)
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"
    assert app.config["CACHE_TYPE"] == "SimpleCache"


@pytest.mark.parametrize("written", ["postgres://u:p@db/platform", "postgresql://u:p@db/platform"])
def test_postgresql_addresses_use_psycopg_with_a_connect_timeout(written):
    app = create_app({**PRODUCTION, "SQLALCHEMY_DATABASE_URI": written})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u:p@db/platform"
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"] == {"connect_timeout": 5}


def test_the_error_is_a_runtime_error_for_code_that_builds_the_app(database_url):
    with pytest.raises(ConfigurationError, match="TRUSTED_PROXIES") as raised:
        production_app(database_url, TRUSTED_PROXIES="many")
    assert isinstance(raised.value, RuntimeError)
