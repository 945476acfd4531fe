"""An organisation's admins: profile, invitations, roles."""

import re

from sqlalchemy import select

from eukz_platform.audit import AuditEntry
from eukz_platform.auth.models import Role, User
from eukz_platform.core.models import Organisation
from eukz_platform.extensions import db
from eukz_platform.groups.models import Coordinator, WorkingGroup
from eukz_platform.seeding import ensure_groups_and_contacts

from .factories import PASSWORD, login, make_org, make_user


def profile_form(**overrides):
    data = {
        "name": "Civic Union",
        "country": "BE",
        "type": "trade_union",
        "eesc_group": "II",
        "city": "Brussels",
        "sectors": ["labour_and_social_dialogue"],
    }
    data.update(overrides)
    return data


def setup_org(app):
    with app.app_context():
        org = make_org(name="Civic Union")
        admin = make_user(
            org=org, role=Role.ADMIN, email="admin@civic.example", full_name="Ana Admin"
        )
        member = make_user(org=org, email="member@civic.example", full_name="Mo Member")
        return org.id, admin.id, member.id


def test_admin_edits_the_profile(app, client):
    org_id, _, _ = setup_org(app)
    login(client, "admin@civic.example")
    page = client.get(f"/organisations/{org_id}/edit").get_data(as_text=True)
    assert 'value="Civic Union"' in page
    r = client.post(f"/organisations/{org_id}/edit", data=profile_form(city="Ghent", country="KZ"))
    assert r.status_code == 302
    with app.app_context():
        org = db.session.get(Organisation, org_id)
        assert org.city == "Ghent" and org.side.value == "kz"
    assert "Ghent" in client.get(f"/organisations/{org_id}").get_data(as_text=True)


def test_edit_refuses_a_name_another_organisation_has(app, client):
    org_id, _, _ = setup_org(app)
    with app.app_context():
        make_org(name="Other Union")
    login(client, "admin@civic.example")
    r = client.post(f"/organisations/{org_id}/edit", data=profile_form(name="other union"))
    assert r.status_code == 422
    assert "already registered" in r.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Organisation, org_id).name == "Civic Union"


def test_members_and_outsiders_cannot_edit(app, client):
    org_id, _, _ = setup_org(app)
    with app.app_context():
        make_user(role=Role.ADMIN, email="outsider@other.example")
    for email in ("member@civic.example", "outsider@other.example"):
        c = app.test_client()
        login(c, email)
        assert c.get(f"/organisations/{org_id}/edit").status_code == 403
        assert (
            c.post(f"/organisations/{org_id}/edit", data=profile_form(city="Hacked")).status_code
            == 403
        )
    with app.app_context():
        assert db.session.get(Organisation, org_id).city is None


def test_invited_colleague_sets_a_password_and_joins_as_member(app, client, outbox):
    org_id, _, _ = setup_org(app)
    login(client, "admin@civic.example")
    r = client.post(f"/organisations/{org_id}/people/invite", data={"email": "New@Civic.example"})
    assert r.status_code == 302
    assert outbox[0].to == ["new@civic.example"]
    assert "Ana Admin" in outbox[0].subject
    link = re.search(r"https?://[^/\s]+(/\S+)", outbox[0].body).group(1)
    people = client.get(f"/organisations/{org_id}/people").get_data(as_text=True)
    assert "new@civic.example" in people
    invitee = app.test_client()
    page = invitee.get(link).get_data(as_text=True)
    assert "Join Civic Union" in page
    r = invitee.post(
        link,
        data={
            "full_name": "Nia New",
            "password": PASSWORD,
            "confirm_password": PASSWORD,
            "consent": "y",
        },
    )
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/organisations/{org_id}")
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "new@civic.example"))
        assert user.organisation_id == org_id and user.role == Role.MEMBER
        assert user.email_confirmed and user.privacy_consent_at
    # The link is spent.
    assert "not valid any more" in app.test_client().get(link, follow_redirects=True).get_data(
        as_text=True
    )


def test_opening_an_invitation_link_signs_nobody_out(app, client, outbox):
    """A GET changes nothing: a page elsewhere that loads someone's invitation link (an image,
    say) does not sign out the person signed in on this browser; accepting it does."""
    org_id, _, _ = setup_org(app)
    login(client, "admin@civic.example")
    client.post(f"/organisations/{org_id}/people/invite", data={"email": "new@civic.example"})
    link = re.search(r"https?://[^/\s]+(/\S+)", outbox[0].body).group(1)
    with app.app_context():
        make_user(email="someone@other.example")
    browser = app.test_client()
    login(browser, "someone@other.example")
    assert browser.get(link).status_code == 200
    assert "Log out" in browser.get("/account/").get_data(as_text=True)
    r = browser.post(
        link,
        data={
            "full_name": "Nia New",
            "password": PASSWORD,
            "confirm_password": PASSWORD,
            "consent": "y",
        },
    )
    assert r.status_code == 302
    assert "new@civic.example" in browser.get("/account/").get_data(as_text=True)


def test_inviting_an_existing_account_is_refused(app, client, outbox):
    org_id, _, _ = setup_org(app)
    login(client, "admin@civic.example")
    r = client.post(
        f"/organisations/{org_id}/people/invite", data={"email": "member@civic.example"}
    )
    assert r.status_code == 422
    assert "already has an account" in r.get_data(as_text=True)
    assert outbox == []


