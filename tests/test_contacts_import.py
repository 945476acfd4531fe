"""Importing contacts from CSV: upload, preview row by row, apply once; the command line too."""

import codecs
import io
import re

import pytest
from email_validator import EmailNotValidError, validate_email
from playwright.sync_api import expect
from sqlalchemy import func, select

from eukz_platform.audit import AuditEntry
from eukz_platform.auth.models import Role
from eukz_platform.contacts import importing as contacts_import
from eukz_platform.contacts.models import Contact, ContactImportBatch, Visibility
from eukz_platform.contacts.services import normalise_email
from eukz_platform.extensions import db

from .browser import live_server, needs_chromium, page  # noqa: F401 - fixtures
from .factories import PASSWORD, login, make_user

SECRETARIAT = "secretariat@eesc.example"

GOOD = (
    "name,role,organisation,email,phone,visibility\n"
    "Aigerim Nurlanovna,Coordinator,Steppe Forum,aigerim@steppe.kz,+7 727 250 1234,members\n"
    "Jan Novak,Policy Officer,,jan.novak@eesc.europa.eu,,\n"
)


@pytest.fixture
def secretariat(app, client):
    with app.app_context():
        make_user(role=Role.SECRETARIAT, email=SECRETARIAT)
    login(client, SECRETARIAT)
    return client


def upload(client, data: bytes | str, filename: str = "contacts.csv"):
    if isinstance(data, str):
        data = data.encode("utf-8")
    return client.post(
        "/admin/contacts/import",
        data={"file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def batch_id_of(response) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(re.search(r"/admin/contacts/imports/(\d+)$", response.headers["Location"]).group(1))


def contacts_by_email(app) -> dict[str, Contact]:
    with app.app_context():
        contacts = db.session.scalars(select(Contact)).all()
        db.session.expunge_all()
        return {c.email.lower(): c for c in contacts}


def test_upload_previews_and_changes_nothing_until_confirmed(app, secretariat):
    batch_id = batch_id_of(upload(secretariat, GOOD))
    html = secretariat.get(f"/admin/contacts/imports/{batch_id}").get_data(as_text=True)
    assert "Nothing has changed yet" in html
    assert html.count("Will be created") >= 3  # the summary, and one per row
    assert "Aigerim Nurlanovna" in html and "jan.novak@eesc.europa.eu" in html
    assert "organisation: Steppe Forum" in html
    assert contacts_by_email(app) == {}
    with app.app_context():
        batch = db.session.get(ContactImportBatch, batch_id)
        assert batch.applied_at is None and batch.filename == "contacts.csv"
        assert [(r["line"], r["action"]) for r in batch.rows] == [(2, "create"), (3, "create")]
        assert db.session.scalar(select(func.count(AuditEntry.id))) == 0

    r = secretariat.post(f"/admin/contacts/imports/{batch_id}/apply")
    assert r.status_code == 302
    html = secretariat.get(r.headers["Location"]).get_data(as_text=True)
    assert "The import is applied: 2 contacts created, 0 updated, 0 rows refused." in html
    assert "This import was applied on" in html and "Apply the import" not in html
    contacts = contacts_by_email(app)
    aigerim = contacts["aigerim@steppe.kz"]
    assert aigerim.phone == "+7 727 250 1234" and aigerim.phone_e164 == "+77272501234"
    assert aigerim.visibility == Visibility.MEMBERS and aigerim.organisation_name == "Steppe Forum"
    assert aigerim.organisation_id is None
    jan = contacts["jan.novak@eesc.europa.eu"]
    # Blank organisation: the EESC; blank visibility: public.
    assert jan.organisation_name == "EESC" and jan.visibility == Visibility.PUBLIC
    assert jan.phone is None and jan.phone_e164 is None
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry)).all()
        assert len(entries) == 1
        assert entries[0].action == "contact.import" and entries[0].target_id == batch_id
        assert entries[0].after == {"create": 2, "update": 0, "unchanged": 0, "refuse": 0}
        assert db.session.get(ContactImportBatch, batch_id).applied_at is not None


