"""The seed: the five working groups of the Action Plan and the two EESC contacts.

Each seeded thing has a stable key, and a ``seed_record`` row remembers that it was
added, so running the seed again never resurrects what the secretariat removed and
never overwrites what it edited.
"""

from datetime import datetime

from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, mapped_column

from .contacts.models import Contact, Visibility
from .database import UTCDateTime, utcnow
from .extensions import db
from .groups.models import WorkingGroup, WorkingGroupTranslation
from .phones import to_e164


class SeedRecord(db.Model):
    __tablename__ = "seed_record"

    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


GROUPS = (
    (
        1,
        "cooperation-structures",
        "Structures for cooperation with Central Asian civil society, on the model of the "
        "existing Civil Society Platforms",
        "Establishing structures for cooperation with Central Asian civil society, on the model "
        "of the EESC's existing Civil Society Platforms with other regions of the world, so that "
        "organised civil society of the EU and Kazakhstan meets regularly and follows up the "
        "Action Plan together.",
    ),
    (
        2,
        "raw-materials-mou",
        "Civil society promoting the EU–Kazakhstan MoU on raw materials, batteries and renewable "
        "hydrogen (signed 7 November 2022)",
        "Involving civil society organisations in promoting the Memorandum of Understanding "
        "between the EU and Kazakhstan on a strategic partnership in raw materials, batteries and "
        "renewable hydrogen, signed on 7 November 2022 — Kazakhstan has 33 of the 34 elements "
        "named in the Critical Raw Materials Act.",
    ),
    (
        3,
        "erasmus",
        "Educational opportunities for young Kazakhs through Erasmus",
        "Supporting the development of civil society in Kazakhstan by increasing the educational "
        "opportunities for young Kazakhs through the Erasmus programme.",
    ),
    (
        4,
        "public-administration-justice",
        "Experience exchange for civil servants and judicial staff (with the European Institute "
        "of Public Administration, Maastricht, and the European Centre for Judges and Lawyers, "
        "Luxembourg)",
        "Supporting the development and consolidation of civil society in Kazakhstan through an "
        "experience exchange programme for civil servants and judicial staff, with the European "
        "Institute of Public Administration in Maastricht and the European Centre for Judges and "
        "Lawyers in Luxembourg.",
    ),
    (
        5,
        "civic-social-dialogue",
        "Civic and social dialogue in Central Asia, formalised on the Western Balkans model",
        "Supporting the development of civic and social dialogue in Central Asia and its "
        "formalisation, along the lines of the good practices in relations with organised civil "
        "society of other regions, such as the Western Balkans.",
    ),
)

# The groups' titles and purposes in Russian and Kazakh, by slug, in the words of the
# opinion's priorities.
GROUP_TEXTS = {
    "cooperation-structures": {
        "ru": (
            "Структуры сотрудничества с гражданским обществом Центральной Азии по образцу "
            "действующих платформ гражданского общества",
            "Создание структур сотрудничества с гражданским обществом Центральной Азии по образцу "
            "действующих платформ гражданского общества ЕЭСК с другими регионами мира, чтобы "
            "организованное гражданское общество ЕС и Казахстана регулярно встречалось и "
            "совместно следило за выполнением Плана действий.",
        ),
        "kk": (
            "Орталық Азияның азаматтық қоғамымен ынтымақтастық құрылымдары — қолданыстағы "
            "азаматтық қоғам платформалары үлгісінде",
            "ЕЭӘК-тің әлемнің басқа өңірлерімен жұмыс істеп тұрған азаматтық қоғам платформалары "
            "үлгісінде Орталық Азияның азаматтық қоғамымен ынтымақтастық құрылымдарын құру: "
            "ЕО мен Қазақстанның ұйымдасқан азаматтық қоғамы тұрақты түрде бас қосып, "
            "Іс-қимыл жоспарының орындалуын бірлесіп қадағалайтын болады.",
        ),
    },
    "raw-materials-mou": {
        "ru": (
            "Гражданское общество в продвижении Меморандума о взаимопонимании между ЕС и "
            "Казахстаном по сырьевым материалам, аккумуляторным батареям и возобновляемому "
            "водороду (подписан 7 ноября 2022 года)",
            "Вовлечение организаций гражданского общества в продвижение Меморандума о "
            "взаимопонимании между ЕС и Казахстаном о стратегическом партнёрстве в области "
            "сырьевых материалов, аккумуляторных батарей и возобновляемого водорода, подписанного "
            "7 ноября 2022 года: в Казахстане есть 33 из 34 элементов, названных в Законе ЕС о "
            "критически важном сырье.",
        ),
        "kk": (
            "ЕО мен Қазақстан арасындағы шикізат, аккумуляторлық батареялар және жаңартылатын "
            "сутегі жөніндегі өзара түсіністік туралы меморандумды ілгерілетудегі азаматтық "
            "қоғам (2022 жылғы 7 қарашада қол қойылған)",
            "Азаматтық қоғам ұйымдарын ЕО мен Қазақстан арасында 2022 жылғы 7 қарашада қол "
            "қойылған шикізат, аккумуляторлық батареялар және жаңартылатын сутегі саласындағы "
            "стратегиялық әріптестік туралы өзара түсіністік меморандумын ілгерілетуге тарту: "
            "Қазақстанда ЕО-ның Маңызды шикізат туралы актісінде аталған 34 элементтің 33-і бар.",
        ),
    },
    "erasmus": {
        "ru": (
            "Образовательные возможности для молодых казахстанцев по программе Erasmus",
            "Поддержка развития гражданского общества в Казахстане путём расширения "
            "образовательных возможностей для молодых казахстанцев по программе Erasmus.",
        ),
        "kk": (
            "Erasmus бағдарламасы арқылы қазақстандық жастарға арналған білім беру мүмкіндіктері",
            "Erasmus бағдарламасы арқылы қазақстандық жастардың білім алу мүмкіндіктерін кеңейту "
            "жолымен Қазақстандағы азаматтық қоғамның дамуына қолдау көрсету.",
        ),
    },
    "public-administration-justice": {
        "ru": (
            "Обмен опытом для государственных служащих и работников судебной системы (с участием "
            "Европейского института государственного управления, Маастрихт, и Европейского "
            "центра для судей и юристов, Люксембург)",
            "Поддержка развития и укрепления гражданского общества в Казахстане через программу "
            "обмена опытом для государственных служащих и работников судебной системы с участием "
            "Европейского института государственного управления в Маастрихте и Европейского "
            "центра для судей и юристов в Люксембурге.",
        ),
        "kk": (
            "Мемлекеттік қызметшілер мен сот жүйесі қызметкерлеріне арналған тәжірибе алмасу "
            "(Еуропалық мемлекеттік басқару институтының, Маастрихт, және Еуропалық судьялар мен "
            "заңгерлер орталығының, Люксембург, қатысуымен)",
            "Маастрихттегі Еуропалық мемлекеттік басқару институты мен Люксембургтегі Еуропалық "
            "судьялар мен заңгерлер орталығының қатысуымен мемлекеттік қызметшілер мен сот "
            "жүйесі қызметкерлеріне арналған тәжірибе алмасу бағдарламасы арқылы Қазақстандағы "
            "азаматтық қоғамның дамуы мен нығаюына қолдау көрсету.",
        ),
    },
    "civic-social-dialogue": {
        "ru": (
            "Гражданский и социальный диалог в Центральной Азии, институционально оформленный "
            "по образцу Западных Балкан",
            "Поддержка развития гражданского и социального диалога в Центральной Азии и его "
            "институционального оформления с опорой на передовой опыт отношений с организованным "
            "гражданским обществом других регионов, таких как Западные Балканы.",
        ),
        "kk": (
            "Орталық Азиядағы азаматтық және әлеуметтік диалог — Батыс Балқан үлгісімен "
            "институционалдық тұрғыда ресімделген",
            "Басқа өңірлердің, мысалы, Батыс Балқанның ұйымдасқан азаматтық қоғамымен "
            "қарым-қатынастағы озық тәжірибеге сүйене отырып, Орталық Азиядағы азаматтық және "
            "әлеуметтік диалогтың дамуына және оны институционалдық тұрғыда ресімдеуге қолдау "
            "көрсету.",
        ),
    },
}

