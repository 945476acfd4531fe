"""The search service: one page of hits, the total and the facet counts, in few statements.

What a search runs, whatever the number of results:
1. the hits statement: the page of document ids and, in the same statement, the capped count
   of matches, the index generation and the working groups (slug, title) for the facets;
2. the facets statement, unless the counts are cached for this generation of the index;
3. the organisations of the page (with their sectors and other names), and 4. its contacts
   (with their organisation).

Common words need care (SEARCH-NOTES.md): ranking every match of a word found in a third of
the directory costs more than the rest of the page. So matches are counted up to 1,001 first,
inside the hits statement; up to ``RANK_ALL`` matches are ranked whole (bm25 on SQLite,
ts_rank on PostgreSQL, the name counting most); beyond that ("broad"), documents whose names
match come first (ranked only if they are few themselves), then the others in index order,
read no further than the page needs. Facet counts are exact, from one pass over the matches (counted
per combination of single-valued facets, so that each facet is counted without its own
filter, as multi-select facets should), and they give the exact total for free.

Who sees what is visibility.py's decision: its clauses are re-pointed at the copies of the
columns they read that every document holds (status, confirmation, contact visibility,
organisation id), so the rules stay in one place and a search reads one table.
"""

from __future__ import annotations

import re
from collections import Counter, OrderedDict
from dataclasses import dataclass
from functools import lru_cache, partial

import sqlalchemy as sa
from flask import current_app
from markupsafe import Markup, escape
from sqlalchemy.orm import joinedload, load_only
from sqlalchemy.sql import visitors

from .. import visibility
from ..directory.models import Contact
from ..extensions import db
from ..organisations.models import Organisation
from ..organisations.vocabulary import (
    COUNTRY_CODES,
    EESCGroup,
    OrganisationType,
    Sector,
    Side,
)
from . import (
    COUNT_CAP,
    KINDS,
    MAX_PER_PAGE,
    SORTS,
    BadQuery,
    Hit,
    SearchQuery,
    SearchResult,
    synonyms,
)
from .folding import fold_words, words_with_spans
from .indexing import CONTACT, ORGANISATION, SECTOR_BITS
from .models import SearchDocument

MAX_QUERY_LENGTH = 500
MAX_WORDS = 10
# The last word is also matched as a prefix ("energ" finds "energy") from this length on.
MIN_PREFIX = 3
# Results beyond this offset are not served: a search that broad needs narrowing instead.
MAX_OFFSET = 10_000
SNIPPET = 240
# Ranking reads every match (bm25: a few microseconds each on SQLite): up to this many matches
# are ranked whole; beyond, the names that match come first (ranked if they are this few).
RANK_ALL = 250
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")

d = SearchDocument.__table__
SINGLE_FACETS = ("kind", "country", "side", "type", "eesc_group", "verified")
_FACET_ORDER = ("kind", "country", "side", "type", "eesc_group", "sector", "group", "verified")
_US, _RS = "\x1f", "\x1e"  # unit and record separators in the list of working groups


# Validation ---------------------------------------------------------------------------------


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


def _check(values: list[str], allowed, name: str) -> list[str]:
    allowed = {str(a) for a in allowed}
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise BadQuery(f"unknown {name}: {', '.join(sorted(set(unknown)))[:200]}")
    return sorted(set(values))


