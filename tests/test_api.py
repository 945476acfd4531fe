"""The read API, /api/v1/: fields, filters, visibility, errors, caching, and its OpenAPI."""

import re

import pytest
from openapi_spec_validator import validate

from eukz_platform.auth.models import Role
from eukz_platform.contacts.models import Contact
from eukz_platform.core.models import Organisation, OrganisationName
from eukz_platform.core.vocabulary import OrganisationStatus
from eukz_platform.extensions import db
from eukz_platform.groups.models import (
    Coordinator,
    Membership,
    MembershipStatus,
    WorkingGroup,
    WorkingGroupTranslation,
)
from eukz_platform.seeding import ensure_groups_and_contacts

from .factories import login, make_contacts_of_every_visibility, make_org, make_user
from .sql import assert_same_statements, counting_statements

VERIFIED = OrganisationStatus.VERIFIED


def add_member(org, slug, status=MembershipStatus.ACTIVE):
    group = db.session.query(WorkingGroup).filter_by(slug=slug).one()
    db.session.add(Membership(organisation_id=org.id, group_id=group.id, status=status))
    db.session.commit()


@pytest.fixture
def directory(app):
    """Seeded groups and EESC contacts, and organisations of every status."""
    with app.app_context():
        ensure_groups_and_contacts()
        almaty = make_org(
            name="Almaty Civic Forum",
            acronym="ACF",
            country="KZ",
            city="Almaty",
            type="ngo",
            eesc_group="III",
            website="https://forum.example.kz",
            description="Civic dialogue in Almaty.",
            status=VERIFIED,
        )
        almaty.sectors = ["human_rights", "education_and_youth"]
        almaty.other_names = [OrganisationName(name="Алматинский гражданский форум", language="ru")]
        db.session.commit()
        add_member(almaty, "erasmus")
        add_member(almaty, "civic-social-dialogue")
        union = make_org(
            name="Baltic Workers Union",
            country="LV",
            type="trade_union",
            eesc_group="II",
            status=VERIFIED,
        )
        union.sectors = ["labour_and_social_dialogue"]
        db.session.commit()
        add_member(union, "civic-social-dialogue")
        add_member(union, "erasmus", MembershipStatus.PENDING)
        pending = make_org(name="Caspian Energy Network", country="KZ", type="business_association")
        make_org(name="Rejected Society", status=OrganisationStatus.REJECTED)
        make_user(org=almaty, role=Role.ADMIN, email="admin@forum.example")
        make_user(org=union, email="member@union.example")
        make_user(org=pending, email="member@pending.example")
        make_user(role=Role.SECRETARIAT, email="staff@eesc.example")
        make_contacts_of_every_visibility(almaty, role="Coordinator")
        return {"almaty": almaty.id, "union": union.id, "pending": pending.id}


def get(client, url, status=200, **headers):
    r = client.get(url, headers=headers)
    assert r.status_code == status, (url, r.get_data(as_text=True))
    return r


def names(body) -> list[str]:
    return [item["name"] for item in body["items"]]


def test_organisations_list_has_the_fields_design_md_names(client, directory):
    # A visitor: verified organisations only.
    visitor = get(client, "/api/v1/organisations").json
    assert visitor["total"] == 2
    assert names(visitor) == ["Almaty Civic Forum", "Baltic Workers Union"]
    # A person of a verified organisation also sees the one awaiting verification.
    login(client, "member@union.example")
    body = get(client, "/api/v1/organisations").json
    assert set(body) == {"items", "total", "page", "per_page"}
    assert body["total"] == 3 and body["page"] == 1 and body["per_page"] == 20
    assert names(body) == ["Almaty Civic Forum", "Baltic Workers Union", "Caspian Energy Network"]
    almaty = body["items"][0]
    assert almaty == {
        "id": directory["almaty"],
        "kind": "organisation",
        "name": "Almaty Civic Forum",
        "url": f"http://localhost/organisations/{directory['almaty']}",
        "acronym": "ACF",
        "country": "KZ",
        "side": "kz",
        "city": "Almaty",
        "region": None,
        "type": "ngo",
        "eesc_group": "III",
        "sectors": ["education_and_youth", "human_rights"],
        "website": "https://forum.example.kz",
        "verified": True,
        "groups": ["erasmus", "civic-social-dialogue"],  # active only, in priority order
    }
    assert body["items"][1]["groups"] == ["civic-social-dialogue"]
    assert body["items"][2]["verified"] is False


