"""The declarative base, naming convention and column types shared by every model."""

import base64
import hashlib
import logging
import select as select_socket
import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import lru_cache

import psycopg
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import abort, current_app
from psycopg import sql as psql
from sqlalchemy import (
    DateTime,
    Enum,
    ForeignKey,
    MetaData,
    String,
    event,
    func,
    inspect,
    select,
    type_coerce,
)
from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase, MappedColumn, mapped_column
from sqlalchemy.types import TypeDecorator
from werkzeug.routing import IntegerConverter

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# The range of an INTEGER column (PostgreSQL's is 32 bits): every id and count lies within it.
INTEGER_MIN = -(2**31)
INTEGER_MAX = 2**31 - 1


class IdConverter(IntegerConverter):
    """``<int:…>`` in a URL: a whole number from 0 that fits an id column, so that a larger
    one finds no route (404) instead of failing in the database."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", INTEGER_MAX)
        super().__init__(map, *args, **kwargs)


def parse_id(text: str | None) -> int | None:
    """An id written in a form or query string, or None if it is not one."""
    if not text or not text.isascii() or not text.isdigit():
        return None
    value = int(text)
    return value if value <= INTEGER_MAX else None


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def utcnow() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always read back as an aware datetime.

    SQLite keeps no time zone, so the zone is attached on the way out.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


# Secrets kept encrypted ------------------------------------------------------------------
# A secret the platform must read back (an authenticator's secret) is encrypted in the database
# (Fernet: AES in CBC mode with an HMAC), so that a copy of the database or of a backup does not
# give it away. ENCRYPTION_KEYS, kept apart from the database and from SECRET_KEY, holds the
# keys: the first encrypts, every one decrypts, so a key is rotated by putting a new one first
# and running `flask reencrypt`. Without it, one key is derived from SECRET_KEY.

logger = logging.getLogger(__name__)
_DERIVED_KEY_INFO = b"eukz-platform: secrets kept encrypted in the database"


def derived_key(secret_key: str) -> bytes:
    """The Fernet key derived from SECRET_KEY (HKDF-SHA256), used when ENCRYPTION_KEYS is not
    set, and still read after it is (values encrypted before then)."""
    material = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_DERIVED_KEY_INFO).derive(
        secret_key.encode()
    )
    return base64.urlsafe_b64encode(material)


@lru_cache(maxsize=8)
def _sealer(keys: tuple[str, ...], secret_key: str) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys] + [Fernet(derived_key(secret_key))])


def sealer() -> MultiFernet:
    """What encrypts with the first of ENCRYPTION_KEYS (else the key derived from SECRET_KEY)
    and decrypts with any of them."""
    config = current_app.config
    return _sealer(tuple(config.get("ENCRYPTION_KEYS") or ()), config["SECRET_KEY"])


class Sealed(TypeDecorator):
    """A short text kept encrypted (``sealer``), read back as it was written. A value that none
    of the keys opens is read as None, and the log says which column: the keys were changed
    without keeping the old one."""

    impl = String(255)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return sealer().encrypt(value.encode()).decode()

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        try:
            return sealer().decrypt(value.encode()).decode()
        except InvalidToken:
            logger.error(
                "an encrypted value could not be decrypted with ENCRYPTION_KEYS or the key of "
                "SECRET_KEY: put back the key it was encrypted with"
            )
            return None


class CannotDecrypt(RuntimeError):
    """A value kept encrypted that none of the keys opens."""


def reencrypt(session) -> int:
    """Every value kept encrypted (each ``Sealed`` column of every table), encrypted again with
    the first key: after a new key is put first in ENCRYPTION_KEYS, the old ones are no longer
    needed. How many values; CannotDecrypt names a value that no key opens. The caller
    commits."""
    keys = sealer()
    done = 0
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            if not isinstance(column.type, Sealed):
                continue
            stored = type_coerce(column, String)  # the encrypted text, as kept
            key_columns = list(table.primary_key.columns)
            for *ids, token in session.execute(
                select(*key_columns, stored).where(column.is_not(None))
            ):
                try:
                    again = keys.rotate(token.encode()).decode()
                except InvalidToken:
                    raise CannotDecrypt(
                        f"{table.name}.{column.name} of {table.name} {ids}: no key opens it"
                    ) from None
                session.execute(
                    table.update()
                    .where(*(c == v for c, v in zip(key_columns, ids, strict=True)))
                    .values({column.name: type_coerce(again, String)})
                )
                done += 1
    return done


# PostgreSQL: the statements a connection keeps prepared (the search's, the signed-in person's
# load), each about 0.4 MB of the server's memory with its plan; the least recently used is
# deallocated first. Kept in the connection's ``info``, which lasts as long as the connection.
MAX_PREPARED = 32
PREPARED = "eukz_prepared_statements"
# Statements compiled with numbered parameters ($1, $2…), as PREPARE takes them.
NUMBERED = PGDialect_psycopg(paramstyle="numeric_dollar")


def prepared_name(sql: str) -> str:
    """The name a statement is prepared under: the same text, the same name, on every
    connection."""
    return "eukz_" + hashlib.blake2b(sql.encode(), digest_size=10).hexdigest()


def keep_prepared(info: dict, name: str, sql: str, run: Callable[[str], object]) -> None:
    """Have ``sql`` prepared as ``name`` on the connection whose ``info`` this is, running
    ``run("PREPARE …")`` only the first time (and ``DEALLOCATE`` for the least recently used
    beyond MAX_PREPARED).

    psycopg's own preparing is off (search/engines/postgresql.py ``configure``): it
    deallocates every statement at a rollback, and a pooled connection is rolled back after
    every request that began a transaction, so its statements would last one request."""
    kept: OrderedDict = info.setdefault(PREPARED, OrderedDict())
    if name in kept:
        kept.move_to_end(name)
        return
    while len(kept) >= MAX_PREPARED:
        oldest, _ = kept.popitem(last=False)
        run(f"DEALLOCATE {oldest}")
    run(f"PREPARE {name} AS {sql}")
    kept[name] = True


def execute_prepared(name: str, values, driver_connection) -> str:
    """``EXECUTE name(…)`` with the values written as literals by psycopg: PostgreSQL's
    EXECUTE takes no parameters of its own."""
    run = psql.SQL(f"EXECUTE {name}")
    if values:
        run += psql.SQL("({})").format(psql.SQL(", ").join(map(psql.Literal, values)))
    return run.as_string(driver_connection)


_NUMBERED_FORMS: dict[str, tuple[str, str, tuple[str, ...]] | None] = {}


def _numbered_form(statement: str, compiled) -> tuple[str, str, tuple[str, ...]] | None:
    """(name, text with numbered parameters, the parameters' names in order) of a compiled
    statement, worked out once per process; None when it cannot be prepared as it is (its
    parameters are rendered when it runs, e.g. an IN list)."""
    if statement not in _NUMBERED_FORMS:
        # The same statement compiled by the same dialect: only the placeholders differ.
        again = compiled.statement.compile(dialect=NUMBERED)
        _NUMBERED_FORMS[statement] = (
            None
            if again.literal_execute_params or again.post_compile_params
            else (prepared_name(again.string), again.string, tuple(again.positiontup))
        )
    return _NUMBERED_FORMS[statement]


def _run_prepared(cursor, statement, parameters, context) -> bool:
    """A statement marked ``execution_options(keep_prepared=True)`` runs prepared on
    PostgreSQL: planned once per connection, not on every request (planning the signed-in
    person's load took longer than running it). SQLAlchemy reads its rows as it would have
    read the statement's own: EXECUTE returns the same columns."""
    if context.compiled is None or not context.execution_options.get("keep_prepared"):
        return False
    numbered = _numbered_form(statement, context.compiled)
    if numbered is None or not isinstance(parameters, dict):
        return False
    name, sql, names = numbered
    keep_prepared(context.root_connection.info, name, sql, cursor.execute)
    cursor.execute(execute_prepared(name, [parameters[n] for n in names], cursor.connection))
    return True


def configure_engine(engine) -> None:
    """SQLite: WAL mode, a busy timeout and foreign keys on every connection. PostgreSQL: a
    pooled connection the server has closed is replaced as it is taken from the pool, and
    statements marked ``keep_prepared`` run prepared."""
    if engine.dialect.name == "postgresql":
        event.listen(engine, "checkout", _closed_by_server)
        event.listen(engine, "do_execute", _run_prepared)
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()


def _closed_by_server(dbapi_connection, _record, _proxy) -> None:
    """Taken from the pool: a connection the server has closed (a restart, a terminated
    backend, an idle timeout) is replaced, as ``pool_pre_ping`` would, without a round trip to
    the server on every request. An idle connection has nothing to read: when the server closes
    it, it says why and hangs up, and its socket becomes readable. SQLAlchemy's pool replaces
    a connection whose checkout raises DisconnectionError (docs: "Disconnect Handling -
    Pessimistic"). A connection lost without a word (a network cut) is found by the first
    statement, as it would be after a ping."""
    pgconn = dbapi_connection.pgconn
    if dbapi_connection.closed or pgconn.status != psycopg.pq.ConnStatus.OK:
        raise DisconnectionError("the connection is closed")
    readable, _, _ = select_socket.select([pgconn.socket], [], [], 0)
    if readable:
        raise DisconnectionError("the server closed the connection")


@contextmanager
def before_the_transaction(session) -> Iterator[None]:
    """Run the block's reads each on its own (autocommit), when the request has not yet begun
    a transaction on the server (PostgreSQL): no BEGIN before them, and no ROLLBACK at the end
    of a request that asks nothing more (a signed-in page made from kept parts is then one
    round trip). What follows begins its transaction as before. Only for reads that need no
    snapshot shared with later statements: at READ COMMITTED, each statement has its own
    anyway. SQLite begins a transaction only to write: nothing to do there."""
    connection = session.connection()
    driver = connection.connection.driver_connection
    if (
        connection.dialect.name != "postgresql"
        or driver.info.transaction_status != psycopg.pq.TransactionStatus.IDLE
    ):
        yield
        return
    driver.autocommit = True
    try:
        yield
    finally:
        if not driver.closed:
            driver.autocommit = False


def locked(session, instance):
    """``instance`` read again with its row locked until the transaction ends, or None when
    the row is gone: a simultaneous change waits here, then finds what the first one left,
    so that only one of them acts (PostgreSQL; SQLite has one writer at a time)."""
    state = inspect(instance)
    mapper = state.mapper
    return session.scalar(
        select(mapper)
        .where(*(c == v for c, v in zip(mapper.primary_key, state.identity, strict=True)))
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def owned_or_404(session, model, ident: int, **owner):
    """The ``model`` row with this id whose columns hold the values of ``owner``
    (``group_id=group.id``), else 404: an id under another owner's address finds nothing."""
    row = session.get(model, ident)
    if row is None or any(getattr(row, name) != value for name, value in owner.items()):
        abort(404)
    return row


def serialise(session, name: str) -> None:
    """Let one transaction at a time past this point, until it ends: on PostgreSQL an advisory
    lock named ``name``, for checks no constraint can make (SQLite has one writer at a time)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(zlib.crc32(name.encode()))))


def render_item(type_, obj, autogen_context):
    """Alembic autogenerate: write UTCDateTime as a plain aware DateTime in migrations, and
    Sealed as the text it is stored as."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    if type_ == "type" and isinstance(obj, Sealed):
        return "sa.String(length=255)"
    return False


def belongs_to(target: str) -> MappedColumn:
    """The id of the row this one belongs to (``"organisation.id"``): indexed, and the row is
    deleted with it."""
    return mapped_column(ForeignKey(target, ondelete="CASCADE"), index=True)


def str_enum(cls, name: str, length: int = 32) -> Enum:
    """A Python StrEnum stored by value as a VARCHAR with a CHECK constraint (no native type),
    so that adding a value later is a plain migration on both databases."""
    return Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=length,
        values_callable=lambda e: [m.value for m in e],
    )


# Parts of the search index that migration 0004 makes for one database only (FTS5 tables on
# SQLite; tsvector columns, GIN and trigram indexes on PostgreSQL): autogenerate leaves them.
_ENGINE_ONLY_TABLES = ("search_fts", "search_term")
_ENGINE_ONLY_COLUMNS = {"tsv", "name_tsv"}


def include_object(obj, name, type_, reflected, compare_to):
    """Alembic autogenerate: skip the search index's engine-specific objects."""
    if not reflected:
        return True
    if type_ == "table" and name.startswith(_ENGINE_ONLY_TABLES):
        return False
    if type_ == "column" and name in _ENGINE_ONLY_COLUMNS:
        return False
    if type_ == "index" and name in (
        "ix_search_document_name_tsv",
        "ix_search_document_tsv",
        "ix_search_term_trgm",
    ):
        return False
    return True
