"""The membership state machine (docs/architecture.md, "Membership states"): every transition,
who may make it, its history, and one row per organisation and group."""

import threading

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from eukz_platform.audit import AuditEntry
from eukz_platform.auth.models import Role
from eukz_platform.core.models import Organisation
from eukz_platform.core.vocabulary import OrganisationStatus
from eukz_platform.database import utcnow
from eukz_platform.extensions import db
from eukz_platform.groups import membership as m
from eukz_platform.groups.models import Membership, MembershipEvent, MembershipStatus
from eukz_platform.organisations import verification

from .factories import make_org, make_user
from .test_groups_support import (
    VERIFIED,
    add_member,
    count,
    make_admin,
    make_coordinator,
    make_group,
)

S = MembershipStatus


def history(membership):
    db.session.refresh(membership)
    return [(e.from_status, e.to_status) for e in membership.events]


# Requests -------------------------------------------------------------------------------


def test_a_request_to_a_moderated_group_is_pending_with_its_history(ctx):
    group = make_group(moderated=True)
    admin = make_admin()
    before = utcnow()
    membership = m.request_membership(admin.organisation, group, by=admin, motivation="We teach.")
    assert membership.status == S.PENDING and membership.motivation == "We teach."
    [event] = membership.events
    assert (event.from_status, event.to_status) == (None, S.PENDING)
    assert event.actor_id == admin.id and event.at >= before and event.message is None


def test_an_open_group_takes_a_verified_organisation_at_once(ctx):
    group = make_group(moderated=False)
    admin = make_admin()
    membership = m.request_membership(admin.organisation, group, by=admin)
    assert membership.status == S.ACTIVE
    assert history(membership) == [(None, S.ACTIVE)]


def test_an_organisation_awaiting_verification_waits_then_joins_an_open_group(ctx):
    group = make_group(moderated=False)
    admin = make_admin(org=make_org())
    membership = m.request_membership(admin.organisation, group, by=admin)
    assert membership.status == S.PENDING
    secretariat = make_user(role=Role.SECRETARIAT)
    verification.verify(admin.organisation, by=secretariat)
    assert history(membership) == [(None, S.PENDING), (S.PENDING, S.ACTIVE)]
    assert membership.events[-1].actor_id == secretariat.id


def test_verification_leaves_requests_to_moderated_groups_to_the_co_chairs(ctx):
    group = make_group(moderated=True)
    admin = make_admin(org=make_org())
    membership = m.request_membership(admin.organisation, group, by=admin)
    verification.verify(admin.organisation, by=make_user(role=Role.SECRETARIAT))
    db.session.refresh(membership)
    assert membership.status == S.PENDING


def test_a_pending_or_active_organisation_cannot_ask_twice(ctx):
    group = make_group()
    admin = make_admin()
    membership = m.request_membership(admin.organisation, group, by=admin)
    with pytest.raises(m.InvalidTransition):
        m.request_membership(admin.organisation, group, by=admin)
    m.approve(membership, by=make_coordinator(group))
    with pytest.raises(m.InvalidTransition):
        m.request_membership(admin.organisation, group, by=admin)
    assert history(membership) == [(None, S.PENDING), (S.PENDING, S.ACTIVE)]


@pytest.mark.parametrize("status", [OrganisationStatus.REJECTED, OrganisationStatus.SUSPENDED])
def test_rejected_or_suspended_organisations_cannot_ask(ctx, status):
    group = make_group()
    admin = make_admin(org=make_org(status=status))
    with pytest.raises(m.NotAllowed):
        m.request_membership(admin.organisation, group, by=admin)
    assert count(Membership) == 0


def test_an_archived_group_takes_no_requests(ctx):
    group = make_group(archived_at=utcnow())
    admin = make_admin()
    with pytest.raises(m.GroupArchived):
        m.request_membership(admin.organisation, group, by=admin)
    assert count(Membership) == 0


# Decisions ------------------------------------------------------------------------------


def test_a_co_chair_approves_with_a_message_audited_and_mailed(ctx, outbox):
    group = make_group()
    admin = make_admin(email="admin@steppe.example")
    membership = m.request_membership(admin.organisation, group, by=admin)
    chair = make_coordinator(group)
    m.approve(membership, by=chair, message="Welcome aboard.")
    assert membership.status == S.ACTIVE
    event = membership.events[-1]
    assert (event.from_status, event.to_status, event.actor_id, event.message) == (
        S.PENDING,
        S.ACTIVE,
        chair.id,
        "Welcome aboard.",
    )
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "membership.approve"))
    assert entry.actor_id == chair.id and entry.after == {"status": "active"}
    assert [msg.to for msg in outbox] == [["admin@steppe.example"]]
    assert "approved" in outbox[0].subject and "Welcome aboard." in outbox[0].body
    assert f"/working-groups/{group.slug}" in outbox[0].body


