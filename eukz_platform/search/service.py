"""The search service: one page of hits, the total and the facet counts, in few statements.

What a search runs, whatever the number of results:
1. the hits statement: the page of hits with what the page shows of each (records.py), and,
   in the same statement, the capped count of matches, the index generation and the working
   groups (slug, priority, title) for the facets;
2. the facets statement (facets.py), unless the counts are kept for this generation of the
   index.

Statements are built with SQLAlchemy Core from the parts of the database's engine
(engines/), once per shape of search (``Shape``: the engine, the viewer's kind of
visibility, which filters, the sort…), and run with the search's values bound.

Common words need care: ranking every match of a word found in a third of the directory
costs more than the rest of the page. So matches are counted up to 1,001 first, inside the hits
statement. SQLite ranks up to ``RANK_ALL`` matches whole (bm25, the name counting most); beyond
that ("broad"), documents whose names match come first, then the others in index order, read no
further than the page needs. PostgreSQL ranks the first 1,001 matches (ts_rank) as it reads
them, with the documents whose names match added for a broad search; pages beyond those give
the other matches in the order of their ids. Facet counts are exact, from one pass over the
matches (each facet counted without its own filter, as multi-select facets should), and they
give the exact total for free.

Who sees what is visibility.py's decision: its clauses are re-pointed at the copies of the
columns they read that every document holds (status, confirmation, contact visibility,
organisation id), so the rules stay in one place and a search reads one table. What depends
on the viewer reaches the statement as bound parameters, never as its text.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache, partial

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.sql import visitors

from .. import visibility
from ..contacts.models import Contact
from ..core.models import Organisation, OrganisationName
from ..extensions import db
from ..groups.models import WorkingGroup, WorkingGroupTranslation
from . import (
    COUNT_CAP,
    BadParameter,
    Hit,
    SearchQuery,
    SearchResult,
    engines,
    facets,
    records,
)
from . import generation as search_generation
from .engines import Compiled, Engine, constant, d, param
from .highlights import Highlights, Marker
from .indexing import CONTACT, OPPORTUNITY, ORGANISATION, SOURCES
from .models import SearchIndexState
from .terms import CLOSE_MAX_WORDS, Terms, close_text, parse_terms  # noqa: F401

# Ranking reads every match (bm25: a few microseconds each on SQLite): up to this many matches
# are ranked whole; beyond, the names that match come first, then the rest.
RANK_ALL = 250
# The close-name pass (when nothing matches as written) looks for names close to the search
# text: the names holding the index's words closest to its words (engines/postgresql.py by
# trigrams, engines/sqlite.py by edit distance), the first CLOSE_CANDIDATES met ranked by how
# close they are to the text (``SEARCH_CLOSE_CANDIDATES`` in the config).
CLOSE_CANDIDATES = 100


# Visibility, re-pointed at the documents ----------------------------------------------------

_ORG_COPIES = {
    "id": d.c.organisation_id,
    "status": d.c.org_status,
    "confirmation_state": d.c.org_confirmation,
    "members_only": d.c.org_members_only,
    "hide_memberships": d.c.org_hides_groups,
}
_CONTACT_COPIES = {"visibility": d.c.contact_visibility, "organisation_id": d.c.organisation_id}


def _on_documents(clause):
    org_table, contact_table = Organisation.__table__, Contact.__table__

    def replace(element):
        table = getattr(element, "table", None)
        if isinstance(element, sa.Column) and table in (org_table, contact_table):
            copies = _ORG_COPIES if table is org_table else _CONTACT_COPIES
            if element.name not in copies:
                raise LookupError(
                    f"visibility reads {table.name}.{element.name}, which search documents "
                    "do not copy: add it to SearchDocument and indexing.py"
                )
            return copies[element.name]
        return None

    return visitors.replacement_traverse(clause, {}, replace)


def _frozen(value):
    return tuple(_frozen(v) for v in value) if isinstance(value, list | tuple) else value


@dataclass(frozen=True)
class Visible:
    """What a viewer may see, as a clause on the documents. ``key``: the kind of viewer
    (visibility.viewer_kind), the clauses' structure and the rules' own values (the same for
    every viewer of a kind); ``params``: the viewer's values (named parameters of
    visibility.py's clauses, such as the viewer's organisation)."""

    key: tuple
    params: dict = field(compare=False, repr=False)
    org_ok: sa.ColumnElement = field(compare=False, repr=False)
    contact_ok: sa.ColumnElement = field(compare=False, repr=False)

    @classmethod
    def of(cls, viewer) -> Visible:
        """Worked out once per process for each ``visibility.viewer_signature`` (all that the
        rules read of a viewer): building the rules' clauses takes longer than running a
        search's statement, and viewers with the same signature see the same things."""
        signature = visibility.viewer_signature(viewer)
        found = _VISIBLE.get(signature)
        if found is None:
            if len(_VISIBLE) >= _MAX_VISIBLE:
                _VISIBLE.clear()
            found = _VISIBLE[signature] = cls._worked_out(viewer)
        return found

    @classmethod
    def _worked_out(cls, viewer) -> Visible:
        org_ok = visibility.visible_organisations(viewer)
        contact_ok = visibility.visible_contacts(viewer)
        key, params = [visibility.viewer_kind(viewer)], {}
        for clause in (org_ok, contact_ok):
            cache_key = clause._generate_cache_key()
            key.append(cache_key.key)
            for bind in cache_key.bindparams:
                if bind.unique:  # a constant of the rules: part of the statement's shape
                    key.append(_frozen(bind.effective_value))
                else:
                    params[bind.key] = bind.effective_value
        return cls(tuple(key), params, org_ok, contact_ok)

    @cached_property
    def digest(self) -> str:
        """The clause's shape and values as a short key (search.visibility_key)."""
        return _shape_digest(self.key) + ":" + _digest(repr(sorted(self.params.items())))

    def clause(self) -> sa.ColumnElement[bool]:
        """Documents the viewer may see: visibility.py's rules, on the documents' copies. A
        partner search post's document holds ``visibility.opportunity_visibility`` as a
        contact's visibility: it is seen where a contact of its organisation with that
        visibility would be, as ``visibility.can_view_opportunity`` decides."""
        org_ok, contact_ok = _on_documents(self.org_ok), _on_documents(self.contact_ok)
        return sa.or_(
            sa.and_(d.c.kind == constant(ORGANISATION), org_ok),
            sa.and_(
                d.c.kind == constant(CONTACT),
                contact_ok,
                sa.or_(d.c.organisation_id.is_(None), org_ok),
            ),
            sa.and_(d.c.kind == constant(OPPORTUNITY), contact_ok, org_ok),
        )


