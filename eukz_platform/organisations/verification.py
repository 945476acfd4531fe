"""The secretariat's decisions on organisations: verify, reject, suspend, reinstate, merge.

Each action is one transaction, recorded in the audit log before the commit; the
organisation's admins are mailed after it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from .. import audit, mailing
from ..auth import standing
from ..auth.models import User
from ..contacts.models import Contact
from ..core.models import Invitation, Organisation, OrganisationName, name_key
from ..core.vocabulary import STATUS_LABELS, OrganisationStatus
from ..database import locked, utcnow
from ..errors import Conflict, DomainError
from ..extensions import db
from ..groups.models import Membership, MembershipEvent, MembershipStatus
from ..links import site_url
from ..permissions import NotAllowed
from ..signals import organisation_verified
from .services import is_admin_of

logger = logging.getLogger(__name__)

Status = OrganisationStatus

# Filled in from the duplicate when the organisation kept has no value of its own.
MERGED_FIELDS = ("acronym", "city", "website", "description", "registration_number")
PROFILE_FIELDS = (
    "acronym country city type eesc_group website registration_number created_at verified_at"
).split()


class WrongStatus(Conflict):
    """The organisation is not in a status this action applies to."""

    def __init__(self, org: Organisation, message: str | None = None):
        super().__init__(
            message
            or _(
                "%(name)s is %(status)s now: this action no longer applies.",
                name=org.name,
                status=STATUS_LABELS[org.status],
            )
        )


class ReasonRequired(DomainError, status=422, field="reason"):
    """A rejection or suspension needs a reason, which the organisation is told."""

    message = _l("Give the reason: the organisation's admins are told it.")


class SameOrganisation(DomainError):
    """An organisation cannot be merged into itself."""

    message = _l("An organisation cannot be merged into itself.")


def _status_now(org: Organisation) -> Status | None:
    """The organisation's status, read with its row locked: of two decisions taken at the
    same moment, the second finds the first one's result (and is refused). None if it was
    merged into another organisation meanwhile."""
    return None if locked(db.session, org) is None else org.status


def _require_secretariat(by: User) -> None:
    if not (by is not None and by.is_authenticated and by.is_secretariat):
        raise NotAllowed()


def _clean_reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired()
    return reason


def _admins(org: Organisation) -> list[User]:
    return [u for u in org.admins if u.active]


def _change_status(
    org: Organisation, to: Status, by: User, action: str, reason: str | None = None
) -> None:
    before = {"status": org.status, "reason": org.status_reason}
    org.status = to
    org.status_reason = reason
    audit.record(
        by,
        action,
        "organisation",
        org.id,
        f"{org.name}: {before['status'].value} → {to.value}",
        before,
        {"status": to, "reason": reason},
    )


def _notify(org: Organisation, subject: mailing.Subject, template: str, **context) -> None:
    mailing.send(
        _admins(org),
        subject,
        template,
        organisation=org,
        link=site_url("organisations.profile", org_id=org.id),
        **context,
    )


def verify(org: Organisation, by: User) -> Organisation:
    """Verify an organisation awaiting verification; its pending requests to open groups
    become active in the same transaction."""
    _require_secretariat(by)
    if _status_now(org) != Status.PENDING:
        raise WrongStatus(org)
    _change_status(org, Status.VERIFIED, by, "organisation.verify")
    org.verified_at = utcnow()
    organisation_verified.send(org, by=by)  # the working groups react (groups.membership)
    db.session.commit()
    logger.info("Organisation %s verified", org.id)
    _notify(
        org,
        lambda: _(
            "%(name)s is verified on the EU–Kazakhstan Civil Society Platform", name=org.name
        ),
        "organisation_verified",
    )
    return org


def reject(org: Organisation, reason: str, by: User) -> Organisation:
    """Refuse an organisation awaiting verification; its admins are told why."""
    return _decide_with_reason(
        org,
        reason,
        by,
        was=(Status.PENDING,),
        to=Status.REJECTED,
        action="organisation.reject",
        subject=lambda: _("%(name)s was not verified", name=org.name),
        template="organisation_rejected",
    )


def ask_again(org: Organisation, by: User) -> Organisation:
    """An admin of a rejected organisation, having corrected the profile, asks again."""
    if not is_admin_of(by, org, correcting=True):
        raise NotAllowed()
    if _status_now(org) != Status.REJECTED:
        raise WrongStatus(org, _("Only a rejected organisation can ask for verification again."))
    _change_status(org, Status.PENDING, by, "organisation.ask_again")
    db.session.commit()
    return org


def suspend(org: Organisation, reason: str, by: User) -> Organisation:
    """Take an organisation out of the directory; its users can no longer log in."""
    return _decide_with_reason(
        org,
        reason,
        by,
        was=(Status.VERIFIED, Status.PENDING),
        to=Status.SUSPENDED,
        action="organisation.suspend",
        subject=lambda: _("%(name)s is suspended", name=org.name),
        template="organisation_suspended",
    )


def _decide_with_reason(
    org: Organisation,
    reason: str,
    by: User,
    *,
    was: tuple[Status, ...],
    to: Status,
    action: str,
    subject: mailing.Subject,
    template: str,
) -> Organisation:
    """A rejection or a suspension: the reason is required and mailed to the admins."""
    _require_secretariat(by)
    reason = _clean_reason(reason)
    if _status_now(org) not in was:
        raise WrongStatus(org)
    _change_status(org, to, by, action, reason)
    # Its users signed out everywhere at once; a suspended organisation's co-chairs stop
    # acting (groups.membership).
    standing.end_sessions(org.users)
    db.session.commit()
    _notify(org, subject, template, reason=reason)
    return org


def reinstate(org: Organisation, by: User) -> Organisation:
    """Lift a suspension: back to verified if it ever was, else to awaiting verification."""
    _require_secretariat(by)
    if _status_now(org) != Status.SUSPENDED:
        raise WrongStatus(org)
    to = Status.VERIFIED if org.verified_at is not None else Status.PENDING
    _change_status(org, to, by, "organisation.reinstate")
    db.session.commit()
    return org


# Merging duplicates ---------------------------------------------------------------------

# The state a merged membership keeps when both organisations were in the same group.
_RANK = {MembershipStatus.ACTIVE: 2, MembershipStatus.PENDING: 1}


def _better(a: Membership, b: Membership) -> Membership:
    """Active over pending over the rest; among equals, the one changed last."""
    key_a = (_RANK.get(a.status, 0), a.updated_at)
    key_b = (_RANK.get(b.status, 0), b.updated_at)
    return b if key_b > key_a else a


@dataclass
class MembershipOutcome:
    group_title: str
    duplicate_status: MembershipStatus
    kept_status: MembershipStatus | None
    result: MembershipStatus


@dataclass
class MergePlan:
    """What merging ``duplicate`` into ``keep`` moves: shown before, applied after confirming."""

    keep: Organisation
    duplicate: Organisation
    users: list[User] = field(default_factory=list)
    memberships: list[MembershipOutcome] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)
    invitations: list[Invitation] = field(default_factory=list)
    other_names: list[str] = field(default_factory=list)
    filled_fields: dict[str, str] = field(default_factory=dict)
    sectors: list[str] = field(default_factory=list)
    working_languages: list[str] = field(default_factory=list)


def _rows_of(model, org_id: int) -> list:
    return list(
        db.session.scalars(select(model).where(model.organisation_id == org_id).order_by(model.id))
    )


def plan_merge(keep: Organisation, duplicate: Organisation) -> MergePlan:
    """Everything of ``duplicate`` that merging it into ``keep`` moves or adds."""
    if keep.id == duplicate.id:
        raise SameOrganisation()
    plan = MergePlan(keep=keep, duplicate=duplicate)
    plan.users = list(duplicate.users)
    kept_by_group = {m.group_id: m for m in _rows_of(Membership, keep.id)}
    for m in _rows_of(Membership, duplicate.id):
        kept = kept_by_group.get(m.group_id)
        plan.memberships.append(
            MembershipOutcome(
                group_title=m.group.title,
                duplicate_status=m.status,
                kept_status=kept.status if kept else None,
                result=_better(kept, m).status if kept else m.status,
            )
        )
    plan.contacts = _rows_of(Contact, duplicate.id)
    plan.invitations = _rows_of(Invitation, duplicate.id)
    known = {name_key(keep.name)} | {name_key(n.name) for n in keep.other_names}
    for name in [duplicate.name] + [n.name for n in duplicate.other_names]:
        if name_key(name) not in known:
            known.add(name_key(name))
            plan.other_names.append(name)
    for attr in MERGED_FIELDS:
        if not getattr(keep, attr) and getattr(duplicate, attr):
            plan.filled_fields[attr] = getattr(duplicate, attr)
    plan.sectors = sorted(set(duplicate.sectors) - set(keep.sectors))
    plan.working_languages = [
        code for code in duplicate.working_languages if code not in keep.working_languages
    ]
    return plan


def merge(keep: Organisation, duplicate: Organisation, by: User) -> MergePlan:
    """Move the duplicate's users, memberships, contacts, invitations and names to ``keep``,
    fill in what ``keep`` lacks, and delete the duplicate: one transaction."""
    _require_secretariat(by)
    plan = plan_merge(keep, duplicate)
    summary = {
        "duplicate_id": duplicate.id,
        "duplicate_name": duplicate.name,
        "duplicate_status": duplicate.status,
        "users": [u.email for u in plan.users],
        "memberships": [f"{m.group_title}: {m.result.value}" for m in plan.memberships],
        "contacts": [c.name for c in plan.contacts],
        "invitations": [i.email for i in plan.invitations],
        "other_names": plan.other_names,
        "filled_fields": sorted(plan.filled_fields),
        # The duplicate's own profile, which is deleted with it.
        **{f"duplicate_{attr}": getattr(duplicate, attr) for attr in PROFILE_FIELDS},
    }
    before = {attr: getattr(keep, attr) for attr in plan.filled_fields}

    for user in plan.users:
        user.organisation = keep
    _merge_memberships(keep, duplicate, by)
    for contact in plan.contacts:
        contact.organisation_id = keep.id
    for invitation in plan.invitations:
        invitation.organisation_id = keep.id
    language_of = {n.name: n.language for n in duplicate.other_names}
    for name in plan.other_names:
        keep.other_names.append(OrganisationName(name=name, language=language_of.get(name)))
    keep.sectors = sorted({*keep.sectors, *plan.sectors})
    keep.working_languages = [*keep.working_languages, *plan.working_languages]
    if "registration_number" in plan.filled_fields:
        # Unique: freed on the duplicate before the organisation kept takes it.
        duplicate.registration_number = None
        db.session.flush()
    for attr, value in plan.filled_fields.items():
        setattr(keep, attr, value)
    db.session.flush()
    # Everything has moved; what is left of the duplicate is its own profile.
    db.session.expire(duplicate)
    db.session.delete(duplicate)
    audit.commit(
        by,
        "organisation.merge",
        keep,
        f"{summary['duplicate_name']} (#{summary['duplicate_id']}) merged into {keep.name}",
        before,
        {**summary, **plan.filled_fields},
    )
    logger.info("Organisation %s merged into %s", summary["duplicate_id"], keep.id)
    return plan


def _merge_memberships(keep: Organisation, duplicate: Organisation, by: User) -> None:
    kept_by_group = {m.group_id: m for m in _rows_of(Membership, keep.id)}
    for moved in _rows_of(Membership, duplicate.id):
        kept = kept_by_group.get(moved.group_id)
        if kept is None:
            moved.organisation_id = keep.id
            continue
        best = _better(kept, moved)
        for event in list(moved.events):
            event.membership = kept
        if best is moved and moved.status != kept.status:
            kept.events.append(
                MembershipEvent(
                    from_status=kept.status,
                    to_status=moved.status,
                    actor_id=by.id,
                    message=f"Merged from {duplicate.name}",
                )
            )
            kept.status = moved.status
        if not kept.motivation and moved.motivation:
            kept.motivation = moved.motivation
        db.session.flush()
        db.session.delete(moved)
