"""The secretariat manages working groups: texts, moderation, new priorities, archiving,
organisations added directly, and co-chairs."""

import pytest
from sqlalchemy import func, select

from eukz_platform.audit import AuditEntry
from eukz_platform.auth.models import Role, User
from eukz_platform.core.vocabulary import OrganisationStatus
from eukz_platform.extensions import db
from eukz_platform.groups import admin_services as services
from eukz_platform.groups.admin_services import GroupTexts
from eukz_platform.groups.models import (
    Coordinator,
    Membership,
    MembershipStatus,
    WorkingGroup,
    WorkingGroupTranslation,
)
from eukz_platform.seeding import GROUP_TEXTS, ensure_groups_and_contacts

from .factories import login, make_org, make_user

VERIFIED = OrganisationStatus.VERIFIED
SECRETARIAT_EMAIL = "secretariat@eesc.example"


def texts_form(**overrides) -> dict:
    data = {
        "moderation": "moderated",
        "title_en": "Educational opportunities for young Kazakhs through Erasmus",
        "purpose_en": "More young Kazakhs in Erasmus.",
        "title_ru": "",
        "purpose_ru": "",
        "title_kk": "",
        "purpose_kk": "",
    }
    data.update(overrides)
    return data


def new_group_form(**overrides) -> dict:
    data = texts_form(
        slug="energy-transition",
        priority="6",
        title_en="A just energy transition",
        purpose_en="Civil society follows the energy transition.",
    )
    data.update(overrides)
    return data


def seed(app) -> None:
    with app.app_context():
        ensure_groups_and_contacts()
        make_user(role=Role.SECRETARIAT, email=SECRETARIAT_EMAIL, full_name="Sam Secretariat")


def secretariat(client):
    login(client, SECRETARIAT_EMAIL)
    return client


def group_id(slug: str) -> int:
    return db.session.scalar(select(WorkingGroup.id).where(WorkingGroup.slug == slug))


def audit_actions() -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def member_person(app, slug: str, country: str, email: str, status=VERIFIED, active=True):
    """A person of an organisation from ``country`` that is (or is not) an active member."""
    with app.app_context():
        org = make_org(country=country, status=status)
        user = make_user(org=org, role=Role.ADMIN, email=email, full_name=email.split("@")[0])
        if active:
            db.session.add(
                Membership(
                    organisation_id=org.id,
                    group_id=group_id(slug),
                    status=MembershipStatus.ACTIVE,
                )
            )
            db.session.commit()
        return user.id


# --- who may enter ---------------------------------------------------------------------------

ROUTES = [
    ("get", "/admin/groups"),
    ("get", "/admin/groups/new"),
    ("post", "/admin/groups/new"),
    ("get", "/admin/groups/erasmus"),
    ("get", "/admin/groups/erasmus/edit"),
    ("post", "/admin/groups/erasmus/edit"),
    ("post", "/admin/groups/erasmus/members"),
    ("post", "/admin/groups/erasmus/co-chairs"),
    ("get", "/admin/groups/erasmus/co-chairs/{chair}/remove"),
    ("post", "/admin/groups/erasmus/co-chairs/{chair}/remove"),
    ("get", "/admin/groups/erasmus/archive"),
    ("post", "/admin/groups/erasmus/archive"),
    ("post", "/admin/groups/erasmus/reopen"),
]


@pytest.fixture
def chair_id(app):
    seed(app)
    user_id = member_person(app, "erasmus", "DE", "chair@eu.example")
    with app.app_context():
        chair = Coordinator(group_id=group_id("erasmus"), user_id=user_id, side="eu")
        db.session.add(chair)
        db.session.commit()
        return chair.id


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_visitors_are_sent_to_log_in(app, client, chair_id, method, path):
    r = getattr(client, method)(path.format(chair=chair_id), data=new_group_form())
    assert r.status_code == 302
    assert "/auth/login" in r.headers["Location"]


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_others_get_403_and_change_nothing(app, client, chair_id, method, path):
    with app.app_context():
        make_user(org=make_org(status=VERIFIED), role=Role.ADMIN, email="admin@org.example")
    login(client, "admin@org.example")
    r = getattr(client, method)(
        path.format(chair=chair_id), data=new_group_form(organisation_id="1", user_id="1")
    )
    assert r.status_code == 403
    with app.app_context():
        assert audit_actions() == []
        assert db.session.scalar(select(func.count()).select_from(WorkingGroup)) == 5
        assert db.session.scalar(select(func.count()).select_from(Coordinator)) == 1
        assert db.session.get(WorkingGroup, group_id("erasmus")).archived_at is None


