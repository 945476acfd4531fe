"""One search service over organisations, contacts and open partner search posts, two engines
chosen by the database.

SQLite uses FTS5 with bm25; PostgreSQL a ``tsvector`` with a GIN index plus ``pg_trgm`` for
close misspellings. Text is folded in Python (``folding.fold``) before it is indexed and before
it is queried, so both engines see the same words.

    from eukz_platform.search import SearchQuery, search
    result = search(SearchQuery(q="Алматы", countries=["KZ"]), current_user)
    result = search(SearchQuery.from_args(request.args), current_user)  # 400 if not allowed
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .query import (
    COUNT_CAP,
    KINDS,
    MAX_OFFSET,
    MAX_PER_PAGE,
    MAX_QUERY_LENGTH,
    MAX_WORDS,
    SEARCH_PARAMS,
    SORTS,
    BadParameter,
    BadQuery,
    QueryTooLong,
    SearchQuery,
)


@dataclass
class Hit:
    kind: str  # "organisation" | "contact" | "opportunity"
    id: int
    # records.OrganisationRecord or records.ContactRecord, or the model of another kind
    # (indexing.SOURCES: a partner search post): what pages show.
    obj: object
    # field name -> Markup with <mark> around the matched words (escaped), or None: every
    # field a result of its kind shows
    highlights: dict


@dataclass
class SearchResult:
    items: list[Hit]
    total: int
    total_is_lower_bound: bool
    page: int
    per_page: int
    facets: dict  # facet name -> list of (value, count)
    # Labels of facet values that are not in the vocabulary: {"group": {slug: title}}.
    facet_labels: dict = field(default_factory=dict)
    # PostgreSQL found nothing as written and shows names close to it (a misspelling).
    close_matches: bool = False
    # A very broad search counts its facets over its first matches only: each count is then
    # a lower bound ("2,345+"), and so is the total.
    facets_are_lower_bounds: bool = False

    @property
    def pages(self) -> int:
        """The number of pages the total makes (of the capped total when it is a lower bound)."""
        return max(1, -(-self.total // self.per_page))


def init_search() -> None:
    """Once per process (the app factory calls it): keep the index in step with every write,
    and set up database connections for searching (indexing.tune_connections)."""
    from ..auth import sessions
    from .indexing import keep_index_in_step, tune_connections

    keep_index_in_step()
    tune_connections()
    sessions.read_with_person(_GENERATION, lambda: _generation_statement().scalar_subquery())


_GENERATION = "search_index_generation"


def _generation_statement():
    from sqlalchemy import select

    from .models import SearchIndexState

    return select(SearchIndexState.generation).where(SearchIndexState.id == 1)


def generation() -> int | None:
    """The index's generation: it changes with every write to the index (and to working
    groups), so what is cached under it is never stale. Read once a request: for a signed-in
    person with them (``auth.sessions.read_with_person``), at the start of the request. (The
    search checks it against the one its statement reads: service.run.)"""
    from flask import g, has_request_context

    from ..auth import sessions
    from ..extensions import db

    read = sessions.read_along(_GENERATION)
    if read is not None:
        return read
    if not has_request_context():
        return db.session.scalar(_generation_statement())
    if "search_generation" not in g:
        g.search_generation = db.session.scalar(_generation_statement())
    return g.search_generation


def visibility_key(viewer) -> str:
    """What the viewer may see, as a short key: equal for two viewers exactly when the search
    shows them the same documents (the visibility clause's shape and its values, as the
    search's statements and facet counts use them), so what is worked out for one may be kept
    for the other. Worked out once per process for each ``visibility.viewer_signature`` (all
    that the rules read of a viewer), as it takes building the rules' clauses."""
    from .service import Visible

    return Visible.of(viewer).digest


def rate_limit(**options):
    """The per-client limit that every view running searches shares (``RATELIMIT_SEARCH``), as a
    decorator; ``options`` go to Flask-Limiter (e.g. ``exempt_when``)."""
    from flask import current_app

    from ..extensions import limiter

    return limiter.shared_limit(
        lambda: current_app.config["RATELIMIT_SEARCH"], scope="search", **options
    )


def search(query: SearchQuery, viewer) -> SearchResult:
    """One page of what the viewer may see matching ``query``, with facet counts.

    Raises BadQuery for an unknown sort, facet value, page below 1 or per_page above 100, and
    QueryTooLong for a search text of more than ``MAX_QUERY_LENGTH`` characters.
    """
    from ..ops.metrics import timed_search
    from .service import run

    with timed_search():
        return run(query, viewer)


__all__ = [
    "BadParameter",
    "BadQuery",
    "QueryTooLong",
    "Hit",
    "SearchQuery",
    "SearchResult",
    "search",
    "generation",
    "init_search",
    "rate_limit",
    "visibility_key",
    "COUNT_CAP",
    "KINDS",
    "MAX_OFFSET",
    "MAX_PER_PAGE",
    "MAX_QUERY_LENGTH",
    "MAX_WORDS",
    "SEARCH_PARAMS",
    "SORTS",
]
