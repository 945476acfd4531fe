"""What a search asks for, and the one reading of it from a query string (docs/architecture.md,
"Interfaces"): the directory page, its exports and the read API all go through
``SearchQuery.from_args``, and the API's OpenAPI document states the same limits.

A value outside a parameter's vocabulary is refused (HTTP 400) rather than ignored, so that a
typo in a program's query does not silently return everything. The read API (``strict``) also
takes values exactly as its OpenAPI document lists them (country codes in upper or lower case),
and refuses unknown parameters and empty values; the directory's form sends empty fields, which
mean "not given" there, and its values are read more loosely (spaces, any case).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from flask_babel import gettext as _
from flask_babel import ngettext
from werkzeug.datastructures import MultiDict

from ..core.vocabulary import (
    COUNTRY_CODES,
    REGION_CODES,
    EESCGroup,
    OrganisationType,
    Sector,
    Side,
)
from ..errors import DomainError

KINDS = ("organisation", "contact", "opportunity")
SORTS = ("relevance", "name", "newest")
DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100
# Results beyond this offset are not served: a search that broad needs narrowing instead.
MAX_OFFSET = 10_000
# The first MAX_OFFSET results can be paged through (100 pages of 100): whatever per_page is,
# a page up to this one is served.
MAX_PAGE = MAX_OFFSET // MAX_PER_PAGE
# The search text: at most this many characters (a name has at most 200), of which the first
# MAX_WORDS words are searched. What a search costs stays bounded whatever its text.
MAX_QUERY_LENGTH = 200
MAX_WORDS = 10
# Totals above this are shown as "more than 1,000": counting further costs time for nothing.
COUNT_CAP = 1000
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
WHOLE_NUMBER = re.compile(r"-?[0-9]+")

# Facet filters: parameter name -> (SearchQuery field, allowed values or None for group slugs).
FACETS: dict[str, tuple[str, tuple[str, ...] | None]] = {
    "kind": ("kinds", KINDS),
    "country": ("countries", tuple(COUNTRY_CODES)),
    "region": ("regions", REGION_CODES),
    "side": ("sides", tuple(s.value for s in Side)),
    "type": ("types", tuple(t.value for t in OrganisationType)),
    "eesc_group": ("eesc_groups", tuple(g.value for g in EESCGroup)),
    "sector": ("sectors", tuple(s.value for s in Sector)),
    "group": ("groups", None),
}
PAGING = ("page", "per_page")
SEARCH_PARAMS = ("q", *PAGING, "sort", *FACETS, "verified")
ORGANISATION_PARAMS = tuple(p for p in SEARCH_PARAMS if p != "kind")
CONTACT_PARAMS = ("q", *PAGING, "sort")
GROUP_PARAMS = PAGING


class BadQuery(DomainError):
    """A search parameter has a value the search does not take (HTTP 400)."""


class BadParameter(BadQuery):
    """A query parameter that is unknown, or whose value is not allowed; named in the message
    before the reason (a whole sentence, in the caller's language)."""

    def __init__(self, name: str, message: str):
        super().__init__(f"{name}: {message}")
        self.name = name


def _empty() -> str:
    return _("Give a value, or leave the parameter out.")


def _not_one_of(value: str, choices: Iterable[str]) -> str:
    return _("%(value)s is not one of: %(choices)s.", value=repr(value), choices=", ".join(choices))


class QueryTooLong(BadParameter):
    """The search text is longer than ``MAX_QUERY_LENGTH`` characters."""

    def __init__(self):
        super().__init__(
            "q",
            ngettext(
                "The search text is too long: at most %(num)d character.",
                "The search text is too long: at most %(num)d characters.",
                MAX_QUERY_LENGTH,
            ),
        )


def _given(args: MultiDict, name: str, strict: bool) -> str | None:
    """A single-valued parameter's value; None when absent (or empty, unless ``strict``)."""
    raw = args.get(name)
    if raw is not None and not strict:
        raw = raw.strip()
    if raw == "" and strict:
        raise BadParameter(name, _empty())
    return raw or None


def _int(args: MultiDict, name: str, default: int, high: int, strict: bool) -> int:
    raw = _given(args, name, strict)
    if raw is None:
        return default
    if not WHOLE_NUMBER.fullmatch(raw):
        raise BadParameter(name, _("%(value)s is not a whole number.", value=repr(raw)))
    # A page number has a few digits: longer ones are out of range, not read (Python refuses
    # to read an integer of thousands of digits).
    if len(raw) > 9 or not 1 <= int(raw) <= high:
        raise BadParameter(
            name, _("Give a number from 1 to %(high)d, not %(value)s.", high=high, value=raw[:20])
        )
    return int(raw)


def _values(args: MultiDict, name: str, strict: bool) -> list[str]:
    """A repeatable parameter's values, in order, without repeats (or blanks, unless
    ``strict``: then a blank is refused)."""
    seen: dict[str, None] = {}
    for raw in args.getlist(name):
        value = raw if strict else raw.strip()
        if value:
            seen.setdefault(value, None)
        elif strict:
            raise BadParameter(name, _empty())
    return list(seen)


def _facet(args: MultiDict, name: str, strict: bool) -> list[str]:
    choices = FACETS[name][1]
    values = _values(args, name, strict)
    if choices is None:
        for slug in values:
            if not SLUG.match(slug):
                raise BadParameter(
                    name, _("%(value)s is not a working group's slug.", value=repr(slug))
                )
        return values
    if name in ("country", "region"):
        values = [v.upper() if v.islower() or not strict else v for v in values]
    for value in values:
        if value not in choices:
            raise BadParameter(name, _not_one_of(value, choices))
    return values


def _verified(args: MultiDict, strict: bool) -> bool | None:
    values = {v if strict else v.lower() for v in _values(args, "verified", strict)}
    for value in values:
        if value not in ("true", "false"):
            raise BadParameter(
                "verified", _("%(value)s is neither “true” nor “false”.", value=repr(value))
            )
    if len(values) != 1:
        return None  # none given, or both: no filter
    return values.pop() == "true"


@dataclass
class SearchQuery:
    q: str = ""
    kinds: list[str] = field(default_factory=list)  # "organisation", "contact", "opportunity"
    countries: list[str] = field(default_factory=list)  # ISO 3166-1 alpha-2
    regions: list[str] = field(default_factory=list)  # ISO 3166-2:KZ (vocabulary.REGION_CODES)
    sides: list[str] = field(default_factory=list)  # "eu", "kz", "other"
    types: list[str] = field(default_factory=list)
    eesc_groups: list[str] = field(default_factory=list)
    sectors: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)  # working group slugs (active memberships)
    verified: bool | None = None
    sort: str = "relevance"  # relevance | name | newest
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE  # at most MAX_PER_PAGE
    with_facets: bool = True

    @classmethod
    def from_args(
        cls, args: MultiDict, allowed: Iterable[str] = SEARCH_PARAMS, strict: bool = True
    ) -> SearchQuery:
        """The search that ``args`` (a query string) ask for; BadParameter for anything not
        allowed, QueryTooLong for a search text too long.

        ``strict`` refuses parameters that are not in ``allowed`` and empty values (the API);
        otherwise they are ignored (the directory page, and an export given its query string).
        """
        allowed = tuple(allowed)
        for name, value in args.items(multi=True):
            if "\x00" in value:
                raise BadParameter(name, _("The value contains a NUL character."))
        if strict:
            for name in args:
                if name not in allowed:
                    raise BadParameter(
                        name,
                        _(
                            "There is no such parameter. Those known are: %(known)s.",
                            known=", ".join(allowed),
                        ),
                    )
        q = (args.get("q") or "").strip() if "q" in allowed else ""
        if len(q) > MAX_QUERY_LENGTH:
            raise QueryTooLong()
        query = cls(
            q=q,
            page=_int(args, "page", 1, MAX_PAGE, strict),
            per_page=_int(args, "per_page", DEFAULT_PER_PAGE, MAX_PER_PAGE, strict),
        )
        if "sort" in allowed:
            sort = _given(args, "sort", strict) or "relevance"
            if sort not in SORTS:
                raise BadParameter("sort", _not_one_of(sort, SORTS))
            query.sort = sort
        for name, (attr, _choices) in FACETS.items():
            if name in allowed:
                setattr(query, attr, _facet(args, name, strict))
        if "verified" in allowed:
            query.verified = _verified(args, strict)
        return query

    def checked(self) -> SearchQuery:
        """This search with its values checked against the same limits and choices as
        ``from_args``, de-duplicated and sorted: what the search service runs. A search built
        in code (not from a query string) is checked here; BadQuery for anything it does not
        take."""
        if not isinstance(self.q, str):
            raise BadParameter("q", _("The search text must be text."))
        if len(self.q) > MAX_QUERY_LENGTH:
            raise QueryTooLong()
        if self.sort not in SORTS:
            raise BadParameter("sort", _not_one_of(str(self.sort)[:40], SORTS))
        for name, value, high in (
            ("page", self.page, MAX_PAGE),
            ("per_page", self.per_page, MAX_PER_PAGE),
        ):
            if not isinstance(value, int) or not 1 <= value <= high:
                raise BadParameter(name, _("Give a number from 1 to %(high)d.", high=high))
        if (self.page - 1) * self.per_page >= MAX_OFFSET:
            raise BadParameter(
                "page",
                ngettext(
                    "Only the first %(num)d result can be paged through.",
                    "Only the first %(num)d results can be paged through.",
                    MAX_OFFSET,
                ),
            )
        if self.verified not in (None, True, False):
            raise BadParameter("verified", _("Give true or false."))
        checked = replace(self)
        for name, (attr, choices) in FACETS.items():
            values = [str(v) for v in getattr(self, attr)]
            for value in values:
                if not (SLUG.match(value) if choices is None else value in choices):
                    raise BadParameter(
                        name, _("%(value)s is not one of the choices.", value=repr(value[:80]))
                    )
            setattr(checked, attr, sorted(set(values)))
        return checked