_VISIBLE: dict[tuple, Visible] = {}
_MAX_VISIBLE = 10_000


@lru_cache(maxsize=64)
def _shape_digest(key: tuple) -> str:
    """A handful of shapes (one per kind of viewer): described once per process."""
    return _digest(repr(key))


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


def visible_documents(viewer) -> sa.ColumnElement[bool]:
    """Documents the viewer may see, as a clause on search_document."""
    return Visible.of(viewer).clause()


# Shapes of statements -----------------------------------------------------------------------


@dataclass(frozen=True)
class Shape:
    """What a search's statements are built from, apart from its values: equal shapes, the
    same statements (compiled once, ``_hits`` and ``facets.statement``)."""

    engine: Engine = field(compare=False, repr=False)
    engine_shape: tuple
    visibility: Visible
    filters: tuple  # facets.chosen
    sample: int = 0  # facets.sample_size, for the facets statement

    def visible(self) -> sa.ColumnElement[bool]:
        return self.visibility.clause()

    def where(self) -> sa.ColumnElement[bool]:
        """The documents the viewer may see, limited by the filters chosen."""
        chosen = facets.conditions(self.filters, d.c, self.engine).values()
        return sa.and_(self.visible(), *chosen)


@dataclass(frozen=True)
class HitsShape(Shape):
    sort: str = "relevance"
    deep: bool = False  # pages beyond the ranked matches are asked for
    groups: bool = False  # the working groups are read (_needs_groups)
    close: bool = False  # names close to the search text (engine.close_found)
    close_candidates: int = CLOSE_CANDIDATES
    # The capped count is known (from the facet counts kept for the same search): a value,
    # "counted", not counted again (counts_apart).
    counted: bool = False