def test_console_pages_are_not_indexed(app, client):
    seed(app)
    r = secretariat(client).get("/admin/groups")
    assert r.status_code == 200
    assert "noindex" in r.headers["X-Robots-Tag"]


# --- list, edit, moderation --------------------------------------------------------------------


def test_list_shows_every_group_with_its_co_chairs(app, client):
    seed(app)
    user_id = member_person(app, "erasmus", "KZ", "aigerim@kz.example")
    with app.app_context():
        db.session.add(Coordinator(group_id=group_id("erasmus"), user_id=user_id, side="kz"))
        db.session.commit()
    page = secretariat(client).get("/admin/groups").get_data(as_text=True)
    assert "Educational opportunities for young Kazakhs through Erasmus" in page
    assert "Kazakhstan: aigerim" in page
    assert page.count('href="/admin/groups/') >= 5


def test_edit_texts_in_three_languages_and_moderation(app, client):
    seed(app)
    secretariat(client)
    page = client.get("/admin/groups/erasmus/edit").get_data(as_text=True)
    assert "Educational opportunities for young Kazakhs through Erasmus" in page
    with app.app_context():
        purpose = db.session.get(WorkingGroup, group_id("erasmus"))._text("purpose", "en")
    assert purpose in page
    r = client.post(
        "/admin/groups/erasmus/edit",
        data=texts_form(
            moderation="open",
            purpose_en=purpose,
            title_en="Erasmus for young Kazakhs",
            title_ru="Эразмус для молодых казахстанцев",
            purpose_ru="Больше молодых казахстанцев в Эразмусе.",
            title_kk="Жас қазақстандықтарға арналған Эразмус",
            purpose_kk="Эразмуста жас қазақстандықтар көбірек.",
        ),
    )
    assert r.status_code == 302
    assert r.headers["Location"].endswith("/admin/groups/erasmus")
    with app.app_context():
        group = db.session.get(WorkingGroup, group_id("erasmus"))
        assert group.moderated is False
        assert group._text("title", "en") == "Erasmus for young Kazakhs"
        assert group._text("title", "ru") == "Эразмус для молодых казахстанцев"
        assert group._text("purpose", "kk") == "Эразмуста жас қазақстандықтар көбірек."
        entry = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "group.update")
        ).one()
        assert entry.actor.email == SECRETARIAT_EMAIL
        assert entry.target_id == group.id
        assert entry.before["moderated"] is True and entry.after["moderated"] is False
        assert entry.before["title_ru"] == GROUP_TEXTS["erasmus"]["ru"][0]  # the seed's
        assert entry.after["title_ru"] == "Эразмус для молодых казахстанцев"
        assert entry.before["title_en"].startswith("Educational opportunities")
        assert "purpose_en" not in entry.after  # only what changed


def test_emptied_translation_falls_back_to_english(app, client):
    seed(app)
    secretariat(client)
    client.post(
        "/admin/groups/erasmus/edit",
        data=texts_form(title_ru="Эразмус", purpose_ru="Цель."),
    )
    r = client.post("/admin/groups/erasmus/edit", data=texts_form())
    assert r.status_code == 302
    with app.app_context():
        group = db.session.get(WorkingGroup, group_id("erasmus"))
        assert {t.locale for t in group.translations} == {"en"}
        assert group._text("title", "ru") == group._text("title", "en")
        last = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        assert last.before["title_ru"] == "Эразмус" and last.after["title_ru"] is None


def test_english_is_required_and_a_translation_needs_title_and_purpose(app, client):
    seed(app)
    secretariat(client)
    r = client.post(
        "/admin/groups/erasmus/edit",
        data=texts_form(title_en="", title_kk="Эразмус", purpose_kk=""),
    )
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert 'id="title_en-error"' in page
    assert 'id="purpose_kk-error"' in page
    assert "Give both the title and the purpose in Kazakh" in page
    with app.app_context():
        group = db.session.get(WorkingGroup, group_id("erasmus"))
        assert group._text("title", "en").startswith("Educational opportunities")
        assert audit_actions() == []


