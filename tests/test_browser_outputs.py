"""The joint output journey in real Chromium: a co-chair drafts a declaration of two
paragraphs → a member organisation comments → the EU and the Kazakhstan co-chairs sign → it is
published and stands "Adopted" on the Action Plan under its priority → a co-chair marks it sent."""

from playwright.sync_api import expect

from eukz_platform.extensions import db
from eukz_platform.groups.models import Coordinator, WorkingGroup
from eukz_platform.seeding import ensure_groups_and_contacts

from .browser import live_server, needs_chromium, page  # noqa: F401 - fixtures
from .factories import make_org, make_user
from .test_browser_groups import log_in, log_out
from .test_groups_support import VERIFIED, add_member

pytestmark = needs_chromium

GROUP_TITLE = "Educational opportunities for young Kazakhs through Erasmus"
TITLE = "Joint declaration on Erasmus mobility"


def test_a_joint_output_is_drafted_signed_by_both_co_chairs_and_followed_up(app, page):  # noqa: F811
    with app.app_context():
        ensure_groups_and_contacts()
        group = db.session.scalar(db.select(WorkingGroup).where(WorkingGroup.slug == "erasmus"))
        for side, email, name, country in (
            ("eu", "eu@chair.example", "Eva Europa", "BE"),
            ("kz", "kz@chair.example", "Askar Kazakh", "KZ"),
        ):
            org = make_org(name=f"{name} Forum", status=VERIFIED, country=country)
            chair = make_user(org=org, email=email, full_name=name)
            add_member(group, org)
            db.session.add(Coordinator(group_id=group.id, user_id=chair.id, side=side))
        member_org = make_org(name="Steppe Youth", status=VERIFIED, country="KZ")
        add_member(group, member_org)
        make_user(org=member_org, email="member@steppe.example", full_name="Dana Member")
        db.session.commit()

    # The EU co-chair opens a draft from the group's page and writes two paragraphs.
    log_in(page, "eu@chair.example")
    page.goto("/working-groups/erasmus")
    page.get_by_role("link", name="Joint outputs of this working group").click()
    page.get_by_role("link", name="Open a draft").click()
    page.get_by_role("radio", name="Declaration").check()
    page.get_by_label("Title", exact=True).fill(TITLE)
    page.get_by_role("button", name="Open the draft").click()
    expect(page.get_by_text("The draft is opened. Add its paragraphs.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    for english, russian, kazakh in (
        ("We call for more Erasmus+ places.", "Мы призываем к расширению мест.", "Біз шақырамыз."),
        ("We ask for a yearly review.", "Мы просим ежегодный обзор.", "Біз сұраймыз."),
    ):
        page.get_by_label("English text", exact=True).fill(english)
        page.get_by_label("Russian text", exact=True).fill(russian)
        page.get_by_label("Kazakh text", exact=True).fill(kazakh)
        page.get_by_text("English text validated", exact=True).click()
        page.get_by_role("button", name="Add the paragraph").click()
        expect(page.get_by_text("The paragraph is added.")).to_be_visible()
    expect(page.get_by_role("heading", name="Paragraph 2")).to_be_visible()
    expect(page.get_by_text("Мы просим ежегодный обзор.")).to_be_visible()
    # English is validated in both paragraphs; Russian and Kazakh are still drafts.
    expect(page.locator(".eukz-paragraph").get_by_text("Validated", exact=True)).to_have_count(2)
    output_url = page.url.split("#")[0]
    log_out(page)

    # A person of a member organisation comments on the first paragraph.
    log_in(page, "member@steppe.example")
    page.goto(output_url)
    page.get_by_label("Your comment on paragraph 1").fill("Please name the Erasmus+ strand.")
    page.get_by_role("button", name="Comment on paragraph 1").click()
    expect(page.get_by_text("Your comment is added.")).to_be_visible()
    expect(page.get_by_text("Please name the Erasmus+ strand.")).to_be_visible()
    log_out(page)

    # The draft is not public.
    response = page.goto(output_url)
    assert response.status == 404

    # Each co-chair signs for their side.
    log_in(page, "eu@chair.example")
    page.goto(output_url)
    page.get_by_role("button", name="Sign for the EU side").click()
    expect(page.get_by_text("Your sign-off is recorded.")).to_be_visible()
    log_out(page)
    log_in(page, "kz@chair.example")
    page.goto(output_url)
    page.get_by_role("button", name="Sign for the Kazakhstan side").click()
    expect(page.get_by_text("Both co-chairs have signed: the output is published.")).to_be_visible()
    log_out(page)

    # Published: on the Action Plan, under its priority, "Adopted".
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Action Plan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Action Plan")
    priority = page.locator("#priority-3")
    expect(priority.get_by_role("heading", level=2)).to_contain_text(GROUP_TITLE)
    row = priority.get_by_role("row").filter(has_text=TITLE)
    expect(row).to_contain_text("Adopted")
    row.get_by_role("link", name=TITLE).click()
    expect(page.get_by_text("signed by Eva Europa")).to_be_visible()
    expect(page.get_by_text("signed by Askar Kazakh")).to_be_visible()

    # A co-chair marks it sent to the EU institutions.
    log_in(page, "kz@chair.example")
    page.goto(output_url)
    page.get_by_label("New state").select_option(label="Sent to the EU institutions")
    page.get_by_label("Note (optional)").fill("Sent to the EEAS and DG INTPA.")
    page.get_by_role("button", name="Record the step").click()
    expect(page.get_by_text("The output is now “Sent to the EU institutions”.")).to_be_visible()
    page.goto("/action-plan")
    row = page.locator("#priority-3").get_by_role("row").filter(has_text=TITLE)
    expect(row).to_contain_text("Sent to the EU institutions")
    assert page.console_errors == []
