"""Users: people of an organisation, or secretariat staff who belong to none."""

from __future__ import annotations

import secrets
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from ..database import UTCDateTime, str_enum, utcnow
from ..extensions import db

if TYPE_CHECKING:
    from ..core.models import Organisation


class Role(StrEnum):
    MEMBER = "member"
    ADMIN = "admin"
    SECRETARIAT = "secretariat"


def new_session_token() -> str:
    return secrets.token_urlsafe(24)


class User(UserMixin, db.Model):
    __tablename__ = "user"
    __table_args__ = (
        CheckConstraint("email = lower(email)", name="email_lower"),
        CheckConstraint(
            "(role = 'secretariat' AND organisation_id IS NULL)"
            " OR (role <> 'secretariat' AND organisation_id IS NOT NULL)",
            name="secretariat_has_no_organisation",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(
        str_enum(Role, "role", 16),
        default=Role.MEMBER,
    )
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="RESTRICT"), index=True
    )
    # Rotated when the password changes or the person is signed out everywhere: every session
    # recorded under another value (auth/sessions.py) and every "remember me" cookie ends.
    session_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_session_token)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    email_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    privacy_consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The version of the privacy notice agreed to (PRIVACY_NOTICE_VERSION): asked again when
    # the notice changes.
    privacy_notice_version: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Email about new announcements and meetings of the organisation's groups.
    notify_group_updates: Mapped[bool] = mapped_column(Boolean, default=False)
    # The language the person chose (languages.py): their pages and mail. None: not chosen
    # yet, mail goes out in the site's default language.
    locale: Mapped[str | None] = mapped_column(String(8))
    # The random key of the person's private calendar address (groups/private_feed.py); None
    # until they make one. A new key makes the old address stop working.
    calendar_key: Mapped[str | None] = mapped_column(String(64))

    organisation: Mapped[Organisation | None] = relationship(back_populates="users")

    # The key of the session this object was signed in or loaded with (auth/sessions.py):
    # what Flask-Login keeps in the session and "remember me" cookies. Not a column.
    session_key = None
    # The id of that session's record, to tell this device apart in the list of sessions.
    session_id = None

    def get_id(self) -> str:
        if not self.session_key:
            # A programming error, not a missing feature: every sign-in goes through
            # auth.sessions.begin, which gives the user its session key.
            raise RuntimeError("Sign people in through auth.sessions.begin")
        return self.session_key

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)
        self.session_token = new_session_token()

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def email_confirmed(self) -> bool:
        return self.email_confirmed_at is not None

    @property
    def is_secretariat(self) -> bool:
        return self.role == Role.SECRETARIAT

    @property
    def is_org_admin(self) -> bool:
        return self.role == Role.ADMIN
