"""Query parameters of the read API, the directory and its exports, checked against DESIGN.md.

A value outside a parameter's vocabulary is refused (HTTP 400) rather than ignored, so that a
typo in a program's query does not silently return everything. The read API (``strict``) also
takes values exactly as its OpenAPI document lists them (country codes in upper or lower case),
and refuses unknown parameters and empty values; the directory's form sends empty fields, which
mean "not given" there, and its values are read more loosely (spaces, any case).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from ..core.vocabulary import (
    COUNTRY_CODES,
    EESCGroup,
    OrganisationType,
    Sector,
    Side,
)
from ..extensions import db
from ..groups.models import WorkingGroup
from ..search import MAX_OFFSET, MAX_QUERY_LENGTH, SearchQuery

KINDS = ("organisation", "contact")
SORTS = ("relevance", "name", "newest")
DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100
# The first 10,000 results can be paged through (100 pages of 100): whatever per_page is, a
# page up to this one is served.
MAX_PAGE = MAX_OFFSET // MAX_PER_PAGE
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
WHOLE_NUMBER = re.compile(r"-?[0-9]+")

# Facet filters: parameter name -> (SearchQuery field, allowed values or None for group slugs).
FACETS: dict[str, tuple[str, tuple[str, ...] | None]] = {
    "kind": ("kinds", KINDS),
    "country": ("countries", tuple(COUNTRY_CODES)),
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


class BadParameter(ValueError):
    """A query parameter that is unknown, or whose value is not allowed."""

    def __init__(self, name: str, message: str):
        super().__init__(f"{name}: {message}")
        self.name = name


class SearchTextTooLong(BadParameter):
    """``q`` is longer than the search takes."""

    def __init__(self):
        super().__init__(
            "q", f"the search text is too long (at most {MAX_QUERY_LENGTH} characters)."
        )


def _given(args: MultiDict, name: str, strict: bool) -> str | None:
    """A single-valued parameter's value; None when absent (or empty, unless ``strict``)."""
    raw = args.get(name)
    if raw is not None and not strict:
        raw = raw.strip()
    if raw == "" and strict:
        raise BadParameter(name, "is empty: give a value, or leave the parameter out.")
    return raw or None


def _int(args: MultiDict, name: str, default: int, low: int, high: int, strict: bool) -> int:
    raw = _given(args, name, strict)
    if raw is None:
        return default
    if not WHOLE_NUMBER.fullmatch(raw):
        raise BadParameter(name, f"{raw!r} is not a whole number.")
    # A page number has a few digits: longer ones are out of range, not read (Python refuses
    # to read an integer of thousands of digits).
    if len(raw) > 9 or not low <= int(raw) <= high:
        raise BadParameter(name, f"must be between {low} and {high}, not {raw[:20]}.")
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
            raise BadParameter(name, "is empty: give a value, or leave the parameter out.")
    return list(seen)


def _check_slugs(slugs: list[str]) -> None:
    for slug in slugs:
        if not SLUG.match(slug):
            raise BadParameter("group", f"{slug!r} is not a working group's slug.")


def require_known_groups(slugs: list[str]) -> None:
    """BadParameter unless every slug is a working group's (the search service checks this
    itself, in its own statement)."""
    if not slugs:
        return
    known = set(db.session.scalars(select(WorkingGroup.slug).where(WorkingGroup.slug.in_(slugs))))
    unknown = [s for s in slugs if s not in known]
    if unknown:
        raise BadParameter("group", f"no working group has the slug {unknown[0]!r}.")


def _verified(args: MultiDict, strict: bool) -> bool | None:
    values = {v if strict else v.lower() for v in _values(args, "verified", strict)}
    for value in values:
        if value not in ("true", "false"):
            raise BadParameter("verified", f"{value!r} is neither 'true' nor 'false'.")
    if len(values) != 1:
        return None  # none given, or both: no filter
    return values.pop() == "true"


def parse(args: MultiDict, allowed: Iterable[str], strict: bool = True) -> SearchQuery:
    """The search query that ``args`` ask for; BadParameter for anything not allowed.

    ``strict`` refuses parameters that are not in ``allowed`` and empty values (the API);
    otherwise they are ignored (the directory page, and an export given its query string).
    """
    allowed = tuple(allowed)
    for name, value in args.items(multi=True):
        if "\x00" in value:
            raise BadParameter(name, "contains a NUL character.")
    if strict:
        for name in args:
            if name not in allowed:
                raise BadParameter(name, "unknown parameter. Known: " + ", ".join(allowed) + ".")
    q = (args.get("q") or "").strip() if "q" in allowed else ""
    if len(q) > MAX_QUERY_LENGTH:
        raise SearchTextTooLong()
    query = SearchQuery(
        q=q,
        page=_int(args, "page", 1, 1, MAX_PAGE, strict),
        per_page=_int(args, "per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE, strict),
    )
    if "sort" in allowed:
        sort = _given(args, "sort", strict) or "relevance"
        if sort not in SORTS:
            raise BadParameter("sort", f"{sort!r} is not one of " + ", ".join(SORTS) + ".")
        query.sort = sort
    for name, (attr, choices) in FACETS.items():
        if name not in allowed:
            continue
        values = _values(args, name, strict)
        if choices is None:
            _check_slugs(values)
        else:
            if name == "country":
                values = [v.upper() if v.islower() or not strict else v for v in values]
            for value in values:
                if value not in choices:
                    raise BadParameter(name, f"{value!r} is not one of " + ", ".join(choices) + ".")
        setattr(query, attr, values)
    if "verified" in allowed:
        query.verified = _verified(args, strict)
    return query
