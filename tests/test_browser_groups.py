"""The working group journey in real Chromium: register → the secretariat verifies → the
organisation asks to join a moderated group → a co-chair approves → it is listed as a member."""

from playwright.sync_api import expect

from eukz_platform.auth.models import Role
from eukz_platform.extensions import db
from eukz_platform.groups.models import Coordinator, WorkingGroup
from eukz_platform.seeding import ensure_groups_and_contacts

from .browser import live_server, needs_chromium, page  # noqa: F401 - fixtures
from .factories import PASSWORD, make_org, make_user
from .test_groups_support import VERIFIED, add_member

pytestmark = needs_chromium

GROUP_TITLE = "Educational opportunities for young Kazakhs through Erasmus"


def log_in(page, email, password=PASSWORD):  # noqa: F811
    page.goto("/auth/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def log_out(page):  # noqa: F811
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("link", name="Log in").first).to_be_visible()


def test_an_organisation_joins_a_moderated_group_approved_by_a_co_chair(app, page):  # noqa: F811
    with app.app_context():
        ensure_groups_and_contacts()
        group = db.session.scalar(db.select(WorkingGroup).where(WorkingGroup.slug == "erasmus"))
        assert group.moderated
        chair_org = make_org(name="Brussels Youth Forum", status=VERIFIED)
        chair = make_user(org=chair_org, email="chair@forum.example", full_name="Eva Europa")
        # A co-chair is a person of a member organisation.
        add_member(group, chair_org)
        db.session.add(Coordinator(group_id=group.id, user_id=chair.id, side="eu"))
        db.session.commit()
        make_user(role=Role.SECRETARIAT, email="sec@eesc.example", full_name="Sam Secretariat")

    # An organisation registers.
    page.goto("/organisations/register")
    page.get_by_label("Organisation name").fill("Qazaq Youth Exchange")
    page.get_by_label("Country").select_option(label="Kazakhstan")
    page.get_by_label("City").fill("Astana")
    page.get_by_label("Type of organisation").select_option(label="Non-governmental organisation")
    page.get_by_label("Full name").fill("Aigerim Nurlanovna")
    page.get_by_label("Email").fill("aigerim@qye.kz")
    page.get_by_label("Password", exact=True).fill("steppe winds carry far")
    page.get_by_label("Confirm password").fill("steppe winds carry far")
    page.get_by_text("I agree to the privacy notice").click()
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your inbox")

    # The secretariat verifies it in the console.
    log_in(page, "sec@eesc.example")
    page.goto("/admin/verification")
    entry = page.get_by_role("region", name="Qazaq Youth Exchange")
    entry.get_by_role("button", name="Verify").click()
    expect(page.get_by_text("Qazaq Youth Exchange is verified.")).to_be_visible()
    log_out(page)

    # Its admin asks to join a moderated group, from the group's page.
    log_in(page, "aigerim@qye.kz", "steppe winds carry far")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Working groups").click()
    page.get_by_role("link", name=GROUP_TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(GROUP_TITLE)
    page.get_by_label("Motivation (optional)").fill(
        "We send 40 students a year to EU universities."
    )
    page.get_by_role("button", name="Ask to join").click()
    expect(page.get_by_text("Your request is sent to the co-chairs.")).to_be_visible()
    expect(page.get_by_text("Request pending")).to_be_visible()
    members = page.get_by_role("table").filter(has_text="Qazaq Youth Exchange")
    expect(members).to_have_count(0)
    log_out(page)

    # A co-chair approves it.
    log_in(page, "chair@forum.example")
    page.goto("/working-groups/erasmus")
    page.get_by_role("link", name="Requests to join (1 pending)").click()
    request = page.get_by_role("region", name="Qazaq Youth Exchange")
    expect(request).to_contain_text("We send 40 students a year to EU universities.")
    request.get_by_label("Message to the organisation (optional)").fill("Welcome!")
    request.get_by_role("button", name="Approve").click()
    expect(
        page.get_by_text("Qazaq Youth Exchange is now a member of the working group.")
    ).to_be_visible()
    expect(page.get_by_text("No request is waiting for a decision.")).to_be_visible()

    # The organisation is listed among the group's members, for everyone.
    log_out(page)
    page.goto("/working-groups/erasmus")
    row = page.get_by_role("row").filter(has_text="Qazaq Youth Exchange")
    expect(row).to_contain_text("Kazakhstan")
    sides = page.get_by_role("list", name="Member organisations per side")
    expect(sides).to_contain_text("Kazakhstan: 1")
    assert page.console_errors == []
