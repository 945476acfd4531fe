"""Who stays signed in: links from the site's address, logging out, suspension, rejection,
co-chairs who stop acting, and what shared caches may keep."""

import re
import threading

import pytest
from sqlalchemy import func, select

from eukz_platform import create_app
from eukz_platform.auth.models import Role, User
from eukz_platform.contacts.models import Contact
from eukz_platform.core.models import Invitation, Organisation
from eukz_platform.core.vocabulary import OrganisationStatus
from eukz_platform.extensions import db
from eukz_platform.groups.models import Announcement, Membership, MembershipStatus
from eukz_platform.organisations import verification

from .factories import PASSWORD, login, make_org, make_user
from .test_groups_support import add_member, make_coordinator, make_group, make_meeting

VERIFIED = OrganisationStatus.VERIFIED
SUSPENDED_MESSAGE = "Your organisation is suspended, so its accounts cannot log in."
SITE = "https://platform.example.eu"


def link_in(message) -> str:
    return re.search(r"https?://\S+", message.body).group(0)


def path_of(link: str) -> str:
    return re.sub(r"^https?://[^/]+", "", link)


@pytest.fixture
def site_app(database_url):
    """The app as configured in production for its links: a site address of its own."""
    from .conftest import empty_all_tables

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "SITE_URL": SITE})
    yield app
    empty_all_tables(app)
    with app.app_context():
        db.engine.dispose()


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


# 1. Links in mail come from the site's address, never from the request's Host -----------


def test_a_forged_host_does_not_reach_the_password_reset_link(site_app):
    outbox = site_app.extensions["mailman"].outbox = []
    with site_app.app_context():
        make_user(email="dana@example.org")
    client = site_app.test_client()
    r = client.post(
        "/auth/forgot-password",
        data={"email": "dana@example.org"},
        headers={"Host": "evil.example"},
    )
    assert r.status_code == 302
    link = link_in(outbox[0])
    assert link.startswith(f"{SITE}/auth/reset-password/")
    assert "evil.example" not in outbox[0].body


def test_invitation_and_confirmation_links_come_from_the_site_address(site_app):
    outbox = site_app.extensions["mailman"].outbox = []
    with site_app.app_context():
        org = make_org(status=VERIFIED)
        make_user(org=org, role=Role.ADMIN, email="admin@civic.example", email_confirmed_at=None)
        org_id = org.id
    client = site_app.test_client()
    headers = {"Host": "evil.example"}
    client.post(
        "/auth/login",
        data={"email": "admin@civic.example", "password": PASSWORD},
        headers=headers,
    )
    client.post(
        f"/organisations/{org_id}/people/invite",
        data={"email": "new@civic.example"},
        headers=headers,
    )
    client.post("/auth/confirm/resend", headers=headers)
    links = [link_in(m) for m in outbox]
    assert len(links) == 2
    assert all(link.startswith(f"{SITE}/auth/") for link in links), links


