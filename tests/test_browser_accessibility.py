"""Every page type in real Chromium, for each role and language: axe-core finds no WCAG 2.x A
or AA fault at 1280 and at 320 pixels, no page scrolls sideways at 320 pixels (WCAG 1.4.10,
with a 200-character unbroken organisation name in the data), and screenshots of the main pages
at 1280 and 360 pixels are written to screenshots/ for a person to look at."""

from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from eukz_platform.auth.models import Role
from eukz_platform.contacts.models import Contact, Visibility
from eukz_platform.database import utcnow
from eukz_platform.extensions import db
from eukz_platform.groups.models import WorkingGroup
from eukz_platform.outputs.models import (
    JointOutput,
    OutputEndorsement,
    OutputKind,
    OutputParagraph,
    OutputSignoff,
    OutputState,
    OutputTransition,
)
from eukz_platform.seeding import ensure_groups_and_contacts

from .browser import CHROMIUM, live_server, needs_chromium  # noqa: F401 - fixtures
from .factories import PASSWORD, make_org, make_user
from .test_groups_support import VERIFIED, add_member, make_coordinator, make_meeting

pytestmark = needs_chromium

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
SCREENSHOTS = Path(__file__).resolve().parent.parent / "screenshots"
LANGUAGES = ("en", "ru", "kk")
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
# A name with no space to break at: it must wrap, not widen the page.
LONG_NAME = ("Qazaqstan" + "EuropeanCivilSocietyNetwork" * 8)[:200]
LONG_URL = "https://" + "very-long-subdomain-of-the-association" * 5 + ".kz/about/us"


@dataclass
class Site:
    """The test data's addresses, per role."""

    pages: dict[str, list[str]] = field(default_factory=dict)
    screenshots: dict[str, list[str]] = field(default_factory=dict)
    logins: dict[str, str | None] = field(default_factory=dict)


def build_site() -> Site:
    """Groups, a meeting, a member with a very long name, its admin, a co-chair, the
    secretariat, enough organisations for two pages of directory results, one awaiting
    verification; and the pages each role looks at."""
    ensure_groups_and_contacts()
    group = db.session.scalar(db.select(WorkingGroup).where(WorkingGroup.slug == "erasmus"))
    long_org = make_org(
        name=LONG_NAME,
        acronym="QECSN",
        country="KZ",
        city="Almaty",
        status=VERIFIED,
        website=LONG_URL,
        description="Civic education and youth exchanges between Kazakhstan and the EU. " * 3,
    )
    add_member(group, long_org)
    db.session.add(
        Contact(
            organisation_id=long_org.id,
            name="Aigerim Nurlanovna",
            role="Director",
            email="aigerim.nurlanovna.director@" + "qazaqstan-network" * 3 + ".kz",
            phone="+7 727 250 12 34",
            phone_e164="+77272501234",
            visibility=Visibility.PUBLIC,
        )
    )
    db.session.commit()
    admin = make_user(
        org=long_org, role=Role.ADMIN, email="admin@qecsn.kz", full_name="Aigerim Nurlanovna"
    )
    make_user(org=long_org, email="colleague@qecsn.kz", full_name="Daniyar Seitkali")
    chair = make_coordinator(group, side="eu", email="chair@forum.example", full_name="Eva Europa")
    meeting = make_meeting(group, title="Kick-off meeting")
    for n in range(22):
        make_org(name=f"Steppe Civic Union {n}", country="KZ" if n % 2 else "BE", status=VERIFIED)
    pending = make_org(name="Awaiting Verification Union", country="KZ")
    make_user(role=Role.SECRETARIAT, email="sec@eesc.example", full_name="Sam Secretariat")
    # A joint output published (signed by both sides, endorsed, sent) and a draft, with long
    # words, in the three languages.
    kz_chair = make_coordinator(group, side="kz", email="kz@forum.example")
    words = {"en": LONG_NAME, "ru": "Предложение " * 20, "kk": "Ұсыныс " * 20}
    adopted = JointOutput(
        group_id=group.id,
        kind=OutputKind.RECOMMENDATION,
        title=f"Recommendation {LONG_NAME}",
        state=OutputState.SENT_EU,
        published_at=utcnow(),
        meeting_id=meeting.id,
    )
    draft = JointOutput(group_id=group.id, kind=OutputKind.DECLARATION, title="Draft declaration")
    for output in (adopted, draft):
        output.paragraphs = [
            OutputParagraph(position=1, **{f"text_{k}": v for k, v in words.items()}),
            OutputParagraph(position=2, text_en="A second paragraph.", status_en="validated"),
        ]
    adopted.signoffs = [
        OutputSignoff(side="eu", user_id=chair.id, organisation_name=LONG_NAME),
        OutputSignoff(side="kz", user_id=kz_chair.id),
    ]
    adopted.endorsements = [OutputEndorsement(organisation_id=long_org.id)]
    adopted.transitions = [
        OutputTransition(from_state="draft", to_state="adopted"),
        OutputTransition(from_state="adopted", to_state="sent_eu", note="To the EEAS."),
    ]
    db.session.add_all([adopted, draft])
    db.session.commit()
    out, d = f"/outputs/{adopted.id}", f"/outputs/{draft.id}"
    draft_paragraph = draft.paragraphs[0].id

    o, g, m = (
        long_org.id,
        "/working-groups/erasmus",
        f"/working-groups/erasmus/meetings/{meeting.id}",
    )
    public = [
        "/",
        "/directory/?q=civic&country=KZ",
        "/directory/map",
        f"/organisations/{o}",
        "/organisations/register",
        "/auth/login",
        "/working-groups",
        g,
        m,
        "/privacy",
        "/no-such-page",
        "/action-plan",
        "/outputs/groups/erasmus",
        out,
        f"{out}/print",
    ]
    return Site(
        pages={
            "visitor": public,
            "admin": [
                "/",
                "/directory/?country=KZ&page=2",
                f"/organisations/{o}",
                f"/organisations/{o}/people",
                f"/organisations/{o}/edit",
                f"/organisations/{o}/contacts",
                f"/organisations/{o}/protection",
                g,
                m,
            ],
            "co-chair": [
                g,
                f"{g}/requests",
                m,
                f"{g}/meetings/new",
                f"{g}/announcements/new",
                out,
                d,
                "/outputs/groups/erasmus/new",
                f"{d}/paragraphs/{draft_paragraph}/edit",
            ],
            "secretariat": [
                "/admin/",
                "/admin/verification",
                "/admin/organisations",
                f"/admin/organisations/{pending.id}",
                f"/admin/organisations/{o}",
                "/admin/dashboard",
                "/admin/audit",
                "/admin/contacts",
                "/admin/groups",
                "/admin/groups/erasmus",
            ],
        },
        screenshots={
            "visitor": public,
            "admin": [f"/organisations/{o}/people", f"/organisations/{o}/edit"],
            "co-chair": [f"{g}/requests", d],
            "secretariat": ["/admin/", "/admin/verification", "/admin/organisations"],
        },
        logins={
            "visitor": None,
            "admin": admin.email,
            "co-chair": chair.email,
            "secretariat": "sec@eesc.example",
        },
    )


