"""Organisation actions: registration, profile edits, invitations, admin roles.

Each action is one transaction. Uniqueness is checked first, for clear messages, and
enforced again by the database's unique constraints, so two simultaneous identical
registrations leave exactly one organisation.
"""

from __future__ import annotations

from flask import abort, current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from .. import audit, languages, mailing, visibility
from ..auth import services as auth_services
from ..auth import standing
from ..auth.models import Role, User
from ..contacts.models import Contact
from ..core.models import (
    ConfirmationState,
    Invitation,
    Organisation,
    OrganisationName,
    name_key,
    name_skeleton,
)
from ..core.name_keys import same_name
from ..database import locked, owned_or_404, utcnow
from ..errors import Conflict, unique_or
from ..extensions import db
from ..links import site_url
from ..permissions import NotAllowed, is_admin_of, require_admin

TAKEN_MESSAGES = {
    "name": _l("An organisation with this name is already registered."),
    "registration_number": _l(
        "An organisation with this registration number is already registered."
    ),
}


class Taken(Conflict):
    """Values another organisation or user already has; ``fields`` names them."""

    def __init__(self, fields: set[str]):
        super().__init__()
        self.fields = fields

    @property
    def message(self) -> str:
        return " ".join(str(TAKEN_MESSAGES[name]) for name in sorted(self.fields))

    def field_errors(self) -> dict[str, list[str]]:
        return {name: [str(TAKEN_MESSAGES[name])] for name in self.fields}


class LastAdmin(Conflict):
    """The organisation would be left without an admin."""

    message = _l("An organisation always needs at least one admin: make someone else admin first.")


class AlreadyUser(Conflict, field="email"):
    """The invited address already has an account."""

    message = _l("Someone already has an account with this email.")


def get_or_404(org_id: int) -> Organisation:
    org = db.session.get(Organisation, org_id)
    if org is None:
        abort(404)
    return org


def _taken(data: dict, exclude_id: int | None = None) -> set[str]:
    """The fields whose values are already registered by someone else."""
    fields = set()
    same_name = select(Organisation.id).where(
        or_(
            Organisation.name_key == name_key(data["name"]),
            Organisation.name_skeleton == name_skeleton(data["name"]),
        )
    )
    if exclude_id is not None:
        same_name = same_name.where(Organisation.id != exclude_id)
    if db.session.scalar(same_name) is not None:
        fields.add("name")
    number = data.get("registration_number")
    if number:
        same_number = select(Organisation.id).where(Organisation.registration_number == number)
        if exclude_id is not None:
            same_number = same_number.where(Organisation.id != exclude_id)
        if db.session.scalar(same_number) is not None:
            fields.add("registration_number")
    return fields


def _apply_profile(org: Organisation, data: dict) -> None:
    for key in (
        "name acronym country city type eesc_group website description registration_number"
    ).split():
        setattr(org, key, data[key])
    # A region is Kazakhstan's: none elsewhere.
    org.region = data.get("region") if data["country"] == "KZ" else None
    org.sectors = data.get("sectors") or []
    org.working_languages = list(data.get("working_languages") or [])


def register(data: dict, full_name: str, email: str, password: str) -> User | None:
    """Create the organisation, awaiting verification, and its first admin; mail the link.

    An address that already has an account registers nothing: its owner is told by mail
    that someone tried (None is returned), and the person registering sees the same answer
    as for a new address, so that the form does not tell who has an account."""
    email = email.strip().lower()
    taken = _taken(data)
    if taken:
        raise Taken(taken)
    owner = auth_services.find_by_email(email)
    if owner is not None:
        User().set_password(password)  # as long as making a new account takes
        _tell_owner_of_attempt(owner)
        return None
    org = Organisation()
    _apply_profile(org, data)
    now = utcnow()
    user = User(
        email=email,
        full_name=full_name,
        role=Role.ADMIN,
        organisation=org,
        privacy_consent_at=now,
        privacy_notice_version=current_app.config["PRIVACY_NOTICE_VERSION"],
        locale=languages.current(),  # the language they registered in: their mail's too
    )
    user.set_password(password)
    db.session.add_all([org, user])
    try:
        db.session.commit()
    except IntegrityError as e:
        db.session.rollback()
        taken = _taken(data)
        if not taken and auth_services.find_by_email(email) is not None:
            # The address was taken meanwhile: the same answer as above.
            _tell_owner_of_attempt(auth_services.find_by_email(email))
            return None
        raise Taken(taken or {"name"}) from e
    auth_services.send_confirmation(user)
    return user


def _tell_owner_of_attempt(owner: User) -> None:
    """Mail the owner of an address that someone tried to register an organisation with."""
    mailing.send(
        owner,
        lambda: _("Someone tried to register with your email address"),
        "registration_attempt",
        user=owner,
        login_link=site_url("auth.login"),
        reset_link=site_url("auth.forgot_password"),
    )


def update_profile(org: Organisation, data: dict, by: User) -> Organisation:
    """An admin of the organisation (or the secretariat) changes its profile."""
    require_admin(org, by, correcting=True)
    taken = _taken(data, exclude_id=org.id)
    if taken:
        raise Taken(taken)
    _apply_profile(org, data)
    if is_admin_of(by, org):  # an admin saving the profile confirms it
        mark_confirmed(org)
    with unique_or(lambda: Taken(_taken(data, exclude_id=org.id) or {"name"})):
        db.session.commit()
    return org


def can_see_people(user: User | None, org: Organisation) -> bool:
    """The list of an organisation's users: its own users and the secretariat."""
    return bool(
        user is not None
        and user.is_authenticated
        and (user.organisation_id == org.id or user.is_secretariat)
    )


