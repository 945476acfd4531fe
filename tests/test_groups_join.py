"""Joining, withdrawing and leaving through the pages: only the organisation's admins act."""

import pytest

from eukz_platform.auth.models import Role
from eukz_platform.extensions import db
from eukz_platform.groups.models import Membership, MembershipEvent
from eukz_platform.groups.models import MembershipStatus as S

from .factories import login, make_org, make_user
from .test_groups_support import (
    VERIFIED,
    count,
    make_admin,
    make_group,
)


def setup(app, moderated=True, org_status=VERIFIED):
    with app.app_context():
        group = make_group(slug="erasmus", moderated=moderated)
        org = make_org(name="Steppe Green", status=org_status)
        make_admin(org=org, email="admin@steppe.example")
        make_user(org=org, email="member@steppe.example")
        make_admin(email="admin@other.example")
        make_user(role=Role.SECRETARIAT, email="sec@eesc.example")
        return group.id, org.id


def status_of(app, org_id, group_id):
    with app.app_context():
        row = db.session.scalar(
            db.select(Membership).where(
                Membership.organisation_id == org_id, Membership.group_id == group_id
            )
        )
        return row.status if row else None


def test_an_admin_asks_to_join_a_moderated_group_with_a_motivation(app, client):
    group_id, org_id = setup(app)
    login(client, "admin@steppe.example")
    page = client.get("/working-groups/erasmus").get_data(as_text=True)
    assert "Steppe Green is not a member of this working group." in page
    assert "Motivation (optional)" in page and "Ask to join" in page
    r = client.post(
        f"/working-groups/erasmus/organisations/{org_id}/join",
        data={"motivation": "  We run Erasmus exchanges.  "},
    )
    assert r.status_code == 302 and r.headers["Location"] == "/working-groups/erasmus"
    page = client.get("/working-groups/erasmus").get_data(as_text=True)
    assert "Your request is sent to the co-chairs." in page
    assert "Request pending" in page and "Withdraw the request" in page
    with app.app_context():
        membership = db.session.scalar(db.select(Membership))
        assert membership.status == S.PENDING
        assert membership.motivation == "We run Erasmus exchanges."


def test_an_open_group_takes_a_verified_organisation_at_once(app, client):
    group_id, org_id = setup(app, moderated=False)
    login(client, "admin@steppe.example")
    page = client.get("/working-groups/erasmus").get_data(as_text=True)
    assert ">Join<" in page
    client.post(f"/working-groups/erasmus/organisations/{org_id}/join")
    assert status_of(app, org_id, group_id) == S.ACTIVE
    page = client.get("/working-groups/erasmus").get_data(as_text=True)
    assert "Steppe Green is now a member" in page and "Leave the working group" in page


def test_an_organisation_awaiting_verification_is_told_it_waits(app, client):
    group_id, org_id = setup(app, moderated=False, org_status="pending")
    login(client, "admin@steppe.example")
    client.post(f"/working-groups/erasmus/organisations/{org_id}/join")
    assert status_of(app, org_id, group_id) == S.PENDING
    page = client.get("/working-groups/erasmus").get_data(as_text=True)
    assert "once the secretariat has verified your organisation" in page


def test_a_motivation_longer_than_1000_characters_is_refused_beside_the_field(app, client):
    group_id, org_id = setup(app)
    login(client, "admin@steppe.example")
    r = client.post(
        f"/working-groups/erasmus/organisations/{org_id}/join", data={"motivation": "x" * 1001}
    )
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    assert 'id="motivation-error"' in html and "1000" in html
    assert 'aria-invalid="true"' in html
    with app.app_context():
        assert count(Membership) == 0


def test_the_admin_withdraws_asks_again_and_leaves(app, client):
    group_id, org_id = setup(app)
    login(client, "admin@steppe.example")
    base = f"/working-groups/erasmus/organisations/{org_id}"
    client.post(f"{base}/join")
    r = client.post(f"{base}/withdraw")
    assert r.status_code == 302
    assert status_of(app, org_id, group_id) == S.WITHDRAWN
    assert "Request withdrawn" in client.get("/working-groups/erasmus").get_data(as_text=True)
    client.post(f"{base}/join")
    assert status_of(app, org_id, group_id) == S.PENDING
    with app.app_context():
        membership = db.session.scalar(db.select(Membership))
        membership.status = S.ACTIVE
        db.session.commit()
    client.post(f"{base}/leave")
    assert status_of(app, org_id, group_id) == S.LEFT
    with app.app_context():
        assert count(Membership) == 1 and count(MembershipEvent) == 4


def test_leaving_when_not_a_member_changes_nothing(app, client):
    group_id, org_id = setup(app)
    login(client, "admin@steppe.example")
    r = client.post(f"/working-groups/erasmus/organisations/{org_id}/leave")
    assert r.status_code == 302
    page = client.get("/working-groups/erasmus").get_data(as_text=True)
    assert "not a member of this working group" in page
    with app.app_context():
        assert count(Membership) == 0


def test_other_people_of_the_organisation_see_the_state_but_cannot_act(app, client):
    group_id, org_id = setup(app)
    admin = app.test_client()
    login(admin, "admin@steppe.example")
    admin.post(f"/working-groups/erasmus/organisations/{org_id}/join", data={"motivation": "Hi"})
    login(client, "member@steppe.example")
    page = client.get("/working-groups/erasmus").get_data(as_text=True)
    assert "Request pending" in page
    assert "Withdraw the request" not in page and "Ask to join" not in page
    assert "admins can ask to join a working group" in page


@pytest.mark.parametrize(
    "email", ["member@steppe.example", "admin@other.example", "sec@eesc.example"]
)
@pytest.mark.parametrize("action", ["join", "withdraw", "leave"])
def test_anyone_but_the_organisations_admins_gets_403_and_nothing_changes(
    app, client, email, action
):
    group_id, org_id = setup(app)
    admin = app.test_client()
    login(admin, "admin@steppe.example")
    if action != "join":
        admin.post(f"/working-groups/erasmus/organisations/{org_id}/join")
    if action == "leave":
        with app.app_context():
            db.session.scalar(db.select(Membership)).status = S.ACTIVE
            db.session.commit()
    before = status_of(app, org_id, group_id)
    with app.app_context():
        events = count(MembershipEvent)
    login(client, email)
    r = client.post(
        f"/working-groups/erasmus/organisations/{org_id}/{action}", data={"motivation": "x"}
    )
    assert r.status_code == 403
    assert status_of(app, org_id, group_id) == before
    with app.app_context():
        assert count(MembershipEvent) == events


@pytest.mark.parametrize("action", ["join", "withdraw", "leave"])
def test_visitors_are_sent_to_log_in(app, client, action):
    group_id, org_id = setup(app)
    r = client.post(f"/working-groups/erasmus/organisations/{org_id}/{action}")
    assert r.status_code == 302 and "/auth/login" in r.headers["Location"]
    with app.app_context():
        assert count(Membership) == 0


def test_a_visitor_sees_no_membership_controls(app, client):
    setup(app)
    page = client.get("/working-groups/erasmus").get_data(as_text=True)
    assert "Your organisation and this group" not in page and "Ask to join" not in page
