"""The keys two organisation names are compared by, so that one organisation is not
registered twice under names that only look different.

- ``name_key``: case, accents, spaces and invisible characters aside. "Alpha Civic Union",
  "ALPHA civic union", "Álpha Civic Union" and "Alpha\u200b Civic Union" (a zero-width space,
  a soft hyphen, a right-to-left override…) share it. It also orders names in lists.
- ``name_skeleton``: the visible text with every character replaced by its prototype in
  Unicode's table of confusable characters (UTS #39 "skeleton", computed by ICU), then
  case-folded, so that a name written with look-alike letters of another script ("Аlpha",
  with a Cyrillic А; "ΑLPHA" with a Greek Alpha) shares the plain name's skeleton. The
  skeleton is taken of the name as written, since whether two letters look alike depends on
  their case (Cyrillic "М" looks like "M", "м" not like "m"). It is for comparing only and
  may read oddly ("m" becomes "rn").

Both are stored, each unique, on the organisation: a name that shares either with another
organisation's is refused.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

import icu

# Characters that are invisible by definition (Unicode's Default_Ignorable_Code_Point) and
# are not format characters (category Cf, removed by category): the combining grapheme
# joiner, Hangul fillers, Khmer inherent vowels, Mongolian and other variation selectors.
_IGNORABLE = re.compile(
    "[\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180f\u3164\ufe00-\ufe0f\uffa0\U000e0100-\U000e01ef]"
)


def _visible(text: str) -> str:
    """``text`` decomposed (NFKD), without format characters, ignorables, accents or spaces."""
    if text.isascii():
        # Most names: nothing to decompose, nothing invisible, no accents; only spaces go.
        return "".join(text.split())
    decomposed = _IGNORABLE.sub("", unicodedata.normalize("NFKD", text))
    return "".join(
        c
        for c in decomposed
        if not unicodedata.combining(c) and unicodedata.category(c) != "Cf" and not c.isspace()
    )


def name_key(name: str) -> str:
    """The form two names are compared in: no case, no accents, no spaces, nothing invisible."""
    return _visible(name).casefold()


@cache
def _spoof_checker() -> icu.SpoofChecker:
    return icu.SpoofChecker()


def name_skeleton(name: str) -> str:
    """The name with look-alike characters folded to one prototype (UTS #39 skeleton), then
    compared as ``name_key`` compares: no case, accents, spaces or invisible characters."""
    skeleton = _spoof_checker().getSkeleton(0, _visible(name))
    return _visible(skeleton).casefold()


def same_name(a: str, b: str) -> bool:
    """True if two names would be taken for the same organisation's."""
    return name_key(a) == name_key(b) or name_skeleton(a) == name_skeleton(b)