def validate(query: SearchQuery) -> SearchQuery:
    """The query with checked, de-duplicated values; BadQuery for anything unknown."""
    if not isinstance(query.q, str):
        raise BadQuery("q must be text")
    if len(query.q) > MAX_QUERY_LENGTH:
        raise BadQuery(f"the search text is too long (at most {MAX_QUERY_LENGTH} characters)")
    if query.sort not in SORTS:
        raise BadQuery(f"unknown sort: {str(query.sort)[:40]} (use {', '.join(SORTS)})")
    if not isinstance(query.page, int) or query.page < 1:
        raise BadQuery("page must be a whole number from 1")
    if not isinstance(query.per_page, int) or not 1 <= query.per_page <= MAX_PER_PAGE:
        raise BadQuery(f"per_page must be between 1 and {MAX_PER_PAGE}")
    if (query.page - 1) * query.per_page >= MAX_OFFSET:
        raise BadQuery(f"only the first {MAX_OFFSET:,} results can be paged through")
    if query.verified not in (None, True, False):
        raise BadQuery("verified must be true or false")
    bad_slugs = [g for g in query.groups if not SLUG.match(str(g))]
    if bad_slugs:
        raise BadQuery(f"unknown group: {str(bad_slugs[0])[:80]}")
    return SearchQuery(
        q=query.q,
        kinds=_check(query.kinds, KINDS, "kind"),
        countries=_check(query.countries, COUNTRY_CODES, "country"),
        sides=_check(query.sides, [s.value for s in Side], "side"),
        types=_check(query.types, [t.value for t in OrganisationType], "type"),
        eesc_groups=_check(query.eesc_groups, [g.value for g in EESCGroup], "EESC group"),
        sectors=_check(query.sectors, [s.value for s in Sector], "sector"),
        groups=sorted(set(query.groups)),
        verified=query.verified,
        sort=query.sort,
        page=query.page,
        per_page=query.per_page,
        with_facets=query.with_facets,
    )


# Visibility, re-pointed at the documents ----------------------------------------------------

