"""Highlights: a hit's fields with <mark> around the words the search matched.

Worked out when first read, after the search (a page needs them; the read API and the
exports do not), from the records the search returned.
"""

from __future__ import annotations

from markupsafe import Markup, escape

from . import synonyms
from .folding import folded_as_written, folded_latin, words_with_spans
from .indexing import CONTACT, ORGANISATION
from .terms import Terms

SNIPPET = 240


class Highlights(dict):
    """A hit's fields with <mark> around the matched words, worked out when first read."""

    __slots__ = ("_compute",)

    def __init__(self, compute):
        super().__init__()
        self._compute = compute

    def _filled(self) -> dict:
        if self._compute is not None:
            compute, self._compute = self._compute, None
            dict.update(self, compute())
        return self

    def __getitem__(self, key):
        return dict.__getitem__(self._filled(), key)

    def __contains__(self, key):
        return dict.__contains__(self._filled(), key)

    def __iter__(self):
        return dict.__iter__(self._filled())

    def __len__(self):
        return dict.__len__(self._filled())

    def __eq__(self, other):
        return dict.__eq__(self._filled(), other)

    __hash__ = None

    def __repr__(self):
        return dict.__repr__(self._filled())

    def get(self, key, default=None):
        return dict.get(self._filled(), key, default)

    def keys(self):
        return dict.keys(self._filled())

    def values(self):
        return dict.values(self._filled())

    def items(self):
        return dict.items(self._filled())

    def copy(self):
        return dict(self.items())


class Marker:
    """Puts <mark> around the words of a text that the search matched."""

    def __init__(self, terms: Terms):
        self.words = set(terms.words)
        self.prefix = terms.words[-1] if terms and terms.prefix else None
        # What a matching text must contain once folded: the words searched for, and the
        # first word of each written form of the synonyms they stand for (a quick test before
        # the exact one).
        self.needles = set(self.words)
        for word in self.words:
            self.needles.update(form.split(" ", 1)[0] for form in synonyms.forms_of(word))

    def _matches(self, word: str) -> bool:
        return word in self.words or (self.prefix is not None and word.startswith(self.prefix))

    def marked(self, text: str | None) -> list[tuple[int, int]]:
        """(start, end) of each matched word of ``text``."""
        if not self.words or not text:
            return []
        # A quick test first: most texts of a page hold none of the words. A Latin text is
        # folded as a whole in one pass; others word by word, without the words' places.
        if text.isascii():
            folded = folded_latin(text)
            if not any(needle in folded for needle in self.needles):
                return []
        else:
            folded = folded_as_written(text)
            prefix = self.prefix
            if self.needles.isdisjoint(folded) and not (
                prefix and any(word.startswith(prefix) for word in folded)
            ):
                return []
        spans = words_with_spans(text)
        words, prefix = self.words, self.prefix or "\x00"
        hit = {i for i, (_s, _e, w) in enumerate(spans) if w in words or w.startswith(prefix)}
        for start, end, first in synonyms.find([word for _s, _e, word in spans]):
            if any(self._matches(word) for word in first):
                hit.update(range(start, end))
        return [(spans[i][0], spans[i][1]) for i in sorted(hit)]

    @staticmethod
    def _html(text: str, spans: list[tuple[int, int]]) -> Markup:
        """The text, escaped, with its spans between <mark>s."""
        escaped = escape(text)
        if not spans:
            return escaped
        # Most texts hold nothing to escape: their parts are then taken as they are.
        part = str if len(escaped) == len(text) else escape
        out, last = [], 0
        for start, end in spans:
            out += (part(text[last:start]), "<mark>", part(text[start:end]), "</mark>")
            last = end
        out.append(part(text[last:]))
        return Markup("".join(out))  # nosec B704 # each part escaped (or holds nothing to); the marks are ours

    def mark(self, text: str | None) -> Markup | None:
        if not text:
            return None
        return self._html(text, self.marked(text))

    def snippet(self, text: str | None) -> Markup | None:
        """A long text cut to the part around its first matched word."""
        if not text:
            return None
        spans = self.marked(text)
        if len(text) <= SNIPPET:
            return self._html(text, spans)
        start = 0
        if spans and spans[0][0] > SNIPPET // 3:
            start = text.rfind(" ", 0, spans[0][0] - SNIPPET // 3) + 1
        end = text.rfind(" ", start, start + SNIPPET)
        end = end if end > start else start + SNIPPET
        shifted = [(s - start, e - start) for s, e in spans if s >= start and e <= end]
        return (
            ("… " if start else "")
            + self._html(text[start:end], shifted)
            + (" …" if end < len(text) else "")
        )

    def highlights(self, kind: str, obj, other_names: list[str]) -> dict:
        """Every field a result shows of its kind, None where it has nothing to show."""
        if kind == ORGANISATION:
            other = "; ".join(other_names)
            other_spans = self.marked(other)
            fields = {
                "name": self.mark(obj.name),
                "acronym": self.mark(obj.acronym),
                "city": self.mark(obj.city),
                "other_names": self._html(other, other_spans) if other_spans else None,
                "description": self.snippet(obj.description),
            }
        elif kind == CONTACT:
            fields = {
                "name": self.mark(obj.name),
                "role": self.mark(obj.role),
                "organisation": self.mark(obj.organisation_label),
            }
        else:  # a partner search post (the model's title, description, organisation)
            fields = {
                "name": self.mark(obj.title),
                "description": self.snippet(obj.description),
                "organisation": self.mark(obj.organisation.name),
            }
        return fields
