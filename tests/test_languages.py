"""Choosing a language: the header's switcher, the cookie and the account, Accept-Language,
mail in each person's language, and pages kept for visitors in each language apart."""

import re

import pytest
from flask_babel import gettext as _
from sqlalchemy import select

from eukz_platform import mailing
from eukz_platform.auth.models import Role, User
from eukz_platform.core.vocabulary import OrganisationStatus
from eukz_platform.extensions import db
from eukz_platform.seeding import ensure_groups_and_contacts

from .factories import login, make_org, make_user, registration_form
from .sql import counting_statements, reads_the_index

NAMES = {"en": "English", "ru": "Русский", "kk": "Қазақша"}
LOG_IN = {"en": "Log in", "ru": "Войти", "kk": "Кіру"}


def html_lang(html: str) -> str:
    return re.search(r'<html lang="([^"]+)"', html).group(1)


def language_links(html: str) -> dict[str, str]:
    """code → the markup of its link in the header's language list."""
    links = re.findall(r"<a [^>]*ecl-site-header__language-link[^>]*>.*?</a>", html, re.S)
    return {re.search(r'hreflang="([^"]+)"', link).group(1): link for link in links}


def cookie(response, name: str) -> str | None:
    """The Set-Cookie header of this cookie, or None."""
    found = [c for c in response.headers.getlist("Set-Cookie") if c.startswith(f"{name}=")]
    return found[0] if found else None


def user_locale(app, email: str) -> str | None:
    with app.app_context():
        return db.session.scalar(select(User.locale).where(User.email == email))


# The switcher ---------------------------------------------------------------------------


def test_the_switcher_lists_the_three_languages_each_in_its_own(client):
    html = client.get("/").get_data(as_text=True)
    links = language_links(html)
    assert list(links) == ["en", "ru", "kk"]
    for code, link in links.items():
        assert f'href="/language/{code}?next=/"' in link
        assert f'<span class="ecl-site-header__language-link-label" lang="{code}">' in link
        assert NAMES[code] in link
    assert 'aria-current="true"' in links["en"]
    assert "aria-current" not in links["ru"] + links["kk"]
    # It works without JavaScript: plain links, in a list the address's #fragment opens.
    assert 'href="#site-language"' in html


def test_choosing_russian_keeps_it_in_a_cookie_and_the_next_page_is_russian(client):
    r = client.get("/language/ru?next=/working-groups/")
    assert r.status_code == 302 and r.headers["Location"] == "/working-groups/"
    kept = cookie(r, "lang")
    assert kept.startswith("lang=ru;")
    assert "Max-Age=31536000" in kept and "SameSite=Lax" in kept and "HttpOnly" in kept
    html = client.get("/working-groups/").get_data(as_text=True)
    assert html_lang(html) == "ru"
    assert "Рабочие группы" in html and "Working groups" not in html
    links = language_links(html)
    assert 'aria-current="true"' in links["ru"] and "aria-current" not in links["en"]


def test_the_choice_comes_back_to_the_same_page_with_its_search(client):
    r = client.get("/language/kk", query_string={"next": "/directory/?q=Almaty&sort=name"})
    assert r.headers["Location"] == "/directory/?q=Almaty&sort=name"
    assert client.get("/language/kk?next=https://evil.example/").headers["Location"] == "/"


def test_the_switcher_links_come_back_to_the_page_and_its_query(client):
    html = client.get("/working-groups/?x=1").get_data(as_text=True)
    assert 'href="/language/ru?next=/working-groups/?x%3D1"' in language_links(html)["ru"]


@pytest.mark.parametrize("code", ["de", "xx", "EN", "ru-RU"])
def test_an_unknown_language_is_a_404_and_sets_nothing(client, code):
    r = client.get(f"/language/{code}")
    assert r.status_code == 404
    assert cookie(r, "lang") is None


def test_the_production_cookie_is_secure_as_the_session_cookie_is():
    from config import ProductionConfig

    assert ProductionConfig.LANGUAGE_COOKIE_SECURE == ProductionConfig.SESSION_COOKIE_SECURE


