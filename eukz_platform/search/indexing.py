"""Keeping the search index in step with the organisations and contacts.

Why session events and not database triggers: the text is folded in Python (``folding``), the
same function for both engines and for queries, which SQL triggers could not call. So the
index is written from two SQLAlchemy session events: ``after_flush`` notes which
organisations and contacts a flush touched (organisation, its sectors, other names and
memberships; contact), and ``after_flush_postexec`` rewrites their documents with Core
statements on the flush's own connection — in the same transaction as the change, whatever
service made it, and undone with it on rollback. Deleting an organisation or a contact also
deletes its documents through the foreign keys' ``ON DELETE CASCADE``. Writes that bypass
the ORM (bulk loads) call ``refresh``/``rebuild`` themselves; ``flask reindex`` rebuilds all.
"""

from __future__ import annotations

import logging
import secrets
from abc import ABC, abstractmethod
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from functools import lru_cache

from sqlalchemy import Connection, delete, event, func, insert, or_, select
from sqlalchemy import and_ as sa_and
from sqlalchemy import text as sa_text
from sqlalchemy.dialects import postgresql, sqlite

from ..contacts.models import Contact
from ..core.models import Organisation, OrganisationName, OrganisationSector
from ..core.vocabulary import OTHER_COUNTRY, Sector
from ..groups.models import Membership, MembershipStatus, WorkingGroup, WorkingGroupTranslation
from . import synonyms
from .folding import fold_words, index_tokens
from .models import SearchDocument, SearchIndexState

log = logging.getLogger(__name__)

ORGANISATION = "organisation"
CONTACT = "contact"
OPPORTUNITY = "opportunity"
SECTOR_BITS = {sector: 1 << i for i, sector in enumerate(Sector)}

_doc = SearchDocument.__table__
_org = Organisation.__table__
_contact = Contact.__table__
_PENDING = "search_index_pending"


# Documents from plain values ---------------------------------------------------------------


def _index_words(*parts: str | None) -> list[str]:
    """The index form of several fields (folded at once: one call costs less than many)."""
    return index_tokens(" ; ".join(part for part in parts if part))


@lru_cache(maxsize=512)
def _country_words(code: str | None) -> str:
    """The country's English name, folded; its Russian and Kazakh names find it through
    synonyms."""
    if not code or code == OTHER_COUNTRY:
        return ""
    import pycountry

    country = pycountry.countries.get(alpha_2=code)
    return " ".join(index_tokens(country.name)) if country else ""


SECTOR_WORDS = {s: " ".join(index_tokens(s.value.replace("_", " "))) for s in Sector}


def _website_words(url: str | None) -> str | None:
    if not url:
        return None
    host = url.split("://", 1)[-1].split("/", 1)[0]
    return host.removeprefix("www.")


def _value(v) -> str | None:
    return None if v is None else str(getattr(v, "value", v))


def _facets(org: Mapping) -> dict:
    """The columns a document takes from an organisation, text aside."""
    return {
        "organisation_id": org["id"],
        "country": org["country"],
        "side": _value(org["side"]),
        "type": _value(org["type"]),
        "eesc_group": _value(org["eesc_group"]),
        "verified": _value(org["status"]) == "verified",
        "region": org.get("region"),
        "org_status": _value(org["status"]),
        "org_confirmation": _value(org["confirmation_state"]),
        "org_members_only": bool(org.get("members_only")),
        "org_hides_groups": bool(org.get("hide_memberships")),
    }


_NO_ORGANISATION = {
    **dict.fromkeys(
        (
            "country",
            "side",
            "type",
            "eesc_group",
            "verified",
            "region",
            "org_status",
            "org_confirmation",
        )
    ),
    "org_members_only": False,
    "org_hides_groups": False,
}