@pytest.fixture
def site(app):
    with app.app_context():
        return build_site()


@pytest.fixture
def browser():
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"],
        )
        yield browser
        browser.close()


def signed_in(browser, live_server, email, width=1280):  # noqa: F811
    """A page of a new browser context, signed in as ``email`` (or signed out)."""
    context = browser.new_context(
        base_url=live_server,
        locale="en-GB",
        bypass_csp=True,
        viewport={"width": width, "height": 900},
    )
    page = context.new_page()
    if email:
        page.goto("/auth/login")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.get_by_role("button", name="Log out").wait_for()
    return page


def choose_language(page, code):
    page.goto(f"/language/{code}?next=/")


def axe_violations(page) -> list[str]:
    """axe-core's WCAG 2.0/2.1/2.2 A and AA violations on the page, one line each."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    results = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations']})",
        WCAG_TAGS,
    )
    return [
        f"{v['id']}: {v['help']} — {node['target']} {node.get('failureSummary', '')[:200]}"
        for v in results["violations"]
        for node in v["nodes"][:3]
    ]


def overflow(page) -> int:
    """How many pixels the page is wider than the window (0: no sideways scrolling)."""
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


@pytest.mark.parametrize("role", ["visitor", "admin", "co-chair", "secretariat"])
def test_every_page_has_no_wcag_fault_found_by_axe(app, live_server, site, browser, role):  # noqa: F811
    page = signed_in(browser, live_server, site.logins[role])
    faults = []
    for code in LANGUAGES:
        choose_language(page, code)
        for width in (1280, 320):
            page.set_viewport_size({"width": width, "height": 900})
            for url in site.pages[role]:
                page.goto(url)
                faults += [f"{code} {width}px {url} {v}" for v in axe_violations(page)]
    page.context.close()
    assert not faults, "\n".join(faults)


def screenshot_name(role: str, url: str, code: str, width: int) -> str:
    """e.g. visitor-directory-en-360.png: the page's path, without its query."""
    path = url.split("?")[0].strip("/").replace("/", "-") or "home"
    return f"{role}-{path}-{code}-{width}.png"


def test_no_page_scrolls_sideways_on_a_phone(app, live_server, site, browser):  # noqa: F811
    """Every page at 320 pixels, in every language and role. The main pages are also
    photographed at 360 and 1280 pixels (and checked at 360) into screenshots/."""
    SCREENSHOTS.mkdir(exist_ok=True)
    too_wide = []
    for role, email in site.logins.items():
        page = signed_in(browser, live_server, email)
        photographed = site.screenshots.get(role, [])
        for code in LANGUAGES:
            choose_language(page, code)
            for width in (320, 360, 1280):
                page.set_viewport_size({"width": width, "height": 800})
                for url in site.pages[role] if width == 320 else photographed:
                    page.goto(url)
                    if width < 1280 and (extra := overflow(page)) > 0:
                        too_wide.append(f"{role} {code} {width}px {url}: {extra}px too wide")
                    if width > 320:
                        path = SCREENSHOTS / screenshot_name(role, url, code, width)
                        page.screenshot(path=str(path), full_page=True)
        page.context.close()
    assert not too_wide, "\n".join(too_wide)


@pytest.mark.parametrize("javascript", [True, False])
def test_on_a_phone_the_menu_hides_behind_its_button(live_server, site, browser, javascript):  # noqa: F811
    """With or without JavaScript: the main menu opens from "Menu"; the directory's filters
    fold behind "Filters" (and are simply open without JavaScript)."""
    context = browser.new_context(
        base_url=live_server, viewport={"width": 360, "height": 740}, java_script_enabled=javascript
    )
    page = context.new_page()
    page.goto("/")
    menu = page.get_by_role("navigation", name="Main")
    groups = menu.get_by_role("link", name="Working groups")
    expect(groups).to_be_hidden()
    menu.get_by_role("button" if javascript else "link", name="Menu").click()
    expect(groups).to_be_visible()
    groups.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Working groups")

    page.goto("/directory/?q=civic")
    kazakhstan = page.get_by_role("group", name="Country").get_by_text("Kazakhstan")
    filters = page.locator("summary", has_text="Filters")
    if javascript:
        expect(kazakhstan).to_be_hidden()
        filters.click()
    expect(kazakhstan).to_be_visible()
    assert overflow(page) == 0
    context.close()
