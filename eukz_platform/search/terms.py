"""What is searched for: the folded words of the search text, and the close-name pass's."""

from __future__ import annotations

from dataclasses import dataclass

from . import MAX_WORDS, synonyms
from .folding import fold_words

# The last word is also matched as a prefix ("energ" finds "energy") from this length on.
MIN_PREFIX = 3
# The close-name pass (when nothing matches as written) compares each word of the
# search text with the words of the index. Only words of CLOSE_MIN_WORD to CLOSE_MAX_WORD
# letters take part ("al" is close to too many words to tell; longer ones are not names'), the
# first CLOSE_MAX_WORDS of them (engines/postgresql.py, engines/sqlite.py).
CLOSE_MIN_WORD = 4
CLOSE_MAX_WORD = 24
CLOSE_MAX_WORDS = 3


@dataclass(frozen=True)
class Terms:
    """The folded words searched for; the last one also as a prefix when ``prefix``."""

    words: tuple[str, ...]
    prefix: bool

    def __bool__(self) -> bool:
        return bool(self.words)


def parse_terms(q: str) -> Terms:
    """Fold the search text into at most ``MAX_WORDS`` words; synonyms take their first form."""
    written = fold_words(q)[: MAX_WORDS * 2]
    found = synonyms.find(written)
    words: list[str] = []
    for word in synonyms.canonical(written):
        if word not in words:
            words.append(word)
    words = words[:MAX_WORDS]
    replaced_last = bool(found) and found[-1][1] == len(written)
    prefix = bool(words) and not replaced_last and len(words[-1]) >= MIN_PREFIX
    if prefix and words[-1] != (written[-1] if written else None):
        prefix = False
    return Terms(tuple(words), prefix)


def close_text(terms: Terms) -> str:
    """The words the close-name pass looks for, space-separated; empty when it does not run."""
    words = [w for w in terms.words if CLOSE_MIN_WORD <= len(w) <= CLOSE_MAX_WORD]
    return " ".join(words[:CLOSE_MAX_WORDS])