def test_a_co_chair_declines_and_the_admins_are_told(ctx, outbox):
    group = make_group()
    admin = make_admin()
    membership = m.request_membership(admin.organisation, group, by=admin)
    m.decline(membership, by=make_coordinator(group, side="kz"), message="Not this year.")
    assert membership.status == S.DECLINED
    assert membership.events[-1].message == "Not this year."
    assert "declined" in outbox[0].subject and "Not this year." in outbox[0].body


def test_the_secretariat_may_decide_too(ctx):
    group = make_group()
    admin = make_admin()
    membership = m.request_membership(admin.organisation, group, by=admin)
    m.approve(membership, by=make_user(role=Role.SECRETARIAT))
    assert membership.status == S.ACTIVE


def test_a_request_awaiting_verification_cannot_be_approved_until_verified(ctx):
    group = make_group()
    admin = make_admin(org=make_org())
    membership = m.request_membership(admin.organisation, group, by=admin)
    chair = make_coordinator(group)
    with pytest.raises(m.NotYetVerified):
        m.approve(membership, by=chair)
    db.session.rollback()
    assert history(membership) == [(None, S.PENDING)]
    verification.verify(admin.organisation, by=make_user(role=Role.SECRETARIAT))
    m.approve(membership, by=chair)
    assert membership.status == S.ACTIVE


def test_only_pending_requests_are_decided(ctx):
    group = make_group()
    org = add_member(group)
    membership = m.get_membership(org.id, group.id)
    chair = make_coordinator(group)
    for decide in (m.approve, m.decline):
        with pytest.raises(m.InvalidTransition):
            decide(membership, by=chair)
    assert membership.status == S.ACTIVE


def test_a_mail_failure_never_undoes_the_decision(ctx, monkeypatch):
    from flask_mailman import EmailMessage

    def broken(self, *args, **kwargs):
        raise OSError("mail server down")

    monkeypatch.setattr(EmailMessage, "send", broken)
    group = make_group()
    admin = make_admin()
    membership = m.request_membership(admin.organisation, group, by=admin)
    m.approve(membership, by=make_coordinator(group))
    db.session.expire_all()
    assert db.session.get(Membership, membership.id).status == S.ACTIVE


# Withdrawing, leaving, asking again -----------------------------------------------------


def test_an_admin_withdraws_a_pending_request(ctx):
    group = make_group()
    admin = make_admin()
    membership = m.request_membership(admin.organisation, group, by=admin)
    m.withdraw(membership, by=admin)
    assert history(membership) == [(None, S.PENDING), (S.PENDING, S.WITHDRAWN)]
    with pytest.raises(m.InvalidTransition):
        m.withdraw(membership, by=admin)


def test_an_admin_leaves_and_only_an_active_membership_can_be_left(ctx):
    group = make_group()
    admin = make_admin()
    membership = m.request_membership(admin.organisation, group, by=admin)
    with pytest.raises(m.InvalidTransition):
        m.leave(membership, by=admin)
    m.approve(membership, by=make_coordinator(group))
    m.leave(membership, by=admin)
    assert membership.status == S.LEFT
    assert membership.events[-1].actor_id == admin.id


@pytest.mark.parametrize("end", ["declined", "withdrawn", "left"])
def test_after_declined_withdrawn_or_left_a_new_request_is_pending_again(ctx, end):
    group = make_group()
    admin = make_admin()
    chair = make_coordinator(group)
    org = admin.organisation
    membership = m.request_membership(org, group, by=admin, motivation="First try.")
    if end == "declined":
        m.decline(membership, by=chair)
    elif end == "withdrawn":
        m.withdraw(membership, by=admin)
    else:
        m.approve(membership, by=chair)
        m.leave(membership, by=admin)
    again = m.request_membership(org, group, by=admin, motivation="Second try.")
    assert again.id == membership.id and again.status == S.PENDING
    assert again.motivation == "Second try."
    assert history(again)[-1] == (S(end), S.PENDING)
    assert count(Membership, Membership.organisation_id == org.id) == 1


def test_leave_then_rejoin_keeps_the_whole_history(ctx):
    group = make_group()
    admin = make_admin()
    chair = make_coordinator(group)
    org = admin.organisation
    membership = m.request_membership(org, group, by=admin)
    m.approve(membership, by=chair, message="Welcome.")
    m.leave(membership, by=admin)
    m.request_membership(org, group, by=admin)
    m.approve(membership, by=chair, message="Welcome back.")
    assert history(membership) == [
        (None, S.PENDING),
        (S.PENDING, S.ACTIVE),
        (S.ACTIVE, S.LEFT),
        (S.LEFT, S.PENDING),
        (S.PENDING, S.ACTIVE),
    ]
    actors = [e.actor_id for e in membership.events]
    assert actors == [admin.id, chair.id, admin.id, admin.id, chair.id]
    assert [e.message for e in membership.events][1::3] == ["Welcome.", "Welcome back."]
    times = [e.at for e in membership.events]
    assert times == sorted(times)


