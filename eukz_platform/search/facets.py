"""The facets: one definition of each, used both to filter a search and to count its matches.

Every facet reads one column of the documents (``search_document``). Its condition limits a
search's documents to the values chosen (``filters``), and the same condition, on the sampled
matches, limits the counts of every other facet (``counts``): each facet is counted without
its own filter, as multi-select facets should be.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

import sqlalchemy as sa
from flask import current_app

from ..core.vocabulary import Sector
from ..extensions import cache
from . import SearchQuery
from .engines import Compiled, Engine, constant, d, param
from .indexing import SECTOR_BITS

# Facets are counted over at most this many matches; a broader search shows its counts as
# lower bounds ("2,345+"), as its total ("more than 1,000").
FACET_SAMPLE = 2500


@dataclass(frozen=True)
class Facet:
    """A facet whose documents hold one value: chosen values are ORed."""

    name: str  # as results and query strings name it
    field: str  # SearchQuery's
    type_: type = sa.String

    @property
    def column(self) -> str:
        return self.name

    def selected(self, query: SearchQuery) -> list[str]:
        """The values chosen, as the facet's counts name them."""
        return list(getattr(query, self.field))

    def values(self, query: SearchQuery) -> list:
        """The values chosen, as the condition binds them."""
        return list(getattr(query, self.field))

    def param(self, i: int) -> sa.BindParameter:
        return param(f"f_{self.name}_{i}", self.type_)

    def condition(self, columns, engine: Engine, count: int) -> sa.ColumnElement[bool]:
        """Documents (``columns`` of search_document or of its sample) with a chosen value."""
        return columns[self.column].in_([self.param(i) for i in range(count)])

    def counts(self, m, engine: Engine, others: list) -> sa.Select:
        """(facet, value, n) of the sample ``m`` under the other facets' ``others``."""
        column = m.c[self.column]
        return (
            sa.select(
                constant(self.name).label("facet"),
                sa.cast(column, sa.String(32)).label("value"),
                sa.func.count().label("n"),
            )
            .where(column.is_not(None), *others)
            .group_by(column)
        )

    def value(self, counted):
        """A value as the database counted it, as results name it."""
        return counted


class Verified(Facet):
    def selected(self, query):
        return [] if query.verified is None else ["true" if query.verified else "false"]

    def values(self, query):
        return [] if query.verified is None else [query.verified]

    def value(self, counted):
        return "true" if str(counted).lower() in ("1", "true") else "false"


class Sectors(Facet):
    """Sectors are bits of one number: any chosen one set."""

    @property
    def column(self):
        return "sectors"

    def values(self, query):
        return [sum(SECTOR_BITS[Sector(s)] for s in query.sectors)] if query.sectors else []

    def condition(self, columns, engine, count):
        return columns[self.column].op("&")(self.param(0)) != constant(0)

    def counts(self, m, engine, others):
        sectors = sa.union_all(
            *(
                sa.select(constant(sector.value).label("name"), constant(bit).label("bit"))
                for sector, bit in SECTOR_BITS.items()
            )
        ).subquery("s")
        return (
            sa.select(constant(self.name), sectors.c.name, sa.func.count())
            .select_from(m.join(sectors, m.c.sectors.op("&")(sectors.c.bit) != constant(0)))
            .where(*others)
            .group_by(sectors.c.name)
        )


# Whether the viewer sees memberships hidden from the public (visibility.py decides; bound
# with each search's values, so that the statement's text is the same for every viewer).
HIDDEN_GROUPS_SHOWN = "hidden_groups_shown"


def groups_shown(columns) -> sa.ColumnElement[bool]:
    """Documents whose working groups the viewer may see: not hidden, or the viewer sees
    hidden ones (``HIDDEN_GROUPS_SHOWN``)."""
    return sa.or_(columns["org_hides_groups"] == sa.false(), param(HIDDEN_GROUPS_SHOWN, sa.Boolean))


class Groups(Facet):
    """Working groups: their slugs, between spaces, in one text (" erasmus "). An organisation
    that hides its memberships from the public is found and counted by group only for those
    who may see them."""

    @property
    def column(self):
        return "group_slugs"

    def values(self, query):
        return [f" {slug} " for slug in query.groups]

    def condition(self, columns, engine, count):
        column = columns[self.column]
        return sa.and_(
            sa.or_(*(engine.contains(column, self.param(i)) for i in range(count))),
            groups_shown(columns),
        )

    def counts(self, m, engine, others):
        wg = sa.table("working_group", sa.column("slug", sa.String)).alias("wg")
        slug = constant(" ") + wg.c.slug + constant(" ")
        return (
            sa.select(constant(self.name), wg.c.slug, sa.func.count())
            .select_from(m.join(wg, engine.contains(m.c.group_slugs, slug)))
            .where(groups_shown(m.c), *others)
            .group_by(wg.c.slug)
        )