class Source(ABC):
    """Another kind of record that the directory's search finds, beside organisations and
    contacts: a feature that imports this package registers it (``register``), so that the
    index knows its documents without importing the feature. Its documents carry their
    organisation's id and facets (``organisation_facets``), so that an organisation's change
    rewrites them too, and hold the visibility of a contact (``contact_visibility``) decided
    by visibility.py."""

    kind: str
    model: type  # the ORM class whose changes rewrite its documents

    @abstractmethod
    def touched(self, obj) -> int | None:
        """The id of the record whose document a changed object rewrites, or None."""

    @abstractmethod
    def documents(
        self, conn: Connection, ids: Iterable[int] = (), organisation_ids: Iterable[int] = ()
    ) -> list[dict]:
        """The documents of these records and of these organisations' records: of those that
        are to be found (the others have none)."""

    @abstractmethod
    def ids_after(self, conn: Connection, last: int, batch: int) -> list[int]:
        """The next ``batch`` ids above ``last``, in order (for ``rebuild``)."""

    @abstractmethod
    def load(self, ids: list[int]) -> dict[int, object]:
        """What a page of results shows of these records, by id."""


SOURCES: dict[str, Source] = {}


def register(source: Source) -> None:
    SOURCES[source.kind] = source


def organisation_facets(org: Mapping) -> dict:
    """The columns a document takes from its organisation (country, side, type, status…)."""
    return _facets(org)


def name_fields(name: str, *more: str | None) -> dict:
    """A document's ``sort_key`` and ``name_text`` from its name (and other names)."""
    return _name_fields(name, *more)


def index_words(*parts: str | None) -> list[str]:
    """The index form of several fields."""
    return _index_words(*parts)


def organisation_document(
    org: Mapping,
    sectors: Iterable[str] = (),
    other_names: Iterable[str] = (),
    group_slugs: Iterable[str] = (),
) -> dict:
    """The document of an organisation, from its column values (a row or a dict)."""
    sectors = sorted({Sector(s) for s in sectors}, key=list(Sector).index)
    groups = sorted(set(group_slugs))
    return {
        **_facets(org),
        "kind": ORGANISATION,
        "ref_id": org["id"],
        "contact_id": None,
        "sectors": sum(SECTOR_BITS[s] for s in sectors),
        "group_slugs": f" {' '.join(groups)} " if groups else "",
        "contact_visibility": None,
        **_name_fields(org["name"], org["acronym"], *other_names),
        "created_at": org["created_at"],
        "body_text": " ".join(
            [
                *_index_words(org["city"], org["description"], _website_words(org["website"])),
                _country_words(org["country"]),
                *(SECTOR_WORDS[s] for s in sectors),
            ]
        ).strip(),
    }


def _name_fields(name: str, *more: str | None) -> dict:
    """sort_key (the name folded, synonyms applied) and name_text (name and the rest)."""
    words = fold_words(name)
    rest = fold_words(" ; ".join(m for m in more if m)) if any(more) else []
    return {
        "sort_key": " ".join(synonyms.canonical(words))[:200],
        "name_text": " ".join(words + rest + synonyms.expansions(words + rest)),
    }


def contact_document(contact: Mapping, org: Mapping | None) -> dict:
    """The document of a contact; it takes its organisation's facets and visibility."""
    return {
        **(_NO_ORGANISATION if org is None else _facets(org)),
        "kind": CONTACT,
        "ref_id": contact["id"],
        "organisation_id": contact["organisation_id"],
        "contact_id": contact["id"],
        "sectors": 0,
        "group_slugs": "",
        "contact_visibility": _value(contact["visibility"]),
        **_name_fields(contact["name"]),
        "created_at": contact["created_at"],
        "body_text": " ".join(
            _index_words(
                contact["role"], org["name"] if org is not None else contact["organisation_name"]
            )
        ),
    }


# Reading what documents are made of ---------------------------------------------------------


def _organisation_documents(conn: Connection, org_ids: list[int]) -> list[dict]:
    if not org_ids:
        return []
    orgs = conn.execute(select(_org).where(_org.c.id.in_(org_ids))).mappings().all()
    sectors: dict[int, list[str]] = defaultdict(list)
    for org_id, sector in conn.execute(
        select(OrganisationSector.organisation_id, OrganisationSector.sector).where(
            OrganisationSector.organisation_id.in_(org_ids)
        )
    ):
        sectors[org_id].append(sector)
    names: dict[int, list[str]] = defaultdict(list)
    for org_id, name in conn.execute(
        select(OrganisationName.organisation_id, OrganisationName.name).where(
            OrganisationName.organisation_id.in_(org_ids)
        )
    ):
        names[org_id].append(name)
    groups: dict[int, list[str]] = defaultdict(list)
    for org_id, slug in conn.execute(
        select(Membership.organisation_id, WorkingGroup.slug)
        .join(WorkingGroup, WorkingGroup.id == Membership.group_id)
        .where(
            Membership.organisation_id.in_(org_ids),
            Membership.status == MembershipStatus.ACTIVE,
        )
    ):
        groups[org_id].append(slug)
    return [
        organisation_document(o, sectors[o["id"]], names[o["id"]], groups[o["id"]]) for o in orgs
    ]


