"""Who was shown an organisation's members-only contact details, and where."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime, utcnow
from ..extensions import db

if TYPE_CHECKING:
    from ..auth.models import User
    from ..core.models import Organisation


class Channel(StrEnum):
    """What showed the details."""

    CONTACT_PAGE = "contact_page"
    ORGANISATION_PAGE = "organisation_page"
    GROUP_PAGE = "group_page"
    VCARD = "vcard"
    EXPORT = "export"
    API = "api"


class ContactDetailsView(db.Model):
    """One showing of an organisation's members-only contact details to a signed-in person of
    another organisation (or the secretariat): one row per organisation and showing, however
    many of its contacts were shown."""

    __tablename__ = "contact_details_view"
    __table_args__ = (
        Index("ix_contact_details_view_organisation_id", "organisation_id", "viewed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    viewer_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    # The viewer's organisation at the time (None for the secretariat).
    viewer_organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL")
    )
    channel: Mapped[str] = mapped_column(String(24))
    viewed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    viewer: Mapped[User | None] = relationship(foreign_keys=[viewer_id])
    viewer_organisation: Mapped[Organisation | None] = relationship(
        foreign_keys=[viewer_organisation_id]
    )