def test_production_refuses_to_start_without_a_site_address(database_url, monkeypatch):
    for name in ("SITE_URL", "FLASK_SITE_URL", "FLASK_SERVER_NAME", "EUKZ_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    settings = {"SECRET_KEY": "k" * 32, "SQLALCHEMY_DATABASE_URI": database_url}
    with pytest.raises(RuntimeError, match="SITE_URL is not set"):
        create_app(settings)
    with pytest.raises(RuntimeError, match="SITE_URL must look like"):
        create_app({**settings, "SITE_URL": "platform.example.eu"})
    app = create_app({**settings, "SITE_URL": SITE + "/"})
    assert app.config["SITE_URL"] == SITE
    assert app.config["TRUSTED_HOSTS"] == ["platform.example.eu"]
    from_server_name = create_app({**settings, "SERVER_NAME": "civic.example.kz"})
    assert from_server_name.config["SITE_URL"] == "https://civic.example.kz"


def test_requests_for_an_unknown_host_are_refused(site_app):
    site_app.config["TRUSTED_HOSTS"] = ["platform.example.eu"]
    client = site_app.test_client()
    assert client.get("/", headers={"Host": "platform.example.eu"}).status_code == 200
    refused = client.post(
        "/auth/forgot-password", data={"email": "x@example.org"}, headers={"Host": "evil.example"}
    )
    assert refused.status_code == 400
    api = client.get("/api/v1/organisations", headers={"Host": "evil.example"})
    assert api.status_code == 400 and api.json["error"] == "Bad Request"


def test_housekeeping_mail_links_to_the_site_without_a_request(site_app):
    from datetime import timedelta

    from eukz_platform import housekeeping
    from eukz_platform.database import utcnow

    outbox = site_app.extensions["mailman"].outbox = []
    with site_app.app_context():
        org = make_org(status=VERIFIED, profile_confirmed_at=utcnow() - timedelta(days=400))
        make_user(org=org, role=Role.ADMIN)
        housekeeping.annual_confirmation(utcnow())
    assert link_in(outbox[0]) == f"{SITE}/organisations/{org.id}"


# 2. Suspension ends every session at once, and every way back in --------------------------


def _suspended_org_world(app):
    """A verified organisation with an admin signed in twice (a session, and a "remember me"
    cookie alone), a co-chair of a group, an invitation and a reset link out."""
    with app.app_context():
        group = make_group(slug="erasmus")
        org = make_org(name="Steppe Green", status=VERIFIED, country="KZ")
        add_member(group, org)
        admin = make_user(org=org, role=Role.ADMIN, email="admin@steppe.example")
        make_coordinator(group, "kz", admin)
        pending = make_org(status=VERIFIED)
        db.session.add(Membership(organisation_id=pending.id, group_id=group.id, status="pending"))
        meeting = make_meeting(group)
        secretariat = make_user(role=Role.SECRETARIAT, email="sec@eesc.example")
        invitation = Invitation(
            organisation_id=org.id, email="new@steppe.example", invited_by_id=admin.id
        )
        db.session.add(invitation)
        db.session.commit()
        return {
            "org": org.id,
            "group": group.id,
            "meeting": meeting.id,
            "secretariat": secretariat.id,
            "invitation": invitation.id,
        }


def _suspend(app, ids):
    with app.test_request_context():
        verification.suspend(
            db.session.get(Organisation, ids["org"]),
            "Under review.",
            by=db.session.get(User, ids["secretariat"]),
        )


def test_suspension_signs_out_at_once_and_every_action_is_refused(app, outbox):
    ids = _suspended_org_world(app)
    org_id = ids["org"]
    session_client = app.test_client()
    login(session_client, "admin@steppe.example", remember="y")
    remembered = app.test_client()
    remembered.set_cookie(
        "remember_token", session_client.get_cookie("remember_token").value, domain="localhost"
    )
    assert "Log out" in remembered.get("/").get_data(as_text=True)
    with app.app_context():
        before = {
            "org": db.session.get(Organisation, org_id).name,
            "contacts": count(Contact),
            "invitations": count(Invitation),
            "announcements": count(Announcement),
            "pending": count(Membership, Membership.status == MembershipStatus.PENDING),
        }
    _suspend(app, ids)

    for client in (session_client, remembered):
        assert "Log out" not in client.get("/").get_data(as_text=True)
        attempts = [
            client.post(f"/organisations/{org_id}/edit", data={"name": "Taken Over"}),
            client.post(
                f"/organisations/{org_id}/contacts/new",
                data={"name": "Public Face", "visibility": "public"},
            ),
            client.post(f"/organisations/{org_id}/people/invite", data={"email": "x@y.example"}),
            client.post(
                "/working-groups/erasmus/announcements/new",
                data={"title": "Hello", "body": "World"},
            ),
            client.get(f"/working-groups/erasmus/meetings/{ids['meeting']}/attendees.csv"),
            client.get("/working-groups/erasmus/requests"),
        ]
        for r in attempts:
            assert r.status_code == 302 and "/auth/login" in r.headers["Location"]
    with app.app_context():
        assert db.session.get(Organisation, org_id).name == before["org"]
        assert count(Contact) == before["contacts"]
        assert count(Invitation) == before["invitations"]
        assert count(Announcement) == before["announcements"]
        assert count(Membership, Membership.status == MembershipStatus.PENDING) == before["pending"]
    # Logging in says why.
    r = login(app.test_client(), "admin@steppe.example")
    assert r.status_code == 422 and SUSPENDED_MESSAGE in r.get_data(as_text=True)


def test_a_suspended_organisations_people_get_no_way_back_in(app, outbox):
    ids = _suspended_org_world(app)
    # Before the suspension: a reset link and an invitation go out, by mail.
    admin = app.test_client()
    login(admin, "admin@steppe.example")
    admin.post(f"/organisations/{ids['org']}/people/invite", data={"email": "new@steppe.example"})
    app.test_client().post("/auth/forgot-password", data={"email": "admin@steppe.example"})
    invitation_link, reset_link = (path_of(link_in(m)) for m in outbox)
    assert invitation_link.startswith("/auth/invitation/")
    assert reset_link.startswith("/auth/reset-password/")
    _suspend(app, ids)
    outbox.clear()
    client = app.test_client()

    # Forgot password: the same answer, and no mail.
    r = client.post("/auth/forgot-password", data={"email": "admin@steppe.example"})
    assert r.status_code == 302 and outbox == []

    # A reset link mailed before: refused with the login's message, the password unchanged.
    new = "a brand new long passphrase"
    for r in (
        client.get(reset_link, follow_redirects=True),
        client.post(
            reset_link, data={"password": new, "confirm_password": new}, follow_redirects=True
        ),
    ):
        page = r.get_data(as_text=True)
        assert SUSPENDED_MESSAGE in page and "Log out" not in page
    assert login(app.test_client(), "admin@steppe.example", new).status_code == 422

    # An invitation sent before: refused, nobody added.
    r = client.post(
        invitation_link,
        data={"full_name": "New Person", "password": new, "confirm_password": new},
        follow_redirects=True,
    )
    page = r.get_data(as_text=True)
    assert SUSPENDED_MESSAGE in page and "Log out" not in page
    with app.app_context():
        assert count(User, User.email == "new@steppe.example") == 0


def test_after_reinstatement_the_old_sessions_stay_ended(app):
    ids = _suspended_org_world(app)
    client = app.test_client()
    login(client, "admin@steppe.example", remember="y")
    _suspend(app, ids)
    with app.test_request_context():
        verification.reinstate(
            db.session.get(Organisation, ids["org"]), by=db.session.get(User, ids["secretariat"])
        )
    assert "Log out" not in client.get("/").get_data(as_text=True)
    assert login(app.test_client(), "admin@steppe.example").status_code == 302


def test_a_suspended_organisations_co_chair_is_not_shown_and_does_not_act(app):
    ids = _suspended_org_world(app)
    with app.app_context():
        chair = db.session.scalar(select(User).where(User.email == "admin@steppe.example"))
        chair_name = chair.full_name
    assert chair_name in app.test_client().get("/working-groups/erasmus").get_data(as_text=True)
    _suspend(app, ids)
    assert chair_name not in app.test_client().get("/working-groups/erasmus").get_data(as_text=True)
    api = app.test_client().get("/api/v1/working-groups/erasmus").json
    assert api["coordinators"] == []
    with app.test_request_context():
        from eukz_platform.groups import membership

        chair = db.session.get(User, chair.id)
        group = db.session.get(membership.WorkingGroup, ids["group"])
        assert not membership.can_moderate(chair, group)


# Rejection: signed out, then back only to correct the profile and ask again --------------


def test_rejection_signs_out_and_leaves_only_correcting_and_asking_again(app):
    with app.app_context():
        org = make_org(name="Steppe Green")
        make_user(org=org, role=Role.ADMIN, email="admin@steppe.example")
        secretariat = make_user(role=Role.SECRETARIAT)
        org_id, secretariat_id = org.id, secretariat.id
    client = app.test_client()
    login(client, "admin@steppe.example")
    with app.test_request_context():
        verification.reject(
            db.session.get(Organisation, org_id),
            "Not a civil society organisation.",
            by=db.session.get(User, secretariat_id),
        )
    assert "Log out" not in client.get("/").get_data(as_text=True)
    assert login(client, "admin@steppe.example").status_code == 302
    profile = client.get(f"/organisations/{org_id}").get_data(as_text=True)
    assert "Not a civil society organisation." in profile
    assert "Ask for verification again" in profile
    assert client.get(f"/organisations/{org_id}/edit").status_code == 200
    r = client.post(f"/organisations/{org_id}/people/invite", data={"email": "x@steppe.example"})
    assert r.status_code == 403
    r = client.post(
        f"/organisations/{org_id}/contacts/new", data={"name": "Someone", "visibility": "public"}
    )
    assert r.status_code == 403
    assert client.post(f"/organisations/{org_id}/ask-again").status_code == 302
    with app.app_context():
        assert db.session.get(Organisation, org_id).status == OrganisationStatus.PENDING
        assert count(Invitation) == 0 and count(Contact) == 0


# 3. Logging out ends the session on the server ----------------------------------------------


def test_cookies_captured_before_logging_out_do_not_work_after(app):
    with app.app_context():
        make_user(email="dana@example.org")
    client = app.test_client()
    login(client, "dana@example.org", remember="y")
    session_cookie = client.get_cookie("session").value
    remember_cookie = client.get_cookie("remember_token").value
    client.post("/auth/logout")
    for name, value in (("session", session_cookie), ("remember_token", remember_cookie)):
        thief = app.test_client()
        thief.set_cookie(name, value, domain="localhost")
        assert "Log out" not in thief.get("/").get_data(as_text=True), name
    # Logging in again works.
    again = app.test_client()
    login(again, "dana@example.org")
    assert "Log out" in again.get("/").get_data(as_text=True)


# 6. Pages for signed-in people are private ----------------------------------------------


def test_signed_in_pages_are_not_stored_by_shared_caches(app):
    with app.app_context():
        org = make_org(status=VERIFIED)
        make_user(org=org, role=Role.ADMIN, email="admin@civic.example")
        make_user(role=Role.SECRETARIAT, email="sec@eesc.example")
        org_id = org.id
    visitor = app.test_client()
    assert "no-store" not in visitor.get("/directory/").headers.get("Cache-Control", "")
    admin = app.test_client()
    login(admin, "admin@civic.example")
    secretariat = app.test_client()
    login(secretariat, "sec@eesc.example")
    for client, path in (
        (admin, f"/organisations/{org_id}/people"),
        (admin, "/working-groups/notifications"),
        (admin, "/directory/"),
        (secretariat, "/admin/"),
        (secretariat, "/admin/organisations"),
    ):
        r = client.get(path)
        assert r.status_code == 200, path
        assert r.headers["Cache-Control"] == "private, no-store", path
        assert "Cookie" in r.headers["Vary"], path
    # Static files stay cacheable for everyone.
    css = admin.get("/static/css/site.css")
    assert "no-store" not in css.headers.get("Cache-Control", "")


# 7. HSTS over HTTPS in production; 405 says what is allowed -----------------------------


def test_hsts_is_sent_over_https_in_production(database_url):
    app = create_app(
        {"SECRET_KEY": "k" * 32, "SQLALCHEMY_DATABASE_URI": database_url, "SITE_URL": SITE}
    )
    secure = app.test_client().get("/healthz", base_url=SITE)
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000"
    plain = app.test_client().get("/healthz", base_url="http://platform.example.eu")
    assert "Strict-Transport-Security" not in plain.headers


def test_hsts_follows_the_proxy_when_told_to_trust_it(database_url):
    app = create_app(
        {
            "SECRET_KEY": "k" * 32,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SITE_URL": SITE,
            "TRUSTED_PROXIES": 1,
        }
    )
    r = app.test_client().get(
        "/healthz", base_url="http://platform.example.eu", headers={"X-Forwarded-Proto": "https"}
    )
    assert "Strict-Transport-Security" in r.headers


def test_method_not_allowed_names_the_allowed_methods(client):
    r = client.post("/directory/")
    assert r.status_code == 405
    assert r.headers["Allow"] == "GET, HEAD, OPTIONS"
    api = client.delete("/api/v1/organisations")
    assert api.status_code == 405 and api.headers["Allow"] == "GET, HEAD, OPTIONS"
    assert api.json["error"] == "Method Not Allowed"


# 10. Co-chairs lose moderation when their organisation leaves the group ------------------


def test_a_co_chair_whose_organisation_left_the_group_stops_acting(app):
    with app.app_context():
        group = make_group(slug="erasmus")
        org = make_org(status=VERIFIED, country="BE")
        add_member(group, org)
        chair = make_user(org=org, email="chair@eu.example", full_name="Eva Europa")
        make_coordinator(group, "eu", chair)
        membership = db.session.scalar(
            select(Membership).where(Membership.organisation_id == org.id)
        )
        membership_id = membership.id
    client = app.test_client()
    login(client, "chair@eu.example")
    assert client.get("/working-groups/erasmus/announcements/new").status_code == 200
    with app.app_context():
        db.session.get(Membership, membership_id).status = MembershipStatus.LEFT
        db.session.commit()
    assert client.get("/working-groups/erasmus/announcements/new").status_code == 403
    r = client.post(
        "/working-groups/erasmus/announcements/new", data={"title": "Hi", "body": "There"}
    )
    assert r.status_code == 403
    visitor_page = app.test_client().get("/working-groups/erasmus").get_data(as_text=True)
    assert "Eva Europa" not in visitor_page
    with app.app_context():
        assert count(Announcement) == 0


# 14. Forgot password answers before any look-up or mail ----------------------------------


def test_forgot_password_does_the_same_work_in_the_request_whether_or_not_the_email_exists(
    app, monkeypatch
):
    """The look-up and the mail happen after the answer: the request itself runs no
    statement and sends nothing, for a known address as for an unknown one."""
    from flask_mailman.backends import locmem
    from sqlalchemy import event

    app.config["TASKS_INLINE"] = False
    outbox = app.extensions["mailman"].outbox = []
    with app.app_context():
        make_user(email="dana@example.org")
        engine = db.engine
    release, sent = threading.Event(), threading.Event()
    real_send = locmem.EmailBackend.send_messages

    def held_send(self, messages):
        release.wait(10)
        sent_count = real_send(self, messages)
        sent.set()
        return sent_count

    here = threading.get_ident()
    in_request = []

    def note(conn, cursor, statement, *args):
        if threading.get_ident() == here:
            in_request.append(statement)

    monkeypatch.setattr(locmem.EmailBackend, "send_messages", held_send)
    event.listen(engine, "before_cursor_execute", note)
    try:
        client = app.test_client()
        for email in ("dana@example.org", "nobody@example.org"):
            r = client.post("/auth/forgot-password", data={"email": email})
            assert r.status_code == 302
            assert "If an account uses" in client.get("/auth/login").get_data(as_text=True)
        # Answered while the mail was still held: the request did not wait for it.
        assert outbox == [] and in_request == []
        release.set()
        assert sent.wait(10)
    finally:
        event.remove(engine, "before_cursor_execute", note)
    assert [m.to for m in outbox] == [["dana@example.org"]]


# A person removed from the organisation ----------------------------------------------------


def test_a_person_removed_from_the_organisation_is_signed_out_and_kept_out(app, outbox):
    with app.app_context():
        org = make_org(status=VERIFIED)
        admin = make_user(org=org, role=Role.ADMIN, email="admin@civic.example")
        colleague = make_user(org=org, email="gone@civic.example", full_name="Gone Person")
        org_id, admin_id, colleague_id = org.id, admin.id, colleague.id
    theirs = app.test_client()
    login(theirs, "gone@civic.example", remember="y")
    remember_cookie = theirs.get_cookie("remember_token").value
    client = app.test_client()
    login(client, "admin@civic.example")
    # The last admin cannot remove themselves.
    r = client.post(f"/organisations/{org_id}/people/{admin_id}/remove", follow_redirects=True)
    assert "always needs at least one admin" in r.get_data(as_text=True)
    r = client.post(f"/organisations/{org_id}/people/{colleague_id}/remove", follow_redirects=True)
    page = r.get_data(as_text=True)
    assert "Gone Person is removed from the organisation" in page
    assert "gone@civic.example" not in page
    assert "Log out" not in theirs.get("/").get_data(as_text=True)
    thief = app.test_client()
    thief.set_cookie("remember_token", remember_cookie, domain="localhost")
    assert "Log out" not in thief.get("/").get_data(as_text=True)
    r = login(app.test_client(), "gone@civic.example")
    assert r.status_code == 422 and "This account is closed" in r.get_data(as_text=True)
    outbox.clear()
    app.test_client().post("/auth/forgot-password", data={"email": "gone@civic.example"})
    assert outbox == []
    # Only the organisation's admins remove people.
    member = app.test_client()
    with app.app_context():
        make_user(org=db.session.get(Organisation, org_id), email="plain@civic.example")
    login(member, "plain@civic.example")
    assert member.post(f"/organisations/{org_id}/people/{admin_id}/remove").status_code == 403
    with app.app_context():
        assert db.session.get(User, admin_id).active
