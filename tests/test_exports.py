"""Exports of the current search (CSV, JSON) and a contact's vCard, within what one may see."""

import csv
import io

import pytest
import vobject

from eukz_platform.auth.models import Role
from eukz_platform.contacts.models import Contact
from eukz_platform.core.vocabulary import OrganisationStatus
from eukz_platform.directory import exports
from eukz_platform.extensions import db
from eukz_platform.seeding import ensure_groups_and_contacts

from .factories import login, make_contacts_of_every_visibility, make_org, make_user

VERIFIED = OrganisationStatus.VERIFIED


@pytest.fixture
def directory(app):
    with app.app_context():
        ensure_groups_and_contacts()
        forum = make_org(
            name="Алматинский гражданский форум",
            country="KZ",
            city="Алматы",
            status=VERIFIED,
            description="Гражданский диалог",
        )
        forum.sectors = ["human_rights"]
        make_org(
            name='=HYPERLINK("http://evil.example") Almaty',
            country="KZ",
            city="-Almaty",
            acronym="@SUM",
            status=VERIFIED,
        )
        make_org(name="Hidden Almaty Society", country="KZ", status=OrganisationStatus.REJECTED)
        make_user(org=forum, email="own@forum.example")
        other = make_org(name="Partner in Riga", country="LV", status=VERIFIED)
        make_user(org=other, email="member@riga.example")
        make_user(role=Role.SECRETARIAT, email="staff@eesc.example")
        make_contacts_of_every_visibility(forum, "Almaty {}", role="+Coordinator")
        return {"forum": forum.id}


def read_csv(response) -> list[dict]:
    body = response.get_data()
    assert body.startswith("\ufeff".encode())
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+7 727", "'+7 727"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTab", "'\tTab"),
        ("\rReturn", "'\rReturn"),
        ("Plain = text", "Plain = text"),
        ("Алматы", "Алматы"),
        (None, ""),
        (True, "true"),
        (["trade", "energy"], "trade; energy"),
    ],
)
def test_cells_are_never_formulas(value, cell):
    assert exports.safe_cell(value) == cell


def test_csv_export_of_the_current_search(client, directory):
    r = client.get("/directory/export.csv?q=Almaty&kind=organisation")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert r.headers["Content-Disposition"].startswith("attachment;")
    assert '.csv"' in r.headers["Content-Disposition"]
    assert r.headers["Cache-Control"] == "private, no-store"
    rows = read_csv(r)
    assert list(rows[0]) == list(exports.CSV_COLUMNS)
    by_name = {row["name"]: row for row in rows}
    assert set(by_name) == {
        "Алматинский гражданский форум",
        '\'=HYPERLINK("http://evil.example") Almaty',
    }
    forum = by_name["Алматинский гражданский форум"]
    assert forum["city"] == "Алматы" and forum["sectors"] == "human_rights"
    assert forum["verified"] == "true" and forum["kind"] == "organisation"
    assert forum["url"] == f"http://localhost/organisations/{directory['forum']}"
    evil = by_name['\'=HYPERLINK("http://evil.example") Almaty']
    assert evil["city"] == "'-Almaty" and evil["acronym"] == "'@SUM"


def test_csv_export_holds_only_the_contacts_one_may_see(app, directory):
    def exported(email=None) -> set[str]:
        client = app.test_client()
        if email:
            login(client, email)
        rows = read_csv(client.get("/directory/export.csv?q=almaty&kind=contact"))
        return {row["name"] for row in rows}

    assert exported() == {"Almaty Public"}
    assert exported("member@riga.example") == {"Almaty Public", "Almaty Members"}
    assert exported("own@forum.example") == {"Almaty Public", "Almaty Members", "Almaty Private"}
    assert exported("staff@eesc.example") == {
        "Almaty Public",
        "Almaty Members",
        "Almaty Private",
    }


def test_csv_contact_rows(client, directory):
    rows = read_csv(client.get("/directory/export.csv?q=almaty&kind=contact"))
    (row,) = rows
    assert row["kind"] == "contact" and row["role"] == "'+Coordinator"
    assert row["organisation"] == "Алматинский гражданский форум"
    assert row["email"] == "public@forum.example" and row["phone"] == "'+7 727 250 12 34"


def test_json_export(client, directory):
    r = client.get("/directory/export.json?q=almaty")
    assert r.status_code == 200 and r.mimetype == "application/json"
    assert r.headers["Content-Disposition"].startswith("attachment;")
    body = r.json
    assert body["capped"] is False
    assert body["exported"] == len(body["items"]) == body["total"]
    names = {item["name"] for item in body["items"]}
    assert "Hidden Almaty Society" not in names
    assert "Almaty Private" not in names and "Almaty Public" in names
    assert body["query"] == {"q": ["almaty"]}