# Without a choice: Accept-Language, else English ----------------------------------------


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, "en"),
        ("kk", "kk"),
        ("kk-KZ,kk;q=0.9", "kk"),
        ("de-DE,de;q=0.9,ru;q=0.8,en;q=0.5", "ru"),
        ("de, fr", "en"),
    ],
)
def test_without_a_choice_the_browser_s_language_applies(client, accept, expected):
    headers = {"Accept-Language": accept} if accept else {}
    html = client.get("/auth/login", headers=headers).get_data(as_text=True)
    assert html_lang(html) == expected
    assert f">{LOG_IN[expected]}<" in html or f"{LOG_IN[expected]}</" in html


def test_a_choice_wins_over_the_browser_s_language(client):
    client.get("/language/en")
    html = client.get("/", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert html_lang(html) == "en"


def test_dates_and_numbers_follow_the_language(app):
    from flask_babel import format_date, format_number

    from eukz_platform.database import utcnow

    with app.test_request_context(headers={"Accept-Language": "ru"}):
        assert format_number(12345) in {"12\u00a0345", "12 345", "12\u202f345"}
        assert format_date(utcnow().replace(month=3, day=1), "d MMMM") == "1 марта"


# A signed-in person's language: kept in their account ------------------------------------


def test_a_signed_in_person_s_choice_is_kept_in_their_account_and_survives_a_new_session(app):
    with app.app_context():
        make_user(email="dana@example.org")
    first = app.test_client()
    login(first, "dana@example.org")
    first.get("/language/kk")
    assert user_locale(app, "dana@example.org") == "kk"
    first.post("/auth/logout")

    fresh = app.test_client()  # another browser: no cookie, an English-speaking one
    r = login(fresh, "dana@example.org")
    assert cookie(r, "lang").startswith("lang=kk;")
    html = fresh.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert html_lang(html) == "kk"
    # Signed out, the browser keeps the account's language.
    fresh.post("/auth/logout")
    assert html_lang(fresh.get("/").get_data(as_text=True)) == "kk"


def test_signing_in_without_an_account_language_keeps_the_one_being_read(app, client):
    with app.app_context():
        make_user(email="aigerim@example.org", locale=None)
    client.get("/language/ru")
    login(client, "aigerim@example.org")
    assert user_locale(app, "aigerim@example.org") == "ru"


def test_registering_in_russian_gives_a_russian_account_and_confirmation_mail(app, client, outbox):
    client.get("/language/ru")
    r = client.post("/organisations/register", data=registration_form())
    assert r.status_code == 302
    assert user_locale(app, "aigerim@steppe-green.kz") == "ru"
    assert outbox[0].subject == "Подтвердите адрес электронной почты"
    assert "Здравствуйте, Aigerim Nurlanovna!" in outbox[0].body


# Mail in each person's language ---------------------------------------------------------


def test_a_password_reset_for_a_russian_speaker_is_in_russian(app, client, outbox):
    with app.app_context():
        make_user(email="ivan@example.org", full_name="Иван Петров", locale="ru")
    client.post("/auth/forgot-password", data={"email": "ivan@example.org"})  # an English page
    assert len(outbox) == 1
    assert outbox[0].subject == "Сброс пароля"
    assert "Здравствуйте, Иван Петров!" in outbox[0].body
    assert "Someone asked" not in outbox[0].body and "Кто-то запросил" in outbox[0].body


def test_a_person_without_a_language_gets_the_site_s_default(app, client, outbox):
    with app.app_context():
        make_user(email="old@example.org", locale=None)
    client.post("/auth/forgot-password", data={"email": "old@example.org"})
    assert outbox[0].subject == "Reset your password"


def test_mail_to_several_people_goes_out_once_per_language(app, outbox):
    with app.test_request_context(headers={"Accept-Language": "kk"}):
        org = make_org(status=OrganisationStatus.VERIFIED)
        people = [
            make_user(org=org, email="a@example.org", locale="ru"),
            make_user(org=org, email="b@example.org", locale="kk"),
            make_user(org=org, email="c@example.org", locale="ru"),
            make_user(org=org, email="d@example.org", locale=None),
        ]
        assert mailing.send(
            people,
            lambda: _("Reset your password"),
            "reset_password",
            user=people[0],
            link="http://localhost/x",
            minutes=60,
        )
        assert _("Reset your password") == "Құпиясөзді қалпына келтіру"  # the page's, as before
    by_subject = {m.subject: sorted(m.to) for m in outbox}
    assert by_subject == {
        "Сброс пароля": ["a@example.org", "c@example.org"],
        "Құпиясөзді қалпына келтіру": ["b@example.org"],
        "Reset your password": ["d@example.org"],
    }


def test_a_membership_decision_reaches_each_admin_in_their_language(app, outbox):
    from eukz_platform.groups import membership
    from eukz_platform.groups.models import WorkingGroup

    with app.app_context():
        ensure_groups_and_contacts()
        org = make_org(status=OrganisationStatus.VERIFIED)
        admin = make_user(org=org, role=Role.ADMIN, email="ru@example.org", locale="ru")
        make_user(org=org, role=Role.ADMIN, email="en@example.org", locale="en")
        group = db.session.scalar(select(WorkingGroup).where(WorkingGroup.slug == "erasmus"))
        secretariat = make_user(role=Role.SECRETARIAT)
        with app.test_request_context(headers={"Accept-Language": "kk"}):
            row = membership.request_membership(org, group, by=admin)
            membership.approve(row, by=secretariat)
    subjects = {m.to[0]: m.subject for m in outbox}
    assert len(outbox) == 2
    assert subjects["en@example.org"].startswith("Your request to join")
    assert subjects["ru@example.org"].startswith("Ваша заявка на вступление в «")


# Pages kept for visitors, and what caches are told ---------------------------------------


@pytest.fixture
def directory(app):
    with app.app_context():
        ensure_groups_and_contacts()
        make_org(name="Steppe Green Initiative", city="Almaty", status=OrganisationStatus.VERIFIED)


def test_a_russian_visitor_never_gets_a_directory_page_kept_for_an_english_one(app, directory):
    english, russian, by_header = app.test_client(), app.test_client(), app.test_client()
    russian.get("/language/ru")
    en_first = english.get("/directory/?q=Almaty").get_data(as_text=True)
    assert html_lang(en_first) == "en" and "Steppe Green Initiative" in en_first
    ru_page = russian.get("/directory/?q=Almaty").get_data(as_text=True)
    assert html_lang(ru_page) == "ru" and "Справочник" in ru_page and ">Directory<" not in ru_page
    assert "Steppe Green Initiative" in ru_page
    # Each is kept, apart: served again from the cache, in its own language.
    for client, lang, headers in (
        (english, "en", {}),
        (russian, "ru", {}),
        (by_header, "ru", {"Accept-Language": "ru"}),
        (english, "en", {}),
    ):
        with counting_statements(app) as statements:
            html = client.get("/directory/?q=Almaty", headers=headers).get_data(as_text=True)
        assert html_lang(html) == lang
        assert not any(reads_the_index(s) for s in statements), statements
    assert english.get("/directory/?q=Almaty").get_data(as_text=True) == en_first


def test_a_kept_page_s_language_links_come_back_to_its_search_only(app, directory):
    client = app.test_client()
    html = client.get("/directory/?q=Almaty&utm_source=mail").get_data(as_text=True)
    assert "utm_source" not in language_links(html)["ru"]
    assert "q%3DAlmaty" in language_links(html)["ru"]


@pytest.mark.parametrize("path", ["/", "/directory/", "/auth/login", "/working-groups/"])
def test_pages_in_a_language_say_they_vary_with_it(app, client, path):
    vary = client.get(path).headers.get("Vary", "")
    assert "Accept-Language" in vary and "Cookie" in vary


def test_a_kept_page_says_it_varies_too(app, client, directory):
    client.get("/directory/?q=Almaty")
    vary = client.get("/directory/?q=Almaty").headers.get("Vary", "")
    assert "Accept-Language" in vary and "Cookie" in vary


def test_static_files_do_not_vary_with_the_language(client):
    assert "Accept-Language" not in client.get("/static/css/site.css").headers.get("Vary", "")


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "No organisation has the id 999999."),
        ("ru", "Нет организации с идентификатором 999999."),
        ("kk", "999999 идентификаторы бар ұйым жоқ."),
    ],
)
def test_an_api_error_says_its_message_in_the_readers_language(client, language, message):
    r = client.get("/api/v1/organisations/999999", headers={"Accept-Language": language})
    assert r.status_code == 404
    body = r.get_json()
    assert body["error"] == "Not Found"  # for programs: the same in every language
    assert body["message"] == message