def counts_apart(engine: Engine, query: SearchQuery) -> bool:
    """Whether the hits statement counts the matches apart from reading the page's, so that a
    count known beforehand saves reading them twice: everywhere but a ranked search on an
    engine that keeps the matches it ranks (and counts those)."""
    return not (engine.keeps_matches and query.sort == "relevance" and bool(engine.terms))


def _close_candidates() -> int:
    return int(current_app.config.get("SEARCH_CLOSE_CANDIDATES", CLOSE_CANDIDATES))


def _needs_groups(query: SearchQuery) -> bool:
    """The working groups are read for the facets' labels and to check a group filter."""
    return query.with_facets or bool(query.groups)


# The hits statement -------------------------------------------------------------------------

_COLUMNS = [d.c.id, d.c.kind, d.c.ref_id, d.c.sort_key, d.c.created_at, d.c.sectors]
# What is kept of the matches ranked by relevance (no sort columns: fewer bytes to carry).
_KEPT_COLUMNS = [d.c.id, d.c.kind, d.c.ref_id, d.c.sectors]


def _sorted(columns, sort: str) -> list:
    if sort == "newest":
        return [columns.created_at.desc(), columns.id.desc()]
    return [columns.sort_key, columns.id]


def _groups(engine: Engine) -> sa.ScalarSelect:
    """slug, priority and title (in the page's language, else English) of every group."""
    wg = WorkingGroup.__table__.alias("wg")
    local = WorkingGroupTranslation.__table__.alias("wt_local")
    en = WorkingGroupTranslation.__table__.alias("wt_en")
    title = sa.cast(sa.func.coalesce(local.c.title, en.c.title, wg.c.slug), sa.String(300))
    joined = wg.outerjoin(
        local, sa.and_(local.c.group_id == wg.c.id, local.c.locale == param("locale"))
    ).outerjoin(en, sa.and_(en.c.group_id == wg.c.id, en.c.locale == constant("en")))
    return (
        sa.select(engine.json_list(wg.c.slug, wg.c.priority, title))
        .select_from(joined)
        .scalar_subquery()
    )


def _shown(page, engine: Engine, joined: sa.FromClause) -> tuple[list, sa.FromClause]:
    """What the page shows of each hit (records.py), and ``joined`` joined to what it reads."""
    o = Organisation.__table__.alias("o")
    c = Contact.__table__.alias("c")
    co = Organisation.__table__.alias("co")
    names = OrganisationName.__table__.alias("other")
    org_columns = (
        "name acronym country side city region type eesc_group website description status "
        "members_only hide_memberships"
    )
    contact_columns = "organisation_id organisation_name name role email phone phone_e164"
    other_names = (
        sa.select(engine.json_list(names.c.name))
        .where(names.c.organisation_id == page.c.ref_id, page.c.kind == constant(ORGANISATION))
        .scalar_subquery()
    )
    columns = [
        *(o.c[name].label(f"o_{name}") for name in org_columns.split()),
        o.c.confirmation_state.label("o_confirmation"),
        *(c.c[name].label(f"c_{name}") for name in contact_columns.split()),
        c.c.visibility.label("c_visibility"),
        co.c.name.label("co_name"),
        other_names.label("other_names"),
    ]
    joins = (
        joined.outerjoin(o, sa.and_(page.c.kind == constant(ORGANISATION), o.c.id == page.c.ref_id))
        .outerjoin(c, sa.and_(page.c.kind == constant(CONTACT), c.c.id == page.c.ref_id))
        .outerjoin(co, co.c.id == c.c.organisation_id)
    )
    return columns, joins