def test_saving_unchanged_texts_writes_no_audit_entry(app, client):
    seed(app)
    with app.app_context():
        group = db.session.get(WorkingGroup, group_id("erasmus"))
        original = texts_form(
            **{
                f"{attr}_{locale}": group._text(attr, locale)
                for attr in ("title", "purpose")
                for locale in ("en", "ru", "kk")
            }
        )
    r = secretariat(client).post("/admin/groups/erasmus/edit", data=original)
    assert r.status_code == 302
    with app.app_context():
        assert audit_actions() == []


# --- create ------------------------------------------------------------------------------------


def test_create_a_group_for_a_new_priority(app, client):
    seed(app)
    r = secretariat(client).post(
        "/admin/groups/new", data=new_group_form(slug=" Energy-Transition ", moderation="open")
    )
    assert r.status_code == 302
    assert r.headers["Location"].endswith("/admin/groups/energy-transition")
    with app.app_context():
        group = db.session.scalars(
            select(WorkingGroup).where(WorkingGroup.slug == "energy-transition")
        ).one()
        assert group.priority == 6 and group.moderated is False
        assert group._text("title", "en") == "A just energy transition"
        entry = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "group.create")
        ).one()
        assert entry.before is None and entry.after["slug"] == "energy-transition"
    assert "A just energy transition" in client.get("/working-groups/").get_data(as_text=True)


@pytest.mark.parametrize(
    "slug", ["energy transition", "energy--transition", "-energy", "énergie", "new", "a" * 81]
)
def test_create_refuses_a_bad_slug(app, client, slug):
    seed(app)
    r = secretariat(client).post("/admin/groups/new", data=new_group_form(slug=slug))
    assert r.status_code == 422
    assert 'id="slug-error"' in r.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(WorkingGroup)) == 5


def test_create_refuses_a_taken_slug_or_priority(app, client):
    seed(app)
    secretariat(client)
    r = client.post("/admin/groups/new", data=new_group_form(slug="erasmus"))
    assert r.status_code == 422
    assert "already uses this short name" in r.get_data(as_text=True)
    r = client.post("/admin/groups/new", data=new_group_form(priority="3"))
    assert r.status_code == 422
    assert "already carries this priority number" in r.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(WorkingGroup)) == 5
        assert audit_actions() == []


def test_an_archived_groups_priority_can_be_given_again(app, client):
    seed(app)
    secretariat(client)
    assert client.post("/admin/groups/erasmus/archive").status_code == 302
    r = client.post("/admin/groups/new", data=new_group_form(priority="3"))
    assert r.status_code == 302
    # Reopening the old group now would give two open groups priority 3: refused.
    r = client.post("/admin/groups/erasmus/reopen", follow_redirects=True)
    assert "now carries priority 3" in r.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(WorkingGroup, group_id("erasmus")).archived_at is not None


# --- archive -----------------------------------------------------------------------------------


def test_archive_asks_for_confirmation_then_archives(app, client):
    seed(app)
    secretariat(client)
    page = client.get("/admin/groups/erasmus/archive").get_data(as_text=True)
    assert "takes no new members" in page
    assert 'method="post"' in page and 'name="csrf_token"' in page
    with app.app_context():
        assert db.session.get(WorkingGroup, group_id("erasmus")).archived_at is None
    r = client.post("/admin/groups/erasmus/archive")
    assert r.status_code == 302
    with app.app_context():
        assert db.session.get(WorkingGroup, group_id("erasmus")).archived_at is not None
        entry = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "group.archive")
        ).one()
        assert entry.before == {"archived_at": None} and entry.after["archived_at"]
    # Still readable, publicly and in the console.
    assert "Educational opportunities" in client.get("/working-groups/").get_data(as_text=True)
    assert "Archived on" in client.get("/admin/groups/erasmus").get_data(as_text=True)


