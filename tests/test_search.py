"""The search service, one suite for both engines (SQLite FTS5 and PostgreSQL full text).

Every test runs on SQLite and, when TEST_DATABASE_URL is set, on PostgreSQL: for the same exact
or prefix query both must find the same records.
"""

from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select, text
from sqlalchemy import event as sa_event

from eukz_platform import demo_data
from eukz_platform.auth.models import Role
from eukz_platform.contacts.models import Contact, Visibility
from eukz_platform.core.models import Organisation, OrganisationName
from eukz_platform.core.vocabulary import OrganisationStatus
from eukz_platform.database import utcnow
from eukz_platform.extensions import db
from eukz_platform.groups.models import Membership, MembershipStatus, WorkingGroup
from eukz_platform.search import (
    COUNT_CAP,
    MAX_QUERY_LENGTH,
    BadQuery,
    QueryTooLong,
    SearchQuery,
    search,
    service,
)
from eukz_platform.search import generation as search_generation
from eukz_platform.search.highlights import Marker
from eukz_platform.search.models import SearchDocument
from eukz_platform.search.terms import parse_terms
from eukz_platform.seeding import ensure_groups_and_contacts

from .factories import make_org, make_user

VERIFIED, PENDING = OrganisationStatus.VERIFIED, OrganisationStatus.PENDING
REJECTED, SUSPENDED = OrganisationStatus.REJECTED, OrganisationStatus.SUSPENDED


def find(q: str = "", viewer=None, **values):
    return search(SearchQuery(q=q, **values), viewer)


def names(result) -> set[str]:
    return {hit.obj.name for hit in result.items}


def matched(result) -> set[str]:
    """The names matched as written or as a prefix (close names may be shown instead of
    nothing, which the result says)."""
    return set() if result.close_matches else names(result)


def add_contact(org, name, visibility=Visibility.MEMBERS, **values) -> Contact:
    contact = Contact(
        organisation_id=org.id if org else None,
        organisation_name=None if org else "EESC",
        name=name,
        visibility=visibility,
        **values,
    )
    db.session.add(contact)
    db.session.commit()
    return contact


def join(org, slug, status=MembershipStatus.ACTIVE) -> Membership:
    group = db.session.scalar(select(WorkingGroup).where(WorkingGroup.slug == slug))
    membership = Membership(organisation_id=org.id, group_id=group.id, status=status)
    db.session.add(membership)
    db.session.commit()
    return membership


@pytest.fixture
def directory(ctx):
    """Organisations written in three scripts, of every status, with contacts."""
    ensure_groups_and_contacts()
    steppe = make_org(
        name="Steppe Green Initiative",
        acronym="SGI",
        country="KZ",
        city="Almaty",
        description="Environmental education in the steppe.",
        sectors=["environment"],
        status=VERIFIED,
    )
    union = make_org(
        name="Союз энергетиков",
        country="KZ",
        city="Алматы",
        type="trade_union",
        eesc_group="II",
        description="Профсоюз работников энергетики.",
        sectors=["energy", "labour_and_social_dialogue"],
        status=VERIFIED,
    )
    verein = make_org(
        name="Energiewende Verein",
        country="DE",
        city="Berlin",
        description="Bürgerenergie für alle.",
        sectors=["energy"],
        status=VERIFIED,
    )
    # Awaiting verification: shown to platform members, not to visitors.
    pending = make_org(
        name="Caspian Pending Network",
        country="AZ",
        city="Baku",
        sectors=["energy"],
        status=PENDING,
    )
    youth = make_org(
        name="Қарағанды жастары",
        country="KZ",
        city="Қарағанды",
        eesc_group="III",
        sectors=["education_and_youth"],
        status=VERIFIED,
    )
    rejected = make_org(name="Rejected Harbour Union", country="FR", city="Lyon", status=REJECTED)
    add_contact(steppe, "Aigerim Seitkali", Visibility.MEMBERS, role="Director")
    add_contact(union, "Dana Private", Visibility.PRIVATE, role="Treasurer")
    add_contact(union, "Erlan Public", Visibility.PUBLIC, role="Press officer")
    add_contact(rejected, "Harbour Public", Visibility.PUBLIC)
    return {
        "steppe": steppe,
        "union": union,
        "verein": verein,
        "pending": pending,
        "youth": youth,
        "rejected": rejected,
    }


# Matching -----------------------------------------------------------------------------------