def pending_invitations(org: Organisation) -> list[Invitation]:
    return list(
        db.session.scalars(
            select(Invitation)
            .where(Invitation.organisation_id == org.id, Invitation.accepted_at.is_(None))
            .order_by(Invitation.created_at.desc())
        )
    )


def invite(org: Organisation, email: str, by: User) -> Invitation:
    """Invite a colleague by email; a repeated invitation is sent again."""
    require_admin(org, by)
    email = email.strip().lower()
    owner = auth_services.find_by_email(email)
    # A closed account (removed from another organisation) may be invited: accepting opens it
    # again here (auth.services.accept_invitation).
    if owner is not None and owner.active:
        raise AlreadyUser()
    # The same invitation sent twice at once (a double click) waits here for the first, then
    # finds it and sends it again.
    locked(db.session, org)
    invitation = db.session.scalar(
        select(Invitation).where(
            Invitation.organisation_id == org.id,
            Invitation.email == email,
            Invitation.accepted_at.is_(None),
        )
    )
    if invitation is None:
        invitation = Invitation(organisation_id=org.id, email=email, invited_by_id=by.id)
        db.session.add(invitation)
    else:
        invitation.created_at = utcnow()
        invitation.invited_by_id = by.id
    db.session.commit()
    mailing.send(
        email,
        lambda: _(
            "%(name)s invites you to the EU–Kazakhstan Civil Society Platform", name=by.full_name
        ),
        "invitation",
        organisation=org,
        inviter=by,
        link=site_url(
            "auth.accept_invitation",
            token=auth_services.invitation_token(invitation),
        ),
    )
    return invitation


def set_role(org: Organisation, user_id: int, role: str, by: User) -> User:
    """Make a colleague an admin or a member; there is always at least one admin."""
    require_admin(org, by)
    colleague = owned_or_404(db.session, User, user_id, organisation_id=org.id)
    new_role = Role(role)
    if new_role not in (Role.ADMIN, Role.MEMBER):
        raise NotAllowed()
    if colleague.role == Role.ADMIN and new_role == Role.MEMBER:
        if len(_locked_admin_ids(org)) <= 1:
            db.session.rollback()
            raise LastAdmin()
    colleague.role = new_role
    db.session.commit()
    return colleague


def _locked_admin_ids(org: Organisation) -> list[int]:
    """The organisation's active admins, locked until the commit, so that two admins acting
    on each other at once cannot leave it without one."""
    return db.session.scalars(
        select(User.id)
        .where(User.organisation_id == org.id, User.role == Role.ADMIN, User.active.is_(True))
        .with_for_update()
    ).all()


def remove_colleague(org: Organisation, user_id: int, by: User) -> User:
    """Take a person out of the organisation: their account is closed and every session of
    theirs ends at once. There is always at least one admin."""
    require_admin(org, by)
    colleague = db.session.get(User, user_id)
    if colleague is None or colleague.organisation_id != org.id or not colleague.active:
        abort(404)
    if colleague.role == Role.ADMIN and len(_locked_admin_ids(org)) <= 1:
        db.session.rollback()
        raise LastAdmin()
    audit.record(
        by,
        "user.remove",
        "user",
        colleague.id,
        f"{colleague.email} removed from {org.name}",
        {"active": True, "role": colleague.role},
        {"active": False, "role": Role.MEMBER},
    )
    colleague.active = False
    colleague.role = Role.MEMBER
    colleague.notify_group_updates = False
    standing.end_sessions([colleague])
    db.session.commit()
    return colleague


# The annual confirmation (housekeeping.py reminds, flags and hides) ---------------------


def mark_confirmed(org: Organisation) -> None:
    """The profile is confirmed now: the yearly cycle starts again. The caller commits."""
    org.profile_confirmed_at = utcnow()
    org.confirmation_reminded_at = None
    org.confirmation_state = ConfirmationState.CURRENT


def confirm_profile(org: Organisation, by: User) -> Organisation:
    """An admin of the organisation confirms that its profile is up to date."""
    if not is_admin_of(by, org):
        raise NotAllowed()
    before = org.confirmation_state
    mark_confirmed(org)
    audit.commit(
        by,
        "organisation.confirm_profile",
        org,
        f"{org.name}: profile confirmed",
        {"confirmation_state": before},
        {"confirmation_state": org.confirmation_state},
    )
    return org


# Names in other languages and scripts, and the contact people a viewer sees -----------


class NameTaken(Conflict, field="name"):
    """The organisation already has this name, as its own or as another name."""

    message = _l("The organisation already has this name.")


def add_other_name(org: Organisation, name: str, language: str | None, by: User):
    """Record the organisation's name in another language or script."""
    require_admin(org, by)
    if any(same_name(name, known) for known in (org.name, *(n.name for n in org.other_names))):
        raise NameTaken()
    other = OrganisationName(organisation_id=org.id, name=name, language=language or None)
    db.session.add(other)
    with unique_or(NameTaken):
        db.session.flush()
    audit.commit(
        by,
        "organisation.other_name_add",
        org,
        f"Added the other name {name} to {org.name}",
        after={"name": name, "language": language or None},
    )
    return other


def remove_other_name(org: Organisation, other: OrganisationName, by: User) -> None:
    require_admin(org, by)
    audit.record(
        by,
        "organisation.other_name_remove",
        "organisation",
        org.id,
        f"Removed the other name {other.name} from {org.name}",
        before={"name": other.name, "language": other.language},
    )
    db.session.delete(other)
    db.session.commit()


def visible_contacts_of(org: Organisation, viewer) -> list[Contact]:
    """The organisation's contact people the viewer may see, by name."""
    return list(
        db.session.scalars(
            select(Contact)
            .where(Contact.organisation_id == org.id, visibility.visible_contacts(viewer))
            .order_by(Contact.name, Contact.id)
        )
    )
