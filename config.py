"""Settings for development, testing and production.

Every setting can also be given in the environment as ``FLASK_<NAME>``
(the factory calls ``app.config.from_prefixed_env()``).
"""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


def _bool(name: str, default: bool = False) -> bool | str:
    """A yes/no setting; a value that says neither is kept as written, and the app refuses
    to start naming it (eukz_platform/settings.py)."""
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    word = value.strip().lower()
    if word in {"1", "true", "yes", "on"}:
        return True
    if word in {"0", "false", "no", "off"}:
        return False
    return value


def _int(name: str, default: int) -> int | str:
    """A whole number; a value that is not one is kept as written, refused at start."""
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    try:
        return int(value.strip())
    except ValueError:
        return value


class Config:
    """Shared defaults, read from the environment where it applies."""

    SECRET_KEY = os.environ.get("SECRET_KEY")
    # Keys of the secrets kept encrypted in the database (authenticators' secrets), apart from
    # SECRET_KEY: Fernet keys separated by commas, the first encrypting, all decrypting (a new
    # one is put first, then `flask reencrypt`). Unset: a key derived from SECRET_KEY.
    ENCRYPTION_KEYS = os.environ.get("ENCRYPTION_KEYS")
    # postgresql+psycopg://user:password@host:5432/name (postgres:// and postgresql:// are
    # read as psycopg's), or sqlite:///path.
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'eukz_platform.db'}"
    )
    # One Redis for the rate-limit counters, the kept pages and the mail queue, unless
    # RATELIMIT_STORAGE_URI, CACHE_REDIS_URL or MAIL_QUEUE_URL names another for its part.
    REDIS_URL = os.environ.get("REDIS_URL")
    # DEBUG, INFO, WARNING, ERROR or CRITICAL.
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
    # No pool_pre_ping: a connection the server closed is found without a round trip
    # (database.configure_engine).
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}

    SITE_NAME = "EU–Kazakhstan Civil Society Platform"
    # The platform's public address: every link in mail, calendar files and the API is
    # built from it. Required in production (or SERVER_NAME with PREFERRED_URL_SCHEME).
    SITE_URL = os.environ.get("SITE_URL")
    # Host names the platform answers to (comma-separated); others get a 400. Default in
    # production: the host of SITE_URL.
    TRUSTED_HOSTS = os.environ.get("TRUSTED_HOSTS")
    # How many reverse proxies in front set X-Forwarded-For/-Proto/-Host (0: none trusted).
    TRUSTED_PROXIES = _int("TRUSTED_PROXIES", 0)
    # Path under static/ of a header logo (e.g. the EU emblem); None shows the name as text.
    SITE_LOGO = os.environ.get("SITE_LOGO")
    OPINION_URL = (
        "https://www.eesc.europa.eu/en/our-work/opinions-information-reports/opinions/"
        "enhancing-cooperation-between-csos-european-union-and-kazakhstan"
    )
    # The site's languages, each named in its own language (the header's switcher); the
    # first is the default, for anyone whose choice and browser name none of the others.
    LANGUAGES = {"en": "English", "ru": "Русский", "kk": "Қазақша"}
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"
    # A visitor's choice of language is kept in this cookie for a year (an account keeps
    # its own as well).
    LANGUAGE_COOKIE_NAME = "lang"
    LANGUAGE_COOKIE_MAX_AGE = 365 * 24 * 3600
    LANGUAGE_COOKIE_SECURE = False

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_DURATION = 60 * 60 * 24 * 30
    # How often, at most, a session's "last seen" time is written (seconds): not every request.
    SESSION_SEEN_EVERY = 60
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    # The largest request: a CSV of contacts uploaded by the secretariat (tens of thousands).
    MAX_CONTENT_LENGTH = 5 * 1024 * 1024

    RATELIMIT_ENABLED = _bool("RATELIMIT_ENABLED", True)
    # Unset: REDIS_URL when set, else counted per process (memory://).
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI")
    RATELIMIT_HEADERS_ENABLED = True
    # Per client address, for the POST of each form.
    # Registrations completed per client address (an attempt refused for a mistake in the
    # form does not count).
    RATELIMIT_REGISTER = "20 per day"
    RATELIMIT_LOGIN = "10 per minute;50 per hour"
    RATELIMIT_PASSWORD_RESET = "5 per hour"
    # Per person waiting for their second step of logging in (besides RATELIMIT_LOGIN).
    RATELIMIT_SECOND_FACTOR = "5 per minute;30 per hour"
    # Partner search posts made, and answers sent, per client address.
    RATELIMIT_OPPORTUNITY_POST = "10 per hour"
    RATELIMIT_OPPORTUNITY_ANSWER = "20 per hour"
    # Secretariat accounts must use two-factor sign-in before they reach the console: on by
    # default in production, off in development and tests unless set.
    SECRETARIAT_2FA_REQUIRED = _bool("SECRETARIAT_2FA_REQUIRED", False)
    # Per client address, shared by the directory pages and the read API's searches: a person
    # reads far fewer pages than this; a page kept for visitors is served without counting.
    RATELIMIT_SEARCH = os.environ.get("RATELIMIT_SEARCH", "120 per minute")

    # Pages kept for visitors (the directory's): per process by default; RedisCache with
    # CACHE_REDIS_URL (or REDIS_URL) shares them between workers and servers. Keyed by the
    # search index's generation, so an edit is seen at once. Unset: RedisCache when a Redis
    # is configured, else SimpleCache.
    CACHE_TYPE = os.environ.get("CACHE_TYPE")
    CACHE_REDIS_URL = os.environ.get("CACHE_REDIS_URL")
    CACHE_DEFAULT_TIMEOUT = 600
    CACHE_THRESHOLD = 500  # pages of 40–80 KB: at most about 40 MB per process
    CACHE_KEY_PREFIX = "eukz:"
    DIRECTORY_PAGE_CACHE = _bool("DIRECTORY_PAGE_CACHE", True)

    MAIL_SERVER = os.environ.get("MAIL_SERVER")
    MAIL_PORT = _int("MAIL_PORT", 587)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", True)
    MAIL_USE_SSL = _bool("MAIL_USE_SSL", False)
    MAIL_DEFAULT_SENDER = os.environ.get(
        "MAIL_DEFAULT_SENDER", "EU–Kazakhstan Civil Society Platform <no-reply@localhost>"
    )
    # Without a mail server, messages are written to the application log.
    MAIL_BACKEND = "smtp" if MAIL_SERVER else "eukz_platform.mailing.LogEmailBackend"

    # With a Redis server here, mail is queued and sent by `flask --app eukz_platform worker`
    # (retrying after each of MAIL_QUEUE_RETRY_INTERVALS seconds, then recorded as failed for
    # the secretariat); without one, mail is sent in the request's process.
    MAIL_QUEUE_URL = os.environ.get("MAIL_QUEUE_URL") or REDIS_URL
    MAIL_QUEUE_NAME = os.environ.get("MAIL_QUEUE_NAME", "eukz-mail")
    MAIL_QUEUE_RETRY_INTERVALS = os.environ.get("MAIL_QUEUE_RETRY_INTERVALS", "60,300,1800")
    MAIL_QUEUE_JOB_TIMEOUT = int(os.environ.get("MAIL_QUEUE_JOB_TIMEOUT", "120"))

    # Logs on standard error: "json" (one object per line; production's default) or "text"
    # (development's and the tests' default); the level's name.
    LOG_FORMAT = os.environ.get("LOG_FORMAT")
    # Prometheus metrics at /metrics, for a request with "Authorization: Bearer METRICS_TOKEN"
    # or from an address in METRICS_ALLOW_FROM (comma-separated networks, CIDR); a 404 for
    # anyone else. Under gunicorn, set PROMETHEUS_MULTIPROC_DIR (see ops/metrics.py).
    METRICS_ENABLED = _bool("METRICS_ENABLED", True)
    METRICS_TOKEN = os.environ.get("METRICS_TOKEN")
    METRICS_ALLOW_FROM = os.environ.get("METRICS_ALLOW_FROM")

    EMAIL_CONFIRMATION_MAX_AGE = 7 * 24 * 3600
    PASSWORD_RESET_MAX_AGE = 3600
    INVITATION_MAX_AGE = 14 * 24 * 3600

    # Annual confirmation of each organisation's profile (run by `flask housekeeping`):
    # reminded after this many days, flagged this many days after the reminder, hidden
    # this many days after being flagged.
    ANNUAL_CONFIRMATION_DAYS = 365
    ANNUAL_GRACE_DAYS = 30
    ANNUAL_HIDE_AFTER_DAYS = 90

    # The privacy notice (templates/main/privacy.html). Change the version whenever the
    # notice changes in substance: everyone is asked to agree again at their next sign-in.
    PRIVACY_NOTICE_VERSION = os.environ.get("PRIVACY_NOTICE_VERSION", "2026-12-02")
    # Who decides what is done with the data (the controller), and where to write about it.
    # Default: the platform's secretariat, named in the reader's language.
    PRIVACY_CONTROLLER = os.environ.get("PRIVACY_CONTROLLER")
    # Default: privacy@ the host of SITE_URL.
    PRIVACY_CONTACT_EMAIL = os.environ.get("PRIVACY_CONTACT_EMAIL")
    # Where the database and its backups are kept: an ISO 3166 country code, "EU" for a
    # member state of the European Union, or several separated by commas (e.g. "KZ,EU" for
    # Kazakh citizens' data in Kazakhstan and a copy in the EU). Said in the privacy notice.
    DATA_HOSTING_LOCATION = os.environ.get("DATA_HOSTING_LOCATION", "KZ")
    # Days between an organisation's closure by its admin and the erasure of its people's
    # data (`flask housekeeping`): time to change one's mind or export one's data.
    CLOSURE_GRACE_DAYS = int(os.environ.get("CLOSURE_GRACE_DAYS", "30"))
    # Static files built by `make assets-build` (python -m eukz_platform.assets build): names
    # with a hash of their content, gzip and brotli beside each, served by WhiteNoise under
    # /static/dist/ with a year's immutable caching. Off: static/ served as it is.
    STATIC_BUILD = _bool("STATIC_BUILD", False)
    STATIC_BUILD_DIR = os.environ.get("STATIC_BUILD_DIR", str(BASE_DIR / "static" / "dist"))