@lru_cache(maxsize=512)
def _hits(shape: HitsShape) -> Compiled:
    """The page of hits, the capped count, the index generation and the groups: one statement.

    ``close``: the names close to the search text (when nothing matched), of the
    first ``CLOSE_CANDIDATES`` + 1 met (``engine.close_found``). Segments that do not apply
    to this search get ``LIMIT 0`` (decided once, from the capped count), so the database
    does not read them.
    """
    engine, where = shape.engine, shape.where()
    ranked = shape.sort == "relevance" and bool(engine.terms)
    keep = ranked and not shape.close and engine.keeps_matches
    lim = param("lim", sa.Integer)
    segments: list[sa.Select] = []

    def count_of(rows) -> sa.CTE:
        return (
            sa.select(sa.func.count().label("n"))
            .select_from(rows)
            .cte("cnt")
            .prefix_with("MATERIALIZED")
        )

    if shape.close:
        found = engine.close_found(where, _COLUMNS, shape.close_candidates + 1)
        cnt = count_of(found)
    elif keep:
        source, match = engine.match("all")
        # The first 1,001 matches, ranked as they are read (one visit of each row), kept and
        # counted. OFFSET 0 makes the planner choose its plan for all the matches, not for the
        # first 1,001: hoping to meet those early, it would read the table in order, and read
        # all of it when fewer of the matches are visible.
        ranked_columns = [*_KEPT_COLUMNS, constant(0).label("seg"), engine.score().label("score")]
        fenced = (
            sa.select(*ranked_columns)
            .select_from(source)
            .where(match, where)
            .offset(constant(0))
            .subquery("fenced")
        )
        matched = (
            sa.select(fenced)
            .limit(constant(COUNT_CAP + 1))
            .cte("matched")
            .prefix_with("MATERIALIZED")
        )
        cnt = count_of(matched)
    elif shape.counted:
        cnt = None
    else:
        source, match = engine.documents("all")
        capped = (
            sa.select(constant(1).label("one"))
            .select_from(source)
            .where(match, where)
            .limit(constant(COUNT_CAP + 1))
            .subquery("capped")
        )
        cnt = count_of(capped)

    def n() -> sa.ColumnElement:
        if cnt is None:
            return param("counted", sa.Integer)
        return sa.select(cnt.c.n).scalar_subquery()

    def when(condition, limit=lim) -> sa.Case:
        return sa.case((condition, limit), else_=constant(0))

    def segment(number: int, part: str, score, order: list, limit=lim) -> sa.Select:
        source, match = engine.documents(part)
        inner = (
            sa.select(*_COLUMNS, constant(number).label("seg"), score.label("score"))
            .select_from(source)
            .where(match, where)
            .order_by(*order)
            .limit(limit)
            .subquery(f"seg{len(segments)}")
        )
        return sa.select(inner)

    def by_rank(columns) -> list:
        return [columns.seg, columns.score, columns.id]

    def by_sort(columns) -> list:
        return [columns.seg, *_sorted(columns, shape.sort)]

    if shape.close:
        # The first CLOSE_CANDIDATES in this order: one more was read to know there are more.
        order = by_rank if ranked else by_sort
        close_ranked = (
            sa.select(found)
            .order_by(*order(found.c))
            .limit(constant(shape.close_candidates))
            .subquery("close_ranked")
        )
        segments.append(sa.select(close_ranked))
    elif keep:
        # A broad search (more than 1,000 matches) also reads as many of the other documents
        # whose names match as the page needs, so that they come first (they rank higher);
        # any other search has them all among its matches already, and reads none again.
        source, match = engine.match("name")
        fenced_names = (
            sa.select(*ranked_columns)
            .select_from(source)
            .where(match, where, d.c.id.not_in(sa.select(matched.c.id)))
            .offset(constant(0))
            .subquery("fenced_names")
        )
        named = (
            sa.select(fenced_names)
            .limit(when(n() > constant(COUNT_CAP)))
            .cte("named")
            .prefix_with("MATERIALIZED")
        )
        kept = sa.union_all(sa.select(matched), sa.select(named)).subquery("kept")
        top = sa.select(kept).order_by(kept.c.score, kept.c.id).limit(lim).subquery("ranked")
        segments.append(sa.select(top))
        if shape.deep:
            # Pages beyond the ranked ones (the read API and the exports go that deep): the
            # other matches of a broad search, in the order of their ids.
            source, match = engine.match("all")
            deeper = (
                sa.select(
                    *_KEPT_COLUMNS,
                    constant(1).label("seg"),
                    sa.cast(d.c.id, sa.Float).label("score"),
                )
                .select_from(source)
                .where(
                    match,
                    where,
                    d.c.id.not_in(sa.select(matched.c.id)),
                    d.c.id.not_in(sa.select(named.c.id)),
                )
                .order_by(d.c.id)
                .limit(when(n() > constant(COUNT_CAP)))
                .subquery("deeper")
            )
            segments.append(sa.select(deeper))
        order = by_rank
    elif ranked:
        few = n() <= constant(RANK_ALL)
        score = engine.score()
        unranked = sa.cast(engine.order_column, sa.Float)
        # A few hundred matches at most: rank them all.
        segments.append(segment(0, "all", score, [score, d.c.id], when(few)))
        # More ("broad"): the documents whose names match first, then the rest, each in the
        # order of the index, read only as far as the page goes.
        broad = when(sa.not_(few))
        segments.append(segment(0, "name", unranked, [engine.order_column], broad))
        segments.append(segment(1, "rest", unranked, [engine.order_column], broad))
        order = by_rank
    else:
        segments.append(segment(0, "all", constant(0.0), _sorted(d.c, shape.sort)))
        order = by_sort
    hits = (sa.union_all(*segments) if len(segments) > 1 else segments[0]).subquery("hits")
    page = (
        sa.select(hits)
        .order_by(*order(hits.c))
        .limit(param("per_page", sa.Integer))
        .offset(param("offset", sa.Integer))
        .subquery("page")
    )
    state = SearchIndexState.__table__
    generation = sa.select(state.c.generation).where(state.c.id == constant(1))
    meta = sa.select(
        n().label("total"),
        generation.scalar_subquery().label("generation"),
        (_groups(engine) if shape.groups else sa.null()).label("groups"),
    ).subquery("meta")
    shown, joins = _shown(page, engine, meta.outerjoin(page, sa.true()))
    statement = (
        sa.select(
            meta.c.total,
            meta.c.generation,
            meta.c.groups,
            page.c.id,
            page.c.kind,
            page.c.ref_id,
            page.c.sectors,
            *shown,
        )
        .select_from(joins)
        .order_by(*order(page.c))
    )
    return engine.compile(statement)


