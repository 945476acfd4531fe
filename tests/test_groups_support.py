"""Test data for the working group tests: groups, co-chairs, members, meetings."""

from datetime import timedelta

from sqlalchemy import func, select

from eukz_platform.auth.models import Role
from eukz_platform.core.models import Organisation
from eukz_platform.core.vocabulary import OrganisationStatus
from eukz_platform.database import utcnow
from eukz_platform.extensions import db
from eukz_platform.groups.models import (
    Coordinator,
    Meeting,
    MeetingMode,
    Membership,
    MembershipEvent,
    MembershipStatus,
    WorkingGroup,
    WorkingGroupTranslation,
)

from .factories import make_org, make_user

VERIFIED = OrganisationStatus.VERIFIED


def make_group(slug: str = "erasmus", moderated: bool = True, priority: int = 3, **values):
    title = values.pop("title", f"Group {slug}")
    group = WorkingGroup(slug=slug, priority=priority, moderated=moderated, **values)
    group.translations = [
        WorkingGroupTranslation(locale="en", title=title, purpose=f"The purpose of {slug}.")
    ]
    db.session.add(group)
    db.session.commit()
    return group


def make_admin(org=None, **values):
    """An organisation admin; a verified organisation unless one is given."""
    org = org or make_org(status=VERIFIED)
    return make_user(org=org, role=Role.ADMIN, **values)


def make_coordinator(group, side: str = "eu", user=None, **values):
    """A co-chair, as the secretariat appoints them: a user of a member organisation."""
    if user is None:
        org = make_org(status=VERIFIED, country="BE" if side == "eu" else "KZ")
        user = make_user(org=org, **values)
    if not db.session.scalar(
        select(Membership.id).where(
            Membership.organisation_id == user.organisation_id, Membership.group_id == group.id
        )
    ):
        add_member(group, db.session.get(Organisation, user.organisation_id))
    db.session.add(Coordinator(group_id=group.id, user_id=user.id, side=side))
    db.session.commit()
    return user


def add_member(group, org=None, **org_values):
    """An organisation that is an active member of the group."""
    org = org or make_org(**{"status": VERIFIED, **org_values})
    membership = Membership(
        organisation_id=org.id, group_id=group.id, status=MembershipStatus.ACTIVE
    )
    membership.events.append(
        MembershipEvent(from_status=None, to_status=MembershipStatus.ACTIVE, actor_id=None)
    )
    db.session.add(membership)
    db.session.commit()
    return org


def make_meeting(group, days: int = 10, **values):
    starts = values.pop("starts_at", utcnow().replace(microsecond=0) + timedelta(days=days))
    meeting = Meeting(
        group_id=group.id,
        title=values.pop("title", "Kick-off meeting"),
        starts_at=starts,
        ends_at=values.pop("ends_at", starts + timedelta(hours=2)),
        timezone=values.pop("timezone", "Europe/Brussels"),
        mode=values.pop("mode", MeetingMode.IN_PERSON),
        place=values.pop("place", "EESC, Rue Belliard 99, Brussels"),
        **values,
    )
    db.session.add(meeting)
    db.session.commit()
    return meeting


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))
