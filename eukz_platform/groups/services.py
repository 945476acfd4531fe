"""Reading working groups: the overview, a group's page, an organisation's memberships.

Each page loads what it shows in a fixed number of queries, however many members a group
has: lists are fetched whole with their related rows (joins or ``selectinload``), never
one query per member.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from flask import abort
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from .. import visibility
from ..auth.models import User
from ..contacts.models import Contact
from ..core.models import Organisation
from ..core.vocabulary import Side
from ..database import owned_or_404, utcnow
from ..extensions import db
from .membership import NotAllowed, acting_coordinators, can_moderate
from .models import (
    Announcement,
    Coordinator,
    Meeting,
    MeetingRegistration,
    Membership,
    MembershipStatus,
    RegistrationStatus,
    WorkingGroup,
)

STATUS_LABELS = {
    MembershipStatus.PENDING: _l("Request pending"),
    MembershipStatus.ACTIVE: _l("Member"),
    MembershipStatus.DECLINED: _l("Request declined"),
    MembershipStatus.WITHDRAWN: _l("Request withdrawn"),
    MembershipStatus.LEFT: _l("Left the group"),
}
# ECL label variants; the text above carries the meaning.
STATUS_VARIANTS = {
    MembershipStatus.PENDING: "high",
    MembershipStatus.ACTIVE: "low",
    MembershipStatus.DECLINED: "medium",
    MembershipStatus.WITHDRAWN: "medium",
    MembershipStatus.LEFT: "medium",
}
SIDE_ORDER = (Side.EU, Side.KAZAKHSTAN, Side.OTHER)
COORDINATOR_LABELS = {"eu": _l("EU co-chair"), "kz": _l("Kazakhstan co-chair")}


def list_groups(include_archived: bool = True) -> list[WorkingGroup]:
    """Every working group in the Action Plan's order; texts loaded in one more query."""
    query = select(WorkingGroup).order_by(WorkingGroup.priority, WorkingGroup.id)
    if not include_archived:
        query = query.where(WorkingGroup.archived_at.is_(None))
    return list(db.session.scalars(query))


def get_by_slug_or_404(slug: str) -> WorkingGroup:
    group = db.session.scalar(select(WorkingGroup).where(WorkingGroup.slug == slug))
    if group is None:
        abort(404)
    return group


@dataclass
class GroupSummary:
    """A group with its co-chairs and how many member organisations it has per side."""

    group: WorkingGroup
    coordinators: list[Coordinator]
    members_by_side: dict[Side, int]

    @property
    def member_count(self) -> int:
        return sum(self.members_by_side.values())


def coordinators_by_group(group_ids: list[int]) -> dict[int, list[Coordinator]]:
    """The co-chairs of these groups with their user and organisation, EU side first."""
    found: dict[int, list[Coordinator]] = defaultdict(list)
    if not group_ids:
        return found
    rows = db.session.scalars(
        acting_coordinators()
        .where(Coordinator.group_id.in_(group_ids))
        # The user and organisation come from the joins that decide who acts.
        .options(contains_eager(Coordinator.user).contains_eager(User.organisation))
        .order_by(Coordinator.group_id, Coordinator.side)
    )
    for coordinator in rows:
        found[coordinator.group_id].append(coordinator)
    return found


def _member_clause(viewer):
    """Active memberships of organisations the viewer may see, unless hidden from them."""
    return (
        (Membership.status == MembershipStatus.ACTIVE)
        & visibility.visible_organisations(viewer)
        & visibility.visible_memberships(viewer)
    )


def members_by_side(group_ids: list[int], viewer) -> dict[int, dict[Side, int]]:
    """Per group, the number of member organisations of each side (every side present)."""
    counts = {gid: dict.fromkeys(SIDE_ORDER, 0) for gid in group_ids}
    if not group_ids:
        return counts
    rows = db.session.execute(
        select(Membership.group_id, Organisation.side, func.count(Membership.id))
        .join(Organisation, Membership.organisation_id == Organisation.id)
        .where(Membership.group_id.in_(group_ids), _member_clause(viewer))
        .group_by(Membership.group_id, Organisation.side)
    )
    for group_id, side, n in rows:
        counts[group_id][Side(side)] = n
    return counts


