"""Synthetic organisations and contacts for trying the directory and measuring its speed.

``generate(n, seed)`` makes the same data for the same seed: organisations from every
country and sector, named in Latin, Cyrillic (Russian, Bulgarian), Kazakh and Greek script,
some with their names in other languages, their contact people, and memberships of the
working groups. About a third of them mention Almaty, as a big city's name would be.
``load`` bulk-inserts it all in one transaction (``executemany``), with the search documents.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from operator import itemgetter

import sqlalchemy as sa
from sqlalchemy import Connection

from .contacts.models import Contact
from .core.models import Organisation, OrganisationName, OrganisationSector, name_key
from .core.name_keys import name_skeleton
from .core.vocabulary import (
    EU_MEMBER_STATES,
    KAZAKHSTAN,
    OTHER_CENTRAL_ASIA,
    OTHER_COUNTRY,
    EESCGroup,
    OrganisationType,
    Sector,
    side_of,
)
from .database import UTCDateTime
from .groups.models import Membership, MembershipEvent, WorkingGroup
from .search import indexing
from .search.folding import fold_words

# Kazakhstan's cities, with how often organisations are based there and the forms their
# names are written in (Latin, Russian, Kazakh).
KZ_CITIES = [
    (45, ("Almaty", "Алматы", "Алматы")),
    (22, ("Astana", "Астана", "Астана")),
    (8, ("Shymkent", "Шымкент", "Шымкент")),
    (6, ("Karaganda", "Караганда", "Қарағанды")),
    (4, ("Aktobe", "Актобе", "Ақтөбе")),
    (3, ("Pavlodar", "Павлодар", "Павлодар")),
    (3, ("Oskemen", "Усть-Каменогорск", "Өскемен")),
    (3, ("Atyrau", "Атырау", "Атырау")),
    (2, ("Kostanay", "Костанай", "Қостанай")),
    (2, ("Kyzylorda", "Кызылорда", "Қызылорда")),
    (2, ("Taraz", "Тараз", "Тараз")),
]
# The region (ISO 3166-2:KZ) of each city above.
KZ_CITY_REGIONS = {
    "Almaty": "KZ-75",
    "Astana": "KZ-71",
    "Shymkent": "KZ-79",
    "Karaganda": "KZ-35",
    "Aktobe": "KZ-15",
    "Pavlodar": "KZ-55",
    "Oskemen": "KZ-63",
    "Atyrau": "KZ-23",
    "Kostanay": "KZ-39",
    "Kyzylorda": "KZ-43",
    "Taraz": "KZ-31",
}
EU_CITIES = {
    "AT": ["Wien", "Graz", "Linz"],
    "BE": ["Bruxelles", "Antwerpen", "Liège", "Gent"],
    "BG": ["София", "Пловдив", "Варна"],
    "HR": ["Zagreb", "Split", "Rijeka"],
    "CY": ["Λευκωσία", "Λεμεσός"],
    "CZ": ["Praha", "Brno", "Ostrava"],
    "DK": ["København", "Aarhus", "Odense"],
    "EE": ["Tallinn", "Tartu"],
    "FI": ["Helsinki", "Tampere", "Turku"],
    "FR": ["Paris", "Lyon", "Marseille", "Strasbourg"],
    "DE": ["Berlin", "München", "Köln", "Hamburg", "Düsseldorf"],
    "GR": ["Αθήνα", "Θεσσαλονίκη", "Πάτρα"],
    "HU": ["Budapest", "Debrecen", "Szeged"],
    "IE": ["Dublin", "Cork", "Galway"],
    "IT": ["Roma", "Milano", "Torino", "Napoli"],
    "LV": ["Rīga", "Daugavpils"],
    "LT": ["Vilnius", "Kaunas"],
    "LU": ["Luxembourg", "Esch-sur-Alzette"],
    "MT": ["Valletta", "Sliema"],
    "NL": ["Amsterdam", "Rotterdam", "Utrecht", "Den Haag"],
    "PL": ["Warszawa", "Kraków", "Łódź", "Wrocław", "Gdańsk"],
    "PT": ["Lisboa", "Porto", "Coimbra"],
    "RO": ["București", "Cluj-Napoca", "Iași", "Timișoara"],
    "SK": ["Bratislava", "Košice"],
    "SI": ["Ljubljana", "Maribor"],
    "ES": ["Madrid", "Barcelona", "València", "Sevilla"],
    "SE": ["Stockholm", "Göteborg", "Malmö"],
}
OTHER_CITIES = {
    "KG": ["Bishkek", "Бишкек", "Osh"],
    "TJ": ["Dushanbe", "Душанбе", "Khujand"],
    "TM": ["Ashgabat", "Ашхабад"],
    "UZ": ["Tashkent", "Ташкент", "Samarkand", "Bukhara"],
    OTHER_COUNTRY: ["Geneva", "London", "Oslo", "Tbilisi"],
}

EN_THEMES = {
    Sector.TRADE: ["Trade", "Fair Trade", "Export"],
    Sector.INVESTMENT: ["Investment", "Impact Investment"],
    Sector.ENERGY: ["Energy", "Clean Energy", "Energy Transition"],
    Sector.AGRICULTURE: ["Farmers", "Agriculture", "Rural Development"],
    Sector.CONNECTIVITY: ["Connectivity", "Transport", "Digital Connectivity"],
    Sector.CRITICAL_RAW_MATERIALS: ["Raw Materials", "Mining Communities"],
    Sector.BATTERIES: ["Battery", "Battery Recycling"],
    Sector.RENEWABLE_HYDROGEN: ["Hydrogen", "Green Hydrogen"],
    Sector.EDUCATION_AND_YOUTH: ["Youth", "Education", "Students", "Erasmus Alumni"],
    Sector.JUSTICE_AND_RULE_OF_LAW: ["Rule of Law", "Legal Aid", "Judicial Reform"],
    Sector.PUBLIC_ADMINISTRATION: ["Public Administration", "Good Governance"],
    Sector.HUMAN_RIGHTS: ["Human Rights", "Civil Liberties", "Women's Rights"],
    Sector.ENVIRONMENT: ["Environment", "Green Steppe", "Water", "Climate Action"],
    Sector.LABOUR_AND_SOCIAL_DIALOGUE: ["Workers", "Social Dialogue", "Labour"],
}
RU_THEMES = {
    Sector.TRADE: "развития торговли",
    Sector.INVESTMENT: "поддержки инвестиций",
    Sector.ENERGY: "возобновляемой энергетики",
    Sector.AGRICULTURE: "сельхозпроизводителей",
    Sector.CONNECTIVITY: "транспорта и связи",
    Sector.CRITICAL_RAW_MATERIALS: "горнодобывающих регионов",
    Sector.BATTERIES: "переработки аккумуляторов",
    Sector.RENEWABLE_HYDROGEN: "водородной энергетики",
    Sector.EDUCATION_AND_YOUTH: "молодёжных инициатив",
    Sector.JUSTICE_AND_RULE_OF_LAW: "правовой помощи",
    Sector.PUBLIC_ADMINISTRATION: "эффективного управления",
    Sector.HUMAN_RIGHTS: "защиты прав человека",
    Sector.ENVIRONMENT: "экологических инициатив",
    Sector.LABOUR_AND_SOCIAL_DIALOGUE: "социального диалога",
}
KK_THEMES = {
    Sector.TRADE: "сауда",
    Sector.INVESTMENT: "инвестиция",
    Sector.ENERGY: "жасыл энергия",
    Sector.AGRICULTURE: "ауыл шаруашылығы",
    Sector.CONNECTIVITY: "көлік",
    Sector.CRITICAL_RAW_MATERIALS: "тау-кен",
    Sector.BATTERIES: "аккумулятор",
    Sector.RENEWABLE_HYDROGEN: "сутегі",
    Sector.EDUCATION_AND_YOUTH: "жастар",
    Sector.JUSTICE_AND_RULE_OF_LAW: "құқықтық көмек",
    Sector.PUBLIC_ADMINISTRATION: "мемлекеттік басқару",
    Sector.HUMAN_RIGHTS: "адам құқықтары",
    Sector.ENVIRONMENT: "экология",
    Sector.LABOUR_AND_SOCIAL_DIALOGUE: "еңбек",
}
BRANDS = [
    ("Shanyraq", "Шанырак", "Шаңырақ"),
    ("Bolashak", "Болашак", "Болашақ"),
    ("Dostyk", "Достык", "Достық"),
    ("Arman", "Арман", "Арман"),
    ("Samal", "Самал", "Самал"),
    ("Altyn Dala", "Алтын Дала", "Алтын Дала"),
    ("Zhasyl El", "Жасыл Ел", "Жасыл Ел"),
    ("Birlik", "Бирлик", "Бірлік"),
    ("Kemel", "Кемел", "Кемел"),
    ("Tulpar", "Тулпар", "Тұлпар"),
    ("Aqniet", "Акниет", "Ақниет"),
    ("Umit", "Умит", "Үміт"),
    ("Nurly Zhol", "Нурлы Жол", "Нұрлы Жол"),
    ("Kazyna", "Казына", "Қазына"),
    ("Saryarka", "Сарыарка", "Сарыарқа"),
    ("Zhuldyz", "Жулдыз", "Жұлдыз"),
]
EN_KINDS = [
    "Association",
    "Foundation",
    "Union",
    "Network",
    "Centre",
    "Alliance",
    "Council",
    "Institute",
    "Initiative",
    "Forum",
    "Society",
    "Federation",
]
RU_KINDS = ["Ассоциация", "Фонд", "Союз", "Центр", "Общественное объединение", "Альянс"]
KK_KINDS = ["қоғамдық бірлестігі", "қоры", "одағы", "қауымдастығы", "орталығы"]
NATIONAL = {
    "DE": (
        "Verband für {}",
        "Verein {}",
        [
            "Energiewende",
            "Umweltschutz",
            "Jugendarbeit",
            "Menschenrechte",
            "Landwirtschaft",
            "Bildung",
            "Arbeitnehmerrechte",
        ],
    ),
    "AT": ("Verein für {}", "Netzwerk {}", ["Energie", "Umwelt", "Jugend", "Bildung"]),
    "FR": (
        "Association pour {}",
        "Fédération {}",
        [
            "l'Énergie",
            "l'Environnement",
            "la Jeunesse",
            "les Droits de l'Homme",
            "l'Agriculture durable",
            "le Dialogue social",
        ],
    ),
    "BE": ("Association pour {}", "Vereniging voor {}", ["l'Énergie", "Milieu", "Onderwijs"]),
    "IT": (
        "Associazione per {}",
        "Fondazione {}",
        ["l'Ambiente", "l'Energia", "i Giovani", "i Diritti Umani", "l'Agricoltura"],
    ),
    "ES": (
        "Asociación para {}",
        "Fundación {}",
        ["la Energía", "el Medio Ambiente", "la Educación", "los Derechos Humanos"],
    ),
    "PL": (
        "Stowarzyszenie {}",
        "Fundacja {}",
        ["Ekologiczne", "Młodzieży", "Praw Człowieka", "Rozwoju Wsi", "Energii Odnawialnej"],
    ),
    "RO": (
        "Asociația pentru {}",
        "Fundația {}",
        ["Mediu", "Educație", "Energie", "Drepturile Omului", "Dialog Social"],
    ),
    "CZ": ("Spolek pro {}", "Nadace {}", ["životní prostředí", "vzdělávání", "energetiku"]),
    "BG": (
        "Асоциация за {}",
        "Фондация {}",
        ["околна среда", "образование", "енергетика", "права на човека"],
    ),
    "GR": ("Ένωση για {}", "Ίδρυμα {}", ["το Περιβάλλον", "την Ενέργεια", "την Εκπαίδευση"]),
    "CY": ("Ένωση για {}", "Ίδρυμα {}", ["το Περιβάλλον", "την Ενέργεια"]),
    "HU": ("Egyesület a {}", "Alapítvány {}", ["Környezetért", "Oktatásért", "Energiáért"]),
    "PT": ("Associação para {}", "Fundação {}", ["o Ambiente", "a Energia", "a Educação"]),
    "NL": ("Vereniging voor {}", "Stichting {}", ["Duurzame Energie", "Milieu", "Onderwijs"]),
    "SE": ("Föreningen för {}", "Stiftelsen {}", ["Miljö", "Energi", "Utbildning"]),
    "DK": ("Foreningen for {}", "Fonden {}", ["Miljø", "Energi", "Uddannelse"]),
}
EN_ADJECTIVES = [
    "European",
    "Eurasian",
    "Central Asian",
    "Silk Road",
    "Steppe",
    "Caspian",
    "Danube",
    "Baltic",
    "Nordic",
    "Alpine",
    "Civic",
    "Open",
    "Green",
    "Future",
    "Common",
    "United",
]
FIRST_NAMES = [
    "Aigerim",
    "Aruzhan",
    "Dinara",
    "Madina",
    "Saule",
    "Aliya",
    "Yerlan",
    "Nursultan",
    "Daniyar",
    "Askar",
    "Marat",
    "Timur",
    "Anna",
    "Maria",
    "Elena",
    "Sophie",
    "Laura",
    "Giulia",
    "Katarzyna",
    "Ioana",
    "Lukas",
    "Jan",
    "Pierre",
    "Marco",
    "Tomasz",
    "Andrei",
    "Nikos",
    "Peter",
    "Ahmad",
]
FIRST_NAMES_CYRILLIC = [
    "Айгерим",
    "Аружан",
    "Динара",
    "Мадина",
    "Сауле",
    "Ерлан",
    "Данияр",
    "Асқар",
    "Марат",
    "Тимур",
    "Елена",
    "Анна",
]
LAST_NAMES = [
    "Nurlanovna",
    "Abenova",
    "Seitkali",
    "Zhakupov",
    "Omarov",
    "Iskakova",
    "Bekova",
    "Tulegenov",
    "Müller",
    "Dubois",
    "Rossi",
    "Kowalski",
    "Popescu",
    "Novák",
    "Papadopoulos",
    "García",
    "Jensen",
    "Nagy",
    "Silva",
    "de Vries",
    "Andersson",
    "Horvat",
    "Ozoliņa",
    "Kask",
]
LAST_NAMES_CYRILLIC = [
    "Нурланова",
    "Абенова",
    "Сейткали",
    "Жакупов",
    "Омаров",
    "Искакова",
    "Тулегенов",
    "Ахметова",
    "Қасымов",
    "Ерғалиева",
]
ROLES = [
    "Director",
    "Executive Director",
    "Chair",
    "Programme Manager",
    "Project Coordinator",
    "Communications Officer",
    "Policy Adviser",
    "Secretary General",
    "Board Member",
    "Директор",
    "Председатель",
    "Координатор проектов",
    "Төраға",
    "Жоба үйлестірушісі",
]
SENTENCES = [
    "It brings together {members} member organisations and volunteers.",
    "Its programmes run in {city} and in the regions around it.",
    "It cooperates with partners in {partner} on joint projects and exchanges.",
    "It publishes research, policy briefs and an annual report.",
    "It organises training, summer schools and study visits for young people.",
    "It represents its members before national authorities and international bodies.",
    "It supports local communities with grants, legal advice and mentoring.",
    "It takes part in the EU–Kazakhstan civil society dialogue.",
]
RU_SENTENCES = [
    "Организация объединяет {members} членов и волонтёров.",
    "Работает в городе {city} и в соседних регионах.",
    "Сотрудничает с партнёрами в {partner} по совместным проектам.",
    "Проводит обучение, конференции и летние школы для молодёжи.",
]


@dataclass
class DemoData:
    organisations: list[dict] = field(default_factory=list)
    sectors: list[dict] = field(default_factory=list)
    other_names: list[dict] = field(default_factory=list)
    contacts: list[dict] = field(default_factory=list)
    memberships: list[dict] = field(default_factory=list)


def _country(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.5:
        return KAZAKHSTAN
    if r < 0.93:
        return rng.choice(EU_MEMBER_STATES)
    if r < 0.98:
        return rng.choice(OTHER_CENTRAL_ASIA)
    return OTHER_COUNTRY


def _kz_city(rng: random.Random) -> tuple[str, str, str]:
    weights, cities = zip(*KZ_CITIES, strict=True)
    return rng.choices(cities, weights)[0]


def _initials(name: str) -> str:
    letters = "".join(w[0] for w in name.replace("-", " ").split() if w[:1].isalpha())
    return letters.upper()[:12] if len(letters) >= 2 else ""


def _kz_names(rng, sectors, city) -> tuple[str, list[tuple[str, str]], str]:
    """A Kazakhstan organisation's name, its names in other languages, its main language."""
    brand = rng.choice(BRANDS)
    theme = sectors[0]
    city_en, city_ru, city_kk = city
    ru = f"{rng.choice(RU_KINDS)} {RU_THEMES[theme]} «{brand[1]}»"
    kk = f"«{brand[2]}» {KK_THEMES[theme]} {rng.choice(KK_KINDS)}"
    en = f"{brand[0]} {rng.choice(EN_THEMES[theme])} {rng.choice(EN_KINDS)}"
    r = rng.random()
    if r < 0.4:
        main, lang, others = ru, "ru", [(kk, "kk"), (en, "en")]
    elif r < 0.7:
        main, lang, others = kk, "kk", [(ru, "ru"), (en, "en")]
    else:
        main, lang, others = en, "en", [(ru, "ru"), (kk, "kk")]
    if rng.random() < 0.5:
        main = f"{main} {city_en if lang == 'en' else (city_ru if lang == 'ru' else city_kk)}"
    return main, [o for o in others if rng.random() < 0.3], lang


