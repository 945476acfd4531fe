"""What people do with partner search posts: post, edit, close, answer, decide on answers, hide;
and housekeeping's jobs: closing posts after their deadline, the weekly digest.

Services take plain values and the actor (``by``), check rights (permissions.py, standing.py)
and rules, write the audit entry in the same transaction and commit once; mail goes after the
commit, to each person in their language. Who may read a post is visibility.py's decision.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from .. import audit, database, mailing, visibility
from ..auth import standing, tokens
from ..auth.models import User
from ..core.models import Organisation
from ..core.vocabulary import (
    COUNTRY_CODES,
    LANGUAGE_CODES,
    REGION_CODES,
    OrganisationStatus,
    Sector,
    region_name,
)
from ..errors import Conflict, DomainError, NotAllowed, NotFound
from ..extensions import db
from ..groups.models import Membership, MembershipStatus, WorkingGroup
from ..links import site_url
from ..search.folding import index_tokens
from .models import (
    ANSWER_MAX,
    LINK_MAX,
    POST_LANGUAGES,
    REASON_MAX,
    TEXT_MAX,
    TITLE_MAX,
    AnswerStatus,
    Audience,
    DigestSubscription,
    Kind,
    Opportunity,
    OpportunityAnswer,
    Outcome,
)

logger = logging.getLogger(__name__)

DIGEST_PURPOSE = "opportunity-digest-unsubscribe"
DIGEST_EVERY = timedelta(days=7)
InvalidToken = tokens.InvalidToken


def now() -> datetime:
    """The time the services go by: ``database.utcnow``, looked up at each call so that a
    test may freeze it."""
    return database.utcnow()


def today(at: datetime | None = None) -> date:
    return (at or now()).date()


# Refusals -------------------------------------------------------------------------------------


class NotVerified(NotAllowed):
    message = _l(
        "Only admins of verified organisations may post in the partner search or answer posts."
    )


class FieldError(DomainError, status=422):
    """Bad input for one field of the post (a form shows it beside the field; the API says
    it)."""

    def __init__(self, field_name: str, message: str):
        super().__init__(message)
        self.field = field_name


class AlreadyAnswered(Conflict):
    message = _l("Your organisation has already answered this post.")


class PostClosed(Conflict):
    message = _l("This post is closed: it takes no more answers.")


# Posting ----------------------------------------------------------------------------------------


@dataclass
class PostData:
    """What a post says, as a form or a program gives it."""

    kind: str
    title: str
    description: str
    group_slug: str
    deadline: date
    sectors: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    link: str | None = None
    audience: str = Audience.EVERYONE.value
    language: str = "en"


def is_web_link(url: str) -> bool:
    """An http or https address with a host: nothing else (javascript:, data:…) is a link."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc) and " " not in url


def _text(field: str, value: str | None, missing: str, max_length: int) -> str:
    """``value`` without the spaces around it; FieldError when it is empty (``missing`` says
    what to give) or longer than ``max_length``."""
    text = (value or "").strip()
    if not text:
        raise FieldError(field, missing)
    if len(text) > max_length:
        raise FieldError(field, _("At most %(num)d characters.", num=max_length))
    return text