def test_members_cannot_invite(app, client, outbox):
    org_id, _, _ = setup_org(app)
    login(client, "member@civic.example")
    r = client.post(f"/organisations/{org_id}/people/invite", data={"email": "x@civic.example"})
    assert r.status_code == 403 and outbox == []


def test_admin_makes_a_colleague_admin_and_there_is_always_one_admin(app, client):
    org_id, admin_id, member_id = setup_org(app)
    login(client, "admin@civic.example")
    # The only admin cannot step down.
    r = client.post(
        f"/organisations/{org_id}/people/{admin_id}/role",
        data={"role": "member"},
        follow_redirects=True,
    )
    assert "always needs at least one admin" in r.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, admin_id).role == Role.ADMIN
    client.post(f"/organisations/{org_id}/people/{member_id}/role", data={"role": "admin"})
    with app.app_context():
        assert db.session.get(User, member_id).role == Role.ADMIN
    # Now there are two, one may step down.
    client.post(f"/organisations/{org_id}/people/{admin_id}/role", data={"role": "member"})
    with app.app_context():
        assert db.session.get(User, admin_id).role == Role.MEMBER


def test_roles_of_another_organisation_cannot_be_changed(app, client):
    org_id, _, member_id = setup_org(app)
    with app.app_context():
        make_user(role=Role.ADMIN, email="outsider@other.example")
    login(client, "outsider@other.example")
    r = client.post(f"/organisations/{org_id}/people/{member_id}/role", data={"role": "admin"})
    assert r.status_code == 403
    with app.app_context():
        assert db.session.get(User, member_id).role == Role.MEMBER


def test_people_page_is_for_the_organisation_only(app, client):
    org_id, _, _ = setup_org(app)
    with app.app_context():
        make_user(email="outsider@other.example")
    login(client, "outsider@other.example")
    assert client.get(f"/organisations/{org_id}/people").status_code == 403
    assert "admin@civic.example" not in client.get(f"/organisations/{org_id}").get_data(
        as_text=True
    )


def accept(app, link: str, name: str = "Mo Moved"):
    invitee = app.test_client()
    return invitee, invitee.post(
        link,
        data={
            "full_name": name,
            "password": PASSWORD,
            "confirm_password": PASSWORD,
            "consent": "y",
        },
    )


def test_a_person_removed_from_one_organisation_can_be_invited_by_another(app, client, outbox):
    org_id, _, member_id = setup_org(app)
    with app.app_context():
        ensure_groups_and_contacts()
        group = db.session.scalar(select(WorkingGroup).where(WorkingGroup.slug == "erasmus"))
        db.session.add(Coordinator(group_id=group.id, user_id=member_id, side="eu"))
        other = make_org(name="Steppe Youth", country="KZ")
        make_user(org=other, role=Role.ADMIN, email="admin@steppe.example")
        other_id = other.id
        db.session.commit()
    login(client, "admin@civic.example")
    client.post(f"/organisations/{org_id}/people/{member_id}/remove")

    steppe = app.test_client()
    login(steppe, "admin@steppe.example")
    outbox.clear()
    r = steppe.post(
        f"/organisations/{other_id}/people/invite", data={"email": "member@civic.example"}
    )
    assert r.status_code == 302 and outbox[0].to == ["member@civic.example"]
    link = re.search(r"https?://[^/\s]+(/\S+)", outbox[0].body).group(1)
    invitee, r = accept(app, link)
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/organisations/{other_id}")
    assert "Log out" in invitee.get("/").get_data(as_text=True)
    with app.app_context():
        user = db.session.get(User, member_id)
        assert user.active and user.organisation_id == other_id and user.role == Role.MEMBER
        assert user.full_name == "Mo Moved"
        # The co-chair role stays with the organisation left.
        assert (
            db.session.scalar(select(Coordinator).where(Coordinator.user_id == member_id)) is None
        )
        actions = set(db.session.scalars(select(AuditEntry.action)))
        assert {"user.reopen", "coordinator.remove"} <= actions
    # Gone from the old organisation's people, listed in the new one's.
    assert "Mo Moved" not in client.get(f"/organisations/{org_id}/people").get_data(as_text=True)
    assert "Mo Moved" in steppe.get(f"/organisations/{other_id}/people").get_data(as_text=True)
    # The new password signs in.
    assert login(app.test_client(), "member@civic.example").status_code == 302


def test_an_open_account_is_still_not_invited_nor_taken_over(app, client, outbox):
    org_id, _, member_id = setup_org(app)
    with app.app_context():
        other = make_org(name="Steppe Youth", country="KZ")
        make_user(org=other, role=Role.ADMIN, email="admin@steppe.example")
        other_id = other.id
    # An invitation sent while the address had no account, accepted after it has one.
    steppe = app.test_client()
    login(steppe, "admin@steppe.example")
    steppe.post(f"/organisations/{other_id}/people/invite", data={"email": "late@civic.example"})
    link = re.search(r"https?://[^/\s]+(/\S+)", outbox[-1].body).group(1)
    with app.app_context():
        make_user(org=db.session.get(Organisation, org_id), email="late@civic.example")
    invitee, r = accept(app, link, name="Taken Over")
    assert r.status_code == 302 and r.headers["Location"].endswith("/auth/login")
    page = invitee.get(r.headers["Location"]).get_data(as_text=True)
    assert "An account already uses this email. Log in instead." in page
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "late@civic.example"))
        assert user.organisation_id == org_id and user.full_name != "Taken Over"
