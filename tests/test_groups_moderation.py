"""Co-chairs decide on requests to join; nobody else can."""

import pytest

from eukz_platform.audit import AuditEntry
from eukz_platform.auth.models import Role
from eukz_platform.extensions import db
from eukz_platform.groups.models import Membership
from eukz_platform.groups.models import MembershipStatus as S

from .factories import login, make_org, make_user
from .test_groups_support import (
    VERIFIED,
    add_member,
    count,
    make_admin,
    make_coordinator,
    make_group,
)


def setup(app, org_status=VERIFIED):
    """A group with a co-chair, a pending request with a motivation, and people around it."""
    with app.app_context():
        group = make_group(slug="erasmus", title="Erasmus group")
        other_group = make_group(slug="raw-materials-mou", priority=2)
        make_coordinator(group, "eu", email="chair@eu.example")
        make_coordinator(other_group, "eu", email="chair@other.example")
        org = make_org(name="Steppe Green", status=org_status)
        make_admin(org=org, email="admin@steppe.example")
        make_user(org=org, email="member@steppe.example")
        member = add_member(group, name="Existing Member")
        make_user(org=member, email="member@existing.example")
        make_admin(org=member, email="admin@existing.example")
        make_user(role=Role.SECRETARIAT, email="sec@eesc.example")
        membership = Membership(
            organisation_id=org.id,
            group_id=group.id,
            status=S.PENDING,
            motivation="We <b>run</b> exchanges.",
        )
        db.session.add(membership)
        db.session.commit()
        return membership.id


def state(app, membership_id):
    with app.app_context():
        m = db.session.get(Membership, membership_id)
        return m.status, len(m.events)


def test_a_co_chair_sees_pending_requests_with_their_motivation(app, client):
    setup(app)
    login(client, "chair@eu.example")
    page = client.get("/working-groups/erasmus").get_data(as_text=True)
    assert "Requests to join (1 pending)" in page
    r = client.get("/working-groups/erasmus/requests")
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "Steppe Green" in html and "We &lt;b&gt;run&lt;/b&gt; exchanges." in html
    assert "Approve" in html and "Decline" in html


def test_a_co_chair_approves_with_a_message_and_the_admins_are_mailed(app, client, outbox):
    membership_id = setup(app)
    login(client, "chair@eu.example")
    r = client.post(
        f"/working-groups/erasmus/requests/{membership_id}",
        data={f"request-{membership_id}-message": "Welcome!", "approve": "1"},
    )
    assert r.status_code == 302 and r.headers["Location"] == "/working-groups/erasmus/requests"
    assert state(app, membership_id) == (S.ACTIVE, 1)
    with app.app_context():
        event = db.session.get(Membership, membership_id).events[-1]
        assert event.message == "Welcome!" and event.actor.email == "chair@eu.example"
        assert count(AuditEntry, AuditEntry.action == "membership.approve") == 1
    assert outbox[0].to == ["admin@steppe.example"] and "Welcome!" in outbox[0].body
    assert "Steppe Green" in client.get("/working-groups/erasmus").get_data(as_text=True)
    admin = app.test_client()
    login(admin, "admin@steppe.example")
    page = admin.get("/working-groups/erasmus").get_data(as_text=True)
    assert "Leave the working group" in page and "Welcome!" in page


def test_a_co_chair_declines(app, client, outbox):
    membership_id = setup(app)
    login(client, "chair@eu.example")
    client.post(
        f"/working-groups/erasmus/requests/{membership_id}",
        data={f"request-{membership_id}-message": "Not now.", "decline": "1"},
    )
    assert state(app, membership_id)[0] == S.DECLINED
    assert "declined" in outbox[0].subject and "Not now." in outbox[0].body


def test_a_request_awaiting_verification_cannot_be_approved(app, client, outbox):
    membership_id = setup(app, org_status="pending")
    login(client, "chair@eu.example")
    html = client.get("/working-groups/erasmus/requests").get_data(as_text=True)
    assert "Cannot be approved yet" in html and "awaits verification" in html
    # No "Approve" button that would fail: only "Decline".
    assert 'name="approve"' not in html and 'name="decline"' in html
    # A request sent all the same is refused with the reason.
    r = client.post(f"/working-groups/erasmus/requests/{membership_id}", data={"approve": "1"})
    assert r.status_code == 302
    assert state(app, membership_id) == (S.PENDING, 0)
    assert "can be approved once it is verified" in client.get(r.headers["Location"]).get_data(
        as_text=True
    )
    assert outbox == []


