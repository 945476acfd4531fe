"""SQLite: FTS5 (``search_fts``, migration 0004) ranked by bm25, the name counting most."""

from __future__ import annotations

import json
from functools import cached_property

import sqlalchemy as sa
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite

from ...extensions import db
from . import Compiled, Engine, constant, d, param

fts = sa.table("search_fts", sa.column("rowid", sa.Integer))
# The FTS5 table as MATCH and bm25 name it.
_FTS = sa.literal_column("search_fts")


class SQLiteEngine(Engine):
    """The FTS query text is bound; with a prefix it is built once per statement from the
    words of the index (``fts_query``)."""

    name = "sqlite"
    dialect = SQLiteDialect_pysqlite()

    def __init__(self, terms):
        super().__init__(terms)
        quoted = [f'"{w}"' for w in terms.words]
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

    def execute(self, statement: Compiled, params: dict) -> list:
        conn = db.session.connection()
        return conn.exec_driver_sql(statement.sql, statement.values(params)).all()


ENGINE = SQLiteEngine
