"""The directory page: one search box, facets, pages, shareable URLs, and few statements."""

import re
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from eukz_platform import models  # noqa: F401 - every model, in an order free of import cycles
from eukz_platform.auth.models import User
from eukz_platform.contacts.models import Contact, Visibility
from eukz_platform.core.models import Organisation
from eukz_platform.core.vocabulary import OrganisationStatus
from eukz_platform.extensions import db
from eukz_platform.search import MAX_QUERY_LENGTH
from eukz_platform.seeding import ensure_groups_and_contacts

from .factories import login, make_org, make_user
from .sql import assert_same_statements, counting_statements, reads_the_index

VERIFIED = OrganisationStatus.VERIFIED


@pytest.fixture
def directory(app):
    with app.app_context():
        ensure_groups_and_contacts()
        steppe = make_org(
            name="Steppe Green Initiative",
            acronym="SGI",
            country="KZ",
            city="Almaty",
            description="Environmental education in the steppe around Almaty.",
            sectors=["environment"],
            status=VERIFIED,
        )
        make_org(
            name="Союз энергетиков",
            country="KZ",
            city="Алматы",
            sectors=["energy"],
            status=VERIFIED,
        )
        make_org(name="Energiewende Verein", country="DE", city="Berlin", sectors=["energy"])
        db.session.add(
            Contact(
                organisation_id=steppe.id,
                name="Aigerim Seitkali",
                role="Director",
                email="aigerim@steppe.example",
                phone="+7 701 234 5678",
                phone_e164="+77012345678",
                visibility=Visibility.PUBLIC,
            )
        )
        db.session.commit()
        return steppe.id


def page(client, url, status=200) -> str:
    r = client.get(url)
    assert r.status_code == status, r.get_data(as_text=True)[:500]
    return r.get_data(as_text=True)


def main(html: str) -> str:
    return html[html.index("<main") : html.index("</main>")]


