"""Joint outputs: drafts written by the co-chairs, comments of the member organisations,
sign-offs of both co-chairs, publication, endorsements and the follow-up (docs/architecture.md,
"Joint outputs").

Each action takes the actor (``by=``), checks rights on the server, writes its audit entry in
the same transaction and commits once; mail goes out after the commit.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from .. import audit, mailing, visibility
from ..auth import standing
from ..auth.models import User
from ..core.models import Organisation
from ..core.vocabulary import OrganisationStatus
from ..database import locked, utcnow
from ..errors import Conflict, DomainError, NotAllowed, NotFound, unique_or
from ..extensions import db
from ..groups.membership import acting_coordinators
from ..groups.models import Coordinator, Meeting, Membership, MembershipStatus, WorkingGroup
from ..groups.notifications import subscribers
from ..links import site_url
from ..permissions import is_admin_of
from .models import (
    LANGUAGES,
    JointOutput,
    OutputComment,
    OutputEndorsement,
    OutputKind,
    OutputParagraph,
    OutputSignoff,
    OutputState,
    OutputTransition,
    TextStatus,
)

State = OutputState
TEXT_MAX = 10_000
TITLE_MAX = 300
NOTE_MAX = 2_000
URL_MAX = 500
SIDES = ("eu", "kz")

KIND_LABELS = {
    OutputKind.DECLARATION: _l("Declaration"),
    OutputKind.RECOMMENDATION: _l("Recommendation"),
    OutputKind.REPORT: _l("Report"),
}
STATE_LABELS = {
    State.DRAFT: _l("Draft"),
    State.ADOPTED: _l("Adopted"),
    State.SENT_EU: _l("Sent to the EU institutions"),
    State.SENT_KZ: _l("Sent to the Kazakh authorities"),
    State.ANSWERED: _l("Answer received"),
    State.CLOSED: _l("Closed"),
}
SIDE_LABELS = {"eu": _l("EU co-chair"), "kz": _l("Kazakhstan co-chair")}
LANGUAGE_LABELS = {"en": _l("English"), "ru": _l("Russian"), "kk": _l("Kazakh")}

# The follow-up: where an adopted output may go next. Adoption itself comes only from the
# second sign-off; a closed output stays closed.
FOLLOW_UP: dict[State, tuple[State, ...]] = {
    State.DRAFT: (),
    State.ADOPTED: (State.SENT_EU, State.SENT_KZ, State.CLOSED),
    State.SENT_EU: (State.SENT_KZ, State.ANSWERED, State.CLOSED),
    State.SENT_KZ: (State.SENT_EU, State.ANSWERED, State.CLOSED),
    State.ANSWERED: (State.SENT_EU, State.SENT_KZ, State.CLOSED),
    State.CLOSED: (),
}


# Refusals -------------------------------------------------------------------------------------


class NotADraft(Conflict):
    message = _l("This output is published: its text can no longer be changed.")


class NotPublished(Conflict):
    message = _l("This output is not published yet.")


class AlreadySigned(Conflict, category="info"):
    message = _l("You have already signed this output.")


class NothingToSign(Conflict):
    message = _l("Add at least one paragraph, each with its English text, before signing.")


class NotANextStep(Conflict):
    """The follow-up cannot go from the output's state to the one asked for."""


class AnswerNeeded(DomainError, status=422, field="answer_text"):
    message = _l("Give the text of the answer received.")


class AlreadyEndorsed(Conflict, category="info"):
    message = _l("Your organisation already endorses this output.")


class NotEndorsed(Conflict, category="info"):
    message = _l("Your organisation does not endorse this output.")


class EmptyParagraph(DomainError, status=422, field="text_en"):
    message = _l("Write the paragraph in at least one language.")


class EmptyValidated(DomainError, status=422, field="text_en"):
    """A language marked validated has no text."""


class ArchivedGroupOpensNoOutput(Conflict):
    message = _l("This working group is archived: it opens no new outputs.")


# Who may do what --------------------------------------------------------------------------------


def _acting(user: User | None) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and standing.may_act(user)


def member_group_ids(user: User | None) -> set[int]:
    """The groups the user's organisation is an active member of, while it is verified and the
    user may act."""
    if not _acting(user) or not user.organisation_id:
        return set()
    return set(
        db.session.scalars(
            select(Membership.group_id)
            .join(Organisation, Organisation.id == Membership.organisation_id)
            .where(
                Membership.organisation_id == user.organisation_id,
                Membership.status == MembershipStatus.ACTIVE,
                Organisation.status == OrganisationStatus.VERIFIED,
            )
        )
    )


