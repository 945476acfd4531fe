"""A person's rights over their data (GDPR Art. 15–17, 20; Kazakhstan's Law No. 94-V on
Personal Data, Art. 24): see and download it, correct it, delete the account; an
organisation's admin closes the organisation. Each action is one transaction.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from .. import audit, languages, mail_queue
from ..audit import AuditEntry
from ..auth import services as auth_services
from ..auth import standing
from ..auth.models import Role, User
from ..auth.twofactor import WrongPassword
from ..core.models import Organisation
from ..core.vocabulary import OrganisationStatus
from ..database import locked, utcnow
from ..errors import Conflict, NotAllowed, unique_or
from ..extensions import db
from ..groups.models import Meeting, MeetingRegistration
from ..permissions import is_admin_of
from . import records

logger = logging.getLogger(__name__)


class NewEmailTaken(Conflict, field="email"):
    message = _l("An account already uses this email. Use another address.")


class HandOverFirst(Conflict):
    """The only admin of an organisation that still has other people."""

    message = _l(
        "You are the only admin of your organisation, and it has other people. Make one of "
        "them an admin on the People page first; then you can delete your account."
    )


class LastSecretariat(Conflict):
    message = _l(
        "You are the only secretariat account: create another one before deleting this one."
    )


class AlreadyClosed(Conflict):
    message = _l("This organisation is already closed.")


# Consent to the privacy notice ----------------------------------------------------------


def notice_version() -> str:
    return str(current_app.config["PRIVACY_NOTICE_VERSION"])


def needs_consent(user: User) -> bool:
    """A person of an organisation who has not agreed to the current privacy notice. The
    secretariat's staff work under their employer's terms, not on consent."""
    return not user.is_secretariat and user.privacy_notice_version != notice_version()


def record_consent(user: User) -> None:
    """The person agrees to the current notice: when, and which version. The caller commits
    (registration, invitation) or ``agree`` does."""
    user.privacy_consent_at = utcnow()
    user.privacy_notice_version = notice_version()


def agree(user: User) -> None:
    before = {"version": user.privacy_notice_version}
    record_consent(user)
    audit.commit(
        user,
        "user.consent",
        user,
        f"Privacy notice {user.privacy_notice_version} agreed to",
        before,
        {"version": user.privacy_notice_version},
    )


# Download ----------------------------------------------------------------------------


def _rows_referring_to(user: User) -> dict[str, list]:
    """Every row of every table that holds the person's id or email address."""
    found: dict[str, dict[Any, Any]] = {}
    for ref in records.references():
        value = user.id if ref.kind == "user" else user.email
        for obj in db.session.scalars(select(ref.model).where(ref.column == value)):
            found.setdefault(ref.table, {})[db.inspect(obj).identity] = obj
    # Entries of the audit log about them, not only by them.
    for entry in db.session.scalars(
        select(AuditEntry).where(AuditEntry.target_type == "user", AuditEntry.target_id == user.id)
    ):
        found.setdefault(AuditEntry.__tablename__, {})[(entry.id,)] = entry
    return {table: list(rows.values()) for table, rows in sorted(found.items())}


def export(user: User) -> dict[str, Any]:
    """Everything the platform holds about this person, as JSON-ready data."""
    org = user.organisation
    registrations = db.session.scalars(
        select(MeetingRegistration)
        .where(MeetingRegistration.user_id == user.id)
        .order_by(MeetingRegistration.id)
    ).all()
    meetings = {
        m.id: m
        for m in db.session.scalars(
            select(Meeting).where(Meeting.id.in_([r.meeting_id for r in registrations]))
        )
    }
    found = _rows_referring_to(user)
    return {
        "exported_at": records.plain(utcnow()),
        "privacy_notice_version": notice_version(),
        "account": records.row(user),
        "organisation": None
        if org is None
        else {"id": org.id, "name": org.name, "status": org.status.value, "role": user.role.value},
        "notification_preferences": {"group_updates": user.notify_group_updates},
        "language": user.locale,
        "consents": [
            {
                "privacy_notice_version": user.privacy_notice_version,
                "given_at": records.plain(user.privacy_consent_at),
            }
        ]
        if user.privacy_consent_at or user.privacy_notice_version
        else [],
        "meeting_registrations": [
            {
                **records.row(r),
                "meeting": records.row(meetings[r.meeting_id])
                if r.meeting_id in meetings
                else None,
            }
            for r in registrations
        ],
        "audit_entries": [records.row(e) for e in found.get(AuditEntry.__tablename__, [])],
        "records": {table: [records.row(obj) for obj in rows] for table, rows in found.items()},
    }


