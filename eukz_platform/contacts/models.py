"""Contacts: the EESC's people and each organisation's contact people."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.models import Organisation
from ..database import UTCDateTime, belongs_to, str_enum, utcnow
from ..extensions import db


class Visibility(StrEnum):
    PUBLIC = "public"
    MEMBERS = "members"
    PRIVATE = "private"


class Contact(db.Model):
    __tablename__ = "contact"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stable key of a seeded contact (e.g. "eesc-millie-tsoumani"); None for others.
    key: Mapped[str | None] = mapped_column(String(80), unique=True)
    organisation_id: Mapped[int | None] = belongs_to("organisation.id")
    # Free text for contacts outside any registered organisation (e.g. "EESC").
    organisation_name: Mapped[str | None] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(50))
    phone_e164: Mapped[str | None] = mapped_column(String(20))
    visibility: Mapped[Visibility] = mapped_column(
        str_enum(Visibility, "visibility", 16),
        default=Visibility.MEMBERS,
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    organisation: Mapped[Organisation | None] = relationship()

    @property
    def organisation_label(self) -> str | None:
        return self.organisation.name if self.organisation else self.organisation_name


class ContactImportBatch(db.Model):
    """An uploaded CSV of contacts, parsed and previewed; applied only when confirmed."""

    __tablename__ = "contact_import_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    filename: Mapped[str] = mapped_column(String(255))
    # One entry per data row: the values read, and what will happen (create, update, refuse).
    rows: Mapped[list] = mapped_column(JSON, default=list)
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
