"""Signed, time-limited tokens for the links the platform mails."""

from typing import NamedTuple

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from ..errors import DomainError


class LinkRefusals(NamedTuple):
    """What a person who followed a link of one kind is told when it does not work."""

    invalid: str
    expired: str | None = None  # None: the same words as ``invalid``


CONFIRMATION_LINK = LinkRefusals(
    _l("This confirmation link is not valid."), _l("This confirmation link has expired.")
)
ANY_LINK = LinkRefusals(_l("This link is not valid."), _l("This link has expired."))


class InvalidToken(DomainError):
    """The link is malformed, tampered with, expired, or no longer a current one."""

    message = ANY_LINK.invalid

    def __init__(self, message: str | None = None, expired: bool = False):
        super().__init__(message)
        self.expired = expired


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"eukz-{purpose}")


def make(purpose: str, payload: dict) -> str:
    return _serializer(purpose).dumps(payload)


def read(purpose: str, token: str, max_age: int | None, refusals: LinkRefusals = ANY_LINK) -> dict:
    """The payload of a token made for this purpose, or InvalidToken with ``refusals``' words."""
    try:
        payload = _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired as e:
        raise InvalidToken(refusals.expired or refusals.invalid, expired=True) from e
    except BadSignature as e:
        raise InvalidToken(refusals.invalid) from e
    if not isinstance(payload, dict):
        raise InvalidToken(refusals.invalid)
    return payload


def make_for(purpose: str, user) -> str:
    """A token for a mailed link that acts for ``user`` (stopping a kind of mail): it does not
    expire, and dies when their email address changes."""
    return make(purpose, {"user": user.id, "email": user.email})


def user_for(purpose: str, token: str):
    """The person a ``make_for`` token of this purpose was made for, or InvalidToken."""
    from ..extensions import db
    from .models import User

    payload = read(purpose, token, max_age=None)
    user = db.session.get(User, payload.get("user"))
    if user is None or user.email != payload.get("email"):
        raise InvalidToken()
    return user