def is_member(user: User | None, group_id: int) -> bool:
    """A person of one of the group's member organisations, who may act."""
    return group_id in member_group_ids(user)


def chair_side(user: User | None, group_id: int) -> str | None:
    """The side ("eu", "kz") the user co-chairs the group for, while they act; else None."""
    if not _acting(user):
        return None
    return db.session.scalar(
        acting_coordinators()
        .with_only_columns(Coordinator.side)
        .where(Coordinator.group_id == group_id, Coordinator.user_id == user.id)
    )


def is_secretariat(user: User | None) -> bool:
    return _acting(user) and user.is_secretariat


def can_draft(user: User | None, group_id: int) -> bool:
    return chair_side(user, group_id) is not None


def can_follow_up(user: User | None, group_id: int) -> bool:
    """Co-chairs of the group and the secretariat move a published output's state."""
    return is_secretariat(user) or chair_side(user, group_id) is not None


def can_comment(user: User | None, output: JointOutput) -> bool:
    return output.state == State.DRAFT and is_member(user, output.group_id)


def can_endorse(user: User | None, output: JointOutput) -> bool:
    """An admin of a member organisation, for a published output."""
    return (
        output.is_published
        and user is not None
        and getattr(user, "is_authenticated", False)
        and user.organisation is not None
        and is_admin_of(user, user.organisation)
        and is_member(user, output.group_id)
    )


def can_see(user: User | None, output: JointOutput) -> bool:
    return visibility.can_see_output(
        user, published=output.is_published, group_member=is_member(user, output.group_id)
    )


# Reading -------------------------------------------------------------------------------------


def get_or_404(output_id: int, viewer: User | None) -> JointOutput:
    """The output, if the viewer may see it; else NotFound (a draft is not shown to exist)."""
    output = db.session.get(JointOutput, output_id)
    if output is None or not can_see(viewer, output):
        raise NotFound()
    return output


def group_by_slug_or_404(slug: str) -> WorkingGroup:
    group = db.session.scalar(select(WorkingGroup).where(WorkingGroup.slug == slug))
    if group is None:
        raise NotFound()
    return group


def outputs_of(group: WorkingGroup, viewer: User | None) -> list[JointOutput]:
    """The group's outputs the viewer may see, newest first."""
    return list(
        db.session.scalars(
            select(JointOutput)
            .where(
                JointOutput.group_id == group.id,
                visibility.visible_outputs(
                    viewer,
                    JointOutput.published_at,
                    JointOutput.group_id,
                    member_group_ids(viewer),
                ),
            )
            .order_by(JointOutput.created_at.desc(), JointOutput.id.desc())
        )
    )


def published_outputs() -> list[JointOutput]:
    """Every published output, for the API and the Action Plan, oldest first."""
    return list(
        db.session.scalars(
            select(JointOutput)
            .where(visibility.visible_outputs(None, JointOutput.published_at, None, ()))
            .order_by(JointOutput.published_at, JointOutput.id)
        )
    )


@dataclass
class Priority:
    group: WorkingGroup
    outputs: list[JointOutput]


def action_plan() -> list[Priority]:
    """The five priorities, each its group and its published outputs, in the priorities'
    order."""
    groups = db.session.scalars(
        select(WorkingGroup)
        .where(WorkingGroup.archived_at.is_(None))
        .order_by(WorkingGroup.priority, WorkingGroup.id)
    ).all()
    by_group: dict[int, list[JointOutput]] = {g.id: [] for g in groups}
    for output in published_outputs():
        if output.group_id in by_group:
            by_group[output.group_id].append(output)
    return [Priority(g, by_group[g.id]) for g in groups]


def meetings_of(group: WorkingGroup) -> list[Meeting]:
    """The group's meetings that are not cancelled, newest first, to open a declaration of."""
    return list(
        db.session.scalars(
            select(Meeting)
            .where(Meeting.group_id == group.id, Meeting.cancelled_at.is_(None))
            .order_by(Meeting.starts_at.desc())
        )
    )


def next_states(output: JointOutput) -> tuple[State, ...]:
    return FOLLOW_UP[output.state]


def endorsed_by(output: JointOutput, organisation_id: int | None) -> bool:
    return any(e.organisation_id == organisation_id for e in output.endorsements)