# The search ---------------------------------------------------------------------------------


def _locale() -> str:
    try:
        from flask_babel import get_locale

        return str(get_locale() or "en")
    except (RuntimeError, AttributeError):
        return "en"


def run(query: SearchQuery, viewer) -> SearchResult:
    """See ``search.search``."""
    query = query.checked()
    terms = parse_terms(query.q)
    engine = engines.for_dialect(db.session.get_bind().dialect.name)(terms)
    visible = Visible.of(viewer)
    filters = facets.chosen(query)
    values = {
        **engine.params,
        **visible.params,
        **facets.params(query),
        facets.HIDDEN_GROUPS_SHOWN: visibility.sees_hidden_memberships(viewer),
    }
    counting = (
        Shape(engine, engine.shape(), visible, filters, sample=facets.sample_size())
        if query.with_facets
        else None
    )
    # The facet counts kept for this search (facets.counted) hold its count: the hits statement
    # then takes it as a value instead of counting the same matches again. Not when they are
    # lower bounds (the count with the filters is then unknown).
    kept = generation = None
    if counting is not None and facets.keeping() and counts_apart(engine, query):
        generation = search_generation()
        kept = facets.kept(counting, values, generation)
    known = kept is not None and not kept[2]
    shape = HitsShape(
        engine,
        engine.shape(),
        visible,
        filters,
        sort=query.sort,
        deep=engine.keeps_matches and query.page * query.per_page > COUNT_CAP,
        groups=_needs_groups(query),
        counted=known,
    )
    params = {
        **values,
        "lim": query.page * query.per_page,
        "per_page": query.per_page,
        "offset": (query.page - 1) * query.per_page,
        "locale": _locale(),
        "counted": min(kept[1], COUNT_CAP + 1) if known else None,
    }
    rows = engine.execute(_hits(shape), params)
    meta = rows[0]
    if known and meta.generation != generation:
        # The index changed since the count was kept: counted again, as by any other search.
        kept, known, shape = None, False, replace(shape, counted=False)
        rows = engine.execute(_hits(shape), params)
        meta = rows[0]
    groups = _parse_groups(engine.listed(meta.groups))
    unknown = [g for g in query.groups if g not in groups]
    if unknown:
        raise BadParameter(
            "group", _("No working group has the slug %(slug)s.", slug=repr(unknown[0]))
        )
    total = meta.total
    cap = COUNT_CAP
    close_mode = False
    close_values = None
    if terms and not total and engine.params.get("close"):
        close_values = engine.close_params()
    if close_values is not None:
        # Nothing as written: names close to it (a misspelling), without facets.
        close_shape = HitsShape(
            engine,
            engine.shape(),
            visible,
            filters,
            sort=query.sort,
            groups=shape.groups,
            close=True,
            close_candidates=_close_candidates(),
        )
        close = engine.execute(_hits(close_shape), {**params, **close_values})
        if close[0].total:
            rows, total, close_mode = close, close[0].total, True
            cap = close_shape.close_candidates
    hit_rows = [r for r in rows if r.id is not None]
    found_facets: dict = {name: [] for name in facets.NAMES}
    facets_lower_bound = False
    lower_bound = total > cap
    # Nothing found with filters on: the counts still show what loosening them would find.
    if counting is not None and not close_mode and (total or filters):
        found_facets, counted, facets_lower_bound = kept or facets.counted(
            query, counting, values, meta.generation
        )
        if not facets_lower_bound:
            total, lower_bound = counted, False
    if lower_bound:
        total = cap
    return SearchResult(
        items=_load(engine, hit_rows, terms, close_mode),
        total=total,
        total_is_lower_bound=lower_bound,
        page=query.page,
        per_page=query.per_page,
        facets=found_facets,
        facet_labels={"group": {slug: title for slug, (_p, title) in groups.items()}},
        close_matches=close_mode,
        facets_are_lower_bounds=facets_lower_bound,
    )