def test_an_api_error_without_words_of_its_own_is_said_in_the_readers_language(client):
    r = client.get("/api/v1/no-such-thing", headers={"Accept-Language": "kk"})
    assert r.status_code == 404
    assert r.get_json() == {
        "error": "Not Found",
        "message": "Бұл мекенжайда бет жоқ немесе ол Сізге көрсетілмейді. Мекенжайды тексеріңіз.",
    }


def test_templates_follow_a_language_forced_for_a_mail_and_come_back(app):
    """A request answered in Russian that writes a mail in Kazakh (force_locale): the mail's
    words are Kazakh, the page's before and after are Russian."""
    from flask import render_template_string
    from flask_babel import force_locale

    words = "{{ _('Search') }} {{ ngettext('%(num)d result', '%(num)d results', 2) }}"
    with app.test_request_context("/", headers={"Accept-Language": "ru"}):
        assert render_template_string(words).startswith("Поиск")
        with force_locale("kk"):
            assert render_template_string(words).startswith("Іздеу")
        with force_locale("en"):
            assert render_template_string(words) == "Search 2 results"
        assert render_template_string(words).startswith("Поиск")


def test_template_messages_are_translated_escaped_and_filled_as_jinja_writes_them(app):
    """``_``, ``gettext``, ``ngettext`` and ``{% trans %}`` in templates (languages.py): the
    page's language, values escaped, any value's name allowed, a literal percent as ``%%``."""
    from flask import render_template_string

    source = (
        '{{ _("Log in") }}|{{ gettext("%(string)s and %(n)s", string="<b>", n=2) }}|'
        '{{ ngettext("%(num)s result", "%(num)s results", 3, num="3", n="x") }}|'
        "{% trans %}Log in{% endtrans %}|"
        '{{ _("100%%") }}'
    )
    with app.test_request_context("/", headers={"Accept-Language": "ru"}):
        html = render_template_string(source)
    assert html == "Войти|&lt;b&gt; and 2|3 результата|Войти|100%"