def _contact_documents(conn: Connection, where) -> list[dict]:
    contacts = conn.execute(select(_contact).where(where)).mappings().all()
    org_ids = {c["organisation_id"] for c in contacts if c["organisation_id"]}
    orgs = {}
    if org_ids:
        orgs = {
            o["id"]: o for o in conn.execute(select(_org).where(_org.c.id.in_(org_ids))).mappings()
        }
    return [contact_document(c, orgs.get(c["organisation_id"])) for c in contacts]


# Writing ------------------------------------------------------------------------------------


def write_documents(conn: Connection, documents: list[dict]) -> None:
    """Insert documents (executemany), and the words they hold."""
    if documents:
        conn.execute(insert(_doc), documents)
        add_terms(conn, documents)


# Longer words are left out of ``search_term`` (its key's length): found whole, not by prefix.
MAX_TERM = 200


def add_terms(conn: Connection, documents: Iterable[dict]) -> None:
    """Remember every word indexed, for expanding prefixes (``search_term``, service.py)."""
    terms = set()
    for document in documents:
        terms.update(document["name_text"].split())
        terms.update(document["body_text"].split())
    terms = sorted(t for t in terms if len(t) <= MAX_TERM)
    if not terms:
        return
    if conn.dialect.name == "postgresql":
        # One statement for any number of words; in order, so that two writers adding the
        # same new words wait for each other rather than deadlock.
        conn.execute(
            sa_text(
                "INSERT INTO search_term (term) SELECT unnest(CAST(:terms AS TEXT[])) "
                "ORDER BY 1 ON CONFLICT DO NOTHING"
            ),
            {"terms": terms},
        )
    else:
        conn.exec_driver_sql(
            "INSERT OR IGNORE INTO search_term (term) VALUES (?)", [(t,) for t in terms]
        )


def bump_generation(conn: Connection) -> None:
    """Mark the index as changed, for what is cached of searches: facet counts (service.py)
    and visitors' directory pages (directory/routes.py)."""
    values = {"id": 1, "generation": secrets.randbits(62)}
    state = SearchIndexState.__table__
    dialect = {"postgresql": postgresql, "sqlite": sqlite}.get(conn.dialect.name)
    if dialect is None:
        conn.execute(delete(state))
        conn.execute(insert(state), values)
        return
    stmt = dialect.insert(state).values(**values)
    conn.execute(
        stmt.on_conflict_do_update(
            index_elements=[state.c.id], set_={"generation": stmt.excluded.generation}
        )
    )


def refresh(
    conn: Connection,
    org_ids: Iterable[int] = (),
    contact_ids: Iterable[int] = (),
    others: Mapping[str, Iterable[int]] | None = None,
) -> None:
    """Rewrite the documents of these organisations (with their contacts and the records of
    every ``Source``), contacts, and records of other kinds (``others``: kind -> ids)."""
    org_ids = sorted(set(org_ids))
    contact_ids = sorted(set(contact_ids))
    others = {kind: sorted(set(ids)) for kind, ids in (others or {}).items() if ids}
    if not org_ids and not contact_ids and not others:
        return
    conditions = []
    if org_ids:
        conditions.append(_doc.c.organisation_id.in_(org_ids))
    if contact_ids:
        conditions.append(_doc.c.contact_id.in_(contact_ids))
    for kind, ids in others.items():
        conditions.append(sa_and(_doc.c.kind == kind, _doc.c.ref_id.in_(ids)))
    conn.execute(delete(_doc).where(or_(*conditions)))
    documents = _organisation_documents(conn, org_ids)
    contact_where = []
    if org_ids:
        contact_where.append(_contact.c.organisation_id.in_(org_ids))
    if contact_ids:
        contact_where.append(_contact.c.id.in_(contact_ids))
    if contact_where:
        documents += _contact_documents(conn, or_(*contact_where))
    for kind, source in SOURCES.items():
        ids = others.get(kind, [])
        if ids or org_ids:
            documents += source.documents(conn, ids=ids, organisation_ids=org_ids)
    write_documents(conn, documents)
    bump_generation(conn)


