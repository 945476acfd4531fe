"""Searching the directory in real Chromium: another script, then a facet."""

import re

from playwright.sync_api import expect

from eukz_platform.core.vocabulary import OrganisationStatus
from eukz_platform.seeding import ensure_groups_and_contacts

from .browser import live_server, needs_chromium, page  # noqa: F401 - fixtures
from .factories import make_org

pytestmark = needs_chromium


def test_a_search_in_cyrillic_finds_almaty_written_in_latin_and_a_facet_narrows_it(
    app,
    page,  # noqa: F811
):
    with app.app_context():
        ensure_groups_and_contacts()
        make_org(
            name="Steppe Green Initiative",
            country="KZ",
            city="Almaty",
            type="ngo",
            description="Environmental education.",
            status=OrganisationStatus.VERIFIED,
        )
        make_org(
            name="Almaty Transport Workers",
            country="KZ",
            city="Almaty",
            type="trade_union",
            status=OrganisationStatus.VERIFIED,
        )
        make_org(name="Berlin Energy Forum", country="DE", city="Berlin")

    page.goto("/")
    page.get_by_role("search").get_by_label("Search", exact=True).fill("Алматы")
    page.get_by_role("search").get_by_label("Search", exact=True).press("Enter")

    expect(page).to_have_url(re.compile(r"/directory/\?q=%D0%90%D0%BB"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Directory")
    expect(page.get_by_role("heading", name="2 results")).to_be_visible()
    results = page.get_by_role("main").get_by_role("listitem")
    steppe = results.filter(has=page.get_by_role("heading", name="Steppe Green Initiative"))
    expect(steppe).to_contain_text("Almaty")
    expect(steppe.locator("mark")).to_have_text("Almaty")
    expect(page.get_by_text("Berlin Energy Forum")).to_have_count(0)

    # Narrow by a facet: a checkbox of the form, applied without any script.
    page.get_by_text("Trade union", exact=True).click()
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"type=trade_union"))
    expect(page.get_by_role("heading", name="1 result")).to_be_visible()
    expect(page.get_by_role("heading", name="Almaty Transport Workers")).to_be_visible()
    expect(page.get_by_role("heading", name="Steppe Green Initiative")).to_have_count(0)
    expect(
        page.get_by_role("link", name="Remove filter: Type of organisation: Trade union")
    ).to_be_visible()

    # Download the current search as CSV: only what the page shows.
    link = page.get_by_role("link", name="Download CSV")
    expect(link).to_have_attribute("href", re.compile(r"export\.csv\?.*type=trade_union"))
    with page.expect_download() as download:
        link.click()
    with open(download.value.path(), encoding="utf-8-sig") as f:
        exported = f.read()
    assert "Almaty Transport Workers" in exported
    assert "Steppe Green Initiative" not in exported

    # The page is the URL: reloading it gives the same.
    page.reload()
    expect(page.get_by_role("heading", name="1 result")).to_be_visible()
    assert page.console_errors == []