def test_organisation_filters_combine(client, directory):
    assert names(get(client, "/api/v1/organisations?verified=false").json) == []
    login(client, "member@union.example")  # sees the organisation awaiting verification

    def listed(query):
        return names(get(client, "/api/v1/organisations?" + query).json)

    assert listed("country=KZ") == ["Almaty Civic Forum", "Caspian Energy Network"]
    assert listed("country=kz&verified=true") == ["Almaty Civic Forum"]
    assert listed("verified=false") == ["Caspian Energy Network"]
    assert listed("side=eu") == ["Baltic Workers Union"]
    assert listed("type=ngo&type=trade_union") == ["Almaty Civic Forum", "Baltic Workers Union"]
    assert listed("eesc_group=II") == ["Baltic Workers Union"]
    assert listed("sector=human_rights&sector=labour_and_social_dialogue") == [
        "Almaty Civic Forum",
        "Baltic Workers Union",
    ]
    assert listed("group=erasmus") == ["Almaty Civic Forum"]
    assert listed("group=civic-social-dialogue&country=LV") == ["Baltic Workers Union"]
    assert listed("sort=newest")[0] == "Caspian Energy Network"


def test_paging(client, directory):
    login(client, "member@union.example")  # sees the organisation awaiting verification
    body = get(client, "/api/v1/organisations?per_page=2&page=2").json
    assert body["total"] == 3 and body["page"] == 2 and body["per_page"] == 2
    assert names(body) == ["Caspian Energy Network"]
    assert get(client, "/api/v1/organisations?page=5").json["items"] == []


@pytest.mark.parametrize(
    "query",
    [
        "country=XX",
        "sort=foo",
        "page=0",
        "page=abc",
        "per_page=101",
        "per_page=0",
        "verified=maybe",
        "side=moon",
        "type=party",
        "eesc_group=IV",
        "sector=space",
        "group=no-such-group",
        "group=Not%20a%20slug",
        "colour=blue",
        # Empty values: the document says what each takes, and "" is none of it.
        "country=",
        "sort=",
        "page=",
        "per_page=",
        "verified=",
        "group=",
        # Values as the document lists them, not near them.
        "page=101",
        "page=5_0",
        "page=%201",
        "page=" + "9" * 5000,
        "country=Kz",
        "verified=TRUE",
        "sort=%20name",
        "q=%00",
    ],
)
def test_a_bad_parameter_is_a_400_in_json(client, directory, query):
    r = get(client, "/api/v1/organisations?" + query, status=400)
    assert r.mimetype == "application/json"
    assert set(r.json) == {"error", "message"}
    assert query.split("=")[0] in r.json["message"]


def test_kind_is_only_for_search(client, directory):
    get(client, "/api/v1/organisations?kind=contact", status=400)
    get(client, "/api/v1/contacts?country=KZ", status=400)
    get(client, "/api/v1/working-groups?sort=name", status=400)


def test_unknown_ids_and_slugs_are_404_in_json(client, directory):
    for url in (
        "/api/v1/organisations/999999",
        "/api/v1/working-groups/no-such-group",
        "/api/v1/no-such-thing",
    ):
        r = get(client, url, status=404)
        assert r.mimetype == "application/json" and set(r.json) == {"error", "message"}


def test_api_refuses_writes(client, directory):
    r = client.post("/api/v1/organisations", data={})
    assert r.status_code == 405 and r.json["error"]


