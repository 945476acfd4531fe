"""PostgreSQL: the search's statements run prepared, planned once per connection.

Planning a search statement costs about half a millisecond, a fifth of a typical search.
PostgreSQL keeps a prepared statement, and the plan made for it, for as long as the connection
lives, across transactions; psycopg's own automatic preparing is switched off on our
connections (``configure``), because psycopg forgets its statements at every rollback, and a
pooled connection is rolled back after every request.

So the first time a connection meets a statement it runs ``PREPARE`` (with the types of the
parameters, from their Python values), and every time ``EXECUTE`` with the values as literals
quoted by psycopg. ``plan_cache_mode = force_generic_plan`` on the connection makes PostgreSQL
plan a prepared statement once, for any values: a search's tsquery is only made when the
statement runs, so a plan made for one search's values knows nothing more anyway.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache

from psycopg import sql as psycopg_sql
from sqlalchemy import Connection, text

# The bound parameters of a SQLAlchemy text() statement (its own pattern).
_PARAMETER = re.compile(r"(?<![:\w\x5c]):(\w+)(?!:)", re.UNICODE)
# Statements kept per connection, each about 0.4 MB of the server's memory with its plan (a
# visitor's searches use a handful); beyond, a statement runs unprepared, planned each time.
MAX_PREPARED = 32
_KEY = "eukz_prepared_statements"
# Sent as written: no parameters, so a "%" (an operator, or in a literal) is not a placeholder.
_AS_WRITTEN = {"no_parameters": True}


def configure(dbapi_connection) -> None:
    """A new psycopg connection: psycopg prepares nothing itself (it would forget every
    statement, ours too, at a rollback), and PostgreSQL plans a prepared statement once. And a
    table read whole by several searches at once is read from wherever the others are: the
    first 1,001 matches of a broad search must not depend on that."""
    dbapi_connection.prepare_threshold = None
    with dbapi_connection.cursor() as cursor:
        cursor.execute("SET plan_cache_mode = force_generic_plan")
        cursor.execute("SET synchronize_seqscans = off")
    dbapi_connection.commit()


def _type(value) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "bigint"
    if isinstance(value, float):
        return "double precision"
    if isinstance(value, str):
        return "text"
    raise TypeError(f"no SQL type for a parameter of type {type(value).__name__}")


@lru_cache(maxsize=512)
def positional(sql: str) -> tuple[str, tuple[str, ...]]:
    """The statement with ``$1, $2…`` for its ``:name`` parameters, and the names in order."""
    names: list[str] = []

    def number(match: re.Match) -> str:
        name = match.group(1)
        if name not in names:
            names.append(name)
        return f"${names.index(name) + 1}"

    return _PARAMETER.sub(number, sql), tuple(names)


@lru_cache(maxsize=512)
def _name(body: str, types: tuple[str, ...]) -> str:
    digest = hashlib.blake2b(f"{body}\x00{types}".encode(), digest_size=10).hexdigest()
    return f"eukz_{digest}"


def execute(conn: Connection, sql: str, params: dict) -> list:
    """Run ``sql`` (with ``:name`` parameters) as a prepared statement; its rows."""
    prepared: set = conn.info.setdefault(_KEY, set())
    body, names = positional(sql)
    types = tuple(_type(params[name]) for name in names)
    name = _name(body, types)
    if name not in prepared:
        if len(prepared) >= MAX_PREPARED:
            return conn.execute(text(sql), params).all()
        declared = f" ({', '.join(types)})" if types else ""
        conn.exec_driver_sql(f"PREPARE {name}{declared} AS {body}", execution_options=_AS_WRITTEN)
        prepared.add(name)
    driver = conn.connection.driver_connection
    values = ", ".join(psycopg_sql.Literal(params[n]).as_string(driver) for n in names)
    statement = f"EXECUTE {name}({values})" if names else f"EXECUTE {name}"
    return conn.exec_driver_sql(statement, execution_options=_AS_WRITTEN).all()
