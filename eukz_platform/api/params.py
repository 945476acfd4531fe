"""Query parameters of the read API and the directory exports, checked against DESIGN.md.

A value outside a parameter's vocabulary is refused (HTTP 400) rather than ignored, so that a
typo in a program's query does not silently return everything.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from ..extensions import db
from ..groups.models import WorkingGroup
from ..organisations.vocabulary import (
    COUNTRY_CODES,
    EESCGroup,
    OrganisationType,
    Sector,
    Side,
)
from ..search import SearchQuery

KINDS = ("organisation", "contact")
SORTS = ("relevance", "name", "newest")
DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100
# Deep pages are allowed, within reason: the offset must stay a small number for the database.
MAX_PAGE = 100_000
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")

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


def _int(args: MultiDict, name: str, default: int, low: int, high: int) -> int:
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadParameter(name, f"{raw!r} is not a whole number.") from None
    if not low <= value <= high:
        raise BadParameter(name, f"must be between {low} and {high}, not {value}.")
    return value


def _values(args: MultiDict, name: str) -> list[str]:
    """A repeatable parameter's values, in order, without blanks or repeats."""
    seen: dict[str, None] = {}
    for raw in args.getlist(name):
        value = raw.strip()
        if value:
            seen.setdefault(value, None)
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


def _verified(args: MultiDict) -> bool | None:
    values = {v.lower() for v in _values(args, "verified")}
    for value in values:
        if value not in ("true", "false"):
            raise BadParameter("verified", f"{value!r} is neither 'true' nor 'false'.")
    if len(values) != 1:
        return None  # none given, or both: no filter
    return values.pop() == "true"


def parse(args: MultiDict, allowed: Iterable[str], strict: bool = True) -> SearchQuery:
    """The search query that ``args`` ask for; BadParameter for anything not allowed.

    ``strict`` refuses parameters that are not in ``allowed`` (the API); otherwise they are
    ignored (an export given the directory page's whole query string).
    """
    allowed = tuple(allowed)
    if strict:
        for name in args:
            if name not in allowed:
                raise BadParameter(name, "unknown parameter. Known: " + ", ".join(allowed) + ".")
    query = SearchQuery(
        q=(args.get("q") or "").strip() if "q" in allowed else "",
        page=_int(args, "page", 1, 1, MAX_PAGE),
        per_page=_int(args, "per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE),
    )
    if "sort" in allowed:
        sort = (args.get("sort") or "relevance").strip()
        if sort not in SORTS:
            raise BadParameter("sort", f"{sort!r} is not one of " + ", ".join(SORTS) + ".")
        query.sort = sort
    for name, (attr, choices) in FACETS.items():
        if name not in allowed:
            continue
        values = _values(args, name)
        if choices is None:
            _check_slugs(values)
        else:
            if name == "country":
                values = [v.upper() for v in values]
            for value in values:
                if value not in choices:
                    raise BadParameter(name, f"{value!r} is not one of " + ", ".join(choices) + ".")
        setattr(query, attr, values)
    if "verified" in allowed:
        query.verified = _verified(args)
    return query
