"""Sign-in and security: two-factor sign-in (set up, the second step of logging in, recovery
codes, remembered devices, turning it off, the secretariat's console) and the list of the
devices a person is signed in on."""

import re
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import func, select

from eukz_platform import create_app
from eukz_platform.audit import AuditEntry
from eukz_platform.auth.models import Role, User
from eukz_platform.auth.sessions import UserSession
from eukz_platform.auth.twofactor import RecoveryCode, TwoFactor
from eukz_platform.core.vocabulary import OrganisationStatus
from eukz_platform.database import utcnow
from eukz_platform.extensions import db

from .factories import PASSWORD, login, make_contacts_of_every_visibility, make_org, make_user
from .sql import counting_statements

EMAIL = "dana@example.org"
CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36"
)
FIREFOX = "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
SIGNED_IN = "Log out"


def text(r) -> str:
    return r.get_data(as_text=True)


def signed_in(client) -> bool:
    return SIGNED_IN in text(client.get("/"))


def _user(email=EMAIL) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def code_now(app, email=EMAIL) -> str:
    """A code of the person's app, as the app shows it now. (Each code is accepted once: the
    counter of the last accepted one is reset here, as if 30 seconds had passed.)"""
    with app.app_context():
        setting = db.session.get(TwoFactor, _user(email).id)
        setting.last_counter = None
        db.session.commit()
        return pyotp.TOTP(setting.secret).now()


def turn_on(client) -> tuple[str, list[str]]:
    """Turn two-factor sign-in on from the page: the key shown, and the recovery codes."""
    page = text(client.get("/account/security/two-factor/set-up"))
    secret = re.search(r'id="two-factor-secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    r = client.post("/account/security/two-factor/set-up", data={"code": pyotp.TOTP(secret).now()})
    assert r.status_code == 200, text(r)
    codes = re.findall(r"<code>([a-z0-9-]{19})</code>", text(r))
    return secret, codes


def signed_in_with_two_factor(app, **values):
    """A person with two-factor sign-in on, signed in on a client; (client, recovery codes)."""
    with app.app_context():
        make_user(email=EMAIL, **values)
    client = app.test_client()
    login(client, EMAIL)
    _, codes = turn_on(client)
    return client, codes


def test_setting_up_asks_for_a_first_code_and_shows_ten_recovery_codes_once(app):
    with app.app_context():
        make_user(email=EMAIL)
    client = app.test_client()
    login(client, EMAIL)
    page = client.get("/account/security/")
    assert "Sign-in and security" in text(page) and "Set up two-factor sign-in" in text(page)

    r = client.get("/account/security/two-factor/set-up")
    page = text(r)
    assert "no-store" in r.headers["Cache-Control"]
    svg = re.search(r"<svg role=\"img\".*?</svg>", page, re.S).group(0)
    assert 'role="img"' in svg and "<title>QR code for your authenticator app</title>" in svg
    assert "style=" not in svg
    secret = re.search(r'id="two-factor-secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    assert len(secret) == 32

    wrong = client.post("/account/security/two-factor/set-up", data={"code": "000000"})
    assert wrong.status_code == 422
    assert "This code is not right" in text(wrong) and 'aria-invalid="true"' in text(wrong)
    # The same key, shown again.
    assert secret in text(wrong).replace(" ", "")
    with app.app_context():
        assert db.session.get(TwoFactor, _user().id) is None

    r = client.post("/account/security/two-factor/set-up", data={"code": pyotp.TOTP(secret).now()})
    assert r.status_code == 200 and "no-store" in r.headers["Cache-Control"]
    codes = re.findall(r"<code>([a-z0-9-]{19})</code>", text(r))
    assert len(set(codes)) == 10
    with app.app_context():
        user = _user()
        stored = db.session.scalars(
            select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id)
        ).all()
        assert len(stored) == 10 and not set(codes) & set(stored)  # kept hashed
        entry = db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "user.two_factor_on")
        )
        assert entry.actor_id == user.id and entry.target_id == user.id
    page = text(client.get("/account/security/"))
    assert "You have 10 unused recovery codes." in page
    assert not any(code in page for code in codes)  # shown once
    # Set up already: the setup page sends back.
    r = client.get("/account/security/two-factor/set-up")
    assert r.status_code == 302
    assert "already on" in text(client.get(r.headers["Location"]))


