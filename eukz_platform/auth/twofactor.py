"""Two-factor sign-in: after the password, a one-time code from an authenticator app (TOTP,
RFC 6238) or one of ten single-use recovery codes.

Between the password and the code the person is *held*: the Flask session carries who is
waiting for which code (``PENDING``), never Flask-Login's ``_user_id``, so nothing anywhere
counts them as signed in. A device may be remembered for 30 days (a signed cookie tied to the
person); a new password, being signed out everywhere, "sign out all other devices" and turning
two-factor sign-in off all forget every remembered device.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from datetime import UTC, datetime

import pyotp
import segno
from flask import current_app, request, session
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import ForeignKey, String, UniqueConstraint, delete, func, or_, select, update
from sqlalchemy.orm import Mapped, mapped_column

from .. import audit
from ..database import Sealed, UTCDateTime, belongs_to, locked, utcnow
from ..errors import Conflict, DomainError
from ..extensions import db
from ..navigation import is_safe_next
from . import standing, tokens
from .models import User

RECOVERY_CODES = 10
# Recovery codes: 16 letters and digits that cannot be mistaken for one another (about 79
# bits), shown in groups of four.
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_RECOVERY_LENGTH = 16

PENDING = "_second_factor"
SETUP = "_second_factor_setup"
PENDING_MAX_AGE = 10 * 60  # seconds between the password and the code
DEVICE_COOKIE = "trusted_device"
DEVICE_MAX_AGE = 30 * 24 * 3600


def _new_token() -> str:
    return secrets.token_urlsafe(24)


class TwoFactor(db.Model):
    """A person's authenticator, confirmed with a first code."""

    __tablename__ = "two_factor"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    # Encrypted: the one secret of the platform it must read back (database.Sealed).
    secret: Mapped[str] = mapped_column(Sealed)
    enabled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The time step of the last code accepted: no code is accepted twice.
    last_counter: Mapped[int | None] = mapped_column()
    # Part of every remembered device's cookie: a new value forgets them all.
    devices_token: Mapped[str] = mapped_column(String(64), default=_new_token)


class RecoveryCode(db.Model):
    """One of the ten codes shown once when two-factor sign-in is turned on; kept hashed."""

    __tablename__ = "recovery_code"
    __table_args__ = (UniqueConstraint("user_id", "code_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = belongs_to("user.id")
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class WrongCode(DomainError, status=422, field="code"):
    message = _l(
        "This code is not right. Enter the code your app shows now, or one of your recovery codes."
    )


class WrongPassword(DomainError, status=422, field="password"):
    """The person's own password, asked again before an action that needs it (turning
    two-factor sign-in off, deleting the account, closing the organisation)."""

    message = _l("The password is not right.")


class AlreadyOn(Conflict):
    message = _l("Two-factor sign-in is already on.")


class NotOn(Conflict):
    message = _l("Two-factor sign-in is not on.")


# The authenticator ------------------------------------------------------------------------


def of(user: User) -> TwoFactor | None:
    return db.session.get(TwoFactor, user.id)


def is_enabled(user: User) -> bool:
    return of(user) is not None


def required_for(user: User) -> bool:
    """Whether this person must use two-factor sign-in: the secretariat, when the platform's
    ``SECRETARIAT_2FA_REQUIRED`` says so."""
    return bool(user.is_secretariat and current_app.config.get("SECRETARIAT_2FA_REQUIRED"))


def setup_secret(user: User) -> str:
    """The secret offered to the person's app, kept in their session (not yet in the
    database) until they confirm it with a first code; AlreadyOn if it is on."""
    if is_enabled(user):
        raise AlreadyOn()
    offered = session.get(SETUP)
    if not (isinstance(offered, dict) and offered.get("uid") == user.id and offered.get("secret")):
        offered = {"uid": user.id, "secret": pyotp.random_base32()}
        session[SETUP] = offered
    return offered["secret"]


def provisioning_uri(user: User, secret: str) -> str:
    """The otpauth:// address the person's app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(
        name=user.email, issuer_name=current_app.config["SITE_NAME"]
    )


def qr_code(uri: str, title: str) -> Markup:
    """The QR code of ``uri`` as inline SVG: drawn here, with classes and presentation
    attributes only (the Content-Security-Policy allows no inline style)."""
    svg = segno.make(uri, error="m").svg_inline(
        scale=4,
        border=4,
        title=title,
        svgclass="site-qr",
        lineclass=None,
        dark="#000",
        light="#fff",
    )
    # segno writes only path data, numbers and the classes given here, and escapes the title
    # (segno/writers.py): nothing in it is markup from a person.
    return Markup(svg.replace("<svg ", '<svg role="img" ', 1))  # nosec B704


def grouped(secret: str) -> str:
    """The secret in groups of four, easier to type into an app."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def normalise(code: str | None) -> str:
    return "".join((code or "").split()).replace("-", "").lower()


def _code_counter(secret: str, code: str, after: int | None) -> int | None:
    """The time step whose code this is (now, or one step either side), if later than
    ``after``; None otherwise."""
    if not secret or len(code) != 6 or not code.isdigit():
        return None  # (no secret: its keys are missing, database.Sealed; recovery codes work)
    totp = pyotp.TOTP(secret)
    now = totp.timecode(datetime.now(UTC))
    for counter in (now, now - 1, now + 1):
        if after is not None and counter <= after:
            continue
        if hmac.compare_digest(totp.generate_otp(counter), code):
            return counter
    return None


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(_RECOVERY_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, _RECOVERY_LENGTH, 4))


def _replace_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODES)]
    db.session.add_all(
        RecoveryCode(user_id=user.id, code_hash=_hash(normalise(code))) for code in codes
    )
    return codes


