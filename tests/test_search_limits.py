"""What a search may cost, whatever its text: a bounded text, a bounded number of words and of
close names examined, and a per-client limit on searches (the read API and the directory)."""

import random
import string
from urllib.parse import urlencode

import pytest

from eukz_platform import create_app
from eukz_platform.core.vocabulary import OrganisationStatus
from eukz_platform.extensions import db
from eukz_platform.search import MAX_QUERY_LENGTH, MAX_WORDS
from eukz_platform.search.service import CLOSE_MAX_WORDS
from eukz_platform.seeding import ensure_groups_and_contacts

from .conftest import empty_all_tables
from .factories import make_org
from .sql import counting_statements, reads_the_index

VERIFIED = OrganisationStatus.VERIFIED


@pytest.fixture
def directory(app):
    with app.app_context():
        ensure_groups_and_contacts()
        make_org(name="Steppe Green Initiative", country="KZ", city="Almaty", status=VERIFIED)
        make_org(name="Baltic Workers Union", country="LV", status=VERIFIED)


def is_postgresql(app) -> bool:
    with app.app_context():
        return db.engine.dialect.name == "postgresql"


def test_a_search_text_too_long_is_a_clear_400(client, directory):
    for url in ("/api/v1/search", "/api/v1/organisations", "/api/v1/contacts"):
        r = client.get(url, query_string={"q": "steppe " + "x" * MAX_QUERY_LENGTH})
        assert r.status_code == 400 and r.mimetype == "application/json"
        assert r.json == {
            "error": "Bad Request",
            "message": "q: The search text is too long: at most 200 characters.",
        }
    r = client.get("/api/v1/search", query_string={"q": "x" * MAX_QUERY_LENGTH})
    assert r.status_code == 200 and r.json["items"] == []


def test_a_long_nonsense_text_is_one_statement_and_no_close_name_pass(app, client, directory):
    nonsense = "".join(random.Random(1).choices(string.ascii_lowercase, k=MAX_QUERY_LENGTH))
    client.get("/api/v1/search?q=warm")  # the connection prepares its statements once
    with counting_statements(app, with_parameters=True) as sent:
        r = client.get("/api/v1/search", query_string={"q": nonsense})
    assert r.status_code == 200
    assert r.json["items"] == [] and r.json["total"] == 0
    searches = [s for s in sent if reads_the_index(s)]
    assert len(searches) == 1, searches  # the hits statement: no close names looked for


def test_many_words_are_bounded(app, client, directory):
    """Of 30 words, the first MAX_WORDS reach the database, and the close-name pass compares
    the first CLOSE_MAX_WORDS of them (PostgreSQL)."""
    words = [f"w{n:03d}t" for n in range(30)]
    client.get("/api/v1/search?q=warm")
    with counting_statements(app, with_parameters=True) as sent:
        r = client.get("/api/v1/search", query_string={"q": " ".join(words)})
    assert r.status_code == 200 and r.json["total"] == 0
    sql = "\n".join(sent)
    assert all(word in sql for word in words[:MAX_WORDS])
    assert not any(word in sql for word in words[MAX_WORDS:])
    if is_postgresql(app):
        compared = " ".join(words[:CLOSE_MAX_WORDS])
        assert f"'{compared}'" in sql and " ".join(words[: CLOSE_MAX_WORDS + 1]) not in sql


@pytest.fixture
def limited(database_url):
    """An app whose searches are limited to three a minute per client."""
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_SEARCH": "3 per minute",
        }
    )
    with app.app_context():
        ensure_groups_and_contacts()
    yield app
    empty_all_tables(app)
    with app.app_context():
        db.engine.dispose()


def test_searches_are_limited_per_client_across_the_api_and_the_directory(limited):
    client = limited.test_client()
    assert client.get("/api/v1/search?q=steppe").status_code == 200
    assert client.get("/api/v1/organisations?q=union").status_code == 200
    assert client.get("/directory/?q=forum").status_code == 200
    for url in ("/api/v1/search?q=other", "/api/v1/contacts?q=other"):
        r = client.get(url)
        assert r.status_code == 429 and r.mimetype == "application/json"
        assert set(r.json) == {"error", "message"} and int(r.headers["Retry-After"]) > 0
    r = client.get("/directory/?" + urlencode({"q": "other"}))
    assert r.status_code == 429 and "You can try again in" in r.get_data(as_text=True)
    # A page kept for visitors is still served: it costs no search.
    assert client.get("/directory/?q=forum").status_code == 200
    # Another client has its own allowance.
    other = limited.test_client()
    r = other.get("/api/v1/search?q=steppe", environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert r.status_code == 200
    # Pages that do not search are not limited.
    assert client.get("/api/v1/working-groups").status_code == 200


@pytest.mark.parametrize(("hops", "separate"), [(0, False), (1, True)])
def test_behind_a_proxy_each_client_has_its_own_allowance(database_url, hops, separate):
    """With TRUSTED_PROXIES proxies in front, the client is the address they forwarded; with
    none, X-Forwarded-For is whatever the client wrote, and changing it buys nothing."""
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_SEARCH": "1 per minute",
            "TRUSTED_PROXIES": hops,
        }
    )
    client = app.test_client()

    def search_from(address: str) -> int:
        return client.get("/api/v1/search?q=x", headers={"X-Forwarded-For": address}).status_code

    assert search_from("198.51.100.1") == 200
    assert search_from("198.51.100.1") == 429
    assert search_from("198.51.100.2") == (200 if separate else 429)
    with app.app_context():
        db.engine.dispose()


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "per_page: Give a number from 1 to 100, not 500."),
        ("ru", "per_page: Укажите число от 1 до 100, а не 500."),
        ("kk", "per_page: 500 емес, 1-ден 100-ге дейінгі санды беріңіз."),
    ],
)
def test_a_bad_search_parameter_is_explained_in_the_callers_language(client, language, message):
    r = client.get(
        "/api/v1/search", query_string={"per_page": "500"}, headers={"Accept-Language": language}
    )
    assert r.status_code == 400 and r.json["message"] == message
    r = client.get(
        "/api/v1/search", query_string={"sort": "best"}, headers={"Accept-Language": language}
    )
    assert r.status_code == 400 and r.json["message"].startswith("sort: 'best'")
    if language != "en":
        assert "not one of" not in r.json["message"]
