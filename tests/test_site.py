"""The site as a whole: home, directory, error pages, headers, CSRF, rate limits, config."""

import re
import secrets
import time

import pytest

from eukz_platform import create_app
from eukz_platform.auth.models import Role
from eukz_platform.core.vocabulary import OrganisationStatus
from eukz_platform.seeding import ensure_groups_and_contacts

from .conftest import empty_all_tables
from .factories import login, make_org, make_user, registration_form


def test_home_page_says_what_the_platform_is(app, client):
    with app.app_context():
        ensure_groups_and_contacts()
    r = client.get("/")
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert '<html lang="en"' in html
    assert "REX/587" in html and "eesc.europa.eu" in html
    assert "Register your organisation" in html and "Log in" in html
    assert html.count('href="/working-groups/#') == 5
    assert "Educational opportunities for young Kazakhs through Erasmus" in html
    assert html.count("<h1") == 1
    assert 'href="#main-content"' in html and 'id="main-content"' in html


def test_working_groups_page_lists_the_five_priorities(app, client):
    with app.app_context():
        ensure_groups_and_contacts()
    html = client.get("/working-groups/").get_data(as_text=True)
    for slug in (
        "cooperation-structures",
        "raw-materials-mou",
        "erasmus",
        "public-administration-justice",
        "civic-social-dialogue",
    ):
        assert f'id="{slug}"' in html
    assert "Priority 5" in html


def test_pages_are_served_with_a_strict_content_security_policy(client):
    r = client.get("/")
    csp = r.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp and "unsafe-inline" not in csp
    html = r.get_data(as_text=True)
    assert "<script>" not in html and " style=" not in html


def test_directory_lists_organisations_with_their_badge(app, client):
    with app.app_context():
        make_org(name="Awaiting Org")
        make_org(name="Verified Org", status=OrganisationStatus.VERIFIED)
        make_org(name="Rejected Org", status=OrganisationStatus.REJECTED)
        make_org(name="Suspended Org", status=OrganisationStatus.SUSPENDED)
        ensure_groups_and_contacts()
        make_user(org=make_org(status=OrganisationStatus.VERIFIED), email="member@verified.ex")
    html = client.get("/directory/").get_data(as_text=True)
    # A visitor: verified organisations only.
    assert "Awaiting Org" not in html
    assert "Verified Org" in html and "Verified" in html
    assert "Rejected Org" not in html and "Suspended Org" not in html
    assert "Millie Tsoumani" in html and 'href="tel:+3225469088"' in html
    # A person of a verified organisation also sees the one awaiting verification, badged.
    login(client, "member@verified.ex")
    html = client.get("/directory/").get_data(as_text=True)
    assert "Awaiting Org" in html and "Awaiting verification" in html
    assert "Rejected Org" not in html and "Suspended Org" not in html


def test_rejected_organisation_is_seen_only_by_its_own_people_and_the_secretariat(app, client):
    with app.app_context():
        org = make_org(
            name="Rejected Org", status=OrganisationStatus.REJECTED, status_reason="No website"
        )
        make_user(org=org, email="own@rejected.example")
        make_user(role=Role.SECRETARIAT, email="sec@eesc.example")
        make_user(email="other@else.example")
        org_id = org.id
    assert client.get(f"/organisations/{org_id}").status_code == 404
    for email, status in (
        ("other@else.example", 404),
        ("own@rejected.example", 200),
        ("sec@eesc.example", 200),
    ):
        c = client.application.test_client()
        login(c, email)
        r = c.get(f"/organisations/{org_id}")
        assert r.status_code == status, email
        if status == 200:
            assert "No website" in r.get_data(as_text=True)


def test_secretariat_console_is_for_the_secretariat_only(app, client):
    with app.app_context():
        make_user(email="member@example.org")
        make_user(role=Role.SECRETARIAT, email="sec@eesc.example")
        make_org(name="Waiting Org")
    assert client.get("/admin/").status_code == 302
    login(client, "member@example.org")
    assert client.get("/admin/").status_code == 403
    sec = app.test_client()
    login(sec, "sec@eesc.example")
    r = sec.get("/admin/")
    assert r.status_code == 200 and "Waiting Org" in r.get_data(as_text=True)
    assert r.headers["X-Robots-Tag"].startswith("noindex")


@pytest.mark.parametrize(("method", "path", "code"), [("get", "/nowhere", 404), ("post", "/", 405)])
def test_error_pages_use_the_site_layout(client, method, path, code):
    r = getattr(client, method)(path)
    html = r.get_data(as_text=True)
    assert r.status_code == code
    assert str(code) in html and 'id="main-content"' in html and "Privacy notice" in html


def test_unexpected_errors_show_the_500_page(app):
    @app.get("/boom")
    def boom():
        raise RuntimeError("boom")

    r = app.test_client().get("/boom")
    assert r.status_code == 500
    assert "500 — Something went wrong" in r.get_data(as_text=True)
    r = app.test_client().get("/boom", headers={"Accept-Language": "kk"})
    assert "500 — Бірдеңе дұрыс болмады" in r.get_data(as_text=True)