def test_logging_in_asks_for_a_code_and_half_signed_in_counts_as_signed_out(app):
    signed_in_with_two_factor(app)
    client = app.test_client()
    r = login(client, EMAIL)
    assert r.status_code == 302 and r.headers["Location"].endswith("/auth/login/code")
    # Between the password and the code: signed in nowhere.
    assert not signed_in(client)
    r = client.get("/account/security/")
    assert r.status_code == 302 and "/auth/login" in r.headers["Location"]
    with client.session_transaction() as session:
        assert "_user_id" not in session
    assert client.get("/organisations/register").status_code == 200

    page = client.get("/auth/login/code")
    assert page.status_code == 200 and "Sign-in code" in text(page)
    wrong = client.post("/auth/login/code", data={"code": "123456"})
    assert wrong.status_code == 422 and "This code is not right" in text(wrong)
    assert not signed_in(client)

    r = client.post("/auth/login/code", data={"code": code_now(app)})
    assert r.status_code == 302
    assert signed_in(client)
    # The wait is over: the second step has nothing more to ask.
    assert "/auth/login" in client.get("/auth/login/code").headers["Location"]


def test_a_code_is_accepted_once(app):
    signed_in_with_two_factor(app)
    code = code_now(app)
    first = app.test_client()
    login(first, EMAIL)
    assert first.post("/auth/login/code", data={"code": code}).status_code == 302
    second = app.test_client()
    login(second, EMAIL)
    assert second.post("/auth/login/code", data={"code": code}).status_code == 422
    assert not signed_in(second)


def test_a_recovery_code_signs_in_once(app):
    _, codes = signed_in_with_two_factor(app)
    client = app.test_client()
    login(client, EMAIL)
    r = client.post("/auth/login/code", data={"code": codes[0].upper().replace("-", " ")})
    assert r.status_code == 302
    page = text(client.get(r.headers["Location"]))
    assert "You used a recovery code; it will not work again. 9 are left." in page
    assert signed_in(client)
    with app.app_context():
        used = db.session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "user.recovery_code_used")
        )
        assert used == 1
    client.post("/auth/logout")

    again = app.test_client()
    login(again, EMAIL)
    r = again.post("/auth/login/code", data={"code": codes[0]})
    assert r.status_code == 422 and not signed_in(again)
    assert again.post("/auth/login/code", data={"code": codes[1]}).status_code == 302


def test_remembering_a_device_skips_the_code_until_signed_out_everywhere(app, outbox):
    signed_in_with_two_factor(app)
    client = app.test_client()
    login(client, EMAIL)
    r = client.post("/auth/login/code", data={"code": code_now(app), "remember_device": "y"})
    cookie = r.headers.getlist("Set-Cookie")
    device = next(c for c in cookie if c.startswith("trusted_device="))
    assert "HttpOnly" in device and "Max-Age=2592000" in device
    client.post("/auth/logout")
    # The same browser: the password is enough.
    r = login(client, EMAIL)
    assert r.status_code == 302 and "/auth/login/code" not in r.headers["Location"]
    assert signed_in(client)
    # Another browser is asked for a code.
    assert login(app.test_client(), EMAIL).headers["Location"].endswith("/auth/login/code")
    # The cookie is the person's: another person's login on this browser is asked.
    with app.app_context():
        make_user(email="other@example.org")
    other = app.test_client()
    login(other, "other@example.org")
    turn_on(other)
    client.post("/auth/logout")
    assert login(client, "other@example.org").headers["Location"].endswith("/auth/login/code")

    # "Sign out all other devices", from another device, forgets it.
    client.post("/auth/logout")
    assert login(client, EMAIL).status_code == 302 and signed_in(client)
    elsewhere = app.test_client()
    login(elsewhere, EMAIL)
    elsewhere.post("/auth/login/code", data={"code": code_now(app)})
    elsewhere.post("/account/security/sessions/sign-out-others")
    assert not signed_in(client)
    assert login(client, EMAIL).headers["Location"].endswith("/auth/login/code")


