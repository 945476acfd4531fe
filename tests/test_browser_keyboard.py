"""Journeys in Russian with the keyboard alone (Tab, Shift+Tab, Enter, Space, typing into
fields and the arrow keys in a drop-down list): registering an organisation (a failed submit
first: focus goes to the error summary, whose link leads to the field), searching the directory
with a facet on a phone, and an organisation asking to join a working group."""

import re

import pytest
from flask_babel import force_locale, gettext
from playwright.sync_api import expect

from eukz_platform.core.models import Organisation
from eukz_platform.extensions import db
from eukz_platform.groups.models import WorkingGroup
from eukz_platform.seeding import ensure_groups_and_contacts

from .browser import live_server, needs_chromium, page  # noqa: F401 - fixtures
from .factories import PASSWORD, make_org
from .test_groups_support import VERIFIED, make_admin

pytestmark = needs_chromium


@pytest.fixture
def ru(app):
    """The pages' text in Russian, as the catalogue has it (a msgid → its translation)."""

    def translate(msgid: str) -> str:
        with app.test_request_context(), force_locale("ru"):
            return gettext(msgid)

    return translate


def tab_to(page, target, backwards=False, limit=150):  # noqa: F811
    """Press Tab (or Shift+Tab) until ``target`` has the focus."""
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(limit):
        page.keyboard.press(key)
        if target.evaluate("e => e === document.activeElement"):
            return
    raise AssertionError(f"{key} never reached {target}")


def choose(page, select, text):  # noqa: F811
    """Pick an option of the focused <select> with the arrow keys, as a keyboard user does."""
    for _ in range(300):
        if select.evaluate("s => s.options[s.selectedIndex]?.text") == text:
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"no option {text!r}")


def test_registering_with_the_keyboard_in_russian(app, page, ru):  # noqa: F811
    page.goto("/language/ru?next=/organisations/register")
    expect(page.get_by_role("heading", level=1)).to_have_text(ru("Register your organisation"))

    # The form is in parts, each a group named by its legend.
    for legend in ("Your organisation", "Where", "What it does", "Your account"):
        expect(page.get_by_role("group", name=ru(legend))).to_have_count(1)

    # Submitted empty: the error summary takes the focus; its first link leads to the field.
    tab_to(page, page.get_by_role("button", name=ru("Register")))
    page.keyboard.press("Enter")
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    page.keyboard.press("Tab")
    first_link = summary.get_by_role("link").first
    expect(first_link).to_be_focused()
    expect(first_link).to_contain_text(ru("Organisation name"))
    page.keyboard.press("Enter")
    name = page.get_by_label(ru("Organisation name"))
    expect(name).to_be_focused()

    page.keyboard.type("Степной зелёный союз")
    tab_to(page, page.get_by_label(ru("Type of organisation")))
    choose(page, page.get_by_label(ru("Type of organisation")), ru("Non-governmental organisation"))
    expect(page.get_by_label(ru("Type of organisation"))).to_have_value("ngo")
    tab_to(page, page.get_by_label(ru("Country")))
    choose(page, page.get_by_label(ru("Country")), ru("Kazakhstan"))
    expect(page.get_by_label(ru("Country"))).to_have_value("KZ")
    tab_to(page, page.get_by_label(ru("City")))
    page.keyboard.type("Алматы")
    tab_to(page, page.get_by_label(ru("Full name")))
    page.keyboard.type("Айгерим Нурлановна")
    page.keyboard.press("Tab")
    page.keyboard.type("aigerim@steppe.kz")
    tab_to(page, page.get_by_label(ru("Password"), exact=True))
    page.keyboard.type("степной ветер несёт далеко")
    tab_to(page, page.get_by_label(ru("Confirm password")))
    page.keyboard.type("степной ветер несёт далеко")
    consent = page.get_by_role("checkbox", name=ru("I agree to the privacy notice"))
    tab_to(page, consent)
    page.keyboard.press("Space")
    expect(consent).to_be_checked()
    tab_to(page, page.get_by_role("button", name=ru("Register")))
    page.keyboard.press("Enter")
    # Registered: the same answer whoever registers, "check your inbox", in Russian.
    expect(page.get_by_role("heading", level=1)).to_have_text(ru("Check your inbox"))
    assert page.console_errors == []
    with app.app_context():
        org = db.session.scalar(db.select(Organisation).where(Organisation.city == "Алматы"))
        assert org.name == "Степной зелёный союз" and org.type.value == "ngo"


def test_searching_the_directory_with_a_facet_by_keyboard_on_a_phone(app, page, ru):  # noqa: F811
    with app.app_context():
        make_org(name="Civic Union of Almaty", country="KZ", status=VERIFIED)
        make_org(name="Civic Union of Brussels", country="BE", status=VERIFIED)
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto("/language/ru?next=/directory/")

    tab_to(page, page.locator("#directory-q"))
    page.keyboard.type("Civic")
    # The filters are folded behind a button below the search box; Enter unfolds them.
    filters = page.locator("details.site-filters")
    expect(filters).not_to_have_attribute("open", "")
    tab_to(page, filters.locator("summary"))
    page.keyboard.press("Enter")
    expect(filters).to_have_attribute("open", "")
    kazakhstan = page.get_by_role("group", name=ru("Country")).get_by_role(
        "checkbox", name=re.compile("^" + ru("Kazakhstan"))
    )
    tab_to(page, kazakhstan)
    page.keyboard.press("Space")
    tab_to(page, page.get_by_role("button", name=ru("Apply filters")))
    page.keyboard.press("Enter")

    results = page.locator("ol.site-results")
    expect(results).to_contain_text("Civic Union of Almaty")
    expect(results).not_to_contain_text("Civic Union of Brussels")
    remove = ru("Remove filter: %(filter)s").split("%(filter)s")[0]
    link = re.compile(re.escape(remove) + ".*" + ru("Kazakhstan"))
    expect(page.get_by_role("link", name=link)).to_be_visible()
    assert page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
    assert page.console_errors == []


def test_asking_to_join_a_working_group_by_keyboard(app, page, ru):  # noqa: F811
    with app.app_context():
        ensure_groups_and_contacts()
        assert db.session.scalar(db.select(WorkingGroup).where(WorkingGroup.slug == "erasmus"))
        make_admin(
            make_org(name="Qazaq Youth Exchange", country="KZ", status=VERIFIED),
            email="aigerim@qye.kz",
        )
    page.goto("/language/ru?next=/auth/login")
    tab_to(page, page.get_by_label(ru("Email")))
    page.keyboard.type("aigerim@qye.kz")
    tab_to(page, page.get_by_label(ru("Password")))
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name=ru("Log out"))).to_be_visible()

    menu = page.get_by_role("navigation", name=ru("Main"))
    tab_to(page, menu.get_by_role("link", name=ru("Working groups")))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(ru("Working groups"))
    link = page.locator("main a[href$='/working-groups/erasmus']").first
    tab_to(page, link)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile("/working-groups/erasmus$"))

    tab_to(page, page.get_by_label(ru("Motivation (optional)")))
    page.keyboard.type("Мы отправляем 40 студентов в год в университеты ЕС.")
    tab_to(page, page.get_by_role("button", name=ru("Ask to join")))
    page.keyboard.press("Enter")
    expect(page.get_by_text(ru("Your request is sent to the co-chairs."))).to_be_visible()
    expect(page.get_by_text(ru("Request pending"))).to_be_visible()
    # Shift+Tab walks back from the page's end to the main menu.
    tab_to(page, menu.get_by_role("link", name=ru("Directory")), backwards=True, limit=300)
    assert page.console_errors == []