@contextmanager
def bulk_documents(conn: Connection) -> Iterator[None]:
    """Write many documents at once: on SQLite, the FTS table is filled once at the end
    rather than row by row by the insert trigger (several times faster)."""
    if conn.dialect.name != "sqlite":
        yield
        return
    trigger_sql = conn.scalar(
        sa_text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = :name"),
        {"name": "search_document_ai"},
    )
    first = (conn.scalar(select(func.max(_doc.c.id))) or 0) + 1
    conn.exec_driver_sql("DROP TRIGGER search_document_ai")
    yield
    conn.execute(
        sa_text(
            "INSERT INTO search_fts (rowid, name_text, body_text) "
            "SELECT id, name_text, body_text FROM search_document WHERE id >= :first"
        ),
        {"first": first},
    )
    conn.exec_driver_sql(trigger_sql)


def rebuild(
    conn: Connection, batch: int = 2000, progress: Callable[[int], None] | None = None
) -> int:
    """Empty the index and write every organisation's, contact's and other record's
    (``SOURCES``) document again."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("INSERT INTO search_fts (search_fts) VALUES ('delete-all')")
        trigger_sql = conn.scalar(
            sa_text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = :name"),
            {"name": "search_document_ad"},
        )
        conn.exec_driver_sql("DROP TRIGGER search_document_ad")
        conn.execute(delete(_doc))
        conn.exec_driver_sql(trigger_sql)
    else:
        conn.execute(delete(_doc))
    conn.exec_driver_sql("DELETE FROM search_term")
    written = 0
    with bulk_documents(conn):
        for table, build in (
            (_org, lambda ids: _organisation_documents(conn, ids)),
            (_contact, lambda ids: _contact_documents(conn, _contact.c.id.in_(ids))),
        ):
            last = 0
            while True:
                ids = list(
                    conn.scalars(
                        select(table.c.id)
                        .where(table.c.id > last)
                        .order_by(table.c.id)
                        .limit(batch)
                    )
                )
                if not ids:
                    break
                documents = build(ids)
                write_documents(conn, documents)
                written += len(documents)
                if progress:
                    progress(len(ids))
                last = ids[-1]
        for source in SOURCES.values():
            last = 0
            while ids := source.ids_after(conn, last, batch):
                documents = source.documents(conn, ids=ids)
                write_documents(conn, documents)
                written += len(documents)
                if progress:
                    progress(len(ids))
                last = ids[-1]
    optimize(conn)
    bump_generation(conn)
    return written


def optimize(conn: Connection) -> None:
    """After a bulk load: merge SQLite's FTS segments or PostgreSQL's GIN pending lists, and
    refresh the planner's statistics."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("INSERT INTO search_fts(search_fts) VALUES ('optimize')")
        conn.exec_driver_sql("ANALYZE")
    elif conn.dialect.name == "postgresql":
        # A bulk load leaves the GIN indexes' pending lists long, and every search reads
        # them whole until they are merged.
        for index in (
            "ix_search_document_tsv",
            "ix_search_document_name_tsv",
            "ix_search_term_trgm",
        ):
            conn.exec_driver_sql(f"SELECT gin_clean_pending_list('{index}'::regclass)")
        # Planner statistics for the bulk-loaded tables too (joins to them pick their plans).
        conn.exec_driver_sql("ANALYZE")


def count_documents(conn: Connection) -> int:
    return conn.scalar(select(func.count()).select_from(_doc))


# Session events -----------------------------------------------------------------------------