SAME_RECORDS = [
    ("Almaty", {"Steppe Green Initiative", "Союз энергетиков"}),
    ("Алматы", {"Steppe Green Initiative", "Союз энергетиков"}),
    ("almaty steppe", {"Steppe Green Initiative"}),
    ("Karaganda", {"Қарағанды жастары"}),
    ("Qaraghandy", {"Қарағанды жастары"}),
    ("Караганда", {"Қарағанды жастары"}),
    ("Kazakhstan", {"Steppe Green Initiative", "Союз энергетиков", "Қарағанды жастары"}),
    ("Қазақстан", {"Steppe Green Initiative", "Союз энергетиков", "Қарағанды жастары"}),
    ("Казахстан", {"Steppe Green Initiative", "Союз энергетиков", "Қарағанды жастары"}),
    ("Germany", {"Energiewende Verein"}),
    ("Германия", {"Energiewende Verein"}),
    # A contact is found by its organisation's name too.
    ("energ", {"Союз энергетиков", "Energiewende Verein", "Erlan Public"}),
    ("энерг", {"Союз энергетиков", "Energiewende Verein", "Erlan Public"}),
    ("energy", {"Союз энергетиков", "Energiewende Verein"}),
    ("SGI", {"Steppe Green Initiative"}),
    ("sgi", {"Steppe Green Initiative"}),
    ("steppe.", {"Steppe Green Initiative"}),
    ("ENVIRONMENT", {"Steppe Green Initiative"}),
    ("buergerenergie", set()),
    ("burgerenergie", {"Energiewende Verein"}),
    ("zhastary", {"Қарағанды жастары"}),
    ("Seitkali", set()),  # a contact for platform members only
    ("press officer", {"Erlan Public", "Millie Tsoumani"}),
    ("tsoumani", {"Millie Tsoumani"}),
    ("Lyon", set()),  # the rejected organisation is not listed
    ("nothing like this", set()),
]


@pytest.mark.parametrize(("q", "expected"), SAME_RECORDS)
def test_the_same_records_for_the_same_exact_or_prefix_query(directory, q, expected):
    assert matched(find(q)) == expected


def test_prefix_matching_needs_three_letters(directory):
    assert names(find("ene")) == {"Союз энергетиков", "Energiewende Verein", "Erlan Public"}
    assert matched(find("en")) == set()
    # Only the last word is a prefix; the others are whole words.
    assert matched(find("ener union")) == set()


def test_other_names_are_searchable_and_follow_their_changes(directory):
    steppe = directory["steppe"]
    steppe.other_names.append(OrganisationName(name="Жасыл Дала бастамасы", language="kk"))
    db.session.commit()
    result = find("Zhasyl Dala")
    assert names(result) == {"Steppe Green Initiative"}
    assert "<mark>Жасыл</mark> <mark>Дала</mark>" in result.items[0].highlights["other_names"]
    steppe.other_names.clear()
    db.session.commit()
    assert names(find("Zhasyl Dala")) == set()


def test_matched_words_are_highlighted_and_escaped(directory):
    org = make_org(
        name='The "Quoted" <Union> of Almaty', country="KZ", city="Алма-Ата", status=VERIFIED
    )
    hit = next(h for h in find("Almaty").items if h.id == org.id)
    assert hit.highlights["name"] == ("The &#34;Quoted&#34; &lt;Union&gt; of <mark>Almaty</mark>")
    assert hit.highlights["city"] == "<mark>Алма</mark>-<mark>Ата</mark>"
    hit = next(h for h in find("энерг").items if h.obj.name == "Союз энергетиков")
    assert hit.highlights["name"] == "Союз <mark>энергетиков</mark>"


@pytest.mark.parametrize(
    ("q", "text", "expected"),
    [
        # An invisible character inside a word: one word, as the index reads it.
        ("almaty", "Ал\u200bматы", "<mark>Ал\u200bматы</mark>"),
        ("almaty", "Alma\u00adty & Co", "<mark>Alma\u00adty</mark> &amp; Co"),
        # A name's other form of two words, in another script than the search text.
        ("almaty", "Фонд «Алма-Ата»", "Фонд «<mark>Алма</mark>-<mark>Ата</mark>»"),
        ("energ", "Қазақстан энергетика", "Қазақстан <mark>энергетика</mark>"),
        ("kazakhstan", 'Қазақстан <b>"', "<mark>Қазақстан</mark> &lt;b&gt;&#34;"),
        ("qazaqstan", "Kazakhstan", "<mark>Kazakhstan</mark>"),
        ("almaty", "Astana, Алтай, Алма", "Astana, Алтай, Алма"),
        (
            "zhasyl dala",
            "«Жасыл» Дала, Zhasyl",
            "«<mark>Жасыл</mark>» <mark>Дала</mark>, <mark>Zhasyl</mark>",
        ),
    ],
)
def test_highlights_mark_the_words_matched_in_every_script(q, text, expected):
    assert Marker(parse_terms(q)).mark(text) == expected