class DevelopmentConfig(Config):
    """Local use with ``make run``: debug on, a key kept under instance/."""

    DEBUG = True
    DEFAULT_SITE_URL = "http://127.0.0.1:5000"


class TestingConfig(Config):
    """The test suite: CSRF and rate limits off unless a test turns them on."""

    TESTING = True
    SECRET_KEY = "testing-only-secret-key"
    WTF_CSRF_ENABLED = False
    RATELIMIT_ENABLED = False
    RATELIMIT_STORAGE_URI = "memory://"
    CACHE_TYPE = "SimpleCache"  # each test's app keeps its own pages
    MAIL_BACKEND = "locmem"
    REDIS_URL = None  # a test that wants Redis says so
    CACHE_REDIS_URL = None
    STATIC_BUILD = False
    TASKS_INLINE = True  # background work runs in the request, so tests see its mail
    # Whatever the environment holds: a test that wants the mail queue or Redis says so.
    MAIL_QUEUE_URL = None
    LOG_LEVEL = "WARNING"
    METRICS_TOKEN = None
    METRICS_ALLOW_FROM = None
    DEFAULT_SITE_URL = "http://localhost"


class ProductionConfig(Config):
    """Behind gunicorn: SECRET_KEY must come from the environment."""

    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
    LANGUAGE_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
    PREFERRED_URL_SCHEME = "https"
    SECRETARIAT_2FA_REQUIRED = _bool("SECRETARIAT_2FA_REQUIRED", True)
    # Sent on responses served over HTTPS: browsers then never use plain HTTP for a year.
    HSTS = os.environ.get("HSTS", "max-age=31536000")
    STATIC_BUILD = _bool("STATIC_BUILD", True)


configs = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
