"""Bad input is refused with a 400, a 404 or a message by the field, never a 500: control
characters, ids beyond the database's integers, names whose keys outgrow their columns,
unknown choices, impossible dates, line breaks in single-line fields; and names that differ
from a registered one only by invisible or look-alike characters are the same name."""

import io
import re
import unicodedata

import pytest
from flask_migrate import upgrade
from flask_wtf import FlaskForm
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, func, select, text
from werkzeug.routing import IntegerConverter

from eukz_platform import create_app
from eukz_platform.auth.models import Role, User
from eukz_platform.contacts.models import Contact, ContactImportBatch
from eukz_platform.core.models import Organisation
from eukz_platform.core.vocabulary import OrganisationStatus
from eukz_platform.extensions import db
from eukz_platform.forms import Form, is_plain_text, is_single_line
from eukz_platform.groups.models import Announcement, Meeting
from eukz_platform.search.folding import fold

from .conftest import pg_database_for
from .factories import login, make_org, make_user, registration_form
from .test_groups_meetings import meeting_form
from .test_groups_support import add_member, make_coordinator, make_group

BEYOND = 2**31  # one more than PostgreSQL's largest integer


def field_error(html: str, field: str) -> str:
    """The message shown by a form field, as text ("" when there is none)."""
    found = re.search(rf'id="{field}-error"[^>]*>(.*?)</div>', html, re.S)
    return re.sub(r"<[^>]+>", "", found.group(1)) if found else ""


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def profile_form(**overrides) -> dict:
    data = registration_form(**overrides)
    for person_field in ("full_name", "email", "password", "confirm_password", "consent"):
        data.pop(person_field)
    return data


@pytest.fixture
def people(app):
    """A verified organisation with its admin, a co-chair of "erasmus", the secretariat."""
    with app.app_context():
        group = make_group(slug="erasmus")
        org = add_member(group, name="Alpha Civic Union", country="KZ")
        make_user(org=org, role=Role.ADMIN, email="admin@alpha.example")
        make_coordinator(group, "eu", email="chair@eu.example")
        make_user(role=Role.SECRETARIAT, email="staff@eesc.example")
        return {"org_id": org.id}


# Control characters ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/directory/?q=%00",
        "/directory/?q=energy%0Aunion",
        "/working-groups/%00",
        "/organisations/register?next=%00",
        "/auth/login?x%00=1",
    ],
)
def test_a_control_character_in_the_address_is_a_400_page(client, url):
    r = client.get(url)
    assert r.status_code == 400
    assert "control character" in r.get_data(as_text=True)


@pytest.mark.parametrize(
    "url", ["/api/v1/search?q=%00", "/api/v1/working-groups/erasmus%00", "/api/v1/contacts?q=a%01"]
)
def test_a_control_character_in_an_api_address_is_a_json_400(client, url):
    r = client.get(url)
    assert r.status_code == 400
    assert r.json["error"] == "Bad Request" and "control character" in r.json["message"]


def test_a_nul_byte_in_a_form_field_is_a_400_and_registers_nothing(app, client):
    r = client.post("/organisations/register", data=registration_form(name="Alpha\x00Union"))
    assert r.status_code == 400
    assert count(app, Organisation) == 0 and count(app, User) == 0


def test_a_nul_byte_in_a_password_is_a_400(app, client):
    r = client.post("/auth/login", data={"email": "a@example.org", "password": "pass\x00word"})
    assert r.status_code == 400