def _eu_name(rng, country, sectors, city) -> str:
    if country in NATIONAL and rng.random() < 0.45:
        first, second, themes = NATIONAL[country]
        return rng.choice((first, second)).format(rng.choice(themes)) + f" {city}"
    theme = rng.choice(EN_THEMES[sectors[0]])
    return f"{rng.choice(EN_ADJECTIVES)} {theme} {rng.choice(EN_KINDS)}" + (
        f" {city}" if rng.random() < 0.5 else ""
    )


def _description(rng, name, city, partner, sectors, lang) -> str:
    members = rng.randint(5, 900)
    if lang == "ru":
        parts = [f"{name} — некоммерческая организация."]
        parts += [
            s.format(members=members, city=city, partner=partner)
            for s in rng.sample(RU_SENTENCES, 3)
        ]
    else:
        themes = " and ".join(rng.choice(EN_THEMES[s]).lower() for s in sectors[:2])
        parts = [f"{name} works on {themes} in {city}."]
        parts += [
            s.format(members=members, city=city, partner=partner) for s in rng.sample(SENTENCES, 3)
        ]
    return " ".join(parts)


def _person(rng) -> str:
    if rng.random() < 0.3:
        return f"{rng.choice(FIRST_NAMES_CYRILLIC)} {rng.choice(LAST_NAMES_CYRILLIC)}"
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def generate(
    n: int,
    seed: int = 1,
    start_id: int = 1,
    taken: set[str] | None = None,
    contact_start_id: int = 1,
    groups: list[int] | None = None,
) -> Iterator[DemoData]:
    """The data, in chunks of up to 1,000 organisations; the same for the same arguments."""
    rng = random.Random(seed)  # nosec B311 # repeatable demo data, not secrets
    taken = set() if taken is None else taken
    groups = groups or []
    now = datetime(2026, 1, 1, tzinfo=UTC)
    sector_list = list(Sector)
    types = [t for t in OrganisationType]
    type_weights = [30, 12, 8, 10, 10, 12, 4, 6, 8]
    eesc = [g for g in EESCGroup]
    contact_id = contact_start_id
    chunk = DemoData()
    for i in range(n):
        org_id = start_id + i
        country = _country(rng)
        sectors = rng.sample(sector_list, rng.choice((1, 1, 2, 2, 2, 3)))
        others: list[tuple[str, str]] = []
        lang = "en"
        region = None
        if country == KAZAKHSTAN:
            city_forms = _kz_city(rng)
            region = KZ_CITY_REGIONS.get(city_forms[0])
            name, others, lang = _kz_names(rng, sectors, city_forms)
            city = rng.choice(city_forms)
            partner = rng.choice(["Brussels", "Berlin", "Warszawa", "Vilnius", "Roma"])
        else:
            city = rng.choice(EU_CITIES.get(country) or OTHER_CITIES[country])
            name = (
                _eu_name(rng, country, sectors, city)
                if country in EU_MEMBER_STATES
                else f"{rng.choice(EN_ADJECTIVES)} {rng.choice(EN_THEMES[sectors[0]])} "
                f"{rng.choice(EN_KINDS)} {city}"
            )
            partner = "Almaty" if rng.random() < 0.35 else rng.choice(["Astana", "Shymkent"])
        key, skeleton = name_key(name), name_skeleton(name)
        suffix = 1
        while key in taken or skeleton in taken:
            suffix += 1
            key, skeleton = name_key(f"{name} {suffix}"), name_skeleton(f"{name} {suffix}")
        if suffix > 1:
            name = f"{name} {suffix}"
        taken.update((key, skeleton))
        status = rng.choices(("verified", "pending", "rejected", "suspended"), (80, 15, 3, 2))[0]
        created = now - timedelta(days=rng.randint(0, 1100), seconds=rng.randint(0, 86399))
        website = (
            f"https://{''.join(fold_words(_initials(name))) or 'org'}{org_id}.example.org"
            if rng.random() < 0.6
            else None
        )
        chunk.organisations.append(
            {
                "id": org_id,
                "name": name,
                "name_key": key,
                "name_skeleton": skeleton,
                "acronym": _initials(name) or None,
                "country": country,
                "side": side_of(country).value,
                "city": city,
                "region": region,
                "type": rng.choices(types, type_weights)[0].value,
                "eesc_group": rng.choice(eesc).value,
                "website": website,
                "description": _description(rng, name, city, partner, sectors, lang),
                "working_languages": sorted({lang, "en", *rng.sample(["ru", "kk", "de", "fr"], 1)}),
                "registration_number": None,
                "status": status,
                "status_reason": None,
                "created_at": created,
                "updated_at": created,
                "verified_at": created + timedelta(days=3) if status == "verified" else None,
                "profile_confirmed_at": created,
                "confirmation_reminded_at": None,
                "confirmation_state": "current",
                "members_only": False,
                "hide_memberships": False,
            }
        )
        chunk.sectors += [{"organisation_id": org_id, "sector": s.value} for s in sectors]
        chunk.other_names += [
            {"organisation_id": org_id, "name": other, "language": language}
            for other, language in others
        ]
        for _ in range(rng.choice((0, 0, 1, 1, 1, 2))):
            person = _person(rng)
            e164 = (
                f"+7701{rng.randint(1000000, 9999999)}"
                if country == KAZAKHSTAN
                else (f"+32{rng.randint(400000000, 499999999)}")
            )
            chunk.contacts.append(
                {
                    "id": contact_id,
                    "key": None,
                    "organisation_id": org_id,
                    "organisation_name": None,
                    "name": person,
                    "role": rng.choice(ROLES),
                    "email": f"contact{contact_id}@{'example.org'}",
                    "phone": f"{e164[:2]} {e164[2:5]} {e164[5:8]} {e164[8:]}",
                    "phone_e164": e164,
                    "visibility": rng.choices(("members", "public", "private"), (60, 30, 10))[0],
                    "created_at": created,
                    "updated_at": created,
                }
            )
            contact_id += 1
        if groups and status == "verified" and rng.random() < 0.35:
            for group_id in rng.sample(groups, rng.choice((1, 1, 2))):
                chunk.memberships.append(
                    {
                        "organisation_id": org_id,
                        "group_id": group_id,
                        "status": "active" if rng.random() < 0.85 else "pending",
                        "motivation": None,
                        "created_at": created,
                        "updated_at": created,
                    }
                )
        if len(chunk.organisations) == 1000:
            yield chunk
            chunk = DemoData()
    if chunk.organisations:
        yield chunk


