"""Test data with sensible defaults."""

from itertools import count

from flask import current_app

from eukz_platform.auth.models import Role, User
from eukz_platform.contacts.models import Contact, Visibility
from eukz_platform.core.models import Organisation
from eukz_platform.core.vocabulary import OrganisationStatus
from eukz_platform.database import utcnow
from eukz_platform.extensions import db

PASSWORD = "correct horse battery staple"
_seq = count(1)


def make_org(**values) -> Organisation:
    n = next(_seq)
    org = Organisation(
        name=values.pop("name", f"Civic Union {n}"),
        country=values.pop("country", "BE"),
        type=values.pop("type", "ngo"),
        eesc_group=values.pop("eesc_group", "none"),
        status=values.pop("status", OrganisationStatus.PENDING),
        **values,
    )
    db.session.add(org)
    db.session.commit()
    return org


def make_contacts_of_every_visibility(org: Organisation, name: str = "{} Person", **values):
    """One contact of ``org`` per visibility, named ``name`` with the visibility's title (e.g.
    "Public Person"), with an email at forum.example and a phone number; committed."""
    for visibility in Visibility:
        db.session.add(
            Contact(
                organisation_id=org.id,
                name=name.format(visibility.value.title()),
                email=f"{visibility.value}@forum.example",
                phone="+7 727 250 12 34",
                phone_e164="+77272501234",
                visibility=visibility,
                **values,
            )
        )
    db.session.commit()


def make_user(org: Organisation | None = None, role: Role = Role.MEMBER, **values) -> User:
    n = next(_seq)
    if org is None and role != Role.SECRETARIAT:
        org = make_org()
    user = User(
        email=values.pop("email", f"person{n}@example.org"),
        full_name=values.pop("full_name", f"Person {n}"),
        role=role,
        organisation_id=org.id if org else None,
        email_confirmed_at=values.pop("email_confirmed_at", utcnow()),
        # Agreed to the current privacy notice, unless a test says otherwise.
        privacy_notice_version=values.pop(
            "privacy_notice_version", current_app.config["PRIVACY_NOTICE_VERSION"]
        ),
        **values,
    )
    user.set_password(values.pop("password", PASSWORD))
    db.session.add(user)
    db.session.commit()
    return user


def registration_form(**overrides) -> dict:
    """What a person fills in on the registration form."""
    data = {
        "name": "Steppe Green Initiative",
        "acronym": "SGI",
        "country": "KZ",
        "city": "Almaty",
        "type": "ngo",
        "eesc_group": "III",
        "sectors": ["environment", "renewable_hydrogen"],
        "website": "https://steppe-green.kz",
        "description": "Environmental education in the steppe.",
        "working_languages": ["kk", "ru", "en"],
        "registration_number": "",
        "full_name": "Aigerim Nurlanovna",
        "email": "Aigerim@Steppe-Green.kz",
        "password": PASSWORD,
        "confirm_password": PASSWORD,
        "consent": "y",
    }
    data.update(overrides)
    return data


def login(client, email: str, password: str = PASSWORD, **extra):
    return client.post("/auth/login", data={"email": email, "password": password, **extra})