def _checked(data: PostData, at: datetime) -> tuple[PostData, WorkingGroup]:
    """The data, checked again whatever the form did: FieldError names the field."""
    title = _text("title", data.title, _("Give the post a title."), TITLE_MAX)
    description = _text(
        "description", data.description, _("Say what you look for or offer."), TEXT_MAX
    )
    if data.kind not in {k.value for k in Kind}:
        raise FieldError("kind", _("Choose the kind of post."))
    group = db.session.scalar(
        select(WorkingGroup).where(
            WorkingGroup.slug == data.group_slug, WorkingGroup.archived_at.is_(None)
        )
    )
    if group is None:
        raise FieldError("priority", _("Choose one of the Action Plan's priorities."))
    if not isinstance(data.deadline, date) or data.deadline < today(at):
        raise FieldError("deadline", _("The deadline cannot be in the past."))
    if data.deadline > today(at) + timedelta(days=3 * 366):
        raise FieldError("deadline", _("Give a deadline within the next three years."))
    link = (data.link or "").strip() or None
    if link is not None and (len(link) > LINK_MAX or not is_web_link(link)):
        raise FieldError("link", _("Give a web address starting with http:// or https://."))
    for name, values, allowed in (
        ("sectors", data.sectors, {s.value for s in Sector}),
        ("countries", data.countries, set(COUNTRY_CODES)),
        ("regions", data.regions, set(REGION_CODES)),
        ("languages", data.languages, set(LANGUAGE_CODES)),
    ):
        if any(v not in allowed for v in values):
            raise FieldError(name, _("Choose only among the options shown."))
    if data.audience not in {a.value for a in Audience}:
        raise FieldError("audience", _("Choose who sees the post."))
    if data.language not in POST_LANGUAGES:
        raise FieldError("language", _("Choose the post's language."))
    cleaned = PostData(
        kind=data.kind,
        title=title,
        description=description,
        group_slug=group.slug,
        deadline=data.deadline,
        sectors=sorted(set(data.sectors)),
        countries=sorted(set(data.countries)),
        regions=sorted(set(data.regions)),
        languages=sorted(set(data.languages)),
        link=link,
        audience=data.audience,
        language=data.language,
    )
    return cleaned, group


def may_post(user: User | None) -> bool:
    """An admin of a verified organisation that may act now."""
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and not user.is_secretariat
        and user.is_org_admin
        and user.organisation is not None
        and user.organisation.status == OrganisationStatus.VERIFIED
        and standing.may_act(user)
    )


def may_manage(user: User | None, post: Opportunity) -> bool:
    """An admin of the posting organisation who may still post."""
    return may_post(user) and user.organisation_id == post.organisation_id


def _require_manager(post: Opportunity, by: User) -> None:
    if not may_manage(by, post):
        raise NotAllowed()


def search_text(post: Opportunity, organisation_name: str) -> str:
    """The post's folded words between spaces, what the partner search matches."""
    regions = " ".join(region_name(code) for code in post.regions)
    words = index_tokens(" ".join((post.title, post.description, organisation_name, regions)))
    return f" {' '.join(dict.fromkeys(words))} "


def _apply(post: Opportunity, data: PostData, group: WorkingGroup) -> None:
    post.kind = Kind(data.kind)
    post.title = data.title
    post.description = data.description
    post.group_id = group.id
    post.sectors = data.sectors
    post.countries = data.countries
    post.regions = data.regions
    post.languages = data.languages
    post.deadline = data.deadline
    post.link = data.link
    post.audience = Audience(data.audience)
    post.language = data.language


# What a post's audit entries keep of it.
AUDITED = (
    "kind",
    "title",
    "description",
    "group_id",
    "sectors",
    "countries",
    "regions",
    "languages",
    "deadline",
    "link",
    "audience",
    "language",
)


def create(data: PostData, by: User) -> Opportunity:
    """An admin of a verified organisation posts."""
    if not may_post(by):
        raise NotVerified()
    data, group = _checked(data, now())
    post = Opportunity(organisation_id=by.organisation_id, author_id=by.id)
    _apply(post, data, group)
    post.search_text = search_text(post, by.organisation.name)
    db.session.add(post)
    db.session.flush()
    audit.commit(by, "opportunity.post", post, post.title, None, audit.values(post, AUDITED))
    return post


def update(post: Opportunity, data: PostData, by: User) -> Opportunity:
    """The posting organisation's admin edits an open post."""
    _require_manager(post, by)
    if post.is_closed:
        raise PostClosed(_("This post is closed and can no longer be edited."))
    data, group = _checked(data, now())
    before = audit.values(post, AUDITED)
    _apply(post, data, group)
    post.search_text = search_text(post, post.organisation.name)
    audit.commit(by, "opportunity.edit", post, post.title, before, audit.values(post, AUDITED))
    return post


CLOSING_OUTCOMES = (Outcome.PARTNERSHIP, Outcome.NO_PARTNER)


def close(post: Opportunity, outcome: str, by: User) -> Opportunity:
    """The posting organisation's admin closes the post with its outcome."""
    _require_manager(post, by)
    if post.is_closed:
        raise Conflict(_("This post is already closed."))
    if outcome not in {o.value for o in CLOSING_OUTCOMES}:
        raise FieldError("outcome", _("Choose the outcome."))
    post.closed_at = now()
    post.outcome = Outcome(outcome)
    audit.commit(
        by,
        "opportunity.close",
        post,
        f"{post.title}: {outcome}",
        {"closed_at": None},
        {"outcome": post.outcome},
    )
    return post


