"""The partner search: one search box and facets over the posts a viewer may read.

The search text is folded as the directory's is (search/folding.py, search/terms.py: case,
accents, Cyrillic ↔ Latin, synonyms; the last word also as a prefix), and matched against each
post's folded words (``Opportunity.search_text``) with LIKE, which both engines run alike.
Facets are multi-select: each facet's counts are taken with every other facet's filter.
The page (lenient) and the API (strict) read their parameters here.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select
from werkzeug.datastructures import MultiDict

from .. import visibility
from ..core.vocabulary import COUNTRY_CODES, LANGUAGE_CODES, REGION_CODES, Sector
from ..extensions import db
from ..groups.models import WorkingGroup
from ..search.query import (
    DEFAULT_PER_PAGE,
    MAX_PER_PAGE,
    MAX_QUERY_LENGTH,
    SLUG,
    BadParameter,
    QueryTooLong,
)
from ..search.terms import parse_terms
from . import services
from .models import Kind, Opportunity

SORTS = ("deadline", "newest")
STATUSES = ("open", "closed")
MAX_PAGE = 100
FACETS = ("kind", "group", "sector", "country", "region", "language", "status")
# Facet parameter -> the post's column of its values between spaces (the other facets have
# a column of one value, or are worked out from the dates).
LIST_COLUMNS = {
    "sector": Opportunity.sectors_text,
    "country": Opportunity.countries_text,
    "region": Opportunity.regions_text,
    "language": Opportunity.languages_text,
}
PARAMS = ("q", "page", "per_page", "sort", *FACETS)


def _choices(name: str) -> tuple[str, ...] | None:
    return {
        "kind": tuple(k.value for k in Kind),
        "sector": tuple(s.value for s in Sector),
        "country": tuple(COUNTRY_CODES),
        "region": tuple(REGION_CODES),
        "language": tuple(LANGUAGE_CODES),
        "status": STATUSES,
    }.get(name)


@dataclass
class PostQuery:
    q: str = ""
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    sort: str = "deadline"
    filters: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def from_args(cls, args: MultiDict, strict: bool = True) -> PostQuery:
        """The search ``args`` ask for; BadParameter (400) for what is not allowed. ``strict``
        (the API) also refuses unknown parameters and empty values."""
        for name, value in args.items(multi=True):
            if "\x00" in value:
                raise BadParameter(name, _("The value contains a NUL character."))
            if strict and name not in PARAMS:
                raise BadParameter(
                    name,
                    _(
                        "There is no such parameter. Those known are: %(known)s.",
                        known=", ".join(PARAMS),
                    ),
                )
            if strict and value == "" and name != "q":  # an empty q: no search text
                raise BadParameter(name, _("Give a value, or leave the parameter out."))
        q = (args.get("q") or "").strip()
        if len(q) > MAX_QUERY_LENGTH:
            raise QueryTooLong()
        query = cls(
            q=q,
            page=_number(args, "page", 1, MAX_PAGE),
            per_page=_number(args, "per_page", DEFAULT_PER_PAGE, MAX_PER_PAGE),
        )
        sort = (args.get("sort") or "").strip() or "deadline"
        if sort not in SORTS:
            raise BadParameter("sort", _not_one_of(sort, SORTS))
        query.sort = sort
        for name in FACETS:
            values = list(dict.fromkeys(v.strip() for v in args.getlist(name) if v.strip()))
            if name == "country" and not strict:
                values = [v.upper() for v in values]
            choices = _choices(name)
            for value in values:
                if choices is None:
                    if not SLUG.match(value):
                        raise BadParameter(
                            name, _("%(value)s is not a working group's slug.", value=repr(value))
                        )
                elif value not in choices:
                    raise BadParameter(name, _not_one_of(value, choices))
            if values:
                query.filters[name] = values
        return query

    @property
    def statuses(self) -> list[str]:
        """Open posts unless closed ones are asked for."""
        return self.filters.get("status") or ["open"]


def _not_one_of(value: str, choices) -> str:
    return _("%(value)s is not one of: %(choices)s.", value=repr(value), choices=", ".join(choices))


def _number(args: MultiDict, name: str, default: int, high: int) -> int:
    raw = (args.get(name) or "").strip()
    if not raw:
        return default
    if not raw.isdigit() or len(raw) > 6 or not 1 <= int(raw) <= high:
        raise BadParameter(
            name, _("Give a number from 1 to %(high)d, not %(value)s.", high=high, value=raw[:20])
        )
    return int(raw)


def _like(column, value: str):
    return column.like(f"% {value} %")


def _text_clause(q: str):
    terms = parse_terms(q)
    if not terms:
        return None
    conditions = []
    for i, word in enumerate(terms.words):
        last = i == len(terms.words) - 1
        conditions.append(
            Opportunity.search_text.like(f"% {word}%" if last and terms.prefix else f"% {word} %")
        )
    return and_(*conditions)


def _facet_clause(name: str, values: list[str]):
    if name == "kind":
        return Opportunity.kind.in_([Kind(v) for v in values])
    if name == "group":
        return Opportunity.group_id.in_(
            select(WorkingGroup.id).where(WorkingGroup.slug.in_(values))
        )
    if name == "status":
        conditions = []
        today = services.today()
        if "open" in values:
            conditions.append(services.open_clause(today))
        if "closed" in values:
            conditions.append(or_(Opportunity.closed_at.is_not(None), Opportunity.deadline < today))
        return or_(*conditions)
    return or_(*(_like(LIST_COLUMNS[name], v) for v in values))


def _filters(query: PostQuery, leave_out: str | None = None) -> list:
    filters = dict(query.filters)
    filters["status"] = query.statuses
    return [_facet_clause(n, v) for n, v in filters.items() if n != leave_out]


@dataclass
class PostResult:
    items: list[Opportunity]
    total: int
    page: int
    per_page: int
    facets: dict[str, list[tuple[str, int]]]

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def find(query: PostQuery, viewer, with_facets: bool = True) -> PostResult:
    """One page of the posts the viewer may read that match ``query``, with facet counts."""
    base = [visibility.visible_opportunities(viewer, Opportunity)]
    text = _text_clause(query.q)
    if text is not None:
        base.append(text)
    where = base + _filters(query)
    total = db.session.scalar(select(func.count()).select_from(Opportunity).where(*where))
    order = (
        [Opportunity.deadline, Opportunity.id]
        if query.sort == "deadline"
        else [Opportunity.created_at.desc(), Opportunity.id.desc()]
    )
    items = list(
        db.session.scalars(
            select(Opportunity)
            .where(*where)
            .order_by(*order)
            .limit(query.per_page)
            .offset((query.page - 1) * query.per_page)
        )
    )
    facets = _facet_counts(query, base) if with_facets else {}
    return PostResult(items, total, query.page, query.per_page, facets)


def _facet_counts(query: PostQuery, base: list) -> dict[str, list[tuple[str, int]]]:
    today = services.today()
    out: dict[str, list[tuple[str, int]]] = {}
    for name in FACETS:
        where = base + _filters(query, leave_out=name)
        counts: Counter = Counter()
        if name == "status":
            rows = db.session.execute(
                select(Opportunity.closed_at, Opportunity.deadline).where(*where)
            )
            for closed_at, deadline in rows:
                counts["closed" if closed_at is not None or deadline < today else "open"] += 1
        elif name == "kind":
            rows = db.session.execute(
                select(Opportunity.kind, func.count()).where(*where).group_by(Opportunity.kind)
            )
            counts.update({Kind(k).value: n for k, n in rows})
        elif name == "group":
            rows = db.session.execute(
                select(WorkingGroup.slug, func.count())
                .join(Opportunity, Opportunity.group_id == WorkingGroup.id)
                .where(*where)
                .group_by(WorkingGroup.slug)
            )
            counts.update(dict(rows.all()))
        else:
            for (text,) in db.session.execute(select(LIST_COLUMNS[name]).where(*where)):
                counts.update((text or "").split())
        out[name] = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return out
