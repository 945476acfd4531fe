"""Duplicates caught at the door: near matches shown while registering, and asking to join."""

import re

import pytest
from sqlalchemy import func, select

from eukz_platform import create_app
from eukz_platform.auth.models import Role, User
from eukz_platform.core.models import Invitation, Organisation, OrganisationName
from eukz_platform.core.vocabulary import OrganisationStatus
from eukz_platform.extensions import db
from eukz_platform.organisations.duplicates import folded_key, website_domain

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


@pytest.mark.parametrize("name", ["almaty forum", "ALMATY  FORUM", "Almatý Forum", "AlmatyForum"])
def test_the_same_name_is_refused_and_links_to_the_organisation_to_ask_to_join(
    app, client, existing, name
):
    r = client.post("/organisations/register", data=registration_form(name=name, website=""))
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert "An organisation with this name is already registered." in page
    assert "This organisation is already registered" in page and WARNING not in page
    assert f'<a class="ecl-link" href="/organisations/{existing}">Almaty Forum</a>' in page
    assert f'formaction="/organisations/{existing}/ask-to-join"' in page
    assert "Ask to be added to Almaty Forum" in page
    # Nothing to register anyway: the name is taken.
    assert 'name="register_anyway"' not in page
    assert count(app, Organisation) == 1


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("ru", "Эта организация уже зарегистрирована"),
        ("kk", "Бұл ұйым тіркеліп қойған"),
    ],
)
def test_the_same_name_notice_speaks_the_readers_language(app, client, existing, language, words):
    r = client.post(
        "/organisations/register",
        data=registration_form(name="almaty forum", website=""),
        headers={"Accept-Language": language},
    )
    page = r.get_data(as_text=True)
    assert r.status_code == 422 and words in page
    assert "This organisation is already registered" not in page


def test_hidden_organisations_are_not_offered(app, client):
    with app.app_context():
        make_org(name="Almaty Forum", status=OrganisationStatus.REJECTED, website="https://af.kz")
    r = client.post(
        "/organisations/register",
        data=registration_form(name="Алматы Форум", website="https://af.kz"),
    )
    assert r.status_code == 302


def link_in(message) -> str:
    """The path of the link in a mailed message."""
    return re.search(r"https?://[^/\s]+(/\S+)", message.body).group(1)


def ask(client, org_id: int, **values):
    # The button sends the registration form's fields to the ask-to-join address.
    return client.post(
        f"/organisations/{org_id}/ask-to-join",
        data=registration_form(**{"full_name": "Dana Nurlanovna", "email": "Dana@Example.kz"})
        | values,
    )


def test_asking_to_be_added_first_mails_the_person_a_link_and_tells_the_admins_nothing(
    app, client, existing, outbox
):
    r = ask(client, existing, message="We met in Astana.")
    assert r.status_code == 302
    assert r.headers["Location"].endswith(f"/organisations/{existing}")
    [message] = outbox
    assert message.to == ["dana@example.kz"]
    assert message.subject == "Confirm your request to join Almaty Forum"
    assert "Dana Nurlanovna" in message.body and "Almaty Forum" in message.body
    assert link_in(message).startswith(f"/organisations/{existing}/ask-to-join/")
    assert count(app, Organisation) == 1 and count(app, User) == 3
    assert count(app, Invitation) == 0
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "We sent a link to dana@example.kz" in page


def test_following_the_link_forwards_the_request_to_the_admins_once(app, client, existing, outbox):
    ask(client, existing, message="We met in Astana.")
    link = link_in(outbox[0])
    r = client.get(link)
    assert r.status_code == 302
    assert r.headers["Location"].endswith(f"/organisations/{existing}")
    assert len(outbox) == 2
    message = outbox[1]
    assert sorted(message.to) == ["admin@almaty-forum.kz", "second@almaty-forum.kz"]
    assert "Dana Nurlanovna" in message.subject
    assert "Dana Nurlanovna" in message.body and "dana@example.kz" in message.body
    assert "We met in Astana." in message.body
    assert "confirmed" in message.body
    assert f"/organisations/{existing}/people" in message.body
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "we sent your request to the admins of Almaty Forum" in page
    # Once: following the link again sends nothing more.
    again = client.get(link, follow_redirects=True)
    assert again.status_code == 200
    assert "Your request was already sent to the admins of Almaty Forum" in again.get_data(
        as_text=True
    )
    assert len(outbox) == 2
    assert count(app, User) == 3 and count(app, Invitation) == 0


def test_a_changed_or_expired_link_forwards_nothing(app, client, existing, outbox):
    ask(client, existing)
    link = link_in(outbox[0])
    r = client.get(link + "x", follow_redirects=True)
    assert "This confirmation link is not valid" in r.get_data(as_text=True)
    assert len(outbox) == 1
    app.config["EMAIL_CONFIRMATION_MAX_AGE"] = -1
    r = client.get(link, follow_redirects=True)
    assert "This confirmation link has expired" in r.get_data(as_text=True)
    assert len(outbox) == 1
    # A link of one organisation does not work for another.
    with app.app_context():
        other = make_org(name="Other Forum", status=OrganisationStatus.VERIFIED).id
    app.config["EMAIL_CONFIRMATION_MAX_AGE"] = 3600
    wrong = link.replace(f"/organisations/{existing}/", f"/organisations/{other}/")
    r = client.get(wrong, follow_redirects=True)
    assert "This confirmation link is not valid" in r.get_data(as_text=True)
    assert len(outbox) == 1


def test_no_request_reaches_an_organisation_suspended_since(app, client, existing, outbox):
    ask(client, existing)
    with app.app_context():
        db.session.get(Organisation, existing).status = OrganisationStatus.SUSPENDED
        db.session.commit()
    assert client.get(link_in(outbox[0])).status_code == 404
    assert len(outbox) == 1


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


def test_ask_to_join_is_rate_limited_and_says_when_to_try_again(database_url, existing):
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
    responses = [client.post(f"/organisations/{existing}/ask-to-join", data=form) for _ in range(3)]
    assert [r.status_code for r in responses] == [302, 302, 429]
    refused = responses[-1]
    page = refused.get_data(as_text=True)
    assert "You have asked to be added to organisations several times" in page
    assert "2 per 1 hour" not in page
    wait = int(refused.headers["Retry-After"])
    shown = int(re.search(r"You can try again in (\d+) seconds\.", page).group(1))
    assert 3500 < wait <= 3601 and abs(shown - wait) <= 2
