"""Who works on what, where: an organisation's region (registration, profile, page, API,
exports, the search's region filter) and the map of the working groups by country and by
Kazakhstan's region, each number linking to the directory filtered to its cell."""

import csv
import io
import re
from html import unescape

import pytest
from sqlalchemy import select

from eukz_platform.auth.models import Role
from eukz_platform.core.models import Organisation
from eukz_platform.core.vocabulary import OrganisationStatus
from eukz_platform.directory.map import legend, level_of
from eukz_platform.extensions import db
from eukz_platform.groups.models import Membership, MembershipStatus, WorkingGroup
from eukz_platform.seeding import ensure_groups_and_contacts

from .factories import login, make_org, make_user, registration_form

VERIFIED = OrganisationStatus.VERIFIED


def add_member(org, slug):
    group = db.session.scalar(select(WorkingGroup).where(WorkingGroup.slug == slug))
    db.session.add(
        Membership(organisation_id=org.id, group_id=group.id, status=MembershipStatus.ACTIVE)
    )
    db.session.commit()


@pytest.fixture
def world(app):
    with app.app_context():
        ensure_groups_and_contacts()
        almaty = make_org(name="Almaty Green", country="KZ", region="KZ-75", status=VERIFIED)
        almaty2 = make_org(name="Almaty Youth", country="KZ", region="KZ-75", status=VERIFIED)
        karaganda = make_org(name="Karaganda Miners", country="KZ", region="KZ-35", status=VERIFIED)
        berlin = make_org(name="Berlin Partners", country="DE", status=VERIFIED)
        pending = make_org(name="Pending Almaty", country="KZ", region="KZ-75")
        for org in (almaty, almaty2, berlin, pending):
            add_member(org, "erasmus")
        add_member(karaganda, "raw-materials-mou")
        admin = make_user(org=almaty, role=Role.ADMIN, email="admin@almaty.example")
        return {"almaty": almaty.id, "admin": admin.email, "karaganda": karaganda.id}


def page(client, url="/directory/map", status=200):
    r = client.get(url)
    assert r.status_code == status, url
    return r.get_data(as_text=True)


def cell_links(html: str) -> dict[str, str]:
    """aria-label -> href of each number on the map."""
    return {
        unescape(label): unescape(href)
        for href, label in re.findall(r'<a href="([^"]+)" aria-label="([^"]+)">', html)
    }


def test_map_is_linked_from_the_directory(client, world):
    assert 'href="/directory/map"' in page(client, "/directory/")


def test_map_counts_each_cell_and_links_to_the_directory_filtered_to_it(client, world):
    html = page(client)
    assert html.count("<h1") == 1
    links = cell_links(html)
    erasmus = "Educational opportunities for young Kazakhs through Erasmus"
    kz = links[f"2 member organisations of “{erasmus}” in Kazakhstan"]
    assert "group=erasmus" in kz and "country=KZ" in kz and "kind=organisation" in kz
    assert f"1 member organisations of “{erasmus}” in Germany" in links
    region = links[f"2 member organisations of “{erasmus}” in Almaty"]
    assert "region=KZ-75" in region and "country=KZ" in region
    # The directory, filtered to that cell, lists those two (the one awaiting verification is
    # not counted for a visitor, nor listed).
    listed = page(client, region)
    assert "Almaty Green" in listed and "Almaty Youth" in listed
    assert "Pending Almaty" not in listed and "Karaganda" not in listed
    assert any("Karaganda Region" in label for label in links)


def test_empty_cells_are_visible_gaps_and_the_shading_has_a_legend(client, world):
    html = page(client)
    assert '<span aria-hidden="true">—</span><span class="ecl-u-sr-only">none</span>' in html
    assert "eukz-heat-legend" in html and "eukz-heat--4" in html
    assert "style=" not in html
    # Every EU member state has its row, even without members (a gap worth seeing).
    assert ">Malta<" in html


def test_map_counts_what_the_viewer_may_see(client, world):
    login(client, world["admin"])  # a verified organisation: sees those awaiting verification
    links = cell_links(page(client))
    erasmus = "Educational opportunities for young Kazakhs through Erasmus"
    assert f"3 member organisations of “{erasmus}” in Almaty" in links


def test_heat_levels():
    assert level_of(0, 10) == 0
    assert [level_of(n, 8) for n in (1, 2, 3, 4, 6, 8)] == [1, 1, 2, 2, 3, 4]
    assert legend(0) == [(0, "none")]
    assert legend(8) == [(0, "none"), (1, "1–2"), (2, "3–4"), (3, "5–6"), (4, "7–8")]
    assert legend(2) == [(0, "none"), (2, "1"), (4, "2")]