def overview(viewer) -> list[GroupSummary]:
    """Every group for the working groups page, in four queries."""
    groups = list_groups()
    ids = [g.id for g in groups]
    coordinators = coordinators_by_group(ids)
    counts = members_by_side(ids, viewer)
    return [GroupSummary(g, coordinators.get(g.id, []), counts[g.id]) for g in groups]


@dataclass
class MeetingInfo:
    """A meeting with its numbers of registrations and the viewer's own registration."""

    meeting: Meeting
    registered: int = 0
    waiting: int = 0
    mine: MeetingRegistration | None = None
    # The viewer may see its online link (visibility.can_see_meeting_link).
    show_link: bool = False

    @property
    def is_full(self) -> bool:
        capacity = self.meeting.capacity
        return capacity is not None and self.registered >= capacity


@dataclass
class GroupPage:
    group: WorkingGroup
    coordinators: list[Coordinator]
    members: list[Organisation]
    contacts: dict[int, list[Contact]]
    announcements: list[Announcement]
    upcoming: list[MeetingInfo]
    past: list[MeetingInfo]
    own_membership: Membership | None = None
    can_moderate: bool = False
    pending_count: int = 0
    members_by_side: dict[Side, int] = field(default_factory=dict)


def meeting_infos(meetings: list[Meeting], viewer) -> list[MeetingInfo]:
    """Meetings with their registration numbers, in two queries for any number."""
    infos = {m.id: MeetingInfo(m) for m in meetings}
    if not infos:
        return []
    rows = db.session.execute(
        select(
            MeetingRegistration.meeting_id,
            MeetingRegistration.status,
            func.count(MeetingRegistration.id),
        )
        .where(MeetingRegistration.meeting_id.in_(infos))
        .group_by(MeetingRegistration.meeting_id, MeetingRegistration.status)
    )
    for meeting_id, status, n in rows:
        if RegistrationStatus(status) == RegistrationStatus.REGISTERED:
            infos[meeting_id].registered = n
        else:
            infos[meeting_id].waiting = n
    if viewer is not None and viewer.is_authenticated:
        mine = db.session.scalars(
            select(MeetingRegistration).where(
                MeetingRegistration.meeting_id.in_(infos),
                MeetingRegistration.user_id == viewer.id,
            )
        )
        for registration in mine:
            infos[registration.meeting_id].mine = registration
    shown = meetings_with_link(meetings, viewer)
    for meeting_id in shown:
        infos[meeting_id].show_link = True
    return [infos[m.id] for m in meetings]


def meetings_with_link(meetings: list[Meeting], viewer) -> set[int]:
    """Ids of the meetings whose online link the viewer may see, in two queries for any
    number: what ties the viewer to each (an active membership of its organisation in the
    meeting's group, a place among the registered) is read here, the rule is
    visibility.can_see_meeting_link's."""
    if not meetings or viewer is None or not viewer.is_authenticated:
        return set()
    member_of: set[int] = set()
    if viewer.organisation_id:
        member_of = set(
            db.session.scalars(
                select(Membership.group_id).where(
                    Membership.organisation_id == viewer.organisation_id,
                    Membership.group_id.in_({m.group_id for m in meetings}),
                    Membership.status == MembershipStatus.ACTIVE,
                )
            )
        )
    registered = set(
        db.session.scalars(
            select(MeetingRegistration.meeting_id).where(
                MeetingRegistration.meeting_id.in_([m.id for m in meetings]),
                MeetingRegistration.user_id == viewer.id,
                MeetingRegistration.status == RegistrationStatus.REGISTERED,
            )
        )
    )
    return {
        m.id
        for m in meetings
        if visibility.can_see_meeting_link(
            viewer, group_member=m.group_id in member_of, registered=m.id in registered
        )
    }


def member_organisations(group: WorkingGroup, viewer) -> list[Organisation]:
    """The group's active member organisations the viewer may see, by name."""
    return list(
        db.session.scalars(
            select(Organisation)
            .join(Membership, Membership.organisation_id == Organisation.id)
            .where(Membership.group_id == group.id, _member_clause(viewer))
            .order_by(Organisation.name_key, Organisation.id)
        )
    )