def test_an_organisation_in_detail(client, directory):
    body = get(client, f"/api/v1/organisations/{directory['almaty']}").json
    assert body["name"] == "Almaty Civic Forum" and body["kind"] == "organisation"
    assert body["description"] == "Civic dialogue in Almaty."
    assert body["other_names"] == [{"name": "Алматинский гражданский форум", "language": "ru"}]
    assert [c["name"] for c in body["contacts"]] == ["Public Person"]
    public = body["contacts"][0]
    assert public["email"] == "public@forum.example" and public["phone"] == "+7 727 250 12 34"
    assert public["organisation"]["id"] == directory["almaty"]


def test_hidden_organisations_are_not_found(client, app, directory):
    with app.app_context():
        rejected = db.session.query(Organisation).filter_by(name="Rejected Society").one().id
    get(client, f"/api/v1/organisations/{rejected}", status=404)
    login(client, "staff@eesc.example")
    assert get(client, f"/api/v1/organisations/{rejected}").json["name"] == "Rejected Society"
    assert get(client, "/api/v1/organisations").json["total"] == 4


CONTACTS_SEEN = {
    None: {"Public Person"},
    "member@pending.example": {"Public Person"},
    "member@union.example": {"Public Person", "Members Person"},
    "admin@forum.example": {"Public Person", "Members Person", "Private Person"},
    "staff@eesc.example": {"Public Person", "Members Person", "Private Person"},
}


@pytest.mark.parametrize("viewer", list(CONTACTS_SEEN))
def test_contacts_are_those_the_caller_may_see(app, directory, viewer):
    client = app.test_client()
    if viewer:
        login(client, viewer)
    body = get(client, "/api/v1/contacts?per_page=100").json
    people = {i["name"] for i in body["items"] if i["name"].endswith("Person")}
    assert people == CONTACTS_SEEN[viewer]
    eesc = {i["name"] for i in body["items"]} - people
    assert eesc == {"Millie Tsoumani", "Daniele Vitali"}
    assert body["total"] == len(CONTACTS_SEEN[viewer]) + 2
    detail = get(client, f"/api/v1/organisations/{directory['almaty']}").json
    assert {c["name"] for c in detail["contacts"]} == CONTACTS_SEEN[viewer]


def test_contact_items(client, directory):
    items = get(client, "/api/v1/contacts").json["items"]
    millie = next(i for i in items if i["name"] == "Millie Tsoumani")
    assert millie["kind"] == "contact" and millie["role"] == "Press Officer, EESC"
    assert millie["organisation"] == {"id": None, "name": "EESC", "url": None}
    assert millie["email"] == "Amalia.tsoumani@eesc.europa.eu"
    assert millie["phone"] == "+32 (0) 2 546 9088" and millie["phone_e164"] == "+3225469088"
    assert millie["url"] == f"http://localhost/directory/contacts/{millie['id']}"
    assert millie["vcard_url"] == f"http://localhost/directory/contacts/{millie['id']}.vcf"
    public = next(i for i in items if i["name"] == "Public Person")
    assert public["organisation"] == {
        "id": directory["almaty"],
        "name": "Almaty Civic Forum",
        "url": f"http://localhost/organisations/{directory['almaty']}",
    }
    assert public["url"].endswith(f"/directory/contacts/{public['id']}")


