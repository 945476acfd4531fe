"""Content in English, Russian and Kazakh: the seeded groups, announcements and meetings."""

import re

from sqlalchemy import delete, select

from eukz_platform.database import utcnow
from eukz_platform.extensions import db
from eukz_platform.groups.models import Announcement, WorkingGroup, WorkingGroupTranslation
from eukz_platform.seeding import GROUP_TEXTS, SeedRecord

from .factories import login, make_user
from .test_groups_support import add_member, make_coordinator, make_group

CYRILLIC = re.compile(r"[А-Яа-яЁёӘәҒғҚқҢңӨөҰұҮүҺһІі]")
KAZAKH_LETTERS = re.compile(r"[ӘәҒғҚқҢңӨөҰұҮүҺһІі]")


def _texts(app, slug):
    with app.app_context():
        rows = db.session.scalars(
            select(WorkingGroupTranslation).join(WorkingGroup).where(WorkingGroup.slug == slug)
        )
        return {row.locale: (row.title, row.purpose) for row in rows}


def test_the_seed_writes_every_group_in_three_languages(app, runner, client):
    runner.invoke(args=["seed"])
    for slug in GROUP_TEXTS:
        texts = _texts(app, slug)
        assert sorted(texts) == ["en", "kk", "ru"]
        for locale in ("ru", "kk"):
            title, purpose = texts[locale]
            assert CYRILLIC.search(title) and CYRILLIC.search(purpose)
            assert title != texts["en"][0]
        assert KAZAKH_LETTERS.search(texts["kk"][1])
    page = client.get("/working-groups/erasmus", headers={"Accept-Language": "kk"}).get_data(
        as_text=True
    )
    assert "қазақстандық жастарға арналған білім беру мүмкіндіктері" in page
    page = client.get("/working-groups/erasmus", headers={"Accept-Language": "ru"}).get_data(
        as_text=True
    )
    assert "Образовательные возможности для молодых казахстанцев" in page
    page = client.get("/working-groups/erasmus", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )
    assert "Educational opportunities for young Kazakhs through Erasmus" in page


def test_groups_seeded_in_english_only_get_their_translations_once(app, runner):
    runner.invoke(args=["seed"])
    with app.app_context():
        # A database seeded before the translations existed: English only, no record of them.
        db.session.execute(
            delete(WorkingGroupTranslation).where(WorkingGroupTranslation.locale != "en")
        )
        db.session.execute(delete(SeedRecord).where(SeedRecord.kind == "group_text"))
        # The secretariat already wrote its own Russian title for one group.
        group = db.session.scalar(select(WorkingGroup).where(WorkingGroup.slug == "erasmus"))
        group.translations.append(
            WorkingGroupTranslation(locale="ru", title="Наш Erasmus", purpose="Наш текст")
        )
        db.session.commit()
    assert "9 rows added" in runner.invoke(args=["seed"]).output
    assert _texts(app, "erasmus")["ru"] == ("Наш Erasmus", "Наш текст")
    assert _texts(app, "erasmus")["kk"] == GROUP_TEXTS["erasmus"]["kk"]
    assert _texts(app, "raw-materials-mou")["ru"] == GROUP_TEXTS["raw-materials-mou"]["ru"]
    # A translation the secretariat removes stays removed.
    with app.app_context():
        db.session.execute(
            delete(WorkingGroupTranslation).where(WorkingGroupTranslation.locale == "kk")
        )
        db.session.commit()
    assert "0 rows added" in runner.invoke(args=["seed"]).output
    assert "kk" not in _texts(app, "erasmus")


# Announcements and meetings ---------------------------------------------------------------


def _group_with_readers(app):
    """The erasmus group, its EU co-chair, and a subscriber per language (and one without)."""
    with app.app_context():
        group = make_group(slug="erasmus")
        make_coordinator(group, "eu", email="chair@eu.example")
        member = add_member(group, name="Member Org")
        for locale in ("en", "ru", "kk", None):
            make_user(
                org=member,
                email=f"{locale or 'none'}@member.example",
                locale=locale,
                notify_group_updates=True,
            )
        return group.id


ANNOUNCEMENT = {
    "title": "Call for partners",
    "body": "We look for partners for the Erasmus exchange.",
    "title_ru": "Поиск партнёров",
    "body_ru": "Мы ищем партнёров для обмена по программе Erasmus.",
    "title_kk": "Серіктестер іздейміз",
    "body_kk": "Erasmus алмасуына серіктестер іздейміз.",
}


def test_an_announcement_in_three_languages_is_read_and_mailed_in_each(app, client, outbox):
    _group_with_readers(app)
    login(client, "chair@eu.example")
    page = client.get("/working-groups/erasmus/announcements/new").get_data(as_text=True)
    assert "Russian version" in page and "Kazakh version" in page
    assert 'for="title_ru"' in page and 'for="body_kk"' in page
    r = client.post("/working-groups/erasmus/announcements/new", data=ANNOUNCEMENT)
    assert r.status_code == 302
    mails = {message.to[0]: message for message in outbox}
    assert sorted(mails) == [f"{x}@member.example" for x in ("en", "kk", "none", "ru")]
    assert "Поиск партнёров" in mails["ru@member.example"].subject
    assert "Мы ищем партнёров" in mails["ru@member.example"].body
    assert "Серіктестер іздейміз" in mails["kk@member.example"].subject
    assert "Erasmus алмасуына серіктестер іздейміз." in mails["kk@member.example"].body
    for english in ("en@member.example", "none@member.example"):
        assert "Call for partners" in mails[english].subject
        assert "We look for partners" in mails[english].body
    reader = app.test_client()
    for language, words in (("ru", "Мы ищем партнёров"), ("kk", "Серіктестер іздейміз")):
        html = reader.get(
            "/working-groups/erasmus", headers={"Accept-Language": language}
        ).get_data(as_text=True)
        assert words in html and "Call for partners" not in html
    html = reader.get("/working-groups/erasmus").get_data(as_text=True)
    assert "Call for partners" in html and "Поиск партнёров" not in html