def text(html: str) -> str:
    """What a reader sees: the markup gone, the spaces collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))


def test_a_search_in_cyrillic_finds_latin_and_highlights_the_words(client, directory):
    html = main(page(client, "/directory/?q=Алматы"))
    assert "2 results" in html
    assert "Steppe Green Initiative" in html and "Союз энергетиков" in html
    assert "Energiewende" not in html
    assert "<mark>Almaty</mark>" in html and "<mark>Алматы</mark>" in html
    assert f'href="/organisations/{directory}"' in html
    assert 'value="Алматы"' in html  # the search box keeps the text
    assert html.count("<h1") == 1


def test_organisations_and_contacts_are_found_together(client, directory):
    html = main(page(client, "/directory/?q=steppe"))
    assert "Steppe Green Initiative" in text(html) and "Aigerim Seitkali" in text(html)
    assert 'href="mailto:aigerim@steppe.example"' in html
    assert 'href="tel:+77012345678"' in html
    assert "Verified" in html  # the status badge of the organisation


def test_facets_are_checkboxes_with_counts_in_a_get_form(client, directory):
    html = main(page(client, "/directory/"))
    form = re.search(r'<form class="site-directory" method="get" action="/directory/">', html)
    assert form
    assert re.search(
        r'name="country" value="KZ"[^>]*>.*?Kazakhstan</span> <span[^>]*>\(3\)', html, re.S
    )
    assert re.search(
        r'name="kind" value="contact"[^>]*>.*?Contacts</span> <span[^>]*>\(3\)', html, re.S
    )
    # A visitor does not count the organisation awaiting verification (Energiewende Verein).
    assert re.search(
        r'name="sector" value="energy"[^>]*>.*?Energy</span> <span[^>]*>\(1\)', html, re.S
    )
    assert 'name="verified" value="false"' not in html
    html = main(page(client, "/directory/?country=KZ&sector=energy"))
    assert re.search(r'name="country" value="KZ" checked', html)
    assert "1 result" in html and "Союз энергетиков" in html
    assert "Remove filter: Country: Kazakhstan" in html
    assert "Remove filter: Sector: Energy" in html
    # A person of a verified organisation counts it too.
    with client.application.app_context():
        make_user(org=make_org(status=VERIFIED), email="member@verified.example")
    login(client, "member@verified.example")
    html = main(page(client, "/directory/"))
    assert re.search(
        r'name="sector" value="energy"[^>]*>.*?Energy</span> <span[^>]*>\(2\)', html, re.S
    )
    assert 'name="verified" value="false"' in html


def test_every_state_is_a_shareable_url(app, client, directory):
    with app.app_context():
        for i in range(25):
            make_org(name=f"Almaty Forum {i:02}", country="KZ", city="Almaty", status=VERIFIED)
    html = main(page(client, "/directory/?q=almaty&country=KZ&sort=name"))
    assert "27 results" in html
    links = re.findall(r'href="(/directory/\?[^"]*page=2[^"]*)"', html)
    assert links
    args = parse_qs(urlsplit(links[0].replace("&amp;", "&")).query)
    assert args == {"q": ["almaty"], "country": ["KZ"], "sort": ["name"], "page": ["2"]}
    second = main(page(client, links[0].replace("&amp;", "&")))
    assert "Almaty Forum 24" in text(second) and "Page 2" in second
    assert "Almaty Forum 00" not in text(second)


def test_no_results_suggest_what_to_loosen(client, directory):
    html = main(page(client, "/directory/?q=energ&country=FR&verified=true"))
    assert "0 results" in html and "Nothing matches this search." in html
    assert "Remove filter: Country: France" in html
    assert "Remove filter: Verification: Verified" in html
    loosen = re.search(r'href="([^"]+)">Remove filter: Country: France', html).group(1)
    assert parse_qs(urlsplit(loosen.replace("&amp;", "&")).query) == {
        "q": ["energ"],
        "verified": ["true"],
    }
    assert "Show everything, without the search text" in html
    # The facets still show where the results are.
    assert re.search(r'name="country" value="KZ"[^>]*>.*?\(1\)', html, re.S)


@pytest.mark.parametrize(
    "query",
    [
        "sort=popular",
        "country=XX",
        "kind=person",
        "page=abc",
        "page=0",
        "per_page=1000",
        "verified=maybe",
        "group=no-such-group",
    ],
)
def test_bad_values_get_a_clear_message_not_an_error(client, directory, query):
    html = page(client, "/directory/?" + query, status=400)
    assert "This search cannot be run." in html


def test_a_nul_byte_in_the_search_text_is_refused_with_the_error_page(client, directory):
    html = page(client, "/directory/?q=%00steppe", status=400)
    assert "The request holds a control character" in html
    assert "Steppe Green Initiative" not in main(html)


def test_a_search_text_too_long_is_said_beside_the_search_box(client, directory):
    q = "Steppe " + "x" * (MAX_QUERY_LENGTH - 6)
    html = page(client, "/directory/?" + urlencode({"q": q}), status=400)
    box = re.search(r'<input type="search" id="directory-q"[^>]*>', html).group()
    assert f'value="{q}"' in box and 'aria-invalid="true"' in box
    assert 'aria-describedby="directory-q-hint directory-q-error"' in box
    error = re.search(
        r'<div class="ecl-feedback-message" id="directory-q-error">.*?</div>', html, re.S
    )
    assert "The search text is too long: use at most 200 characters." in error.group()
    assert "Steppe Green Initiative" not in main(html)  # nothing was searched
    assert f'maxlength="{MAX_QUERY_LENGTH}"' in box
    page(client, "/directory/?" + urlencode({"q": q[:MAX_QUERY_LENGTH]}))


@pytest.mark.parametrize(
    "q", ['"', "*", "NEAR(a b)", "-x", "a AND b", "((", "))", "a:*", "'; --", "%", "\\"]
)
def test_search_syntax_in_the_box_is_just_text(client, directory, q):
    page(client, "/directory/?" + "&".join([f"q={q}"]).replace("%", "%25"))


def test_the_header_has_a_search_box_on_every_page(client, directory):
    for url in ("/", "/working-groups/", "/auth/login", "/directory/?q=steppe"):
        html = page(client, url)
        header = html[html.index("<header") : html.index("</header>")]
        assert (
            '<form class="site-header__search" role="search" method="get" '
            'action="/directory/">' in header
        )
        assert '<label for="site-search"' in header and ">Search</label>" in header


def test_the_csv_download_keeps_the_search(client, directory):
    html = main(page(client, "/directory/?q=steppe&country=KZ"))
    link = re.search(r'href="([^"]+)">Download CSV', html).group(1).replace("&amp;", "&")
    parts = urlsplit(link)
    assert parts.path == "/directory/export.csv"
    assert parse_qs(parts.query) == {"q": ["steppe"], "country": ["KZ"]}


def test_healthz_is_a_bare_answer(client):
    r = client.get("/healthz")
    assert r.status_code == 200 and r.get_data(as_text=True) == "ok"


def add_results(app, n: int, word: str) -> None:
    with app.app_context():
        for i in range(n):
            org = make_org(
                name=f"{word} Network {i:03}",
                country="KZ" if i % 2 else "DE",
                sectors=["energy", "trade"],
                status=VERIFIED,
            )
            db.session.add(
                Contact(organisation_id=org.id, name=f"{word} Person {i:03}", visibility="public")
            )
        db.session.commit()


@pytest.mark.parametrize("signed_in", [False, True])
def test_statements_per_page_do_not_grow_with_the_results(app, client, directory, signed_in):
    app.config["SEARCH_FACET_CACHE_SIZE"] = 0  # count the facets every time
    add_results(app, 3, "Amber")
    add_results(app, 25, "Cobalt")
    if signed_in:
        with app.app_context():
            email = make_user(org=db.session.get(Organisation, directory)).email
        login(client, email)
    counts = {}
    for word, expected in (("amber", 6), ("cobalt", 50)):
        with counting_statements(app) as statements:
            html = page(client, f"/directory/?q={word}&per_page=50")
        assert f"{expected} results" in html
        counts[word] = statements
    assert_same_statements(counts["amber"], counts["cobalt"])


# Visitors' pages are kept until the index changes -------------------------------------------


def test_a_visitor_page_is_kept_and_served_with_one_statement(app, client, directory):
    first = page(client, "/directory/?q=Almaty")
    with counting_statements(app) as statements:
        again = page(client, "/directory/?q=Almaty")
    assert again == first
    assert len(statements) == 1, statements  # the index's generation, nothing else
    assert not reads_the_index(statements[0])
    # The same search with its parameters in another order is the same page.
    page(client, "/directory/?q=Almaty&sort=name")
    with counting_statements(app) as statements:
        page(client, "/directory/?sort=name&q=Almaty")
    assert len(statements) == 1, statements


def test_a_search_text_that_looks_like_parameters_is_not_another_page(client, directory):
    by_name = page(client, "/directory/?q=Almaty&sort=name")
    text_with_parameters = page(client, "/directory/?q=Almaty%26sort%3Dname")
    assert 'value="Almaty&amp;sort=name"' in text_with_parameters
    assert 'value="Almaty&amp;sort=name"' not in by_name


@pytest.mark.parametrize("signed_in", [False, True], ids=["visitor", "signed-in"])
def test_an_edit_is_seen_at_once(app, client, directory, signed_in):
    """By visitors (their kept page) and by signed-in people (the kept results part, under the
    generation read with the person)."""
    if signed_in:
        with app.app_context():
            email = make_user(org=db.session.get(Organisation, directory)).email
        login(client, email)
    assert "Steppe Green Initiative" in main(page(client, "/directory/?q=Almaty"))
    with app.app_context():
        db.session.get(Organisation, directory).name = "Steppe Blue Initiative"
        db.session.commit()
    html = main(page(client, "/directory/?q=Almaty"))
    assert "Steppe Blue Initiative" in html and "Steppe Green Initiative" not in html


def test_a_renamed_working_group_is_seen_at_once_in_the_facets(app, client, directory):
    from eukz_platform.groups.models import WorkingGroup

    def english(group):
        return next(t for t in group.translations if t.locale == "en")

    with app.app_context():
        group = db.session.scalars(db.select(WorkingGroup).order_by(WorkingGroup.priority)).first()
        slug, old = group.slug, english(group).title
    assert old in page(client, f"/directory/?group={slug}")
    with app.app_context():
        group = db.session.scalar(db.select(WorkingGroup).where(WorkingGroup.slug == slug))
        english(group).title = "Renamed group on energy"
        db.session.commit()
    html = page(client, f"/directory/?group={slug}")
    assert "Renamed group on energy" in html and old not in html


def test_a_signed_in_member_never_gets_a_visitors_page(app, client, directory):
    with app.app_context():
        db.session.add(
            Contact(
                organisation_id=directory,
                name="Dana Members-Only",
                role="Treasurer",
                visibility=Visibility.MEMBERS,
            )
        )
        db.session.commit()
        email = make_user(org=db.session.get(Organisation, directory)).email
    assert "Dana Members-Only" not in page(client, "/directory/?q=Steppe")
    login(client, email)
    html = page(client, "/directory/?q=Steppe")
    assert "Dana Members-Only" in html and "Log out" in html
    client.post("/auth/logout")
    assert "Dana Members-Only" not in page(client, "/directory/?q=Steppe")


def test_a_message_waiting_for_a_visitor_is_shown_not_kept(app, client, directory):
    page(client, "/directory/?q=Almaty")
    with client.session_transaction() as s:
        s["_flashes"] = [("info", "A message for this visitor only")]
    assert "A message for this visitor only" in page(client, "/directory/?q=Almaty")
    assert "A message for this visitor only" not in page(client, "/directory/?q=Almaty")


def test_the_page_cache_can_be_turned_off(app, client, directory):
    app.config["DIRECTORY_PAGE_CACHE"] = False
    page(client, "/directory/?q=Almaty")
    with counting_statements(app) as statements:
        page(client, "/directory/?q=Almaty")
    assert any(reads_the_index(statement) for statement in statements)  # searched again


# A signed-in person's page: made for them, around a results part kept for everyone who may see
# the same things --------------------------------------------------------------------------------


def members_only_contact(app, org_id, name="Dana Members-Only"):
    with app.app_context():
        db.session.add(
            Contact(
                organisation_id=org_id, name=name, role="Treasurer", visibility=Visibility.MEMBERS
            )
        )
        db.session.commit()


def test_a_colleague_gets_the_kept_results_in_a_page_of_their_own(app, client, directory):
    members_only_contact(app, directory)
    with app.app_context():
        org = db.session.get(Organisation, directory)
        first = make_user(org=org, full_name="Asel First").email
        second = make_user(org=org, full_name="Bolat Second").email
    login(client, first)
    html = page(client, "/directory/?q=Steppe")
    assert "Dana Members-Only" in html and "Asel First" in html
    client.post("/auth/logout")
    login(client, second)
    with counting_statements(app) as statements:
        html = page(client, "/directory/?q=Steppe")
    assert "Dana Members-Only" in html
    assert "Bolat Second" in html and "Asel First" not in html  # the header is their own
    assert not any(reads_the_index(s) for s in statements), statements  # not searched again


def test_a_signed_in_page_from_kept_results_is_one_statement(app, client, directory):
    """The person is read with the index's generation (auth.sessions.read_with_person)."""
    with app.app_context():
        email = make_user(org=db.session.get(Organisation, directory)).email
    login(client, email)
    page(client, "/directory/?q=Almaty")
    with counting_statements(app) as statements:
        html = page(client, "/directory/?q=Almaty")
    assert "Steppe Green Initiative" in html and "Log out" in html
    assert len(statements) == 1, statements
    assert "generation" in statements[0] and "user_session" in statements[0]


