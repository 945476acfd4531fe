"""Signed, time-limited tokens for the links the platform mails."""

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer


class InvalidToken(Exception):
    """The link is malformed, tampered with, or expired."""

    def __init__(self, expired: bool = False):
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"eukz-{purpose}")


def make(purpose: str, payload: dict) -> str:
    return _serializer(purpose).dumps(payload)


def read(purpose: str, token: str, max_age: int) -> dict:
    """The payload of a token made for this purpose, or InvalidToken."""
    try:
        payload = _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired as e:
        raise InvalidToken(expired=True) from e
    except BadSignature as e:
        raise InvalidToken() from e
    if not isinstance(payload, dict):
        raise InvalidToken()
    return payload
