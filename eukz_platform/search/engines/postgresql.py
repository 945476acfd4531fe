"""PostgreSQL: a ``tsvector`` with GIN indexes, ``pg_trgm`` for names close to a misspelling.

The search's statements run prepared, planned once per connection. Planning one costs about
half a millisecond, a fifth of a typical search. psycopg's own preparing is switched off
(``configure``): psycopg deallocates every prepared statement at a rollback, and a pooled
connection is rolled back after every request, so its statements would last one request. So
a connection runs ``PREPARE`` the first time it meets one of the search's statements and
``EXECUTE`` after; the statements' text is the same whoever searches (every value is a
parameter), so a handful serve every viewer. ``database.keep_prepared`` keeps them, with the
other statements the app runs prepared, and ``database.execute_prepared`` writes the
arguments (see there).
``plan_cache_mode = force_generic_plan`` makes PostgreSQL plan a prepared statement once, for
any values: a search's tsquery is only made when the statement runs, so a plan made for one
search's values knows nothing more anyway.
"""

from __future__ import annotations

from functools import cached_property

import sqlalchemy as sa

from ...database import NUMBERED, execute_prepared, keep_prepared, prepared_name
from ...extensions import db
from ..terms import close_text
from . import Compiled, Engine, constant, d, param, search_term

# The generated columns of migration 0004 (not in the model: PostgreSQL's only).
_TSV = sa.literal_column("search_document.tsv")
_NAME_TSV = sa.literal_column("search_document.name_tsv")
# Sent as written: no parameters, so a "%" (an operator, or in a literal) is not a placeholder.
_AS_WRITTEN = {"no_parameters": True}
# The close-name pass looks at the CLOSE_TERMS words of the index closest to each word of
# the search text (``search_term``, by trigrams), and the names holding them.
CLOSE_TERMS = 5


def configure(dbapi_connection) -> None:
    """A new psycopg connection: psycopg prepares nothing itself (it would deallocate every
    statement, ours too, at a rollback), and PostgreSQL plans a prepared statement once. And
    a table read whole by several searches at once is read from wherever the others are: the
    first 1,001 matches of a broad search must not depend on that."""
    dbapi_connection.prepare_threshold = None
    with dbapi_connection.cursor() as cursor:
        cursor.execute("SET plan_cache_mode = force_generic_plan")
        cursor.execute("SET synchronize_seqscans = off")
    dbapi_connection.commit()


def _at(query: sa.ColumnElement, column: sa.ColumnElement) -> sa.ColumnElement[bool]:
    return column.op("@@", is_comparison=True)(query)


class PostgreSQLEngine(Engine):
    """tsvector and GIN, the tsquery built once per statement (``tsq``): the planner cannot
    know from a statement how common its words are, so one plan serves every search of the
    same shape."""

    name = "postgresql"
    dialect = NUMBERED
    keeps_matches = True

    def __init__(self, terms):
        super().__init__(terms)
        quoted = [f"'{w}'" for w in terms.words]
        self.params = {"close": close_text(terms)}
        if terms.prefix:
            self.params["m_head"] = "".join(f"{q} & " for q in quoted[:-1])
            self.params.update(self.expansion_params(f"{quoted[-1]}:*", quoted[-1]))
        else:
            self.params["m_all"] = " & ".join(quoted)

    @cached_property
    def _tsq(self) -> sa.CTE:
        if self.terms.prefix:
            text = (
                sa.cast(param("m_head"), sa.Text)
                + constant("(")
                + self.expansion("'", " | ")
                + constant(")")
            )
        else:
            text = sa.cast(param("m_all"), sa.Text)
        query = sa.func.to_tsquery(constant("simple"), text).label("query")
        return sa.select(query).cte("tsq").prefix_with("MATERIALIZED")

    def _query(self) -> sa.ScalarSelect:
        return sa.select(self._tsq.c.query).scalar_subquery()

    def match(self, part="all"):
        if part == "name":
            return d, _at(self._query(), _NAME_TSV)
        if part == "rest":
            return d, sa.and_(_at(self._query(), _TSV), sa.not_(_at(self._query(), _NAME_TSV)))
        return d, _at(self._query(), _TSV)

    def score(self, part="all"):
        return -sa.func.ts_rank(_NAME_TSV if part == "name" else _TSV, self._query())

    @property
    def order_column(self):
        return d.c.id

    def contains(self, column, value):
        return sa.func.strpos(column, value) > constant(0)

    def string_agg(self, expression, separator):
        return sa.func.string_agg(expression, constant(separator))

    def json_list(self, *expressions):
        item = expressions[0] if len(expressions) == 1 else sa.func.json_build_array(*expressions)
        return sa.func.json_agg(item)

    def listed(self, value):
        return value or []

    def close_found(self, where, columns, limit):
        """The first ``limit`` documents whose names hold, for each word of ``:close``, one of
        the index's ``CLOSE_TERMS`` words closest to it (pg_trgm's ``%``, through
        ``ix_search_term_trgm``), scored by how close the name is to the text."""
        text = sa.cast(param("close"), sa.Text)
        words = (
            sa.func.unnest(sa.func.string_to_array(text, constant(" ")))
            .table_valued("word", with_ordinality="n")
            .render_derived(name="w")
        )
        term = search_term.c.term
        closest = (
            sa.select(term)
            .where(term.op("%", is_comparison=True)(words.c.word))
            .order_by(sa.func.similarity(term, words.c.word).desc(), term)
            .limit(constant(CLOSE_TERMS))
            .lateral("t")
        )
        close_terms = (
            sa.select(words.c.n, closest.c.term)
            .select_from(words.join(closest, sa.true()))
            .cte("close_terms")
            .prefix_with("MATERIALIZED")
        )
        # The index's words are letters and digits: quoted, each is one lexeme.
        alternatives = (
            sa.select(
                (
                    constant("(")
                    + self.string_agg(constant("'") + close_terms.c.term + constant("'"), " | ")
                    + constant(")")
                ).label("alternatives")
            )
            .group_by(close_terms.c.n)
            .subquery("words")
        )
        close_tsq = (
            sa.select(
                sa.func.to_tsquery(
                    constant("simple"), self.string_agg(alternatives.c.alternatives, " & ")
                ).label("query")
            )
            .cte("close_tsq")
            .prefix_with("MATERIALIZED")
        )
        return (
            sa.select(
                *columns,
                constant(0).label("seg"),
                (-sa.func.word_similarity(text, d.c.name_text)).label("score"),
            )
            .where(_at(sa.select(close_tsq.c.query).scalar_subquery(), _NAME_TSV), where)
            .limit(constant(limit))
            .cte("close_found")
            .prefix_with("MATERIALIZED")
        )

    def execute(self, statement: Compiled, params: dict) -> list:
        conn = db.session.connection()
        name = prepared_name(statement.sql)
        keep_prepared(
            conn.info,
            name,
            statement.sql,
            lambda sql: conn.exec_driver_sql(sql, execution_options=_AS_WRITTEN),
        )
        run = execute_prepared(name, statement.values(params), conn.connection.driver_connection)
        return conn.exec_driver_sql(run, execution_options=_AS_WRITTEN).all()


ENGINE = PostgreSQLEngine
