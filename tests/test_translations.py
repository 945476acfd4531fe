"""The Russian and Kazakh catalogues: complete, current, and loaded by the app.

A catalogue must hold every message the code and templates mark today (extracted here the way
`make translations` does, with babel.cfg), each translated, none fuzzy, none stale, with the
English message's placeholders and markup, and as many plural forms as its language has.
"""

import re
from fnmatch import fnmatch
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po
from flask_babel import force_locale, gettext, ngettext

from eukz_platform import create_app

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "eukz_platform" / "translations"
# The directories `make translations` skips (its EXTRACT_IGNORE): not "_macros", which Babel's
# own default would skip.
IGNORE_DIRS = (".*", "__pycache__", "node_modules")
LANGUAGES = sorted(p.parent.parent.name for p in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"))

# A %-placeholder (%(name)s, %(num)d, %s, %%), a {name} field, an HTML tag or entity.
TOKEN = re.compile(
    r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa%]|\{\w*\}|<[^>]+>|&#?\w+;"
)


def tokens(text: str) -> list[str]:
    return sorted(TOKEN.findall(text))


@pytest.fixture(scope="module")
def current_messages() -> set:
    """The msgids the code and templates mark now: a string, or (singular, plural)."""
    with open(ROOT / "babel.cfg") as f:
        method_map, options_map = parse_mapping_cfg(f)
    return {
        message if isinstance(message, str) else tuple(message)
        for _, _, message, _, _ in extract_from_dir(
            str(ROOT),
            method_map,
            options_map,
            directory_filter=lambda path: not any(
                fnmatch(Path(path).name, pattern) for pattern in IGNORE_DIRS
            ),
        )
    }


def catalogue(language: str) -> Catalog:
    with open(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f, locale=language)


def entries(cat: Catalog):
    return [m for m in cat if m.id]


def test_russian_and_kazakh_catalogues_exist():
    assert {"ru", "kk"} <= set(LANGUAGES)


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogue_holds_exactly_the_current_messages(language, current_messages):
    ids = {m.id if isinstance(m.id, str) else tuple(m.id) for m in entries(catalogue(language))}
    missing = current_messages - ids
    stale = ids - current_messages
    assert not missing, f"not in {language}: run `make translations` and translate {missing}"
    assert not stale, f"no longer in the code, still in {language}: {stale}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated_and_none_fuzzy_or_obsolete(language):
    cat = catalogue(language)
    problems = {
        "header marked fuzzy": cat.fuzzy,
        "fuzzy": [m.id for m in entries(cat) if m.fuzzy],
        "untranslated": [
            m.id
            for m in entries(cat)
            if not (all(m.string) if isinstance(m.string, tuple) else m.string)
        ],
        "obsolete (#~)": list(cat.obsolete),
    }
    assert not any(problems.values()), f"{language}: {problems}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_the_placeholders_and_markup(language):
    wrong = []
    for m in entries(catalogue(language)):
        if not m.string:
            continue  # untranslated: the test above says so
        if isinstance(m.id, str):
            if tokens(m.string) != tokens(m.id):
                wrong.append((m.id, m.string))
        else:
            # Each plural form may be chosen for any number: it takes every placeholder.
            expected = sorted(set(tokens(m.id[0])) | set(tokens(m.id[1])))
            wrong += [
                (m.id, form) for form in m.string if form and sorted(set(tokens(form))) != expected
            ]
    assert not wrong, f"placeholders or markup differ in {language}: {wrong}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_plural_entries_have_the_language_s_number_of_forms(language):
    cat = catalogue(language)
    forms, rule = get_plural(language)
    assert cat.num_plurals == forms
    assert cat.plural_expr.replace(" ", "") == rule.replace(" ", "")
    plurals = [m for m in entries(cat) if not isinstance(m.id, str)]
    assert plurals
    wrong = [m.id for m in plurals if not isinstance(m.string, tuple) or len(m.string) != forms]
    assert not wrong, f"wrong number of plural forms in {language}: {wrong}"


@pytest.fixture(scope="module")
def plain_app():
    """The app alone: no database is touched, and LANGUAGES is left as configured."""
    return create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})


@pytest.mark.parametrize(
    ("language", "log_in", "works_for"),
    [
        (
            "ru",
            "Войти",
            {
                1: "Ссылка действует 1 день.",
                3: "Ссылка действует 3 дня.",
                5: "Ссылка действует 5 дней.",
                21: "Ссылка действует 21 день.",
            },
        ),
        (
            "kk",
            "Кіру",
            {n: f"Сілтеме {n} күн жарамды." for n in (1, 3, 5, 21)},
        ),
    ],
)
def test_the_app_loads_the_compiled_catalogues(plain_app, language, log_in, works_for):
    days = ("The link works for %(num)s day.", "The link works for %(num)s days.")
    template = plain_app.jinja_env.from_string(
        "{{ _('Log in') }}|{% trans num=n %}The link works for {{ num }} day."
        "{% pluralize %}The link works for {{ num }} days.{% endtrans %}"
    )
    with plain_app.test_request_context(), force_locale(language):
        assert gettext("Log in") == log_in
        for n, text in works_for.items():
            assert ngettext(*days, n) == text
            assert template.render(n=n) == f"{log_in}|{text}"
    with plain_app.test_request_context():  # the configured language is left as it was
        assert gettext("Log in") == "Log in"