@pytest.mark.parametrize(
    ("language", "title", "words"),
    [
        ("en", "404 — Page not found", "There is no page at this address"),
        ("ru", "404 — Страница не найдена", "По этому адресу нет страницы"),
        ("kk", "404 — Бет табылмады", "Бұл мекенжайда бет жоқ"),
    ],
)
def test_error_pages_speak_the_readers_language(client, language, title, words):
    html = client.get("/nowhere", headers={"Accept-Language": language}).get_data(as_text=True)
    assert title in html and words in html
    assert "Not Found" not in html and "requested URL" not in html


@pytest.mark.parametrize(("method", "path", "code"), [("post", "/", 405), ("get", "/nowhere", 404)])
def test_no_english_error_name_is_left_on_a_russian_page(client, method, path, code):
    html = getattr(client, method)(path, headers={"Accept-Language": "ru"}).get_data(as_text=True)
    title = re.search(r"<h1>(.*?)</h1>", html).group(1)
    assert str(code) in title and not re.search(r"[A-Za-z]", title)


def test_forms_refuse_a_post_without_csrf_token(database_url):
    app = create_app(
        {"TESTING": True, "WTF_CSRF_ENABLED": True, "SQLALCHEMY_DATABASE_URI": database_url}
    )
    client = app.test_client()
    page = client.get("/organisations/register").get_data(as_text=True)
    assert 'name="csrf_token"' in page
    r = client.post("/organisations/register", data=registration_form())
    assert r.status_code == 400
    assert "reload the page and send it again" in r.get_data(as_text=True)


@pytest.mark.parametrize(
    ("language", "words"),
    [("en", "reload the page"), ("ru", "перезагрузите страницу"), ("kk", "бетті қайта жүктеп")],
)
def test_a_refused_form_says_why_and_what_to_do_in_the_readers_language(
    database_url, language, words
):
    app = create_app(
        {"TESTING": True, "WTF_CSRF_ENABLED": True, "SQLALCHEMY_DATABASE_URI": database_url}
    )
    client = app.test_client()
    client.get("/organisations/register")
    r = client.post(
        "/organisations/register",
        data={**registration_form(), "csrf_token": "forged"},
        headers={"Accept-Language": language},
    )
    assert r.status_code == 400
    html = r.get_data(as_text=True)
    assert words in html
    assert "CSRF" not in html


def test_a_form_left_open_too_long_says_it_expired(database_url):
    app = create_app(
        {
            "TESTING": True,
            "WTF_CSRF_ENABLED": True,
            "WTF_CSRF_TIME_LIMIT": 1,
            "SQLALCHEMY_DATABASE_URI": database_url,
        }
    )
    client = app.test_client()
    page = client.get("/organisations/register").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    time.sleep(2)
    r = client.post("/organisations/register", data={**registration_form(), "csrf_token": token})
    assert r.status_code == 400
    assert "open too long and has expired" in r.get_data(as_text=True)


def test_registration_is_rate_limited_with_the_form_saying_when_to_retry(database_url):
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_REGISTER": "2 per hour",
        }
    )
    try:
        client = app.test_client()
        # An address of its own: nothing another test of this process sent counts against it.
        client.environ_base["REMOTE_ADDR"] = f"203.0.113.{secrets.randbelow(250) + 1}"
        for i in range(2):
            r = client.post(
                "/organisations/register",
                data=registration_form(
                    name=f"Union {i}", acronym="", website="", email=f"x{i}@example.org"
                ),
            )
            assert r.status_code == 302
            client.post("/auth/logout")
        r = client.post("/organisations/register", data=registration_form(name="Third Union"))
        assert r.status_code == 429
        assert int(r.headers["Retry-After"]) > 0
        page = r.get_data(as_text=True)
        assert "You can register in" in page
        assert 'value="Third Union"' in page
    finally:
        empty_all_tables(app)


def test_login_is_rate_limited(database_url):
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_LOGIN": "3 per minute",
        }
    )
    client = app.test_client()
    codes = [login(client, "x@example.org", "wrong password").status_code for _ in range(4)]
    assert codes == [422, 422, 422, 429]


def test_production_refuses_to_start_without_secret_key(monkeypatch):
    from config import ProductionConfig

    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", None)
    monkeypatch.delenv("FLASK_SECRET_KEY", raising=False)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(ProductionConfig)


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("ru", "Вы отправили слишком много запросов за короткое время."),
        ("kk", "Сіз қысқа уақыт ішінде тым көп сұрау жібердіңіз."),
    ],
)
def test_the_too_many_requests_page_says_why_in_the_reader_s_language(
    database_url, language, message
):
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_LOGIN": "1 per minute",
        }
    )
    client = app.test_client()
    client.set_cookie("lang", language)
    login(client, "x@example.org", "wrong password")
    r = login(client, "x@example.org", "wrong password")
    assert r.status_code == 429
    page = r.get_data(as_text=True)
    assert message in page
    assert "per 1 minute" not in page