# Answers ----------------------------------------------------------------------------------------


def may_answer(user: User | None, post: Opportunity) -> bool:
    """An admin of another verified organisation, on an open post they may read."""
    return (
        may_post(user)
        and user.organisation_id != post.organisation_id
        and post.is_open_on(today())
        and post.hidden_at is None
        and visibility.can_view_opportunity(user, post)
    )


def answer(post: Opportunity, message: str, by: User) -> OpportunityAnswer:
    """An admin of another verified organisation answers; the poster's admins are mailed."""
    if not may_post(by):
        raise NotVerified()
    if not visibility.can_view_opportunity(by, post):
        raise NotFound()
    if by.organisation_id == post.organisation_id:
        raise NotAllowed(_("Your organisation posted this: it cannot answer it."))
    if not post.is_open_on(today()) or post.hidden_at is not None:
        raise PostClosed()
    message = _text("message", message, _("Write a message."), ANSWER_MAX)
    # The same answer sent twice at once (a double click) waits here for the first, then
    # finds it.
    database.locked(db.session, post)
    already = db.session.scalar(
        select(OpportunityAnswer.id).where(
            OpportunityAnswer.opportunity_id == post.id,
            OpportunityAnswer.organisation_id == by.organisation_id,
        )
    )
    if already is not None:
        raise AlreadyAnswered()
    reply = OpportunityAnswer(
        opportunity_id=post.id,
        organisation_id=by.organisation_id,
        author_id=by.id,
        message=message,
    )
    db.session.add(reply)
    db.session.flush()
    audit.commit(
        by,
        "opportunity.answer",
        reply,
        f"{by.organisation.name} → {post.title}",
        None,
        {"opportunity_id": post.id},
    )
    _mail_answer(post, reply)
    return reply


def _mail_answer(post: Opportunity, reply: OpportunityAnswer) -> None:
    """The posting organisation's admins read the answer. The answering organisation's page
    is linked; no email address of its people is given (they show what they chose on it)."""
    admins = [u for u in post.organisation.admins if u.active and u.email_confirmed_at]
    if not admins:
        return
    mailing.send(
        admins,
        lambda: _("An answer to your post “%(title)s”", title=post.title),
        "opportunity_answer",
        post=post,
        answer=reply,
        organisation=reply.organisation,
        link=site_url("opportunities.detail", post_id=post.id) + "#answers",
        organisation_link=site_url("organisations.profile", org_id=reply.organisation_id),
    )


def mark_answer(reply: OpportunityAnswer, status: str, by: User) -> OpportunityAnswer:
    """The poster marks an answer "in contact" or "not a fit"."""
    post = reply.opportunity
    _require_manager(post, by)
    if status not in (AnswerStatus.IN_CONTACT.value, AnswerStatus.NOT_A_FIT.value):
        raise FieldError("status", _("Choose “in contact” or “not a fit”."))
    before = reply.status
    reply.status = AnswerStatus(status)
    reply.decided_at = now()
    audit.commit(
        by,
        "opportunity.answer_marked",
        reply,
        f"{post.title}: {status}",
        {"status": before},
        {"status": reply.status},
    )
    return reply


# Moderation -------------------------------------------------------------------------------------


def hide(post: Opportunity, reason: str, by: User) -> Opportunity:
    """The secretariat hides a post, saying why; its organisation reads the reason."""
    if not (visibility.is_secretariat(by) and standing.may_act(by)):
        raise NotAllowed()
    reason = _text(
        "reason", reason, _("Say why the post is hidden: its organisation reads it."), REASON_MAX
    )
    post.hidden_at = now()
    post.hidden_reason = reason
    post.hidden_by_id = by.id
    audit.commit(
        by,
        "opportunity.hide",
        post,
        post.title,
        {"hidden": False},
        {"hidden": True, "reason": reason},
    )
    return post


