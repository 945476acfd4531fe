"""The secretariat's organisations: search, one organisation's file, suspend, reinstate, merge;
and the console's home page."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from eukz_platform.audit import AuditEntry
from eukz_platform.auth.models import Role, User
from eukz_platform.contacts.models import Contact, Visibility
from eukz_platform.core.models import (
    ConfirmationState,
    Invitation,
    Organisation,
    OrganisationName,
)
from eukz_platform.core.vocabulary import OrganisationStatus
from eukz_platform.database import utcnow
from eukz_platform.extensions import db
from eukz_platform.groups.models import (
    Membership,
    MembershipEvent,
    MembershipStatus,
    WorkingGroup,
    WorkingGroupTranslation,
)

from .factories import login, make_org, make_user

VERIFIED = OrganisationStatus.VERIFIED


@pytest.fixture
def staff(app):
    with app.app_context():
        make_user(role=Role.SECRETARIAT, email="staff@eesc.example")
    client = app.test_client()
    login(client, "staff@eesc.example")
    return client


def org_status(app, org_id):
    with app.app_context():
        return db.session.get(Organisation, org_id).status


def audit_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(AuditEntry.id)))


# Search and filters ----------------------------------------------------------------------


def setup_directory(app):
    with app.app_context():
        almaty = make_org(
            name="Almaty Workers Union",
            country="KZ",
            type="trade_union",
            status=VERIFIED,
            registration_number="100140001231",
        )
        make_user(org=almaty, role=Role.ADMIN, email="chair@almaty-union.kz")
        make_org(name="Brussels Think Tank", country="BE", type="academic", status=VERIFIED)
        make_org(
            name="Rejected Society",
            country="FR",
            status=OrganisationStatus.REJECTED,
            status_reason="Not a civil society organisation",
        )
        make_org(
            name="Suspended Forum",
            country="KZ",
            status=OrganisationStatus.SUSPENDED,
            confirmation_state=ConfirmationState.FLAGGED,
        )


def names_listed(page: str) -> list[str]:
    return re.findall(r'href="/admin/organisations/\d+">([^<]+)</a>', page)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (
            {},
            ["Almaty Workers Union", "Brussels Think Tank", "Rejected Society", "Suspended Forum"],
        ),
        ({"q": "workers"}, ["Almaty Workers Union"]),
        ({"q": "CHAIR@almaty"}, ["Almaty Workers Union"]),
        ({"q": "0001231"}, ["Almaty Workers Union"]),
        ({"status": "rejected"}, ["Rejected Society"]),
        ({"status": "suspended"}, ["Suspended Forum"]),
        ({"side": "kz"}, ["Almaty Workers Union", "Suspended Forum"]),
        ({"country": "BE"}, ["Brussels Think Tank"]),
        ({"type": "trade_union"}, ["Almaty Workers Union"]),
        ({"confirmation": "flagged"}, ["Suspended Forum"]),
        ({"side": "kz", "status": "verified"}, ["Almaty Workers Union"]),
        ({"q": "100%"}, []),
    ],
)
def test_search_and_filter_every_organisation(app, staff, query, expected):
    setup_directory(app)
    r = staff.get("/admin/organisations", query_string=query)
    assert r.status_code == 200
    assert names_listed(r.get_data(as_text=True)) == expected


def test_an_unknown_filter_value_is_refused(app, staff):
    r = staff.get("/admin/organisations?status=deleted")
    assert r.status_code == 400
    assert "Not a valid choice" in r.get_data(as_text=True)


def test_the_list_is_paginated_keeping_the_filters(app, staff):
    with app.app_context():
        db.session.add_all(
            Organisation(name=f"Union {n:02d}", country="KZ", type="ngo", eesc_group="none")
            for n in range(55)
        )
        db.session.commit()
    first = staff.get("/admin/organisations?side=kz").get_data(as_text=True)
    assert "55 organisations found" in first and "Page 1 of 2" in first
    assert len(names_listed(first)) == 50
    assert 'href="/admin/organisations?page=2&amp;side=kz"' in first
    second = staff.get("/admin/organisations?page=2&side=kz").get_data(as_text=True)
    assert names_listed(second) == [f"Union {n:02d}" for n in range(50, 55)]


def test_the_organisation_file_shows_private_data_and_history(app, staff):
    with app.app_context():
        org = make_org(name="Civic Union", status=OrganisationStatus.PENDING)
        make_user(org=org, role=Role.ADMIN, email="ana@civic.example", full_name="Ana Admin")
        make_user(org=org, email="mo@civic.example", email_confirmed_at=None)
        db.session.add(Invitation(organisation_id=org.id, email="new@civic.example"))
        db.session.commit()
        org_id = org.id
    staff.post(f"/admin/organisations/{org_id}/verify")
    page = staff.get(f"/admin/organisations/{org_id}").get_data(as_text=True)
    assert "ana@civic.example" in page and "(first admin)" in page
    assert "mo@civic.example</a> (not confirmed)" in page
    assert "new@civic.example" in page
    assert "Status history" in page and "organisation.verify" in page
    assert "pending → verified" in page
    assert staff.get("/admin/organisations/999999").status_code == 404


# Suspend and reinstate -------------------------------------------------------------------


def setup_verified(app):
    with app.app_context():
        org = make_org(name="Civic Union", status=VERIFIED, verified_at=utcnow())
        make_user(org=org, role=Role.ADMIN, email="ana@civic.example")
        make_user(org=org, email="mo@civic.example")
        return org.id


def test_suspend_needs_a_reason(app, staff, outbox):
    org_id = setup_verified(app)
    r = staff.post(f"/admin/organisations/{org_id}/suspend", data={"reason": ""})
    assert r.status_code == 422
    assert 'id="reason-error"' in r.get_data(as_text=True)
    assert org_status(app, org_id) == VERIFIED
    assert audit_count(app) == 0 and outbox == []


def test_suspended_organisation_leaves_the_directory_and_its_users_cannot_log_in(
    app, staff, outbox
):
    org_id = setup_verified(app)
    reason = "Complaints about misuse of the platform."
    r = staff.post(f"/admin/organisations/{org_id}/suspend", data={"reason": reason})
    assert r.status_code == 302 and r.headers["Location"] == f"/admin/organisations/{org_id}"
    assert org_status(app, org_id) == OrganisationStatus.SUSPENDED
    assert outbox[0].to == ["ana@civic.example"] and reason in outbox[0].body

    visitor = app.test_client()
    assert "Civic Union" not in visitor.get("/directory/").get_data(as_text=True)
    assert visitor.get(f"/organisations/{org_id}").status_code == 404
    for email in ("ana@civic.example", "mo@civic.example"):
        r = login(app.test_client(), email)
        assert r.status_code == 422
        assert "Your organisation is suspended" in r.get_data(as_text=True)

    r = staff.post(f"/admin/organisations/{org_id}/reinstate")
    assert r.status_code == 302
    assert org_status(app, org_id) == VERIFIED
    assert "Civic Union" in visitor.get("/directory/").get_data(as_text=True)
    assert login(app.test_client(), "mo@civic.example").status_code == 302
    with app.app_context():
        actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
        assert actions == ["organisation.suspend", "organisation.reinstate"]


def test_a_suspended_organisation_never_verified_awaits_verification_again(app, staff):
    with app.app_context():
        org_id = make_org(name="New Union").id
    staff.post(f"/admin/organisations/{org_id}/suspend", data={"reason": "Spam"})
    assert org_status(app, org_id) == OrganisationStatus.SUSPENDED
    staff.post(f"/admin/organisations/{org_id}/reinstate")
    assert org_status(app, org_id) == OrganisationStatus.PENDING


def test_suspend_and_reinstate_only_where_they_apply(app, staff):
    org_id = setup_verified(app)
    r = staff.post(f"/admin/organisations/{org_id}/reinstate", follow_redirects=True)
    assert "this action no longer applies" in r.get_data(as_text=True)
    with app.app_context():
        rejected_id = make_org(status=OrganisationStatus.REJECTED).id
    staff.post(f"/admin/organisations/{rejected_id}/suspend", data={"reason": "Spam"})
    assert org_status(app, rejected_id) == OrganisationStatus.REJECTED
    assert audit_count(app) == 0


# Merge -----------------------------------------------------------------------------------


def make_group(slug: str) -> WorkingGroup:
    group = WorkingGroup(slug=slug, priority=1, moderated=True)
    group.translations.append(WorkingGroupTranslation(locale="en", title=f"Group {slug}"))
    db.session.add(group)
    db.session.flush()
    return group


def add_membership(org, group, *statuses) -> Membership:
    membership = Membership(organisation_id=org.id, group_id=group.id, status=statuses[-1])
    previous = None
    for status in statuses:
        membership.events.append(MembershipEvent(from_status=previous, to_status=status))
        previous = status
    db.session.add(membership)
    return membership


def setup_duplicates(app) -> tuple[int, int]:
    """Two registrations of the same organisation, each with people, groups and contacts."""
    with app.app_context():
        keep = make_org(name="Qazaq Civic Voices", country="KZ", status=VERIFIED, sectors=["trade"])
        keep.other_names.append(OrganisationName(name="Қазақ азаматтық үндері", language="kk"))
        duplicate = make_org(
            name="Qazaq Civic Voices Foundation",
            country="KZ",
            city="Almaty",
            website="https://qcv.kz",
            registration_number="100140001231",
            sectors=["trade", "energy"],
            working_languages=["ru"],
        )
        duplicate.other_names.append(
            OrganisationName(name="Казахские гражданские голоса", language="ru")
        )
        make_user(org=keep, role=Role.ADMIN, email="first@qcv.kz")
        make_user(org=duplicate, role=Role.ADMIN, email="second@qcv.kz")
        make_user(org=duplicate, email="colleague@qcv.kz")
        erasmus, mou, justice = make_group("erasmus"), make_group("mou"), make_group("justice")
        P, A, W = MembershipStatus.PENDING, MembershipStatus.ACTIVE, MembershipStatus.WITHDRAWN
        add_membership(keep, erasmus, P, W)  # the duplicate's active row wins
        add_membership(duplicate, erasmus, P, A)
        add_membership(keep, mou, P, A)  # the kept active row stays
        add_membership(duplicate, mou, P)
        add_membership(duplicate, justice, P)  # moves as it is
        db.session.add_all(
            [
                Contact(name="Dana", organisation_id=duplicate.id, visibility=Visibility.MEMBERS),
                Contact(name="Erlan", organisation_id=keep.id, visibility=Visibility.PUBLIC),
                Invitation(organisation_id=duplicate.id, email="invited@qcv.kz"),
            ]
        )
        db.session.commit()
        return keep.id, duplicate.id


def test_merge_asks_to_choose_the_duplicate_then_shows_what_moves(app, staff):
    keep_id, duplicate_id = setup_duplicates(app)
    page = staff.get(f"/admin/organisations/{keep_id}/merge?q=second@qcv").get_data(as_text=True)
    assert "Qazaq Civic Voices Foundation" in page
    assert f"/admin/organisations/{keep_id}/merge?duplicate={duplicate_id}" in page
    page = staff.get(f"/admin/organisations/{keep_id}/merge?q=qazaq").get_data(as_text=True)
    assert f"merge?duplicate={keep_id}" not in page  # never itself

    r = staff.get(f"/admin/organisations/{keep_id}/merge?duplicate={duplicate_id}")
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    for shown in (
        "second@qcv.kz",
        "colleague@qcv.kz",
        "Group erasmus",
        "The result is kept as “active member”, with both histories.",
        "Group justice: Moves over as “request waiting”.",
        "Dana",
        "invited@qcv.kz",
        "Казахские гражданские голоса",
        "Registration number: 100140001231",
        "Energy",
        "Russian",
        "Merge Qazaq Civic Voices Foundation into Qazaq Civic Voices",
    ):
        assert shown in page, shown
    # Nothing changed by looking.
    with app.app_context():
        assert db.session.get(Organisation, duplicate_id) is not None
    assert audit_count(app) == 0


def test_merge_moves_everything_and_loses_nothing(app, staff):
    keep_id, duplicate_id = setup_duplicates(app)
    with app.app_context():
        events_before = db.session.scalar(select(func.count(MembershipEvent.id)))
    r = staff.post(f"/admin/organisations/{keep_id}/merge", data={"duplicate_id": duplicate_id})
    assert r.status_code == 302 and r.headers["Location"] == f"/admin/organisations/{keep_id}"
    with app.app_context():
        assert db.session.get(Organisation, duplicate_id) is None
        keep = db.session.get(Organisation, keep_id)
        assert keep.name == "Qazaq Civic Voices" and keep.status == VERIFIED
        assert sorted(u.email for u in keep.users) == [
            "colleague@qcv.kz",
            "first@qcv.kz",
            "second@qcv.kz",
        ]
        assert db.session.scalar(select(func.count(User.id))) == 4  # with the secretariat
        rows = {
            m.group.slug: m
            for m in db.session.scalars(select(Membership).order_by(Membership.id)).all()
        }
        assert {slug: m.organisation_id for slug, m in rows.items()} == {
            "erasmus": keep_id,
            "mou": keep_id,
            "justice": keep_id,
        }
        assert rows["erasmus"].status == MembershipStatus.ACTIVE
        assert rows["mou"].status == MembershipStatus.ACTIVE
        assert rows["justice"].status == MembershipStatus.PENDING
        # Both histories are kept on the row kept, plus the change the merge made.
        assert [e.to_status.value for e in rows["erasmus"].events] == [
            "pending",
            "withdrawn",
            "pending",
            "active",
            "active",
        ]
        assert rows["erasmus"].events[-1].message == "Merged from Qazaq Civic Voices Foundation"
        assert [e.to_status.value for e in rows["mou"].events] == ["pending", "active", "pending"]
        assert db.session.scalar(select(func.count(MembershipEvent.id))) == events_before + 1
        assert sorted(
            db.session.scalars(select(Contact.name).where(Contact.organisation_id == keep_id))
        ) == ["Dana", "Erlan"]
        invitation = db.session.scalar(select(Invitation))
        assert invitation.organisation_id == keep_id and invitation.email == "invited@qcv.kz"
        assert sorted(n.name for n in keep.other_names) == [
            "Qazaq Civic Voices Foundation",
            "Казахские гражданские голоса",
            "Қазақ азаматтық үндері",
        ]
        assert keep.city == "Almaty" and keep.website == "https://qcv.kz"
        assert keep.registration_number == "100140001231"
        assert [s.value for s in keep.sectors] == ["energy", "trade"]
        assert keep.working_languages == ["ru"]
        entry = db.session.scalar(select(AuditEntry))
        assert entry.action == "organisation.merge" and entry.target_id == keep_id
        assert entry.after["duplicate_id"] == duplicate_id
        assert entry.after["duplicate_name"] == "Qazaq Civic Voices Foundation"
        assert sorted(entry.after["users"]) == ["colleague@qcv.kz", "second@qcv.kz"]
        assert entry.after["duplicate_registration_number"] == "100140001231"
    r = login(app.test_client(), "second@qcv.kz")
    assert r.status_code == 302


def test_merge_refuses_itself_and_a_missing_duplicate(app, staff):
    keep_id, _ = setup_duplicates(app)
    url = f"/admin/organisations/{keep_id}/merge"
    assert staff.post(url, data={"duplicate_id": keep_id}).status_code == 400
    assert staff.post(url, data={"duplicate_id": "999999"}).status_code == 404
    assert staff.post(url, data={}).status_code == 400
    assert audit_count(app) == 0


def test_merge_needs_the_csrf_token(app, staff):
    keep_id, duplicate_id = setup_duplicates(app)
    app.config["WTF_CSRF_ENABLED"] = True
    url = f"/admin/organisations/{keep_id}/merge"
    assert staff.post(url, data={"duplicate_id": duplicate_id}).status_code == 400
    with app.app_context():
        assert db.session.get(Organisation, duplicate_id) is not None
    page = staff.get(f"{url}?duplicate={duplicate_id}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    r = staff.post(url, data={"duplicate_id": duplicate_id, "csrf_token": token})
    assert r.status_code == 302
    with app.app_context():
        assert db.session.get(Organisation, duplicate_id) is None


# The console's home page -----------------------------------------------------------------


def test_console_home_links_every_area_and_counts_what_waits(app, staff):
    with app.app_context():
        make_org(name="Newer Union")
        make_org(name="Older Union", created_at=utcnow() - timedelta(days=1))
        make_org(status=OrganisationStatus.SUSPENDED)
    r = staff.get("/admin/")
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    assert "2 organisations await verification" in page
    assert page.index("Older Union</a>") < page.index("Newer Union</a>")
    for href, text in (
        ("/admin/verification", "Verification queue"),
        ("/admin/organisations", "Organisations"),
        ("/admin/groups", "Working groups"),
        ("/admin/contacts", "Contacts"),
        ("/admin/dashboard", "Dashboard"),
        ("/admin/audit", "Audit log"),
    ):
        assert f'href="{href}">{text}</a>' in page
    assert 'href="/admin/organisations?status=suspended">1</a>' in page


ROUTES = [
    ("get", "/admin/"),
    ("get", "/admin/organisations"),
    ("get", "/admin/organisations/{id}"),
    ("post", "/admin/organisations/{id}/suspend"),
    ("post", "/admin/organisations/{id}/reinstate"),
    ("get", "/admin/organisations/{id}/merge"),
    ("post", "/admin/organisations/{id}/merge"),
]


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_only_the_secretariat_reaches_the_organisations(app, method, path):
    org_id = setup_verified(app)
    with app.app_context():
        other_id = make_org().id
        make_user(role=Role.SECRETARIAT, email="staff@eesc.example")
    url = path.format(id=org_id)
    data = {"reason": "x", "duplicate_id": other_id}
    r = getattr(app.test_client(), method)(url, data=data)
    assert r.status_code == 302 and "/auth/login" in r.headers["Location"]
    for email in ("ana@civic.example", "mo@civic.example"):
        c = app.test_client()
        login(c, email)
        assert getattr(c, method)(url, data=data).status_code == 403
    assert org_status(app, org_id) == VERIFIED
    assert org_status(app, other_id) == OrganisationStatus.PENDING
    assert audit_count(app) == 0
    staff = app.test_client()
    login(staff, "staff@eesc.example")
    r = getattr(staff, method)(url, data=data)
    assert r.status_code in (200, 302)
    assert "noindex" in r.headers["X-Robots-Tag"]


def test_the_organisation_file_names_memberships_and_visibilities_in_the_reader_s_language(
    app, staff
):
    from .test_groups_support import add_member, make_group

    with app.app_context():
        org = make_org(name="Civic Union", status=VERIFIED)
        add_member(make_group("erasmus", title="Erasmus for young Kazakhs"), org=org)
        db.session.add(
            Contact(
                organisation_id=org.id,
                name="Aliya Contact",
                email="aliya@civic.example",
                visibility=Visibility.PRIVATE,
            )
        )
        db.session.commit()
        org_id = org.id
    staff.get("/language/ru")
    page = staff.get(f"/admin/organisations/{org_id}").get_data(as_text=True)
    assert "Erasmus for young Kazakhs: Член (" in page
    assert "Aliya Contact — aliya@civic.example (Закрытый)" in page
    assert ": active (" not in page and "(private)" not in page