def test_an_archived_group_takes_no_new_members(app, client):
    seed(app)
    with app.app_context():
        org_id = make_org(name="Steppe Green", country="KZ", status=VERIFIED).id
    secretariat(client)
    client.post("/admin/groups/erasmus/archive")
    r = client.post(
        "/admin/groups/erasmus/members", data={"organisation_id": org_id}, follow_redirects=True
    )
    assert "archived and takes no new members" in r.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Membership)) == 0


def test_reopen_an_archived_group(app, client):
    seed(app)
    secretariat(client)
    client.post("/admin/groups/erasmus/archive")
    r = client.post("/admin/groups/erasmus/reopen")
    assert r.status_code == 302
    with app.app_context():
        assert db.session.get(WorkingGroup, group_id("erasmus")).archived_at is None
        assert audit_actions() == ["group.archive", "group.reopen"]


def test_archive_needs_the_csrf_token(app, client):
    seed(app)
    secretariat(client)
    app.config["WTF_CSRF_ENABLED"] = True
    r = client.post("/admin/groups/erasmus/archive")
    assert r.status_code == 400
    with app.app_context():
        assert db.session.get(WorkingGroup, group_id("erasmus")).archived_at is None


# --- adding organisations ----------------------------------------------------------------------


def test_find_and_add_a_verified_organisation(app, client):
    seed(app)
    with app.app_context():
        org_id = make_org(name="Steppe Green Initiative", acronym="SGI", status=VERIFIED).id
        make_org(name="Steppe Watch", status=OrganisationStatus.PENDING)
    secretariat(client)
    page = client.get("/admin/groups/erasmus?q=steppe").get_data(as_text=True)
    assert "Steppe Green Initiative" in page and "Steppe Watch" in page
    assert "Awaiting verification" in page
    assert "Steppe Green Initiative" in client.get("/admin/groups/erasmus?q=sgi").get_data(
        as_text=True
    )
    r = client.post("/admin/groups/erasmus/members", data={"organisation_id": org_id})
    assert r.status_code == 302
    with app.app_context():
        membership = db.session.scalars(select(Membership)).one()
        assert membership.organisation_id == org_id
        assert membership.status == MembershipStatus.ACTIVE
        assert audit_actions() == ["membership.add"]
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "is now a member of the group" in page
    assert "1 active member" in page


def test_adding_an_unverified_organisation_is_refused_with_a_message(app, client):
    seed(app)
    with app.app_context():
        org_id = make_org(name="Steppe Watch", status=OrganisationStatus.PENDING).id
    r = secretariat(client).post(
        "/admin/groups/erasmus/members", data={"organisation_id": org_id}, follow_redirects=True
    )
    assert "Only verified organisations can be added" in r.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Membership)) == 0
        assert audit_actions() == []


def test_adding_a_member_twice_says_so(app, client):
    seed(app)
    with app.app_context():
        org_id = make_org(status=VERIFIED).id
    secretariat(client)
    client.post("/admin/groups/erasmus/members", data={"organisation_id": org_id})
    r = client.post(
        "/admin/groups/erasmus/members", data={"organisation_id": org_id}, follow_redirects=True
    )
    assert "already a member" in r.get_data(as_text=True)
    with app.app_context():
        assert audit_actions() == ["membership.add"]


def test_adding_an_unknown_organisation_is_404(app, client):
    seed(app)
    r = secretariat(client).post("/admin/groups/erasmus/members", data={"organisation_id": 999})
    assert r.status_code == 404


# --- co-chairs ---------------------------------------------------------------------------------


def test_appoint_one_co_chair_per_side(app, client):
    seed(app)
    eu = member_person(app, "erasmus", "DE", "eu@chair.example")
    kz = member_person(app, "erasmus", "KZ", "kz@chair.example")
    secretariat(client)
    page = client.get("/admin/groups/erasmus").get_data(as_text=True)
    assert "eu@chair.example" not in page  # not a co-chair yet, listed by name only
    assert f'<option value="{eu}">' in page and f'<option value="{kz}">' in page
    for user_id in (eu, kz):
        r = client.post("/admin/groups/erasmus/co-chairs", data={"user_id": user_id})
        assert r.status_code == 302
    with app.app_context():
        chairs = {c.side: c.user_id for c in db.session.scalars(select(Coordinator))}
        assert chairs == {"eu": eu, "kz": kz}
        entries = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "coordinator.appoint")
        ).all()
        assert [e.after["side"] for e in entries] == ["eu", "kz"]
        assert all(e.before is None for e in entries)
    page = client.get("/admin/groups/erasmus").get_data(as_text=True)
    assert "eu@chair.example" in page and "kz@chair.example" in page
    assert "No one can be appointed now" in page


