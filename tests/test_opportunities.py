"""The partner search: posting, finding (page, API, CSV, a working group's page), answering,
deciding on answers, closing, moderation, matches and the weekly digest; on both engines."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from eukz_platform import housekeeping
from eukz_platform.audit import AuditEntry
from eukz_platform.auth.models import Role
from eukz_platform.core.models import Organisation
from eukz_platform.core.vocabulary import OrganisationStatus
from eukz_platform.extensions import db
from eukz_platform.opportunities import services
from eukz_platform.opportunities.models import (
    AnswerStatus,
    DigestSubscription,
    Opportunity,
    OpportunityAnswer,
    Outcome,
)

from .factories import login as log_in
from .factories import make_org, make_user
from .test_groups_support import VERIFIED, add_member, make_admin, make_group

TODAY = datetime.now(UTC).date()


def login(client, email: str):
    """Log in as this person (whoever was signed in before is logged out first)."""
    client.post("/auth/logout")
    return log_in(client, email)


def post_form(**overrides) -> dict:
    data = {
        "kind": "partners",
        "title": "Erasmus+ capacity building for youth workers",
        "description": "We look for Kazakh partners for an Erasmus+ project on youth work.",
        "priority": "erasmus",
        "sectors": ["education_and_youth"],
        "countries": ["KZ"],
        "regions": ["KZ-75", "KZ-71"],
        "languages": ["en", "ru"],
        "deadline": (TODAY + timedelta(days=30)).isoformat(),
        "link": "https://erasmus-plus.ec.europa.eu/",
        "audience": "everyone",
        "language": "en",
    }
    data.update(overrides)
    return data


@pytest.fixture
def world(app):
    """A working group, an EU poster (verified, admin), a Kazakh answerer (verified, admin),
    a secretariat account."""
    with app.app_context():
        group = make_group("erasmus", title="Educational opportunities through Erasmus")
        make_group("civic-social-dialogue", priority=5, title="Civic and social dialogue")
        eu = make_org(name="Brussels Youth Forum", country="BE", status=VERIFIED)
        kz = make_org(
            name="Almaty Youth Union",
            country="KZ",
            status=VERIFIED,
            working_languages=["ru", "kk"],
        )
        kz.sectors = ["education_and_youth"]
        db.session.commit()
        add_member(group, kz)
        make_admin(eu, email="eva@forum.example", locale="en")
        make_admin(kz, email="aigerim@union.kz", locale="ru")
        make_user(role=Role.SECRETARIAT, email="sec@eesc.example")
        return {"group": group.id, "eu": eu.id, "kz": kz.id}


def publish(client, **overrides):
    login(client, "eva@forum.example")
    r = client.post("/partner-search/new", data=post_form(**overrides))
    assert r.status_code == 302, r.get_data(as_text=True)
    client.post("/auth/logout")
    return int(r.headers["Location"].rsplit("/", 1)[1])


# Posting ------------------------------------------------------------------------------------


def test_an_admin_of_a_verified_organisation_posts_and_the_post_is_shown(app, client, world):
    login(client, "eva@forum.example")
    assert client.get("/partner-search/new").status_code == 200
    r = client.post("/partner-search/new", data=post_form())
    assert r.status_code == 302
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "Erasmus+ capacity building for youth workers" in page
    assert "Brussels Youth Forum" in page and "Almaty" in page
    with app.app_context():
        post = db.session.scalar(select(Opportunity))
        assert post.regions == ["KZ-71", "KZ-75"] and post.group.slug == "erasmus"
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "opportunity.post"))
        assert entry.target_id == post.id


@pytest.mark.parametrize("who", ["member", "pending-admin", "secretariat", "visitor"])
def test_only_admins_of_verified_organisations_may_post(app, client, world, who):
    with app.app_context():
        if who == "member":
            make_user(org=db.session.get(services.Organisation, world["eu"]), email="m@x.example")
        elif who == "pending-admin":
            make_admin(make_org(status=OrganisationStatus.PENDING), email="m@x.example")
    if who == "secretariat":
        login(client, "sec@eesc.example")
    elif who != "visitor":
        login(client, "m@x.example")
    r = client.post("/partner-search/new", data=post_form())
    assert r.status_code in (302, 403)
    if who == "visitor":
        assert "/auth/login" in r.headers["Location"]
    with app.app_context():
        assert db.session.scalar(select(Opportunity)) is None


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        (
            {"deadline": (TODAY - timedelta(days=1)).isoformat()},
            "deadline",
            "cannot be in the past",
        ),
        ({"deadline": "31/02/2027"}, "deadline", "Not a valid date"),
        ({"deadline": (TODAY + timedelta(days=5 * 366)).isoformat()}, "deadline", "three years"),
        ({"deadline": ""}, "deadline", "Give the deadline"),
        ({"title": "x" * 10_000}, "title", "200"),
        ({"description": "y" * 10_000}, "description", "5000"),
        ({"link": "javascript:alert(1)"}, "link", "http:// or https://"),
        ({"link": "data:text/html,hi"}, "link", "http:// or https://"),
        ({"priority": "no-such-group"}, "priority", "Not a valid choice"),
        ({"regions": ["KZ-99"]}, "regions", "Choose only among the options shown"),
        ({"title": ""}, "title", "Give the post a title"),
    ],
)
def test_bad_input_is_refused_beside_the_field_and_nothing_is_written(
    app, client, world, overrides, field, message
):
    login(client, "eva@forum.example")
    r = client.post("/partner-search/new", data=post_form(**overrides))
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert f'id="{field}-error"' in page and message in page
    with app.app_context():
        assert db.session.scalar(select(Opportunity)) is None


def test_a_refused_edit_keeps_the_post_as_it_was(app, client, world):
    post_id = publish(client)
    login(client, "eva@forum.example")
    far = (TODAY + timedelta(days=5 * 366)).isoformat()
    r = client.post(f"/partner-search/{post_id}/edit", data=post_form(title="New", deadline=far))
    assert r.status_code == 422 and "three years" in r.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Opportunity, post_id).title.startswith("Erasmus+")


def test_markup_is_shown_as_text(app, client, world):
    post_id = publish(
        client,
        title="<script>alert(1)</script> partners",
        description='<img src=x onerror="alert(2)"> and <b>bold</b>',
    )
    page = client.get(f"/partner-search/{post_id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert "<img src=x" not in page and "&lt;img" in page


def test_the_poster_edits_and_closes_with_an_outcome(app, client, world):
    post_id = publish(client)
    login(client, "eva@forum.example")
    r = client.post(f"/partner-search/{post_id}/edit", data=post_form(title="A new title"))
    assert r.status_code == 302
    r = client.post(f"/partner-search/{post_id}/close", data={"outcome": "partnership_formed"})
    assert r.status_code == 302
    with app.app_context():
        post = db.session.get(Opportunity, post_id)
        assert post.title == "A new title" and post.outcome == Outcome.PARTNERSHIP
    login(client, "sec@eesc.example")
    page = client.get("/admin/dashboard").get_data(as_text=True)
    assert "Partner search posts by outcome" in page and "Partnership formed" in page


def test_another_organisation_cannot_edit_or_close(app, client, world):
    post_id = publish(client)
    login(client, "aigerim@union.kz")
    assert client.post(f"/partner-search/{post_id}/edit", data=post_form()).status_code == 403
    r = client.post(f"/partner-search/{post_id}/close", data={"outcome": "no_partner_found"})
    assert r.status_code == 403
    with app.app_context():
        assert db.session.get(Opportunity, post_id).closed_at is None


# Finding ------------------------------------------------------------------------------------


@pytest.mark.parametrize("q", ["эразмус", "erasmus", "Erasm", "ЭРАЗМУС"])
def test_the_partner_search_folds_scripts_and_synonyms(app, client, world, q):
    publish(client)
    publish(
        client,
        title="Social dialogue exchange",
        description="Trade unions.",
        priority="civic-social-dialogue",
        regions=["KZ-35"],
    )
    page = client.get("/partner-search/", query_string={"q": q, "region": "KZ-75"}).get_data(
        as_text=True
    )
    assert "Erasmus+ capacity building" in page and "Social dialogue exchange" not in page
    assert "1 post" in page


def test_facets_filter_and_count(app, client, world):
    publish(client)
    publish(
        client,
        title="Social dialogue exchange",
        description="Trade unions.",
        priority="civic-social-dialogue",
        kind="exchange",
        regions=[],
    )
    page = client.get("/partner-search/", query_string={"kind": "exchange"}).get_data(as_text=True)
    assert "Social dialogue exchange" in page and "Erasmus+ capacity" not in page
    assert "Exchange or traineeship" in page and "(1)" in page
    r = client.get("/partner-search/", query_string={"kind": "nonsense"})
    assert r.status_code == 400 and "nonsense" in r.get_data(as_text=True)


def test_open_posts_appear_on_their_working_groups_page(app, client, world):
    publish(client)
    page = client.get("/working-groups/erasmus").get_data(as_text=True)
    assert "Open posts in the partner search" in page and "Erasmus+ capacity building" in page


def test_closing_soonest_first_and_paginated(app, client, world):
    for days in (40, 10, 20):
        publish(
            client,
            title=f"Closes in {days} days",
            deadline=(TODAY + timedelta(days=days)).isoformat(),
        )
    page = client.get("/partner-search/").get_data(as_text=True)
    assert (
        page.index("Closes in 10 days")
        < page.index("Closes in 20 days")
        < page.index("Closes in 40 days")
    )
    page = client.get("/partner-search/", query_string={"per_page": 1, "page": 2}).get_data(
        as_text=True
    )
    assert "Closes in 20 days" in page and "Closes in 10 days" not in page


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_the_pages_in_russian_and_kazakh(app, client, world, lang):
    post_id = publish(client)
    client.set_cookie("lang", lang)
    for url in ("/partner-search/", f"/partner-search/{post_id}"):
        r = client.get(url)
        assert r.status_code == 200 and f'lang="{lang}"' in r.get_data(as_text=True)


# The API ------------------------------------------------------------------------------------


def test_the_api_lists_and_shows_posts(app, client, world):
    post_id = publish(client)
    r = client.get("/api/v1/opportunities", query_string={"q": "эразмус", "region": "KZ-75"})
    assert r.status_code == 200
    body = r.get_json()
    assert body["total"] == 1 and body["items"][0]["id"] == post_id
    item = body["items"][0]
    assert item["kind"] == "opportunity" and item["opportunity_kind"] == "partners"
    assert item["priority"] == "erasmus" and item["open"] is True
    detail = client.get(f"/api/v1/opportunities/{post_id}").get_json()
    assert detail["description"].startswith("We look for Kazakh partners")
    assert client.get("/api/v1/opportunities", query_string={"kind": "x"}).status_code == 400
    r = client.get("/api/v1/opportunities", query_string={"colour": "red"})
    assert r.status_code == 400 and r.get_json()["error"]
    assert client.get("/api/v1/opportunities/999999").status_code == 404
    document = client.get("/api/v1/openapi.json").get_json()
    assert "/opportunities" in document["paths"] and "/opportunities/{id}" in document["paths"]


# Who sees what ------------------------------------------------------------------------------


@pytest.fixture
def members_only(app, client, world):
    return publish(client, title="Members only traineeship", audience="members")


def test_members_only_posts_never_reach_visitors_pages(client, members_only):
    assert "Members only traineeship" not in client.get("/partner-search/").get_data(as_text=True)
    assert client.get(f"/partner-search/{members_only}").status_code == 404
    page = client.get("/working-groups/erasmus").get_data(as_text=True)
    assert "Members only traineeship" not in page


def test_members_only_posts_never_reach_visitors_through_the_api(client, members_only):
    assert client.get("/api/v1/opportunities").get_json()["total"] == 0
    assert client.get(f"/api/v1/opportunities/{members_only}").status_code == 404


def test_members_only_posts_never_reach_visitors_exports(client, members_only):
    r = client.get("/partner-search/export.csv")
    assert r.status_code == 200 and "Members only traineeship" not in r.get_data(as_text=True)


def test_members_see_members_only_posts(client, members_only):
    login(client, "aigerim@union.kz")
    assert "Members only traineeship" in client.get("/partner-search/").get_data(as_text=True)
    assert client.get(f"/api/v1/opportunities/{members_only}").status_code == 200
    assert "Members only traineeship" in client.get("/partner-search/export.csv").get_data(
        as_text=True
    )


def test_posts_of_an_organisation_visible_to_members_only_are_for_members_only(app, client, world):
    post_id = publish(client, title="Traineeship of an organisation at risk")
    with app.app_context():
        db.session.get(services.Organisation, world["eu"]).members_only = True
        db.session.commit()
    title = "Traineeship of an organisation at risk"
    assert title not in client.get("/partner-search/").get_data(as_text=True)
    assert client.get(f"/partner-search/{post_id}").status_code == 404
    assert client.get("/api/v1/opportunities").get_json()["total"] == 0
    assert client.get(f"/api/v1/opportunities/{post_id}").status_code == 404
    assert title not in client.get("/partner-search/export.csv").get_data(as_text=True)
    assert title not in client.get("/working-groups/erasmus").get_data(as_text=True)
    login(client, "aigerim@union.kz")
    assert title in client.get("/partner-search/").get_data(as_text=True)
    assert client.get(f"/partner-search/{post_id}").status_code == 200


def test_posts_of_a_suspended_organisation_are_not_shown(app, client, world):
    post_id = publish(client)
    with app.app_context():
        db.session.get(services.Organisation, world["eu"]).status = OrganisationStatus.SUSPENDED
        db.session.commit()
    assert client.get(f"/partner-search/{post_id}").status_code == 404
    assert client.get("/api/v1/opportunities").get_json()["total"] == 0


def test_the_secretariat_hides_a_post_with_a_reason_the_poster_reads(app, client, world):
    post_id = publish(client)
    login(client, "sec@eesc.example")
    r = client.post(f"/partner-search/{post_id}/hide", data={"reason": ""})
    assert r.status_code == 422
    r = client.post(
        f"/partner-search/{post_id}/hide", data={"reason": "Advertises a paid service."}
    )
    assert r.status_code == 302
    client.post("/auth/logout")
    assert client.get(f"/partner-search/{post_id}").status_code == 404
    login(client, "aigerim@union.kz")
    assert client.get(f"/partner-search/{post_id}").status_code == 404
    login(client, "eva@forum.example")
    page = client.get(f"/partner-search/{post_id}").get_data(as_text=True)
    assert "Advertises a paid service." in page
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "opportunity.hide"))
        assert entry.target_id == post_id and entry.after["reason"] == "Advertises a paid service."


def test_only_the_secretariat_hides(client, world):
    post_id = publish(client)
    login(client, "aigerim@union.kz")
    assert client.post(f"/partner-search/{post_id}/hide", data={"reason": "x"}).status_code == 403


# Answers ------------------------------------------------------------------------------------


def test_an_answer_reaches_the_posters_admins_and_is_marked(app, client, world, outbox):
    post_id = publish(client)
    login(client, "aigerim@union.kz")
    r = client.post(f"/partner-search/{post_id}/answer", data={"message": "We would like to join."})
    assert r.status_code == 302
    assert len(outbox) == 1 and outbox[0].to == ["eva@forum.example"]
    body = outbox[0].body
    assert "Almaty Youth Union" in body and "We would like to join." in body
    assert f"/organisations/{world['kz']}" in body and "aigerim@union.kz" not in body
    # Only one answer per organisation.
    r = client.post(f"/partner-search/{post_id}/answer", data={"message": "Again"})
    assert r.status_code == 302
    with app.app_context():
        assert len(db.session.scalars(select(OpportunityAnswer)).all()) == 1
    # The answerer does not see the answers list; the poster does.
    assert "No answers yet" not in client.get(f"/partner-search/{post_id}").get_data(as_text=True)
    login(client, "eva@forum.example")
    page = client.get(f"/partner-search/{post_id}").get_data(as_text=True)
    assert "We would like to join." in page and f"/organisations/{world['kz']}" in page
    assert "aigerim@union.kz" not in page
    with app.app_context():
        answer_id = db.session.scalar(select(OpportunityAnswer.id))
    r = client.post(f"/partner-search/{post_id}/answers/{answer_id}", data={"status": "in_contact"})
    assert r.status_code == 302
    with app.app_context():
        assert db.session.get(OpportunityAnswer, answer_id).status == AnswerStatus.IN_CONTACT


@pytest.mark.parametrize("status", ["suspended", "rejected", "closed"])
def test_the_poster_no_longer_reads_the_answer_of_an_organisation_it_may_not_see(
    app, client, world, status
):
    post_id = publish(client)
    login(client, "aigerim@union.kz")
    client.post(f"/partner-search/{post_id}/answer", data={"message": "We would like to join."})
    with app.app_context():
        db.session.get(Organisation, world["kz"]).status = status
        db.session.commit()
    login(client, "eva@forum.example")
    page = client.get(f"/partner-search/{post_id}").get_data(as_text=True)
    assert "Almaty Youth Union" not in page and "We would like to join." not in page
    with app.app_context():
        answer_id = db.session.scalar(select(OpportunityAnswer.id))
    r = client.post(f"/partner-search/{post_id}/answers/{answer_id}", data={"status": "not_a_fit"})
    assert r.status_code == 404
    login(client, "sec@eesc.example")
    page = client.get(f"/partner-search/{post_id}").get_data(as_text=True)
    assert "Almaty Youth Union" in page and "We would like to join." in page


def test_answers_are_refused_to_the_poster_and_to_unverified_organisations(app, client, world):
    post_id = publish(client)
    login(client, "eva@forum.example")
    assert (
        client.post(f"/partner-search/{post_id}/answer", data={"message": "Me"}).status_code == 403
    )
    with app.app_context():
        make_admin(make_org(status=OrganisationStatus.PENDING), email="p@x.example")
    login(client, "p@x.example")
    assert (
        client.post(f"/partner-search/{post_id}/answer", data={"message": "Me"}).status_code == 403
    )
    client.post("/auth/logout")
    r = client.post(f"/partner-search/{post_id}/answer", data={"message": "Me"})
    assert r.status_code == 302 and "/auth/login" in r.headers["Location"]
    with app.app_context():
        assert db.session.scalar(select(OpportunityAnswer)) is None


def test_an_empty_or_too_long_answer_is_refused_beside_the_field(app, client, world):
    post_id = publish(client)
    login(client, "aigerim@union.kz")
    for message in ("", "z" * 10_000):
        r = client.post(f"/partner-search/{post_id}/answer", data={"message": message})
        assert r.status_code == 422 and 'id="message-error"' in r.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(OpportunityAnswer)) is None


def test_posting_and_answering_are_rate_limited(database_url, world):
    from eukz_platform import create_app

    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_OPPORTUNITY_POST": "2 per hour",
        }
    )
    client = app.test_client()
    login(client, "eva@forum.example")
    codes = [client.post("/partner-search/new", data=post_form()).status_code for _ in range(3)]
    assert codes == [302, 302, 429]


# Housekeeping: deadlines, matches, the digest -----------------------------------------------


def test_a_post_closes_itself_after_its_deadline(app, client, world, monkeypatch):
    post_id = publish(client, deadline=(TODAY + timedelta(days=3)).isoformat())
    with app.app_context():
        at_deadline = datetime.combine(TODAY + timedelta(days=3), datetime.min.time(), UTC)
        monkeypatch.setattr(services, "now", lambda: at_deadline + timedelta(hours=12))
        assert housekeeping.run(at_deadline + timedelta(hours=12)).posts_closed == 0
        after = at_deadline + timedelta(days=1, hours=1)
        monkeypatch.setattr(services, "now", lambda: after)
        assert housekeeping.run(after).posts_closed == 1
        assert housekeeping.run(after).posts_closed == 0
        post = db.session.get(Opportunity, post_id)
        assert post.outcome == Outcome.DEADLINE and post.closed_at == after
    r = client.get(f"/partner-search/{post_id}")
    assert "This post is closed" in r.get_data(as_text=True)
    login(client, "aigerim@union.kz")
    assert (
        client.post(f"/partner-search/{post_id}/answer", data={"message": "Late"}).status_code
        == 302
    )
    with app.app_context():
        assert db.session.scalar(select(OpportunityAnswer)) is None


def test_the_organisation_page_shows_matching_posts_to_its_people(app, client, world):
    publish(client)
    login(client, "aigerim@union.kz")
    page = client.get(f"/organisations/{world['kz']}").get_data(as_text=True)
    assert 'id="matches-title"' in page and "Erasmus+ capacity" in page
    login(client, "eva@forum.example")
    page = client.get(f"/organisations/{world['eu']}").get_data(as_text=True)
    assert 'id="own-posts-title"' in page and "Erasmus+ capacity" in page
    client.post("/auth/logout")
    page = client.get(f"/organisations/{world['kz']}").get_data(as_text=True)
    assert 'id="matches-title"' not in page


def test_the_weekly_digest_and_its_one_click_unsubscribe(app, client, world, outbox, monkeypatch):
    login(client, "aigerim@union.kz")
    r = client.post("/partner-search/digest", data={"enabled": "y"})
    assert r.status_code == 302
    client.post("/auth/logout")
    publish(client)
    outbox.clear()
    with app.app_context():
        later = services.now() + timedelta(days=7, minutes=1)
        monkeypatch.setattr(services, "now", lambda: later)
        assert housekeeping.run(later).digests == 1
        assert housekeeping.run(later).digests == 0  # once a week
    assert len(outbox) == 1 and outbox[0].to == ["aigerim@union.kz"]
    assert "Erasmus+ capacity building" in outbox[0].body
    link = outbox[0].extra_headers["List-Unsubscribe"].strip("<>")
    path = link.split("//", 1)[1].split("/", 1)[1]
    assert client.get("/" + path).status_code == 200
    assert client.post("/" + path).status_code == 200
    with app.app_context():
        assert db.session.scalar(select(DigestSubscription)) is None
    assert client.get("/partner-search/digest/unsubscribe/forged").status_code == 400


def test_the_edit_form_shows_the_posts_values(client, world):
    post_id = publish(client)
    login(client, "eva@forum.example")
    page = client.get(f"/partner-search/{post_id}/edit").get_data(as_text=True)
    assert 'value="Erasmus+ capacity building for youth workers"' in page
    assert (TODAY + timedelta(days=30)).isoformat() in page


def test_the_directory_points_to_the_partner_search(client, world):
    page = client.get("/directory/", query_string={"q": "erasmus"}).get_data(as_text=True)
    assert "/partner-search/?q=erasmus" in page


def test_the_housekeeping_command_says_what_it_closed(app, client, world, runner, monkeypatch):
    publish(client, deadline=(TODAY + timedelta(days=1)).isoformat())
    later = datetime.now(UTC) + timedelta(days=3)
    monkeypatch.setattr(services, "now", lambda: later)
    monkeypatch.setattr(housekeeping, "utcnow", lambda: later)
    r = runner.invoke(args=["housekeeping"])
    assert r.exit_code == 0
    assert "partner search: 1 posts closed at their deadline, 0 digests sent" in r.output
