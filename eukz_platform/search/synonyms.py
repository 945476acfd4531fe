"""Names with established other forms that transliteration alone does not join.

Three sources: country names in English, Russian and Kazakh from pycountry's ISO 3166-1
catalogues, Kazakhstan's main cities and regions from ``data/kazakhstan_places.txt``, and EU
programmes' names as Russian and Kazakh write them from ``data/programmes.txt``.
Each form is folded into a sequence of words; every form maps to the first form of its group
(for countries, the English name).
"""

from __future__ import annotations

import gettext
from functools import lru_cache
from pathlib import Path

PLACES_FILE = Path(__file__).with_name("data") / "kazakhstan_places.txt"
# EU programmes' names in Russian and Kazakh ("Эразмус" for Erasmus), in the same format.
PROGRAMMES_FILE = Path(__file__).with_name("data") / "programmes.txt"
COUNTRY_LANGUAGES = ("ru", "kk")

Words = tuple[str, ...]


def _country_groups() -> list[list[str]]:
    import pycountry

    catalogues = [
        gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang])
        for lang in COUNTRY_LANGUAGES
    ]
    groups = []
    for country in pycountry.countries:
        english = [country.name]
        for attr in ("common_name", "official_name"):
            value = getattr(country, attr, None)
            if value:
                english.append(value)
        forms = list(english)
        for catalogue in catalogues:
            forms.extend(catalogue.gettext(name) for name in english)
        groups.append(forms)
    return groups


def _place_groups() -> list[list[str]]:
    groups = []
    lines = PLACES_FILE.read_text(encoding="utf-8").splitlines()
    lines += PROGRAMMES_FILE.read_text(encoding="utf-8").splitlines()
    for line in lines:
        line = line.strip()
        if line and not line.startswith("#"):
            groups.append([form.strip() for form in line.split("|") if form.strip()])
    return groups


@lru_cache(maxsize=1)
def table() -> dict[str, list[tuple[Words, Words]]]:
    """First word -> [(form, first form of its group)], longest forms first."""
    from .folding import fold_words

    by_first: dict[str, dict[Words, Words]] = {}
    # Places first: a city keeps its own group even if a country shares a form with it.
    for group in _place_groups() + _country_groups():
        first = tuple(fold_words(group[0]))
        if not first:
            continue
        for form in group:
            words = tuple(fold_words(form))
            if words and words != first:
                by_first.setdefault(words[0], {}).setdefault(words, first)
    return {
        word: sorted(forms.items(), key=lambda item: -len(item[0]))
        for word, forms in by_first.items()
    }


def find(words: list[str]) -> list[tuple[int, int, Words]]:
    """Each synonym form found in ``words``: (start, end, first form), left to right."""
    synonyms = table()
    if synonyms.keys().isdisjoint(words):
        return []
    found = []
    end = 0
    for i in [i for i, word in enumerate(words) if word in synonyms]:
        if i < end:
            continue
        for form, first in synonyms[words[i]]:
            if len(form) == 1 or tuple(words[i : i + len(form)]) == form:
                found.append((i, i + len(form), first))
                end = i + len(form)
                break
    return found


def canonical(words: list[str]) -> list[str]:
    """``words`` with each synonym form replaced by the first form of its group."""
    found = find(words)
    if not found:
        return words
    out: list[str] = []
    i = 0
    for start, end, first in found:
        out.extend(words[i:start])
        out.extend(first)
        i = end
    out.extend(words[i:])
    return out


def expansions(words: list[str]) -> list[str]:
    """The first forms of the synonyms found in ``words``, to index beside them."""
    return [word for _start, _end, first in find(words) for word in first]


@lru_cache(maxsize=1)
def _forms_by_word() -> dict[str, set[str]]:
    forms: dict[str, set[str]] = {}
    for entries in table().values():
        for form, first in entries:
            for word in first:
                forms.setdefault(word, set()).add(" ".join(form))
    return forms


def forms_of(word: str) -> set[str]:
    """The written forms (folded) of the synonyms whose first form has ``word``."""
    return _forms_by_word().get(word, set())
