"""Folding: the one form text is indexed and searched in, whatever its script.

``fold("Алматы") == fold("Almaty") == "almati"``: case, accents and invisible format
characters (a zero-width space, a soft hyphen) go, Cyrillic (Russian, Kazakh, Ukrainian,
Belarusian, Serbian, Bulgarian) and Greek letters become Latin, and a few spellings that
transliterations leave apart are brought together (``kh``/``k``, ``q``/``k``, ``gh``/``g``,
``y``/``i``), so that "Kazakhstan", "Казахстан", "Қазақстан" and "Qazaqstan"
meet. Names with established other forms that no rule joins (Karaganda/Қарағанды,
Oskemen/Ust-Kamenogorsk) go through the synonyms in ``synonyms.py``.

The same functions serve indexing and querying, so both always agree:
- ``tokens(text)``: the folded words, each synonym replaced by its first form (queries, and
  comparing two names);
- ``index_tokens(text)``: the folded words as written plus the first form of every synonym
  found (what the index stores, so that a query for any form finds it);
- ``fold(text)``: ``" ".join(tokens(text))``.
The output holds only lower-case letters and digits separated by single spaces; letters of
scripts without a mapping (Georgian, Arabic, Chinese…) are kept as they are.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from . import synonyms

_CYRILLIC = {
    "а": "a",
    "б": "b",
    "в": "v",
    "г": "g",
    "д": "d",
    "е": "e",
    "ж": "zh",
    "з": "z",
    "и": "i",
    "к": "k",
    "л": "l",
    "м": "m",
    "н": "n",
    "о": "o",
    "п": "p",
    "р": "r",
    "с": "s",
    "т": "t",
    "у": "u",
    "ф": "f",
    "х": "kh",
    "ц": "ts",
    "ч": "ch",
    "ш": "sh",
    "щ": "shch",
    "ъ": "",
    "ы": "i",
    "ь": "",
    "э": "e",
    "ю": "iu",
    "я": "ia",
    # Kazakh
    "ә": "a",
    "ғ": "g",
    "қ": "k",
    "ң": "n",
    "ө": "o",
    "ұ": "u",
    "ү": "u",
    "һ": "h",
    "і": "i",
    # Ukrainian, Belarusian, Serbian, Macedonian
    "є": "ie",
    "ґ": "g",
    "ђ": "dj",
    "ј": "j",
    "љ": "lj",
    "њ": "nj",
    "ћ": "c",
    "џ": "dz",
    "ѓ": "g",
    "ќ": "k",
    "ѕ": "dz",
}
_GREEK = {
    "α": "a",
    "β": "v",
    "γ": "g",
    "δ": "d",
    "ε": "e",
    "ζ": "z",
    "η": "i",
    "θ": "th",
    "ι": "i",
    "κ": "k",
    "λ": "l",
    "μ": "m",
    "ν": "n",
    "ξ": "x",
    "ο": "o",
    "π": "p",
    "ρ": "r",
    "σ": "s",
    "ς": "s",
    "τ": "t",
    "υ": "i",
    "φ": "f",
    "χ": "h",
    "ψ": "ps",
    "ω": "o",
}
# Latin letters that decomposition leaves whole.
_LATIN = {"ı": "i", "ø": "o", "æ": "ae", "œ": "oe", "đ": "d", "ł": "l", "þ": "th", "ð": "d"}
_TABLE = str.maketrans({**_CYRILLIC, **_GREEK, **_LATIN})


def _ranges(codes: list[int]) -> str:
    """A regular expression's class of these characters, written as ranges: a class of 163
    single characters is matched several times slower."""
    ranges: list[list[int]] = []
    for code in codes:
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    return "".join(
        re.escape(chr(first)) + (f"-{re.escape(chr(last))}" if last != first else "")
        for first, last in ranges
    )


# Format characters (category Cf: zero-width spaces and joiners, the soft hyphen, direction
# marks and overrides…): invisible, so a word holding one is read as one word without it.
_FORMAT_CHARACTERS = _ranges(
    [
        code
        for code in (*range(0x20000), *range(0xE0000, 0xE1000))
        if unicodedata.category(chr(code)) == "Cf"
    ]
)
_FORMAT = re.compile(f"[{_FORMAT_CHARACTERS}]")
# A word as a page shows it: letters and digits, with any invisible format character inside
# it (read as one word, as fold_words reads it).
_SHOWN_WORD = re.compile(f"[^\\W_]+(?:[{_FORMAT_CHARACTERS}]+[^\\W_]+)*")
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+")
_NON_ASCII = re.compile("[^\x00-\x7f]+")
_WORD = re.compile(r"[^\W_]+")
_ASCII_WORD = re.compile("[a-z0-9]+")
_ASCII_ANY_CASE_WORD = re.compile("[A-Za-z0-9]+")


def _transliterate(match: re.Match) -> str:
    return match.group().translate(_TABLE)


def _spell(text: str) -> str:
    # Spellings that transliterations of one name differ by: kh (х), q and k for the
    # Kazakh қ, gh and g for ғ, y or i for ы and й. So "Kazakhstan", "Казахстан",
    # "Қазақстан" and "Qazaqstan" all fold to "kazakstan".
    return text.replace("kh", "k").replace("gh", "g").replace("q", "k").replace("y", "i")


@lru_cache(maxsize=131072)
def _fold_written_word(word: str) -> tuple[str, ...]:
    """One word as written (letters and digits of any script), folded into its parts."""
    folded = _COMBINING.sub("", unicodedata.normalize("NFKD", word.casefold()))
    folded = _spell(_NON_ASCII.sub(_transliterate, folded))
    return tuple((_ASCII_WORD if folded.isascii() else _WORD).findall(folded))


def fold_words(text: str) -> list[str]:
    """The folded words of ``text``, as written (no synonyms applied)."""
    if not text:
        return []
    if text.isascii():
        return _ASCII_WORD.findall(_spell(text.lower()))
    words: list[str] = []
    for word in _WORD.findall(unicodedata.normalize("NFC", _FORMAT.sub("", text))):
        words.extend(_fold_written_word(word))
    return words


@lru_cache(maxsize=131072)
def fold_word(word: str) -> str:
    """One word folded (its parts joined when folding splits it; invisible format characters
    left out)."""
    return "".join(_fold_written_word(_FORMAT.sub("", word)))


def tokens(text: str) -> list[str]:
    """The folded words of ``text`` with every synonym replaced by its first form."""
    return synonyms.canonical(fold_words(text))


def index_tokens(text: str) -> list[str]:
    """What the index stores for ``text``: its folded words, then the first form of each
    synonym found in it (when that differs from what is written)."""
    words = fold_words(text)
    return words + synonyms.expansions(words)


def fold(text: str) -> str:
    """``text`` in its folded form: lower-case Latin words separated by single spaces."""
    return " ".join(tokens(text))


def folded_latin(text: str) -> str:
    """An ASCII ``text`` folded as a whole: every word ``words_with_spans(text)`` gives is in
    this string (two letters or digits side by side are of one word, so nothing runs
    together), so a folded word that is not in it is in none of them. One pass: a quick test
    before the exact one, word by word."""
    return _spell(text.lower())


def folded_as_written(text: str) -> list[str]:
    """The folded words ``words_with_spans(text)`` gives, without their places: a quick test
    before it (most texts hold none of the words searched for)."""
    return [folded for word in _SHOWN_WORD.findall(text) if (folded := fold_word(word))]


def words_with_spans(text: str) -> list[tuple[int, int, str]]:
    """Each word of ``text`` as written: (start, end, folded form), for highlighting."""
    if text.isascii():
        return [
            (m.start(), m.end(), _spell(m.group().lower()))
            for m in _ASCII_ANY_CASE_WORD.finditer(text)
        ]
    return [
        (m.start(), m.end(), folded)
        for m in _SHOWN_WORD.finditer(text)
        if (folded := fold_word(m.group()))
    ]
