"""The search service: one page of hits, the total and the facet counts, in few statements.

What a search runs, whatever the number of results:
1. the hits statement: the page of hits with what the page shows of each (records.py), and,
   in the same statement, the capped count of matches, the index generation and the working
   groups (slug, title) for the facets;
2. the facets statement, unless the counts are cached for this generation of the index.

Common words need care: ranking every match of a word found in a third of the directory
costs more than the rest of the page. So matches are counted up to 1,001 first, inside the hits
statement. SQLite ranks up to ``RANK_ALL`` matches whole (bm25, the name counting most); beyond
that ("broad"), documents whose names match come first, then the others in index order, read no
further than the page needs. PostgreSQL ranks the first 1,001 matches (ts_rank) as it reads
them, with the documents whose names match added for a broad search; pages beyond those give
the other matches in the order of their ids. Facet counts are exact, from one pass over the
matches (counted per combination of single-valued facets, so that each facet is counted without
its own filter, as multi-select facets should), and they give the exact total for free.

Who sees what is visibility.py's decision: its clauses are re-pointed at the copies of the
columns they read that every document holds (status, confirmation, contact visibility,
organisation id), so the rules stay in one place and a search reads one table.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections import Counter, OrderedDict
from dataclasses import dataclass
from functools import partial

import sqlalchemy as sa
from flask import current_app
from markupsafe import Markup
from sqlalchemy.sql import visitors

from .. import visibility
from ..contacts.models import Contact
from ..core.models import Organisation
from ..core.vocabulary import (
    COUNTRY_CODES,
    EESCGroup,
    OrganisationType,
    Sector,
    Side,
)
from ..extensions import db
from . import (
    COUNT_CAP,
    KINDS,
    MAX_OFFSET,
    MAX_PER_PAGE,
    MAX_QUERY_LENGTH,
    MAX_WORDS,
    SORTS,
    BadQuery,
    Hit,
    QueryTooLong,
    SearchQuery,
    SearchResult,
    prepared,
    records,
    synonyms,
)
from .folding import fold_words, words_with_spans
from .indexing import CONTACT, ORGANISATION, SECTOR_BITS
from .models import SearchDocument

# The last word is also matched as a prefix ("energ" finds "energy") from this length on.
MIN_PREFIX = 3
SNIPPET = 240
# Ranking reads every match (bm25: a few microseconds each on SQLite): up to this many matches
# are ranked whole; beyond, the names that match come first, then the rest.
RANK_ALL = 250
# Facets are counted over at most this many matches; a broader search shows its counts as
# lower bounds ("2,345+"), as its total ("more than 1,000").
FACET_SAMPLE = 2500
# The close-name pass (PostgreSQL, when nothing matches as written) looks for names close to
# the search text. Comparing the text with every name by trigrams costs as much as there are
# names sharing its trigrams (a misspelt "Almaty": a third of the directory). So each word is
# compared with the words of the index instead (``search_term``, by trigrams: fewer, and
# short), and the names holding the closest CLOSE_TERMS words of each are the candidates; the
# first CLOSE_CANDIDATES met are ranked by how close they are to the text
# (``SEARCH_CLOSE_CANDIDATES`` in the config). Only words of CLOSE_MIN_WORD to CLOSE_MAX_WORD
# letters take part ("al" is close to too many words to tell; longer ones are not names'),
# the first CLOSE_MAX_WORDS of them.
CLOSE_MIN_WORD = 4
CLOSE_MAX_WORD = 24
CLOSE_MAX_WORDS = 3
CLOSE_TERMS = 5
CLOSE_CANDIDATES = 100
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


def close_text(terms: Terms) -> str:
    """The words the close-name pass looks for, space-separated; empty when it does not run."""
    words = [w for w in terms.words if CLOSE_MIN_WORD <= len(w) <= CLOSE_MAX_WORD]
    return " ".join(words[:CLOSE_MAX_WORDS])


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
        raise QueryTooLong()
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


class _Engine(ABC):
    """How one database matches, ranks and counts. Parts: "all" matches, those whose "name"
    matches, and the "rest". User input only ever reaches the SQL as bound parameters (on
    PostgreSQL, the arguments of a prepared statement, quoted by psycopg).

    A last word searched as a prefix is expanded into the words of the index that start with
    it (``search_term``), up to ``PREFIX_TERMS`` of them: both engines read an OR of words as
    far as the page needs, skipping through the other words' lists, but a prefix whole, each
    time it appears. With more words than that, the prefix itself is searched."""

    name = ""
    order_column = f"{_DOC}.id"
    # Keep the first 1,001 matches and rank those (PostgreSQL); SQLite's bm25 needs the FTS
    # query itself, and FTS5 reads an index in order cheaply, so SQLite ranks in segments.
    keeps_matches = False
    PREFIX_TERMS = 64

    def __init__(self, terms: Terms):
        self.terms = terms
        self.params: dict = {}
        self.ctes: list[str] = []  # common table expressions the statements need first

    def _expansion(self, quote: str, joiner: str, prefix: str, exact: str) -> str:
        """SQL text: the words of the index starting with the last word, each between
        ``quote``s, joined by ``joiner``; ``prefix`` when there are too many, ``exact`` when
        there are none."""
        last = self.terms.words[-1]
        self.params.update(
            m_prefix=prefix, m_exact=exact, m_from=last, m_to=last[:-1] + chr(ord(last[-1]) + 1)
        )
        words = self.group_concat(f"{quote} || term || {quote}", joiner)
        return (
            f"(SELECT CASE WHEN count(*) > {self.PREFIX_TERMS} THEN CAST(:m_prefix AS TEXT) "  # nosec B608 # SQL of this module; input is bound
            f"ELSE coalesce({words}, CAST(:m_exact AS TEXT)) END "
            "FROM (SELECT term FROM search_term "
            "WHERE term >= CAST(:m_from AS TEXT) AND term < CAST(:m_to AS TEXT) "
            f"ORDER BY term LIMIT {self.PREFIX_TERMS + 1}) AS expansion)"
        )

    def execute(self, sql: str, params: dict) -> list:
        """Run a statement of the search; its rows."""
        return db.session.execute(sa.text(sql), params).all()

    @abstractmethod
    def source(self, part: str = "all") -> tuple[str, str]:
        """(FROM, WHERE) of the documents matching."""

    @abstractmethod
    def score(self, part: str = "all") -> str:
        """An SQL expression ranking the matches, lowest first."""

    @abstractmethod
    def contains(self, column: str, param: str) -> str:
        """An SQL condition: the column contains the text of the bound parameter."""

    @abstractmethod
    def group_concat(self, expr: str, separator: str) -> str:
        """An SQL aggregate joining the values of expr with the separator."""


class _SQLite(_Engine):
    """FTS5, the query text built once per statement (``fts_query``) when it has a prefix."""

    name = "sqlite"
    order_column = "search_fts.rowid"

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
        self.params["m_head"] = "".join(f"{q} AND " for q in quoted[:-1])
        expansion = self._expansion("'\"'", "' OR '", f"{quoted[-1]}*", quoted[-1])
        expression = f":m_head || '(' || {expansion} || ')'"
        self.ctes = [
            f"fts_query AS MATERIALIZED (SELECT expression AS m_all, "  # nosec B608 # SQL of this module; input is bound
            "'{name_text} : (' || expression || ')' AS m_name, "
            "'(' || expression || ') NOT ({name_text} : (' || expression || '))' AS m_rest "
            f"FROM (SELECT {expression} AS expression))"
        ]

    def source(self, part="all"):
        match = f"(SELECT m_{part} FROM fts_query)" if self.terms.prefix else f":m_{part}"  # nosec B608 # SQL of this module; input is bound
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
    """tsvector and GIN, the tsquery built once per statement (``tsq``). Statements run
    prepared, planned once per connection (prepared.py): the planner cannot know from a
    statement how common its words are, as the tsquery is only made when it runs, so one
    plan serves every search of the same shape."""

    name = "postgresql"
    keeps_matches = True

    def __init__(self, terms: Terms):
        super().__init__(terms)
        quoted = [f"'{w}'" for w in terms.words]
        self.params = {"close": close_text(terms)}
        if terms.prefix:
            self.params["m_head"] = "".join(f"{q} & " for q in quoted[:-1])
            expansion = self._expansion("''''", "' | '", f"{quoted[-1]}:*", quoted[-1])
            text = f"CAST(:m_head AS TEXT) || '(' || {expansion} || ')'"
        else:
            self.params["m_all"] = " & ".join(quoted)
            text = "CAST(:m_all AS TEXT)"
        self.ctes = [f"tsq AS MATERIALIZED (SELECT to_tsquery('simple', {text}) AS query)"]

    _QUERY = "(SELECT query FROM tsq)"

    def execute(self, sql, params):
        return prepared.execute(db.session.connection(), sql, params)

    def source(self, part="all"):
        if part == "name":
            return _DOC, f"{_DOC}.name_tsv @@ {self._QUERY}"
        if part == "rest":
            return _DOC, (f"{_DOC}.tsv @@ {self._QUERY} AND NOT ({_DOC}.name_tsv @@ {self._QUERY})")
        return _DOC, f"{_DOC}.tsv @@ {self._QUERY}"

    def score(self, part="all"):
        column = "name_tsv" if part == "name" else "tsv"
        return f"-ts_rank({_DOC}.{column}, {self._QUERY})"

    def close_ctes(self, where: str, limit: int) -> list[str]:
        """Common table expressions ending in ``close_found``: the first ``limit`` documents
        whose names hold, for each word of ``:close``, one of the index's ``CLOSE_TERMS``
        words closest to it (pg_trgm's ``%``, through ``ix_search_term_trgm``), scored by
        how close the name is to the text."""
        text = "CAST(:close AS TEXT)"
        return [
            "close_terms AS MATERIALIZED (SELECT w.n, t.term "  # nosec B608 # SQL of this module; input is bound
            f"FROM unnest(string_to_array({text}, ' ')) WITH ORDINALITY AS w(word, n) "
            "CROSS JOIN LATERAL (SELECT term FROM search_term WHERE term % w.word "
            f"ORDER BY similarity(term, w.word) DESC, term LIMIT {CLOSE_TERMS}) AS t)",
            # The index's words are letters and digits: quoted, each is one lexeme.
            "close_tsq AS MATERIALIZED (SELECT to_tsquery('simple', "
            "string_agg(alternatives, ' & ')) AS query FROM (SELECT '(' || "
            "string_agg('''' || term || '''', ' | ') || ')' AS alternatives "
            "FROM close_terms GROUP BY n) AS words)",
            f"close_found AS MATERIALIZED (SELECT {_COLUMNS}, 0 AS seg, "  # nosec B608 # SQL of this module; input is bound
            f"-word_similarity({text}, {_DOC}.name_text) AS score FROM {_DOC} "
            f"WHERE {_DOC}.name_tsv @@ (SELECT query FROM close_tsq) AND {where} LIMIT {limit})",
        ]

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
        f"SELECT count(*) AS n FROM (SELECT 1 AS one FROM {source} "  # nosec B608 # SQL of this module; input is bound
        f"WHERE {match} AND {where} LIMIT {COUNT_CAP + 1}) AS capped"
    )


def _groups_sql(engine: _Engine) -> str:
    """slug, priority and title (in the page's language, else English) of every group."""
    item = (
        "wg.slug || :us || CAST(wg.priority AS VARCHAR(12)) || :us || "
        "CAST(coalesce(wt_local.title, wt_en.title, wg.slug) AS VARCHAR(300))"
    )
    return (
        f"(SELECT {engine.group_concat(item, ':rs')} FROM working_group AS wg "  # nosec B608 # SQL of this module; input is bound
        "LEFT OUTER JOIN working_group_translation AS wt_local "
        "ON wt_local.group_id = wg.id AND wt_local.locale = :locale "
        "LEFT OUTER JOIN working_group_translation AS wt_en "
        "ON wt_en.group_id = wg.id AND wt_en.locale = 'en')"
    )


def _needs_groups(query: SearchQuery) -> bool:
    """The working groups are read for the facets' labels and to check a group filter."""
    return query.with_facets or bool(query.groups)


def _other_names_sql(engine: _Engine) -> str:
    """An organisation's names in other languages, for highlighting (no ORM load needed)."""
    return (
        f"(SELECT {engine.group_concat('other.name', ':rs')} FROM organisation_name AS other "  # nosec B608 # SQL of this module; input is bound
        "WHERE other.organisation_id = page.ref_id AND page.kind = 'organisation')"
    )


def _sort_sql(query: SearchQuery, prefix: str) -> str:
    if query.sort == "newest":
        return f"{prefix}created_at DESC, {prefix}id DESC"
    return f"{prefix}sort_key, {prefix}id"


_COLUMNS = ", ".join(
    f"{_DOC}.{c} AS {c}" for c in ("id", "kind", "ref_id", "sort_key", "created_at", "sectors")
)
# What is kept of the matches ranked by relevance (no sort columns: fewer bytes to carry).
_KEPT_COLUMNS = ", ".join(f"{_DOC}.{c} AS {c}" for c in ("id", "kind", "ref_id", "sectors"))
# What the page shows of each hit (records.py), read in the same statement as the hits.
_SHOWN = ", ".join(
    [
        *(
            f"o.{c} AS o_{c}"
            for c in (
                "name acronym country side city type eesc_group website description status"
            ).split()
        ),
        "o.confirmation_state AS o_confirmation",
        *(
            f"c.{c} AS c_{c}"
            for c in "organisation_id organisation_name name role email phone phone_e164".split()
        ),
        "c.visibility AS c_visibility",
        "co.name AS co_name",
    ]
)
_SHOWN_JOINS = (
    "LEFT OUTER JOIN organisation AS o ON page.kind = 'organisation' AND o.id = page.ref_id "
    "LEFT OUTER JOIN contact AS c ON page.kind = 'contact' AND c.id = page.ref_id "
    "LEFT OUTER JOIN organisation AS co ON co.id = c.organisation_id"
)


def _hits_sql(query: SearchQuery, engine: _Engine, where: str, close: bool = False) -> str:
    """The page of hits, the capped count, the index generation and the groups: one statement.

    ``close``: the names close to the search text (PostgreSQL, when nothing matched), of the
    first ``CLOSE_CANDIDATES`` + 1 met (``_PostgreSQL.close_ctes``). Segments that do not
    apply to this search get ``LIMIT 0`` (decided once, from the capped count), so the
    database does not read them.
    """
    ranked = query.sort == "relevance" and bool(engine.terms)
    keep = ranked and not close and engine.keeps_matches
    if close:
        ctes = [
            *engine.close_ctes(where, _close_candidates() + 1),
            "cnt AS MATERIALIZED (SELECT count(*) AS n FROM close_found)",
        ]
    elif keep:
        source, match = engine.source("all")
        score = engine.score()
        # The first 1,001 matches, ranked as they are read (one visit of each row), kept and
        # counted. OFFSET 0 makes the planner choose its plan for all the matches, not for the
        # first 1,001: hoping to meet those early, it would read the table in order, and read
        # all of it when fewer of the matches are visible.
        ranked_columns = f"{_KEPT_COLUMNS}, 0 AS seg, {score} AS score"
        ctes = [
            *engine.ctes,
            f"matched AS MATERIALIZED (SELECT * FROM (SELECT {ranked_columns} FROM {source} "  # nosec B608 # SQL of this module; input is bound
            f"WHERE {match} AND {where} OFFSET 0) AS fenced LIMIT {COUNT_CAP + 1})",
            "cnt AS MATERIALIZED (SELECT count(*) AS n FROM matched)",
        ]
        # A broad search (more than 1,000 matches) also reads as many of the other documents
        # whose names match as the page needs, so that they come first (they rank higher);
        # any other search has them all among its matches already, and reads none again.
        source, match = engine.source("name")
        broad = f"(CASE WHEN (SELECT n FROM cnt) > {COUNT_CAP} THEN :lim ELSE 0 END)"  # nosec B608 # SQL of this module; input is bound
        ctes.append(
            f"named AS MATERIALIZED (SELECT * FROM (SELECT {ranked_columns} FROM {source} "  # nosec B608 # SQL of this module; input is bound
            f"WHERE {match} AND {where} AND {_DOC}.id NOT IN (SELECT id FROM matched) "
            f"OFFSET 0) AS fenced_names LIMIT {broad})"
        )
    else:
        ctes = [*engine.ctes, f"cnt AS MATERIALIZED ({_capped(engine, 'all', where)})"]
    n = "(SELECT n FROM cnt)"

    def segment(number: int, part: str, score: str, order: str, limit: str = ":lim") -> str:
        source, match = engine.source(part) if engine.terms else (_DOC, "1 = 1")
        return (
            f"SELECT * FROM (SELECT {_COLUMNS}, {number} AS seg, {score} AS score "  # nosec B608 # SQL of this module; input is bound
            f"FROM {source} WHERE {match} AND {where} ORDER BY {order} LIMIT {limit}) "
            f"AS seg{len(segments)}"
        )

    segments: list[str] = []
    if close:
        # The first CLOSE_CANDIDATES in this order: one more was read to know there are more.
        page_order = "seg, score, id" if ranked else f"seg, {_sort_sql(query, '')}"
        segments.append(
            f"SELECT * FROM (SELECT * FROM close_found ORDER BY {page_order} "  # nosec B608 # SQL of this module; input is bound
            f"LIMIT {_close_candidates()}) AS close_ranked"
        )
    elif keep:
        segments.append(
            "SELECT * FROM (SELECT * FROM (SELECT * FROM matched UNION ALL SELECT * FROM named) "
            "AS kept ORDER BY score, id LIMIT :lim) AS ranked"
        )
        if query.page * query.per_page > COUNT_CAP:
            # Pages beyond the ranked ones (the read API and the exports go that deep): the
            # other matches of a broad search, in the order of their ids.
            source, match = engine.source("all")
            deeper = f"(CASE WHEN (SELECT n FROM cnt) > {COUNT_CAP} THEN :lim ELSE 0 END)"  # nosec B608 # SQL of this module; input is bound
            segments.append(
                f"SELECT * FROM (SELECT {_KEPT_COLUMNS}, 1 AS seg, "  # nosec B608 # SQL of this module; input is bound
                f"CAST({_DOC}.id AS FLOAT) AS score "
                f"FROM {source} WHERE {match} AND {where} "
                f"AND {_DOC}.id NOT IN (SELECT id FROM matched) "
                f"AND {_DOC}.id NOT IN (SELECT id FROM named) "
                f"ORDER BY {_DOC}.id LIMIT {deeper}) AS deeper"
            )
        page_order = "seg, score, id"
    elif ranked:
        few = f"{n} <= {RANK_ALL}"
        score = engine.score()
        unranked = f"CAST({engine.order_column} AS FLOAT)"
        # A few hundred matches at most: rank them all.
        segments.append(
            segment(
                0, "all", score, f"{score}, {_DOC}.id", f"(CASE WHEN {few} THEN :lim ELSE 0 END)"
            )
        )
        # More ("broad"): the documents whose names match first, then the rest, each in the
        # order of the index, read only as far as the page goes.
        broad = f"(CASE WHEN NOT ({few}) THEN :lim ELSE 0 END)"
        segments.append(segment(0, "name", unranked, engine.order_column, broad))
        segments.append(segment(1, "rest", unranked, engine.order_column, broad))
        page_order = "seg, score, id"
    else:
        segments.append(segment(0, "all", "0.0", _sort_sql(query, f"{_DOC}.")))
        page_order = f"seg, {_sort_sql(query, '')}"
    hits = " UNION ALL ".join(segments)
    return (
        f"WITH {', '.join(ctes)} "  # nosec B608 # SQL of this module; input is bound
        f"SELECT meta.total, meta.generation, meta.groups, "
        f"page.id, page.kind, page.ref_id, page.sectors, {_SHOWN}, "
        f"{_other_names_sql(engine)} AS other_names "
        f"FROM (SELECT {n} AS total, "
        f"(SELECT generation FROM search_index_state WHERE id = 1) AS generation, "
        f"{_groups_sql(engine) if _needs_groups(query) else 'NULL'} AS groups) AS meta "
        f"LEFT OUTER JOIN (SELECT * FROM ({hits}) AS hits ORDER BY {page_order} "
        f"LIMIT :per_page OFFSET :offset) AS page ON 1 = 1 {_SHOWN_JOINS} "
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
    rows = engine.execute(_hits_sql(query, engine, where), params)
    meta = rows[0]
    groups = _parse_groups(meta.groups)
    unknown = [g for g in query.groups if g not in groups]
    if unknown:
        raise BadQuery(f"unknown group: {unknown[0]}")
    total = meta.total
    cap = COUNT_CAP
    close_mode = False
    if terms and not total and engine.params.get("close"):
        # Nothing as written: names close to it (a misspelling), without facets.
        close = engine.execute(_hits_sql(query, engine, where, close=True), params)
        if close[0].total:
            rows, total, close_mode = close, close[0].total, True
            cap = _close_candidates()
    hit_rows = [r for r in rows if r.id is not None]
    facets: dict = {name: [] for name in _FACET_ORDER}
    facets_lower_bound = False
    lower_bound = total > cap
    # Nothing found with filters on: the counts still show what loosening them would find.
    if query.with_facets and not close_mode and (total or conditions):
        facets, counted, facets_lower_bound = _facets(query, engine, visible, meta.generation)
        if not facets_lower_bound:
            total, lower_bound = counted, False
    if lower_bound:
        total = cap
    return SearchResult(
        items=_load(hit_rows, terms, close_mode),
        total=total,
        total_is_lower_bound=lower_bound,
        page=query.page,
        per_page=query.per_page,
        facets=facets,
        facet_labels={"group": {slug: title for slug, (_p, title) in groups.items()}},
        close_matches=close_mode,
        facets_are_lower_bounds=facets_lower_bound,
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


_FACET_COLUMNS = (*SINGLE_FACETS, "sectors", "group_slugs")


def _facet_conditions(query: SearchQuery, engine: _Engine, params: dict) -> dict[str, str]:
    """Each active filter as a condition on the sampled matches ``m``, by facet."""
    conditions = {}
    for column, attr in _SINGLE_COLUMNS.items():
        values = getattr(query, attr)
        if values:
            names = [f"c_{column}_{i}" for i in range(len(values))]
            params.update(zip(names, values, strict=True))
            conditions[column] = f"m.{column} IN ({', '.join(':' + n for n in names)})"
    if query.verified is not None:
        params["c_verified"] = query.verified
        conditions["verified"] = "m.verified = :c_verified"
    if query.sectors:
        params["c_sectors"] = _sector_mask(query)
        conditions["sector"] = "(m.sectors & :c_sectors) != 0"
    if query.groups:
        parts = []
        for i, slug in enumerate(query.groups):
            params[f"c_group_{i}"] = f" {slug} "
            parts.append(engine.contains("m.group_slugs", f"c_group_{i}"))
        conditions["group"] = f"({' OR '.join(parts)})"
    return conditions


def _facet_sql(query: SearchQuery, engine: _Engine, visible: str) -> tuple[str, dict]:
    """Every facet counted in one statement (UNION ALL) over the first ``FACET_SAMPLE`` + 1
    matches (``SEARCH_FACET_SAMPLE`` in the config), each facet without its own filter; plus
    the total and the sample's size."""
    params = dict(engine.params)
    source, match = engine.source("all") if engine.terms else (_DOC, "1 = 1")
    columns = ", ".join(f"{_DOC}.{c} AS {c}" for c in _FACET_COLUMNS)
    conditions = _facet_conditions(query, engine, params)

    def where(*extra: str, but: str | None = None) -> str:
        parts = [c for name, c in conditions.items() if name != but] + list(extra)
        return f" WHERE {' AND '.join(parts)}" if parts else ""

    branches = [
        f"SELECT '{name}' AS facet, CAST(m.{name} AS VARCHAR(32)) AS value, count(*) AS n "  # nosec B608 # SQL of this module; input is bound
        f"FROM m{where(f'm.{name} IS NOT NULL', but=name)} GROUP BY m.{name}"
        for name in SINGLE_FACETS
    ]
    sectors = " UNION ALL ".join(
        f"SELECT '{sector.value}' AS name, {bit} AS bit" for sector, bit in SECTOR_BITS.items()
    )
    branches.append(
        f"SELECT 'sector', s.name, count(*) FROM m JOIN ({sectors}) AS s "  # nosec B608 # SQL of this module; input is bound
        f"ON (m.sectors & s.bit) != 0{where(but='sector')} GROUP BY s.name"
    )
    in_group = engine.contains("m.group_slugs", "wg_slug").replace(
        ":wg_slug", "(' ' || wg.slug || ' ')"
    )
    branches.append(
        f"SELECT 'group', wg.slug, count(*) FROM m JOIN working_group AS wg "  # nosec B608 # SQL of this module; input is bound
        f"ON {in_group}{where(but='group')} GROUP BY wg.slug"
    )
    branches.append(f"SELECT 'total', NULL, count(*) FROM m{where()}")  # nosec B608 # SQL of this module; input is bound
    branches.append("SELECT 'sample', NULL, count(*) FROM m")
    ctes = [
        *(engine.ctes if engine.terms else []),
        (
            f"m AS MATERIALIZED (SELECT {columns} FROM {source} WHERE {match} AND ({visible}) "  # nosec B608 # SQL of this module; input is bound
            f"LIMIT {_facet_sample() + 1})"
        ),
    ]
    return f"WITH {', '.join(ctes)} " + " UNION ALL ".join(branches), params


def _close_candidates() -> int:
    return int(current_app.config.get("SEARCH_CLOSE_CANDIDATES", CLOSE_CANDIDATES))


def _facet_sample() -> int:
    return int(current_app.config.get("SEARCH_FACET_SAMPLE", FACET_SAMPLE))


def _cache() -> OrderedDict:
    return current_app.extensions.setdefault("eukz_search_facets", OrderedDict())


def _facets(query: SearchQuery, engine: _Engine, visible: str, generation) -> tuple:
    """(facets, total, whether they are lower bounds), cached while the index is unchanged."""
    size = current_app.config.get("SEARCH_FACET_CACHE_SIZE", 256)
    key = None
    if size and generation is not None:
        key = (
            engine.name,
            generation,
            visible,
            engine.terms,
            *(tuple(getattr(query, attr)) for attr in _SINGLE_COLUMNS.values()),
            query.verified,
            tuple(query.sectors),
            tuple(query.groups),
        )
        cache = _cache()
        if key in cache:
            cache.move_to_end(key)
            return cache[key]
    sql, params = _facet_sql(query, engine, visible)
    counts: dict[str, Counter] = {name: Counter() for name in _FACET_ORDER}
    total = sample = 0
    for facet, value, n in engine.execute(sql, params):
        if facet == "total":
            total = n
        elif facet == "sample":
            sample = n
        else:
            counts[facet][_facet_value(facet, value)] += n
    selected = {
        "kind": query.kinds,
        "country": query.countries,
        "side": query.sides,
        "type": query.types,
        "eesc_group": query.eesc_groups,
        "sector": query.sectors,
        "group": query.groups,
        "verified": [] if query.verified is None else ["true" if query.verified else "false"],
    }
    facets = {}
    for name in _FACET_ORDER:
        for value in selected[name]:
            counts[name].setdefault(value, 0)
        facets[name] = sorted(counts[name].items(), key=lambda item: (-item[1], str(item[0])))
    found = (facets, total, sample > _facet_sample())
    if key is not None:
        cache = _cache()
        cache[key] = found
        while len(cache) > size:
            cache.popitem(last=False)
    return found


def _facet_value(name: str, value):
    if name == "verified":
        return "true" if str(value).lower() in ("1", "true") else "false"
    return value


# Loading and highlighting -------------------------------------------------------------------


def _load(rows, terms: Terms, close_mode: bool) -> list[Hit]:
    """The page's hits, with records of what they show (read by the hits statement)."""
    marker = _Marker(terms if not close_mode else Terms((), False))
    items = []
    for r in rows:
        if r.kind == ORGANISATION and r.o_name is not None:
            obj = records.organisation_record(r)
        elif r.kind == CONTACT and r.c_name is not None:
            obj = records.contact_record(r)
        else:
            continue  # deleted while the index still held it
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


_MARK, _END_MARK = Markup("<mark>"), Markup("</mark>")


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
    def _html(text: str, spans: list[tuple[int, int]]) -> Markup:
        """The text, escaped, with its spans between <mark>s."""
        out, last = [], 0
        for start, end in spans:
            out += (text[last:start], _MARK, text[start:end], _END_MARK)
            last = end
        out.append(text[last:])
        return Markup().join(out)

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
        else:
            fields = {
                "name": self.mark(obj.name),
                "role": self.mark(obj.role),
                "organisation": self.mark(obj.organisation_label),
            }
        return {k: v for k, v in fields.items() if v is not None}