def test_a_new_password_forgets_remembered_devices_and_still_asks_for_the_code(app, outbox):
    signed_in_with_two_factor(app)
    client = app.test_client()
    login(client, EMAIL)
    client.post("/auth/login/code", data={"code": code_now(app), "remember_device": "y"})
    client.post("/auth/logout")
    client.post("/auth/forgot-password", data={"email": EMAIL})
    link = re.search(r"https?://\S+", outbox[-1].body).group(0)
    path = re.sub(r"^https?://[^/]+", "", link)
    new = "a brand new long passphrase"
    r = client.post(path, data={"password": new, "confirm_password": new})
    # The password is changed, and the reset link signs nobody in without the code.
    assert r.status_code == 302 and r.headers["Location"].endswith("/auth/login/code")
    assert not signed_in(client)
    assert client.post("/auth/login/code", data={"code": code_now(app)}).status_code == 302
    assert signed_in(client)


def test_turning_off_needs_the_password_and_a_current_code(app):
    client, codes = signed_in_with_two_factor(app)
    assert client.get("/account/security/two-factor/turn-off").status_code == 200
    r = client.post(
        "/account/security/two-factor/turn-off",
        data={"password": "not my password", "code": code_now(app)},
    )
    assert r.status_code == 422 and "The password is not right." in text(r)
    r = client.post(
        "/account/security/two-factor/turn-off", data={"password": PASSWORD, "code": "999999"}
    )
    assert r.status_code == 422 and "This code is not right" in text(r)
    r = client.post("/account/security/two-factor/turn-off", data={"password": PASSWORD})
    assert r.status_code == 422
    with app.app_context():
        assert db.session.get(TwoFactor, _user().id) is not None

    r = client.post(
        "/account/security/two-factor/turn-off",
        data={"password": PASSWORD, "code": code_now(app)},
    )
    assert r.status_code == 302
    assert "Two-factor sign-in is off." in text(client.get(r.headers["Location"]))
    with app.app_context():
        user = _user()
        assert db.session.get(TwoFactor, user.id) is None
        assert db.session.scalar(select(func.count()).select_from(RecoveryCode)) == 0
        entry = db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "user.two_factor_off")
        )
        assert entry.actor_id == user.id
    # Logging in asks for the password only; the old recovery codes are gone.
    other = app.test_client()
    r = login(other, EMAIL)
    assert r.status_code == 302 and "/auth/login/code" not in r.headers["Location"]


def test_new_recovery_codes_replace_the_old_ones_with_the_password_and_a_code(app):
    client, old = signed_in_with_two_factor(app)
    page = text(client.get("/account/security/"))
    assert "/account/security/two-factor/recovery-codes" in page
    address = "/account/security/two-factor/recovery-codes"
    assert client.get(address).status_code == 200
    r = client.post(address, data={"password": "not my password", "code": code_now(app)})
    assert r.status_code == 422 and "The password is not right." in text(r)
    r = client.post(address, data={"password": PASSWORD, "code": "999999"})
    assert r.status_code == 422 and "This code is not right" in text(r)
    assert 'value="999999"' in text(r)  # what was typed is kept

    r = client.post(address, data={"password": PASSWORD, "code": code_now(app)})
    assert r.status_code == 200 and "no-store" in r.headers["Cache-Control"]
    new = re.findall(r"<code>([a-z0-9-]{19})</code>", text(r))
    assert len(new) == 10 and not set(new) & set(old)
    with app.app_context():
        made = select(func.count()).select_from(AuditEntry)
        assert db.session.scalar(made.where(AuditEntry.action == "user.recovery_codes_new")) == 1
    # The old codes no longer sign in; a new one does.
    other = app.test_client()
    login(other, EMAIL)
    assert other.post("/auth/login/code", data={"code": old[1]}).status_code == 422
    assert other.post("/auth/login/code", data={"code": new[0]}).status_code == 302


def test_new_recovery_codes_need_two_factor_sign_in_on(app):
    with app.app_context():
        make_user(email=EMAIL)
    client = app.test_client()
    login(client, EMAIL)
    r = client.post(
        "/account/security/two-factor/recovery-codes", data={"password": PASSWORD, "code": "1"}
    )
    assert r.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(RecoveryCode)) == 0


@pytest.fixture
def strict_app(database_url):
    """The app as in production for the secretariat: two-factor sign-in required."""
    from .conftest import empty_all_tables

    app = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "SECRETARIAT_2FA_REQUIRED": True}
    )
    yield app
    empty_all_tables(app)
    with app.app_context():
        db.engine.dispose()


