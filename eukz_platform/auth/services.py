"""Account actions: each one transaction; mail goes out after the commit."""

from __future__ import annotations

import logging

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from .. import audit, languages, mailing, tasks
from ..core.models import Invitation
from ..database import utcnow
from ..errors import Conflict, DomainError, unique_or
from ..extensions import db
from ..links import site_url
from ..signals import account_reopened
from . import sessions, standing, tokens
from .models import Role, User

logger = logging.getLogger(__name__)

# Compared against when no user has the email, so that both answers take as long.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


RESET_LINK = tokens.LinkRefusals(_l("This reset link is not valid any more. Ask for a new one."))
INVITATION_LINK = tokens.LinkRefusals(
    _l("This invitation is not valid any more. Ask your organisation's admin for a new one.")
)


class LoginRefused(DomainError, status=403, field="password"):
    """Wrong email or password, or an account that may not log in now."""

    def __init__(self, reason: str):
        super().__init__(
            _("The email or password is not right.")
            if reason == "credentials"
            else standing.message(reason)
        )
        self.reason = reason


class EmailTaken(Conflict):
    """Another user already has this email."""

    message = _l("An account already uses this email. Log in instead.")


def find_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email.strip().lower()))


def authenticate(email: str, password: str) -> User:
    """The user with these credentials, if they may log in; LoginRefused otherwise."""
    user = find_by_email(email)
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        raise LoginRefused("credentials")
    if not user.check_password(password):
        raise LoginRefused("credentials")
    check_may_sign_in(user)
    user.last_login_at = utcnow()
    db.session.commit()
    return user


# Email confirmation ---------------------------------------------------------------------


def send_confirmation(user: User) -> bool:
    token = tokens.make("confirm-email", {"uid": user.id, "email": user.email})
    return mailing.send(
        user,
        lambda: _("Confirm your email address"),
        "confirm_email",
        user=user,
        link=site_url("auth.confirm_email", token=token),
    )


def confirm_email(token: str, by: User | None = None) -> User:
    """Mark the email in the token as confirmed; InvalidToken if it is not a current one,
    telling ``by`` (signed in, not yet confirmed) how to get a new one."""
    refusals = tokens.CONFIRMATION_LINK
    if by is not None and by.is_authenticated and not by.email_confirmed:
        hint = _("Use the button above to get a new one.")
        refusals = tokens.LinkRefusals(*(f"{words} {hint}" for words in refusals))
    max_age = current_app.config["EMAIL_CONFIRMATION_MAX_AGE"]
    payload = tokens.read("confirm-email", token, max_age, refusals)
    user = db.session.get(User, payload.get("uid"))
    if user is None or user.email != payload.get("email"):
        raise tokens.InvalidToken(refusals.invalid)
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
        db.session.commit()
    return user


# Password reset -------------------------------------------------------------------------


def _password_fingerprint(user: User) -> str:
    # The reset link stops working once the password has changed: single use.
    return user.password_hash[-16:]


def request_password_reset(email: str) -> None:
    """Mail a reset link if a user has this email; say nothing either way.

    The look-up and the mail happen after the answer (``tasks.run_later``), so that the
    answer takes the same time whether the address has an account or not."""
    tasks.run_later(_send_password_reset, email)


def _send_password_reset(email: str) -> None:
    user = find_by_email(email)
    if user is None or standing.sign_in_refusal(user):
        logger.info("Password reset asked for an unknown address or one that may not sign in")
        return
    # Tied to the address it is mailed to: a new address of the account ends it.
    token = tokens.make(
        "reset-password", {"uid": user.id, "fp": _password_fingerprint(user), "email": user.email}
    )
    mailing.send(
        user,
        lambda: _("Reset your password"),
        "reset_password",
        user=user,
        link=site_url("auth.reset_password", token=token),
        minutes=current_app.config["PASSWORD_RESET_MAX_AGE"] // 60,
    )


