"""Log in and out, remember me, email confirmation and password reset."""

import re
import time

import pytest
from sqlalchemy import select

from eukz_platform.auth.models import Role, User
from eukz_platform.core.vocabulary import OrganisationStatus
from eukz_platform.database import utcnow
from eukz_platform.extensions import db

from .factories import PASSWORD, login, make_org, make_user, registration_form


def link_in(message) -> str:
    return re.search(r"https?://[^/\s]+(/\S+)", message.body).group(1)


def test_log_in_and_out(app, client):
    with app.app_context():
        user = make_user(full_name="Dana Example", email="dana@example.org")
        org_id = user.organisation_id
    r = login(client, "Dana@Example.org")
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/organisations/{org_id}")
    page = client.get(f"/organisations/{org_id}").get_data(as_text=True)
    assert "Dana Example" in page and "Log out" in page
    r = client.post("/auth/logout")
    assert r.status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert "Log out" not in page and "Log in" in page


def test_wrong_password_says_so_next_to_the_field(app, client):
    with app.app_context():
        make_user(email="dana@example.org")
    r = login(client, "dana@example.org", "wrong password here")
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    assert "The email or password is not right." in html
    assert 'value="dana@example.org"' in html
    assert "wrong password here" not in html


def test_unknown_email_gets_the_same_answer(client):
    r = login(client, "nobody@example.org", "whatever password")
    assert r.status_code == 422
    assert "The email or password is not right." in r.get_data(as_text=True)


def test_remember_me_sets_a_lasting_cookie(app, client):
    with app.app_context():
        make_user(email="dana@example.org")
    r = login(client, "dana@example.org", remember="y")
    cookies = r.headers.getlist("Set-Cookie")
    assert any(c.startswith("remember_token=") and "Expires=" in c for c in cookies)
    r2 = login(app.test_client(), "dana@example.org")
    assert not any(c.startswith("remember_token=") for c in r2.headers.getlist("Set-Cookie"))


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        ("/directory/", "/directory/"),
        ("https://evil.example/", None),
        ("//evil.example/", None),
        ("/\\evil.example", None),
        ("javascript:alert(1)", None),
    ],
)
def test_next_only_redirects_within_the_site(app, client, next_url, expected):
    with app.app_context():
        user = make_user(email="dana@example.org")
        home = f"/organisations/{user.organisation_id}"
    r = client.post(
        "/auth/login?next=" + next_url, data={"email": "dana@example.org", "password": PASSWORD}
    )
    assert r.status_code == 302
    assert r.headers["Location"] == (expected or home)


@pytest.mark.parametrize("language", ["en", "ru", "kk"])
def test_the_secretariat_lands_on_its_console_after_signing_in(app, client, language):
    with app.app_context():
        make_user(role=Role.SECRETARIAT, email="staff@eesc.example")
    client.get(f"/language/{language}")
    r = login(client, "staff@eesc.example")
    assert r.status_code == 302 and r.headers["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    # Signed in already, the login page sends there too.
    assert client.get("/auth/login").headers["Location"] == "/admin/"


def test_the_secretariat_goes_to_the_page_it_asked_for(app, client):
    with app.app_context():
        make_user(role=Role.SECRETARIAT, email="staff@eesc.example")
    r = client.get("/admin/contacts")
    assert "/auth/login?next=" in r.headers["Location"]
    r = client.post(
        r.headers["Location"], data={"email": "staff@eesc.example", "password": PASSWORD}
    )
    assert r.status_code == 302 and r.headers["Location"] == "/admin/contacts"


def test_login_required_pages_send_to_login_with_next(client):
    r = client.get("/organisations/1/edit")
    assert r.status_code == 302
    assert "/auth/login?next=" in r.headers["Location"]


def test_members_of_a_suspended_organisation_cannot_log_in(app, client):
    with app.app_context():
        org = make_org(status=OrganisationStatus.SUSPENDED)
        make_user(org=org, email="dana@example.org")
    r = login(client, "dana@example.org")
    assert r.status_code == 422
    assert "Your organisation is suspended" in r.get_data(as_text=True)


def test_email_confirmation_link_confirms_and_removes_the_reminder(app, client, outbox):
    client.post("/organisations/register", data=registration_form())
    r = client.get(link_in(outbox[0]))
    assert r.status_code == 302
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "your email address is confirmed" in page
    assert "Please confirm your email address" not in page
    with app.app_context():
        assert db.session.scalar(select(User.email_confirmed_at)) is not None


def test_reminder_offers_to_resend(app, client, outbox):
    client.post("/organisations/register", data=registration_form())
    login(client, "aigerim@steppe-green.kz")
    r = client.post("/auth/confirm/resend")
    assert r.status_code == 302
    assert len(outbox) == 2 and link_in(outbox[1]).startswith("/auth/confirm/")
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "We sent a new confirmation link" in page


def test_a_tampered_confirmation_link_is_refused(app, client, outbox):
    client.post("/organisations/register", data=registration_form())
    r = client.get(link_in(outbox[0]) + "x", follow_redirects=True)
    assert "This confirmation link is not valid." in r.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(User.email_confirmed_at)) is None