def test_a_message_too_long_is_refused_beside_the_field(app, client):
    membership_id = setup(app)
    login(client, "chair@eu.example")
    r = client.post(
        f"/working-groups/erasmus/requests/{membership_id}",
        data={f"request-{membership_id}-message": "x" * 1001, "approve": "1"},
    )
    assert r.status_code == 422
    assert f'id="request-{membership_id}-message-error"' in r.get_data(as_text=True)
    assert state(app, membership_id) == (S.PENDING, 0)


def test_a_request_of_another_group_is_not_found_here(app, client):
    membership_id = setup(app)
    login(client, "chair@other.example")
    r = client.post(
        f"/working-groups/raw-materials-mou/requests/{membership_id}", data={"approve": "1"}
    )
    assert r.status_code == 404
    assert state(app, membership_id) == (S.PENDING, 0)


@pytest.mark.parametrize(
    "email",
    [
        "chair@other.example",  # a co-chair of another group
        "admin@steppe.example",  # the requesting organisation's admin
        "member@steppe.example",
        "member@existing.example",  # a plain member of a member organisation
        "admin@existing.example",  # an admin of a member organisation
    ],
)
def test_others_get_403_on_the_requests_and_nothing_changes(app, client, outbox, email):
    membership_id = setup(app)
    login(client, email)
    assert client.get("/working-groups/erasmus/requests").status_code == 403
    for decision in ("approve", "decline"):
        r = client.post(f"/working-groups/erasmus/requests/{membership_id}", data={decision: "1"})
        assert r.status_code == 403
    assert state(app, membership_id) == (S.PENDING, 0)
    with app.app_context():
        assert count(AuditEntry) == 0
    assert outbox == []
    assert "Requests to join" not in client.get("/working-groups/erasmus").get_data(as_text=True)


def test_visitors_are_sent_to_log_in(app, client):
    membership_id = setup(app)
    for r in (
        client.get("/working-groups/erasmus/requests"),
        client.post(f"/working-groups/erasmus/requests/{membership_id}", data={"approve": "1"}),
    ):
        assert r.status_code == 302 and "/auth/login" in r.headers["Location"]
    assert state(app, membership_id) == (S.PENDING, 0)


def test_the_secretariat_may_decide(app, client):
    membership_id = setup(app)
    login(client, "sec@eesc.example")
    assert client.get("/working-groups/erasmus/requests").status_code == 200
    client.post(f"/working-groups/erasmus/requests/{membership_id}", data={"approve": "1"})
    assert state(app, membership_id)[0] == S.ACTIVE


def test_a_decided_request_is_not_decided_twice(app, client, outbox):
    membership_id = setup(app)
    login(client, "chair@eu.example")
    client.post(f"/working-groups/erasmus/requests/{membership_id}", data={"decline": "1"})
    r = client.post(f"/working-groups/erasmus/requests/{membership_id}", data={"approve": "1"})
    assert r.status_code == 302
    assert state(app, membership_id) == (S.DECLINED, 1)
    assert len(outbox) == 1


@pytest.mark.parametrize(
    ("language", "reason"),
    [
        ("en", "awaits verification by the secretariat"),
        ("ru", "ожидает проверки секретариатом"),
        ("kk", "хатшылықтың тексеруін күтуде"),
    ],
)
def test_the_reason_a_request_cannot_be_approved_is_in_the_readers_language(
    app, client, language, reason
):
    setup(app, org_status="pending")
    client.get(f"/language/{language}")
    login(client, "chair@eu.example")
    html = client.get("/working-groups/erasmus/requests").get_data(as_text=True)
    assert reason in html and 'name="approve"' not in html


@pytest.mark.parametrize("status", ["rejected", "suspended"])
def test_a_request_of_a_rejected_or_suspended_organisation_says_why_it_cannot_be_approved(
    app, client, status
):
    setup(app, org_status=status)
    login(client, "chair@eu.example")
    html = client.get("/working-groups/erasmus/requests").get_data(as_text=True)
    assert f"The secretariat {status} this organisation" in html
    assert 'name="approve"' not in html and 'name="decline"' in html


def test_a_request_of_a_closed_organisation_is_not_shown_to_the_co_chairs(app, client):
    """A closed organisation is seen by the secretariat only: its request left pending is
    neither listed nor counted for the co-chairs."""
    setup(app, org_status="closed")
    login(client, "chair@eu.example")
    page = client.get("/working-groups/erasmus").get_data(as_text=True)
    assert "1 pending" not in page
    html = client.get("/working-groups/erasmus/requests").get_data(as_text=True)
    assert "Steppe Green" not in html and "We &lt;b&gt;run&lt;/b&gt; exchanges." not in html
