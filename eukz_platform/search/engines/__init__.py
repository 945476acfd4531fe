"""The search's engines: how one database matches, ranks, gathers lists and runs a statement.

The search's statements (service.py, facets.py) are built with SQLAlchemy Core from the parts
an engine gives: the documents matching (``match``), a score (``score``), a test of words in a
column (``contains``), lists gathered as JSON (``json_list``). Each shape of statement is
compiled once (``compile``): the values of a search, and who asks, only ever reach the
database as bound parameters, so the same few statements serve every search and every
viewer. A third engine is one more module here, named in ``for_dialect``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from enum import Enum

import sqlalchemy as sa

from ..models import SearchDocument
from ..terms import Terms

d = SearchDocument.__table__
search_term = sa.table("search_term", sa.column("term", sa.Text))


def param(name: str, type_=sa.String) -> sa.BindParameter:
    """A bound parameter whose value comes with each run, typed (PostgreSQL prepares it)."""
    return sa.bindparam(name, type_=type_, required=False)


def constant(value: int | float | str) -> sa.ColumnElement:
    """A constant of this package written into the statement: a number, or a quoted text."""
    if isinstance(value, str):
        return sa.literal_column("'" + value.replace("'", "''") + "'", sa.Text)
    return sa.literal_column(repr(value), sa.Float if isinstance(value, float) else sa.Integer)


def _plain(value):
    return value.value if isinstance(value, Enum) else value


@dataclass(frozen=True)
class Compiled:
    """A statement compiled once: its text, the names of its parameters in order, and the
    values of those written in it (visibility's constants, SQLite's ``OFFSET 0``)."""

    sql: str
    names: tuple[str, ...]
    defaults: dict = field(hash=False, compare=False)

    def values(self, params: dict) -> tuple:
        """The parameters' values in order, from ``params`` or else the statement's own."""
        merged = {**self.defaults, **params}
        return tuple(merged[name] for name in self.names)


class Engine(ABC):
    """How one database matches, ranks and counts. Parts: "all" matches, those whose "name"
    matches, and the "rest". The values of a search are set in ``params`` when the engine is
    made; the methods build statements' parts, the same for every search of a shape.

    A last word searched as a prefix is expanded into the words of the index that start with
    it (``search_term``), up to ``PREFIX_TERMS`` of them: both engines read an OR of words as
    far as the page needs, skipping through the other words' lists, but a prefix whole, each
    time it appears. With more words than that, the prefix itself is searched."""

    name = ""
    dialect: sa.Dialect
    # Keep the first 1,001 matches and rank those (PostgreSQL); SQLite's bm25 needs the FTS
    # query itself, and FTS5 reads an index in order cheaply, so SQLite ranks in segments.
    keeps_matches = False
    PREFIX_TERMS = 64

    def __init__(self, terms: Terms):
        self.terms = terms
        self.params: dict = {}

    def shape(self) -> tuple:
        """What the structure of this engine's parts depends on (not the searched words)."""
        return (self.name, bool(self.terms), self.terms.prefix, self.PREFIX_TERMS)

    def expansion_params(self, prefix: str, exact: str) -> dict:
        """The values ``expansion`` reads: the last word's range of the index's words, and
        what is searched with too many of them (``prefix``) or none (``exact``)."""
        last = self.terms.words[-1]
        return {
            "m_prefix": prefix,
            "m_exact": exact,
            "m_from": last,
            "m_to": last[:-1] + chr(ord(last[-1]) + 1),
        }

    def expansion(self, quote: str, joiner: str) -> sa.ScalarSelect:
        """The words of the index starting with the last word, each between ``quote``s,
        joined by ``joiner``; ``:m_prefix`` when there are too many, ``:m_exact`` when none."""
        term = search_term.c.term
        start, end = sa.cast(param("m_from"), sa.Text), sa.cast(param("m_to"), sa.Text)
        words = (
            sa.select(term)
            .where(term >= start, term < end)
            .order_by(term)
            .limit(constant(self.PREFIX_TERMS + 1))
            .subquery("expansion")
        )
        quoted = self.string_agg(constant(quote) + words.c.term + constant(quote), joiner)
        too_many = sa.func.count() > constant(self.PREFIX_TERMS)
        return sa.select(
            sa.case(
                (too_many, sa.cast(param("m_prefix"), sa.Text)),
                else_=sa.func.coalesce(quoted, sa.cast(param("m_exact"), sa.Text)),
            )
        ).scalar_subquery()

    def documents(self, part: str = "all") -> tuple[sa.FromClause, sa.ColumnElement[bool]]:
        """(FROM, WHERE) of the documents a part holds: every document without words."""
        return self.match(part) if self.terms else (d, sa.true())

    def compile(self, statement: sa.Executable) -> Compiled:
        """The statement as this engine's database runs it, for every search of its shape."""
        compiled = statement.compile(
            dialect=self.dialect, compile_kwargs={"render_postcompile": True}
        )
        defaults = {k: _plain(v) for k, v in compiled.params.items() if v is not None}
        return Compiled(compiled.string, tuple(compiled.positiontup or ()), defaults)

    @abstractmethod
    def execute(self, statement: Compiled, params: dict) -> list:
        """Run a compiled statement with these values; its rows."""

    @abstractmethod
    def match(self, part: str = "all") -> tuple[sa.FromClause, sa.ColumnElement[bool]]:
        """(FROM, WHERE) of the documents matching the words."""

    @abstractmethod
    def score(self, part: str = "all") -> sa.ColumnElement:
        """An expression ranking the matches, lowest first."""

    @property
    @abstractmethod
    def order_column(self) -> sa.ColumnElement:
        """The order the index reads its matches in (cheap to follow)."""

    @abstractmethod
    def contains(self, column: sa.ColumnElement, value: sa.ColumnElement) -> sa.ColumnElement:
        """A condition: the column's text contains the value."""

    @abstractmethod
    def string_agg(self, expression: sa.ColumnElement, separator: str) -> sa.ColumnElement:
        """An aggregate joining the texts of ``expression`` with the separator."""

    @abstractmethod
    def json_list(self, *expressions: sa.ColumnElement) -> sa.ColumnElement:
        """An aggregate: the values (or, of several expressions, lists of them) as a list."""

    @abstractmethod
    def listed(self, value) -> list:
        """What ``json_list`` gathered, as a Python list (empty when there was nothing)."""

    def close_params(self) -> dict | None:
        """Values the close-name pass needs besides ``params``, looked up when it runs; None
        when it can find nothing."""
        return {}

    @abstractmethod
    def close_found(self, where: sa.ColumnElement[bool], columns: list, limit: int) -> sa.CTE:
        """The documents whose names are close to the search text, looked for when nothing
        matches as written: every engine shows them."""


def for_dialect(dialect_name: str) -> type[Engine]:
    """The engine of a database, by SQLAlchemy's dialect name."""
    # The engine modules build on this one: imported when first asked for.
    from . import postgresql, sqlite

    engines = {"sqlite": sqlite.ENGINE, "postgresql": postgresql.ENGINE}
    if dialect_name not in engines:
        raise RuntimeError(f"search has no engine for {dialect_name}")
    return engines[dialect_name]