def test_working_groups(client, app, directory):
    with app.app_context():
        chair = make_user(
            org=db.session.get(Organisation, directory["almaty"]), full_name="Dana Chair"
        )
        group = db.session.query(WorkingGroup).filter_by(slug="civic-social-dialogue").one()
        db.session.add(Coordinator(group_id=group.id, user_id=chair.id, side="kz"))
        db.session.commit()
    body = get(client, "/api/v1/working-groups").json
    assert body["total"] == 5 and body["page"] == 1
    assert [g["slug"] for g in body["items"]] == [
        "cooperation-structures",
        "raw-materials-mou",
        "erasmus",
        "public-administration-justice",
        "civic-social-dialogue",
    ]
    dialogue = body["items"][4]
    assert set(dialogue) == {
        "slug",
        "kind",
        "name",
        "url",
        "priority",
        "purpose",
        "translations",
        "moderated",
        "coordinators",
        "members_by_side",
    }
    assert sorted(dialogue["translations"]) == ["en", "kk", "ru"]
    assert dialogue["translations"]["en"]["name"] == dialogue["name"]
    assert dialogue["translations"]["ru"]["name"].startswith("Гражданский и социальный диалог")
    assert dialogue["translations"]["kk"]["purpose"].startswith("Басқа өңірлердің")
    assert dialogue["kind"] == "working_group" and dialogue["priority"] == 5
    assert dialogue["name"].startswith("Civic and social dialogue in Central Asia")
    assert dialogue["url"] == "http://localhost/working-groups/civic-social-dialogue"
    assert dialogue["moderated"] is True
    assert dialogue["members_by_side"] == {"eu": 1, "kz": 1, "other": 0}
    assert dialogue["coordinators"] == [
        {
            "name": "Dana Chair",
            "side": "kz",
            "organisation": {
                "id": directory["almaty"],
                "name": "Almaty Civic Forum",
                "url": f"http://localhost/organisations/{directory['almaty']}",
            },
        }
    ]
    # A pending request is no membership yet.
    assert body["items"][2]["members_by_side"] == {"eu": 0, "kz": 1, "other": 0}
    detail = get(client, "/api/v1/working-groups/civic-social-dialogue").json
    assert [m["name"] for m in detail["members"]] == ["Almaty Civic Forum", "Baltic Workers Union"]
    assert detail["members_by_side"] == dialogue["members_by_side"]


def test_cache_headers_and_etag(client, directory):
    r = get(client, "/api/v1/organisations")
    assert r.headers["Cache-Control"] == "public, max-age=60"
    assert "Set-Cookie" not in r.headers  # nothing personal in what shared caches keep
    assert "Cookie" in r.headers["Vary"]
    etag = r.headers["ETag"]
    assert etag.startswith('"') and len(etag) > 10
    again = client.get("/api/v1/organisations", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    other = get(client, "/api/v1/organisations?country=KZ")
    assert other.headers["ETag"] != etag
    login(client, "member@union.example")
    signed_in = get(client, "/api/v1/organisations")
    assert "private" in signed_in.headers["Cache-Control"]
    assert "no-store" in signed_in.headers["Cache-Control"]


def add_organisations(app, n: int, start: int) -> None:
    with app.app_context():
        groups = db.session.query(WorkingGroup).order_by(WorkingGroup.priority).all()
        erasmus = next(g for g in groups if g.slug == "erasmus")
        for i in range(start, start + n):
            org = Organisation(
                name=f"Org {i:03}", country="DE", type="ngo", eesc_group="none", status=VERIFIED
            )
            org.sectors = ["trade", "energy"]
            db.session.add(org)
            db.session.flush()
            for group in {erasmus, groups[i % 5]}:
                db.session.add(
                    Membership(organisation_id=org.id, group_id=group.id, status="active")
                )
            db.session.add(
                Contact(organisation_id=org.id, name=f"Org {i:03} Person", visibility="members")
            )
        db.session.commit()


def add_groups(app, n: int, start: int) -> None:
    with app.app_context():
        for i in range(start, start + n):
            group = WorkingGroup(slug=f"extra-{i}", priority=10 + i)
            group.translations.append(
                WorkingGroupTranslation(locale="en", title=f"Extra {i}", purpose="")
            )
            db.session.add(group)
        db.session.commit()


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/organisations?per_page={n}",
        "/api/v1/organisations?per_page={n}&group=erasmus&sector=trade&country=DE",
        "/api/v1/contacts?per_page={n}",
        "/api/v1/working-groups?per_page={n}",
    ],
)
def test_statements_per_list_do_not_grow_with_its_length(app, client, directory, url):
    login(client, "member@union.example")
    add_organisations(app, 60, 0)
    add_groups(app, 60, 0)
    counts = []
    for n in (5, 50):
        with counting_statements(app) as statements:
            body = get(client, url.format(n=n)).json
        assert len(body["items"]) == n
        counts.append(statements)
    assert_same_statements(*counts)