def test_export_stops_at_the_cap_and_says_so(client, directory, monkeypatch):
    monkeypatch.setattr(exports, "EXPORT_CAP", 2)
    r = client.get("/directory/export.json?q=almaty")
    assert r.json["capped"] is True and r.json["exported"] == 2
    r = client.get("/directory/export.csv?q=almaty")
    assert "-first-2.csv" in r.headers["Content-Disposition"]
    assert len(read_csv(r)) == 2


def test_export_refuses_bad_parameters(client, directory):
    assert client.get("/directory/export.csv?country=XX").status_code == 400
    assert client.get("/directory/export.csv?sort=foo").status_code == 400
    assert client.get("/directory/export.xlsx").status_code == 404


def contact_id(app, name) -> int:
    with app.app_context():
        return db.session.query(Contact).filter_by(name=name).one().id


def test_vcard_of_a_public_contact(app, client, directory):
    r = client.get(f"/directory/contacts/{contact_id(app, 'Millie Tsoumani')}.vcf")
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/vcard")
    assert r.headers["Content-Disposition"].startswith("attachment;")
    assert "millie-tsoumani-" in r.headers["Content-Disposition"]
    text = r.get_data(as_text=True)
    lines = text.split("\r\n")
    assert lines[0] == "BEGIN:VCARD" and lines[1] == "VERSION:3.0"
    assert "FN:Millie Tsoumani" in lines and "N:Tsoumani;Millie;;;" in lines
    assert "TITLE:Press Officer\\, EESC" in lines
    assert "EMAIL;TYPE=INTERNET:Amalia.tsoumani@eesc.europa.eu" in lines
    assert "TEL;TYPE=WORK,VOICE:+3225469088" in lines
    assert "ORG:EESC" in lines
    assert text.endswith("END:VCARD\r\n")


VCARD_SEEN = {
    None: {"Almaty Public"},
    "member@riga.example": {"Almaty Public", "Almaty Members"},
    "own@forum.example": {"Almaty Public", "Almaty Members", "Almaty Private"},
    "staff@eesc.example": {"Almaty Public", "Almaty Members", "Almaty Private"},
}


@pytest.mark.parametrize("viewer", list(VCARD_SEEN))
def test_vcard_only_for_those_who_may_see_the_contact(app, directory, viewer):
    client = app.test_client()
    if viewer:
        login(client, viewer)
    for name in ("Almaty Public", "Almaty Members", "Almaty Private"):
        r = client.get(f"/directory/contacts/{contact_id(app, name)}.vcf")
        if name in VCARD_SEEN[viewer]:
            assert r.status_code == 200
            assert f"FN:{name}" in r.get_data(as_text=True)
            assert "ORG:Алматинский гражданский форум" in r.get_data(as_text=True)
        else:
            assert r.status_code == 404
    assert client.get("/directory/contacts/999999.vcf").status_code == 404


def test_vcard_escapes_and_folds_long_lines():
    contact = Contact(
        name="Dana; Smith, Jr",
        role="Head of " + "international cooperation, " * 5 + "Қазақстан",
        email="dana@example.org",
        organisation_name="Union\nof unions",
    )
    text = exports.vcard(contact)
    assert "FN:Dana\\; Smith\\, Jr" in text
    assert "ORG:Union\\nof unions" in text
    for line in text.split("\r\n"):
        assert len(line.encode("utf-8")) <= 75
    unfolded = text.replace("\r\n ", "")
    assert "Қазақстан" in unfolded


def test_a_vcard_reads_back_as_written():
    contact = Contact(
        name="Алия Бекова-Нұрланқызы",
        role="Chair; board, Almaty",
        organisation_name="Қазақстан жастары",
        phone="+7 727 123 45 67",
    )
    card = vobject.readOne(exports.vcard(contact))
    assert card.fn.value == contact.name
    assert (card.n.value.family, card.n.value.given) == ("Бекова-Нұрланқызы", "Алия")
    assert card.title.value == "Chair; board, Almaty"
    assert card.org.value == ["Қазақстан жастары"]
    assert card.tel.value == "+7 727 123 45 67"


def test_no_vcard_of_a_contact_of_a_hidden_organisation(app, client):
    with app.app_context():
        rejected = make_org(name="Rejected Society", status=OrganisationStatus.REJECTED)
        make_user(org=rejected, email="member@rejected.example")
        contact = Contact(organisation_id=rejected.id, name="Rejected Public", visibility="public")
        db.session.add(contact)
        db.session.commit()
        url = f"/directory/contacts/{contact.id}.vcf"
    assert client.get(url).status_code == 404
    login(client, "member@rejected.example")
    assert client.get(url).status_code == 200