def test_relevance_puts_name_matches_first(directory):
    make_org(name="Almaty Youth Forum", country="KZ", city="Astana", status=VERIFIED)
    result = find("almaty")
    assert result.items[0].obj.name == "Almaty Youth Forum"
    assert len(result.items) == 3


# Visibility ---------------------------------------------------------------------------------


def test_visitors_see_verified_organisations_and_public_contacts(directory):
    result = find("")
    assert names(result) == {
        "Steppe Green Initiative",
        "Союз энергетиков",
        "Energiewende Verein",
        "Қарағанды жастары",
        "Erlan Public",
        "Millie Tsoumani",
        "Daniele Vitali",
    }
    assert result.total == 7 and not result.total_is_lower_bound
    assert names(find("caspian")) == set()


def test_members_of_verified_organisations_also_see_those_awaiting_verification(directory):
    member = make_user(org=directory["steppe"])
    assert names(find("caspian", member)) == {"Caspian Pending Network"}
    assert find("", member).total == 9  # and a contact for members
    assert names(find("caspian", make_user(role=Role.SECRETARIAT))) == {"Caspian Pending Network"}
    assert names(find("caspian", make_user(org=directory["pending"]))) == {
        "Caspian Pending Network"
    }
    other_pending = make_user(org=make_org(status=PENDING))
    assert names(find("caspian", other_pending)) == set()


def test_members_see_members_contacts_and_their_own_private_ones(directory):
    member = make_user(org=directory["steppe"])
    assert "Aigerim Seitkali" in names(find("", member))
    assert "Dana Private" not in names(find("", member))
    union_member = make_user(org=directory["union"])
    assert {"Aigerim Seitkali", "Dana Private"} <= names(find("", union_member))


def test_users_of_an_organisation_awaiting_verification_see_what_visitors_see(directory):
    pending_user = make_user(org=directory["pending"])
    assert "Aigerim Seitkali" not in names(find("", pending_user))


def test_what_a_person_sees_follows_their_organisations_status_at_once(directory):
    # What a viewer may see is worked out once per process for each viewer signature: a
    # change of their organisation's status must change it with their very next search.
    person = make_user(org=directory["pending"])
    assert "Aigerim Seitkali" not in names(find("", person))
    directory["pending"].status = VERIFIED
    db.session.commit()
    assert "Aigerim Seitkali" in names(find("", person))
    directory["pending"].status = SUSPENDED
    db.session.commit()
    assert "Aigerim Seitkali" not in names(find("", person))
    assert names(find("caspian", person)) == {"Caspian Pending Network"}  # their own still


def test_rejected_organisations_and_their_contacts_stay_hidden(directory):
    assert names(find("harbour")) == set()
    own = make_user(org=directory["rejected"])
    assert names(find("harbour", own)) == {"Rejected Harbour Union", "Harbour Public"}
    staff = make_user(role=Role.SECRETARIAT)
    assert names(find("harbour", staff)) == {"Rejected Harbour Union", "Harbour Public"}
    assert {"Dana Private", "Aigerim Seitkali"} <= names(find("", staff, per_page=100))


# Facets, filters, order, pages --------------------------------------------------------------


def test_facets_count_what_the_viewer_may_see(directory):
    facets = find("").facets
    assert dict(facets["kind"]) == {"organisation": 4, "contact": 3}
    assert dict(facets["country"]) == {"KZ": 4, "DE": 1}  # 3 organisations and a contact
    assert dict(facets["side"]) == {"kz": 4, "eu": 1}
    assert dict(facets["sector"]) == {
        "energy": 2,
        "environment": 1,
        "labour_and_social_dialogue": 1,
        "education_and_youth": 1,
    }
    assert dict(facets["verified"]) == {"true": 5}
    # A member also counts the organisation awaiting verification (and a contact for members).
    member_facets = find("", make_user(org=directory["youth"])).facets
    assert dict(member_facets["verified"]) == {"true": 6, "false": 1}
    assert dict(member_facets["country"]) == {"KZ": 5, "DE": 1, "AZ": 1}
    # A contact takes its organisation's facets; the EESC's people have none.
    assert dict(facets["eesc_group"]) == {"none": 2, "II": 2, "III": 1}