def test_the_secretariat_without_two_factor_is_refused_the_console_when_required(strict_app):
    from config import ProductionConfig, TestingConfig

    assert ProductionConfig.SECRETARIAT_2FA_REQUIRED is True
    assert TestingConfig.SECRETARIAT_2FA_REQUIRED is False
    app = strict_app
    with app.app_context():
        make_user(role=Role.SECRETARIAT, email="sec@eesc.example")
        org = make_org(status=OrganisationStatus.VERIFIED)
        make_user(org=org, role=Role.ADMIN, email="admin@civic.example")
    client = app.test_client()
    r = login(client, "sec@eesc.example")
    assert r.status_code == 302 and r.headers["Location"].endswith(
        "/account/security/two-factor/set-up"
    )
    for path in ("/admin/", "/admin/organisations", "/admin/audit"):
        r = client.get(path)
        assert r.status_code == 302, path
        assert r.headers["Location"].endswith("/account/security/two-factor/set-up")
    page = text(client.get("/account/security/two-factor/set-up"))
    assert "Secretariat accounts must use two-factor sign-in." in page
    turn_on(client)
    assert client.get("/admin/").status_code == 200
    # Others are not asked to.
    admin = app.test_client()
    r = login(admin, "admin@civic.example")
    assert "two-factor" not in r.headers["Location"]


def test_the_secretariat_without_two_factor_uses_no_secretariat_right_when_required(strict_app):
    """Outside the console too: the secretariat's rights on organisations' pages, their people
    and the data only it sees wait for two-factor sign-in."""
    app = strict_app
    with app.app_context():
        make_user(role=Role.SECRETARIAT, email="sec@eesc.example")
        org = make_org(name="Steppe Forum", status=OrganisationStatus.VERIFIED)
        make_user(org=org, role=Role.ADMIN, email="admin@civic.example")
        colleague = make_user(org=org, email="member@civic.example", full_name="Aigerim Bek")
        make_contacts_of_every_visibility(org)
        org_id, colleague_id = org.id, colleague.id
    client = app.test_client()
    login(client, "sec@eesc.example")
    setup = "/account/security/two-factor/set-up"
    r = client.post(f"/organisations/{org_id}/people/{colleague_id}/remove")
    assert r.status_code == 302 and r.headers["Location"].endswith(setup)
    r = client.get(f"/organisations/{org_id}")
    assert r.status_code == 302 and r.headers["Location"].endswith(setup)
    r = client.get(f"/api/v1/organisations/{org_id}")
    assert r.status_code == 403 and "two-factor" in r.get_json()["message"]
    with app.app_context():
        assert db.session.get(User, colleague_id).active
    # Setting it up, and logging out, stay open.
    assert client.get(setup).status_code == 200
    turn_on(client)
    assert "Private Person" in text(client.get(f"/organisations/{org_id}"))


def test_the_secretariat_reaches_the_console_without_two_factor_when_not_required(app):
    with app.app_context():
        make_user(role=Role.SECRETARIAT, email="sec@eesc.example")
    client = app.test_client()
    r = login(client, "sec@eesc.example")
    assert "two-factor" not in r.headers["Location"]
    assert client.get("/admin/").status_code == 200


def test_the_second_step_is_rate_limited_per_person(database_url):
    from .conftest import empty_all_tables

    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_SECOND_FACTOR": "3 per minute",
        }
    )
    try:
        signed_in_with_two_factor(app)
        client = app.test_client()
        login(client, EMAIL)
        codes = [
            client.post("/auth/login/code", data={"code": "000000"}).status_code for _ in range(4)
        ]
        assert codes == [422, 422, 422, 429]
        # From another address too: the limit is the person's.
        elsewhere = app.test_client()
        login(elsewhere, EMAIL, environ_base={"REMOTE_ADDR": "10.0.0.9"})
        r = elsewhere.post(
            "/auth/login/code",
            data={"code": code_now(app)},
            environ_base={"REMOTE_ADDR": "10.0.0.9"},
        )
        assert r.status_code == 429
    finally:
        empty_all_tables(app)
        with app.app_context():
            db.engine.dispose()


# The devices a person is signed in on ---------------------------------------------------