def test_an_expired_confirmation_link_is_refused(app, client, outbox):
    client.post("/organisations/register", data=registration_form())
    app.config["EMAIL_CONFIRMATION_MAX_AGE"] = -1
    r = client.get(link_in(outbox[0]), follow_redirects=True)
    assert "This confirmation link has expired." in r.get_data(as_text=True)


def test_forgot_password_answers_the_same_whether_or_not_the_email_exists(app, client, outbox):
    with app.app_context():
        make_user(email="dana@example.org")
    known = client.post(
        "/auth/forgot-password", data={"email": "dana@example.org"}, follow_redirects=True
    )
    unknown = client.post(
        "/auth/forgot-password", data={"email": "ghost@example.org"}, follow_redirects=True
    )
    text_known = known.get_data(as_text=True).replace("dana@example.org", "EMAIL")
    text_unknown = unknown.get_data(as_text=True).replace("ghost@example.org", "EMAIL")
    assert known.status_code == unknown.status_code == 200
    assert text_known == text_unknown
    assert len(outbox) == 1 and outbox[0].to == ["dana@example.org"]


def test_reset_link_sets_a_new_password_once(app, client, outbox):
    with app.app_context():
        make_user(email="dana@example.org")
    client.post("/auth/forgot-password", data={"email": "dana@example.org"})
    link = link_in(outbox[0])
    new = "a brand new long passphrase"
    r = client.post(link, data={"password": new, "confirm_password": new})
    assert r.status_code == 302
    client.post("/auth/logout")
    assert login(client, "dana@example.org").status_code == 422
    assert login(client, "dana@example.org", new).status_code == 302
    # The link works only once.
    again = client.get(link, follow_redirects=True)
    assert "This reset link is not valid any more" in again.get_data(as_text=True)


def test_a_reset_link_dies_when_the_account_changes_its_address(app, client, outbox):
    """A link mailed to the old address (a mailbox the person may have lost) no longer sets
    the password once the account has a new one."""
    with app.app_context():
        make_user(email="dana@example.org")
    app.test_client().post("/auth/forgot-password", data={"email": "dana@example.org"})
    link = link_in(outbox[0])
    login(client, "dana@example.org")
    r = client.post(
        "/account/details",
        data={
            "full_name": "Dana",
            "email": "dana@new.example",
            "locale": "en",
            "password": PASSWORD,
        },
    )
    assert r.status_code == 302
    new = "a brand new long passphrase"
    r = app.test_client().post(
        link, data={"password": new, "confirm_password": new}, follow_redirects=True
    )
    assert "This reset link is not valid any more" in r.get_data(as_text=True)
    assert login(app.test_client(), "dana@new.example").status_code == 302


def test_reset_rejects_a_weak_password_and_keeps_the_old_one(app, client, outbox):
    with app.app_context():
        make_user(email="dana@example.org")
    client.post("/auth/forgot-password", data={"email": "dana@example.org"})
    r = client.post(
        link_in(outbox[0]), data={"password": "123456789012", "confirm_password": "123456789012"}
    )
    assert r.status_code == 422
    assert "too common" in r.get_data(as_text=True)
    assert login(client, "dana@example.org").status_code == 302


def test_password_change_ends_other_sessions(app, client, outbox):
    with app.app_context():
        make_user(email="dana@example.org")
    other = app.test_client()
    login(other, "dana@example.org", remember="y")
    assert "Log out" in other.get("/").get_data(as_text=True)
    client.post("/auth/forgot-password", data={"email": "dana@example.org"})
    new = "a brand new long passphrase"
    client.post(link_in(outbox[0]), data={"password": new, "confirm_password": new})
    assert "Log out" not in other.get("/").get_data(as_text=True)


def test_last_login_is_recorded(app, client):
    with app.app_context():
        make_user(email="dana@example.org")
    before = utcnow()
    time.sleep(0.01)
    login(client, "dana@example.org")
    with app.app_context():
        assert db.session.scalar(select(User.last_login_at)) > before