def test_each_facet_is_counted_without_its_own_filter(directory):
    result = find("", countries=["KZ"])
    assert result.total == 4
    assert dict(result.facets["country"]) == {"KZ": 4, "DE": 1}
    assert dict(result.facets["kind"]) == {"organisation": 3, "contact": 1}
    result = find("", countries=["KZ"], kinds=["organisation"])
    assert result.total == 3
    assert dict(result.facets["kind"]) == {"organisation": 3, "contact": 1}
    assert dict(result.facets["country"]) == {"KZ": 3, "DE": 1}


def test_filters_combine(directory):
    assert names(find("", sectors=["energy"])) == {"Союз энергетиков", "Energiewende Verein"}
    assert names(find("", sectors=["energy"], verified=True)) == {
        "Союз энергетиков",
        "Energiewende Verein",
    }
    member = make_user(org=directory["youth"])
    assert names(find("", member, sectors=["energy"], verified=False)) == {
        "Caspian Pending Network"
    }
    assert names(find("", sectors=["energy"], verified=False)) == set()
    assert names(find("", kinds=["contact"], countries=["KZ"])) == {"Erlan Public"}
    assert names(find("", sides=["eu"])) == {"Energiewende Verein"}
    assert names(find("", types=["trade_union"])) == {"Союз энергетиков", "Erlan Public"}
    assert names(find("", eesc_groups=["III"])) == {"Қарағанды жастары"}
    assert names(find("energ", countries=["DE"])) == {"Energiewende Verein"}
    empty = find("energ", countries=["FR"])
    assert empty.total == 0 and empty.items == []
    assert dict(empty.facets["country"]) == {"KZ": 2, "DE": 1, "FR": 0}


def test_working_group_facet_counts_active_memberships(directory):
    join(directory["steppe"], "erasmus")
    join(directory["union"], "erasmus", MembershipStatus.PENDING)
    result = find("")
    assert dict(result.facets["group"]) == {"erasmus": 1}
    assert "Educational opportunities" in result.facet_labels["group"]["erasmus"]
    assert names(find("", groups=["erasmus"])) == {"Steppe Green Initiative"}
    membership = db.session.scalar(select(Membership).where(Membership.status == "pending"))
    membership.status = MembershipStatus.ACTIVE
    db.session.commit()
    assert names(find("", groups=["erasmus"])) == {"Steppe Green Initiative", "Союз энергетиков"}


def test_sort_by_name_and_newest(directory):
    orgs = dict(kinds=["organisation"])
    assert [h.obj.name for h in find("", sort="name", **orgs).items] == [
        "Energiewende Verein",
        "Қарағанды жастары",  # karaganda zhastari
        "Союз энергетиков",  # soiuz energetikov
        "Steppe Green Initiative",
    ]
    youth = directory["youth"]
    youth.created_at = utcnow() + timedelta(days=1)
    db.session.commit()
    assert find("", sort="newest", **orgs).items[0].obj.name == "Қарағанды жастары"
    assert find("energ", sort="name").items[0].obj.name == "Energiewende Verein"


def test_pages_split_the_results_without_overlap(directory):
    pages = [find("", per_page=3, page=p) for p in (1, 2, 3)]
    seen = [hit.obj.name for result in pages for hit in result.items]
    assert len(seen) == 7 and len(set(seen)) == 7
    assert all(result.total == 7 for result in pages)
    assert find("", per_page=3, page=4).items == []


@pytest.mark.parametrize(
    "values",
    [
        {"sort": "popular"},
        {"countries": ["XX"]},
        {"kinds": ["person"]},
        {"sectors": ["space"]},
        {"groups": ["no-such-group"]},
        {"groups": ["Not a slug!"]},
        {"page": 0},
        {"per_page": 101},
        {"page": 10_000},
        {"q": "x" * 10_000},
    ],
)
def test_bad_values_are_refused(directory, values):
    with pytest.raises(BadQuery):
        find(**values)


