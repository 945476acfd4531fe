"""Joint outputs of the working groups: declarations, recommendations and reports, written
paragraph by paragraph in English, Russian and Kazakh, signed by both co-chairs and followed up
(docs/architecture.md, "Joint outputs")."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import visibility
from ..database import UTCDateTime, belongs_to, str_enum, utcnow
from ..extensions import db
from ..groups.models import in_language

if TYPE_CHECKING:
    from ..auth.models import User
    from ..core.models import Organisation
    from ..groups.models import Meeting, WorkingGroup

LANGUAGES = ("en", "ru", "kk")


class OutputKind(StrEnum):
    DECLARATION = "declaration"
    RECOMMENDATION = "recommendation"
    REPORT = "report"


class OutputState(StrEnum):
    """Where an output stands: a draft until both co-chairs sign, then followed up."""

    DRAFT = "draft"
    ADOPTED = "adopted"
    SENT_EU = "sent_eu"
    SENT_KZ = "sent_kz"
    ANSWERED = "answered"
    CLOSED = "closed"


class TextStatus(StrEnum):
    DRAFT = "draft"
    VALIDATED = "validated"


class JointOutput(db.Model):
    __tablename__ = "joint_output"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = belongs_to("working_group.id")
    kind: Mapped[OutputKind] = mapped_column(str_enum(OutputKind, "output_kind", 16))
    title: Mapped[str] = mapped_column(String(300))
    title_ru: Mapped[str | None] = mapped_column(String(300))
    title_kk: Mapped[str | None] = mapped_column(String(300))
    # The meeting whose joint declaration this is, if any.
    meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("meeting.id", ondelete="SET NULL"), index=True
    )
    state: Mapped[OutputState] = mapped_column(
        str_enum(OutputState, "output_state", 16), default=OutputState.DRAFT, index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    group: Mapped[WorkingGroup] = relationship()
    meeting: Mapped[Meeting | None] = relationship()
    paragraphs: Mapped[list[OutputParagraph]] = relationship(
        back_populates="output",
        cascade="all, delete-orphan",
        order_by="OutputParagraph.position",
    )
    signoffs: Mapped[list[OutputSignoff]] = relationship(
        back_populates="output", cascade="all, delete-orphan", order_by="OutputSignoff.signed_at"
    )
    endorsements: Mapped[list[OutputEndorsement]] = relationship(
        back_populates="output", cascade="all, delete-orphan", order_by="OutputEndorsement.id"
    )
    transitions: Mapped[list[OutputTransition]] = relationship(
        back_populates="output", cascade="all, delete-orphan", order_by="OutputTransition.id"
    )

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    def endorsements_for(self, viewer) -> list[OutputEndorsement]:
        """Endorsing organisations the viewer may be told of (visibility.can_name_as_taking_part:
        an organisation at risk may be seen by members only, or hide its groups)."""
        return [
            e
            for e in self.endorsements
            if visibility.can_name_as_taking_part(viewer, e.organisation)
        ]

    @property
    def local_title(self) -> str:
        """The title in the reader's language, falling back to English."""
        return in_language(self, "title")


class OutputParagraph(db.Model):
    """One paragraph, in the three languages side by side, each draft or validated."""

    __tablename__ = "output_paragraph"

    id: Mapped[int] = mapped_column(primary_key=True)
    output_id: Mapped[int] = belongs_to("joint_output.id")
    position: Mapped[int] = mapped_column()
    text_en: Mapped[str] = mapped_column(Text, default="")
    text_ru: Mapped[str] = mapped_column(Text, default="")
    text_kk: Mapped[str] = mapped_column(Text, default="")
    status_en: Mapped[TextStatus] = mapped_column(
        str_enum(TextStatus, "paragraph_status_en", 16), default=TextStatus.DRAFT
    )
    status_ru: Mapped[TextStatus] = mapped_column(
        str_enum(TextStatus, "paragraph_status_ru", 16), default=TextStatus.DRAFT
    )
    status_kk: Mapped[TextStatus] = mapped_column(
        str_enum(TextStatus, "paragraph_status_kk", 16), default=TextStatus.DRAFT
    )

    output: Mapped[JointOutput] = relationship(back_populates="paragraphs")
    comments: Mapped[list[OutputComment]] = relationship(
        back_populates="paragraph", cascade="all, delete-orphan", order_by="OutputComment.id"
    )

    def text(self, language: str) -> str:
        return getattr(self, f"text_{language}")

    def status(self, language: str) -> TextStatus:
        return getattr(self, f"status_{language}")


class OutputComment(db.Model):
    """A member organisation's comment on one paragraph of a draft."""

    __tablename__ = "output_comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    paragraph_id: Mapped[int] = belongs_to("output_paragraph.id")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL")
    )
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    paragraph: Mapped[OutputParagraph] = relationship(back_populates="comments")
    author: Mapped[User | None] = relationship()
    organisation: Mapped[Organisation | None] = relationship()


class OutputSignoff(db.Model):
    """A co-chair's sign-off, one per side; withdrawn (deleted) when the text changes."""

    __tablename__ = "output_signoff"
    __table_args__ = (
        UniqueConstraint("output_id", "side"),
        CheckConstraint("side IN ('eu', 'kz')", name="side_eu_or_kz"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    output_id: Mapped[int] = belongs_to("joint_output.id")
    side: Mapped[str] = mapped_column(String(8))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    # The signer's organisation as it was named when signing; the signer's name comes from
    # the account, and goes with it if the account is deleted.
    organisation_name: Mapped[str | None] = mapped_column(String(300))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    output: Mapped[JointOutput] = relationship(back_populates="signoffs")
    signer: Mapped[User | None] = relationship()

    @property
    def signer_name(self) -> str | None:
        return self.signer.full_name if self.signer else None

    def organisation_for(self, viewer) -> str | None:
        """The name of the organisation the co-chair signed for, as named then, when the viewer
        may be told that it takes part (visibility.can_name_as_taking_part); once the account
        is deleted, as recorded."""
        if self.signer is not None and not visibility.can_name_as_taking_part(
            viewer, self.signer.organisation
        ):
            return None
        return self.organisation_name


class OutputEndorsement(db.Model):
    """A member organisation that endorses a published output."""

    __tablename__ = "output_endorsement"
    __table_args__ = (UniqueConstraint("output_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    output_id: Mapped[int] = belongs_to("joint_output.id")
    organisation_id: Mapped[int] = belongs_to("organisation.id")
    by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    output: Mapped[JointOutput] = relationship(back_populates="endorsements")
    organisation: Mapped[Organisation] = relationship()


class OutputTransition(db.Model):
    """One step of the follow-up: from, to, when, who, a note, and an answer received."""

    __tablename__ = "output_transition"

    id: Mapped[int] = mapped_column(primary_key=True)
    output_id: Mapped[int] = belongs_to("joint_output.id")
    from_state: Mapped[OutputState | None] = mapped_column(
        str_enum(OutputState, "output_transition_from", 16)
    )
    to_state: Mapped[OutputState] = mapped_column(str_enum(OutputState, "output_transition_to", 16))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    note: Mapped[str | None] = mapped_column(Text)
    answer_text: Mapped[str | None] = mapped_column(Text)
    answer_url: Mapped[str | None] = mapped_column(String(500))

    output: Mapped[JointOutput] = relationship(back_populates="transitions")
