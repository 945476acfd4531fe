"""The secretariat manages working groups: texts, moderation, new priorities, archiving,
members added directly, and co-chairs.

Each action is one transaction with its audit entry (values before and after). Co-chairs are
people of member organisations: one for the EU side and one for the Kazakhstan side, as in the
EESC's Civil Society Platforms.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import abort
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from .. import audit
from ..auth.models import User
from ..core.models import Organisation, OrganisationName, name_key
from ..core.vocabulary import SIDE_LABELS, OrganisationStatus, Side
from ..database import locked, owned_or_404, utcnow
from ..errors import Conflict, DomainError, NotFound, unique_or
from ..extensions import db
from . import membership as membership_rules
from .models import (
    LOCALES,
    Coordinator,
    Membership,
    MembershipStatus,
    WorkingGroup,
    WorkingGroupTranslation,
)

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SLUG_MAX = 80
# Paths under /admin/groups/ that a slug must not hide.
RESERVED_SLUGS = frozenset({"new"})
COORDINATOR_SIDES = (Side.EU.value, Side.KAZAKHSTAN.value)
SEARCH_LIMIT = 20

NotAllowed = membership_rules.NotAllowed


class SlugInvalid(DomainError, status=422, field="slug"):
    """The slug is not lowercase kebab-case, or is reserved."""

    message = _l("This short name cannot be used; choose another.")


class SlugTaken(Conflict, field="slug"):
    """Another working group (archived ones included) has this slug."""

    message = _l("Another working group already uses this short name.")


class PriorityTaken(Conflict, field="priority"):
    """A working group that is not archived already carries this priority number."""

    message = _l("A working group that is not archived already carries this priority number.")


class AlreadyArchived(Conflict, category="info"):
    message = _l("The group was already archived.")


class NotArchived(Conflict, category="info"):
    message = _l("The group is not archived.")


class CannotChair(Conflict, field="user_id"):
    """The person cannot be appointed co-chair of the group."""


class NotOfMember(CannotChair):
    """The person's organisation is not an active member of the group."""

    message = _l(
        "Co-chairs are people of organisations that are active members of the "
        "group; this person's organisation is not."
    )


class WrongSide(CannotChair):
    """Co-chairs come from the EU side or the Kazakhstan side; this organisation is on neither."""

    message = _l(
        "Co-chairs come from the EU side or the Kazakhstan side; this person's "
        "organisation is on neither."
    )


class SlotTaken(CannotChair):
    """The group already has a co-chair for this side."""

    def __init__(self, side: str):
        super().__init__(
            _(
                "The group already has a co-chair for the %(side)s side: remove them first.",
                side=SIDE_LABELS[Side(side)],
            )
        )
        self.side = side


class AlreadyCoordinator(CannotChair):
    """The person already co-chairs this group."""

    message = _l("This person already co-chairs the group.")


@dataclass(frozen=True)
class GroupTexts:
    """A group's title and purpose in one language."""

    title: str
    purpose: str


@dataclass(frozen=True)
class GroupOverview:
    group: WorkingGroup
    active_members: int
    pending_requests: int
    coordinators: dict[str, Coordinator]
    # Co-chairs who do not act now (coordinator id -> why), as not_acting gives them.
    not_acting: dict[int, str]


def _require_secretariat(by: User | None) -> None:
    if not (by is not None and by.is_authenticated and by.is_secretariat):
        raise NotAllowed()


def get_group_or_404(slug: str) -> WorkingGroup:
    group = db.session.scalar(select(WorkingGroup).where(WorkingGroup.slug == slug))
    if group is None:
        abort(404)
    return group


def _coordinators_by_group(group_ids: list[int]) -> dict[int, dict[str, Coordinator]]:
    found: dict[int, dict[str, Coordinator]] = {group_id: {} for group_id in group_ids}
    if not group_ids:
        return found
    rows = db.session.scalars(
        select(Coordinator)
        .where(Coordinator.group_id.in_(group_ids))
        .options(joinedload(Coordinator.user).joinedload(User.organisation))
    )
    for coordinator in rows:
        found[coordinator.group_id][coordinator.side] = coordinator
    return found