def test_detail_pages_run_few_statements(app, client, directory):
    login(client, "member@union.example")
    for url in (
        f"/api/v1/organisations/{directory['almaty']}",
        "/api/v1/working-groups/erasmus",
    ):
        with counting_statements(app) as statements:
            get(client, url)
        # Showing members-only contact details of another organisation also writes one row
        # of its log of views (protection/); the reading stays as few statements.
        reads = [s for s in statements if "contact_details_view" not in s]
        assert len(reads) <= 6, (url, statements)


def test_every_page_and_group_the_document_allows_is_served(client, directory):
    params = get(client, "/api/v1/openapi.json").json["components"]["parameters"]
    last = params["page"]["schema"]["maximum"]
    for url in ("/api/v1/search?q=forum&", "/api/v1/organisations?q=forum&", "/api/v1/contacts?"):
        body = get(client, f"{url}page={last}&per_page=100").json
        assert body["items"] == [] and body["page"] == last
    get(client, f"/api/v1/search?q=forum&page={last + 1}&per_page=100", status=400)
    slugs = params["group"]["schema"]["items"]["enum"]
    assert slugs[0] == "cooperation-structures" and len(slugs) == 5
    for slug in slugs:
        get(client, f"/api/v1/organisations?group={slug}")


def test_ids_beyond_the_database_and_slugs_unlike_slugs_are_not_found(client, directory):
    for org_id in (2**31, 2**63, 10**30):
        r = get(client, f"/api/v1/organisations/{org_id}", status=404)
        assert set(r.json) == {"error", "message"}
    for slug in ("Erasmus", "-erasmus"):
        r = get(client, f"/api/v1/working-groups/{slug}", status=404)
        assert set(r.json) == {"error", "message"}
    # A NUL byte is refused before any route is looked at.
    for slug in ("erasmus%00", "%00"):
        r = get(client, f"/api/v1/working-groups/{slug}", status=400)
        assert "control character" in r.json["message"]