# Correction --------------------------------------------------------------------------


def update_details(
    user: User, *, full_name: str, email: str, locale: str | None, password: str | None
) -> bool:
    """Correct name, email and language; a new email needs the password and is confirmed
    again by a link sent to it. True if the email changed."""
    email = email.strip().lower()
    email_changed = email != user.email
    if email_changed:
        if not password or not user.check_password(password):
            raise WrongPassword()
        if auth_services.find_by_email(email) is not None:
            raise NewEmailTaken()
    before = {"full_name": user.full_name, "email": user.email, "locale": user.locale}
    user.full_name = full_name
    if email_changed:
        user.email = email
        user.email_confirmed_at = None
    if locale and languages.known(locale):
        user.locale = locale
    audit.record(
        user,
        "user.update",
        "user",
        user.id,
        f"{user.email}: account details corrected",
        before,
        {"full_name": user.full_name, "email": user.email, "locale": user.locale},
    )
    with unique_or(NewEmailTaken):
        db.session.commit()
    if email_changed:
        auth_services.send_confirmation(user)
    return email_changed


# Deletion ----------------------------------------------------------------------------


def pseudonym(user_id: int) -> str:
    """What the audit log says instead of a deleted person's name and email: the same for
    every entry of theirs, and not to be turned back into the person."""
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, f"user:{user_id}".encode(), hashlib.sha256).hexdigest()
    return f"deleted-person-{digest[:12]}"


def _replaced(value: Any, words: list[str], by: str) -> Any:
    if isinstance(value, str):
        for word in words:
            value = value.replace(word, by)
        return value
    if isinstance(value, dict):
        return {k: _replaced(v, words, by) for k, v in value.items()}
    if isinstance(value, list):
        return [_replaced(v, words, by) for v in value]
    return value


def _pseudonymise_audit(user: User, name: str) -> None:
    """The audit log keeps what happened, with a pseudonym for the person."""
    words = [w for w in (user.email, user.full_name) if w]
    linked = or_(
        AuditEntry.actor_id == user.id,
        AuditEntry.actor_email == user.email,
        (AuditEntry.target_type == "user") & (AuditEntry.target_id == user.id),
    )
    mentioned = or_(
        AuditEntry.summary.contains(user.email),
        AuditEntry.summary.contains(user.full_name),
    )
    for entry in db.session.scalars(select(AuditEntry).where(or_(linked, mentioned))):
        if entry.actor_id == user.id or entry.actor_email == user.email:
            entry.actor_id = None
            entry.actor_email = name
        if entry.target_type == "user" and entry.target_id == user.id:
            entry.target_id = None
        entry.summary = _replaced(entry.summary, words, name)[:300]
        entry.before = _replaced(entry.before, words, name)
        entry.after = _replaced(entry.after, words, name)


def _erase(user: User) -> None:
    """Remove every trace of the person: the audit log keeps a pseudonym, shared work
    (announcements, meetings) stays without its author, everything else of theirs goes.
    The caller commits."""
    name = pseudonym(user.id)
    _pseudonymise_audit(user, name)
    for ref in records.references():
        if ref.model is AuditEntry:
            continue
        value = user.id if ref.kind == "user" else user.email
        for obj in db.session.scalars(select(ref.model).where(ref.column == value)):
            if ref.kind == "user" and ref.column.nullable and ref.ondelete == "SET NULL":
                setattr(obj, ref.attribute, None)
            else:
                db.session.delete(obj)
    mail_queue.forget(user.email)
    db.session.flush()
    db.session.delete(user)


def _active_people(org: Organisation, but: User) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .where(User.organisation_id == org.id, User.active.is_(True), User.id != but.id)
            .with_for_update()
        )
    )


