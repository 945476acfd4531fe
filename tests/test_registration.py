"""Registering an organisation with its first admin."""

import re
import secrets
import threading

import pytest
from sqlalchemy import func, select

from eukz_platform.auth.models import Role, User
from eukz_platform.core.models import Organisation
from eukz_platform.core.vocabulary import OrganisationStatus, Side
from eukz_platform.extensions import db, limiter
from eukz_platform.organisations import services
from eukz_platform.organisations.registration_numbers import bin_is_valid

from .factories import PASSWORD, login, make_org, make_user, registration_form


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_form_has_the_labels_people_and_tests_rely_on(client):
    html = client.get("/organisations/register").get_data(as_text=True)
    for label in (
        "Organisation name",
        "Acronym",
        "Country",
        "City",
        "Type of organisation",
        "EESC group",
        "Sectors",
        "Website",
        "Description",
        "Working languages",
        "Registration number",
        "Full name",
        "Email",
        "Password",
        "Confirm password",
        "I agree to the privacy notice",
    ):
        assert label in html, label
    assert 'href="/privacy"' in html
    # The countries: 27 member states, Kazakhstan, the rest of Central Asia, Other.
    select = re.search(r'<select[^>]*id="country".*?</select>', html, re.S).group(0)
    options = re.findall(r'<option[^>]*value="([A-Z]{2})"', select)
    assert len(options) == 27 + 1 + 4 + 1
    assert {"KZ", "UZ", "KG", "TJ", "TM", "ZZ", "DE", "RO"} <= set(options)


def test_registration_creates_organisation_and_admin_and_asks_to_confirm(app, client, outbox):
    r = client.post("/organisations/register", data=registration_form())
    assert r.status_code == 302
    with app.app_context():
        org = db.session.scalar(select(Organisation))
        user = db.session.scalar(select(User))
        assert org.name == "Steppe Green Initiative"
        assert org.side == Side.KAZAKHSTAN
        assert org.status == OrganisationStatus.PENDING
        assert org.sectors == ["environment", "renewable_hydrogen"]
        assert org.working_languages == ["kk", "ru", "en"]
        assert user.email == "aigerim@steppe-green.kz"
        assert user.role == Role.ADMIN and user.organisation_id == org.id
        assert user.privacy_consent_at is not None
        assert user.email_confirmed_at is None
        assert user.password_hash != "correct horse battery staple"
        assert user.privacy_notice_version == app.config["PRIVACY_NOTICE_VERSION"]
        assert r.headers["Location"].endswith("/organisations/register/check-your-inbox")
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "Check your inbox" in page
    assert "We sent an email to aigerim@steppe-green.kz" in page
    # Signed in only once the person logs in: a new address and a known one get one answer.
    assert "Log out" not in page
    assert len(outbox) == 1
    assert outbox[0].to == ["aigerim@steppe-green.kz"]
    assert "/auth/confirm/" in outbox[0].body


