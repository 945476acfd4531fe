"""Signed-in sessions: one record per device a person signed in on, which the user loader
checks on every request.

The session and "remember me" cookies carry a random key whose hash names the record. A
session ends when its record is deleted (logging out, "sign out" on the list of devices) or when
the person's ``session_token`` is rotated (a new password, suspension, removal:
``standing.end_sessions``): a record counts only while it holds the token it began with. A
record not seen for as long as a "remember me" cookie lives has ended too.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import lru_cache

from flask import current_app, g, request
from flask_login import current_user, login_user
from sqlalchemy import (
    Boolean,
    ColumnElement,
    String,
    bindparam,
    delete,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Mapped, joinedload, mapped_column, relationship

from ..database import UTCDateTime, before_the_transaction, belongs_to, utcnow
from ..errors import NotFound
from ..extensions import db
from . import standing, twofactor
from .models import User


class UserSession(db.Model):
    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = belongs_to("user.id")
    # SHA-256 of the key in the cookies: the table alone signs nobody in.
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The user's session_token when the session began; another one now ends the session.
    generation: Mapped[str] = mapped_column(String(64))
    remember: Mapped[bool] = mapped_column(Boolean, default=False)
    # What the device's User-Agent says, for the person's list ("Firefox 128", "Windows 10").
    browser: Mapped[str] = mapped_column(String(100), default="")
    system: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def lifetime() -> timedelta:
    """How long a session lasts unseen: as long as a "remember me" cookie."""
    duration = current_app.config["REMEMBER_COOKIE_DURATION"]
    return duration if isinstance(duration, timedelta) else timedelta(seconds=int(duration))


@lru_cache(maxsize=256)
def describe(user_agent: str) -> tuple[str, str]:
    """The browser and the operating system a User-Agent names ("Chrome 120", "Linux")."""
    from ua_parser import parse

    if not user_agent:
        return "", ""
    result = parse(user_agent[:1000])
    browser = system = ""
    if result.user_agent and result.user_agent.family != "Other":
        ua = result.user_agent
        browser = f"{ua.family} {ua.major}" if ua.major else ua.family
    if result.os and result.os.family != "Other":
        os_ = result.os
        system = f"{os_.family} {os_.major}" if os_.major else os_.family
    return browser[:100], system[:100]


def _current(user: User):
    """The clause of the records of ``user`` that still sign in."""
    return (
        (UserSession.user_id == user.id)
        & (UserSession.generation == user.session_token)
        & (UserSession.last_seen_at >= utcnow() - lifetime())
    )


def record(user: User, remember: bool = False, user_agent: str = "") -> tuple[str, UserSession]:
    """A new session of ``user``, committed: the key its cookies carry, and its record."""
    key = secrets.token_urlsafe(32)
    browser, system = describe(user_agent)
    now = utcnow()
    # The person's ended sessions are forgotten as a new one begins.
    db.session.execute(
        delete(UserSession).where(
            UserSession.user_id == user.id,
            or_(
                UserSession.generation != user.session_token,
                UserSession.last_seen_at < now - lifetime(),
            ),
        )
    )
    session = UserSession(
        user_id=user.id,
        key_hash=_hash(key),
        generation=user.session_token,
        remember=bool(remember),
        browser=browser,
        system=system,
        created_at=now,
        last_seen_at=now,
    )
    db.session.add(session)
    db.session.commit()
    return key, session


def begin(user: User, remember: bool = False) -> UserSession:
    """Sign ``user`` in on this device: a new session record, and Flask-Login's cookies.

    Only after every factor the person set up has been checked (auth/twofactor.py)."""
    key, session = record(user, remember, request.user_agent.string or "")
    user.session_key, user.session_id = key, session.id
    login_user(user, remember=remember)
    return session


# Values that most signed-in requests need, read in the statement that loads the person (one
# round trip fewer): name -> a function giving the scalar subquery that reads it. A feature adds
# its own with ``read_with_person``; ``read_along`` gives what this request read.
_READ_ALONG: dict[str, Callable[[], ColumnElement]] = {}


def read_with_person(name: str, column: Callable[[], ColumnElement]) -> None:
    """Read ``column()`` (a scalar subquery) whenever a signed-in person is loaded."""
    _READ_ALONG[name] = column
    _person_statement.cache_clear()


def read_along(name: str):
    """The value of ``name`` read with the person signed in on this request (loading them if
    they are not yet), or None when no one is."""
    if not current_user.is_authenticated:
        return None
    return g.get("read_with_person", {}).get(name)


@lru_cache(maxsize=1)
def _person_statement(names: tuple[str, ...]):
    """The statement that reads a signed-in person, built once: SQLAlchemy then works out its
    cache key once too, not on every request."""
    return (
        select(
            User,
            UserSession.id,
            UserSession.last_seen_at,
            *(_READ_ALONG[name]().label(name) for name in names),
        )
        .join(UserSession, UserSession.user_id == User.id)
        # With the organisation: what the user may see depends on it (visibility.py), and
        # loading it here keeps every page and API list at a fixed number of statements.
        .options(joinedload(User.organisation))
        .where(
            UserSession.key_hash == bindparam("key_hash"),
            UserSession.generation == User.session_token,
        )
        # PostgreSQL: planned once per connection (database.keep_prepared), not on every
        # request: planning it took longer than running it.
        .execution_options(keep_prepared=True)
    )


def _find(key_hash: str):
    """(person, session id, last seen) of the session with this key, or None."""
    names = tuple(_READ_ALONG)
    with before_the_transaction(db.session):
        row = db.session.execute(_person_statement(names), {"key_hash": key_hash}).first()
    if row is None:
        return None
    g.read_with_person = dict(zip(names, row[3:], strict=True))
    return row[0], row[1], row[2]


def load(key: str) -> User | None:
    """The person signed in with this key (the user loader), or None when the session has
    ended or the person may not sign in now."""
    if not key or len(key) > 100:
        return None
    key_hash = _hash(key)
    found = _find(key_hash)
    if found is None:
        return None
    user, session_id, last_seen_at = found
    now = utcnow()
    if last_seen_at < now - lifetime():
        return None
    # A closed account or a suspended organisation's: signed out, whatever the cookie.
    if standing.sign_in_refusal(user):
        return None
    # The last time seen is written at most this often, not on every request.
    if now - last_seen_at >= timedelta(seconds=current_app.config["SESSION_SEEN_EVERY"]):
        db.session.execute(
            update(UserSession).where(UserSession.id == session_id).values(last_seen_at=now)
        )
        db.session.commit()
        found = _find(key_hash)  # the commit expired what was loaded
        if found is None:
            return None
        user = found[0]
    user.session_key, user.session_id = key, session_id
    return user


def of(user: User) -> list[UserSession]:
    """The sessions of ``user`` that still sign in, the most recently seen first."""
    return list(
        db.session.scalars(
            select(UserSession)
            .where(_current(user))
            .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())
        )
    )


def end_current(user: User) -> None:
    """Log out on this device: its session and "remember me" cookies stop working."""
    if user.session_id is not None:
        db.session.execute(delete(UserSession).where(UserSession.id == user.session_id))
    db.session.commit()


def end_one(user: User, session_id: int) -> None:
    """Sign ``user`` out on one of their devices; NotFound for a session not theirs."""
    done = db.session.execute(
        delete(UserSession).where(UserSession.id == session_id, UserSession.user_id == user.id)
    )
    if done.rowcount != 1:
        db.session.rollback()
        raise NotFound()
    db.session.commit()


def end_others(user: User) -> int:
    """Sign ``user`` out on every device but this one; how many sessions ended. Devices that
    skip the second factor (auth/twofactor.py) are forgotten too."""
    done = db.session.execute(
        delete(UserSession).where(
            UserSession.user_id == user.id, UserSession.id != (user.session_id or 0)
        )
    )
    twofactor.forget_devices(user)
    db.session.commit()
    return done.rowcount
