"""The partner search journey in real Chromium: an EU organisation posts a partner request under
the Erasmus priority; a Kazakh organisation finds it by searching "эразмус" with a region facet
and answers; the poster reads the answer and marks it "in contact". The pages also fit a
320-pixel screen."""

from datetime import UTC, datetime, timedelta

from playwright.sync_api import expect

from eukz_platform.extensions import db
from eukz_platform.opportunities.models import AnswerStatus, OpportunityAnswer
from eukz_platform.seeding import ensure_groups_and_contacts

from .browser import live_server, needs_chromium, page  # noqa: F401 - fixtures
from .factories import make_org
from .test_browser_groups import GROUP_TITLE, log_in, log_out
from .test_groups_support import VERIFIED, make_admin

pytestmark = needs_chromium

TITLE = "Erasmus+ capacity building for youth workers"


def overflow(page) -> int:  # noqa: F811
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


def test_a_kazakh_organisation_finds_and_answers_an_erasmus_partner_request(app, page):  # noqa: F811
    with app.app_context():
        ensure_groups_and_contacts()
        eu = make_org(name="Brussels Youth Forum", country="BE", status=VERIFIED)
        kz = make_org(name="Qazaq Youth Exchange", country="KZ", status=VERIFIED)
        make_admin(eu, email="eva@forum.example")
        make_admin(kz, email="aigerim@qye.kz")
        kz_id = kz.id
    deadline = (datetime.now(UTC).date() + timedelta(days=45)).isoformat()

    # The EU organisation posts a partner request under the Erasmus priority.
    log_in(page, "eva@forum.example")
    menu = page.get_by_role("navigation", name="Main")
    menu.get_by_role("link", name="Partner search").click()
    page.get_by_role("link", name="Post a partner request or an opportunity").click()
    page.get_by_label("Looking for partners").check()
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("What you look for or offer").fill(
        "We prepare an Erasmus+ capacity-building project for young people and look for "
        "two partner organisations in Kazakhstan."
    )
    page.get_by_label("Action Plan priority").select_option(label=GROUP_TITLE)
    page.get_by_role("group", name="Sectors").get_by_text("Education and youth").click()
    page.get_by_role("group", name="Countries wanted").get_by_text("Kazakhstan").click()
    regions = page.get_by_role("group", name="Regions of Kazakhstan wanted")
    regions.get_by_text("Almaty", exact=True).click()
    page.get_by_label("Deadline").fill(deadline)
    page.get_by_label("Link to the call (optional)").fill("https://erasmus-plus.ec.europa.eu/")
    page.get_by_label("Everyone").check()
    page.get_by_role("button", name="Publish the post").click()
    expect(page.get_by_text("Your post is published.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    page.set_viewport_size({"width": 320, "height": 800})
    for url in ("/partner-search/new", page.url, "/working-groups/erasmus"):
        page.goto(url)
        assert overflow(page) <= 0, url
    page.set_viewport_size({"width": 1280, "height": 900})
    log_out(page)

    # The Kazakh organisation finds it, in Cyrillic, narrowed to a region, and answers.
    log_in(page, "aigerim@qye.kz")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Partner search").click()
    page.get_by_label("Search the posts").fill("эразмус")
    page.get_by_role("main").get_by_role("button", name="Search", exact=True).click()
    expect(page.get_by_role("link", name=TITLE)).to_be_visible()
    facet = page.get_by_role("group", name="Region of Kazakhstan wanted")
    facet.get_by_text("Almaty", exact=True).click()
    expect(facet.get_by_label("Almaty")).to_be_checked()
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_role("heading", name="1 post")).to_be_visible()
    page.set_viewport_size({"width": 320, "height": 800})
    assert overflow(page) <= 0
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("link", name=TITLE).click()
    page.get_by_label("Your message").fill(
        "We run youth exchanges in Almaty and would like to join the project."
    )
    page.get_by_role("button", name="Send the answer").click()
    expect(page.get_by_text("Your answer is sent to Brussels Youth Forum.")).to_be_visible()
    log_out(page)

    # The poster reads the answer, opens the answering organisation's page, marks it.
    log_in(page, "eva@forum.example")
    page.goto("/partner-search/")
    page.get_by_role("link", name=TITLE).click()
    answers = page.get_by_role("region", name="Answers (1)")
    expect(answers).to_contain_text("We run youth exchanges in Almaty")
    expect(answers.get_by_role("link", name="Qazaq Youth Exchange")).to_have_attribute(
        "href", f"/organisations/{kz_id}"
    )
    answers.get_by_role("button", name="Mark “in contact”").click()
    expect(page.get_by_text("is marked “In contact”")).to_be_visible()
    page.set_viewport_size({"width": 320, "height": 800})
    assert overflow(page) <= 0
    with app.app_context():
        assert db.session.scalar(db.select(OpportunityAnswer.status)) == AnswerStatus.IN_CONTACT
    assert page.console_errors == []
