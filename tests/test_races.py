"""Twenty people doing the same thing at the same moment, on PostgreSQL.

Each test starts 20 threads together (a barrier), each with its own client, so its own
request, app context, database session and connection, and then checks what the database
holds: the rows, their history and the audit log must be exactly what one action at a time
would have left. SQLite lets one writer in at a time, so these run on PostgreSQL only.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Callable
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import func, select

from eukz_platform import create_app
from eukz_platform.audit import AuditEntry
from eukz_platform.auth.models import Role, User
from eukz_platform.auth.twofactor import TwoFactor
from eukz_platform.contacts import importing as contacts_import
from eukz_platform.contacts.models import Contact
from eukz_platform.core.models import Invitation, Organisation
from eukz_platform.core.vocabulary import OrganisationStatus
from eukz_platform.database import utcnow
from eukz_platform.extensions import db
from eukz_platform.groups.models import (
    Coordinator,
    MeetingRegistration,
    Membership,
    MembershipEvent,
    MembershipStatus,
    RegistrationStatus,
    WorkingGroupTranslation,
)
from eukz_platform.opportunities.models import DigestSubscription, Opportunity, OpportunityAnswer
from eukz_platform.search.models import SearchDocument

from .conftest import empty_all_tables
from .factories import PASSWORD, make_org, make_user, registration_form
from .test_groups_support import VERIFIED, add_member, make_coordinator, make_group, make_meeting

N = 20
S = MembershipStatus


@pytest.fixture
def app(database_url):
    """The app with a connection for every thread, on PostgreSQL."""
    if not database_url.startswith("postgresql"):
        pytest.skip(
            "races run on PostgreSQL only: SQLite lets one writer in at a time, "
            "so simultaneous requests cannot race there"
        )
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": N + 2, "max_overflow": 0},
        }
    )
    yield app
    empty_all_tables(app)
    with app.app_context():
        db.engine.dispose()


def at_once(calls: list[Callable[[], object]]) -> list:
    """Run the calls in threads released together; their results (or exceptions), in order."""
    start = threading.Barrier(len(calls), timeout=60)
    results: list = [None] * len(calls)

    def run(i: int) -> None:
        try:
            start.wait()
            results[i] = calls[i]()
        except BaseException as e:  # noqa: BLE001 - reported by the caller's assertions
            results[i] = e

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not any(thread.is_alive() for thread in threads), "a request never finished"
    return results


def statuses(responses: list) -> Counter:
    """How many responses had each status; an exception counts under its repr."""
    return Counter(getattr(r, "status_code", repr(r)) for r in responses)


def signed_in(app, email: str, n: int) -> list:
    """n clients sharing one signed-in session of the user (as n browser tabs)."""
    first = app.test_client()
    r = first.post("/auth/login", data={"email": email, "password": PASSWORD})
    assert r.status_code == 302, r.get_data(as_text=True)
    cookie = first.get_cookie("session").value
    clients = [first]
    for _ in range(n - 1):
        client = app.test_client()
        client.set_cookie("session", cookie)
        clients.append(client)
    return clients


def count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def history(app, membership_id: int) -> list[tuple]:
    with app.app_context():
        return [
            (e.from_status, e.to_status)
            for e in db.session.scalars(
                select(MembershipEvent)
                .where(MembershipEvent.membership_id == membership_id)
                .order_by(MembershipEvent.id)
            )
        ]


def audit_actions(app) -> Counter:
    with app.app_context():
        return Counter(db.session.scalars(select(AuditEntry.action)))


# Registrations --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("same_name", "same_email"),
    [(True, True), (True, False), (False, True)],
    ids=["same name and email", "same name", "same email"],
)
def test_simultaneous_registrations_make_one_organisation_with_its_admin(
    app, outbox, same_name, same_email
):
    forms = [
        registration_form(
            name="Steppe Green Initiative" if same_name else f"Steppe Initiative No {i}",
            email="aigerim@steppe-green.kz" if same_email else f"person{i}@steppe-green.kz",
            website="",
        )
        for i in range(N)
    ]
    clients = [app.test_client() for _ in range(N)]
    responses = at_once(
        [
            lambda c=c, f=f: c.post("/organisations/register", data=f)
            for c, f in zip(clients, forms, strict=True)
        ]
    )
    if same_name and not same_email:
        assert statuses(responses) == {302: 1, 422: N - 1}
    if same_name:
        # With the same email too, one that finds the account before the name gets the
        # answer a new address gets ("check your inbox"), and the owner is mailed.
        assert statuses(responses)[422] >= 1
        for r in responses:
            if r.status_code == 422:
                page = r.get_data(as_text=True)
                assert "An organisation with this name is already registered." in page
    else:
        # An address that already has an account gets the answer a new one gets (its owner
        # is mailed): nothing tells who has an account.
        assert statuses(responses) == {302: N}
    with app.app_context():
        [org] = db.session.scalars(select(Organisation)).all()
        [user] = db.session.scalars(select(User)).all()
        assert user.organisation_id == org.id and user.role == Role.ADMIN
        assert count(app, SearchDocument, SearchDocument.kind == "organisation") == 1
    tried = "Someone tried to register with your email address"
    assert [m.subject for m in outbox if m.subject != tried] == ["Confirm your email address"]
    assert all(m.to == ["aigerim@steppe-green.kz"] for m in outbox if m.subject == tried)


# Joining a working group ----------------------------------------------------------------


@pytest.fixture
def member_admin(app):
    """An admin of a verified organisation; returns (email, organisation id)."""
    with app.test_request_context():
        org = make_org(status=VERIFIED)
        admin = make_user(org=org, role=Role.ADMIN)
        return admin.email, org.id


def join_url(slug: str, org_id: int) -> str:
    return f"/working-groups/{slug}/organisations/{org_id}/join"


@pytest.mark.parametrize("moderated", [True, False], ids=["moderated", "open"])
def test_simultaneous_join_requests_make_one_membership_with_one_event(
    app, member_admin, moderated
):
    email, org_id = member_admin
    with app.test_request_context():
        make_group("erasmus", moderated=moderated)
    clients = signed_in(app, email, N)
    responses = at_once([lambda c=c: c.post(join_url("erasmus", org_id)) for c in clients])
    assert statuses(responses) == {302: N}
    with app.app_context():
        [membership] = db.session.scalars(select(Membership)).all()
        expected = S.PENDING if moderated else S.ACTIVE
        assert membership.status == expected
    assert history(app, membership.id) == [(None, expected)]


@pytest.mark.parametrize(
    ("moderated", "before", "after"),
    [(True, S.WITHDRAWN, S.PENDING), (True, S.DECLINED, S.PENDING), (False, S.LEFT, S.ACTIVE)],
    ids=["withdrawn", "declined", "left an open group"],
)
def test_simultaneous_re_requests_make_one_transition(app, member_admin, moderated, before, after):
    email, org_id = member_admin
    with app.test_request_context():
        group = make_group("erasmus", moderated=moderated)
        membership = Membership(organisation_id=org_id, group_id=group.id, status=before)
        first = S.ACTIVE if before == S.LEFT else S.PENDING
        membership.events = [
            MembershipEvent(from_status=None, to_status=first),
            MembershipEvent(from_status=first, to_status=before),
        ]
        db.session.add(membership)
        db.session.commit()
        membership_id = membership.id
    clients = signed_in(app, email, N)
    responses = at_once([lambda c=c: c.post(join_url("erasmus", org_id)) for c in clients])
    assert statuses(responses) == {302: N}
    assert count(app, Membership) == 1
    assert history(app, membership_id) == [(None, first), (first, before), (before, after)]


def test_simultaneous_withdrawals_make_one_transition(app, member_admin):
    email, org_id = member_admin
    with app.test_request_context():
        group = make_group("erasmus", moderated=True)
        membership = Membership(organisation_id=org_id, group_id=group.id, status=S.PENDING)
        membership.events = [MembershipEvent(from_status=None, to_status=S.PENDING)]
        db.session.add(membership)
        db.session.commit()
        membership_id = membership.id
    clients = signed_in(app, email, N)
    url = f"/working-groups/erasmus/organisations/{org_id}/withdraw"
    responses = at_once([lambda c=c: c.post(url) for c in clients])
    assert statuses(responses) == {302: N}
    assert history(app, membership_id) == [(None, S.PENDING), (S.PENDING, S.WITHDRAWN)]


def test_co_chairs_approving_and_declining_at_once_make_one_decision(app, outbox):
    with app.test_request_context():
        group = make_group("erasmus", moderated=True)
        make_coordinator(group, "eu", email="eu-chair@example.org")
        make_coordinator(group, "kz", email="kz-chair@example.org")
        org = make_org(status=VERIFIED)
        make_user(org=org, role=Role.ADMIN, email="admin@applicant.example")
        membership = Membership(organisation_id=org.id, group_id=group.id, status=S.PENDING)
        membership.events = [MembershipEvent(from_status=None, to_status=S.PENDING)]
        db.session.add(membership)
        db.session.commit()
        membership_id = membership.id
    clients = signed_in(app, "eu-chair@example.org", N // 2) + signed_in(
        app, "kz-chair@example.org", N // 2
    )
    url = f"/working-groups/erasmus/requests/{membership_id}"
    decisions = ["approve", "decline"] * (N // 2)
    responses = at_once(
        [
            lambda c=c, d=d: c.post(url, data={f"request-{membership_id}-message": "", d: "1"})
            for c, d in zip(clients, decisions, strict=True)
        ]
    )
    assert statuses(responses) == {302: N}
    events = history(app, membership_id)
    assert len(events) == 2 and events[1][0] == S.PENDING
    decided = events[1][1]
    assert decided in (S.ACTIVE, S.DECLINED)
    action = "membership.approve" if decided == S.ACTIVE else "membership.decline"
    assert audit_actions(app) == {action: 1}
    assert len(outbox) == 1 and outbox[0].to == ["admin@applicant.example"]


# The last admin -------------------------------------------------------------------------


def test_two_admins_demoting_each_other_leave_one_admin(app):
    with app.test_request_context():
        org = make_org(status=VERIFIED)
        first = make_user(org=org, role=Role.ADMIN, email="first@example.org")
        second = make_user(org=org, role=Role.ADMIN, email="second@example.org")
        ids = {"first": first.id, "second": second.id, "org": org.id}
    firsts = signed_in(app, "first@example.org", N // 2)
    seconds = signed_in(app, "second@example.org", N // 2)

    def demote(client, user_id):
        return client.post(
            f"/organisations/{ids['org']}/people/{user_id}/role", data={"role": "member"}
        )

    responses = at_once(
        [lambda c=c: demote(c, ids["second"]) for c in firsts]
        + [lambda c=c: demote(c, ids["first"]) for c in seconds]
    )
    assert set(statuses(responses)) <= {302, 403}, statuses(responses)
    with app.app_context():
        roles = Counter(db.session.scalars(select(User.role).where(User.organisation_id == org.id)))
    assert roles == {Role.ADMIN: 1, Role.MEMBER: 1}


# Co-chairs --------------------------------------------------------------------------------


def test_simultaneous_appointments_give_one_co_chair_per_side(app):
    with app.test_request_context():
        group = make_group("erasmus")
        candidates = []
        for i in range(N):
            org = add_member(group, country="BE" if i % 2 else "KZ")
            candidates.append(make_user(org=org).id)
        make_user(role=Role.SECRETARIAT, email="staff@eesc.example")
    clients = signed_in(app, "staff@eesc.example", N)
    responses = at_once(
        [
            lambda c=c, u=u: c.post("/admin/groups/erasmus/co-chairs", data={"user_id": u})
            for c, u in zip(clients, candidates, strict=True)
        ]
    )
    assert statuses(responses) == {302: 2, 422: N - 2}
    with app.app_context():
        chairs = db.session.execute(select(Coordinator.side, Coordinator.user_id)).all()
    assert sorted(side for side, _ in chairs) == ["eu", "kz"]
    assert {user for _, user in chairs} <= set(candidates)
    assert audit_actions(app) == {"coordinator.appoint": 2}


# Meetings -----------------------------------------------------------------------------

IN_PERSON = {"attendance": "in_person"}


def test_registrations_at_capacity_fill_the_places_and_the_rest_wait(app):
    capacity = 5
    with app.test_request_context():
        group = make_group("erasmus")
        meeting = make_meeting(group, capacity=capacity, registration_open=True)
        org = add_member(group)
        emails = [make_user(org=org).email for _ in range(N)]
        meeting_id = meeting.id
    clients = [signed_in(app, email, 1)[0] for email in emails]
    url = f"/working-groups/erasmus/meetings/{meeting_id}/register"
    responses = at_once([lambda c=c: c.post(url, data=IN_PERSON) for c in clients])
    assert statuses(responses) == {302: N}
    with app.app_context():
        by_status = Counter(
            db.session.scalars(
                select(MeetingRegistration.status).where(
                    MeetingRegistration.meeting_id == meeting_id
                )
            )
        )
    assert by_status == {RegistrationStatus.REGISTERED: capacity, RegistrationStatus.WAITING: N - 5}


def test_one_person_registering_twenty_times_at_once_has_one_registration(app):
    with app.test_request_context():
        group = make_group("erasmus")
        meeting = make_meeting(group, capacity=3, registration_open=True)
        org = add_member(group)
        email = make_user(org=org).email
        meeting_id = meeting.id
    url = f"/working-groups/erasmus/meetings/{meeting_id}/register"
    clients = signed_in(app, email, N)
    responses = at_once([lambda c=c: c.post(url, data=IN_PERSON) for c in clients])
    assert statuses(responses) == {302: N}
    assert count(app, MeetingRegistration) == 1


# Importing contacts ----------------------------------------------------------------------

CSV = (
    b"name,role,organisation,email,phone,visibility\n"
    b"Aigerim Nurlanovna,Coordinator,Steppe Forum,aigerim@steppe.kz,,members\n"
    b"Jan Novak,Policy Officer,,jan.novak@eesc.europa.eu,,\n"
    b"Millie Tsoumani,Press Officer,,amalia.tsoumani@eesc.europa.eu,,public\n"
)


@pytest.fixture
def staff(app):
    with app.test_request_context():
        user = make_user(role=Role.SECRETARIAT, email="staff@eesc.example")
        # Known already: the import updates her role.
        db.session.add(
            Contact(name="Millie Tsoumani", role="Press", email="Amalia.Tsoumani@eesc.europa.eu")
        )
        db.session.commit()
        return user.id


def new_batch(app, user_id: int) -> int:
    with app.test_request_context():
        return contacts_import.create_batch("contacts.csv", CSV, db.session.get(User, user_id)).id


def apply_url(batch_id: int) -> str:
    return f"/admin/contacts/imports/{batch_id}/apply"


def contacts_by_email(app) -> Counter:
    with app.app_context():
        return Counter(e.lower() for e in db.session.scalars(select(Contact.email)))


def test_one_import_applied_twenty_times_at_once_is_applied_once(app, staff):
    batch_id = new_batch(app, staff)
    clients = signed_in(app, "staff@eesc.example", N)
    responses = at_once([lambda c=c: c.post(apply_url(batch_id)) for c in clients])
    assert statuses(responses) == {302: N}
    assert contacts_by_email(app) == {
        "aigerim@steppe.kz": 1,
        "jan.novak@eesc.europa.eu": 1,
        "amalia.tsoumani@eesc.europa.eu": 1,
    }
    with app.app_context():
        [entry] = db.session.scalars(select(AuditEntry)).all()
    assert entry.action == "contact.import" and entry.target_id == batch_id
    assert entry.after == {"create": 2, "update": 1, "unchanged": 0, "refuse": 0}


def test_the_same_file_uploaded_twice_and_applied_at_once_adds_each_contact_once(app, staff):
    batches = [new_batch(app, staff) for _ in range(2)]
    clients = signed_in(app, "staff@eesc.example", N)
    responses = at_once(
        [lambda c=c, i=i: c.post(apply_url(batches[i % 2])) for i, c in enumerate(clients)]
    )
    assert statuses(responses) == {302: N}
    assert contacts_by_email(app) == {
        "aigerim@steppe.kz": 1,
        "jan.novak@eesc.europa.eu": 1,
        "amalia.tsoumani@eesc.europa.eu": 1,
    }
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    # The first applied creates and updates; the second finds it all done.
    assert [e.after for e in entries] == [
        {"create": 2, "update": 1, "unchanged": 0, "refuse": 0},
        {"create": 0, "update": 0, "unchanged": 3, "refuse": 0},
    ]


def test_the_same_contact_added_twenty_times_at_once_is_added_once(app, staff):
    clients = signed_in(app, "staff@eesc.example", N)
    form = {
        "name": "Jan Novak",
        "organisation_name": "EESC",
        "email": "Jan.Novak@eesc.europa.eu",
        "visibility": "public",
    }
    responses = at_once([lambda c=c: c.post("/admin/contacts/new", data=form) for c in clients])
    assert statuses(responses) == {302: 1, 422: N - 1}
    assert contacts_by_email(app)["jan.novak@eesc.europa.eu"] == 1
    assert audit_actions(app) == {"contact.create": 1}


def test_asking_for_the_weekly_digest_twenty_times_at_once_subscribes_once(app):
    with app.app_context():
        org = make_org(status=OrganisationStatus.VERIFIED)
        make_user(org=org, role=Role.ADMIN, email="admin@steppe.example")
    clients = signed_in(app, "admin@steppe.example", N)
    responses = at_once(
        [lambda c=c: c.post("/partner-search/digest", data={"enabled": "y"}) for c in clients]
    )
    assert statuses(responses) == {302: N}
    assert count(app, DigestSubscription) == 1


# Asking to be added to an organisation -------------------------------------------------


def test_a_confirmation_link_followed_twenty_times_at_once_forwards_the_request_once(app, outbox):
    with app.test_request_context():
        org = make_org(name="Almaty Forum", status=VERIFIED)
        make_user(org=org, role=Role.ADMIN, email="admin@almaty-forum.kz")
        org_id = org.id
    client = app.test_client()
    form = {"full_name": "Dana Nurlanovna", "email": "dana@example.kz"}
    assert client.post(f"/organisations/{org_id}/ask-to-join", data=form).status_code == 302
    [confirmation] = outbox
    link = re.search(r"https?://[^/\s]+(/\S+)", confirmation.body).group(1)
    clients = [app.test_client() for _ in range(N)]
    responses = at_once([lambda c=c: c.get(link) for c in clients])
    assert statuses(responses) == {302: N}
    assert [m.to for m in outbox[1:]] == [["admin@almaty-forum.kz"]]


# The secretariat's decisions --------------------------------------------------------------


def test_verifying_and_rejecting_an_organisation_at_once_make_one_decision(app, outbox):
    with app.test_request_context():
        org = make_org(name="Caspian Dialogue", country="KZ")
        make_user(org=org, role=Role.ADMIN, email="admin@caspian.example")
        make_user(role=Role.SECRETARIAT, email="first@eesc.example")
        make_user(role=Role.SECRETARIAT, email="second@eesc.example")
        org_id = org.id
    clients = signed_in(app, "first@eesc.example", N // 2) + signed_in(
        app, "second@eesc.example", N // 2
    )
    verify = f"/admin/organisations/{org_id}/verify"
    reject = f"/admin/organisations/{org_id}/reject"
    responses = at_once(
        [lambda c=c: c.post(verify) for c in clients[::2]]
        + [lambda c=c: c.post(reject, data={"reason": "Not a CSO."}) for c in clients[1::2]]
    )
    assert statuses(responses) == {302: N}
    actions = audit_actions(app)
    assert sum(actions.values()) == 1, actions
    [decision] = actions
    with app.app_context():
        status = db.session.get(Organisation, org_id).status
    assert (decision, status) in {
        ("organisation.verify", VERIFIED),
        ("organisation.reject", OrganisationStatus.REJECTED),
    }
    assert len(outbox) == 1 and outbox[0].to == ["admin@caspian.example"]


def test_cancelling_a_meeting_twenty_times_at_once_cancels_it_once(app, outbox):
    with app.test_request_context():
        group = make_group("erasmus")
        make_user(role=Role.SECRETARIAT, email="staff@eesc.example")
        meeting = make_meeting(group, registration_open=True)
        org = add_member(group)
        person = make_user(org=org, email="person@example.org")
        db.session.add(
            MeetingRegistration(meeting_id=meeting.id, user_id=person.id, attendance="in_person")
        )
        db.session.commit()
        meeting_id = meeting.id
    clients = signed_in(app, "staff@eesc.example", N)
    url = f"/working-groups/erasmus/meetings/{meeting_id}/cancel"
    responses = at_once([lambda c=c: c.post(url) for c in clients])
    assert statuses(responses) == {302: N}
    assert audit_actions(app) == {"meeting.cancel": 1}
    assert [m.to for m in outbox] == [["person@example.org"]]


def test_removing_a_co_chair_twenty_times_at_once_removes_them_once(app):
    with app.test_request_context():
        group = make_group("erasmus")
        make_user(role=Role.SECRETARIAT, email="staff@eesc.example")
        make_coordinator(group, "eu")
        chair_id = db.session.scalar(select(Coordinator.id))
    clients = signed_in(app, "staff@eesc.example", N)
    url = f"/admin/groups/erasmus/co-chairs/{chair_id}/remove"
    responses = at_once([lambda c=c: c.post(url) for c in clients])
    assert set(statuses(responses)) <= {302, 404}, statuses(responses)
    assert count(app, Coordinator) == 0
    assert audit_actions(app) == {"coordinator.remove": 1}


def test_archiving_a_group_twenty_times_at_once_archives_it_once(app):
    with app.test_request_context():
        make_group("erasmus")
        make_user(role=Role.SECRETARIAT, email="staff@eesc.example")
    clients = signed_in(app, "staff@eesc.example", N)
    responses = at_once([lambda c=c: c.post("/admin/groups/erasmus/archive") for c in clients])
    assert statuses(responses) == {302: N}
    assert audit_actions(app) == {"group.archive": 1}


def test_the_same_group_edit_saved_twenty_times_at_once_adds_its_translation_once(app):
    with app.test_request_context():
        make_group("erasmus", title="Erasmus")
        make_user(role=Role.SECRETARIAT, email="staff@eesc.example")
    form = {
        "moderation": "moderated",
        "title_en": "Erasmus",
        "purpose_en": "The purpose of erasmus.",
        "title_ru": "Эразмус",
        "purpose_ru": "Больше молодых казахстанцев в Эразмусе.",
        "title_kk": "",
        "purpose_kk": "",
    }
    clients = signed_in(app, "staff@eesc.example", N)
    responses = at_once(
        [lambda c=c: c.post("/admin/groups/erasmus/edit", data=form) for c in clients]
    )
    assert set(statuses(responses)) <= {302, 409}, statuses(responses)
    assert count(app, WorkingGroupTranslation, WorkingGroupTranslation.locale == "ru") == 1
    assert audit_actions(app) == {"group.update": 1}


def test_turning_two_factor_sign_in_on_twenty_times_at_once_turns_it_on_once(app):
    with app.test_request_context():
        make_user(email="admin@steppe.example")
    clients = signed_in(app, "admin@steppe.example", N)
    page = clients[0].get("/account/security/two-factor/set-up").get_data(as_text=True)
    secret = re.search(r'id="two-factor-secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    cookie = clients[0].get_cookie("session").value  # it holds the secret offered
    for client in clients[1:]:
        client.set_cookie("session", cookie)
    code = pyotp.TOTP(secret).now()
    responses = at_once(
        [
            lambda c=c: c.post("/account/security/two-factor/set-up", data={"code": code})
            for c in clients
        ]
    )
    # Once on, with its recovery codes shown once; the other requests are told it is on.
    assert statuses(responses) == {200: 1, 302: N - 1}
    assert count(app, TwoFactor) == 1
    assert audit_actions(app)["user.two_factor_on"] == 1


def test_the_same_answer_to_a_post_sent_twenty_times_at_once_is_sent_once(app, outbox):
    with app.test_request_context():
        poster = make_org(name="Brussels Youth Forum", status=OrganisationStatus.VERIFIED)
        make_user(org=poster, role=Role.ADMIN, email="eva@forum.example")
        answerer = make_org(name="Almaty Youth Union", status=OrganisationStatus.VERIFIED)
        make_user(org=answerer, role=Role.ADMIN, email="aigerim@union.kz")
        post = Opportunity(
            organisation_id=poster.id,
            kind="partners",
            title="Partners wanted",
            description="For a youth exchange.",
            deadline=utcnow().date() + timedelta(days=30),
        )
        db.session.add(post)
        db.session.commit()
        post_id = post.id
    clients = signed_in(app, "aigerim@union.kz", N)
    outbox.clear()
    responses = at_once(
        [
            lambda c=c: c.post(f"/partner-search/{post_id}/answer", data={"message": "Us!"})
            for c in clients
        ]
    )
    assert statuses(responses) == {302: N}
    assert count(app, OpportunityAnswer) == 1
    assert audit_actions(app)["opportunity.answer"] == 1
    assert len(outbox) == 1


def test_the_same_invitation_sent_twenty_times_at_once_is_kept_once(app, outbox):
    with app.test_request_context():
        org = make_org(status=OrganisationStatus.VERIFIED)
        make_user(org=org, role=Role.ADMIN, email="admin@steppe.example")
        org_id = org.id
    clients = signed_in(app, "admin@steppe.example", N)
    responses = at_once(
        [
            lambda c=c: c.post(
                f"/organisations/{org_id}/people/invite", data={"email": "new@steppe.example"}
            )
            for c in clients
        ]
    )
    assert statuses(responses) == {302: N}
    assert count(app, Invitation, Invitation.email == "new@steppe.example") == 1