def load(
    conn: Connection, n: int, seed: int = 1, progress: Callable[[int], None] | None = None
) -> tuple[int, int]:
    """Insert ``n`` organisations with their contacts and documents; return (orgs, contacts).

    The caller commits: everything is one transaction.
    """
    org, contact = Organisation.__table__, Contact.__table__
    start = (conn.scalar(sa.select(sa.func.max(org.c.id))) or 0) + 1
    contact_start = (conn.scalar(sa.select(sa.func.max(contact.c.id))) or 0) + 1
    # Both keys in one set: a name whose key is another's skeleton only gets a number more.
    taken = set(conn.scalars(sa.select(org.c.name_key))) | set(
        conn.scalars(sa.select(org.c.name_skeleton))
    )
    group_rows = conn.execute(
        sa.select(WorkingGroup.id, WorkingGroup.slug).where(WorkingGroup.archived_at.is_(None))
    ).all()
    slugs = dict(group_rows)
    orgs = contacts = 0
    with indexing.bulk_documents(conn):
        for chunk in generate(n, seed, start, taken, contact_start, list(slugs)):
            bulk_insert(conn, org, chunk.organisations)
            bulk_insert(conn, OrganisationSector.__table__, chunk.sectors)
            bulk_insert(conn, OrganisationName.__table__, chunk.other_names)
            bulk_insert(conn, contact, chunk.contacts)
            bulk_insert(conn, Membership.__table__, chunk.memberships)
            documents = _documents(chunk, slugs)
            bulk_insert(conn, indexing.SearchDocument.__table__, documents)
            indexing.add_terms(conn, documents)
            orgs += len(chunk.organisations)
            contacts += len(chunk.contacts)
            if progress:
                progress(len(chunk.organisations))
    _history(conn, start)
    if conn.dialect.name == "postgresql":
        for table in ("organisation", "contact"):
            conn.exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # nosec B608 # one of the two table names above
                f"(SELECT max(id) FROM {table}))"
            )
    indexing.optimize(conn)
    indexing.bump_generation(conn)
    return orgs, contacts


