"""Open partner search posts in the directory's one search (the page, the API's /search, the
exports): found across scripts, a kind of its own, gone once closed or hidden, and seen only by
those whose page of the post would show it; on both engines."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

from eukz_platform import housekeeping
from eukz_platform.api import schemas
from eukz_platform.core.vocabulary import OrganisationStatus
from eukz_platform.extensions import db
from eukz_platform.opportunities import services
from eukz_platform.opportunities.models import Opportunity
from eukz_platform.search import indexing

from . import test_opportunities
from .factories import make_org, make_user
from .test_groups_support import VERIFIED, make_admin
from .test_opportunities import TODAY, login, publish

# The partner search's own fixture: its working group, a poster, an answerer, the secretariat.
world = test_opportunities.world


def found(client, q="erasmus", **args) -> list[tuple[str, int]]:
    r = client.get("/api/v1/search", query_string={"q": q, **args})
    assert r.status_code == 200, r.get_data(as_text=True)
    return [(item["kind"], item["id"]) for item in r.get_json()["items"]]


def posts_found(client, q="erasmus") -> set[int]:
    return {ref for kind, ref in found(client, q, kind="opportunity")}


def test_a_post_is_found_by_the_directory_in_latin_and_cyrillic(app, client, world):
    post_id = publish(client)
    for q in ("erasmus", "Эразмус", "эразмус", "capacity build", "Almaty"):
        page = client.get("/directory/", query_string={"q": q}).get_data(as_text=True)
        assert f'href="/partner-search/{post_id}"' in page, q
        assert "Partner search post" in page
    assert ("opportunity", post_id) in found(client, "эразмус")


def test_posts_are_a_kind_with_its_facet(client, world):
    post_id = publish(client)
    r = client.get("/api/v1/search", query_string={"q": "erasmus"}).get_json()
    kinds = {f["value"]: f["count"] for f in r["facets"]["kind"]}
    assert kinds.get("opportunity") == 1
    assert found(client, kind="opportunity") == [("opportunity", post_id)]
    assert ("opportunity", post_id) not in found(client, kind="organisation")
    page = client.get("/directory/", query_string={"q": "erasmus"}).get_data(as_text=True)
    assert "Partner search posts" in page
    page = client.get("/directory/", query_string={"q": "erasmus", "kind": "contact"})
    assert f"/partner-search/{post_id}" not in page.get_data(as_text=True)
    # The post's priority and sectors are facets too.
    assert posts_found(client) == {post_id}
    r = client.get(
        "/api/v1/search", query_string={"q": "erasmus", "group": "erasmus", "kind": "opportunity"}
    )
    assert [i["id"] for i in r.get_json()["items"]] == [post_id]


def test_the_api_search_item_of_a_post(client, world):
    post_id = publish(client)
    r = client.get("/api/v1/search", query_string={"q": "erasmus", "kind": "opportunity"})
    (item,) = r.get_json()["items"]
    assert set(item) == set(schemas.Opportunity.__annotations__)
    assert item["kind"] == "opportunity" and item["id"] == post_id
    assert item["url"].endswith(f"/partner-search/{post_id}")
    assert item["name"] == "Erasmus+ capacity building for youth workers"
    assert item["organisation"]["name"] == "Brussels Youth Forum"
    assert item["priority"] == "erasmus" and item["open"] is True
    assert item["opportunity_kind"] == "partners" and item["regions"] == ["KZ-71", "KZ-75"]
    # The OpenAPI document describes it among the search's items.
    spec = client.get("/api/v1/openapi.json").get_json()
    listed = str(spec["components"]["schemas"]["SearchList"]["properties"]["items"])
    assert "Opportunity" in listed


def test_the_exports_hold_posts(client, world):
    post_id = publish(client)
    r = client.get("/directory/export.csv?q=erasmus&kind=opportunity")
    rows = list(csv.DictReader(io.StringIO(r.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == 1
    row = rows[0]
    assert row["kind"] == "opportunity" and row["id"] == str(post_id)
    assert row["organisation"] == "Brussels Youth Forum" and row["groups"] == "erasmus"
    assert row["region"] == "KZ-71; KZ-75" and row["deadline"] == str(TODAY + timedelta(days=30))
    data = client.get("/directory/export.json?q=erasmus&kind=opportunity").get_json()
    assert [(i["kind"], i["id"]) for i in data["items"]] == [("opportunity", post_id)]


# Leaving the index --------------------------------------------------------------------------


def test_a_post_closed_by_its_poster_leaves_the_results(client, world):
    post_id = publish(client)
    assert posts_found(client) == {post_id}
    login(client, "eva@forum.example")
    r = client.post(f"/partner-search/{post_id}/close", data={"outcome": "no_partner_found"})
    assert r.status_code == 302
    assert posts_found(client) == set()
    client.post("/auth/logout")
    assert posts_found(client) == set()
    assert client.get(f"/partner-search/{post_id}").status_code == 200  # its page says closed


def test_a_post_hidden_by_the_secretariat_leaves_the_results(client, world):
    post_id = publish(client)
    login(client, "sec@eesc.example")
    assert posts_found(client) == {post_id}
    r = client.post(f"/partner-search/{post_id}/hide", data={"reason": "A paid service."})
    assert r.status_code == 302
    assert posts_found(client) == set()
    login(client, "eva@forum.example")
    assert posts_found(client) == set()
    login(client, "sec@eesc.example")
    client.post(f"/partner-search/{post_id}/unhide")
    assert posts_found(client) == {post_id}


def test_a_post_leaves_the_results_when_housekeeping_closes_it(app, client, world, monkeypatch):
    post_id = publish(client, deadline=(TODAY + timedelta(days=3)).isoformat())
    assert posts_found(client) == {post_id}
    after = datetime.combine(TODAY + timedelta(days=4), datetime.min.time(), UTC)
    with app.app_context():
        monkeypatch.setattr(services, "now", lambda: after)
        assert housekeeping.run(after + timedelta(hours=1)).posts_closed == 1
    assert posts_found(client) == set()


def test_reindex_rebuilds_open_posts_only(app, client, world):
    open_id = publish(client)
    closed_id = publish(client, title="Erasmus exchange for judges")
    login(client, "eva@forum.example")
    client.post(f"/partner-search/{closed_id}/close", data={"outcome": "no_partner_found"})
    client.post("/auth/logout")
    result = app.test_cli_runner().invoke(args=["reindex"])
    assert result.exit_code == 0, result.output
    assert posts_found(client) == {open_id}
    with app.app_context():
        db.session.execute(db.delete(indexing.SearchDocument))
        db.session.commit()
    assert posts_found(client) == set()
    assert app.test_cli_runner().invoke(args=["reindex"]).exit_code == 0
    assert posts_found(client) == {open_id}


def test_an_organisation_that_goes_members_only_takes_its_posts_from_visitors(app, client, world):
    post_id = publish(client)
    with app.app_context():
        org = db.session.get(services.Organisation, world["eu"])
        org.members_only = True
        db.session.commit()
    assert posts_found(client) == set()
    assert client.get(f"/partner-search/{post_id}").status_code == 404
    login(client, "aigerim@union.kz")
    assert posts_found(client) == {post_id}


# The directory never shows a post that the post's own page refuses ---------------------------

VIEWERS = ("visitor", "member", "own", "pending", "secretariat")
STATES = ("everyone", "members", "hidden", "members-only-organisation", "closed", "suspended")


@pytest.fixture
def viewers(app, world):
    with app.app_context():
        make_admin(make_org(status=VERIFIED, name="Other Union"), email="other@x.example")
        make_user(org=db.session.get(services.Organisation, world["eu"]), email="own@x.example")
        make_admin(make_org(status=OrganisationStatus.PENDING), email="pending@x.example")
    return {
        "member": "other@x.example",
        "own": "own@x.example",
        "pending": "pending@x.example",
        "secretariat": "sec@eesc.example",
    }


def _make_state(app, client, state: str) -> int:
    post_id = publish(client, audience="members" if state == "members" else "everyone")
    if state == "closed":
        login(client, "eva@forum.example")
        client.post(f"/partner-search/{post_id}/close", data={"outcome": "no_partner_found"})
    elif state == "hidden":
        login(client, "sec@eesc.example")
        client.post(f"/partner-search/{post_id}/hide", data={"reason": "A paid service."})
    else:
        with app.app_context():
            post = db.session.get(Opportunity, post_id)
            if state == "members-only-organisation":
                post.organisation.members_only = True
            elif state == "suspended":
                post.organisation.status = OrganisationStatus.SUSPENDED
            db.session.commit()
    client.post("/auth/logout")
    return post_id


@pytest.mark.parametrize("state", STATES)
def test_the_directory_shows_a_post_only_where_its_page_does(app, client, world, viewers, state):
    post_id = _make_state(app, client, state)
    for viewer in VIEWERS:
        client.post("/auth/logout")
        if viewer != "visitor":
            login(client, viewers[viewer])
        page_shows = client.get(f"/partner-search/{post_id}").status_code == 200
        in_search = post_id in posts_found(client)
        html = client.get("/directory/", query_string={"q": "erasmus"}).get_data(as_text=True)
        in_page = f'href="/partner-search/{post_id}"' in html
        assert in_search == in_page, (state, viewer)
        if in_search:
            assert page_shows, f"the directory shows a {state} post to {viewer}"
        # Open posts not hidden are found by everyone who may read them.
        if state not in ("closed", "hidden"):
            assert in_search == page_shows, (state, viewer)
        else:
            assert not in_search
    expected = {
        "everyone": {"visitor", "member", "own", "pending", "secretariat"},
        "members": {"member", "own", "secretariat"},
        "members-only-organisation": {"member", "own", "secretariat"},
        "suspended": {"secretariat"},
    }
    if state in expected:
        seen = set()
        for viewer in VIEWERS:
            client.post("/auth/logout")
            if viewer != "visitor":
                login(client, viewers[viewer])
            if post_id in posts_found(client):
                seen.add(viewer)
        # A suspended organisation's people may not sign in to act, but may still read theirs.
        assert seen - {"own"} == expected[state] - {"own"}, state


@pytest.mark.parametrize(
    "language, kind, badge",
    [
        ("ru", "Публикации поиска партнёров", "Публикация поиска партнёров"),
        ("kk", "Серіктес іздеу жарияланымдары", "Серіктес іздеу жарияланымы"),
    ],
)
def test_the_kind_and_the_card_in_russian_and_kazakh(client, world, language, kind, badge):
    post_id = publish(client)
    client.get(f"/language/{language}")
    html = client.get("/directory/", query_string={"q": "эразмус"}).get_data(as_text=True)
    assert f'href="/partner-search/{post_id}"' in html
    assert kind in html and badge in html