def _parse_groups(listed: list) -> dict[str, tuple[int, str]]:
    """slug -> (priority, title), by priority."""
    groups = sorted((int(priority), slug, title) for slug, priority, title in listed)
    return {slug: (priority, title) for priority, slug, title in groups}


def _load(engine: Engine, rows, terms: Terms, close_mode: bool) -> list[Hit]:
    """The page's hits, with records of what they show (read by the hits statement)."""
    marker = Marker(terms if not close_mode else Terms((), False))
    # Records of other kinds (indexing.SOURCES): one read per kind on the page.
    loaded = {
        kind: source.load(ids)
        for kind, source in SOURCES.items()
        if (ids := [r.ref_id for r in rows if r.kind == kind])
    }
    items = []
    for r in rows:
        if r.kind == ORGANISATION and r.o_name is not None:
            obj = records.organisation_record(r)
        elif r.kind == CONTACT and r.c_name is not None:
            obj = records.contact_record(r)
        elif r.ref_id in loaded.get(r.kind, {}):
            obj = loaded[r.kind][r.ref_id]
        else:
            continue  # deleted while the index still held it
        other_names = engine.listed(r.other_names)
        highlights = Highlights(partial(marker.highlights, r.kind, obj, other_names))
        items.append(Hit(r.kind, r.ref_id, obj, highlights))
    return items
