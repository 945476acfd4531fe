"""The map of who works on what, where, in real Chromium at 320 pixels: no sideways scrolling of
the page (the tables scroll in their own box), no fault axe-core finds, a number leads to the
directory filtered to its cell; the protection page does not scroll sideways either."""

import pytest
from playwright.sync_api import expect

from eukz_platform.auth.models import Role

from .browser import live_server, needs_chromium, page  # noqa: F401 - fixtures
from .factories import PASSWORD, make_org, make_user
from .test_browser_accessibility import axe_violations, overflow
from .test_directory_map import add_member
from .test_groups_support import VERIFIED

pytestmark = needs_chromium


@pytest.fixture
def world(app):
    from eukz_platform.seeding import ensure_groups_and_contacts

    with app.app_context():
        ensure_groups_and_contacts()
        almaty = make_org(name="Almaty Green", country="KZ", region="KZ-75", status=VERIFIED)
        add_member(almaty, "erasmus")
        add_member(make_org(name="Berlin Partners", country="DE", status=VERIFIED), "erasmus")
        make_user(org=almaty, role=Role.ADMIN, email="admin@almaty.example")
        return almaty.id


def test_map_at_320_pixels(page, live_server, world):  # noqa: F811
    page.set_viewport_size({"width": 320, "height": 800})
    page.goto("/directory/map")
    expect(page.get_by_role("heading", level=1)).to_have_text("Who works on what, where")
    assert overflow(page) == 0
    page.get_by_role(
        "link",
        name="1 member organisations of “Educational opportunities for young Kazakhs through "
        "Erasmus” in Almaty",
    ).click()
    expect(page.get_by_role("link", name="Almaty Green")).to_be_visible()
    assert "region=KZ-75" in page.url
    assert page.console_errors == []
    # axe-core is added as a script, which the site's policy refuses: a context without it.
    context = page.context.browser.new_context(base_url=live_server, bypass_csp=True)
    checked = context.new_page()
    checked.set_viewport_size({"width": 320, "height": 800})
    checked.goto("/directory/map")
    assert axe_violations(checked) == []
    context.close()


def test_protection_page_at_320_pixels(page, world):  # noqa: F811
    page.set_viewport_size({"width": 320, "height": 800})
    page.goto("/auth/login")
    page.get_by_label("Email").fill("admin@almaty.example")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("button", name="Log out").wait_for()
    page.goto(f"/organisations/{world}/protection")
    assert overflow(page) == 0
    page.get_by_text("Hide our working-group memberships from the public").click()
    page.get_by_role("button", name="Save the protection").click()
    expect(page.get_by_text("The protection is saved.")).to_be_visible()
    expect(page.get_by_label("Hide our working-group memberships from the public")).to_be_checked()
    assert page.console_errors == []