def _sqlite_datetime(value: datetime | None) -> str | None:
    """What UTCDateTime stores on SQLite: naive UTC with microseconds."""
    if value is None:
        return None
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def _converter(column: sa.Column, dialect):
    """How one column's values go to the driver (what SQLAlchemy's types would do)."""
    if isinstance(column.type, UTCDateTime):
        return _sqlite_datetime if dialect.name == "sqlite" else None
    return column.type.dialect_impl(dialect).bind_processor(dialect)


def bulk_insert(conn: Connection, table: sa.Table, rows: list[dict]) -> None:
    """``executemany`` straight to the driver: the same rows as ``conn.execute(insert(table),
    rows)`` at a fraction of the cost, for loading many thousands of rows."""
    if not rows:
        return
    keys = list(rows[0])
    compiled = sa.insert(table).compile(dialect=conn.dialect, column_keys=keys)
    if compiled.positional:
        keys = [compiled.binds[name].key for name in compiled.positiontup]
    converters = [
        (i, c) for i, c in enumerate(_converter(table.c[k], conn.dialect) for k in keys) if c
    ]
    values = itemgetter(*keys)
    params = []
    for row in rows:
        v = values(row)
        if converters:
            v = list(v)
            for i, convert in converters:
                v[i] = convert(v[i])
        params.append(tuple(v) if compiled.positional else dict(zip(keys, v, strict=True)))
    conn.exec_driver_sql(str(compiled), params)