# In the order pages show them.
FACETS = (
    Facet("kind", "kinds"),
    Facet("country", "countries"),
    Facet("region", "regions"),
    Facet("side", "sides"),
    Facet("type", "types"),
    Facet("eesc_group", "eesc_groups"),
    Sectors("sector", "sectors", sa.Integer),
    Groups("group", "groups"),
    Verified("verified", "verified", sa.Boolean),
)
NAMES = tuple(f.name for f in FACETS)


def chosen(query: SearchQuery) -> tuple[tuple[str, int], ...]:
    """(facet, number of values) of each facet filtering the search: the statements' shape."""
    return tuple((f.name, len(f.values(query))) for f in FACETS if f.values(query))


def params(query: SearchQuery) -> dict:
    """The chosen values, bound."""
    return {f"f_{f.name}_{i}": value for f in FACETS for i, value in enumerate(f.values(query))}


def conditions(chosen_: tuple, columns, engine: Engine) -> dict[str, sa.ColumnElement[bool]]:
    """The condition of each facet filtering the search, by facet name."""
    facets = dict(zip(NAMES, FACETS, strict=True))
    return {name: facets[name].condition(columns, engine, count) for name, count in chosen_}


def sample_size() -> int:
    return int(current_app.config.get("SEARCH_FACET_SAMPLE", FACET_SAMPLE))


@lru_cache(maxsize=256)
def statement(shape) -> Compiled:
    """Every facet counted in one statement (UNION ALL) over the first ``FACET_SAMPLE`` + 1
    matches (``SEARCH_FACET_SAMPLE`` in the config), each facet without its own filter; plus
    the total and the sample's size. ``shape``: service.Shape."""
    engine = shape.engine
    source, match = engine.documents("all")
    m = (
        sa.select(*(d.c[f.column] for f in FACETS), d.c.org_hides_groups)
        .select_from(source)
        .where(match, shape.visible())
        .limit(constant(shape.sample + 1))
        .cte("m")
        .prefix_with("MATERIALIZED")
    )
    where = conditions(shape.filters, m.c, engine)

    def others(but: str | None = None) -> list:
        return [condition for name, condition in where.items() if name != but]

    branches = [f.counts(m, engine, others(f.name)) for f in FACETS]
    for name, condition in (("total", others()), ("sample", [])):
        branches.append(
            sa.select(constant(name), sa.null(), sa.func.count()).select_from(m).where(*condition)
        )
    return engine.compile(sa.union_all(*branches))


@lru_cache(maxsize=512)
def _described(shape) -> str:
    """A shape as the same text in every process (the cache may be shared between them)."""
    visible = shape.visible().compile(dialect=shape.engine.dialect)
    # The rules' own values; the viewer's come with each search's values.
    constants = sorted(
        (k, repr(v)) for k, v in visible.params.items() if k not in shape.visibility.params
    )
    # The kind of viewer first: counts kept for one kind are never given to another.
    kind = shape.visibility.key[0]
    described = repr(
        (kind, shape.engine_shape, shape.filters, shape.sample, str(visible), constants)
    )
    return hashlib.blake2b(described.encode(), digest_size=16).hexdigest()


def _key(shape, generation: int, values: dict) -> str:
    described = repr((generation, sorted(values.items()))).encode()
    digest = hashlib.blake2b(described, digest_size=16).hexdigest()
    return f"search-facets:{_described(shape)}:{digest}"


def keeping() -> bool:
    """Whether facet counts are kept (``SEARCH_FACET_CACHE_SIZE`` is not 0)."""
    return bool(current_app.config.get("SEARCH_FACET_CACHE_SIZE", 256))


def _kept_key(shape, values: dict, generation) -> str | None:
    if keeping() and generation is not None:
        return _key(shape, generation, values)
    return None


def kept(shape, values: dict, generation) -> tuple | None:
    """What ``counted`` keeps for this search at this generation of the index, or None."""
    key = _kept_key(shape, values, generation)
    return cache.get(key) if key is not None else None


def counted(query: SearchQuery, shape, values: dict, generation) -> tuple:
    """(facets, total, whether they are lower bounds), kept while the index is unchanged
    (its generation is part of the key) unless ``SEARCH_FACET_CACHE_SIZE`` is 0."""
    key = _kept_key(shape, values, generation)
    if key is not None:
        found = cache.get(key)
        if found is not None:
            return found
    counts: dict[str, Counter] = {name: Counter() for name in NAMES}
    total = sample = 0
    facets_by_name = dict(zip(NAMES, FACETS, strict=True))
    for facet, value, n in shape.engine.execute(statement(shape), values):
        if facet == "total":
            total = n
        elif facet == "sample":
            sample = n
        else:
            counts[facet][facets_by_name[facet].value(value)] += n
    facets = {}
    for f in FACETS:
        for value in f.selected(query):
            counts[f.name].setdefault(value, 0)
        facets[f.name] = sorted(counts[f.name].items(), key=lambda item: (-item[1], str(item[0])))
    found = (facets, total, sample > shape.sample)
    if key is not None:
        cache.set(key, found)
    return found