def overview() -> list[GroupOverview]:
    """Every group in priority order with its member counts and co-chairs (bounded queries)."""
    groups = list(
        db.session.scalars(
            select(WorkingGroup).order_by(
                WorkingGroup.archived_at.is_not(None), WorkingGroup.priority, WorkingGroup.id
            )
        )
    )
    counts: dict[tuple[int, MembershipStatus], int] = {
        (group_id, status): n
        for group_id, status, n in db.session.execute(
            select(Membership.group_id, Membership.status, func.count())
            .where(Membership.status.in_([MembershipStatus.ACTIVE, MembershipStatus.PENDING]))
            .group_by(Membership.group_id, Membership.status)
        )
    }
    chairs = _coordinators_by_group([g.id for g in groups])
    not_acting = not_acting_by_group(chairs)
    return [
        GroupOverview(
            group=g,
            active_members=counts.get((g.id, MembershipStatus.ACTIVE), 0),
            pending_requests=counts.get((g.id, MembershipStatus.PENDING), 0),
            coordinators=chairs[g.id],
            not_acting=not_acting[g.id],
        )
        for g in groups
    ]


def coordinators(group: WorkingGroup) -> dict[str, Coordinator]:
    """The group's co-chairs by side ('eu', 'kz')."""
    return _coordinators_by_group([group.id])[group.id]


def not_acting_by_group(
    chairs_by_group: dict[int, dict[str, Coordinator]],
) -> dict[int, dict[int, str]]:
    """For each group, its co-chairs who do not act now (coordinator id -> why, for the
    secretariat): the rule is ``membership.acting_coordinators``; this says which part of it
    fails. One query whatever the number of groups."""
    chairs = [c for by_side in chairs_by_group.values() for c in by_side.values()]
    acting = set(
        db.session.scalars(
            membership_rules.acting_coordinators()
            .with_only_columns(Coordinator.id)
            .where(Coordinator.id.in_([c.id for c in chairs]))
        )
        if chairs
        else ()
    )
    found: dict[int, dict[int, str]] = {group_id: {} for group_id in chairs_by_group}
    for chair in chairs:
        if chair.id in acting:
            continue
        organisation = chair.user.organisation
        if not chair.user.active:
            why = _("Their account is closed.")
        elif organisation is None or organisation.status != OrganisationStatus.VERIFIED:
            why = _("Their organisation is not verified now.")
        else:
            why = _("Their organisation is not an active member of the group now.")
        found[chair.group_id][chair.id] = why
    return found


def active_members(group: WorkingGroup) -> list[Membership]:
    return list(
        db.session.scalars(
            select(Membership)
            .join(Organisation, Membership.organisation_id == Organisation.id)
            .where(Membership.group_id == group.id, Membership.status == MembershipStatus.ACTIVE)
            .options(joinedload(Membership.organisation))
            .order_by(Organisation.name)
        )
    )


def find_organisations(group: WorkingGroup, query: str) -> list[tuple[Organisation, str | None]]:
    """Organisations whose name, acronym or other name matches, each with its membership
    status in the group (None when it never asked); at most SEARCH_LIMIT of them."""
    query = (query or "").strip()
    if not query:
        return []
    lowered = query.lower()
    other_names = select(OrganisationName.organisation_id).where(
        func.lower(OrganisationName.name).contains(lowered, autoescape=True)
    )
    rows = db.session.execute(
        select(Organisation, Membership.status)
        .outerjoin(
            Membership,
            (Membership.organisation_id == Organisation.id) & (Membership.group_id == group.id),
        )
        .where(
            or_(
                Organisation.name_key.contains(name_key(query), autoescape=True),
                func.lower(Organisation.acronym).contains(lowered, autoescape=True),
                Organisation.id.in_(other_names),
            )
        )
        .order_by(Organisation.name)
        .limit(SEARCH_LIMIT)
    ).all()
    return [(org, status.value if status else None) for org, status in rows]