def _touched(session) -> tuple[set[int], set[int], bool, dict[str, set[int]]]:
    """(organisations, contacts) whose documents change, whether working groups (whose
    slugs and titles searches show as facets) change, and the records of other kinds."""
    org_ids: set[int] = set()
    contact_ids: set[int] = set()
    others: dict[str, set[int]] = defaultdict(set)
    groups = False
    models = {source.model: source for source in SOURCES.values()}
    for obj in (*session.new, *session.dirty, *session.deleted):
        source = models.get(type(obj))
        if source is not None:
            ref = source.touched(obj)
            if ref is not None:
                others[source.kind].add(ref)
        elif isinstance(obj, WorkingGroup | WorkingGroupTranslation):
            groups = True
        elif isinstance(obj, Organisation):
            org_ids.add(obj.id)
        elif isinstance(obj, OrganisationSector | OrganisationName | Membership):
            org_ids.add(obj.organisation_id)
        elif isinstance(obj, Contact):
            contact_ids.add(obj.id)
    org_ids.discard(None)
    contact_ids.discard(None)
    return org_ids, contact_ids, groups, others


def _after_flush(session, _flush_context) -> None:
    org_ids, contact_ids, groups, others = _touched(session)
    if org_ids or contact_ids or groups or others:
        pending = session.info.setdefault(_PENDING, (set(), set(), [], defaultdict(set)))
        pending[0].update(org_ids)
        pending[1].update(contact_ids)
        pending[2].append(groups)
        for kind, ids in others.items():
            pending[3][kind].update(ids)


def _after_flush_postexec(session, _flush_context) -> None:
    pending = session.info.pop(_PENDING, None)
    if pending:
        org_ids, contact_ids, groups, others = pending
        if org_ids or contact_ids or others:
            refresh(session.connection(), org_ids, contact_ids, others)
        elif any(groups):
            bump_generation(session.connection())


def _forget(session, *_args) -> None:
    session.info.pop(_PENDING, None)
    session.info.pop(_BULK, None)


_BULK = "search_index_bulk_insert"
_SEARCHED_TABLES = {_org.name, _contact.name}


def _on_orm_execute(state) -> None:
    """Note bulk inserts made through ``session.execute(insert(Model), rows)``: they bypass
    the flush, so their documents are written before the commit (``_before_commit``)."""
    if state.is_insert:
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) in _SEARCHED_TABLES:
            state.session.info[_BULK] = True


def _before_commit(session) -> None:
    if session.info.pop(_BULK, None):
        conn = session.connection()
        missing_orgs = conn.scalars(
            select(_org.c.id)
            .outerjoin(_doc, sa_and(_doc.c.kind == ORGANISATION, _doc.c.ref_id == _org.c.id))
            .where(_doc.c.id.is_(None))
        ).all()
        missing_contacts = conn.scalars(
            select(_contact.c.id)
            .outerjoin(_doc, _doc.c.contact_id == _contact.c.id)
            .where(_doc.c.id.is_(None))
        ).all()
        refresh(conn, missing_orgs, missing_contacts)


# Searching joins index entries to their documents by rowid: scattered reads, which cost a
# system call each through SQLite's small default page cache, and a memory access through a map.
SQLITE_MMAP_BYTES = 1 << 30
SQLITE_CACHE_KIB = 32 * 1024


def _tune_connection(dbapi_connection, _record) -> None:
    import sqlite3

    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
        cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
        cursor.close()
    elif type(dbapi_connection).__module__.startswith("psycopg"):
        from .engines.postgresql import configure

        configure(dbapi_connection)


def tune_connections() -> None:
    """Every new connection: SQLite maps the database file into memory; PostgreSQL is made
    ready for the search's prepared statements (once per process)."""
    from sqlalchemy.engine import Engine

    if not event.contains(Engine, "connect", _tune_connection):
        event.listen(Engine, "connect", _tune_connection)


def keep_index_in_step() -> None:
    """Listen to every Flask-SQLAlchemy session's flushes (once per process)."""
    from flask_sqlalchemy.session import Session

    for name, handler in (
        ("after_flush", _after_flush),
        ("after_flush_postexec", _after_flush_postexec),
        ("after_rollback", _forget),
        ("do_orm_execute", _on_orm_execute),
        ("before_commit", _before_commit),
    ):
        if not event.contains(Session, name, handler):
            event.listen(Session, name, handler)