_ORG_COPIES = {
    "id": d.c.organisation_id,
    "status": d.c.org_status,
    "confirmation_state": d.c.org_confirmation,
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


def _documents_clause(org_ok, contact_ok) -> sa.ColumnElement[bool]:
    org_ok, contact_ok = _on_documents(org_ok), _on_documents(contact_ok)
    return sa.or_(
        sa.and_(d.c.kind == ORGANISATION, org_ok),
        sa.and_(d.c.kind == CONTACT, contact_ok, sa.or_(d.c.organisation_id.is_(None), org_ok)),
    )


def visible_documents(viewer) -> sa.ColumnElement[bool]:
    """Documents the viewer may see: visibility.py's rules, on the documents' copies."""
    return _documents_clause(
        visibility.visible_organisations(viewer), visibility.visible_contacts(viewer)
    )


def _frozen(value):
    return tuple(_frozen(v) for v in value) if isinstance(value, list | tuple) else value


def _clause_key(clause):
    key = clause._generate_cache_key()
    if key is None:
        return None
    return key.key, _frozen([p.effective_value for p in key.bindparams])


_VISIBILITY_SQL: OrderedDict = OrderedDict()


def _visibility_sql(viewer, dialect) -> str:
    """``visible_documents(viewer)`` as SQL text; compiled once per distinct clause."""
    org_ok = visibility.visible_organisations(viewer)
    contact_ok = visibility.visible_contacts(viewer)
    org_key, contact_key = _clause_key(org_ok), _clause_key(contact_ok)
    key = (dialect.name, org_key, contact_key) if org_key and contact_key else None
    sql = _VISIBILITY_SQL.get(key) if key else None
    if sql is None:
        clause = _documents_clause(org_ok, contact_ok)
        sql = str(clause.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
        if key:
            _VISIBILITY_SQL[key] = sql
            while len(_VISIBILITY_SQL) > 1024:
                _VISIBILITY_SQL.popitem(last=False)
    return sql


# Engines ------------------------------------------------------------------------------------

_DOC = "search_document"


class _Engine:
    """How one database matches, ranks and counts. Parts: "all" matches, those whose "name"
    matches, and the "rest". User input only ever reaches the SQL as bound parameters."""

    name = ""
    order_column = f"{_DOC}.id"

    def __init__(self, terms: Terms):
        self.terms = terms
        self.params: dict = {}
        self.ctes: list[str] = []  # common table expressions the statements need first

    def source(self, part: str = "all") -> tuple[str, str]:
        """(FROM, WHERE) of the documents matching."""
        raise NotImplementedError

    def score(self, part: str = "all") -> str:
        """An SQL expression ranking the matches, lowest first."""
        raise NotImplementedError

    def contains(self, column: str, param: str) -> str:
        raise NotImplementedError

    def group_concat(self, expr: str, separator: str) -> str:
        raise NotImplementedError


class _SQLite(_Engine):
    """FTS5. A last word searched as a prefix is expanded into the words of the index that
    start with it (``search_term``), up to ``PREFIX_TERMS`` of them: FTS5 reads an OR of words
    only as far as the page needs, but a prefix query whole, each time it appears."""

    name = "sqlite"
    order_column = "search_fts.rowid"
    PREFIX_TERMS = 64

    def __init__(self, terms: Terms):
        super().__init__(terms)
        quoted = [f'"{w}"' for w in terms.words]
        if not terms.prefix:
            expression = " AND ".join(quoted)
            self.params = {
                "m_all": expression,
                "m_name": f"{{name_text}} : ({expression})",
                "m_rest": f"({expression}) NOT ({{name_text}} : ({expression}))",
            }
            return
        last = terms.words[-1]
        self.params = {
            "m_head": "".join(f"{q} AND " for q in quoted[:-1]),
            "m_prefix": f'"{last}"*',
            "m_exact": f'"{last}"',
            "m_from": last,
            "m_to": last[:-1] + chr(ord(last[-1]) + 1),
        }
        expansion = (
            f"(SELECT CASE WHEN count(*) > {self.PREFIX_TERMS} THEN :m_prefix "
            "ELSE coalesce(group_concat('\"' || term || '\"', ' OR '), :m_exact) END "
            "FROM (SELECT term FROM search_term WHERE term >= :m_from AND term < :m_to "
            f"ORDER BY term LIMIT {self.PREFIX_TERMS + 1}))"
        )
        expression = f":m_head || '(' || {expansion} || ')'"
        self.ctes = [
            f"fts_query AS MATERIALIZED (SELECT expression AS m_all, "
            "'{name_text} : (' || expression || ')' AS m_name, "
            "'(' || expression || ') NOT ({name_text} : (' || expression || '))' AS m_rest "
            f"FROM (SELECT {expression} AS expression))"
        ]

    def source(self, part="all"):
        match = f"(SELECT m_{part} FROM fts_query)" if self.terms.prefix else f":m_{part}"
        return (
            f"search_fts JOIN {_DOC} ON {_DOC}.id = search_fts.rowid",
            f"search_fts MATCH {match}",
        )

    def score(self, part="all"):
        return "bm25(search_fts, 10.0, 1.0)"

    def contains(self, column, param):
        return f"instr({column}, :{param}) > 0"

    def group_concat(self, expr, separator):
        return f"group_concat({expr}, {separator})"


class _PostgreSQL(_Engine):
    name = "postgresql"

    def __init__(self, terms: Terms):
        super().__init__(terms)
        quoted = [f"'{w}'" for w in terms.words]
        if terms.prefix:
            quoted[-1] += ":*"
        self.params = {"tsq": " & ".join(quoted), "close": " ".join(terms.words)}

    _QUERY = "to_tsquery('simple', :tsq)"

    def source(self, part="all"):
        if part == "name":
            return _DOC, f"{_DOC}.name_tsv @@ {self._QUERY}"
        if part == "rest":
            return _DOC, (f"{_DOC}.tsv @@ {self._QUERY} AND NOT ({_DOC}.name_tsv @@ {self._QUERY})")
        if part == "close":
            return _DOC, f":close <% {_DOC}.name_text"
        return _DOC, f"{_DOC}.tsv @@ {self._QUERY}"

    def score(self, part="all"):
        if part == "close":
            return f"-word_similarity(:close, {_DOC}.name_text)"
        column = "name_tsv" if part == "name" else "tsv"
        return f"-ts_rank({_DOC}.{column}, {self._QUERY})"

    def contains(self, column, param):
        return f"strpos({column}, :{param}) > 0"

    def group_concat(self, expr, separator):
        return f"string_agg({expr}, {separator})"


def _engine(terms: Terms) -> _Engine:
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        return _PostgreSQL(terms)
    if dialect == "sqlite":
        return _SQLite(terms)
    raise RuntimeError(f"search has no engine for {dialect}")


# Statements ---------------------------------------------------------------------------------

_SINGLE_COLUMNS = {
    "kind": "kinds",
    "country": "countries",
    "side": "sides",
    "type": "types",
    "eesc_group": "eesc_groups",
}


def _sector_mask(query: SearchQuery) -> int:
    return sum(SECTOR_BITS[Sector(s)] for s in query.sectors)


def _filters(query: SearchQuery, engine: _Engine) -> tuple[list[str], dict]:
    """The facet filters as SQL conditions, with their parameters."""
    conditions, params = [], {}
    for column, attr in _SINGLE_COLUMNS.items():
        values = getattr(query, attr)
        if values:
            names = [f"f_{column}_{i}" for i in range(len(values))]
            conditions.append(f"{_DOC}.{column} IN ({', '.join(':' + n for n in names)})")
            params.update(zip(names, values, strict=True))
    if query.verified is not None:
        conditions.append(f"{_DOC}.verified = :f_verified")
        params["f_verified"] = query.verified
    if query.sectors:
        conditions.append(_sector_pass(query, params))
    if query.groups:
        conditions.append(_group_pass(query, engine, params))
    return conditions, params


def _sector_pass(query: SearchQuery, params: dict) -> str:
    params["f_sectors"] = _sector_mask(query)
    return f"({_DOC}.sectors & :f_sectors) != 0"


def _group_pass(query: SearchQuery, engine: _Engine, params: dict) -> str:
    parts = []
    for i, slug in enumerate(query.groups):
        params[f"f_group_{i}"] = f" {slug} "
        parts.append(engine.contains(f"{_DOC}.group_slugs", f"f_group_{i}"))
    return f"({' OR '.join(parts)})"


def _capped(engine: _Engine, part: str, where: str) -> str:
    source, match = engine.source(part) if engine.terms else (_DOC, "1 = 1")
    return (
        f"SELECT count(*) AS n FROM (SELECT 1 AS one FROM {source} "
        f"WHERE {match} AND {where} LIMIT {COUNT_CAP + 1}) AS capped"
    )


def _groups_sql(engine: _Engine) -> str:
    """slug, priority and title (in the page's language, else English) of every group."""
    item = (
        "wg.slug || :us || CAST(wg.priority AS VARCHAR(12)) || :us || "
        "CAST(coalesce(wt_local.title, wt_en.title, wg.slug) AS VARCHAR(300))"
    )
    return (
        f"(SELECT {engine.group_concat(item, ':rs')} FROM working_group AS wg "
        "LEFT OUTER JOIN working_group_translation AS wt_local "
        "ON wt_local.group_id = wg.id AND wt_local.locale = :locale "
        "LEFT OUTER JOIN working_group_translation AS wt_en "
        "ON wt_en.group_id = wg.id AND wt_en.locale = 'en')"
    )


def _other_names_sql(engine: _Engine) -> str:
    """An organisation's names in other languages, for highlighting (no ORM load needed)."""
    return (
        f"(SELECT {engine.group_concat('other.name', ':rs')} FROM organisation_name AS other "
        "WHERE other.organisation_id = page.ref_id AND page.kind = 'organisation')"
    )


def _sort_sql(query: SearchQuery, prefix: str) -> str:
    if query.sort == "newest":
        return f"{prefix}created_at DESC, {prefix}id DESC"
    return f"{prefix}sort_key, {prefix}id"


_COLUMNS = ", ".join(
    f"{_DOC}.{c} AS {c}" for c in ("id", "kind", "ref_id", "sort_key", "created_at")
)


def _hits_sql(query: SearchQuery, engine: _Engine, where: str) -> str:
    """The page of hits, the capped count, the index generation and the groups: one statement.

    Segments that do not apply to this search get ``LIMIT 0`` (decided once, from the capped
    counts), so the database does not read them.
    """
    ranked = query.sort == "relevance" and bool(engine.terms)
    ctes = [*engine.ctes, f"cnt AS MATERIALIZED ({_capped(engine, 'all', where)})"]
    n = "(SELECT n FROM cnt)"

    def segment(number: int, part: str, score: str, order: str, limit: str) -> str:
        source, match = engine.source(part) if engine.terms else (_DOC, "1 = 1")
        return (
            f"SELECT * FROM (SELECT {_COLUMNS}, {number} AS seg, {score} AS score "
            f"FROM {source} WHERE {match} AND {where} ORDER BY {order} LIMIT {limit}) "
            f"AS seg{len(segments)}"
        )

    def when(condition: str) -> str:
        return f"(CASE WHEN {condition} THEN :lim ELSE 0 END)"

    segments: list[str] = []
    unranked = f"CAST({engine.order_column} AS FLOAT)"
    if ranked:
        ctes.append(f"cnt_name AS MATERIALIZED ({_capped(engine, 'name', where)})")
        few = f"{n} <= {RANK_ALL}"
        few_names = f"(SELECT n FROM cnt_name) <= {RANK_ALL}"
        score, name_score = engine.score(), engine.score("name")
        # A few hundred matches at most: rank them all.
        segments.append(segment(0, "all", score, f"{score}, {_DOC}.id", when(few)))
        # More ("broad"): names that match first, ranked if they are few, then the rest.
        segments.append(
            segment(
                0,
                "name",
                name_score,
                f"{name_score}, {_DOC}.id",
                when(f"NOT ({few}) AND {few_names}"),
            )
        )
        segments.append(
            segment(
                0,
                "name",
                unranked,
                engine.order_column,
                when(f"NOT ({few}) AND NOT ({few_names})"),
            )
        )
        segments.append(segment(1, "rest", unranked, engine.order_column, when(f"NOT ({few})")))
        page_order = "seg, score, id"
    else:
        segments.append(segment(0, "all", "0.0", _sort_sql(query, f"{_DOC}."), ":lim"))
        page_order = f"seg, {_sort_sql(query, '')}"
    close_total = "NULL"
    if isinstance(engine, _PostgreSQL) and engine.terms:
        ctes.append(f"cnt_close AS MATERIALIZED ({_capped(engine, 'close', where)})")
        close_total = f"(CASE WHEN {n} = 0 THEN (SELECT n FROM cnt_close) END)"
        close_score = engine.score("close")
        order = f"{close_score}, {_DOC}.id" if ranked else _sort_sql(query, f"{_DOC}.")
        segments.append(segment(2, "close", close_score, order, when(f"{n} = 0")))
    hits = " UNION ALL ".join(segments)
    return (
        f"WITH {', '.join(ctes)} "
        f"SELECT meta.total, meta.close_total, meta.generation, meta.groups, "
        f"page.id, page.kind, page.ref_id, {_other_names_sql(engine)} AS other_names "
        f"FROM (SELECT {n} AS total, "
        f"{close_total} AS close_total, "
        f"(SELECT generation FROM search_index_state WHERE id = 1) AS generation, "
        f"{_groups_sql(engine)} AS groups) AS meta "
        f"LEFT OUTER JOIN (SELECT * FROM ({hits}) AS hits ORDER BY {page_order} "
        f"LIMIT :per_page OFFSET :offset) AS page ON 1 = 1 "
        f"ORDER BY {', '.join('page.' + c.strip() for c in page_order.split(','))}"
    )


# The search ---------------------------------------------------------------------------------


def _locale() -> str:
    try:
        from flask_babel import get_locale

        return str(get_locale() or "en")
    except (RuntimeError, AttributeError):
        return "en"


def run(query: SearchQuery, viewer) -> SearchResult:
    """See ``search.search``."""
    query = validate(query)
    terms = parse_terms(query.q)
    engine = _engine(terms)
    conditions, params = _filters(query, engine)
    visible = _visibility_sql(viewer, db.session.get_bind().dialect)
    where = " AND ".join([f"({visible})", *conditions])
    params.update(
        engine.params,
        lim=query.page * query.per_page,
        per_page=query.per_page,
        offset=(query.page - 1) * query.per_page,
        locale=_locale(),
        us=_US,
        rs=_RS,
    )
    rows = db.session.execute(sa.text(_hits_sql(query, engine, where)), params).all()
    meta = rows[0]
    groups = _parse_groups(meta.groups)
    unknown = [g for g in query.groups if g not in groups]
    if unknown:
        raise BadQuery(f"unknown group: {unknown[0]}")
    close_mode = bool(terms) and meta.total == 0 and bool(meta.close_total)
    total = meta.close_total if close_mode else meta.total
    hit_rows = [r for r in rows if r.id is not None]
    facets: dict = {}
    lower_bound = total > COUNT_CAP
    # Nothing found with filters on: the counts still show what loosening them would find.
    if query.with_facets and (total or conditions):
        raw = _facet_rows(query, engine, visible, groups, meta.generation, close_mode)
        facets, exact_total = _aggregate(query, raw, groups)
        total, lower_bound = exact_total, False
    elif query.with_facets:
        facets = _aggregate(query, [], groups)[0]
    if lower_bound:
        total = COUNT_CAP
    return SearchResult(
        items=_load(hit_rows, terms, close_mode),
        total=total,
        total_is_lower_bound=lower_bound,
        page=query.page,
        per_page=query.per_page,
        facets=facets,
        facet_labels={"group": {slug: title for slug, (_p, title) in groups.items()}},
        close_matches=close_mode,
    )


def _parse_groups(text: str | None) -> dict[str, tuple[int, str]]:
    """slug -> (priority, title), by priority."""
    groups = []
    for record in (text or "").split(_RS):
        if record:
            slug, priority, title = record.split(_US, 2)
            groups.append((int(priority), slug, title))
    return {slug: (priority, title) for priority, slug, title in sorted(groups)}


# Facets -------------------------------------------------------------------------------------


def _facet_sql(query, engine, visible, slugs, close_mode) -> tuple[str, dict]:
    """One pass over the matches, counted per combination of single-valued facets (and
    whether the sector and group filters pass), with a count per sector and group."""
    params = dict(engine.params)
    if not engine.terms:
        source, match = _DOC, "1 = 1"
    else:
        source, match = engine.source("close" if close_mode else "all")
    ps = f"CASE WHEN {_sector_pass(query, params)} THEN 1 ELSE 0 END" if query.sectors else "1"
    pg = (
        f"CASE WHEN {_group_pass(query, engine, params)} THEN 1 ELSE 0 END" if query.groups else "1"
    )
    counts = [
        f"count(*) FILTER (WHERE ({_DOC}.sectors & {bit}) != 0)" for bit in SECTOR_BITS.values()
    ]
    for i, slug in enumerate(slugs):
        params[f"g_{i}"] = f" {slug} "
        counts.append(f"count(*) FILTER (WHERE {engine.contains(f'{_DOC}.group_slugs', f'g_{i}')})")
    keys = ", ".join(f"{_DOC}.{name}" for name in SINGLE_FACETS)
    sql = (
        (f"WITH {', '.join(engine.ctes)} " if engine.ctes and engine.terms else "")
        + f"SELECT {keys}, {ps} AS ps, {pg} AS pg, count(*) AS n, {', '.join(counts)} "
        f"FROM {source} WHERE {match} AND ({visible}) GROUP BY {keys}, {ps}, {pg}"
    )
    return sql, params


def _cache() -> OrderedDict:
    return current_app.extensions.setdefault("eukz_search_facets", OrderedDict())


def _facet_rows(query, engine, visible, groups, generation, close_mode) -> list[tuple]:
    """The facet statement's rows, from the cache while the index has not changed."""
    slugs = list(groups)
    size = current_app.config.get("SEARCH_FACET_CACHE_SIZE", 256)
    key = None
    if size and generation is not None:
        key = (
            engine.name,
            generation,
            visible,
            engine.terms,
            close_mode,
            tuple(query.sectors),
            tuple(query.groups),
            tuple(slugs),
        )
        cache = _cache()
        if key in cache:
            cache.move_to_end(key)
            return cache[key]
    sql, params = _facet_sql(query, engine, visible, slugs, close_mode)
    rows = [tuple(r) for r in db.session.execute(sa.text(sql), params)]
    if key is not None:
        cache = _cache()
        cache[key] = rows
        while len(cache) > size:
            cache.popitem(last=False)
    return rows


def _facet_value(name: str, value):
    if name == "verified":
        return None if value is None else ("true" if value else "false")
    return value


def _aggregate(query: SearchQuery, rows: list[tuple], groups: dict) -> tuple[dict, int]:
    """Counts per facet value, each facet without its own filter; and the exact total."""
    selected = {
        "kind": set(query.kinds),
        "country": set(query.countries),
        "side": set(query.sides),
        "type": set(query.types),
        "eesc_group": set(query.eesc_groups),
        "verified": set() if query.verified is None else {"true" if query.verified else "false"},
    }
    counts = {name: Counter() for name in _FACET_ORDER}
    total = 0
    n_single = len(SINGLE_FACETS)
    sector_names = [s.value for s in SECTOR_BITS]
    slugs = list(groups)
    for row in rows:
        values = [_facet_value(name, row[i]) for i, name in enumerate(SINGLE_FACETS)]
        ps, pg, n = row[n_single], row[n_single + 1], row[n_single + 2]
        passes = [
            not selected[name] or values[i] in selected[name]
            for i, name in enumerate(SINGLE_FACETS)
        ]
        failing = passes.count(False)
        if failing == 0 and ps and pg:
            total += n
        if ps and pg and failing <= 1:
            for i, name in enumerate(SINGLE_FACETS):
                if values[i] is not None and (failing == 0 or not passes[i]):
                    counts[name][values[i]] += n
        if failing == 0:
            base = n_single + 3
            if pg:
                for j, sector in enumerate(sector_names):
                    if row[base + j]:
                        counts["sector"][sector] += row[base + j]
            if ps:
                base += len(sector_names)
                for j, slug in enumerate(slugs):
                    if row[base + j]:
                        counts["group"][slug] += row[base + j]
    chosen = {**selected, "sector": set(query.sectors), "group": set(query.groups)}
    facets = {}
    for name in _FACET_ORDER:
        for value in chosen[name]:
            counts[name].setdefault(value, 0)
        facets[name] = sorted(counts[name].items(), key=lambda item: (-item[1], str(item[0])))
    return facets, total


# Loading and highlighting -------------------------------------------------------------------


@lru_cache(maxsize=1)
def _load_statements():
    ids = sa.bindparam("ids", expanding=True)
    # What result pages and lists show; the rest loads if some caller reads it.
    shown = [
        getattr(Organisation, name)
        for name in (
            "name acronym country side city type eesc_group website description status "
            "confirmation_state created_at"
        ).split()
    ]
    organisations = (
        sa.select(Organisation)
        .where(Organisation.id.in_(ids))
        .options(load_only(*shown), joinedload(Organisation.sector_rows))
    )
    contacts = (
        sa.select(Contact).where(Contact.id.in_(ids)).options(joinedload(Contact.organisation))
    )
    return organisations, contacts


def _load(rows, terms: Terms, close_mode: bool) -> list[Hit]:
    """The page's organisations and contacts: one statement for each kind."""
    org_ids = [r.ref_id for r in rows if r.kind == ORGANISATION]
    contact_ids = [r.ref_id for r in rows if r.kind == CONTACT]
    organisations, contacts = _load_statements()
    found = {ORGANISATION: {}, CONTACT: {}}
    if org_ids:
        for o in db.session.scalars(organisations, {"ids": org_ids}).unique():
            found[ORGANISATION][o.id] = o
    if contact_ids:
        for c in db.session.scalars(contacts, {"ids": contact_ids}):
            found[CONTACT][c.id] = c
    marker = _Marker(terms if not close_mode else Terms((), False))
    items = []
    for r in rows:
        obj = found[r.kind].get(r.ref_id)
        if obj is not None:  # None: deleted since the index was read
            other_names = r.other_names.split(_RS) if r.other_names else []
            highlights = Highlights(partial(marker.highlights, r.kind, obj, other_names))
            items.append(Hit(r.kind, r.ref_id, obj, highlights))
    return items


class Highlights(dict):
    """A hit's fields with <mark> around the matched words, worked out when first read:
    a page needs them, the read API and the exports do not."""

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


class _Marker:
    """Puts <mark> around the words of a text that the search matched."""

    def __init__(self, terms: Terms):
        self.words = set(terms.words)
        self.prefix = terms.words[-1] if terms and terms.prefix else None
        # What a matching text must contain once folded: the words searched for, and the
        # written forms of the synonyms they stand for (a quick test before the exact one).
        self.needles = set(self.words)
        for word in self.words:
            self.needles.update(synonyms.forms_of(word))

    def _matches(self, word: str) -> bool:
        return word in self.words or (self.prefix is not None and word.startswith(self.prefix))

    def marked(self, text: str | None) -> list[tuple[int, int]]:
        """(start, end) of each matched word of ``text``."""
        if not self.words or not text:
            return []
        folded = " ".join(fold_words(text))
        if not any(needle in folded for needle in self.needles):
            return []
        spans = words_with_spans(text)
        hit = {i for i, (_s, _e, word) in enumerate(spans) if self._matches(word)}
        for start, end, first in synonyms.find([word for _s, _e, word in spans]):
            if any(self._matches(word) for word in first):
                hit.update(range(start, end))
        return [(spans[i][0], spans[i][1]) for i in sorted(hit)]

    @staticmethod
    def _html(text: str, spans: list[tuple[int, int]]) -> str:
        out, last = [], 0
        for start, end in spans:
            out += (escape(text[last:start]), "<mark>", escape(text[start:end]), "</mark>")
            last = end
        out.append(escape(text[last:]))
        return "".join(out)

    def mark(self, text: str | None) -> Markup | None:
        if not text:
            return None
        return Markup(self._html(text, self.marked(text)))

    def snippet(self, text: str | None) -> Markup | None:
        """A long text cut to the part around its first matched word."""
        if not text:
            return None
        spans = self.marked(text)
        if len(text) <= SNIPPET:
            return Markup(self._html(text, spans))
        start = 0
        if spans and spans[0][0] > SNIPPET // 3:
            start = text.rfind(" ", 0, spans[0][0] - SNIPPET // 3) + 1
        end = text.rfind(" ", start, start + SNIPPET)
        end = end if end > start else start + SNIPPET
        shifted = [(s - start, e - start) for s, e in spans if s >= start and e <= end]
        return Markup(
            ("… " if start else "")
            + self._html(text[start:end], shifted)
            + (" …" if end < len(text) else "")
        )

    def highlights(self, kind: str, obj, other_names: list[str]) -> dict:
        if kind == ORGANISATION:
            other = "; ".join(other_names)
            other_spans = self.marked(other)
            fields = {
                "name": self.mark(obj.name),
                "acronym": self.mark(obj.acronym),
                "city": self.mark(obj.city),
                "other_names": Markup(self._html(other, other_spans)) if other_spans else None,
                "description": self.snippet(obj.description),
            }
        else:
            fields = {
                "name": self.mark(obj.name),
                "role": self.mark(obj.role),
                "organisation": self.mark(obj.organisation_label),
            }
        return {k: v for k, v in fields.items() if v is not None}
