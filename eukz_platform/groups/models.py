"""Working groups: one per priority of the Action Plan, with per-language texts."""

from __future__ import annotations

from datetime import datetime

from flask_babel import get_locale
from sqlalchemy import Boolean, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime, utcnow
from ..extensions import db

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