def test_the_secretariat_adds_a_verified_organisation_directly(ctx):
    group = make_group()
    org = make_org(status=VERIFIED)
    secretariat = make_user(role=Role.SECRETARIAT)
    membership = m.add_directly(org, group, by=secretariat)
    assert membership.status == S.ACTIVE
    assert db.session.scalar(select(AuditEntry.action)) == "membership.add"
    with pytest.raises(m.InvalidTransition):
        m.add_directly(org, group, by=secretariat)
    with pytest.raises(m.NotYetVerified):
        m.add_directly(make_org(), group, by=secretariat)
    with pytest.raises(m.NotAllowed):
        m.add_directly(make_org(status=VERIFIED), group, by=make_admin())


# Who may act ----------------------------------------------------------------------------


def test_only_the_organisations_admins_ask_withdraw_and_leave(ctx):
    group = make_group()
    admin = make_admin()
    org = admin.organisation
    plain_member = make_user(org=org)
    other_admin = make_admin()
    secretariat = make_user(role=Role.SECRETARIAT)
    for user in (plain_member, other_admin, secretariat):
        with pytest.raises(m.NotAllowed):
            m.request_membership(org, group, by=user)
    assert count(Membership) == 0
    membership = m.request_membership(org, group, by=admin)
    for user in (plain_member, other_admin, secretariat):
        with pytest.raises(m.NotAllowed):
            m.withdraw(membership, by=user)
        with pytest.raises(m.NotAllowed):
            m.withdraw_request(org, group, by=user)
    m.approve(membership, by=make_coordinator(group))
    for user in (plain_member, other_admin, secretariat):
        with pytest.raises(m.NotAllowed):
            m.leave(membership, by=user)
        with pytest.raises(m.NotAllowed):
            m.leave_group(org, group, by=user)
    assert membership.status == S.ACTIVE
    assert count(MembershipEvent, MembershipEvent.membership_id == membership.id) == 2


def test_only_this_groups_co_chairs_and_the_secretariat_decide(ctx, outbox):
    group = make_group()
    other_group = make_group(slug="erasmus-plus", priority=6)
    admin = make_admin()
    membership = m.request_membership(admin.organisation, group, by=admin)
    outsiders = [
        make_coordinator(other_group),  # a co-chair of another group
        admin,  # the requesting organisation's own admin
        make_user(org=admin.organisation),
        make_admin(),
    ]
    for user in outsiders:
        for decide in (m.approve, m.decline):
            with pytest.raises(m.NotAllowed):
                decide(membership, by=user)
    assert history(membership) == [(None, S.PENDING)]
    assert count(AuditEntry) == 0 and outbox == []


# One row per organisation and group -----------------------------------------------------


def test_the_database_refuses_a_second_row_for_the_same_organisation_and_group(ctx):
    group = make_group()
    org = add_member(group)
    db.session.add(Membership(organisation_id=org.id, group_id=group.id))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    assert count(Membership) == 1


def test_concurrent_duplicate_requests_leave_one_row(app, monkeypatch):
    with app.app_context():
        group = make_group()
        admin = make_admin()
        ids = (admin.organisation_id, group.id, admin.id)

    # Both requests look for an existing row before either has written one.
    both_looked = threading.Barrier(2, timeout=10)
    real_get = m.get_membership
    local = threading.local()

    def get_after_both_looked(org_id, group_id, **options):
        found = real_get(org_id, group_id, **options)
        if not getattr(local, "looked", False):
            local.looked = True
            both_looked.wait()
        return found

    monkeypatch.setattr(m, "get_membership", get_after_both_looked)
    results, errors = [], []

    def ask():
        try:
            with app.test_request_context():
                from eukz_platform.auth.models import User
                from eukz_platform.groups.models import WorkingGroup

                org_id, group_id, user_id = ids
                row = m.request_membership(
                    db.session.get(Organisation, org_id),
                    db.session.get(WorkingGroup, group_id),
                    by=db.session.get(User, user_id),
                )
                results.append((row.id, row.status))
                db.session.remove()
        except Exception as e:  # noqa: BLE001 - reported by the assertion below
            errors.append(e)

    threads = [threading.Thread(target=ask) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    assert len(results) == 2 and results[0] == results[1]
    with app.app_context():
        assert count(Membership) == 1
        assert count(MembershipEvent) == 1