# Drafting ------------------------------------------------------------------------------------


def create(
    group: WorkingGroup,
    by: User,
    *,
    kind: OutputKind,
    title: str,
    title_ru: str | None = None,
    title_kk: str | None = None,
    meeting_id: int | None = None,
) -> JointOutput:
    """A co-chair opens a draft, from scratch or as the joint declaration of a meeting."""
    if not can_draft(by, group.id):
        raise NotAllowed()
    if group.archived_at is not None:
        raise ArchivedGroupOpensNoOutput()
    if meeting_id is not None:
        meeting = db.session.get(Meeting, meeting_id)
        if meeting is None or meeting.group_id != group.id:
            raise NotFound()
    output = JointOutput(
        group_id=group.id,
        kind=kind,
        title=title,
        title_ru=title_ru or None,
        title_kk=title_kk or None,
        meeting_id=meeting_id,
        state=State.DRAFT,
        created_by_id=by.id,
    )
    db.session.add(output)
    db.session.flush()
    audit.commit(
        by,
        "output.create",
        output,
        f"{kind.value} opened in {group.slug}",
        None,
        {"kind": kind, "meeting": meeting_id},
    )
    return output


def _editable(output: JointOutput, by: User) -> JointOutput:
    """The output locked, if ``by`` co-chairs its group and it is still a draft."""
    if not can_draft(by, output.group_id):
        raise NotAllowed()
    fresh = locked(db.session, output)
    if fresh is None:
        raise NotFound()
    if fresh.state != State.DRAFT:
        raise NotADraft()
    return fresh


def paragraph_of(output: JointOutput, paragraph_id: int) -> OutputParagraph:
    """One paragraph of this output; NotFound for an id of another output or none."""
    for paragraph in output.paragraphs:
        if paragraph.id == paragraph_id:
            return paragraph
    raise NotFound()


def _withdraw_signoffs(output: JointOutput) -> list[str]:
    """The text changed: every sign-off given is withdrawn. The sides that had signed."""
    sides = [s.side for s in output.signoffs]
    output.signoffs.clear()
    return sides


def _check_texts(texts: dict[str, str | None], validated: set[str]) -> dict[str, str]:
    clean = {lang: (texts.get(lang) or "").strip() for lang in LANGUAGES}
    if not any(clean.values()):
        raise EmptyParagraph()
    for lang, text in clean.items():
        if len(text) > TEXT_MAX:
            raise DomainError(_("Shorten the text to %(max)s characters.", max=TEXT_MAX), 422)
        if lang in validated and not text:
            raise EmptyValidated(
                _(
                    "Only a text that is written can be marked validated: %(language)s.",
                    language=LANGUAGE_LABELS[lang],
                )
            )
    return clean


def _edited(
    output: JointOutput, by: User, action: str, summary: str, after=None, before=None
) -> list[str]:
    """Record a change of the text; every sign-off given is withdrawn with it."""
    withdrawn = _withdraw_signoffs(output)
    audit.commit(
        by,
        action,
        output,
        summary,
        {**(before or {}), **({"signed": withdrawn} if withdrawn else {})} or None,
        after,
    )
    return withdrawn


def add_paragraph(
    output: JointOutput, by: User, texts: dict[str, str | None], validated: set[str] = frozenset()
) -> list[str]:
    """A co-chair adds a paragraph at the end; returns the sides whose sign-off is withdrawn."""
    output = _editable(output, by)
    clean = _check_texts(texts, set(validated))
    position = max((p.position for p in output.paragraphs), default=0) + 1
    paragraph = OutputParagraph(position=position)
    _write(paragraph, clean, set(validated))
    output.paragraphs.append(paragraph)
    db.session.flush()
    return _edited(
        output, by, "output.paragraph_add", f"paragraph {paragraph.id} added", {"id": paragraph.id}
    )


def _write(paragraph: OutputParagraph, texts: dict[str, str], validated: set[str]) -> None:
    for lang in LANGUAGES:
        setattr(paragraph, f"text_{lang}", texts[lang])
        status = TextStatus.VALIDATED if lang in validated else TextStatus.DRAFT
        setattr(paragraph, f"status_{lang}", status)