def test_a_batch_is_applied_only_once(app, secretariat):
    batch_id = batch_id_of(upload(secretariat, GOOD))
    secretariat.post(f"/admin/contacts/imports/{batch_id}/apply")
    with app.app_context():
        db.session.execute(db.delete(Contact))
        db.session.commit()
    r = secretariat.post(f"/admin/contacts/imports/{batch_id}/apply")
    assert r.status_code == 302
    assert "applied before; nothing changed" in secretariat.get(r.headers["Location"]).get_data(
        as_text=True
    )
    assert contacts_by_email(app) == {}
    with app.app_context():
        assert db.session.scalar(select(func.count(AuditEntry.id))) == 1


def test_rows_are_matched_on_email_whatever_the_case(app, secretariat, runner):
    runner.invoke(args=["seed"])
    data = (
        "Name,Role,Email,Phone\n"
        "Millie Tsoumani,Head of Press,AMALIA.TSOUMANI@eesc.europa.eu,+32 (0) 2 546 9088\n"
        "Daniele Vitali,Policy Officer, EESC,daniele.vitali@EESC.europa.eu,+32 (2) 546 8817\n"
    )
    batch_id = batch_id_of(upload(secretariat, data))
    html = secretariat.get(f"/admin/contacts/imports/{batch_id}").get_data(as_text=True)
    assert "Will be updated" in html
    assert "role: “Press Officer, EESC” → “Head of Press”" in html
    with app.app_context():
        rows = db.session.get(ContactImportBatch, batch_id).rows
        assert [r["action"] for r in rows] == ["update", "refuse"]
    secretariat.post(f"/admin/contacts/imports/{batch_id}/apply")
    contacts = contacts_by_email(app)
    assert len(contacts) == 2
    millie = contacts["amalia.tsoumani@eesc.europa.eu"]
    assert millie.role == "Head of Press" and millie.key == "eesc-millie-tsoumani"
    # The organisation and visibility columns are absent: both are kept.
    assert millie.organisation_name == "EESC" and millie.visibility == Visibility.PUBLIC


def test_refused_rows_say_why_and_are_left_out(app, secretariat):
    data = (
        "name;email;phone;visibility\n"
        "Good Person;good@example.org;+32 2 546 9088;\n"
        "Bad Email;not-an-email;;\n"
        "Bad Phone;phone@example.org;12345;\n"
        "Bad Visibility;vis@example.org;;everyone\n"
        ";noname@example.org;;\n"
        "No Email;;;\n"
        "First Twin;twin@example.org;;\n"
        "Second Twin;TWIN@example.org;;\n"
        "Too Many;many@example.org;;public;extra\n"
    )
    batch_id = batch_id_of(upload(secretariat, data))
    html = secretariat.get(f"/admin/contacts/imports/{batch_id}").get_data(as_text=True)
    assert "email: Enter a valid email address" in html
    assert "phone: Enter a phone number with its country code" in html
    assert "visibility: “everyone” is not a visibility: use public, members or private." in html
    assert "name: Enter the contact&#39;s name." in html
    assert "email: Enter the contact&#39;s email" in html
    assert "email: The same email is also on line 9 of the file." in html
    assert "email: The same email is also on line 8 of the file." in html
    assert "This line has 5 values but the header names 4 columns." in html
    refused = secretariat.get(f"/admin/contacts/imports/{batch_id}?show=refuse").get_data(
        as_text=True
    )
    assert "Bad Phone" in refused and "Good Person" not in refused
    with app.app_context():
        rows = db.session.get(ContactImportBatch, batch_id).rows
        assert [r["action"] for r in rows] == ["create"] + ["refuse"] * 8
    secretariat.post(f"/admin/contacts/imports/{batch_id}/apply")
    assert list(contacts_by_email(app)) == ["good@example.org"]
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry))
        assert entry.after == {"create": 1, "update": 0, "unchanged": 0, "refuse": 8}