def test_a_signed_in_page_from_kept_results_begins_no_transaction(
    app, client, directory, database_url, monkeypatch
):
    """On PostgreSQL the person is read before any transaction begins
    (database.before_the_transaction): no BEGIN, no ROLLBACK, one round trip."""
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL's: SQLite begins a transaction only to write")
    import psycopg

    with app.app_context():
        email = make_user(org=db.session.get(Organisation, directory)).email
    login(client, email)
    page(client, "/directory/?q=Almaty")
    ended = []

    def counted(name, original):
        def ending(self):
            if self.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                ended.append(name)
            return original(self)

        return ending

    for name in ("commit", "rollback"):
        monkeypatch.setattr(
            psycopg.Connection, name, counted(name, getattr(psycopg.Connection, name))
        )
    html = page(client, "/directory/?q=Almaty")
    assert "Steppe Green Initiative" in html and "Log out" in html
    assert ended == []
    # A page that reads more (a search not kept) begins its transaction as before, and ends it.
    page(client, "/directory/?q=Steppe")
    assert ended == ["rollback"]


def test_kept_results_never_reach_someone_who_may_see_less(app, client, directory):
    members_only_contact(app, directory)
    with app.app_context():
        org = db.session.get(Organisation, directory)
        member = make_user(org=org).email
        # The people of an organisation the secretariat rejected see it; no one else does.
        rejected = make_org(
            name="Steppe Rejected Union", status=OrganisationStatus.REJECTED, city="Almaty"
        )
        outsider = make_user(org=rejected).email
    login(client, member)
    html = text(page(client, "/directory/?q=Steppe"))
    assert "Dana Members-Only" in html and "Steppe Rejected Union" not in html
    client.post("/auth/logout")
    visitor = text(page(client, "/directory/?q=Steppe"))
    assert "Dana Members-Only" not in visitor and "Steppe Rejected Union" not in visitor
    login(client, outsider)
    html = text(page(client, "/directory/?q=Steppe"))
    assert "Steppe Rejected Union" in html and "Dana Members-Only" not in html
    client.post("/auth/logout")
    login(client, member)
    assert "Steppe Rejected Union" not in text(page(client, "/directory/?q=Steppe"))