def enable(user: User, code: str) -> list[str]:
    """Turn two-factor sign-in on with a first code of the secret offered (``setup_secret``);
    the ten recovery codes, which are shown once and kept only hashed."""
    # The same form sent twice at once (a double click) waits here for the first to end,
    # then finds two-factor sign-in on.
    locked(db.session, db.session.get(User, user.id))
    if is_enabled(user):
        raise AlreadyOn()
    secret = setup_secret(user)
    counter = _code_counter(secret, normalise(code), None)
    if counter is None:
        raise WrongCode(_l("This code is not right. Enter the 6-digit code your app shows now."))
    db.session.execute(delete(TwoFactor).where(TwoFactor.user_id == user.id))
    db.session.add(
        TwoFactor(user_id=user.id, secret=secret, enabled_at=utcnow(), last_counter=counter)
    )
    codes = _replace_recovery_codes(user)
    audit.commit(user, "user.two_factor_on", user, "Two-factor sign-in turned on")
    session.pop(SETUP, None)
    return codes


def new_recovery_codes(user: User, password: str, code: str) -> list[str]:
    """Ten new recovery codes in place of the old ones (used or not, which stop working), with
    the password and a current code of the app (or a recovery code); shown once."""
    if not is_enabled(user):
        raise NotOn()
    if not user.check_password(password or ""):
        raise WrongPassword()
    _spend(user, code)
    codes = _replace_recovery_codes(user)
    audit.commit(user, "user.recovery_codes_new", user, "New recovery codes made")
    return codes


def recovery_codes_left(user: User) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )


def _spend(user: User, code: str) -> str:
    """Accept a code of the app or an unused recovery code, spending it: "code" or
    "recovery"; WrongCode otherwise. The caller commits."""
    setting = of(user)
    if setting is None:
        raise WrongCode()
    code = normalise(code)
    counter = _code_counter(setting.secret, code, setting.last_counter)
    if counter is not None:
        # Of two requests with the same code, only one moves the counter on.
        done = db.session.execute(
            update(TwoFactor)
            .where(
                TwoFactor.user_id == user.id,
                or_(TwoFactor.last_counter.is_(None), TwoFactor.last_counter < counter),
            )
            .values(last_counter=counter)
            .execution_options(synchronize_session=False)
        )
        if done.rowcount == 1:
            return "code"
    elif len(code) == _RECOVERY_LENGTH:
        done = db.session.execute(
            update(RecoveryCode)
            .where(
                RecoveryCode.user_id == user.id,
                RecoveryCode.code_hash == _hash(code),
                RecoveryCode.used_at.is_(None),
            )
            .values(used_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        if done.rowcount == 1:
            audit.record(user, "user.recovery_code_used", "user", user.id, "A recovery code used")
            return "recovery"
    db.session.rollback()
    raise WrongCode()


def verify(user: User, code: str) -> str:
    """The second step of signing in: "code" or "recovery" (then spent); WrongCode."""
    kind = _spend(user, code)
    db.session.commit()
    return kind


def disable(user: User, password: str, code: str) -> None:
    """Turn two-factor sign-in off, with the password and a current code (or a recovery
    code); the recovery codes and remembered devices go with it."""
    if not is_enabled(user):
        raise NotOn()
    if not user.check_password(password or ""):
        raise WrongPassword()
    _spend(user, code)
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.execute(delete(TwoFactor).where(TwoFactor.user_id == user.id))
    audit.commit(user, "user.two_factor_off", user, "Two-factor sign-in turned off")


# Remembered devices -----------------------------------------------------------------------


def _device_fingerprint(user: User, setting: TwoFactor) -> str:
    # A new password or session token (signed out everywhere), or a new devices token,
    # gives another fingerprint: every remembered device is forgotten.
    text = f"{user.password_hash}:{user.session_token}:{setting.devices_token}"
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def remember_device(response, user: User) -> None:
    """Set the cookie that skips the second step on this device for 30 days."""
    setting = of(user)
    if setting is None:
        return
    value = tokens.make(
        "trusted-device", {"uid": user.id, "fp": _device_fingerprint(user, setting)}
    )
    response.set_cookie(
        DEVICE_COOKIE,
        value,
        max_age=DEVICE_MAX_AGE,
        httponly=True,
        secure=bool(current_app.config.get("REMEMBER_COOKIE_SECURE")),
        samesite="Lax",
    )


def is_remembered_device(user: User) -> bool:
    value = request.cookies.get(DEVICE_COOKIE)
    setting = of(user)
    if not value or setting is None:
        return False
    try:
        payload = tokens.read("trusted-device", value, DEVICE_MAX_AGE)
    except tokens.InvalidToken:
        return False
    return payload.get("uid") == user.id and hmac.compare_digest(
        str(payload.get("fp", "")), _device_fingerprint(user, setting)
    )


def forget_devices(user: User) -> None:
    """No device skips the second step any more. The caller commits."""
    setting = of(user)
    if setting is not None:
        setting.devices_token = _new_token()


# Between the password and the code --------------------------------------------------------


def _generation(user: User) -> str:
    # A new password or being signed out everywhere ends the wait as well.
    return hashlib.sha256(user.session_token.encode()).hexdigest()[:16]


def hold(user: User, remember: bool, next_url: str | None) -> None:
    """The password was right: wait for the second factor (nobody is signed in yet)."""
    session[PENDING] = {
        "uid": user.id,
        "gen": _generation(user),
        "remember": bool(remember),
        "at": int(time.time()),
        "next": next_url if is_safe_next(next_url) else None,
    }


def held() -> tuple[User, dict] | None:
    """The person waiting for their second step on this browser, with what they asked for
    (``remember``, ``next``); None when nobody is, or the wait has ended."""
    data = session.get(PENDING)
    if not isinstance(data, dict):
        return None
    user = db.session.get(User, data.get("uid")) if isinstance(data.get("uid"), int) else None
    if (
        user is None
        or time.time() - float(data.get("at") or 0) > PENDING_MAX_AGE
        or data.get("gen") != _generation(user)
        or standing.sign_in_refusal(user)
        or not is_enabled(user)
    ):
        release()
        return None
    return user, data


def held_user_id() -> int | None:
    """The id of the person waiting on this browser, without a database statement (the rate
    limit of the second step counts per person)."""
    data = session.get(PENDING)
    return data.get("uid") if isinstance(data, dict) else None


def release() -> None:
    session.pop(PENDING, None)