def update_paragraph(
    output: JointOutput,
    paragraph_id: int,
    by: User,
    texts: dict[str, str | None],
    validated: set[str],
) -> list[str]:
    """A co-chair corrects a paragraph and marks each language draft or validated."""
    output = _editable(output, by)
    paragraph = paragraph_of(output, paragraph_id)
    clean = _check_texts(texts, set(validated))
    before = {f"status_{lang}": paragraph.status(lang) for lang in LANGUAGES}
    if all(
        paragraph.text(lang) == clean[lang]
        and (lang in validated) == (before[f"status_{lang}"] == TextStatus.VALIDATED)
        for lang in LANGUAGES
    ):
        db.session.rollback()  # nothing changed: the sign-offs stand
        return []
    _write(paragraph, clean, set(validated))
    after = {f"status_{lang}": paragraph.status(lang) for lang in LANGUAGES}
    return _edited(
        output, by, "output.paragraph_edit", f"paragraph {paragraph.id} edited", after, before
    )


def remove_paragraph(output: JointOutput, paragraph_id: int, by: User) -> list[str]:
    output = _editable(output, by)
    paragraph = paragraph_of(output, paragraph_id)
    output.paragraphs.remove(paragraph)
    for position, other in enumerate(output.paragraphs, start=1):
        other.position = position
    return _edited(output, by, "output.paragraph_remove", f"paragraph {paragraph_id} removed")


def move_paragraph(output: JointOutput, paragraph_id: int, by: User, up: bool) -> list[str]:
    """A co-chair moves a paragraph one place up or down."""
    output = _editable(output, by)
    paragraph = paragraph_of(output, paragraph_id)
    order = list(output.paragraphs)
    index = order.index(paragraph)
    target = index - 1 if up else index + 1
    if not 0 <= target < len(order):
        raise Conflict(_("This paragraph cannot move further."))
    order[index], order[target] = order[target], order[index]
    for position, other in enumerate(order, start=1):
        other.position = position
    return _edited(
        output,
        by,
        "output.paragraph_move",
        f"paragraph {paragraph_id} moved {'up' if up else 'down'}",
        {"order": [p.id for p in order]},
    )


def comment(output: JointOutput, paragraph_id: int, by: User, body: str) -> OutputComment:
    """A person of a member organisation comments on one paragraph of a draft."""
    if not is_member(by, output.group_id):
        raise NotAllowed()
    if output.state != State.DRAFT:
        raise NotADraft(_("This output is published: comments are closed."))
    paragraph = paragraph_of(output, paragraph_id)
    body = (body or "").strip()
    if not body or len(body) > TEXT_MAX:
        raise DomainError(_("Write a comment of at most %(max)s characters.", max=TEXT_MAX), 422)
    note = OutputComment(
        paragraph_id=paragraph.id,
        author_id=by.id,
        organisation_id=by.organisation_id,
        body=body,
    )
    db.session.add(note)
    db.session.flush()
    audit.commit(by, "output.comment", output, f"comment on paragraph {paragraph.id}")
    return note


# Sign-off and publication ----------------------------------------------------------------------


def sign(output: JointOutput, by: User) -> bool:
    """A co-chair signs for their side; with both sides signed, the output is published
    (adopted). True when this sign-off published it."""
    side = chair_side(by, output.group_id)
    if side is None:
        raise NotAllowed()
    output = locked(db.session, output)
    if output is None:
        raise NotFound()
    if output.state != State.DRAFT:
        raise NotADraft(_("This output is already published."))
    signed = {s.side: s for s in output.signoffs}
    if side in signed:
        raise AlreadySigned()
    if not output.paragraphs or any(not p.text_en.strip() for p in output.paragraphs):
        raise NothingToSign()
    now = utcnow()
    output.signoffs.append(
        OutputSignoff(
            side=side,
            user_id=by.id,
            organisation_name=by.organisation.name if by.organisation else None,
            signed_at=now,
        )
    )
    audit.record(by, "output.sign", "joint_output", output.id, f"signed for {side}")
    published = set(signed) | {side} == set(SIDES)
    if published:
        output.published_at = now
        output.state = State.ADOPTED
        output.transitions.append(
            OutputTransition(from_state=State.DRAFT, to_state=State.ADOPTED, at=now, actor_id=by.id)
        )
        audit.record(
            by,
            "output.publish",
            "joint_output",
            output.id,
            f"published, signed by both co-chairs, in {output.group.slug}",
            {"state": State.DRAFT},
            {"state": State.ADOPTED},
        )
    db.session.commit()
    if published:
        _notify_published(output, by)
    else:
        _notify_signed(output, by)
    return published