def test_kept_results_follow_the_index_and_the_language(app, client, directory):
    with app.app_context():
        email = make_user(org=db.session.get(Organisation, directory)).email
    login(client, email)
    assert "Steppe Green Initiative" in page(client, "/directory/?q=Almaty")
    with app.app_context():
        db.session.get(Organisation, directory).name = "Steppe Blue Initiative"
        db.session.commit()
    html = main(page(client, "/directory/?q=Almaty"))
    assert "Steppe Blue Initiative" in html and "Steppe Green Initiative" not in html
    client.get("/language/ru?next=/directory/")
    heading = re.search(r'id="results-heading">([^<]+)<', page(client, "/directory/?q=Almaty"))
    assert "результат" in heading.group(1)


def test_a_person_moved_to_another_organisation_gets_its_view_at_once(app, client, directory):
    with app.app_context():
        other = make_org(name="Steppe Water Union", country="KZ", city="Almaty", status=VERIFIED)
        for org_id, name in ((directory, "Dana Private"), (other.id, "Erlan Private")):
            db.session.add(
                Contact(
                    organisation_id=org_id,
                    name=f"{name} Steppe",
                    role="Treasurer",
                    visibility=Visibility.PRIVATE,
                )
            )
        db.session.commit()
        person = make_user(org=db.session.get(Organisation, directory))
        email, person_id, other_id = person.email, person.id, other.id
    login(client, email)
    html = text(page(client, "/directory/?q=Steppe"))
    assert "Dana Private" in html and "Erlan Private" not in html
    with app.app_context():
        db.session.get(User, person_id).organisation_id = other_id
        db.session.commit()
    html = text(page(client, "/directory/?q=Steppe"))
    assert "Erlan Private" in html and "Dana Private" not in html