def contacts_of(org_ids: list[int], viewer) -> dict[int, list[Contact]]:
    """The contacts of these organisations that the viewer may see, in one query."""
    found: dict[int, list[Contact]] = defaultdict(list)
    if not org_ids:
        return found
    rows = db.session.scalars(
        select(Contact)
        .where(Contact.organisation_id.in_(org_ids), visibility.visible_contacts(viewer))
        .order_by(Contact.name, Contact.id)
    )
    for contact in rows:
        found[contact.organisation_id].append(contact)
    return found


def group_page(group: WorkingGroup, viewer) -> GroupPage:
    """Everything the group's page shows, in a number of queries that does not grow with it."""
    members = member_organisations(group, viewer)
    by_side = dict.fromkeys(SIDE_ORDER, 0)
    for org in members:
        by_side[org.side] += 1
    meetings = list(
        db.session.scalars(
            select(Meeting)
            .where(Meeting.group_id == group.id)
            .order_by(Meeting.starts_at, Meeting.id)
        )
    )
    now = utcnow()
    infos = meeting_infos(meetings, viewer)
    page = GroupPage(
        group=group,
        coordinators=coordinators_by_group([group.id]).get(group.id, []),
        members=members,
        contacts=contacts_of([o.id for o in members], viewer),
        announcements=list(
            db.session.scalars(
                select(Announcement)
                .where(Announcement.group_id == group.id)
                .order_by(Announcement.created_at.desc(), Announcement.id.desc())
            )
        ),
        upcoming=[i for i in infos if i.meeting.ends_at >= now],
        past=[i for i in reversed(infos) if i.meeting.ends_at < now],
        members_by_side=by_side,
    )
    if viewer is not None and viewer.is_authenticated:
        if viewer.organisation_id:
            page.own_membership = db.session.scalar(
                select(Membership)
                .where(
                    Membership.organisation_id == viewer.organisation_id,
                    Membership.group_id == group.id,
                )
                .options(selectinload(Membership.events))
            )
        page.can_moderate = can_moderate(viewer, group)
        if page.can_moderate:
            page.pending_count = db.session.scalar(
                select(func.count(Membership.id))
                .join(Organisation, Membership.organisation_id == Organisation.id)
                .where(
                    Membership.group_id == group.id,
                    Membership.status == MembershipStatus.PENDING,
                    visibility.visible_requests(viewer),
                )
            )
    return page


def pending_requests(group: WorkingGroup, by: User) -> list[Membership]:
    """The group's pending requests, oldest first, for its coordinators and the secretariat."""
    if not can_moderate(by, group):
        raise NotAllowed()
    return list(
        db.session.scalars(
            select(Membership)
            .join(Organisation, Membership.organisation_id == Organisation.id)
            .where(
                Membership.group_id == group.id,
                Membership.status == MembershipStatus.PENDING,
                visibility.visible_requests(by),
            )
            .options(contains_eager(Membership.organisation))
            .order_by(Membership.updated_at, Membership.id)
        )
    )


def membership_of(group: WorkingGroup, membership_id: int) -> Membership:
    """A membership of this group, or 404."""
    return owned_or_404(db.session, Membership, membership_id, group_id=group.id)


def organisation_memberships(org: Organisation, viewer) -> list[Membership]:
    """The organisation's memberships: every state for its own people and the secretariat,
    only the active ones (the public membership list) for everyone else; none to those
    from whom the organisation hides them."""
    if not visibility.can_see_memberships(viewer, org):
        return []
    query = (
        select(Membership)
        .join(WorkingGroup, Membership.group_id == WorkingGroup.id)
        .where(Membership.organisation_id == org.id)
        .options(joinedload(Membership.group))
        .order_by(WorkingGroup.priority, WorkingGroup.id)
    )
    if not (visibility.is_secretariat(viewer) or visibility.is_own_organisation(viewer, org.id)):
        query = query.where(Membership.status == MembershipStatus.ACTIVE)
    return list(db.session.scalars(query).unique())


def groups_of_user(user: User) -> list[WorkingGroup]:
    """The groups the user's organisation is an active member of."""
    if not user.organisation_id:
        return []
    return list(
        db.session.scalars(
            select(WorkingGroup)
            .join(Membership, Membership.group_id == WorkingGroup.id)
            .where(
                Membership.organisation_id == user.organisation_id,
                Membership.status == MembershipStatus.ACTIVE,
            )
            .order_by(WorkingGroup.priority, WorkingGroup.id)
        )
    )