# The shared macros' words (pagination, the required mark, the error summary) ------------------


@pytest.mark.parametrize(
    ("language", "page_of", "previous", "required", "problem"),
    [
        ("ru", "Страница 2 из 3", "Назад", "обязательно", "Обнаружены ошибки"),
        ("kk", "3 беттің 2-беті", "Алдыңғы", "міндетті", "Қателер бар"),
    ],
)
def test_pagination_and_form_errors_are_in_the_reader_s_language(
    app, client, language, page_of, previous, required, problem
):
    with app.app_context():
        for i in range(3):
            make_org(name=f"Civic Union {i}", country="KZ", status=OrganisationStatus.VERIFIED)
    client.set_cookie("lang", language)
    page = client.get("/directory/?country=KZ&per_page=1&page=2").get_data(as_text=True)
    nav = re.search(r'<nav class="ecl-pagination.*?</nav>', page, re.S).group(0)
    assert f'aria-current="page">{page_of}<' in nav
    assert f'<span class="ecl-link__label">{previous}</span>' in nav
    assert "Previous" not in nav and "Go to page" not in nav and "Next" not in nav
    r = client.post("/auth/login", data={})
    form = r.get_data(as_text=True)
    assert r.status_code == 422
    assert f'aria-label="{required}">*</span>' in form
    assert problem in form and "There is a problem" not in form
