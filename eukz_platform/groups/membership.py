"""Membership of organisations in working groups: the states of docs/architecture.md,
"Membership states".

- request → pending; an admin may withdraw it → withdrawn
- open group and verified organisation → active at once
- moderated group → a coordinator approves (active) or declines (declined); requests of an
  organisation awaiting verification stay pending and cannot be approved until it is verified;
  once verified, its pending requests to open groups become active
- active → the admin leaves → left
- declined, withdrawn or left → a new request → pending again

Every change is written to the membership's history (who, when, from, to, message), and
each action is one transaction. Mail goes out after the commit. A change reads the state it
starts from with the row locked, so that of simultaneous changes one makes the transition and
the others find it made.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, select
from sqlalchemy.exc import IntegrityError

from .. import audit, mailing
from ..auth import standing
from ..auth.models import User
from ..core.models import Organisation
from ..core.vocabulary import OrganisationStatus
from ..database import locked
from ..errors import Conflict, unique_or
from ..extensions import db
from ..links import site_url
from ..permissions import NotAllowed
from ..signals import account_reopened, organisation_verified
from .models import Coordinator, Membership, MembershipEvent, MembershipStatus, WorkingGroup

Status = MembershipStatus


class InvalidTransition(Conflict, category="info"):
    """The membership is not in a state this action applies to."""


class AlreadyMember(InvalidTransition):
    message = _l("Your organisation is already a member or has a request pending.")


class NoPendingRequest(InvalidTransition):
    message = _l("There is no pending request to withdraw.")


class NotAMember(InvalidTransition):
    message = _l("Your organisation is not a member of this working group.")


class AlreadyDecided(InvalidTransition):
    message = _l("This request has already been decided or withdrawn.")


class NotYetVerified(Conflict, category="warning"):
    """The organisation awaits verification, so its request cannot be approved yet."""

    message = _l(
        "Only verified organisations can be added to a working group. "
        "Verify the organisation first."
    )


class GroupArchived(Conflict):
    """An archived group takes no new members."""

    message = _l("This working group is archived and takes no new members.")


def _is_org_admin(user: User | None, org_id: int) -> bool:
    return bool(
        user is not None
        and user.is_authenticated
        and user.organisation_id == org_id
        and user.is_org_admin
        and standing.may_act(user)
    )


def can_act_for(user: User | None, org_id: int) -> bool:
    """Only the organisation's admins ask to join, withdraw or leave for it."""
    return _is_org_admin(user, org_id)


def acting_coordinators() -> Select:
    """Co-chairs who act and are shown: their account is open, their organisation verified
    and an active member of the group. One who leaves the group, or whose organisation is
    suspended, stops acting at once (and acts again if it comes back)."""
    return (
        select(Coordinator)
        .join(User, User.id == Coordinator.user_id)
        .join(Organisation, Organisation.id == User.organisation_id)
        .join(
            Membership,
            and_(
                Membership.organisation_id == Organisation.id,
                Membership.group_id == Coordinator.group_id,
            ),
        )
        .where(
            User.active.is_(True),
            Organisation.status == OrganisationStatus.VERIFIED,
            Membership.status == Status.ACTIVE,
        )
    )


def is_coordinator(user: User | None, group: WorkingGroup) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return (
        db.session.scalar(
            acting_coordinators()
            .with_only_columns(Coordinator.id)
            .where(Coordinator.group_id == group.id, Coordinator.user_id == user.id)
        )
        is not None
    )


def can_moderate(user: User | None, group: WorkingGroup) -> bool:
    """Coordinators of this group, and the secretariat."""
    return bool(user is not None and user.is_authenticated and user.is_secretariat) or (
        is_coordinator(user, group)
    )


def get_membership(org_id: int, group_id: int, lock: bool = False) -> Membership | None:
    """The organisation's membership of the group; with ``lock``, read afresh with its row
    locked until the transaction ends (see ``database.locked``)."""
    query = select(Membership).where(
        Membership.organisation_id == org_id, Membership.group_id == group_id
    )
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return db.session.scalar(query)