def test_the_side_comes_from_the_organisation_and_the_slot_must_be_free(app, client):
    seed(app)
    first = member_person(app, "erasmus", "FR", "first@eu.example")
    second = member_person(app, "erasmus", "BE", "second@eu.example")
    secretariat(client)
    client.post("/admin/groups/erasmus/co-chairs", data={"user_id": first})
    r = client.post("/admin/groups/erasmus/co-chairs", data={"user_id": second})
    assert r.status_code == 422
    assert "already has a co-chair for the EU side" in r.get_data(as_text=True)
    with app.app_context():
        assert list(db.session.scalars(select(Coordinator.user_id))) == [first]


@pytest.mark.parametrize(
    ("country", "status", "active", "message"),
    [
        ("UZ", VERIFIED, True, "on neither"),
        ("DE", VERIFIED, False, "are active members of the group"),
        ("KZ", OrganisationStatus.SUSPENDED, True, "are active members of the group"),
    ],
)
def test_appoint_refuses_who_cannot_chair(app, client, country, status, active, message):
    seed(app)
    user_id = member_person(app, "erasmus", country, "someone@org.example", status, active)
    r = secretariat(client).post("/admin/groups/erasmus/co-chairs", data={"user_id": user_id})
    assert r.status_code == 422
    assert message in " ".join(r.get_data(as_text=True).split())
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Coordinator)) == 0
        assert audit_actions() == []


def test_a_member_of_another_group_cannot_chair_this_one(app, client):
    seed(app)
    user_id = member_person(app, "raw-materials-mou", "DE", "elsewhere@org.example")
    r = secretariat(client).post("/admin/groups/erasmus/co-chairs", data={"user_id": user_id})
    assert r.status_code == 422
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Coordinator)) == 0


def test_a_secretariat_account_or_nobody_cannot_be_appointed(app, client):
    seed(app)
    with app.app_context():
        staff = db.session.scalar(select(User.id).where(User.email == SECRETARIAT_EMAIL))
    secretariat(client)
    for data in ({"user_id": staff}, {"user_id": 424242}, {"user_id": ""}, {}):
        r = client.post("/admin/groups/erasmus/co-chairs", data=data)
        assert r.status_code == 422
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Coordinator)) == 0


def test_a_person_cannot_chair_the_same_group_twice(app, ctx):
    ensure_groups_and_contacts()
    staff = make_user(role=Role.SECRETARIAT, email=SECRETARIAT_EMAIL)
    org = make_org(country="KZ", status=VERIFIED)
    person = make_user(org=org, role=Role.ADMIN)
    group = db.session.get(WorkingGroup, group_id("erasmus"))
    services.add_organisation(group, org.id, by=staff)
    services.appoint_coordinator(group, person.id, by=staff)
    with pytest.raises(services.AlreadyCoordinator):
        services.appoint_coordinator(group, person.id, by=staff)
    assert db.session.scalar(select(func.count()).select_from(Coordinator)) == 1


def test_services_refuse_anyone_but_the_secretariat(app, ctx):
    ensure_groups_and_contacts()
    org = make_org(country="KZ", status=VERIFIED)
    admin = make_user(org=org, role=Role.ADMIN)
    group = db.session.get(WorkingGroup, group_id("erasmus"))
    texts = {"en": GroupTexts("T", "P"), "ru": None, "kk": None}
    calls = [
        lambda: services.create_group("x-group", 9, True, texts, by=admin),
        lambda: services.update_group(group, False, texts, by=admin),
        lambda: services.archive_group(group, by=admin),
        lambda: services.add_organisation(group, org.id, by=admin),
        lambda: services.appoint_coordinator(group, admin.id, by=admin),
    ]
    for call in calls:
        with pytest.raises(services.NotAllowed):
            call()
    assert audit_actions() == []