def delete_account(user: User, password: str) -> None:
    """The person deletes their own account, after giving their password.

    The only admin of an organisation with other people hands over first (HandOverFirst); the
    last person of an organisation leaves it to the secretariat, flagged "no people left"."""
    if not user.check_password(password):
        raise WrongPassword()
    org = user.organisation
    if user.is_secretariat:
        others = db.session.scalar(
            select(User.id).where(
                User.role == Role.SECRETARIAT, User.active.is_(True), User.id != user.id
            )
        )
        if others is None:
            raise LastSecretariat()
    left_behind = None
    if org is not None:
        people = _active_people(org, user)
        if people and user.is_org_admin and not any(p.is_org_admin for p in people):
            db.session.rollback()
            raise HandOverFirst()
        if not people:
            left_behind = org
    user_id = user.id
    _erase(user)
    audit.record(None, "user.delete", "user", None, f"{pseudonym(user_id)}: account deleted")
    if left_behind is not None and left_behind.status != OrganisationStatus.CLOSED:
        left_behind.no_people_since = utcnow()
        audit.record(
            None,
            "organisation.no_people_left",
            "organisation",
            left_behind.id,
            f"{left_behind.name}: no people left",
        )
    db.session.commit()
    logger.info("Account %s deleted by its owner", user_id)


def settle_no_people(org: Organisation, by: User) -> None:
    """The secretariat has dealt with an organisation whose people all left."""
    if not (by.is_authenticated and by.is_secretariat):
        raise NotAllowed()
    org.no_people_since = None
    audit.commit(by, "organisation.no_people_settled", org, f"{org.name}")


def no_people_left() -> list[Organisation]:
    """Organisations whose last person deleted their account, oldest first."""
    return list(
        db.session.scalars(
            select(Organisation)
            .where(Organisation.no_people_since.is_not(None))
            .order_by(Organisation.no_people_since, Organisation.id)
        )
    )


# Closing an organisation -------------------------------------------------------------


def close_organisation(org: Organisation, by: User, password: str) -> Organisation:
    """An admin closes their organisation: hidden at once, its people signed out, their
    data erased after CLOSURE_GRACE_DAYS (``erase_closed_organisations``)."""
    if not is_admin_of(by, org, correcting=True):
        raise NotAllowed()
    if not by.check_password(password):
        raise WrongPassword()
    if locked(db.session, org) is None or org.status == OrganisationStatus.CLOSED:
        raise AlreadyClosed()
    before = {"status": org.status}
    org.status = OrganisationStatus.CLOSED
    org.closed_at = utcnow()
    audit.record(
        by,
        "organisation.close",
        "organisation",
        org.id,
        f"{org.name}: closed by its admin",
        before,
        {"status": org.status},
    )
    for person in org.users:
        person.notify_group_updates = False
    standing.end_sessions(org.users)
    db.session.commit()
    logger.info("Organisation %s closed by its admin", org.id)
    return org


def erase_closed_organisations(now: datetime | None = None) -> int:
    """Erase the people of organisations closed more than CLOSURE_GRACE_DAYS ago: accounts,
    contact people, invitations. The organisation's name stays, so that what it shared
    (announcements, memberships' history) still says whose it was. Idempotent."""
    now = now or utcnow()
    due_before = now - timedelta(days=current_app.config["CLOSURE_GRACE_DAYS"])
    orgs = db.session.scalars(
        select(Organisation).where(
            Organisation.status == OrganisationStatus.CLOSED,
            Organisation.closed_at <= due_before,
            Organisation.erased_at.is_(None),
        )
    ).all()
    for org in orgs:
        _erase_organisation(org, now)
        db.session.commit()
    return len(orgs)


def _erase_organisation(org: Organisation, now: datetime) -> None:
    from ..contacts.models import Contact
    from ..core.models import AskToJoinRequest, Invitation

    for person in list(org.users):
        _erase(person)
    db.session.flush()
    for model in (Contact, Invitation, AskToJoinRequest):
        for obj in db.session.scalars(select(model).where(model.organisation_id == org.id)):
            db.session.delete(obj)
    org.description = None
    org.website = None
    org.city = None
    org.erased_at = now
    org.no_people_since = None
    audit.record(
        None, "organisation.erase", "organisation", org.id, f"{org.name}: people's data erased"
    )