def _other_chairs(output: JointOutput, signer: User) -> list[User]:
    """The group's acting co-chairs but the one who signed."""
    return list(
        db.session.scalars(
            select(User)
            .join(Coordinator, Coordinator.user_id == User.id)
            .where(
                Coordinator.group_id == output.group_id,
                Coordinator.id.in_(acting_coordinators().with_only_columns(Coordinator.id)),
                User.id != signer.id,
            )
            .order_by(User.id)
        )
    )


def _notify_signed(output: JointOutput, signer: User) -> None:
    """Mail the group's other co-chairs that one has signed and their sign-off is awaited."""
    others = _other_chairs(output, signer)
    if others:
        mailing.send(
            others,
            lambda: _("Your sign-off is awaited: “%(title)s”", title=output.local_title),
            "output_signed",
            output=output,
            signer=signer.full_name,
            link=site_url("outputs.detail", output_id=output.id),
        )


def _notify_published(output: JointOutput, signer: User) -> None:
    """Mail the other co-chairs, and the people of the member organisations who chose the
    group's mail, that the output is published."""
    chairs = _other_chairs(output, signer)
    link = site_url("outputs.detail", output_id=output.id)

    def subject() -> str:
        return _("Published: “%(title)s”", title=output.local_title)

    if chairs:
        mailing.send(chairs, subject, "output_published", output=output, link=link)
    mailed = {u.id for u in chairs} | {signer.id}
    people = [u for u in subscribers(output.group) if u.id not in mailed]
    if people:
        mailing.send(
            people,
            subject,
            "output_published",
            output=output,
            link=link,
            settings_link=site_url("groups.notification_settings"),
        )


# Endorsements -------------------------------------------------------------------------------


def endorse(output: JointOutput, by: User) -> OutputEndorsement:
    """An admin of a member organisation endorses a published output for it."""
    if not output.is_published:
        raise NotPublished()
    if not can_endorse(by, output):
        raise NotAllowed()
    if endorsed_by(output, by.organisation_id):
        raise AlreadyEndorsed()
    endorsement = OutputEndorsement(
        output_id=output.id, organisation_id=by.organisation_id, by_id=by.id
    )
    db.session.add(endorsement)
    with unique_or(AlreadyEndorsed):  # a simultaneous endorsement made the row first
        db.session.flush()
    audit.commit(by, "output.endorse", output, f"endorsed by {by.organisation.name}")
    return endorsement


def withdraw_endorsement(output: JointOutput, by: User) -> None:
    if not can_endorse(by, output):
        raise NotAllowed()
    endorsement = next(
        (e for e in output.endorsements if e.organisation_id == by.organisation_id), None
    )
    if endorsement is None:
        raise NotEndorsed()
    output.endorsements.remove(endorsement)
    audit.commit(
        by,
        "output.endorsement_withdraw",
        output,
        f"endorsement of {by.organisation.name} withdrawn",
    )


# Follow-up ---------------------------------------------------------------------------------


def move(
    output: JointOutput,
    by: User,
    to: State,
    *,
    note: str | None = None,
    answer_text: str | None = None,
    answer_url: str | None = None,
) -> OutputTransition:
    """A co-chair or the secretariat moves a published output on, with the date and a note;
    an answer received carries its text and, optionally, a link to it."""
    if not can_follow_up(by, output.group_id):
        raise NotAllowed()
    output = locked(db.session, output)
    if output is None:
        raise NotFound()
    if to not in FOLLOW_UP[output.state]:
        if output.state == State.DRAFT:
            raise NotANextStep(_("A draft is adopted only when both co-chairs have signed it."))
        raise NotANextStep(
            _(
                "An output that is “%(from)s” cannot become “%(to)s”.",
                **{"from": STATE_LABELS[output.state], "to": STATE_LABELS[to]},
            )
        )
    answer_text = (answer_text or "").strip() or None
    if to == State.ANSWERED and not answer_text:
        raise AnswerNeeded()
    transition = OutputTransition(
        from_state=output.state,
        to_state=to,
        at=utcnow(),
        actor_id=by.id,
        note=(note or "").strip() or None,
        answer_text=answer_text if to == State.ANSWERED else None,
        answer_url=(answer_url or None) if to == State.ANSWERED else None,
    )
    before = output.state
    output.transitions.append(transition)
    output.state = to
    audit.commit(
        by,
        "output.state",
        output,
        f"{before.value} to {to.value}",
        {"state": before},
        {"state": to},
    )
    return transition