def coordinator_candidates(group: WorkingGroup) -> list[User]:
    """People who may be appointed: active users of verified organisations from the EU or
    Kazakhstan that are active members of the group, not yet co-chairs of it."""
    chairs = select(Coordinator.user_id).where(Coordinator.group_id == group.id)
    return list(
        db.session.scalars(
            select(User)
            .join(Organisation, User.organisation_id == Organisation.id)
            .join(
                Membership,
                (Membership.organisation_id == Organisation.id) & (Membership.group_id == group.id),
            )
            .where(
                Membership.status == MembershipStatus.ACTIVE,
                Organisation.status == OrganisationStatus.VERIFIED,
                Organisation.side.in_(COORDINATOR_SIDES),
                User.active.is_(True),
                User.id.not_in(chairs),
            )
            .options(joinedload(User.organisation))
            .order_by(Organisation.side, Organisation.name, User.full_name)
        )
    )


def _texts_snapshot(group: WorkingGroup) -> dict[str, str | None]:
    by_locale = {t.locale: t for t in group.translations}
    values: dict[str, str | None] = {}
    for locale in LOCALES:
        row = by_locale.get(locale)
        values[f"title_{locale}"] = row.title if row else None
        values[f"purpose_{locale}"] = row.purpose if row else None
    return values


def _snapshot(group: WorkingGroup) -> dict:
    return {
        **audit.values(group, ("slug", "priority", "moderated", "archived_at")),
        **_texts_snapshot(group),
    }


def _changes(before: dict, after: dict) -> tuple[dict, dict]:
    keys = [k for k in before if before[k] != after[k]]
    return {k: before[k] for k in keys}, {k: after[k] for k in keys}


def _apply_texts(group: WorkingGroup, texts: dict[str, GroupTexts | None]) -> None:
    """English is required; another language left empty falls back to English (no row)."""
    if texts.get("en") is None or not texts["en"].title.strip():
        raise ValueError("the English title is required")
    by_locale = {t.locale: t for t in group.translations}
    for locale in LOCALES:
        wanted = texts.get(locale)
        row = by_locale.get(locale)
        if wanted is None or not wanted.title.strip():
            if row is not None:
                group.translations.remove(row)
            continue
        if row is None:
            group.translations.append(
                WorkingGroupTranslation(locale=locale, title=wanted.title, purpose=wanted.purpose)
            )
        else:
            row.title = wanted.title
            row.purpose = wanted.purpose


def _check_slug(slug: str) -> None:
    if len(slug) > SLUG_MAX or not SLUG_PATTERN.match(slug) or slug in RESERVED_SLUGS:
        raise SlugInvalid()
    if db.session.scalar(select(WorkingGroup.id).where(WorkingGroup.slug == slug)) is not None:
        raise SlugTaken()


def _priority_taken(priority: int, exclude_id: int | None = None) -> bool:
    same = select(WorkingGroup.id).where(
        WorkingGroup.priority == priority, WorkingGroup.archived_at.is_(None)
    )
    if exclude_id is not None:
        same = same.where(WorkingGroup.id != exclude_id)
    return db.session.scalar(same) is not None


def create_group(
    slug: str,
    priority: int,
    moderated: bool,
    texts: dict[str, GroupTexts | None],
    by: User,
) -> WorkingGroup:
    """A working group for a new priority of the Action Plan."""
    _require_secretariat(by)
    slug = slug.strip()
    _check_slug(slug)
    if _priority_taken(priority):
        raise PriorityTaken()
    group = WorkingGroup(slug=slug, priority=priority, moderated=moderated)
    _apply_texts(group, texts)
    db.session.add(group)
    with unique_or(SlugTaken):
        db.session.flush()
        audit.commit(
            by,
            "group.create",
            group,
            f"Working group {slug} created (priority {priority})",
            None,
            _snapshot(group),
        )
    return group


def update_group(
    group: WorkingGroup, moderated: bool, texts: dict[str, GroupTexts | None], by: User
) -> bool:
    """Change the group's texts and moderation; return whether anything changed."""
    _require_secretariat(by)
    # A simultaneous save of the same form (a double click) waits here, then finds the texts
    # the first one left, so that a translation is added once.
    locked(db.session, group)
    before = _snapshot(group)
    group.moderated = moderated
    _apply_texts(group, texts)
    old, new = _changes(before, _snapshot(group))
    if not new:
        db.session.rollback()
        return False
    audit.commit(
        by,
        "group.update",
        group,
        f"Working group {group.slug} changed: {', '.join(sorted(new))}",
        old,
        new,
    )
    return True