def unhide(post: Opportunity, by: User) -> Opportunity:
    """The secretariat shows a hidden post again."""
    if not (visibility.is_secretariat(by) and standing.may_act(by)):
        raise NotAllowed()
    before = {"hidden": True, "reason": post.hidden_reason}
    post.hidden_at = None
    post.hidden_reason = None
    post.hidden_by_id = None
    audit.commit(by, "opportunity.unhide", post, post.title, before, {"hidden": False})
    return post


# Reading ----------------------------------------------------------------------------------------


def get_visible_or_404(post_id: int, viewer) -> Opportunity:
    """The post, if the viewer may read it; else NotFound (the same as no post at all)."""
    post = db.session.get(Opportunity, post_id)
    if post is None or not visibility.can_view_opportunity(viewer, post):
        raise NotFound(_("There is no post at this address, or it is not shown to you."))
    return post


def open_clause(at: date | None = None):
    """Posts open on that day: not closed, deadline not passed."""
    day = at or today()
    return (Opportunity.closed_at.is_(None)) & (Opportunity.deadline >= day)


def open_posts_of_group(group_id: int, viewer, limit: int = 10) -> list[Opportunity]:
    """Open posts under a working group (its page), closing soonest first."""
    return list(
        db.session.scalars(
            select(Opportunity)
            .where(
                Opportunity.group_id == group_id,
                open_clause(),
                visibility.visible_opportunities(viewer, Opportunity),
            )
            .order_by(Opportunity.deadline, Opportunity.id)
            .limit(limit)
        )
    )


def _active_group_ids(org: Organisation) -> list[int]:
    return list(
        db.session.scalars(
            select(Membership.group_id).where(
                Membership.organisation_id == org.id,
                Membership.status == MembershipStatus.ACTIVE,
            )
        )
    )


def _matches_clause(org: Organisation):
    """Posts that match an organisation: one of its sectors, a working group it is an active
    member of, its country (Kazakh organisations: any region wanted counts too) or one of its
    working languages."""
    from sqlalchemy import false, or_

    conditions = [Opportunity.sectors_text.like(f"% {s.value} %") for s in org.sectors]
    groups = _active_group_ids(org)
    if groups:
        conditions.append(Opportunity.group_id.in_(groups))
    conditions.append(Opportunity.countries_text.like(f"% {org.country} %"))
    if org.country == "KZ":
        conditions.append(Opportunity.regions_text != "")
    conditions += [
        Opportunity.languages_text.like(f"% {code} %")
        for code in (org.working_languages or [])
        if code in LANGUAGE_CODES
    ]
    return or_(false(), *conditions)


def matching_posts(org: Organisation, viewer, limit: int = 10) -> list[Opportunity]:
    """Open posts of other organisations that match ``org``, for its own people's view."""
    return list(
        db.session.scalars(
            select(Opportunity)
            .where(
                Opportunity.organisation_id != org.id,
                open_clause(),
                visibility.visible_opportunities(viewer, Opportunity),
                _matches_clause(org),
            )
            .order_by(Opportunity.deadline, Opportunity.id)
            .limit(limit)
        )
    )


def answers_for(post: Opportunity, viewer) -> list[OpportunityAnswer]:
    """The answers the viewer may read: for the poster and the secretariat, those of the
    organisations they may see; else none."""
    if visibility.can_see_answers(viewer, post):
        return [reply for reply in post.answers if visibility.can_see_answer(viewer, reply)]
    return []


def own_answer(post: Opportunity, viewer) -> OpportunityAnswer | None:
    """The answer the viewer's organisation gave, if any."""
    if not getattr(viewer, "is_authenticated", False) or not viewer.organisation_id:
        return None
    return db.session.scalar(
        select(OpportunityAnswer).where(
            OpportunityAnswer.opportunity_id == post.id,
            OpportunityAnswer.organisation_id == viewer.organisation_id,
        )
    )


def own_posts(org_id: int) -> list[Opportunity]:
    """An organisation's posts, those not closed first, closing soonest first."""
    return list(
        db.session.scalars(
            select(Opportunity)
            .where(Opportunity.organisation_id == org_id)
            .order_by(Opportunity.closed_at.is_not(None), Opportunity.deadline)
        )
    )


