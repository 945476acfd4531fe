"""SQLite: FTS5 (``search_fts``, migration 0004) ranked by bm25, the name counting most.

Names close to a misspelling, when nothing matches as written: for each word of the search
text, the index's words (``search_term``) at the smallest edit distance from it (RapidFuzz's
Levenshtein, at most one edit for words of up to five letters, two beyond), among those
starting as it does (its first two letters, or its first and third: a typo in the second) and
of a length at most two apart: a bounded read of the table's key. The names holding one of
them for each word are then found as PostgreSQL finds them with trigrams.
"""

from __future__ import annotations

import json
from functools import cached_property

import sqlalchemy as sa
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite

from ...extensions import db
from ..terms import close_text
from . import Compiled, Engine, constant, d, param

fts = sa.table("search_fts", sa.column("rowid", sa.Integer))
# The FTS5 table as MATCH and bm25 name it.
_FTS = sa.literal_column("search_fts")
# The close-name pass: the CLOSE_TERMS closest words of the index to each word, at most
# CLOSE_EDITS edits away (one for words of up to SHORT_WORD letters), read from at most
# CLOSE_SCAN words of each of its two beginnings and a length at most CLOSE_EDITS apart.
CLOSE_TERMS = 5
CLOSE_EDITS = 2
SHORT_WORD = 5
CLOSE_SCAN = 5000

_CANDIDATES = (
    "SELECT term FROM search_term WHERE term >= ? AND term < ? "
    "AND length(term) BETWEEN ? AND ? LIMIT ?"
)


class SQLiteEngine(Engine):
    """The FTS query text is bound; with a prefix it is built once per statement from the
    words of the index (``fts_query``)."""

    name = "sqlite"
    dialect = SQLiteDialect_pysqlite()

    def __init__(self, terms):
        super().__init__(terms)
        quoted = [f'"{w}"' for w in terms.words]
        self.close = close_text(terms)
        if not terms.prefix:
            expression = " AND ".join(quoted)
            self.params = {
                "m_all": expression,
                "m_name": f"{{name_text}} : ({expression})",
                "m_rest": f"({expression}) NOT ({{name_text}} : ({expression}))",
            }
        else:
            self.params = {
                "m_head": "".join(f"{q} AND " for q in quoted[:-1]),
                **self.expansion_params(f"{quoted[-1]}*", quoted[-1]),
            }
        self.params["close"] = self.close

    @cached_property
    def _fts_query(self) -> sa.CTE:
        """The FTS query of each part, from the last word's expansion."""
        expression = (
            sa.select(
                (
                    param("m_head") + constant("(") + self.expansion('"', " OR ") + constant(")")
                ).label("expression")
            )
            .subquery()
            .c.expression
        )
        name = constant("{name_text} : (") + expression + constant(")")
        return (
            sa.select(
                expression.label("m_all"),
                name.label("m_name"),
                (constant("(") + expression + constant(") NOT (") + name + constant(")")).label(
                    "m_rest"
                ),
            )
            .cte("fts_query")
            .prefix_with("MATERIALIZED")
        )

    def match(self, part="all"):
        if self.terms.prefix:
            text = sa.select(self._fts_query.c[f"m_{part}"]).scalar_subquery()
        else:
            text = param(f"m_{part}")
        return fts.join(d, d.c.id == fts.c.rowid), _FTS.op("MATCH", is_comparison=True)(text)

    def score(self, part="all"):
        return sa.func.bm25(_FTS, constant(10.0), constant(1.0))

    @property
    def order_column(self):
        return fts.c.rowid

    def contains(self, column, value):
        return sa.func.instr(column, value) > constant(0)

    def string_agg(self, expression, separator):
        return sa.func.group_concat(expression, constant(separator))

    def json_list(self, *expressions):
        item = expressions[0] if len(expressions) == 1 else sa.func.json_array(*expressions)
        return sa.func.json_group_array(item)

    def listed(self, value):
        return json.loads(value) if value else []

    def close_params(self) -> dict | None:
        """The FTS query of the names holding, for each word of the close-name pass, one of
        the index's words closest to it; None when no word of the index is close enough."""
        conn = db.session.connection()
        alternatives = []
        for word in self.close.split():
            edits = 1 if len(word) <= SHORT_WORD else CLOSE_EDITS
            candidates: set[str] = set()
            for start in {word[:2], word[0] + word[2]}:
                end = start[:-1] + chr(ord(start[-1]) + 1)
                lengths = (len(word) - edits, len(word) + edits)
                rows = conn.exec_driver_sql(_CANDIDATES, (start, end, *lengths, CLOSE_SCAN))
                candidates.update(rows.scalars())
            closest = process.extract(
                word,
                sorted(candidates),
                scorer=Levenshtein.distance,
                limit=CLOSE_TERMS,
                score_cutoff=edits,
            )
            if closest:
                # The index's words are letters and digits: quoted, each is one FTS5 token.
                alternatives.append("(" + " OR ".join(f'"{t}"' for t, _d, _i in closest) + ")")
        if not alternatives:
            return None
        return {"m_close": "{name_text} : (" + " AND ".join(alternatives) + ")"}

    def close_found(self, where, columns, limit):
        """The first ``limit`` documents whose names match ``:m_close``, ranked by bm25."""
        return (
            sa.select(*columns, constant(0).label("seg"), self.score("name").label("score"))
            .select_from(fts.join(d, d.c.id == fts.c.rowid))
            .where(_FTS.op("MATCH", is_comparison=True)(param("m_close")), where)
            .limit(constant(limit))
            .cte("close_found")
            .prefix_with("MATERIALIZED")
        )

    def execute(self, statement: Compiled, params: dict) -> list:
        conn = db.session.connection()
        return conn.exec_driver_sql(statement.sql, statement.values(params)).all()


ENGINE = SQLiteEngine