def test_without_a_version_the_english_announcement_is_shown(app, client, outbox):
    _group_with_readers(app)
    login(client, "chair@eu.example")
    data = {**ANNOUNCEMENT, "title_kk": "", "body_kk": ""}
    client.post("/working-groups/erasmus/announcements/new", data=data)
    html = (
        app.test_client()
        .get("/working-groups/erasmus", headers={"Accept-Language": "kk"})
        .get_data(as_text=True)
    )
    assert "Call for partners" in html and "We look for partners" in html
    kazakh = next(m for m in outbox if m.to == ["kk@member.example"])
    assert "Call for partners" in kazakh.subject


def test_a_version_needs_its_title_and_its_text(app, client):
    _group_with_readers(app)
    login(client, "chair@eu.example")
    data = {**ANNOUNCEMENT, "body_ru": "", "title_kk": ""}
    r = client.post("/working-groups/erasmus/announcements/new", data=data)
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    assert 'id="body_ru-error"' in html and 'id="title_kk-error"' in html
    assert 'value="Поиск партнёров"' in html
    with app.app_context():
        assert db.session.scalar(select(Announcement.id)) is None


def test_a_meeting_in_three_languages_on_its_page_in_mail_and_calendar(app, client, outbox):
    _group_with_readers(app)
    login(client, "chair@eu.example")
    year = utcnow().year + 1
    r = client.post(
        "/working-groups/erasmus/meetings/new",
        data={
            "title": "Round table in Almaty",
            "timezone": "Asia/Almaty",
            "starts_at": f"{year}-06-03T10:00",
            "ends_at": f"{year}-06-03T12:30",
            "mode": "in_person",
            "place": "Almaty, Abai Avenue 10",
            "agenda": "1. Welcome",
            "title_ru": "Круглый стол в Алматы",
            "agenda_ru": "1. Приветствие",
            "title_kk": "Алматыдағы дөңгелек үстел",
        },
    )
    assert r.status_code == 302
    path = r.headers["Location"]
    reader = app.test_client()
    html = reader.get(path, headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert "Круглый стол в Алматы" in html and "1. Приветствие" in html
    html = reader.get(path, headers={"Accept-Language": "kk"}).get_data(as_text=True)
    # No Kazakh agenda: the English one is shown.
    assert "Алматыдағы дөңгелек үстел" in html and "1. Welcome" in html
    ics = reader.get(f"{path}.ics", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert "SUMMARY:Круглый стол в Алматы" in ics
    ics = reader.get(f"{path}.ics").get_data(as_text=True)
    assert "SUMMARY:Round table in Almaty" in ics
    mails = {message.to[0]: message for message in outbox}
    assert "Круглый стол в Алматы" in mails["ru@member.example"].subject
    assert "Алматыдағы дөңгелек үстел" in mails["kk@member.example"].body
    assert "Round table in Almaty" in mails["en@member.example"].body
    # The edit form gives the versions back.
    html = client.get(f"{path}/edit").get_data(as_text=True)
    assert 'value="Круглый стол в Алматы"' in html


# Words that read differently by sense, and sentences kept whole -------------------------------


def test_ambiguous_words_take_the_word_of_their_sense(app, client):
    _group_with_readers(app)
    client.get("/language/ru")
    login(client, "chair@eu.example")
    announcement = client.get("/working-groups/erasmus/announcements/new").get_data(as_text=True)
    meeting = client.get("/working-groups/erasmus/meetings/new").get_data(as_text=True)
    assert 'for="title" id="title-label">Заголовок</label>' in announcement
    assert 'for="title" id="title-label">Название</label>' in meeting
    with app.test_request_context(headers={"Accept-Language": "ru"}):
        from eukz_platform.core.vocabulary import SIDE_LABELS, TYPE_LABELS, Side, country_name

        assert str(SIDE_LABELS[Side.OTHER]) == "Другие страны"
        assert str(TYPE_LABELS["other"]) == "Другой тип"
        assert country_name("ZZ") == "Другая страна"


def test_a_co_chairs_buttons_name_the_request_in_one_sentence(app, client):
    group_id = _group_with_readers(app)
    with app.app_context():
        from eukz_platform.core.vocabulary import OrganisationStatus
        from eukz_platform.groups.models import Membership, MembershipStatus

        from .factories import make_org

        org = make_org(name="Steppe Forum", status=OrganisationStatus.VERIFIED)
        db.session.add(
            Membership(organisation_id=org.id, group_id=group_id, status=MembershipStatus.PENDING)
        )
        db.session.commit()
    client.get("/language/kk")
    login(client, "chair@eu.example")
    html = client.get("/working-groups/erasmus/requests").get_data(as_text=True)
    assert '<span class="ecl-u-sr-only">Steppe Forum ұйымының өтінімін мақұлдау</span>' in html
    assert '<span aria-hidden="true">Мақұлдау</span>' in html
