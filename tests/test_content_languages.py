"""Content in English, Russian and Kazakh: the seeded groups, announcements and meetings."""

import re

from sqlalchemy import delete, select

from eukz_platform.extensions import db
from eukz_platform.groups.models import WorkingGroup, WorkingGroupTranslation
from eukz_platform.seeding import GROUP_TEXTS, SeedRecord

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
    page = client.get("/working-groups/erasmus", headers={"Accept-Language": "kk"}).get_data(as_text=True)
    assert "қазақстандық жастарға арналған білім беру мүмкіндіктері" in page
    page = client.get("/working-groups/erasmus", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert "Образовательные возможности для молодых казахстанцев" in page
    page = client.get("/working-groups/erasmus", headers={"Accept-Language": "en"}).get_data(as_text=True)
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

