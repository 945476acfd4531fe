"""The platform's fixed vocabularies: countries, sides, types, EESC groups, sectors, languages."""

from enum import StrEnum

from babel import Locale
from flask_babel import get_locale, lazy_pgettext
from flask_babel import lazy_gettext as _l


class Side(StrEnum):
    EU = "eu"
    KAZAKHSTAN = "kz"
    OTHER = "other"


class OrganisationType(StrEnum):
    NGO = "ngo"
    TRADE_UNION = "trade_union"
    EMPLOYERS = "employers"
    BUSINESS_ASSOCIATION = "business_association"
    ACADEMIC = "academic"
    FOUNDATION = "foundation"
    MEDIA = "media"
    PROFESSIONAL_BODY = "professional_body"
    OTHER = "other"


class EESCGroup(StrEnum):
    I = "I"  # noqa: E741 - the EESC's own name for the Employers' Group
    II = "II"
    III = "III"
    NONE = "none"


class Sector(StrEnum):
    TRADE = "trade"
    INVESTMENT = "investment"
    ENERGY = "energy"
    AGRICULTURE = "agriculture"
    CONNECTIVITY = "connectivity"
    CRITICAL_RAW_MATERIALS = "critical_raw_materials"
    BATTERIES = "batteries"
    RENEWABLE_HYDROGEN = "renewable_hydrogen"
    EDUCATION_AND_YOUTH = "education_and_youth"
    JUSTICE_AND_RULE_OF_LAW = "justice_and_rule_of_law"
    PUBLIC_ADMINISTRATION = "public_administration"
    HUMAN_RIGHTS = "human_rights"
    ENVIRONMENT = "environment"
    LABOUR_AND_SOCIAL_DIALOGUE = "labour_and_social_dialogue"


class OrganisationStatus(StrEnum):
    PENDING = "pending"  # awaiting verification
    VERIFIED = "verified"
    REJECTED = "rejected"
    SUSPENDED = "suspended"
    # Closed by its own admin: hidden at once, its people's data erased after a grace period.
    CLOSED = "closed"


SIDE_LABELS = {
    Side.EU: _l("EU"),
    Side.KAZAKHSTAN: _l("Kazakhstan"),
    Side.OTHER: lazy_pgettext("side", "Other"),
}

TYPE_LABELS = {
    OrganisationType.NGO: _l("Non-governmental organisation"),
    OrganisationType.TRADE_UNION: _l("Trade union"),
    OrganisationType.EMPLOYERS: _l("Employers' organisation"),
    OrganisationType.BUSINESS_ASSOCIATION: _l("Business association"),
    OrganisationType.ACADEMIC: _l("Academic or research institution"),
    OrganisationType.FOUNDATION: _l("Foundation"),
    OrganisationType.MEDIA: _l("Media"),
    OrganisationType.PROFESSIONAL_BODY: _l("Professional body"),
    OrganisationType.OTHER: lazy_pgettext("organisation type", "Other"),
}

EESC_GROUP_LABELS = {
    EESCGroup.I: _l("Group I – Employers"),
    EESCGroup.II: _l("Group II – Workers"),
    EESCGroup.III: _l("Group III – Civil Society Organisations"),
    EESCGroup.NONE: _l("None"),
}

SECTOR_LABELS = {
    Sector.TRADE: _l("Trade"),
    Sector.INVESTMENT: _l("Investment"),
    Sector.ENERGY: _l("Energy"),
    Sector.AGRICULTURE: _l("Agriculture"),
    Sector.CONNECTIVITY: _l("Connectivity"),
    Sector.CRITICAL_RAW_MATERIALS: _l("Critical raw materials"),
    Sector.BATTERIES: _l("Batteries"),
    Sector.RENEWABLE_HYDROGEN: _l("Renewable hydrogen"),
    Sector.EDUCATION_AND_YOUTH: _l("Education and youth"),
    Sector.JUSTICE_AND_RULE_OF_LAW: _l("Justice and rule of law"),
    Sector.PUBLIC_ADMINISTRATION: _l("Public administration"),
    Sector.HUMAN_RIGHTS: _l("Human rights"),
    Sector.ENVIRONMENT: _l("Environment"),
    Sector.LABOUR_AND_SOCIAL_DIALOGUE: _l("Labour and social dialogue"),
}

STATUS_LABELS = {
    OrganisationStatus.PENDING: _l("Awaiting verification"),
    OrganisationStatus.VERIFIED: _l("Verified"),
    OrganisationStatus.REJECTED: _l("Rejected"),
    OrganisationStatus.SUSPENDED: _l("Suspended"),
    OrganisationStatus.CLOSED: _l("Closed"),
}