CONTACTS = (
    (
        "eesc-millie-tsoumani",
        "Millie Tsoumani",
        "Press Officer, EESC",
        "+32 (0) 2 546 9088",
        "Amalia.tsoumani@eesc.europa.eu",
    ),
    (
        "eesc-daniele-vitali",
        "Daniele Vitali",
        "Policy Officer, EESC",
        "+32 (2) 546 8817",
        "Daniele.Vitali@eesc.europa.eu",
    ),
)


def _already_seeded(kind: str) -> set[str]:
    return set(db.session.scalars(select(SeedRecord.key).where(SeedRecord.kind == kind)))


def ensure_groups_and_contacts() -> int:
    """Add the seeded groups and contacts never added before; return how many were added."""
    added = 0
    seen_groups = _already_seeded("group")
    for priority, slug, title, purpose in GROUPS:
        if slug in seen_groups:
            continue
        group = WorkingGroup(slug=slug, priority=priority, moderated=True)
        group.translations.append(
            WorkingGroupTranslation(locale="en", title=title, purpose=purpose)
        )
        db.session.add_all([group, SeedRecord(kind="group", key=slug)])
        added += 1
    added += _ensure_group_texts()
    seen_contacts = _already_seeded("contact")
    for key, name, role, phone, email in CONTACTS:
        if key in seen_contacts:
            continue
        contact = Contact(
            key=key,
            name=name,
            role=role,
            organisation_name="EESC",
            phone=phone,
            phone_e164=to_e164(phone),
            email=email,
            visibility=Visibility.PUBLIC,
        )
        db.session.add_all([contact, SeedRecord(kind="contact", key=key)])
        added += 1
    db.session.commit()
    return added


def _ensure_group_texts() -> int:
    """Add the Russian and Kazakh texts of the seeded groups, each once.

    A group seeded before these texts existed gets them too, unless it already has a text in
    that language (the secretariat's, kept as it is) or the secretariat removed the group. Each
    text added is remembered, so one the secretariat later removes stays removed.
    """
    added = 0
    seen = _already_seeded("group_text")
    groups = {
        g.slug: g
        for g in db.session.scalars(
            select(WorkingGroup).where(WorkingGroup.slug.in_(list(GROUP_TEXTS)))
        )
    }
    groups.update({g.slug: g for g in db.session.new if isinstance(g, WorkingGroup)})
    for slug, texts in GROUP_TEXTS.items():
        group = groups.get(slug)
        for locale, (title, purpose) in texts.items():
            key = f"{slug}:{locale}"
            if key in seen or group is None:
                continue
            db.session.add(SeedRecord(kind="group_text", key=key))
            if any(t.locale == locale for t in group.translations):
                continue
            group.translations.append(
                WorkingGroupTranslation(locale=locale, title=title, purpose=purpose)
            )
            added += 1
    return added