def test_the_batch_is_checked_again_when_applied(app, secretariat):
    batch_id = batch_id_of(upload(secretariat, GOOD))
    # Someone adds the same person by hand between the preview and the confirmation.
    with app.app_context():
        db.session.add(
            Contact(name="Jan N.", email="Jan.Novak@eesc.europa.eu", visibility="private")
        )
        db.session.commit()
    secretariat.post(f"/admin/contacts/imports/{batch_id}/apply")
    contacts = contacts_by_email(app)
    assert len(contacts) == 2
    jan = contacts["jan.novak@eesc.europa.eu"]
    assert jan.name == "Jan Novak" and jan.role == "Policy Officer"
    # A blank visibility keeps an existing contact's.
    assert jan.visibility == Visibility.PRIVATE
    with app.app_context():
        rows = db.session.get(ContactImportBatch, batch_id).rows
        assert [r["action"] for r in rows] == ["create", "update"]


def test_a_long_preview_comes_in_pages(app, secretariat):
    rows = "".join(f"Person {n},person{n}@example.org\n" for n in range(150))
    batch_id = batch_id_of(upload(secretariat, "name,email\n" + rows, "/home/me/list.csv"))
    first = secretariat.get(f"/admin/contacts/imports/{batch_id}").get_data(as_text=True)
    assert "Import of list.csv" in first and "Page 1 of 2" in first
    assert "person99@example.org" in first and "person100@example.org" not in first
    second = secretariat.get(f"/admin/contacts/imports/{batch_id}?page=2").get_data(as_text=True)
    assert "person149@example.org" in second and "person99@example.org" not in second


def test_nothing_to_apply_when_every_row_is_refused(app, secretariat):
    batch_id = batch_id_of(upload(secretariat, "name,email\nNobody,nowhere\n"))
    html = secretariat.get(f"/admin/contacts/imports/{batch_id}").get_data(as_text=True)
    assert "There is nothing to apply" in html and "Apply the import" not in html


CYRILLIC = "Айгерим Нурлановна"


@pytest.mark.parametrize(
    "encoded, encoding",
    [
        pytest.param(f"name,email\n{CYRILLIC},a@steppe.kz\n".encode(), "UTF-8", id="utf-8"),
        pytest.param(
            codecs.BOM_UTF8 + f"Name;Email\r\n{CYRILLIC};a@steppe.kz\r\n".encode(),
            "UTF-8",
            id="utf-8 with BOM, semicolons",
        ),
        pytest.param(
            codecs.BOM_UTF16_LE + f"Name\tEmail\r\n{CYRILLIC}\ta@steppe.kz\r\n".encode("utf-16-le"),
            "UTF-16",
            id="utf-16 le (Excel Unicode text)",
        ),
        pytest.param(
            codecs.BOM_UTF16_BE + f"name\temail\n{CYRILLIC}\ta@steppe.kz\n".encode("utf-16-be"),
            "UTF-16",
            id="utf-16 be",
        ),
        pytest.param(
            f"Name;Email\r\n{CYRILLIC};a@steppe.kz\r\n".encode("cp1251"),
            "Windows-1251",
            id="windows-1251 (Excel CSV)",
        ),
        pytest.param(
            f" NAME \t EMail \n{CYRILLIC}\ta@steppe.kz\n".encode(),
            "UTF-8",
            id="headers in any case, with spaces",
        ),
    ],
)
def test_files_from_spreadsheets_are_read(app, secretariat, encoded, encoding):
    assert contacts_import.parse(encoded).encoding == encoding
    batch_id = batch_id_of(upload(secretariat, encoded))
    secretariat.post(f"/admin/contacts/imports/{batch_id}/apply")
    contacts = contacts_by_email(app)
    assert contacts["a@steppe.kz"].name == CYRILLIC


