"""Organisations, their sectors, and invitations to join them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from ..database import UTCDateTime, belongs_to, str_enum, utcnow
from ..extensions import db
from .name_keys import name_key, name_skeleton
from .vocabulary import (
    EESCGroup,
    OrganisationStatus,
    OrganisationType,
    Sector,
    Side,
    side_of,
)

if TYPE_CHECKING:
    from ..auth.models import User


class ConfirmationState(StrEnum):
    CURRENT = "current"
    REMINDED = "reminded"
    FLAGGED = "flagged"  # unconfirmed after the grace month: flagged in the directory
    HIDDEN = "hidden"  # unconfirmed for longer: hidden until confirmed


NAME_MAX = 200
NAME_KEY_MAX = 200
NAME_SKELETON_MAX = 400


def name_keys_fit(name: str) -> bool:
    """True if the name's keys fit their columns (a key can be longer than the name: "ß"
    is "ss", a ligature two letters, "m" "rn" in a skeleton)."""
    return len(name_key(name)) <= NAME_KEY_MAX and len(name_skeleton(name)) <= NAME_SKELETON_MAX


class Organisation(db.Model):
    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    # Case, accents, spaces and invisible characters aside (see name_keys.py); orders lists.
    name_key: Mapped[str] = mapped_column(String(NAME_KEY_MAX), unique=True)
    # Look-alike letters of other scripts folded too: no two organisations share it.
    name_skeleton: Mapped[str] = mapped_column(String(NAME_SKELETON_MAX), unique=True, index=True)
    acronym: Mapped[str | None] = mapped_column(String(30))
    country: Mapped[str] = mapped_column(String(2), index=True)
    side: Mapped[Side] = mapped_column(str_enum(Side, "side"), index=True)
    city: Mapped[str | None] = mapped_column(String(100))
    # Kazakhstan's region or city of republican significance (vocabulary.REGION_CODES), for
    # organisations in Kazakhstan that give it.
    region: Mapped[str | None] = mapped_column(String(8))
    type: Mapped[OrganisationType] = mapped_column(str_enum(OrganisationType, "organisation_type"))
    eesc_group: Mapped[EESCGroup] = mapped_column(str_enum(EESCGroup, "eesc_group"))
    website: Mapped[str | None] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    working_languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    registration_number: Mapped[str | None] = mapped_column(String(40), unique=True)
    status: Mapped[OrganisationStatus] = mapped_column(
        str_enum(OrganisationStatus, "organisation_status"),
        default=OrganisationStatus.PENDING,
        index=True,
    )
    status_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Annual confirmation (as the EU Transparency Register asks): when the admins last
    # confirmed the profile, and where the yearly reminder cycle stands.
    profile_confirmed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmation_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmation_state: Mapped[ConfirmationState] = mapped_column(
        str_enum(ConfirmationState, "confirmation_state"),
        default=ConfirmationState.CURRENT,
        index=True,
    )

    # Closed by its admin (status CLOSED): when, and when its people's data was erased after
    # the grace period (housekeeping.py).
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Protection chosen by its admins (visibility.py decides what they hide): seen by platform
    # members only; its working-group memberships hidden from the public.
    members_only: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    hide_memberships: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    # Its last person deleted their account: in the secretariat's queue until it decides.
    no_people_since: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    sector_rows: Mapped[list[OrganisationSector]] = relationship(
        back_populates="organisation",
        cascade="all, delete-orphan",
        order_by="OrganisationSector.sector",
    )
    users: Mapped[list[User]] = relationship(
        back_populates="organisation", order_by="User.full_name"
    )
    other_names: Mapped[list[OrganisationName]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan", order_by="OrganisationName.id"
    )

    @validates("country")
    def _set_side(self, _key: str, country: str) -> str:
        self.side = side_of(country)
        return country

    @validates("name")
    def _set_name_key(self, _key: str, name: str) -> str:
        self.name_key = name_key(name)
        self.name_skeleton = name_skeleton(name)
        return name

    @property
    def sectors(self) -> list[Sector]:
        return [row.sector for row in self.sector_rows]

    @sectors.setter
    def sectors(self, values: list[str]) -> None:
        wanted = {Sector(v) for v in values}
        self.sector_rows = [r for r in self.sector_rows if r.sector in wanted] + [
            OrganisationSector(sector=s)
            for s in sorted(wanted - {r.sector for r in self.sector_rows})
        ]

    @property
    def is_verified(self) -> bool:
        return self.status == OrganisationStatus.VERIFIED

    @property
    def admins(self) -> list[User]:
        return [u for u in self.users if u.is_org_admin]


class OrganisationSector(db.Model):
    __tablename__ = "organisation_sector"

    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True
    )
    sector: Mapped[Sector] = mapped_column(str_enum(Sector, "sector"), primary_key=True, index=True)

    organisation: Mapped[Organisation] = relationship(back_populates="sector_rows")


class Invitation(db.Model):
    """A colleague invited by an organisation admin; becomes a user when accepted."""

    __tablename__ = "invitation"
    __table_args__ = (CheckConstraint("email = lower(email)", name="email_lower"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = belongs_to("organisation.id")
    email: Mapped[str] = mapped_column(String(254))
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organisation: Mapped[Organisation] = relationship()
    invited_by: Mapped[User | None] = relationship()


class OrganisationName(db.Model):
    """The organisation's name in another language or script (e.g. its Russian or Kazakh name)."""

    __tablename__ = "organisation_name"
    __table_args__ = (UniqueConstraint("organisation_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = belongs_to("organisation.id")
    name: Mapped[str] = mapped_column(String(200))
    # A language code such as "ru" or "kk"; None when it is not said.
    language: Mapped[str | None] = mapped_column(String(8))

    organisation: Mapped[Organisation] = relationship(back_populates="other_names")


class AskToJoinRequest(db.Model):
    """A visitor's request to be added to an organisation, from the duplicate check at
    registration: kept until they confirm their email address, then forwarded to the
    organisation's admins once. Forgotten when its confirmation link has expired."""

    __tablename__ = "ask_to_join_request"
    __table_args__ = (CheckConstraint("email = lower(email)", name="email_lower"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = belongs_to("organisation.id")
    full_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    message: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    forwarded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organisation: Mapped[Organisation] = relationship()