@pytest.mark.parametrize(
    ("country", "side"),
    [("DE", Side.EU), ("KZ", Side.KAZAKHSTAN), ("UZ", Side.OTHER), ("ZZ", Side.OTHER)],
)
def test_side_follows_from_the_country(app, client, country, side):
    client.post("/organisations/register", data=registration_form(country=country, side="eu"))
    with app.app_context():
        assert db.session.scalar(select(Organisation.side)) == side


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"name": "  "}, "name", "This field is required"),
        ({"country": ""}, "country", "This field is required"),
        ({"country": "US"}, "country", "Not a valid choice"),
        ({"type": "club"}, "type", "Not a valid choice"),
        ({"sectors": ["trade", "tourism"]}, "sectors", "choose only among the options shown"),
        ({"website": "javascript://example.org/%0Aalert(1)"}, "website", "http:// or https://"),
        ({"description": "x" * 2001}, "description", "2000"),
        ({"registration_number": "12345"}, "registration_number", "12 digits"),
        ({"registration_number": "100140001232"}, "registration_number", "last digit"),
        ({"country": "BE", "registration_number": "??"}, "registration_number", "Transparency"),
        ({"email": "not-an-email"}, "email", "Invalid email"),
        ({"password": "short", "confirm_password": "short"}, "password", "at least 12"),
        (
            {"password": "q1w2e3r4t5y6", "confirm_password": "q1w2e3r4t5y6"},
            "password",
            "too common",
        ),
        ({"confirm_password": "something else entirely"}, "confirm_password", "differ"),
        ({"consent": ""}, "consent", "privacy notice"),
    ],
)
def test_bad_input_keeps_values_and_shows_the_error_by_the_field(
    app, client, overrides, field, message
):
    data = registration_form(**overrides)
    if overrides.get("consent") == "":
        del data["consent"]
    r = client.post("/organisations/register", data=data)
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    # The message sits next to the field and is tied to it for screen readers.
    error = re.search(rf'id="{field}-error"[^>]*>(.*?)</div>', html, re.S)
    assert error and message.lower() in re.sub(r"<[^>]+>", "", error.group(1)).lower()
    if field != "sectors":  # a group of checkboxes: the error is tied to its fieldset
        tag = re.search(rf'<(?:input|select|textarea)[^>]*\bid="{field}"[^>]*>', html).group(0)
        assert 'aria-invalid="true"' in tag
        assert f"{field}-error" in re.search(r'aria-describedby="([^"]*)"', tag).group(1)
    # What the person typed is still there, except the password.
    if field != "name":
        assert 'value="Steppe Green Initiative"' in html
    assert "correct horse battery staple" not in html
    assert count(app, Organisation) == 0 and count(app, User) == 0


@pytest.mark.parametrize(
    "number", ["100140001231", "940123456789", "377835337400", "1001 4000 1231"]
)
def test_valid_bins_are_accepted(app, client, number):
    r = client.post("/organisations/register", data=registration_form(registration_number=number))
    assert r.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Organisation.registration_number)) == number.replace(
            " ", ""
        )


def test_bin_control_digit_table():
    assert bin_is_valid("100140001231")
    assert bin_is_valid("377835337400")  # needs the second set of weights
    assert not bin_is_valid("100140001232")
    assert not bin_is_valid("10014000123")
    assert not bin_is_valid("１００１４０００１２３１")  # full-width digits


@pytest.mark.parametrize("number", ["123456789012-34", "HRB 12345", "0123.456.789"])
def test_eu_numbers_are_accepted(app, client, number):
    r = client.post(
        "/organisations/register", data=registration_form(country="BE", registration_number=number)
    )
    assert r.status_code == 302


@pytest.mark.parametrize(
    "name",
    [
        "steppe green initiative",
        "STEPPE GREEN INITIATIVE",
        "Stéppe  Green Initiative",
        "SteppeGreen Initiative",
    ],
)
def test_same_name_is_refused_whatever_the_case_accents_or_spaces(app, client, name):
    with app.app_context():
        make_org(name="Steppe Green Initiative")
    r = client.post("/organisations/register", data=registration_form(name=name))
    assert r.status_code == 422
    assert "An organisation with this name is already registered." in r.get_data(as_text=True)
    assert count(app, Organisation) == 1 and count(app, User) == 0


def test_registration_number_already_given_is_refused(app, client):
    with app.app_context():
        make_org(name="Other", country="KZ", registration_number="100140001231")
    r = client.post(
        "/organisations/register", data=registration_form(registration_number="100140001231")
    )
    assert r.status_code == 422
    assert "this registration number is already registered" in r.get_data(as_text=True)
    assert count(app, Organisation) == 1


def test_email_already_registered_gets_the_same_answer_and_its_owner_a_mail(app, client, outbox):
    with app.app_context():
        make_user(email="aigerim@steppe-green.kz", full_name="Aigerim", locale="ru")
    new = app.test_client().post(
        "/organisations/register",
        data=registration_form(
            name="Kazakh Teachers Forum",
            acronym="KTF",
            website="https://teachers.example.kz",
            email="someone.new@example.org",
        ),
    )
    outbox.clear()
    r = client.post(
        "/organisations/register", data=registration_form(email="AIGERIM@steppe-green.KZ")
    )
    assert r.status_code == new.status_code == 302
    assert r.headers["Location"] == new.headers["Location"]
    page = client.get(r.headers["Location"])
    assert page.status_code == 200
    assert "We sent an email to aigerim@steppe-green.kz" in page.get_data(as_text=True)
    assert count(app, Organisation) == 2 and count(app, User) == 2
    # The owner is told, in their own language, with a way to log in or reset the password.
    assert len(outbox) == 1
    mail = outbox[0]
    assert mail.to == ["aigerim@steppe-green.kz"]
    assert "/auth/login" in mail.body and "/auth/forgot-password" in mail.body
    assert mail.body.startswith("Здравствуйте, Aigerim!")  # in Russian, their language