def test_remove_a_co_chair_after_confirmation(app, client, chair_id):
    secretariat(client)
    path = f"/admin/groups/erasmus/co-chairs/{chair_id}/remove"
    page = client.get(path).get_data(as_text=True)
    assert "Remove chair as co-chair?" in page
    assert 'method="post"' in page and 'name="csrf_token"' in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Coordinator)) == 1
    r = client.post(path)
    assert r.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Coordinator)) == 0
        entry = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "coordinator.remove")
        ).one()
        assert entry.before["email"] == "chair@eu.example" and entry.before["side"] == "eu"
        assert entry.after is None
    # The seat is free again.
    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.email == "chair@eu.example"))
    assert (
        client.post("/admin/groups/erasmus/co-chairs", data={"user_id": user_id}).status_code == 302
    )


def test_a_co_chair_of_another_group_is_404_here(app, client, chair_id):
    secretariat(client)
    path = f"/admin/groups/raw-materials-mou/co-chairs/{chair_id}/remove"
    assert client.get(path).status_code == 404
    assert (
        client.post(f"/admin/groups/raw-materials-mou/co-chairs/{chair_id}/remove").status_code
        == 404
    )
    assert client.get("/admin/groups/no-such-group").status_code == 404
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Coordinator)) == 1


def test_two_appointments_for_one_side_leave_one_co_chair(app, ctx, monkeypatch):
    """The database's unique (group, side) settles a race the checks cannot see."""
    ensure_groups_and_contacts()
    staff = make_user(role=Role.SECRETARIAT, email=SECRETARIAT_EMAIL)
    group = db.session.get(WorkingGroup, group_id("erasmus"))
    people = []
    for _ in range(2):
        org = make_org(country="KZ", status=VERIFIED)
        services.add_organisation(group, org.id, by=staff)
        people.append(make_user(org=org, role=Role.ADMIN))
    services.appoint_coordinator(group, people[0].id, by=staff)
    # A second request read the seat as free just before the first one filled it.
    monkeypatch.setattr(services, "coordinators", lambda group: {})
    with pytest.raises(services.SlotTaken):
        services.appoint_coordinator(group, people[1].id, by=staff)
    assert list(db.session.scalars(select(Coordinator.user_id))) == [people[0].id]
    assert audit_actions().count("coordinator.appoint") == 1


def test_translations_table_keeps_one_row_per_language(app, ctx):
    ensure_groups_and_contacts()
    staff = make_user(role=Role.SECRETARIAT, email=SECRETARIAT_EMAIL)
    group = db.session.get(WorkingGroup, group_id("erasmus"))
    texts = {"en": GroupTexts("T", "P"), "ru": GroupTexts("Т", "Ц"), "kk": None}
    services.update_group(group, True, texts, by=staff)
    texts["ru"] = GroupTexts("Т2", "Ц2")
    services.update_group(group, True, texts, by=staff)
    rows = db.session.scalars(
        select(WorkingGroupTranslation.locale).where(WorkingGroupTranslation.group_id == group.id)
    ).all()
    assert sorted(rows) == ["en", "ru"]


def test_co_chairs_who_do_not_act_are_shown_so_with_the_reason(app, client, chair_id):
    kz = member_person(app, "erasmus", "KZ", "kz@chair.example")
    with app.app_context():
        db.session.add(Coordinator(group_id=group_id("erasmus"), user_id=kz, side="kz"))
        db.session.commit()
    secretariat(client)
    page = client.get("/admin/groups/erasmus").get_data(as_text=True)
    assert "Not acting" not in page
    with app.app_context():
        eu_org = db.session.get(Coordinator, chair_id).user.organisation
        eu_org.status = OrganisationStatus.SUSPENDED
        membership = db.session.scalar(
            select(Membership)
            .join(User, User.organisation_id == Membership.organisation_id)
            .where(User.id == kz)
        )
        membership.status = MembershipStatus.LEFT
        db.session.commit()
    page = client.get("/admin/groups/erasmus").get_data(as_text=True)
    assert page.count("Not acting") == 2
    assert "Their organisation is not verified now." in page
    assert "Their organisation is not an active member of the group now." in page
    listing = client.get("/admin/groups").get_data(as_text=True)
    assert listing.count("Not acting") == 2