def _status_now(membership: Membership) -> Status | None:
    """The membership's state read afresh with its row locked (database.locked); None if gone."""
    return None if locked(db.session, membership) is None else membership.status


def _transition(
    membership: Membership, to: Status, by: User | None, message: str | None = None
) -> None:
    from_status = membership.status if membership.id is not None else None
    membership.status = to
    membership.events.append(
        MembershipEvent(
            from_status=from_status,
            to_status=to,
            actor_id=getattr(by, "id", None),
            message=message or None,
        )
    )


def _joins_at_once(group: WorkingGroup, org: Organisation) -> bool:
    return not group.moderated and org.status == OrganisationStatus.VERIFIED


def request_membership(
    org: Organisation, group: WorkingGroup, by: User, motivation: str | None = None
) -> Membership:
    """An organisation admin asks to join; open groups accept verified organisations at once."""
    if not _is_org_admin(by, org.id):
        raise NotAllowed()
    if group.archived_at is not None:
        raise GroupArchived()
    if org.status not in (OrganisationStatus.VERIFIED, OrganisationStatus.PENDING):
        raise NotAllowed()
    membership = get_membership(org.id, group.id, lock=True)
    target = Status.ACTIVE if _joins_at_once(group, org) else Status.PENDING
    if membership is None:
        membership = Membership(
            organisation_id=org.id, group_id=group.id, motivation=motivation or None
        )
        membership.status = target
        membership.events.append(
            MembershipEvent(from_status=None, to_status=target, actor_id=by.id, message=None)
        )
        db.session.add(membership)
        try:
            db.session.commit()
        except IntegrityError:
            # A simultaneous request made the row first: one row per organisation and group.
            db.session.rollback()
            existing = get_membership(org.id, group.id)
            if existing is None:
                raise
            return existing
        return membership
    if membership.status in (Status.PENDING, Status.ACTIVE):
        raise AlreadyMember()
    membership.motivation = motivation or None
    _transition(membership, target, by)
    db.session.commit()
    return membership


# What an organisation's admin may do to its own membership: the status it moves to, from
# the one status it must have, and the error raised when it has another (or none).
_OWN_CHANGES = {
    Status.WITHDRAWN: (Status.PENDING, NoPendingRequest),
    Status.LEFT: (Status.ACTIVE, NotAMember),
}


def _change_own(membership: Membership, by: User, target: Status) -> Membership:
    required, error = _OWN_CHANGES[target]
    if not _is_org_admin(by, membership.organisation_id):
        raise NotAllowed()
    if _status_now(membership) != required:
        raise error()
    _transition(membership, target, by)
    db.session.commit()
    return membership


def _change_own_of(org: Organisation, group: WorkingGroup, by: User, target: Status) -> Membership:
    if not _is_org_admin(by, org.id):
        raise NotAllowed()
    membership = get_membership(org.id, group.id)
    if membership is None:
        _, error = _OWN_CHANGES[target]
        raise error()
    return _change_own(membership, by, target)


def withdraw(membership: Membership, by: User) -> Membership:
    return _change_own(membership, by, Status.WITHDRAWN)


def leave(membership: Membership, by: User) -> Membership:
    return _change_own(membership, by, Status.LEFT)


def withdraw_request(org: Organisation, group: WorkingGroup, by: User) -> Membership:
    """An admin withdraws the organisation's pending request to join the group."""
    return _change_own_of(org, group, by, Status.WITHDRAWN)


def leave_group(org: Organisation, group: WorkingGroup, by: User) -> Membership:
    """An admin takes the organisation out of a group it is an active member of."""
    return _change_own_of(org, group, by, Status.LEFT)


def approve(membership: Membership, by: User, message: str | None = None) -> Membership:
    """A coordinator (or the secretariat) accepts a pending request of a verified organisation."""
    if not can_moderate(by, membership.group):
        raise NotAllowed()
    if _status_now(membership) != Status.PENDING:
        raise AlreadyDecided()
    if membership.organisation.status != OrganisationStatus.VERIFIED:
        raise NotYetVerified(
            _(
                "%(org)s awaits verification by the secretariat; its request can be approved "
                "once it is verified.",
                org=membership.organisation.name,
            )
        )
    _transition(membership, Status.ACTIVE, by, message)
    _audit_decision(membership, by, "membership.approve", Status.PENDING)
    db.session.commit()
    notify_decision(membership, message)
    return membership