def test_quoted_values_keep_their_separators(app, secretariat):
    data = 'name,role,email\n"Vitali, Daniele","Policy Officer, EESC",dv@eesc.europa.eu\n'
    batch_id_of(upload(secretariat, data))
    with app.app_context():
        rows = db.session.scalar(select(ContactImportBatch)).rows
        assert rows[0]["values"]["role"] == "Policy Officer, EESC"


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "The file is empty."),
        (b"\r\n \r\n", "The file is empty."),
        (codecs.BOM_UTF8, "The file is empty."),
        (b"name,role,organisation,email,phone,visibility\r\n", "has a header line but no contacts"),
        (b"name,role\nJan,Officer\n", "The column email is missing."),
        (b"Nom;Courriel\nJan;j@x.eu\n", "The columns name, email are missing."),
        (
            b"name,email,notes,fax\nJan,j@x.eu,,\n",
            "The columns notes, fax are not ones the import knows. "
            "Use only: name, role, organisation, email, phone, visibility.",
        ),
        (b"name,email,Email\nJan,j@x.eu,j@x.eu\n", "The column email appears more than once."),
        (b"PK\x03\x04\x14\x00\x06\x00", "This is a spreadsheet, not a CSV file"),
        ("name,email\nJan,j@x.eu\n".encode("utf-16-le"), "characters cannot be read"),
    ],
)
def test_files_that_cannot_be_imported_get_a_clear_message(app, secretariat, data, message):
    r = upload(secretariat, data)
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    assert message in html and "There is a problem" in html
    with app.app_context():
        assert db.session.scalar(select(func.count(ContactImportBatch.id))) == 0


def test_an_upload_needs_a_file(app, secretariat):
    r = secretariat.post("/admin/contacts/import", data={}, content_type="multipart/form-data")
    assert r.status_code == 422
    assert "Choose a CSV file to upload." in r.get_data(as_text=True)


def test_a_file_over_the_limit_gets_a_friendly_page(app, secretariat):
    assert app.config["MAX_CONTENT_LENGTH"] == 5 * 1024 * 1024
    app.config["MAX_CONTENT_LENGTH"] = 2 * 1024 * 1024
    r = upload(secretariat, GOOD + "x" * (3 * 1024 * 1024))
    html = r.get_data(as_text=True)
    assert r.status_code == 413
    assert "The file is too large: upload at most 2 MB" in html
    assert 'enctype="multipart/form-data"' in html
    with app.app_context():
        assert db.session.scalar(select(func.count(ContactImportBatch.id))) == 0


def test_the_import_page_explains_the_file(secretariat):
    html = secretariat.get("/admin/contacts/import").get_data(as_text=True)
    assert "name, role, organisation, email, phone, visibility" in html
    assert "Windows-1251" in html and "at most 5 MB" in html


def test_the_preview_of_an_unknown_batch_is_404(secretariat):
    assert secretariat.get("/admin/contacts/imports/999999").status_code == 404
    assert secretariat.post("/admin/contacts/imports/999999/apply").status_code == 404


# The command line -----------------------------------------------------------------------


def test_cli_prints_the_plan_and_applies_with_yes(app, runner, tmp_path):
    path = tmp_path / "contacts.csv"
    path.write_text(GOOD + "Bad Phone,,,bad@example.org,12345,\n", encoding="utf-8")
    result = runner.invoke(args=["import-contacts", str(path), "--yes"])
    assert result.exit_code == 0, result.output
    assert "3 rows read (UTF-8, commas): 2 to create, 0 to update, 0 unchanged, 1 refused" in (
        result.output
    )
    assert "line 4 refused: phone: Enter a phone number with its country code" in result.output
    assert "import-contacts: 2 created, 0 updated, 0 unchanged, 1 refused" in result.output
    assert set(contacts_by_email(app)) == {"aigerim@steppe.kz", "jan.novak@eesc.europa.eu"}
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry))
        assert entry.action == "contact.import" and entry.actor_id is None
        assert "contacts.csv" in entry.summary
    again = runner.invoke(args=["import-contacts", str(path), "--yes"])
    assert "0 to create, 0 to update, 2 unchanged, 1 refused" in again.output
    assert "nothing to apply" in again.output