def test_simultaneous_identical_registrations_leave_one_organisation(app):
    data = {
        k: v
        for k, v in registration_form().items()
        if k not in ("full_name", "email", "password", "confirm_password", "consent")
    }
    data["registration_number"] = None
    results = []
    barrier = threading.Barrier(2)

    def register(email):
        with app.test_request_context():
            barrier.wait()
            try:
                services.register(dict(data), "Someone", email, "correct horse battery staple")
                results.append("ok")
            except services.Taken as e:
                results.append(e.fields)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=register, args=(f"p{i}@example.org",)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(map(str, results)) == sorted(["ok", str({"name"})])
    assert count(app, Organisation) == 1 and count(app, User) == 1


def test_failure_in_the_middle_leaves_no_organisation_without_its_admin(app, ctx, monkeypatch):
    # Someone else takes the email between the check and the commit.
    real = services.auth_services.find_by_email
    calls = []

    def not_yet_taken(email):
        calls.append(email)
        return None if len(calls) == 1 else real(email)

    monkeypatch.setattr(services.auth_services, "find_by_email", not_yet_taken)
    make_user(email="late@example.org")
    before = count(app, Organisation)
    registered = services.register(
        {**registration_form(), "registration_number": None, "sectors": []},
        "Late Comer",
        "late@example.org",
        "correct horse battery staple",
    )
    # The same answer as for an address known from the start: nothing registered.
    assert registered is None
    assert count(app, Organisation) == before
    assert count(app, User) == 1


def test_logged_in_user_is_not_offered_a_second_registration(app, client):
    client.post("/organisations/register", data=registration_form())
    login(client, "aigerim@steppe-green.kz")
    r = client.get("/organisations/register")
    assert r.status_code == 302


# The limit per client address: only completed registrations count ----------------------


@pytest.fixture
def limited_client(database_url):
    """A client of an app whose rate limits are on, at their production values."""
    from eukz_platform import create_app

    from .conftest import empty_all_tables

    app = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "RATELIMIT_ENABLED": True}
    )
    assert app.config["RATELIMIT_REGISTER"] == "20 per day"
    with app.app_context():
        limiter.reset()  # counts left by other apps of this process (same storage)
    client = app.test_client()
    # An address of its own: nothing another test of this process sent counts against it.
    client.environ_base["REMOTE_ADDR"] = f"198.51.100.{secrets.randbelow(250) + 1}"
    yield app, client
    empty_all_tables(app)


def nth_organisation(i: int, **overrides) -> dict:
    return registration_form(
        name=f"Steppe Union Number {i}",
        acronym=f"SU{i}",
        website=f"https://union{i}.example.kz",
        email=f"admin{i}@union{i}.example.kz",
        **overrides,
    )


def test_mistakes_in_the_form_do_not_count_toward_the_limit(limited_client):
    app, client = limited_client
    for _ in range(6):
        r = client.post("/organisations/register", data=nth_organisation(1, password="short"))
        assert r.status_code == 422
    r = client.post("/organisations/register", data=nth_organisation(1))
    assert r.status_code == 302
    assert count(app, Organisation) == 1


def test_the_21st_registration_of_a_day_is_refused_with_the_form_kept(limited_client):
    app, client = limited_client
    for i in range(20):
        assert client.post("/organisations/register", data=nth_organisation(i)).status_code == 302
    r = client.post("/organisations/register", data=nth_organisation(20))
    page = r.get_data(as_text=True)
    assert r.status_code == 429
    assert int(r.headers["Retry-After"]) > 0
    assert "You can register in" in page
    assert 'value="Steppe Union Number 20"' in page
    assert 'value="admin20@union20.example.kz"' in page
    assert PASSWORD not in page  # passwords are never sent back
    assert count(app, Organisation) == 20
