"""Two servers, one PostgreSQL database and one Redis: what one does, the other knows.

Two gunicorn instances (gunicorn.conf.py, production settings) on two ports share the
database and a Redis database of their own: a session made on one is valid on the other, rate
limits count the requests to both, an organisation registered on one is found on the other at
once, and a page kept by one is served by both until the index changes, then by neither.
Runs when TEST_DATABASE_URL is PostgreSQL and Redis answers at 127.0.0.1:6379.
"""

import os
import pickle
import re

import pytest
import redis
import requests
from sqlalchemy.engine import make_url

from eukz_platform import create_app
from eukz_platform.auth.models import Role
from eukz_platform.core.vocabulary import OrganisationStatus
from eukz_platform.extensions import db

from .conftest import pg_database_for
from .factories import PASSWORD, make_org, make_user, registration_form
from .servers import build_static, gunicorn, production_settings, run_flask

# Redis databases of these tests' own (one per xdist worker), emptied before and after.
REDIS_URL = "redis://127.0.0.1:6379/{number}"


def redis_url(worker_id: str) -> str:
    worker = int(worker_id[2:]) if worker_id.startswith("gw") else 0
    return REDIS_URL.format(number=13 - worker % 4)


def _skip_reason() -> str | None:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url or make_url(url).get_backend_name() != "postgresql":
        return "scale-out needs PostgreSQL: set TEST_DATABASE_URL=postgresql+psycopg://…"
    try:
        redis.Redis.from_url(redis_url("master"), socket_connect_timeout=0.5).ping()
    except redis.RedisError:
        return "scale-out needs Redis at 127.0.0.1:6379 (apt-get install redis-server)"
    return None


pytestmark = [
    pytest.mark.scaleout,
    pytest.mark.skipif(_skip_reason() is not None, reason=str(_skip_reason())),
]


@pytest.fixture(scope="module")
def two_servers(tmp_path_factory, worker_id):
    """Servers A and B on one database (migrated, seeded, with one organisation's admin)."""
    url = pg_database_for(f"scaleout_{worker_id}")
    run_flask(url, "db", "upgrade")
    run_flask(url, "seed")
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        org = make_org(name="Irtysh Civic Forum", status=OrganisationStatus.VERIFIED)
        make_user(org=org, role=Role.ADMIN, email="admin@irtysh.example")
        db.engine.dispose()
    store = redis.Redis.from_url(redis_url(worker_id))
    store.flushdb()
    settings = production_settings(
        url,
        build_static(tmp_path_factory),
        REDIS_URL=redis_url(worker_id),
        FLASK_RATELIMIT_LOGIN="5 per minute",
    )
    with gunicorn(settings) as a, gunicorn(settings) as b:
        yield a, b, store
    store.flushdb()
    store.close()
    drop_database(url)


def drop_database(url: str) -> None:
    from sqlalchemy import create_engine, text

    name = make_url(url).database
    engine = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def csrf_token(session: requests.Session, url: str) -> str:
    page = session.get(url, timeout=10)
    assert page.status_code == 200, page.text
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text).group(1)


def log_in(session: requests.Session, base: str, password: str = PASSWORD):
    token = csrf_token(session, f"{base}/auth/login")
    return session.post(
        f"{base}/auth/login",
        data={"email": "admin@irtysh.example", "password": password, "csrf_token": token},
        allow_redirects=False,
        timeout=10,
    )


def register(base: str, **fields) -> requests.Response:
    person = requests.Session()
    token = csrf_token(person, f"{base}/organisations/register")
    return person.post(
        f"{base}/organisations/register",
        data={**registration_form(**fields), "csrf_token": token},
        allow_redirects=False,
        timeout=30,
    )


def words(response: requests.Response) -> str:
    """The page's text, without its markup (matched words are highlighted)."""
    return re.sub(r"<[^>]+>", "", response.text)


def signed_in(response: requests.Response) -> bool:
    return "site-header__logout" in response.text