def test_openapi_document_is_valid_and_describes_every_route(app, client):
    doc = get(client, "/api/v1/openapi.json").json
    assert doc["openapi"] == "3.1.0"
    validate(doc)
    assert doc["servers"] == [{"url": "http://localhost/api/v1"}]
    documented = {"/api/v1" + path.replace("{slug}", "<slug>") for path in doc["paths"]}
    # Every id in a path is documented as {id}, whatever the route calls it.
    routes = {
        re.sub(r"<int:\w+>", "{id}", rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.") and rule.endpoint != "api.openapi_document"
    }
    assert routes == documented
    params = doc["components"]["parameters"]
    assert params["sort"]["schema"]["enum"] == ["relevance", "name", "newest"]
    assert "KZ" in params["country"]["schema"]["items"]["enum"]
    assert "kz" in params["country"]["schema"]["items"]["enum"]
    assert params["per_page"]["schema"]["maximum"] == 100
    assert params["q"]["schema"]["maxLength"] == 200
    assert doc["paths"]["/search"]["get"]["responses"]["429"]
    search_params = {
        p["$ref"].rsplit("/", 1)[1] for p in doc["paths"]["/search"]["get"]["parameters"]
    }
    assert search_params == {
        "q",
        "page",
        "per_page",
        "sort",
        "kind",
        "country",
        "region",
        "side",
        "type",
        "eesc_group",
        "sector",
        "group",
        "verified",
    }
    item = doc["components"]["schemas"]["Organisation"]
    assert {"acronym", "sectors", "website", "verified", "groups"} <= set(item["required"])


# With the search service


def test_search_finds_organisations_and_contacts_with_facets(client, directory):
    body = get(client, "/api/v1/search?q=almaty").json
    assert {"items", "total", "page", "per_page", "facets"} <= set(body)
    kinds = {item["kind"] for item in body["items"]}
    assert "organisation" in kinds
    assert body["items"][0]["name"] == "Almaty Civic Forum"
    assert "kind" in body["facets"]
    for values in body["facets"].values():
        for entry in values:
            assert set(entry) == {"value", "count"}
    assert "total_is_lower_bound" not in body


def test_search_in_another_script(client, directory):
    body = get(client, "/api/v1/search?q=Алматы&kind=organisation").json
    assert names(body) == ["Almaty Civic Forum"]


def test_search_shows_only_contacts_the_caller_may_see(app, directory):
    visitor = app.test_client()
    body = get(visitor, "/api/v1/search?q=person&kind=contact").json
    assert names(body) == ["Public Person"]
    own = app.test_client()
    login(own, "admin@forum.example")
    body = get(own, "/api/v1/search?q=person&kind=contact&sort=name").json
    assert names(body) == ["Members Person", "Private Person", "Public Person"]
    assert body["items"][1]["email"] == "private@forum.example"


def test_organisations_and_contacts_with_q_use_the_search(client, directory):
    assert names(get(client, "/api/v1/organisations?q=baltic").json) == ["Baltic Workers Union"]
    assert names(get(client, "/api/v1/contacts?q=tsoumani").json) == ["Millie Tsoumani"]


@pytest.mark.parametrize(
    ("query", "mixed"),
    [
        ("q=org&sort=name", True),
        ("country=DE&sort=name", True),
        ("q=org&sort=name&country=DE&group=erasmus&sector=trade", False),
        ("q=org&kind=organisation", False),
    ],
)
def test_search_statements_do_not_grow_with_the_page(app, client, directory, query, mixed):
    app.config["SEARCH_FACET_CACHE_SIZE"] = 0  # count the facet statement every time
    login(client, "member@union.example")
    add_organisations(app, 60, 0)
    counts = []
    for n in (5, 50):
        with counting_statements(app) as statements:
            body = get(client, f"/api/v1/search?{query}&per_page={n}").json
        assert len(body["items"]) == n
        if mixed:  # a page of organisations and contacts
            assert {item["kind"] for item in body["items"]} == {"organisation", "contact"}
        # Members-only contact details shown also write a row of their organisations' log
        # of views (protection/): the search's own statements are counted.
        counts.append([s for s in statements if "contact_details_view" not in s])
    assert_same_statements(*counts)


def test_search_refuses_bad_parameters(client, directory):
    for query in ("kind=people", "q=x&sort=foo", "per_page=101"):
        r = get(client, "/api/v1/search?" + query, status=400)
        assert set(r.json) == {"error", "message"}
    for q in ('"', "*", "a NEAR b", "-", "(((", "x" * 10000):
        r = client.get("/api/v1/search", query_string={"q": q})
        assert r.status_code in (200, 400), q
        assert r.mimetype == "application/json"


def test_contacts_of_a_hidden_organisation_are_not_listed(app, directory):
    with app.app_context():
        rejected = db.session.query(Organisation).filter_by(name="Rejected Society").one()
        make_user(org=rejected, email="member@rejected.example")
        db.session.add(
            Contact(organisation_id=rejected.id, name="Rejected Public", visibility="public")
        )
        db.session.commit()

    def listed(email=None) -> bool:
        client = app.test_client()
        if email:
            login(client, email)
        items = get(client, "/api/v1/contacts?per_page=100").json["items"]
        found = get(client, "/api/v1/search?q=rejected&kind=contact").json["items"]
        return "Rejected Public" in {i["name"] for i in items + found}

    assert not listed()
    assert not listed("member@union.example")
    assert listed("member@rejected.example")
    assert listed("staff@eesc.example")