def archive_group(group: WorkingGroup, by: User) -> WorkingGroup:
    """The group stays readable but takes no new members."""
    _require_secretariat(by)
    if locked(db.session, group) is None or group.archived_at is not None:
        raise AlreadyArchived()
    group.archived_at = utcnow()
    audit.commit(
        by,
        "group.archive",
        group,
        f"Working group {group.slug} archived",
        {"archived_at": None},
        {"archived_at": group.archived_at},
    )
    return group


def reopen_group(group: WorkingGroup, by: User) -> WorkingGroup:
    """Undo an archiving, unless another group now carries the same priority."""
    _require_secretariat(by)
    if locked(db.session, group) is None or group.archived_at is None:
        raise NotArchived()
    if _priority_taken(group.priority, exclude_id=group.id):
        raise PriorityTaken(
            _(
                "Another working group now carries priority %(n)s, so this one cannot be reopened.",
                n=group.priority,
            )
        )
    before = group.archived_at
    group.archived_at = None
    audit.commit(
        by,
        "group.reopen",
        group,
        f"Working group {group.slug} reopened",
        {"archived_at": before},
        {"archived_at": None},
    )
    return group


def add_organisation(group: WorkingGroup, organisation_id: int, by: User) -> Membership:
    """Add a verified organisation to the group at once (the membership rules decide)."""
    _require_secretariat(by)
    org = db.session.get(Organisation, organisation_id)
    if org is None:
        raise NotFound()
    return membership_rules.add_directly(org, group, by)


def _coordinator_summary(user: User, group: WorkingGroup, side: str) -> dict:
    return {
        "user_id": user.id,
        "email": user.email,
        "organisation_id": user.organisation_id,
        "side": side,
        "group": group.slug,
    }


def appoint_coordinator(group: WorkingGroup, user_id: int, by: User) -> Coordinator:
    """Appoint a person of a member organisation as the co-chair of their side."""
    _require_secretariat(by)
    user = db.session.get(User, user_id)
    if user is None or user.organisation is None or not user.active:
        raise NotOfMember()
    org = user.organisation
    membership = membership_rules.get_membership(org.id, group.id)
    if (
        membership is None
        or membership.status != MembershipStatus.ACTIVE
        or org.status != OrganisationStatus.VERIFIED
    ):
        raise NotOfMember()
    side = org.side.value
    if side not in COORDINATOR_SIDES:
        raise WrongSide()
    chairs = coordinators(group)
    if any(c.user_id == user.id for c in chairs.values()):
        raise AlreadyCoordinator()
    if side in chairs:
        raise SlotTaken(side)
    coordinator = Coordinator(group_id=group.id, user_id=user.id, side=side, appointed_by_id=by.id)
    db.session.add(coordinator)
    # Someone may fill the slot at the same moment: (group, side) is unique.
    with unique_or(lambda: SlotTaken(side)):
        db.session.flush()
    audit.commit(
        by,
        "coordinator.appoint",
        coordinator,
        f"{user.email} appointed co-chair ({side}) of {group.slug}",
        None,
        _coordinator_summary(user, group, side),
    )
    return coordinator


def get_coordinator_or_404(group: WorkingGroup, coordinator_id: int) -> Coordinator:
    return owned_or_404(db.session, Coordinator, coordinator_id, group_id=group.id)


def remove_coordinator(group: WorkingGroup, coordinator: Coordinator, by: User) -> None:
    """The side's slot becomes free again."""
    _require_secretariat(by)
    if locked(db.session, coordinator) is None:
        abort(404)  # removed a moment ago by someone else
    summary = _coordinator_summary(coordinator.user, group, coordinator.side)
    summary["appointed_at"] = coordinator.appointed_at
    audit.record(
        by,
        "coordinator.remove",
        "coordinator",
        coordinator.id,
        f"{coordinator.user.email} removed as co-chair ({coordinator.side}) of {group.slug}",
        summary,
        None,
    )
    db.session.delete(coordinator)
    db.session.commit()