def test_a_session_made_on_one_server_is_valid_on_the_other(two_servers):
    a, b, _ = two_servers
    person = requests.Session()
    assert log_in(person, a).status_code == 302
    assert signed_in(person.get(f"{a}/", timeout=10))
    on_b = person.get(f"{b}/", timeout=10)
    assert signed_in(on_b)
    assert on_b.headers["Cache-Control"] == "private, no-store"
    # and the form posted to B with the token that A's page gave: CSRF holds across them
    token = csrf_token(person, f"{a}/working-groups/notifications")
    out = person.post(f"{b}/auth/logout", data={"csrf_token": token}, allow_redirects=False)
    assert out.status_code == 302
    assert not signed_in(person.get(f"{a}/", timeout=10))
    assert not signed_in(requests.get(f"{b}/", timeout=10))


def test_rate_limits_count_the_requests_to_both_servers(two_servers):
    a, b, store = two_servers
    for key in store.scan_iter("*LIMITER*"):
        store.delete(key)
    client = requests.Session()
    codes = [log_in(client, base, "wrong password").status_code for base in (a, b, a, b, a)]
    assert codes == [422] * 5  # three on A and two on B: five, the limit
    assert log_in(client, b, "wrong password").status_code == 429
    assert log_in(client, a, "wrong password").status_code == 429
    assert any(store.scan_iter("*LIMITER*"))  # the counters are in the shared Redis
    for key in store.scan_iter("*LIMITER*"):
        store.delete(key)


def test_an_organisation_registered_on_one_is_found_on_the_other_at_once(two_servers):
    a, b, store = two_servers
    done = register(
        a,
        name="Zharkyn Scaleout Union",
        acronym="ZSU",
        website="https://zharkyn.example.kz",
        email="aigul@zharkyn.example.kz",
    )
    assert done.status_code == 302, done.text
    # Awaiting verification: listed at once for people of verified organisations, on B too,
    # and for nobody else until the secretariat verifies it.
    for key in store.scan_iter("*LIMITER*"):  # log-ins counted by the other tests
        store.delete(key)
    member = requests.Session()
    assert log_in(member, b).status_code == 302
    found = member.get(f"{b}/directory/", params={"q": "Zharkyn"}, timeout=10)
    assert found.status_code == 200 and signed_in(found)
    assert "Zharkyn Scaleout Union" in words(found)
    visitor = requests.get(f"{b}/directory/", params={"q": "Zharkyn"}, timeout=10)
    assert "Zharkyn Scaleout Union" not in words(visitor)
    api = requests.get(f"{b}/api/v1/search", params={"q": "Zharkyn"}, timeout=10).json()
    assert api["items"] == []


def test_a_page_kept_by_one_is_served_by_both_and_dropped_by_both(two_servers):
    a, b, store = two_servers
    query = {"q": "Tulpar"}
    before = set(store.scan_iter("eukz:directory:*"))
    first = requests.get(f"{a}/directory/", params=query, timeout=10)
    assert first.status_code == 200 and "Tulpar Riverside" not in words(first)
    kept = list(set(store.scan_iter("eukz:directory:*")) - before)
    assert len(kept) == 1  # kept in the shared Redis, by A
    # What B serves for the same address is the page A kept: marked here to be recognised.
    store.set(kept[0], b"!" + pickle.dumps("<p>the page kept by A</p>"), keepttl=True)
    assert requests.get(f"{b}/directory/", params=query, timeout=10).text == (
        "<p>the page kept by A</p>"
    )
    # A registration on B changes the index: both servers compute the page again.
    done = register(
        b,
        name="Tulpar Riverside Foundation",
        acronym="TRF",
        website="https://tulpar.example.kz",
        email="erlan@tulpar.example.kz",
    )
    assert done.status_code == 302, done.text
    for key in store.scan_iter("*LIMITER*"):  # log-ins counted by the other tests
        store.delete(key)
    for base in (a, b):
        page = requests.get(f"{base}/directory/", params=query, timeout=10)
        assert page.status_code == 200 and "the page kept by A" not in page.text, base
        # Computed again: the new organisation awaits verification, so a visitor's page does
        # not list it, and a member's does.
        assert "Tulpar Riverside Foundation" not in words(page), base
        member = requests.Session()
        assert log_in(member, base).status_code == 302
        page = member.get(f"{base}/directory/", params=query, timeout=10)
        assert "Tulpar Riverside Foundation" in words(page), base