NASTY = [
    ('"', None),
    ('"unbalanced', set()),
    ("*", None),
    ("steppe*", {"Steppe Green Initiative"}),
    ("NEAR(steppe green)", set()),  # three words: "near" is one of them
    ("steppe NEAR green", set()),
    ("-steppe", {"Steppe Green Initiative"}),
    ("steppe -green", {"Steppe Green Initiative"}),
    ("steppe AND green", set()),  # "and" is a word like any other
    ("steppe OR nothing", set()),
    ("NOT steppe", set()),
    ("(steppe", {"Steppe Green Initiative"}),
    ("steppe)", {"Steppe Green Initiative"}),
    ("((()))", None),
    ("{name_text}: steppe", set()),
    ("name_text:steppe", set()),
    ("steppe:*", {"Steppe Green Initiative"}),
    ("'; DROP TABLE organisation; --", set()),
    ("steppe & green | !x <-> y", set()),
    ("steppe & green", {"Steppe Green Initiative"}),
    ("\\", None),
    ("%_%", None),
    ("\x00steppe", {"Steppe Green Initiative"}),
    ("🌿 steppe", {"Steppe Green Initiative"}),
    ("x" * MAX_QUERY_LENGTH, set()),
    ("word " * (MAX_QUERY_LENGTH // 5), set()),
]


@pytest.mark.parametrize(("q", "expected"), NASTY)
def test_search_syntax_never_reaches_the_engine(directory, q, expected):
    result = find(q)
    if expected is None:  # nothing to search for: the whole directory
        assert result.total == 7
    else:
        assert matched(result) == expected
    assert db.session.scalar(select(func.count()).select_from(Organisation)) == 6


# The index follows every write --------------------------------------------------------------


def test_the_index_follows_creation_edits_and_deletion(directory):
    org = make_org(name="Caspian Water Network", country="KZ", city="Aktau", status=VERIFIED)
    assert names(find("caspian")) == {"Caspian Water Network"}
    org.name = "Aral Sea Network"
    org.city = "Aralsk"
    db.session.commit()
    assert names(find("caspian")) == set()
    assert names(find("aral sea")) == {"Aral Sea Network"}
    add_contact(org, "Bolat Aral", Visibility.PUBLIC)
    assert names(find("aral")) == {"Aral Sea Network", "Bolat Aral"}
    db.session.delete(org)
    db.session.commit()
    assert names(find("aral")) == set()
    assert db.session.scalar(select(func.count()).select_from(SearchDocument)) == 12


def test_a_status_change_hides_the_organisation_and_its_contacts(directory):
    union = directory["union"]
    assert "Erlan Public" in names(find("erlan"))
    union.status = SUSPENDED
    db.session.commit()
    assert names(find("erlan")) == set()
    assert names(find("союз")) == set()
    union.status = VERIFIED
    db.session.commit()
    assert names(find("союз")) == {"Союз энергетиков", "Erlan Public"}


def test_a_contact_follows_its_organisation_s_name(directory):
    union = directory["union"]
    union.name = "Профсоюз энергетиков Алматы"
    db.session.commit()
    assert "Erlan Public" in names(find("профсоюз"))


def test_a_visibility_change_shows_or_hides_the_contact(directory):
    contact = db.session.scalar(select(Contact).where(Contact.name == "Aigerim Seitkali"))
    assert names(find("aigerim")) == set()
    contact.visibility = Visibility.PUBLIC
    db.session.commit()
    assert names(find("aigerim")) == {"Aigerim Seitkali"}
    db.session.delete(contact)
    db.session.commit()
    assert names(find("aigerim")) == set()


def test_a_rolled_back_change_leaves_the_index_as_it_was(directory):
    org = directory["steppe"]
    org.name = "Renamed Then Undone"
    db.session.flush()
    db.session.rollback()
    assert names(find("undone")) == set()
    assert names(find("steppe")) == {"Steppe Green Initiative"}


def test_contacts_added_in_bulk_are_indexed_at_commit(directory):
    from sqlalchemy import insert

    now = utcnow()
    db.session.execute(
        insert(Contact),
        [
            {
                "name": "Bulk Person One",
                "visibility": "public",
                "created_at": now,
                "updated_at": now,
                "organisation_name": "EESC",
            },
            {
                "name": "Bulk Person Two",
                "visibility": "public",
                "created_at": now,
                "updated_at": now,
                "organisation_name": "EESC",
            },
        ],
    )
    db.session.commit()
    assert names(find("bulk person")) == {"Bulk Person One", "Bulk Person Two"}


def test_reindex_rebuilds_the_index(app, directory, runner):
    db.session.execute(delete(SearchDocument))
    db.session.commit()
    assert names(find("steppe")) == set()
    result = runner.invoke(args=["reindex"])
    assert result.exit_code == 0, result.output
    assert "reindex: 12 documents" in result.output
    db.session.expire_all()
    assert names(find("steppe")) == {"Steppe Green Initiative"}
    assert names(find("Qaraghandy")) == {"Қарағанды жастары"}


# Many records -------------------------------------------------------------------------------


def test_broad_searches_count_up_to_a_cap_and_rank_names_first(ctx):
    ensure_groups_and_contacts()
    conn = db.session.connection()
    demo_data.load(conn, 3000, seed=11)
    db.session.commit()
    named = {"Kazakhstan Youth Network", "Қазақстан жастары", "Союз молодёжи Казахстана"}
    for name in named:
        make_org(name=name, country="KZ", status=VERIFIED)
    visible = db.session.execute(
        text(
            "SELECT count(*) FROM search_document WHERE kind = 'organisation' "
            "AND org_status = 'verified' AND org_confirmation <> 'hidden' "
            "AND (' ' || name_text || ' ' || body_text) LIKE '% kazakstan%'"
        )
    ).scalar()
    assert visible > COUNT_CAP
    quick = find("Kazakhstan", kinds=["organisation"], with_facets=False)
    assert quick.total == COUNT_CAP and quick.total_is_lower_bound
    # Broad: the organisations whose names match come first.
    assert {h.obj.name for h in quick.items[:3]} == named
    full = find("Kazakhstan", kinds=["organisation"])
    assert full.total == visible and not full.total_is_lower_bound
    assert sum(count for _value, count in full.facets["verified"]) == visible
    page_two = find("Kazakhstan", kinds=["organisation"], page=2, with_facets=False)
    assert len(page_two.items) == 20
    assert not {h.id for h in page_two.items} & {h.id for h in quick.items}
    # Every match can be paged through (the read API and the exports go beyond 1,000), each
    # once, the ranked ones first.
    seen = []
    for number in range(1, -(-visible // 100) + 1):
        seen += [
            h.id
            for h in find(
                "Kazakhstan", kinds=["organisation"], page=number, per_page=100, with_facets=False
            ).items
        ]
    assert len(seen) == len(set(seen)) == visible
    assert seen[:20] == [h.id for h in quick.items]


def _shown(result) -> tuple:
    return (
        [(hit.kind, hit.id) for hit in result.items],
        result.total,
        result.total_is_lower_bound,
        result.facets,
    )


@pytest.mark.parametrize(
    "values",
    [
        {"q": "almaty"},
        {"q": "", "countries": ["KZ"]},
        {"q": "ener", "sort": "name"},
        {"q": "", "kinds": ["contact"]},
    ],
)
def test_a_search_whose_facet_counts_are_kept_is_not_counted_again(directory, monkeypatch, values):
    ranked = SearchQuery(**values).sort == "relevance" and values["q"]
    member = make_user(org=directory["youth"])
    statements = []

    def seen(_conn, _cursor, statement, *_args):
        if not statement.startswith("PREPARE"):  # PostgreSQL: a new statement, then run
            statements.append(statement)

    shapes = []
    hits = service._hits
    monkeypatch.setattr(service, "_hits", lambda shape: shapes.append(shape) or hits(shape))
    sa_event.listen(db.engine, "before_cursor_execute", seen)
    try:
        for viewer in (None, member):
            first = find(viewer=viewer, **values)
            statements.clear()
            again = find(viewer=viewer, **values)
            assert _shown(again) == _shown(first)
            # One statement, the page's, with the count kept beside the facets as a value (the
            # index's generation, which names what is kept, is read once a request). A ranked
            # search on PostgreSQL counts the matches it ranks anyway.
            counts_apart = db.engine.dialect.name == "sqlite" or not ranked
            assert len(statements) == 1
            assert shapes[-1].counted is counts_apart
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", seen)


def test_a_count_kept_before_the_index_changed_is_counted_again(directory, monkeypatch):
    query = SearchQuery(q="", countries=["KZ"])
    before = search(query, None)
    generation = search_generation()
    make_org(name="Aral Sea Fishers", country="KZ", status=VERIFIED)
    # As read with the person at the start of a request, before another changed the index.
    monkeypatch.setattr(service, "search_generation", lambda: generation)
    after = search(query, None)
    assert after.total == before.total + 1
    assert "Aral Sea Fishers" in names(after)
    assert dict(after.facets["country"])["KZ"] == dict(before.facets["country"])["KZ"] + 1


def test_very_broad_searches_count_facets_over_their_first_matches(app, directory):
    app.config["SEARCH_FACET_SAMPLE"] = 3
    result = find("")
    assert result.facets_are_lower_bounds and not result.total_is_lower_bound
    assert result.total == 7  # counted up to 1,000 all the same
    assert sum(count for _value, count in result.facets["kind"]) == 4
    narrow = find("steppe")
    assert not narrow.facets_are_lower_bounds
    assert dict(narrow.facets["kind"]) == {"organisation": 1}


def test_close_misspellings_on_both_engines(directory):
    result = find("Initiatve")
    assert names(result) == {"Steppe Green Initiative"} and result.close_matches
    # Two misspelt words: a name holding a word close to each.
    result = find("Stepe Initiatve")
    assert names(result) == {"Steppe Green Initiative"} and result.close_matches
    # Nothing close: nothing found, and no close names said.
    result = find("Qwertyuiop")
    assert names(result) == set() and not result.close_matches


def test_close_names_are_ranked_among_the_first_few_met(app, directory):
    """However many names come close, the close-name pass ranks at most
    SEARCH_CLOSE_CANDIDATES of them, and says there are more."""
    for n in range(3):
        make_org(name=f"Caspian Initiative {n}", status=VERIFIED)
    app.config["SEARCH_CLOSE_CANDIDATES"] = 2
    result = find("Initiatve")
    assert result.close_matches and len(result.items) == 2
    assert result.total == 2 and result.total_is_lower_bound
    assert find("Initiatve", page=2).items == []


def test_close_names_respect_visibility(app, directory):
    """A close name of an organisation the viewer may not see is not offered."""
    make_org(name="Hidden Energy Union", status=OrganisationStatus.REJECTED)
    assert "Hidden Energy Union" not in names(find("Enrgy"))


@pytest.mark.parametrize("language", ["en", "ru", "kk"])
def test_a_misspelt_search_shows_close_names_in_the_directory(app, client, language):
    with app.app_context():
        make_org(name="Caspian Energy Forum", status=VERIFIED)
    html = client.get("/directory/?q=enrgy", headers={"Accept-Language": language}).get_data(
        as_text=True
    )
    assert "Caspian Energy Forum" in html
    notice = {
        "en": "Nothing matches “enrgy” as written; these names are close to it.",
        "ru": "Точных совпадений с «enrgy» нет; вот близкие к нему названия.",
        "kk": "«enrgy» жазылған күйінде сәйкестік жоқ; мына атаулар соған жақын.",
    }[language]
    assert notice in html and 'class="ecl-notification ecl-notification--info"' in html


@pytest.mark.parametrize(
    ("q", "compared"),
    [
        ("Initiatve", "initiatve"),
        ("Steppe Grean Initiatve", "steppe grean initiatve"),
        ("Steppe Grean Initiatve Almaty Forum", "steppe grean initiatve"),  # three words
        ("EU Steppe of Almaty", "steppe almati"),  # words of four letters or more
        ("al", ""),  # too short to be told from other words
        ("x" * 25, ""),  # longer than names' words
        ("Steppe " + "x" * 25 + " Grean", "steppe grean"),
    ],
)
def test_the_close_name_pass_looks_for_a_few_words_of_names_length(q, compared):
    from eukz_platform.search.service import close_text, parse_terms

    assert close_text(parse_terms(q)) == compared


def test_a_search_text_longer_than_the_limit_is_refused(directory):
    with pytest.raises(QueryTooLong):
        find("steppe " + "x" * MAX_QUERY_LENGTH)
    assert matched(find("steppe " + "x" * (MAX_QUERY_LENGTH - 7))) == set()


# Prefixes and prepared statements -------------------------------------------------------------


@pytest.mark.parametrize("most", [64, 2, 0])
def test_a_prefix_finds_the_same_records_expanded_into_words_or_not(directory, monkeypatch, most):
    """Up to PREFIX_TERMS words of the index start with it: searched as those words; more:
    searched as a prefix. Either way the same records."""
    from eukz_platform.search import engines

    monkeypatch.setattr(engines.Engine, "PREFIX_TERMS", most)
    assert matched(find("energ")) == {"Союз энергетиков", "Energiewende Verein", "Erlan Public"}
    assert matched(find("almaty ste")) == {"Steppe Green Initiative"}
    assert matched(find("steppe zzzq")) == set()


def test_a_new_word_is_found_by_its_prefix_at_once_and_after_reindex(app, directory, runner):
    make_org(name="Xylophonists Guild", country="AT", status=VERIFIED)
    assert matched(find("xylophoni")) == {"Xylophonists Guild"}
    assert runner.invoke(args=["reindex"]).exit_code == 0
    db.session.remove()
    assert matched(find("xylophoni")) == {"Xylophonists Guild"}


def _statements_of(search_call) -> list[str]:
    from flask import current_app

    from .sql import counting_statements

    with counting_statements(current_app) as statements:
        search_call()
    return statements


def test_postgresql_prepares_a_search_statement_once_per_connection(directory):
    if db.session.get_bind().dialect.name != "postgresql":
        pytest.skip("SQLite plans its statements itself: nothing to prepare")
    first = _statements_of(lambda: find("almaty", with_facets=False))
    again = _statements_of(lambda: find("steppe", with_facets=False))
    assert [s.split()[0] for s in first] == ["PREPARE", "EXECUTE"]
    assert [s.split()[0] for s in again] == ["EXECUTE"]
    db.session.rollback()  # as at the end of every request: the statement is kept
    after = _statements_of(lambda: find("%' almaty ste\\", with_facets=False))
    assert [s.split()[0] for s in after] == ["EXECUTE"]
    assert matched(find("%' almaty ste\\")) == {"Steppe Green Initiative"}


def _only_on_postgresql() -> None:
    if db.session.get_bind().dialect.name != "postgresql":
        pytest.skip("SQLite plans its statements itself: nothing is prepared")


def test_beyond_the_prepared_statements_kept_the_least_recently_used_goes(directory, monkeypatch):
    _only_on_postgresql()
    from eukz_platform import database

    monkeypatch.setattr(database, "MAX_PREPARED", 1)
    find("energ", with_facets=False)
    statements = _statements_of(lambda: find("energ", sort="name", with_facets=False))
    assert [s.split()[0] for s in statements] == ["DEALLOCATE", "PREPARE", "EXECUTE"]
    kept = db.session.scalars(text("SELECT name FROM pg_prepared_statements")).all()
    assert len(kept) == 1
    assert matched(find("energ")) == {"Союз энергетиков", "Energiewende Verein", "Erlan Public"}


def _prepared_statements() -> dict[str, int]:
    """Search statements this connection prepared: name -> times run (generic plans)."""
    rows = db.session.execute(
        text(
            "SELECT name, generic_plans FROM pg_prepared_statements "
            "WHERE name LIKE 'eukz_%' ORDER BY name"
        )
    )
    return dict(rows.all())


def test_a_hundred_viewers_of_a_hundred_organisations_share_the_same_statements(directory):
    """The statement's text does not depend on who asks: the viewer's organisation is a
    parameter, so one organisation's people and another's run the same prepared statements."""
    _only_on_postgresql()
    from eukz_platform.auth.models import User

    first = make_user(org=make_org(name="Almaty Viewers 0", country="KZ", status=VERIFIED))
    orgs = [
        Organisation(
            name=f"Almaty Viewers {i}", country="KZ", type="ngo", eesc_group="none", status=VERIFIED
        )
        for i in range(1, 100)
    ]
    db.session.add_all(orgs)
    db.session.flush()
    viewers = [first] + [
        User(
            email=f"viewer{org.id}@example.org",
            full_name=f"Viewer {org.id}",
            role=Role.MEMBER,
            organisation_id=org.id,
            email_confirmed_at=utcnow(),
            password_hash=first.password_hash,
        )
        for org in orgs
    ]
    db.session.add_all(viewers[1:])
    db.session.commit()
    assert len({viewer.organisation_id for viewer in viewers}) == 100
    db.session.execute(text("DEALLOCATE ALL"))
    db.session.connection().info.pop("eukz_prepared_statements", None)

    totals = {find("almaty", viewer).total for viewer in viewers}
    prepared = _prepared_statements()
    assert len(totals) == 1 and totals.pop() > 100  # the hundred, and the directory's
    # The hits statement and the facets statement, each prepared once and run 100 times.
    assert len(prepared) == 2, prepared
    assert sorted(prepared.values()) == [100, 100], prepared
