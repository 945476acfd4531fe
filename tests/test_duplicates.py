"""Duplicates caught at the door: near matches shown while registering, and asking to join."""

import pytest
from sqlalchemy import func, select

from eukz_platform import create_app
from eukz_platform.auth.models import Role, User
from eukz_platform.extensions import db
from eukz_platform.organisations.duplicates import folded_key, website_domain
from eukz_platform.organisations.models import Invitation, Organisation, OrganisationName
from eukz_platform.organisations.vocabulary import OrganisationStatus

from .factories import login, make_org, make_user, registration_form

WARNING = "This organisation may already be registered"


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize(
    ("url", "domain"),
    [
        ("https://www.steppe.kz/about?x=1", "steppe.kz"),
        ("http://STEPPE.kz:8080", "steppe.kz"),
        ("steppe.kz/path", "steppe.kz"),
        ("https://blog.steppe.kz/", "blog.steppe.kz"),
        ("", None),
        (None, None),
    ],
)
def test_website_domain(url, domain):
    assert website_domain(url) == domain


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Алматы Форум", "Almaty Forum"),
        ("ALMATY-FORUM!", "almaty forum"),
        ("Қазақстан Жастар", "Kazakhstan Zhastar"),
        ("Société Civile", "societe civile"),
    ],
)
def test_folded_names_meet(a, b):
    assert folded_key(a) == folded_key(b)


@pytest.fixture
def existing(app):
    with app.app_context():
        org = make_org(
            name="Almaty Forum",
            country="KZ",
            city="Almaty",
            website="https://www.almaty-forum.kz/en/",
            status=OrganisationStatus.VERIFIED,
        )
        make_user(org=org, role=Role.ADMIN, email="admin@almaty-forum.kz", full_name="Ana Admin")
        make_user(org=org, role=Role.ADMIN, email="second@almaty-forum.kz")
        make_user(org=org, email="member@almaty-forum.kz")
        return org.id


def test_a_transliterated_name_shows_the_existing_entry_and_creates_nothing(app, client, existing):
    r = client.post(
        "/organisations/register",
        data=registration_form(name="Алматы Форум", website="", email="new@example.kz"),
    )
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    assert WARNING in page
    assert f'href="/organisations/{existing}"' in page and "Almaty Forum" in page
    assert 'name="register_anyway"' in page
    assert f'formaction="/organisations/{existing}/ask-to-join"' in page
    assert 'value="Алматы Форум"' in page  # what was typed is kept
    assert count(app, Organisation) == 1 and count(app, User) == 3


def test_the_same_website_domain_is_a_near_match(app, client, existing):
    r = client.post(
        "/organisations/register",
        data=registration_form(name="Completely Different", website="http://almaty-forum.kz"),
    )
    assert r.status_code == 200 and WARNING in r.get_data(as_text=True)
    assert count(app, Organisation) == 1


def test_another_name_of_an_organisation_is_a_near_match(app, client, existing):
    with app.app_context():
        db.session.add(OrganisationName(organisation_id=existing, name="Жасыл Дала", language="kk"))
        db.session.commit()
    r = client.post(
        "/organisations/register", data=registration_form(name="Zhasyl Dala", website="")
    )
    assert WARNING in r.get_data(as_text=True)


def test_register_anyway_goes_on(app, client, existing, outbox):
    r = client.post(
        "/organisations/register",
        data=registration_form(name="Алматы Форум", website="", register_anyway="y"),
    )
    assert r.status_code == 302
    with app.app_context():
        names = set(db.session.scalars(select(Organisation.name)))
    assert names == {"Almaty Forum", "Алматы Форум"}


def test_no_warning_without_a_near_match(app, client, existing):
    r = client.post(
        "/organisations/register",
        data=registration_form(name="Almaty Youth Forum", website="https://youth.kz"),
    )
    assert r.status_code == 302
    assert count(app, Organisation) == 2


def test_the_same_name_is_still_refused_outright(app, client, existing):
    r = client.post(
        "/organisations/register", data=registration_form(name="almaty forum", website="")
    )
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert "already registered" in page and WARNING not in page
    assert count(app, Organisation) == 1


def test_hidden_organisations_are_not_offered(app, client):
    with app.app_context():
        make_org(name="Almaty Forum", status=OrganisationStatus.REJECTED, website="https://af.kz")
    r = client.post(
        "/organisations/register",
        data=registration_form(name="Алматы Форум", website="https://af.kz"),
    )
    assert r.status_code == 302


def test_asking_to_be_added_mails_the_admins_and_creates_nothing(app, client, existing, outbox):
    # The button sends the registration form's fields to the ask-to-join address.
    r = client.post(
        f"/organisations/{existing}/ask-to-join",
        data=registration_form(full_name="Dana Nurlanovna", email="Dana@Example.kz"),
    )
    assert r.status_code == 302
    assert r.headers["Location"].endswith(f"/organisations/{existing}")
    assert len(outbox) == 1
    message = outbox[0]
    assert sorted(message.to) == ["admin@almaty-forum.kz", "second@almaty-forum.kz"]
    assert "Dana Nurlanovna" in message.subject
    assert "Dana Nurlanovna" in message.body and "dana@example.kz" in message.body
    assert f"/organisations/{existing}/people" in message.body
    assert count(app, Organisation) == 1 and count(app, User) == 3
    assert count(app, Invitation) == 0
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "We asked the admins of Almaty Forum to invite you" in page


def test_ask_to_join_page_and_its_checks(app, client, existing, outbox):
    page = client.get(f"/organisations/{existing}/ask-to-join")
    assert page.status_code == 200 and "Ask to be added to Almaty Forum" in page.get_data(
        as_text=True
    )
    r = client.post(
        f"/organisations/{existing}/ask-to-join", data={"full_name": "X", "email": "nope"}
    )
    assert r.status_code == 422 and outbox == []
    assert client.post("/organisations/999999/ask-to-join", data={}).status_code == 404


def test_ask_to_join_is_only_for_listed_organisations_and_visitors(app, client, existing, outbox):
    with app.app_context():
        rejected = make_org(name="Gone", status=OrganisationStatus.REJECTED)
        make_user(org=rejected, role=Role.ADMIN, email="admin@gone.example")
        rejected_id = rejected.id
    form = {"full_name": "Dana", "email": "dana@example.kz"}
    assert client.post(f"/organisations/{rejected_id}/ask-to-join", data=form).status_code == 404
    login(client, "member@almaty-forum.kz")
    r = client.post(f"/organisations/{existing}/ask-to-join", data=form)
    assert r.status_code == 302
    assert outbox == []


def test_ask_to_join_is_rate_limited(database_url, existing):
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_ASK_TO_JOIN": "2 per hour",
        }
    )
    client = app.test_client()
    form = {"full_name": "Dana", "email": "dana@example.kz"}
    codes = [
        client.post(f"/organisations/{existing}/ask-to-join", data=form).status_code
        for _ in range(3)
    ]
    assert codes == [302, 302, 429]