def _documents(chunk: DemoData, slugs: dict[int, str]) -> list[dict]:
    sectors: dict[int, list[str]] = {}
    for row in chunk.sectors:
        sectors.setdefault(row["organisation_id"], []).append(row["sector"])
    names: dict[int, list[str]] = {}
    for row in chunk.other_names:
        names.setdefault(row["organisation_id"], []).append(row["name"])
    groups: dict[int, list[str]] = {}
    for row in chunk.memberships:
        if row["status"] == "active":
            groups.setdefault(row["organisation_id"], []).append(slugs[row["group_id"]])
    by_id = {}
    documents = []
    for o in chunk.organisations:
        by_id[o["id"]] = o
        documents.append(
            indexing.organisation_document(
                o, sectors.get(o["id"], ()), names.get(o["id"], ()), groups.get(o["id"], ())
            )
        )
    for c in chunk.contacts:
        documents.append(indexing.contact_document(c, by_id[c["organisation_id"]]))
    return documents


def _history(conn: Connection, first_org_id: int) -> None:
    """Each membership's history starts with its request: every change is recorded
    (docs/architecture.md, "Membership states")."""
    m = Membership.__table__
    rows = conn.execute(
        sa.select(m.c.id, m.c.status, m.c.created_at).where(m.c.organisation_id >= first_org_id)
    ).all()
    events = [
        {
            "membership_id": mid,
            "at": at,
            "actor_id": None,
            "from_status": None,
            "to_status": status,
            "message": "demo data",
        }
        for mid, status, at in rows
    ]
    bulk_insert(conn, MembershipEvent.__table__, events)