def user_for_reset_token(token: str) -> User:
    max_age = current_app.config["PASSWORD_RESET_MAX_AGE"]
    payload = tokens.read("reset-password", token, max_age, RESET_LINK)
    user = db.session.get(User, payload.get("uid"))
    if (
        user is None
        or payload.get("fp") != _password_fingerprint(user)
        or payload.get("email") != user.email
    ):
        raise tokens.InvalidToken(RESET_LINK.invalid)
    return user


def check_may_sign_in(user: User) -> None:
    """LoginRefused if this person may not sign in now (``standing``)."""
    refusal = standing.sign_in_refusal(user)
    if refusal:
        raise LoginRefused(refusal)


def reset_password(token: str, password: str) -> User:
    """Set a new password from a reset link; other sessions of the user end.

    LoginRefused if the person may not sign in now (nothing is changed then)."""
    user = user_for_reset_token(token)
    check_may_sign_in(user)
    user.set_password(password)
    # Following the mailed link proves the address.
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
    db.session.commit()
    return user


# Invitations ----------------------------------------------------------------------------


def invitation_token(invitation: Invitation) -> str:
    return tokens.make("invitation", {"iid": invitation.id, "email": invitation.email})


def invitation_for_token(token: str) -> Invitation:
    max_age = current_app.config["INVITATION_MAX_AGE"]
    payload = tokens.read("invitation", token, max_age, INVITATION_LINK)
    invitation = db.session.get(Invitation, payload.get("iid"))
    if (
        invitation is None
        or invitation.accepted_at is not None
        or invitation.email != payload.get("email")
    ):
        raise tokens.InvalidToken(INVITATION_LINK.invalid)
    return invitation


def check_may_join(invitation: Invitation) -> None:
    """LoginRefused if nobody may join the invitation's organisation now (``standing``)."""
    refusal = standing.joining_refusal(invitation.organisation)
    if refusal:
        raise LoginRefused(refusal)


def logout(user: User) -> None:
    """End this device's session: the session and "remember me" cookies it had stop working.
    The person's other devices stay signed in (``sessions.end_others`` ends them)."""
    sessions.end_current(user)


def accept_invitation(token: str, full_name: str, password: str) -> User:
    """Create the invited colleague's account as a member of the organisation.

    A person removed from another organisation keeps a closed account under their address: it
    is opened again here, as a member of the new organisation, with the name and password
    given now (the invitation reached the address, as a password reset would)."""
    invitation = invitation_for_token(token)
    check_may_join(invitation)
    existing = find_by_email(invitation.email)
    if existing is not None and existing.active:
        raise EmailTaken()
    now = utcnow()
    if existing is None:
        user = User(email=invitation.email)
        db.session.add(user)
    else:
        user = existing
        user.active = True
        user.notify_group_updates = True
        standing.end_sessions([user])
        audit.record(
            user,
            "user.reopen",
            "user",
            user.id,
            f"Account opened again in organisation {invitation.organisation_id}",
            {"organisation_id": user.organisation_id},
            {"organisation_id": invitation.organisation_id},
        )
        account_reopened.send(user)
    user.full_name = full_name
    user.role = Role.MEMBER
    user.organisation_id = invitation.organisation_id
    user.email_confirmed_at = now  # the invitation reached this address
    user.privacy_consent_at = now
    user.privacy_notice_version = current_app.config["PRIVACY_NOTICE_VERSION"]
    user.locale = languages.current()  # the language they joined in: their mail's too
    user.set_password(password)
    invitation.accepted_at = now
    with unique_or(EmailTaken):
        db.session.commit()
    return user


def create_secretariat(email: str, password: str, full_name: str | None = None) -> User:
    """A secretariat account, belonging to no organisation."""
    email = email.strip().lower()
    if find_by_email(email) is not None:
        raise EmailTaken()
    user = User(
        email=email,
        full_name=full_name or email.split("@")[0],
        role=Role.SECRETARIAT,
        organisation_id=None,
        email_confirmed_at=utcnow(),
    )
    user.set_password(password)
    db.session.add(user)
    with unique_or(EmailTaken):
        db.session.commit()
    return user
