"""Posts of the partner search, the answers to them, and who asked for the weekly digest."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime, belongs_to, str_enum, utcnow
from ..extensions import db

if TYPE_CHECKING:
    from ..auth.models import User
    from ..core.models import Organisation
    from ..groups.models import WorkingGroup

TITLE_MAX = 200
TEXT_MAX = 5000
ANSWER_MAX = 3000
LINK_MAX = 500
REASON_MAX = 1000
POST_LANGUAGES = ("en", "ru", "kk")


class Kind(StrEnum):
    PARTNERS = "partners"  # looking for partners
    PLACE = "place"  # offering a place in a project
    EXCHANGE = "exchange"  # exchange or traineeship
    CALL = "call"  # call or event


class Audience(StrEnum):
    EVERYONE = "everyone"
    MEMBERS = "members"  # signed-in people of verified organisations


class Outcome(StrEnum):
    PARTNERSHIP = "partnership_formed"
    NO_PARTNER = "no_partner_found"
    DEADLINE = "deadline_passed"  # closed by housekeeping after its deadline


class AnswerStatus(StrEnum):
    NEW = "new"
    IN_CONTACT = "in_contact"
    NOT_A_FIT = "not_a_fit"


KIND_LABELS = {
    Kind.PARTNERS: _l("Looking for partners"),
    Kind.PLACE: _l("Offering a place in a project"),
    Kind.EXCHANGE: _l("Exchange or traineeship"),
    Kind.CALL: _l("Call or event"),
}
AUDIENCE_LABELS = {
    Audience.EVERYONE: _l("Everyone"),
    Audience.MEMBERS: _l("Signed-in members only"),
}
OUTCOME_LABELS = {
    Outcome.PARTNERSHIP: _l("Partnership formed"),
    Outcome.NO_PARTNER: _l("No partner found"),
    Outcome.DEADLINE: _l("Deadline passed"),
}
ANSWER_STATUS_LABELS = {
    AnswerStatus.NEW: _l("New"),
    AnswerStatus.IN_CONTACT: _l("In contact"),
    AnswerStatus.NOT_A_FIT: _l("Not a fit"),
}


class SpacedValues:
    """A list of values, kept in the column named after it with ``_text`` (``sectors`` in
    ``sectors_text``) between spaces, with a space at each end: " a b ", so that one value is
    matched with LIKE '% a %' on both engines."""

    def __set_name__(self, owner, name: str) -> None:
        self.column = f"{name}_text"

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        return (getattr(obj, self.column) or "").split()

    def __set__(self, obj, values) -> None:
        values = [str(v) for v in values]
        setattr(obj, self.column, f" {' '.join(values)} " if values else "")


class Opportunity(db.Model):
    """A partner request or an opportunity posted by a verified organisation."""

    __tablename__ = "opportunity"
    __table_args__ = (Index("ix_opportunity_closes", "closed_at", "deadline"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = belongs_to("organisation.id")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    kind: Mapped[Kind] = mapped_column(str_enum(Kind, "opportunity_kind", 16))
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    description: Mapped[str] = mapped_column(Text)
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("working_group.id", ondelete="SET NULL"), index=True
    )
    # Values between spaces (" education_and_youth energy "): see SpacedValues.
    sectors_text: Mapped[str] = mapped_column(Text, default="")
    countries_text: Mapped[str] = mapped_column(Text, default="")
    regions_text: Mapped[str] = mapped_column(Text, default="")
    languages_text: Mapped[str] = mapped_column(Text, default="")
    deadline: Mapped[date] = mapped_column(Date, index=True)
    link: Mapped[str | None] = mapped_column(String(LINK_MAX))
    audience: Mapped[Audience] = mapped_column(
        str_enum(Audience, "opportunity_audience", 16), default=Audience.EVERYONE
    )
    language: Mapped[str] = mapped_column(String(2), default="en")
    # Closed by its organisation (with an outcome) or by housekeeping after the deadline.
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[Outcome | None] = mapped_column(str_enum(Outcome, "opportunity_outcome", 24))
    # Hidden by the secretariat, with the reason its organisation reads.
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden_reason: Mapped[str | None] = mapped_column(Text)
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    # The folded words of the title, description and organisation name (search/folding.py),
    # between spaces.
    search_text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    organisation: Mapped[Organisation] = relationship()
    group: Mapped[WorkingGroup | None] = relationship()
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    answers: Mapped[list[OpportunityAnswer]] = relationship(
        back_populates="opportunity",
        cascade="all, delete-orphan",
        order_by="OpportunityAnswer.id",
    )

    sectors = SpacedValues()
    countries = SpacedValues()
    regions = SpacedValues()
    languages = SpacedValues()

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None

    def is_open_on(self, today: date) -> bool:
        """Open: not closed, and its deadline not passed (housekeeping closes it after)."""
        return self.closed_at is None and self.deadline >= today


class OpportunityAnswer(db.Model):
    """An organisation's answer to a post: a message for the posting organisation's admins."""

    __tablename__ = "opportunity_answer"

    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = belongs_to("opportunity.id")
    organisation_id: Mapped[int] = belongs_to("organisation.id")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    message: Mapped[str] = mapped_column(Text)
    status: Mapped[AnswerStatus] = mapped_column(
        str_enum(AnswerStatus, "opportunity_answer_status", 16), default=AnswerStatus.NEW
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    opportunity: Mapped[Opportunity] = relationship(back_populates="answers")
    organisation: Mapped[Organisation] = relationship()
    author: Mapped[User | None] = relationship()


class DigestSubscription(db.Model):
    """A person who asked for the weekly email of new posts matching their organisation."""

    __tablename__ = "opportunity_digest"
    __table_args__ = (UniqueConstraint("user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Posts created after this are new for the next digest.
    last_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
