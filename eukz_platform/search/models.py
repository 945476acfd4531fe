"""The search index: one document per organisation and per contact.

A document holds the folded text of its record (``name_text``: name, acronym, other names;
``body_text``: everything else searched) and copies of what the directory filters, counts
and decides visibility on, so that a search reads one table. The engines' own structures
come from migration 0004: on SQLite an FTS5 table ``search_fts`` over this table's text
(kept in step by triggers), on PostgreSQL the generated ``tsv``/``name_tsv`` columns with
GIN indexes and a trigram index on ``name_text``. They are left out of this model on purpose:
each exists on one engine only.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ..database import UTCDateTime, belongs_to
from ..extensions import db


class SearchDocument(db.Model):
    __tablename__ = "search_document"
    __table_args__ = (
        UniqueConstraint("kind", "ref_id"),
        Index("ix_search_document_sort_key", "sort_key", "id"),
        Index("ix_search_document_created_at", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))  # "organisation" | "contact" | "opportunity"
    ref_id: Mapped[int] = mapped_column(Integer)
    # The organisation itself, or the contact's organisation (None for the EESC's people).
    organisation_id: Mapped[int | None] = belongs_to("organisation.id")
    contact_id: Mapped[int | None] = belongs_to("contact.id")
    # Facets; a contact takes its organisation's.
    country: Mapped[str | None] = mapped_column(String(2))
    side: Mapped[str | None] = mapped_column(String(8))
    type: Mapped[str | None] = mapped_column(String(32))
    eesc_group: Mapped[str | None] = mapped_column(String(8))
    verified: Mapped[bool | None] = mapped_column(Boolean)
    # Kazakhstan's region (vocabulary.REGION_CODES), when the organisation gives it.
    region: Mapped[str | None] = mapped_column(String(8))
    # Bit i set: the organisation works in the i-th sector of vocabulary.Sector.
    sectors: Mapped[int] = mapped_column(Integer, default=0)
    # Slugs of the working groups it is an active member of, between spaces: " erasmus ".
    group_slugs: Mapped[str] = mapped_column(Text, default="")
    # Copies of the columns visibility.py decides on.
    org_status: Mapped[str | None] = mapped_column(String(32))
    org_confirmation: Mapped[str | None] = mapped_column(String(32))
    contact_visibility: Mapped[str | None] = mapped_column(String(16))
    org_members_only: Mapped[bool] = mapped_column(Boolean, default=False)
    org_hides_groups: Mapped[bool] = mapped_column(Boolean, default=False)
    # Ordering.
    sort_key: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Folded text (folding.index_tokens), words separated by spaces.
    name_text: Mapped[str] = mapped_column(Text, default="")
    body_text: Mapped[str] = mapped_column(Text, default="")


class SearchIndexState(db.Model):
    """One row: a value that changes with every change of the index (facet counts cached
    in a process are only used while it stays the same)."""

    __tablename__ = "search_index_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    generation: Mapped[int] = mapped_column(BigInteger, default=0)