# ISO 3166-1 alpha-2. "ZZ" (user-assigned) stands for "Other".
EU_MEMBER_STATES = (
    "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE"
).split()
KAZAKHSTAN = "KZ"
OTHER_CENTRAL_ASIA = ("KG", "TJ", "TM", "UZ")
OTHER_COUNTRY = "ZZ"
COUNTRY_CODES = (*EU_MEMBER_STATES, KAZAKHSTAN, *OTHER_CENTRAL_ASIA, OTHER_COUNTRY)

# Kazakhstan's regions (oblystar) and its cities of republican significance, by their ISO 3166-2
# codes, in the order of the codes.
KAZAKHSTAN_REGIONS = {
    "KZ-10": _l("Abai Region"),
    "KZ-11": _l("Akmola Region"),
    "KZ-15": _l("Aktobe Region"),
    "KZ-19": _l("Almaty Region"),
    "KZ-23": _l("Atyrau Region"),
    "KZ-27": _l("West Kazakhstan Region"),
    "KZ-31": _l("Jambyl Region"),
    "KZ-33": _l("Jetisu Region"),
    "KZ-35": _l("Karaganda Region"),
    "KZ-39": _l("Kostanay Region"),
    "KZ-43": _l("Kyzylorda Region"),
    "KZ-47": _l("Mangystau Region"),
    "KZ-55": _l("Pavlodar Region"),
    "KZ-59": _l("North Kazakhstan Region"),
    "KZ-61": _l("Turkistan Region"),
    "KZ-62": _l("Ulytau Region"),
    "KZ-63": _l("East Kazakhstan Region"),
    "KZ-71": _l("Astana"),
    "KZ-75": _l("Almaty"),
    "KZ-79": _l("Shymkent"),
}
REGION_CODES = tuple(KAZAKHSTAN_REGIONS)
CITIES_OF_REPUBLICAN_SIGNIFICANCE = ("KZ-71", "KZ-75", "KZ-79")

# Working languages offered: the EU's 24 official languages and those of Central Asia.
LANGUAGE_CODES = (
    "en ru kk bg cs da de el es et fi fr ga hr hu it lt lv mt nl pl pt ro sk sl sv ky tg tk uz"
).split()


def side_of(country: str) -> Side:
    """The side an organisation is on, derived from its country."""
    if country in EU_MEMBER_STATES:
        return Side.EU
    if country == KAZAKHSTAN:
        return Side.KAZAKHSTAN
    return Side.OTHER


def _locale() -> Locale:
    return get_locale() or Locale("en")


def country_name(code: str) -> str:
    """The country's name in the current language; "Other" for ZZ."""
    if code == OTHER_COUNTRY:
        return str(lazy_pgettext("country", "Other"))
    return _locale().territories.get(code, code)


def language_name(code: str) -> str:
    """A language's name in the current language."""
    name = _locale().languages.get(code, code)
    return name[:1].upper() + name[1:]


def country_choices() -> list[tuple[str, str]]:
    """Countries for a select: EU member states by name, then Kazakhstan, Central Asia, Other."""
    eu = sorted(((c, country_name(c)) for c in EU_MEMBER_STATES), key=lambda p: p[1])
    central_asia = sorted(((c, country_name(c)) for c in OTHER_CENTRAL_ASIA), key=lambda p: p[1])
    return [
        *eu,
        (KAZAKHSTAN, country_name(KAZAKHSTAN)),
        *central_asia,
        (OTHER_COUNTRY, country_name(OTHER_COUNTRY)),
    ]


def region_name(code: str) -> str:
    """A Kazakh region's or city's name in the current language (the code when unknown)."""
    label = KAZAKHSTAN_REGIONS.get(code)
    return str(label) if label is not None else code


def region_choices() -> list[tuple[str, str]]:
    """Kazakhstan's three cities of republican significance, then its regions by name."""
    cities = [(c, region_name(c)) for c in CITIES_OF_REPUBLICAN_SIGNIFICANCE]
    regions = sorted(
        ((c, region_name(c)) for c in REGION_CODES if c not in CITIES_OF_REPUBLICAN_SIGNIFICANCE),
        key=lambda p: p[1],
    )
    return [*cities, *regions]


def language_choices() -> list[tuple[str, str]]:
    """Working languages for a checkbox list, English, Russian and Kazakh first."""
    first = LANGUAGE_CODES[:3]
    rest = sorted(LANGUAGE_CODES[3:], key=language_name)
    return [(c, language_name(c)) for c in (*first, *rest)]