def decline(membership: Membership, by: User, message: str | None = None) -> Membership:
    if not can_moderate(by, membership.group):
        raise NotAllowed()
    if _status_now(membership) != Status.PENDING:
        raise AlreadyDecided()
    _transition(membership, Status.DECLINED, by, message)
    _audit_decision(membership, by, "membership.decline", Status.PENDING)
    db.session.commit()
    notify_decision(membership, message)
    return membership


def add_directly(org: Organisation, group: WorkingGroup, by: User) -> Membership:
    """The secretariat adds a verified organisation to a group."""
    if not (by.is_authenticated and by.is_secretariat):
        raise NotAllowed()
    if group.archived_at is not None:
        raise GroupArchived()
    if org.status != OrganisationStatus.VERIFIED:
        raise NotYetVerified()
    membership = get_membership(org.id, group.id, lock=True)
    before = membership.status if membership else None
    if membership is None:
        membership = Membership(organisation_id=org.id, group_id=group.id)
        membership.status = Status.ACTIVE
        membership.events.append(
            MembershipEvent(from_status=None, to_status=Status.ACTIVE, actor_id=by.id, message=None)
        )
        db.session.add(membership)
    elif membership.status == Status.ACTIVE:
        raise AlreadyMember(_("This organisation is already a member of the group."))
    else:
        _transition(membership, Status.ACTIVE, by)
    # A simultaneous addition or request may make the row first.
    with unique_or(lambda: AlreadyMember(_("This organisation is already a member of the group."))):
        db.session.flush()
    audit.commit(
        by,
        "membership.add",
        membership,
        f"{org.name} added to {group.slug}",
        {"status": before},
        {"status": Status.ACTIVE},
    )
    return membership


@organisation_verified.connect
def on_organisation_verified(org: Organisation, by: User | None) -> int:
    """Move the pending requests of a newly verified organisation on; the caller commits."""
    moved = 0
    pending = db.session.scalars(
        select(Membership)
        .join(WorkingGroup, Membership.group_id == WorkingGroup.id)
        .where(
            Membership.organisation_id == org.id,
            Membership.status == Status.PENDING,
            WorkingGroup.moderated.is_(False),
            WorkingGroup.archived_at.is_(None),
        )
    ).all()
    for membership in pending:
        _transition(membership, Status.ACTIVE, by, None)
        moved += 1
    return moved


@account_reopened.connect
def on_account_reopened(user: User) -> None:
    """A person removed from an organisation joins another: the co-chair roles they held stay
    with the organisation they left (the secretariat appoints someone else). The caller
    commits."""
    for chair in db.session.scalars(select(Coordinator).where(Coordinator.user_id == user.id)):
        audit.record(
            user,
            "coordinator.remove",
            "coordinator",
            chair.id,
            f"Co-chair of group {chair.group_id} no longer: joined another organisation",
            {"user_id": user.id, "side": chair.side},
        )
        db.session.delete(chair)


def _audit_decision(membership: Membership, by: User, action: str, before: Status) -> None:
    db.session.flush()
    audit.record(
        by,
        action,
        "membership",
        membership.id,
        f"{membership.organisation.name} in {membership.group.slug}: {membership.status.value}",
        {"status": before},
        {"status": membership.status},
    )


def notify_decision(membership: Membership, message: str | None) -> None:
    """Mail the organisation's admins; a mail failure is logged and changes nothing."""
    admins = [u for u in membership.organisation.admins if u.active]
    approved = membership.status == Status.ACTIVE
    group = membership.group
    mailing.send(
        admins,
        (lambda: _("Your request to join “%(group)s” was approved", group=group.title))
        if approved
        else (lambda: _("Your request to join “%(group)s” was declined", group=group.title)),
        "membership_decision",
        membership=membership,
        approved=approved,
        message=message,
        link=site_url("groups.detail", slug=membership.group.slug),
    )
