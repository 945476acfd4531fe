"""A contact's own page, linked from the directory, with the vCard; only for those who may
see the contact."""

from sqlalchemy import select

from eukz_platform.contacts.models import Contact
from eukz_platform.core.vocabulary import OrganisationStatus
from eukz_platform.extensions import db
from eukz_platform.seeding import ensure_groups_and_contacts

from .factories import login, make_contacts_of_every_visibility, make_org, make_user


def _millie(app) -> int:
    with app.app_context():
        ensure_groups_and_contacts()
        return db.session.scalar(select(Contact.id).where(Contact.name == "Millie Tsoumani"))


def test_an_eesc_contact_has_a_page_linked_from_the_directory(app, client):
    millie = _millie(app)
    directory = client.get("/directory/?q=Tsoumani").get_data(as_text=True)
    assert f'href="/directory/contacts/{millie}">' in directory
    r = client.get(f"/directory/contacts/{millie}")
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert '<h1 class="ecl-u-type-heading-1">Millie Tsoumani</h1>' in html
    assert "Press Officer, EESC" in html
    assert 'href="mailto:Amalia.tsoumani@eesc.europa.eu"' in html
    assert 'href="tel:+3225469088"' in html
    assert f'href="/directory/contacts/{millie}.vcf"' in html
    assert client.get(f"/directory/contacts/{millie}.vcf").status_code == 200


def test_the_contact_page_speaks_the_readers_language(app, client):
    millie = _millie(app)
    for language, words in (
        ("ru", "Добавить контакт Millie Tsoumani в адресную книгу (vCard)"),
        ("kk", "Millie Tsoumani: мекенжай кітапшасына қосу (vCard)"),
    ):
        html = client.get(
            f"/directory/contacts/{millie}", headers={"Accept-Language": language}
        ).get_data(as_text=True)
        assert words in html and f'lang="{language}"' in html


def test_a_contact_the_viewer_may_not_see_is_not_found(app, client):
    with app.app_context():
        org = make_org(status=OrganisationStatus.VERIFIED, name="Steppe Forum")
        make_contacts_of_every_visibility(org)
        ids = dict(db.session.execute(select(Contact.name, Contact.id)).all())
        make_user(org=make_org(status=OrganisationStatus.VERIFIED), email="other@example.org")
        make_user(org=org, email="own@example.org")
    assert client.get(f"/directory/contacts/{ids['Public Person']}").status_code == 200
    assert client.get(f"/directory/contacts/{ids['Members Person']}").status_code == 404
    assert client.get(f"/directory/contacts/{ids['Private Person']}").status_code == 404
    assert client.get("/directory/contacts/999999").status_code == 404
    login(client, "other@example.org")
    page = client.get(f"/directory/contacts/{ids['Members Person']}")
    assert page.status_code == 200 and "Steppe Forum" in page.get_data(as_text=True)
    assert client.get(f"/directory/contacts/{ids['Private Person']}").status_code == 404
    own = app.test_client()
    login(own, "own@example.org")
    assert own.get(f"/directory/contacts/{ids['Private Person']}").status_code == 200


def test_the_contact_of_a_suspended_organisation_is_not_found(app, client):
    with app.app_context():
        org = make_org(status=OrganisationStatus.SUSPENDED)
        make_contacts_of_every_visibility(org)
        public = db.session.scalar(select(Contact.id).where(Contact.name == "Public Person"))
    assert client.get(f"/directory/contacts/{public}").status_code == 404
