"""Working groups: one per priority of the Action Plan, with per-language texts."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from flask_babel import get_locale
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime, belongs_to, str_enum, utcnow
from ..extensions import db

if TYPE_CHECKING:
    from ..auth.models import User
    from ..core.models import Organisation

LOCALES = ("en", "ru", "kk")


class WorkingGroup(db.Model):
    __tablename__ = "working_group"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    priority: Mapped[int] = mapped_column()
    moderated: Mapped[bool] = mapped_column(Boolean, default=True)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    translations: Mapped[list[WorkingGroupTranslation]] = relationship(
        back_populates="group", cascade="all, delete-orphan", lazy="selectin"
    )

    def _text(self, attr: str, locale: str | None = None) -> str:
        wanted = locale or str(get_locale() or "en")
        by_locale = {t.locale: t for t in self.translations}
        chosen = by_locale.get(wanted) or by_locale.get("en")
        return getattr(chosen, attr) if chosen else ""

    @property
    def title(self) -> str:
        """The title in the current language, falling back to English."""
        return self._text("title")

    @property
    def purpose(self) -> str:
        """The purpose in the current language, falling back to English."""
        return self._text("purpose")


class WorkingGroupTranslation(db.Model):
    __tablename__ = "working_group_translation"
    __table_args__ = (UniqueConstraint("group_id", "locale"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("working_group.id", ondelete="CASCADE"))
    locale: Mapped[str] = mapped_column(String(5))
    title: Mapped[str] = mapped_column(String(300))
    purpose: Mapped[str] = mapped_column(Text, default="")

    group: Mapped[WorkingGroup] = relationship(back_populates="translations")


def in_language(record, attr: str, locale: str | None = None) -> str | None:
    """``record.<attr>`` in the reader's language (``<attr>_ru``, ``<attr>_kk``) where it was
    given, else the English text."""
    wanted = locale or str(get_locale() or "en")
    if wanted != "en":
        translated = getattr(record, f"{attr}_{wanted}", None)
        if translated:
            return translated
    return getattr(record, attr)


class MembershipStatus(StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"
    LEFT = "left"


class Membership(db.Model):
    """One row per organisation and group, holding the current state (docs/architecture.md,
    "Membership states")."""

    __tablename__ = "membership"
    __table_args__ = (UniqueConstraint("organisation_id", "group_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = belongs_to("organisation.id")
    group_id: Mapped[int] = belongs_to("working_group.id")
    status: Mapped[MembershipStatus] = mapped_column(
        str_enum(MembershipStatus, "membership_status", 16),
        default=MembershipStatus.PENDING,
        index=True,
    )
    motivation: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    group: Mapped[WorkingGroup] = relationship()
    organisation: Mapped[Organisation] = relationship()
    events: Mapped[list[MembershipEvent]] = relationship(
        back_populates="membership",
        cascade="all, delete-orphan",
        order_by="MembershipEvent.id",
    )


class MembershipEvent(db.Model):
    """The history of a membership: every change of state, who decided and when."""

    __tablename__ = "membership_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    membership_id: Mapped[int] = belongs_to("membership.id")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    from_status: Mapped[MembershipStatus | None] = mapped_column(
        str_enum(MembershipStatus, "membership_event_from", 16)
    )
    to_status: Mapped[MembershipStatus] = mapped_column(
        str_enum(MembershipStatus, "membership_event_to", 16)
    )
    message: Mapped[str | None] = mapped_column(Text)

    membership: Mapped[Membership] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


class Coordinator(db.Model):
    """A co-chair of a working group: one for the EU side, one for the Kazakhstan side."""

    __tablename__ = "coordinator"
    __table_args__ = (
        UniqueConstraint("group_id", "side"),
        UniqueConstraint("group_id", "user_id"),
        CheckConstraint("side IN ('eu', 'kz')", name="side_eu_or_kz"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("working_group.id", ondelete="CASCADE"))
    user_id: Mapped[int] = belongs_to("user.id")
    side: Mapped[str] = mapped_column(String(8))
    appointed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    appointed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    group: Mapped[WorkingGroup] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])


class Announcement(db.Model):
    __tablename__ = "announcement"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = belongs_to("working_group.id")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    # Optional Russian and Kazakh versions; English is shown where one is missing.
    title_ru: Mapped[str | None] = mapped_column(String(200))
    title_kk: Mapped[str | None] = mapped_column(String(200))
    body_ru: Mapped[str | None] = mapped_column(Text)
    body_kk: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User | None] = relationship()

    @property
    def local_title(self) -> str:
        """The title in the reader's language, falling back to English."""
        return in_language(self, "title")

    @property
    def local_body(self) -> str:
        """The text in the reader's language, falling back to English."""
        return in_language(self, "body")


class MeetingMode(StrEnum):
    IN_PERSON = "in_person"
    ONLINE = "online"
    HYBRID = "hybrid"


class Meeting(db.Model):
    """A group meeting; times stored in UTC and shown in the meeting's own time zone."""

    __tablename__ = "meeting"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = belongs_to("working_group.id")
    title: Mapped[str] = mapped_column(String(200))
    # Optional Russian and Kazakh versions; English is shown where one is missing.
    title_ru: Mapped[str | None] = mapped_column(String(200))
    title_kk: Mapped[str | None] = mapped_column(String(200))
    agenda_ru: Mapped[str | None] = mapped_column(Text)
    agenda_kk: Mapped[str | None] = mapped_column(Text)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Brussels")
    mode: Mapped[MeetingMode] = mapped_column(
        str_enum(MeetingMode, "meeting_mode", 16), default=MeetingMode.IN_PERSON
    )
    place: Mapped[str | None] = mapped_column(String(300))
    online_url: Mapped[str | None] = mapped_column(String(500))
    agenda: Mapped[str | None] = mapped_column(Text)
    capacity: Mapped[int | None] = mapped_column()
    registration_open: Mapped[bool] = mapped_column(Boolean, default=False)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    group: Mapped[WorkingGroup] = relationship()

    @property
    def local_title(self) -> str:
        """The title in the reader's language, falling back to English."""
        return in_language(self, "title")

    @property
    def local_agenda(self) -> str | None:
        """The agenda in the reader's language, falling back to English."""
        return in_language(self, "agenda")


class RegistrationStatus(StrEnum):
    REGISTERED = "registered"
    WAITING = "waiting"


class MeetingRegistration(db.Model):
    __tablename__ = "meeting_registration"
    __table_args__ = (UniqueConstraint("meeting_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = belongs_to("meeting.id")
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    attendance: Mapped[MeetingMode] = mapped_column(str_enum(MeetingMode, "attendance_mode", 16))
    status: Mapped[RegistrationStatus] = mapped_column(
        str_enum(RegistrationStatus, "registration_status", 16),
        default=RegistrationStatus.REGISTERED,
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    meeting: Mapped[Meeting] = relationship()
    user: Mapped[User] = relationship()