# The region ---------------------------------------------------------------------------------


def test_registration_stores_the_region(app, client):
    with app.app_context():
        ensure_groups_and_contacts()
    r = client.post("/organisations/register", data=registration_form(region="KZ-55"))
    assert r.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Organisation.region)) == "KZ-55"


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"region": "KZ-99"}, "Not a valid choice"),
        ({"region": "<script>"}, "Not a valid choice"),
        ({"region": "KZ-75", "country": "BE"}, "Only organisations in Kazakhstan give a region."),
    ],
)
def test_bad_regions_are_field_errors(app, client, overrides, message):
    r = client.post("/organisations/register", data=registration_form(**overrides))
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    error = html.split('id="region-error"', 1)[1].split("</div>", 1)[0]
    assert message in error
    with app.app_context():
        assert db.session.scalar(select(Organisation)) is None


def test_profile_edit_page_api_and_export_carry_the_region(app, client, world):
    login(client, world["admin"])
    edit = f"/organisations/{world['almaty']}/edit"
    assert 'name="region"' in page(client, edit)
    with app.app_context():
        org = db.session.get(Organisation, world["almaty"])
        data = {
            "name": org.name,
            "country": "KZ",
            "type": "ngo",
            "eesc_group": "none",
            "region": "KZ-71",
        }
    assert client.post(edit, data=data).status_code == 302
    assert "Astana" in page(client, f"/organisations/{world['almaty']}")
    bad = client.post(edit, data={**data, "region": "KZ-00"})
    assert bad.status_code == 422
    client.post("/auth/logout")
    item = client.get(f"/api/v1/organisations/{world['almaty']}").json
    assert item["region"] == "KZ-71"
    rows = list(csv.DictReader(io.StringIO(page(client, "/directory/export.csv?q=almaty"))))
    assert {r["region"] for r in rows if r["name"] == "Almaty Green"} == {"KZ-71"}


def test_search_and_api_filter_by_region(client, world):
    names = {i["name"] for i in client.get("/api/v1/organisations?region=KZ-75").json["items"]}
    assert names == {"Almaty Green", "Almaty Youth"}
    searched = client.get("/api/v1/search?q=almaty&region=kz-75").json
    assert {i["name"] for i in searched["items"]} == {"Almaty Green", "Almaty Youth"}
    facets = {f["value"]: f["count"] for f in searched["facets"]["region"]}
    assert facets == {"KZ-75": 2}
    assert client.get("/api/v1/search?region=KZ-99").status_code == 400
    assert client.get("/api/v1/organisations?region=").status_code == 400
    # The directory page names the region in its filters.
    html = page(client, "/directory/?region=KZ-35")
    assert "Karaganda Miners" in html and "Almaty Green" not in html
    assert page(client, "/directory/?region=KZ-99", status=400)


def test_the_api_gives_the_map_as_the_page_counts_it(client, world):
    body = client.get("/api/v1/map").get_json()
    assert [g["slug"] for g in body["groups"]][:1] and "erasmus" in [
        g["slug"] for g in body["groups"]
    ]
    countries = {row["code"]: row for row in body["countries"]}
    assert countries["KZ"]["counts"]["erasmus"] == 2  # the one awaiting verification: not counted
    assert countries["DE"]["counts"]["erasmus"] == 1
    assert (
        countries["AT"]["counts"]["erasmus"] == 0
        and "erasmus" not in countries["AT"]["directory_urls"]
    )
    assert "region=" not in countries["KZ"]["directory_urls"]["erasmus"]
    regions = {row["code"]: row for row in body["regions"]}
    assert regions["KZ-75"]["counts"]["erasmus"] == 2
    assert regions["KZ-35"]["counts"]["raw-materials-mou"] == 1
    assert "region=KZ-75" in regions["KZ-75"]["directory_urls"]["erasmus"]


def test_the_api_map_never_counts_an_organisation_visitors_may_not_see(app, client, world):
    with app.app_context():
        db.session.get(Organisation, world["almaty"]).members_only = True
        db.session.commit()
    body = client.get("/api/v1/map").get_json()
    assert {r["code"]: r for r in body["countries"]}["KZ"]["counts"]["erasmus"] == 1
    login(client, world["admin"])  # a member: also the organisation awaiting verification
    body = client.get("/api/v1/map").get_json()
    assert {r["code"]: r for r in body["countries"]}["KZ"]["counts"]["erasmus"] == 3