def outcome_counts() -> dict[str, int]:
    """Closed posts by outcome, and open ones: what the secretariat's dashboard counts."""
    from sqlalchemy import func

    counts = {o.value: 0 for o in Outcome}
    for outcome, n in db.session.execute(
        select(Opportunity.outcome, func.count())
        .where(Opportunity.closed_at.is_not(None))
        .group_by(Opportunity.outcome)
    ):
        if outcome is not None:
            counts[Outcome(outcome).value] = n
    counts["open"] = db.session.scalar(
        select(func.count()).select_from(Opportunity).where(open_clause())
    )
    return counts


# Housekeeping -----------------------------------------------------------------------------------


def close_past_deadline(at: datetime | None = None) -> int:
    """Close every post whose deadline has passed; each once (run daily by housekeeping)."""
    at = at or now()
    posts = list(
        db.session.scalars(
            select(Opportunity)
            .where(Opportunity.closed_at.is_(None), Opportunity.deadline < today(at))
            .order_by(Opportunity.id)
        )
    )
    for post in posts:
        post.closed_at = at
        post.outcome = Outcome.DEADLINE
        audit.record(
            None,
            "opportunity.closed_at_deadline",
            "opportunity",
            post.id,
            post.title,
            {"closed_at": None},
            {"outcome": Outcome.DEADLINE},
        )
    db.session.commit()
    return len(posts)


def digest_token(user: User) -> str:
    """A token that stops the user's digest; it dies if the email address changes."""
    return tokens.make_for(DIGEST_PURPOSE, user)


def user_for_digest_token(token: str) -> User:
    """The user a digest token was made for, or InvalidToken."""
    return tokens.user_for(DIGEST_PURPOSE, token)


def wants_digest(user: User) -> bool:
    return (
        db.session.scalar(
            select(DigestSubscription.id).where(DigestSubscription.user_id == user.id)
        )
        is not None
    )


def set_digest(user: User, enabled: bool) -> None:
    """The person's own choice: the weekly digest of new matching posts, or not."""
    row = db.session.scalar(select(DigestSubscription).where(DigestSubscription.user_id == user.id))
    if enabled and row is None:
        db.session.add(DigestSubscription(user_id=user.id, created_at=now(), last_sent_at=now()))
    elif not enabled and row is not None:
        db.session.delete(row)
    try:
        db.session.commit()
    except IntegrityError:
        # A simultaneous request (a second click, another tab) subscribed them first: their
        # choice is already saved.
        db.session.rollback()


def send_digests(at: datetime | None = None) -> int:
    """Mail each subscriber whose last digest is a week old the open posts created since that
    match their organisation and that they may read; returns how many were sent."""
    at = at or now()
    rows = list(
        db.session.scalars(
            select(DigestSubscription)
            .where(
                (DigestSubscription.last_sent_at.is_(None))
                | (DigestSubscription.last_sent_at <= at - DIGEST_EVERY)
            )
            .order_by(DigestSubscription.id)
        )
    )
    sent = 0
    for row in rows:
        user = db.session.get(User, row.user_id)
        since = row.last_sent_at or row.created_at
        row.last_sent_at = at
        if user is None or not standing.may_act(user) or not user.email_confirmed_at:
            continue
        org = user.organisation
        if org is None or org.status != OrganisationStatus.VERIFIED:
            continue
        posts = list(
            db.session.scalars(
                select(Opportunity)
                .where(
                    Opportunity.organisation_id != org.id,
                    Opportunity.created_at > since,
                    Opportunity.created_at <= at,
                    open_clause(today(at)),
                    visibility.visible_opportunities(user, Opportunity),
                    _matches_clause(org),
                )
                .order_by(Opportunity.deadline, Opportunity.id)
                .limit(50)
            )
        )
        if not posts:
            continue
        db.session.commit()
        link = site_url("opportunities.unsubscribe", token=digest_token(user))
        if mailing.send(
            user,
            lambda: _("New partner search posts for your organisation"),
            "opportunity_digest",
            headers={
                "List-Unsubscribe": f"<{link}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
            posts=[(p, site_url("opportunities.detail", post_id=p.id)) for p in posts],
            unsubscribe_link=link,
            settings_link=site_url("opportunities.digest_settings"),
        ):
            sent += 1
    db.session.commit()
    logger.info("Partner search digest: %s sent", sent)
    return sent