def test_a_nul_byte_in_an_uploaded_file_name_is_a_400_and_stores_nothing(app, client, people):
    login(client, "staff@eesc.example")
    data = b"name,email\nJan Novak,jan@eesc.example\n"
    r = client.post(
        "/admin/contacts/import",
        data={"file": (io.BytesIO(data), "contacts\x00.csv")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 400
    assert count(app, ContactImportBatch) == 0


def test_other_control_characters_leave_an_uploaded_file_name(app, client, people):
    login(client, "staff@eesc.example")
    data = b"name,email\nJan Novak,jan@eesc.example\n"
    r = client.post(
        "/admin/contacts/import",
        data={"file": (io.BytesIO(data), "my\x1bcontacts\u200b.csv")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 302
    assert "mycontacts.csv" in client.get(r.headers["Location"]).get_data(as_text=True)


# Ids beyond the database's integers -----------------------------------------------------


def int_routes(app) -> list[tuple[str, str]]:
    """(address with every id set to BEYOND, method) for each route with an ``<int:>``."""
    samples = {"slug": "erasmus", "name": "members", "token": "t", "code": "en", "fmt": "csv"}
    routes = []
    for rule in app.url_map.iter_rules():
        if not any(isinstance(c, IntegerConverter) for c in rule._converters.values()):
            continue
        values = {
            arg: BEYOND if isinstance(conv, IntegerConverter) else samples[arg]
            for arg, conv in rule._converters.items()
        }
        address = rule.rule
        for arg, value in values.items():
            address = re.sub(rf"<[^>]*\b{arg}>", str(value), address)
        routes.append((address, "POST" if "GET" not in rule.methods else "GET"))
    return sorted(routes)


def test_every_int_route_is_found(app):
    assert len(int_routes(app)) >= 19


@pytest.mark.parametrize("role", [None, "staff@eesc.example"])
def test_an_id_beyond_the_database_integers_is_a_404_on_every_int_route(app, people, role):
    client = app.test_client()
    if role:
        login(client, role)
    for address, method in int_routes(app):
        r = client.open(address, method=method)
        assert r.status_code == 404, (address, r.status_code)
        if address.startswith("/api/"):
            assert r.json["error"] == "Not Found"


def test_the_largest_id_is_still_looked_up(app, client):
    r = client.get(f"/api/v1/organisations/{BEYOND - 1}")
    assert r.status_code == 404 and "No organisation has the id" in r.json["message"]


def test_huge_page_numbers_and_record_numbers_in_admin_lists(app, client, people):
    login(client, "staff@eesc.example")
    for address in (
        f"/admin/organisations?page={BEYOND * 10**9}",
        f"/admin/contacts?page={BEYOND}",
        f"/admin/audit?target_id={BEYOND}",
        f"/admin/organisations/{people['org_id']}/merge?duplicate={BEYOND}",
    ):
        assert client.get(address).status_code in (200, 400, 422), address
    r = client.post(f"/admin/organisations/{people['org_id']}/merge", data={"duplicate_id": "²"})
    assert r.status_code == 400


# Names whose keys outgrow their columns, and look-alike names ---------------------------


def test_a_name_whose_key_outgrows_its_column_is_refused_by_the_field(app, client):
    r = client.post("/organisations/register", data=registration_form(name="ß" * 150))
    assert r.status_code == 422
    assert "too long once its letters are spelled out" in field_error(
        r.get_data(as_text=True), "name"
    )
    assert count(app, Organisation) == 0


def test_an_edit_to_a_name_whose_key_outgrows_its_column_is_refused(app, client, people):
    login(client, "admin@alpha.example")
    r = client.post(f"/organisations/{people['org_id']}/edit", data=profile_form(name="ß" * 150))
    assert r.status_code == 422
    assert "too long" in field_error(r.get_data(as_text=True), "name")


LOOK_ALIKES = {
    "zero-width space": "Alpha\u200b Civic Union",
    "soft hyphen": "Al\u00adpha Civic Union",
    "right-to-left override": "Alpha Civic \u202eUnion",
    "Cyrillic A": "\u0410lpha Civic Union",
    "Greek capital alpha": "\u0391lpha Civic Union",
    "Cyrillic small o": "Alpha Civic Uni\u043en",
    "fullwidth letters": "\uff21lpha Civic Union",
}


@pytest.mark.parametrize("name", LOOK_ALIKES.values(), ids=LOOK_ALIKES.keys())
def test_a_name_made_unique_by_invisible_or_look_alike_characters_is_taken(
    app, client, people, name
):
    before = count(app, Organisation)
    r = client.post(
        "/organisations/register",
        data=registration_form(name=name, register_anyway="y"),
    )
    assert r.status_code == 422
    assert "already registered" in field_error(r.get_data(as_text=True), "name")
    assert count(app, Organisation) == before


@pytest.mark.parametrize("kind", ["zero-width space", "Cyrillic A"])
def test_an_edit_to_a_look_alike_of_another_name_is_refused(app, client, people, kind):
    name = LOOK_ALIKES[kind]
    with app.app_context():
        other = make_org(name="Beta Forum")
        make_user(org=other, role=Role.ADMIN, email="admin@beta.example")
        other_id = other.id
    login(client, "admin@beta.example")
    r = client.post(f"/organisations/{other_id}/edit", data=profile_form(name=name))
    assert r.status_code == 422
    assert "already registered" in field_error(r.get_data(as_text=True), "name")


# An email address whose accented letters are decomposed (NFD, as some systems send them) is
# the address of the same person as its composed form (NFC).
ACCENTED_EMAIL = unicodedata.normalize("NFC", "aigérim@steppe.kz")
DECOMPOSED_EMAIL = unicodedata.normalize("NFD", ACCENTED_EMAIL)


def test_an_email_with_decomposed_letters_is_the_address_already_registered(app, client):
    assert DECOMPOSED_EMAIL != ACCENTED_EMAIL
    first = client.post("/organisations/register", data=registration_form(email=ACCENTED_EMAIL))
    assert first.status_code == 302
    r = app.test_client().post(
        "/organisations/register",
        data=registration_form(
            name="Kazakh Teachers Forum",
            acronym="KTF",
            website="https://teachers.example.kz",
            email=DECOMPOSED_EMAIL,
        ),
    )
    assert r.status_code == 302
    with app.app_context():
        assert db.session.scalars(select(User.email)).all() == [ACCENTED_EMAIL]


def test_an_email_with_decomposed_letters_logs_in(app, client):
    with app.app_context():
        make_user(email=ACCENTED_EMAIL)
    r = login(client, DECOMPOSED_EMAIL)
    assert r.status_code == 302 and "/auth/login" not in r.headers["Location"]


def test_names_in_other_scripts_are_still_different_organisations(app, client, people):
    # A Russian name is no look-alike of a Latin one, though search folds it to Latin.
    before = count(app, Organisation)
    r = client.post(
        "/organisations/register",
        data=registration_form(name="Альфа Гражданский Союз", register_anyway="y"),
    )
    assert r.status_code == 302
    assert count(app, Organisation) == before + 1


def test_search_reads_a_word_with_an_invisible_character_as_one_word():
    assert fold("Al\u00adpha Civic\u200b Union") == fold("Alpha Civic Union")
    assert fold("Алматы") == fold("Almaty")


def test_an_invisible_look_alike_of_a_listed_name_is_found_by_searching_the_plain_name(
    app, client, people
):
    with app.app_context():
        make_org(name="Steppe\u00adland Forum", status=OrganisationStatus.VERIFIED)
    r = client.get("/api/v1/organisations?q=steppeland")
    assert [item["name"] for item in r.json["items"]] == ["Steppe\u00adland Forum"]


@pytest.fixture(params=["sqlite", "postgresql"])
def database_at_0005(request, tmp_path, worker_id):
    """A database migrated up to 0005 only, with its URL."""
    if request.param == "postgresql":
        if not pytest.importorskip("os").environ.get("TEST_DATABASE_URL"):
            pytest.skip("PostgreSQL: TEST_DATABASE_URL is not set")
        url = pg_database_for(f"{worker_id}_keys")
    else:
        url = f"sqlite:///{tmp_path}/keys.db"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade(revision="0005")
        db.engine.dispose()
    yield app, url
    with app.app_context():
        db.engine.dispose()


def test_migration_0006_keys_existing_organisations_and_keeps_look_alikes_apart(
    database_at_0005,
):
    app, url = database_at_0005
    engine = create_engine(url)
    names = ["Alpha Civic Union", "\u0410lpha Civic Union", "Beta\u200b Forum", "Beta Forum"]
    with engine.begin() as conn:
        for n, name in enumerate(names, start=1):
            conn.execute(
                text(
                    "INSERT INTO organisation (id, name, name_key, country, side, type, "
                    "eesc_group, working_languages, status, created_at, updated_at, "
                    "profile_confirmed_at) VALUES (:id, :name, :key, 'BE', 'eu', 'ngo', 'none', "
                    "'[]', 'verified', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                ),
                {"id": n, "name": name, "key": f"old key {n}"},
            )
        # A contact of the last one: the migration must leave the rows that refer to it.
        conn.execute(
            text(
                "INSERT INTO contact (organisation_id, name, visibility, created_at, updated_at)"
                " VALUES (4, 'Person', 'public', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            )
        )
    with app.app_context():
        upgrade()
        db.engine.dispose()
    with engine.connect() as conn:
        keys = conn.execute(
            text("SELECT id, name_key, name_skeleton FROM organisation ORDER BY id")
        ).all()
        assert conn.scalar(text("SELECT count(*) FROM contact")) == 1
    engine.dispose()
    assert keys == [
        (1, "alphacivicunion", "alphacivicunion"),
        (2, "аlphacivicunion 2", "alphacivicunion 2"),  # a look-alike of 1, kept apart
        (3, "betaforum", "betaforurn"),  # a skeleton may read oddly: "m" looks like "rn"
        (4, "betaforum 4", "betaforurn 4"),  # the same as 3 once the zero-width space goes
    ]


# Multiple choices -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "values"),
    [
        ("sectors", [""]),
        ("sectors", ["", "tourism"]),
        ("working_languages", ["xx"]),
        ("working_languages", ["", "xx"]),
        ("working_languages", ["en", "<script>"]),
    ],
)
def test_a_multiple_choice_takes_only_its_options_at_registration(app, client, field, values):
    r = client.post("/organisations/register", data=registration_form(**{field: values}))
    assert r.status_code == 422
    assert "Choose only among the options shown" in field_error(r.get_data(as_text=True), field)
    assert count(app, Organisation) == 0


@pytest.mark.parametrize("field", ["sectors", "working_languages"])
def test_a_multiple_choice_takes_only_its_options_in_an_edit(app, client, people, field):
    login(client, "admin@alpha.example")
    r = client.post(
        f"/organisations/{people['org_id']}/edit", data=profile_form(**{field: ["", "xx"]})
    )
    assert r.status_code == 422
    assert "Choose only among the options shown" in field_error(r.get_data(as_text=True), field)
    with app.app_context():
        assert db.session.get(Organisation, people["org_id"]).working_languages == []


def test_blank_filters_are_no_filters_and_unknown_ones_are_refused(client):
    assert client.get("/directory/?sector=").status_code == 200
    # The API says what it accepts (its OpenAPI document): an empty value is not one of them.
    r = client.get("/api/v1/organisations?sector=")
    assert r.status_code == 400 and r.json["error"] == "Bad Request"
    assert client.get("/directory/?sector=tourism").status_code == 400
    r = client.get("/api/v1/organisations?sectors=")
    assert r.status_code == 400 and r.json["error"] == "Bad Request"


# Dates ----------------------------------------------------------------------------------


@pytest.mark.parametrize("starts", ["0001-01-01T00:00", "9999-12-31T23:59", "1899-06-01T10:00"])
def test_a_meeting_outside_sensible_years_is_refused_by_the_field(app, client, people, starts):
    login(client, "chair@eu.example")
    r = client.post(
        "/working-groups/erasmus/meetings/new",
        data=meeting_form(starts_at=starts, timezone="Asia/Almaty"),
    )
    assert r.status_code == 422
    assert "between the years 2000 and 2200" in field_error(r.get_data(as_text=True), "starts_at")
    assert count(app, Meeting) == 0


# Line breaks in single-line fields ------------------------------------------------------

ONE_LINE = "Write this on one line, without line breaks or control characters."


def single_line_cases(people: dict) -> list[tuple[str, str | None, str, dict]]:
    """(address, who posts, field, the form's other values) for single-line fields."""
    org = people["org_id"]
    return [
        ("/organisations/register", None, "name", registration_form()),
        ("/organisations/register", None, "full_name", registration_form()),
        ("/organisations/register", None, "city", registration_form()),
        (f"/organisations/{org}/edit", "admin@alpha.example", "name", profile_form()),
        (f"/organisations/{org}/edit", "admin@alpha.example", "acronym", profile_form()),
        (
            f"/organisations/{org}/contacts/new",
            "admin@alpha.example",
            "name",
            {"name": "Aigerim", "role": "Director", "email": "a@steppe.example"},
        ),
        (
            f"/organisations/{org}/contacts/new",
            "admin@alpha.example",
            "role",
            {"name": "Aigerim", "role": "Director", "email": "a@steppe.example"},
        ),
        (f"/organisations/{org}/names", "admin@alpha.example", "name", {"name": "Альфа"}),
        (
            "/admin/contacts/new",
            "staff@eesc.example",
            "name",
            {"name": "Jan Novak", "email": "jan@eesc.example", "visibility": "public"},
        ),
        (
            "/admin/contacts/new",
            "staff@eesc.example",
            "role",
            {"name": "Jan Novak", "email": "jan@eesc.example", "visibility": "public"},
        ),
        (
            "/working-groups/erasmus/announcements/new",
            "chair@eu.example",
            "title",
            {"title": "News", "body": "Hello"},
        ),
        ("/working-groups/erasmus/meetings/new", "chair@eu.example", "title", meeting_form()),
        ("/working-groups/erasmus/meetings/new", "chair@eu.example", "place", meeting_form()),
        (f"/organisations/{org}/ask-to-join", None, "full_name", {"email": "p@example.org"}),
    ]


@pytest.mark.parametrize("break_", ["\n", "\u2028"])
def test_a_line_break_in_a_single_line_field_is_refused_by_the_field(app, people, break_, outbox):
    for address, who, field, values in single_line_cases(people):
        client = app.test_client()
        if who:
            login(client, who)
        data = {**values, field: f"First line{break_}Bcc: someone@example.org"}
        r = client.post(address, data=data)
        assert r.status_code == 422, (address, field, r.status_code)
        assert ONE_LINE in field_error(r.get_data(as_text=True), field), (address, field)
    assert outbox == []


def test_every_form_of_the_platform_checks_its_fields_text(app):
    # Single-line fields refuse line breaks because every form derives from forms.Form.
    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    ours = [f for f in subclasses(FlaskForm) if f.__module__.startswith("eukz_platform.")]
    assert len(ours) > 20
    assert [f.__qualname__ for f in ours if not issubclass(f, Form)] == []


def test_every_kind_of_line_break_or_control_character_is_not_single_line():
    for character in (
        "\n",
        "\r",
        "\x0b",
        "\x0c",
        "\x1c",
        "\x85",
        "\u2028",
        "\u2029",
        "\x00",
        "\x7f",
    ):
        assert not is_single_line(f"a{character}b"), repr(character)
    assert is_single_line("Алматы – Brussels, 2026 \u200b\u202e")
    assert is_plain_text("one\r\ntwo\tthree") and not is_plain_text("one\x00")


def test_texts_of_several_lines_keep_their_line_breaks(app, client, people):
    login(client, "chair@eu.example")
    r = client.post(
        "/working-groups/erasmus/announcements/new",
        data={"title": "News", "body": "First line\r\nSecond line\tand a tab"},
    )
    assert r.status_code == 302
    with app.app_context():
        assert (
            db.session.scalar(select(Announcement.body)) == "First line\r\nSecond line\tand a tab"
        )


def test_control_characters_in_a_text_of_several_lines_are_refused(app, client, people):
    login(client, "chair@eu.example")
    r = client.post(
        "/working-groups/erasmus/announcements/new", data={"title": "News", "body": "Bell\x07"}
    )
    assert r.status_code == 422
    assert "control characters" in field_error(r.get_data(as_text=True), "body")


def test_a_line_break_in_an_imported_contact_name_refuses_the_row(app, client, people):
    login(client, "staff@eesc.example")
    data = (
        b'name,role,email\n"Jan\nNovak",Officer,jan@eesc.example\n'
        b"Ana Lee,Officer,ana@eesc.example\n"
    )
    r = client.post(
        "/admin/contacts/import",
        data={"file": (io.BytesIO(data), "contacts.csv")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 302
    preview = client.get(r.headers["Location"]).get_data(as_text=True)
    assert ONE_LINE in preview
    client.post(r.headers["Location"] + "/apply")
    with app.app_context():
        assert db.session.scalars(select(Contact.name)).all() == ["Ana Lee"]


def test_a_name_saved_with_a_line_break_no_longer_stops_the_mail(app, client, people, outbox):
    with app.app_context():
        admin = db.session.scalar(select(User).where(User.email == "admin@alpha.example"))
        admin.full_name = "Ana\nBcc: someone@example.org"
        db.session.commit()
    login(client, "admin@alpha.example")
    r = client.post(
        f"/organisations/{people['org_id']}/people/invite", data={"email": "new@alpha.example"}
    )
    assert r.status_code == 302
    assert len(outbox) == 1
    assert outbox[0].subject.startswith("Ana Bcc: someone@example.org invites you")
    assert outbox[0].to == ["new@alpha.example"]


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.text(alphabet=st.characters(max_codepoint=127)))
def test_plain_ascii_names_take_the_short_way_to_the_same_keys(text):
    """ASCII names skip decomposition: the keys are what the full rule gives."""
    from eukz_platform.core import name_keys

    full = "".join(
        c
        for c in name_keys._IGNORABLE.sub("", unicodedata.normalize("NFKD", text))
        if not unicodedata.combining(c) and unicodedata.category(c) != "Cf" and not c.isspace()
    )
    assert name_keys._visible(text) == full