def test_cli_asks_before_applying(app, runner, tmp_path):
    path = tmp_path / "contacts.csv"
    path.write_bytes(GOOD.replace(",", ";").encode("cp1251"))
    declined = runner.invoke(args=["import-contacts", str(path)], input="n\n")
    assert declined.exit_code == 1 and "Apply the import?" in declined.output
    assert contacts_by_email(app) == {}
    accepted = runner.invoke(args=["import-contacts", str(path)], input="y\n")
    assert accepted.exit_code == 0 and "2 created" in accepted.output
    assert len(contacts_by_email(app)) == 2


def test_cli_refuses_a_file_it_cannot_read(app, runner, tmp_path):
    path = tmp_path / "contacts.csv"
    path.write_text("name;phone\nJan;+32 2 546 9088\n", encoding="utf-8")
    result = runner.invoke(args=["import-contacts", str(path), "--yes"])
    assert result.exit_code == 1
    assert "The column email is missing." in result.output
    assert contacts_by_email(app) == {}


def test_cli_imports_ten_thousand_rows(app, runner, tmp_path):
    with app.app_context():
        db.session.add(
            Contact(name="Existing", email="Person00042@example.org", visibility="public")
        )
        db.session.commit()
    lines = ["name,role,organisation,email,phone,visibility"]
    lines += [
        f"Person {n},Officer,EESC,person{n:05d}@example.org,+32 2 546 {n % 10000:04d},public"
        for n in range(10_000)
    ]
    path = tmp_path / "many.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(args=["import-contacts", str(path), "--yes"])
    assert result.exit_code == 0, result.output
    assert "9999 created, 1 updated, 0 unchanged, 0 refused" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(Contact.id))) == 10_000
        assert db.session.scalar(
            select(Contact.name).where(Contact.email == "Person00042@example.org")
        ) == ("Person 42")


@pytest.mark.parametrize(
    "email",
    [
        "Anna.K@EESC.Europa.EU",
        "o'brien+tag@example.org",
        "a..b@example.org",
        ".a@example.org",
        "a@localhost",
        "a@example",
        "a@-x.org",
        "a@x..org",
        "a@x.test",
        "a@x.org.",
        "a@1.2.3.4",
        "a@x_y.org",
        "user@münchen.de",
        "Жанар@example.kz",
        '"quoted"@example.org',
        "a" * 65 + "@example.org",
        "a@" + "b" * 64 + ".org",
    ],
)
def test_emails_are_checked_as_email_validator_checks_them(app, email):
    def outcome(check):
        try:
            return check(email)
        except EmailNotValidError:
            return "refused"

    assert outcome(normalise_email) == outcome(
        lambda e: validate_email(e, check_deliverability=False).normalized
    )


@needs_chromium
def test_the_import_journey_in_a_browser(app, page, tmp_path):  # noqa: F811
    with app.app_context():
        make_user(role=Role.SECRETARIAT, email=SECRETARIAT)
    path = tmp_path / "Контакты.csv"
    path.write_bytes(f"Name;Email\n{CYRILLIC};a@steppe.kz\nBad;not-an-email\n".encode("cp1251"))
    page.goto("/auth/login")
    page.get_by_label("Email").fill(SECRETARIAT)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto("/admin/contacts")
    page.get_by_role("link", name="Import contacts from a CSV file").click()
    page.get_by_label("CSV file").set_input_files(str(path))
    page.get_by_role("button", name="Upload and preview").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Import of")
    expect(page.get_by_role("row", name=re.compile(CYRILLIC))).to_contain_text("Will be created")
    expect(page.get_by_role("row", name=re.compile("Bad"))).to_contain_text(
        "Enter a valid email address"
    )
    page.get_by_role("button", name="Apply the import").click()
    expect(page.get_by_text("The import is applied: 1 contact created")).to_be_visible()
    page.get_by_role("link", name="Back to the contacts").click()
    expect(page.get_by_role("cell", name=f"{CYRILLIC} EESC")).to_be_visible()
    expect(page.get_by_role("button", name=f"Hide {CYRILLIC}")).to_be_visible()
    assert page.console_errors == []