def test_the_page_lists_the_devices_and_signs_out_all_the_others(app):
    with app.app_context():
        make_user(email=EMAIL)
    here = app.test_client()
    here.environ_base["HTTP_USER_AGENT"] = CHROME
    login(here, EMAIL)
    there = app.test_client()
    there.environ_base["HTTP_USER_AGENT"] = FIREFOX
    login(there, EMAIL, remember="y")
    session_cookie = there.get_cookie("session").value
    remember_cookie = there.get_cookie("remember_token").value

    page = text(here.get("/account/security/"))
    assert "Chrome 120 on Windows 10" in page and "Firefox 128 on Ubuntu" in page
    assert page.count("This device") == 1
    assert "Sign out Firefox 128 on Ubuntu" in page

    r = here.post("/account/security/sessions/sign-out-others")
    assert r.status_code == 302
    assert "1 other device is signed out." in text(here.get(r.headers["Location"]))
    assert signed_in(here)
    assert not signed_in(there)
    for name, value in (("session", session_cookie), ("remember_token", remember_cookie)):
        thief = app.test_client()
        thief.set_cookie(name, value, domain="localhost")
        assert not signed_in(thief), name
    page = text(here.get("/account/security/"))
    assert "Firefox" not in page and "Sign out all other devices" not in page


def test_one_device_is_signed_out_and_nobody_elses(app):
    with app.app_context():
        make_user(email=EMAIL)
        make_user(email="other@example.org")
    here, there, other = app.test_client(), app.test_client(), app.test_client()
    for client, email in ((here, EMAIL), (there, EMAIL), (other, "other@example.org")):
        login(client, email)
    with app.app_context():
        theirs = db.session.scalar(
            select(UserSession.id).join(User).where(User.email == "other@example.org")
        )
        mine = db.session.scalars(
            select(UserSession.id).join(User).where(User.email == EMAIL).order_by(UserSession.id)
        ).all()
    assert here.post(f"/account/security/sessions/{theirs}/sign-out").status_code == 404
    assert signed_in(other)
    r = here.post(f"/account/security/sessions/{mine[1]}/sign-out")
    assert r.status_code == 302 and "That device is signed out." in text(
        here.get("/account/security/")
    )
    assert signed_in(here) and not signed_in(there)


def test_last_seen_is_written_at_most_once_a_minute(app):
    with app.app_context():
        make_user(email=EMAIL)
    client = app.test_client()
    login(client, EMAIL)
    with counting_statements(app) as statements:
        client.get("/account/security/")
    assert not any(s.startswith("UPDATE user_session") for s in statements)
    with app.app_context():
        record = db.session.scalar(select(UserSession))
        record.last_seen_at = utcnow() - timedelta(minutes=5)
        db.session.commit()
    with counting_statements(app) as statements:
        assert signed_in(client)
    assert sum(s.startswith("UPDATE user_session") for s in statements) == 1
    with app.app_context():
        assert utcnow() - db.session.scalar(select(UserSession.last_seen_at)) < timedelta(minutes=1)


def test_a_session_unseen_for_longer_than_a_remember_me_cookie_has_ended(app):
    with app.app_context():
        make_user(email=EMAIL)
    client = app.test_client()
    login(client, EMAIL, remember="y")
    with app.app_context():
        record = db.session.scalar(select(UserSession))
        record.last_seen_at = utcnow() - timedelta(days=31)
        db.session.commit()
    assert not signed_in(client)


def test_logging_out_ends_this_device_only(app):
    with app.app_context():
        make_user(email=EMAIL)
    here, there = app.test_client(), app.test_client()
    login(here, EMAIL)
    login(there, EMAIL)
    here.post("/auth/logout")
    assert not signed_in(here) and signed_in(there)


def test_removal_ends_every_session(app):
    with app.app_context():
        org = make_org(status=OrganisationStatus.VERIFIED)
        make_user(org=org, role=Role.ADMIN, email="admin@civic.example")
        colleague = make_user(org=org, email=EMAIL)
        org_id, colleague_id = org.id, colleague.id
    admin, client = app.test_client(), app.test_client()
    login(admin, "admin@civic.example")
    login(client, EMAIL, remember="y")
    r = admin.post(f"/organisations/{org_id}/people/{colleague_id}/remove")
    assert r.status_code == 302
    assert not signed_in(client)
