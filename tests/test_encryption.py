"""Secrets kept encrypted in the database (database.Sealed): an authenticator's secret is not in
the database as the app reads it; ENCRYPTION_KEYS rotates the key (`flask reencrypt`); a value
that no key opens never stops a person from signing in with a recovery code."""

import logging

import pyotp
import pytest
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import String, select, type_coerce

from eukz_platform.auth.twofactor import TwoFactor
from eukz_platform.extensions import db

from .factories import login
from .test_account_security import (
    EMAIL,
    _user,
    code_now,
    signed_in,
    signed_in_with_two_factor,
    text,
)


def stored(app) -> str:
    """The authenticator's secret as the database holds it."""
    with app.app_context():
        return db.session.scalar(select(type_coerce(TwoFactor.secret, String)))


def secret_read(app) -> str | None:
    with app.app_context():
        return db.session.get(TwoFactor, _user().id).secret


def test_the_secret_is_kept_encrypted_and_read_back(app):
    signed_in_with_two_factor(app)
    secret = secret_read(app)
    assert secret and pyotp.TOTP(secret).now().isdigit()
    kept = stored(app)
    assert secret not in kept and kept.startswith("gAAAAA")  # a Fernet token
    # Without ENCRYPTION_KEYS the key is derived from SECRET_KEY.
    with app.app_context():
        from eukz_platform.database import derived_key

        opened = Fernet(derived_key(app.config["SECRET_KEY"])).decrypt(kept.encode()).decode()
    assert opened == secret


def test_a_new_key_put_first_reads_the_old_values_and_reencrypt_moves_them(app, runner):
    signed_in_with_two_factor(app)
    secret = secret_read(app)
    new = Fernet.generate_key().decode()
    app.config["ENCRYPTION_KEYS"] = (new,)
    assert secret_read(app) == secret  # still opened by the key of SECRET_KEY
    with pytest.raises(InvalidToken):  # not yet encrypted with the new key
        Fernet(new).decrypt(stored(app).encode())
    result = runner.invoke(args=["reencrypt"])
    assert result.exit_code == 0, result.output
    assert "1 values encrypted with the first key" in result.output
    assert Fernet(new).decrypt(stored(app).encode()).decode() == secret


def test_reencrypt_changes_nothing_when_a_value_opens_with_no_key(app, runner):
    signed_in_with_two_factor(app)
    before = stored(app)
    app.config["ENCRYPTION_KEYS"] = (Fernet.generate_key().decode(),)
    app.config["SECRET_KEY"] = "another-secret-key-of-more-than-32-characters"
    result = runner.invoke(args=["reencrypt"])
    assert result.exit_code == 1
    assert "two_factor.secret" in result.output and "nothing was changed" in result.output
    assert stored(app) == before


def test_with_the_key_lost_a_recovery_code_still_signs_in(app, caplog):
    _, codes = signed_in_with_two_factor(app)
    code = code_now(app)  # a code the app would accept with the key
    app.config["SECRET_KEY"] = "another-secret-key-of-more-than-32-characters"
    client = app.test_client()
    login(client, EMAIL)
    with caplog.at_level(logging.ERROR, logger="eukz_platform.database"):
        r = client.post("/auth/login/code", data={"code": code})
    assert r.status_code == 422 and "This code is not right" in text(r)
    assert "could not be decrypted" in caplog.text and "ENCRYPTION_KEYS" in caplog.text
    r = client.post("/auth/login/code", data={"code": codes[0]})
    assert r.status_code == 302
    assert signed_in(client)
