"""A person's private calendar address: the meetings of their organisation's working groups
and those they registered for, with the online links they may see
(visibility.can_see_meeting_link). The group feeds anyone may subscribe to leave the links out.

The address holds the user's id and a code: HMAC-SHA256 of the user's id and a random key kept
on the account (``User.calendar_key``), keyed with the app's SECRET_KEY. Only that random key
is stored: the database alone gives nobody's address (as a stored hash would not), yet the
person's settings page can show their address again whenever they come back (which a stored
hash could not). The code is compared in constant time (``hmac.compare_digest``), so timing
tells nothing about it. Resetting draws a new key, and the old address answers 404; so does
any address of an account closed, or of a person whose organisation may no longer act
(auth/standing.py). Changing SECRET_KEY changes every address (people copy the new one from
their settings page).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from flask import current_app
from sqlalchemy import or_, select

from .. import visibility
from ..auth import standing
from ..auth.models import User
from ..extensions import db
from ..links import site_url
from .models import Meeting, MeetingRegistration, Membership, MembershipStatus

KEY_BYTES = 32
# Ids are 32-bit integers in the database: a larger one names nobody.
MAX_ID = 2**31 - 1


def _code(user: User) -> str:
    message = f"private-calendar:{user.id}:{user.calendar_key}".encode()
    key = current_app.config["SECRET_KEY"]
    key = key.encode() if isinstance(key, str) else key
    digest = hmac.new(key, message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def may_have_feed(user: User | None) -> bool:
    """A signed-in person whose account and organisation may act (the secretariat too)."""
    return standing.may_act(user)


def token(user: User) -> str | None:
    """The secret part of the user's private address, or None if they have not made one."""
    if not user.calendar_key:
        return None
    return f"{user.id}-{_code(user)}"


def address(user: User) -> str | None:
    """The user's private calendar address, or None if they have not made one."""
    secret = token(user)
    return site_url("groups.private_feed", token=secret) if secret else None


def reset(user: User) -> str:
    """A new address for the user; the old one stops working. Returns the new address."""
    user.calendar_key = secrets.token_urlsafe(KEY_BYTES)
    db.session.commit()
    return address(user)


def user_for(secret: str) -> User | None:
    """The person whose current address holds ``secret``, if they may still have one."""
    user_id, _, code = secret.partition("-")
    if not (user_id.isascii() and user_id.isdigit()) or not code or int(user_id) > MAX_ID:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.calendar_key or not may_have_feed(user):
        return None
    if not hmac.compare_digest(code.encode(), _code(user).encode()):
        return None
    return user


def meetings_of(user: User) -> list[Meeting]:
    """The meetings the private feed holds: every meeting for the secretariat; for others those
    of the groups their organisation is an active member of, and those they registered for
    (or wait for a place at)."""
    query = select(Meeting).order_by(Meeting.starts_at, Meeting.id)
    if not visibility.is_secretariat(user):
        member_groups = select(Membership.group_id).where(
            Membership.organisation_id == user.organisation_id,
            Membership.status == MembershipStatus.ACTIVE,
        )
        registered = select(MeetingRegistration.meeting_id).where(
            MeetingRegistration.user_id == user.id
        )
        query = query.where(or_(Meeting.group_id.in_(member_groups), Meeting.id.in_(registered)))
    return list(db.session.scalars(query))
