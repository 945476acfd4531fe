"""The registration journey in real Chromium."""

import re

from playwright.sync_api import expect

from eukz_platform.seeding import ensure_groups_and_contacts

from .browser import live_server, needs_chromium, page  # noqa: F401 - fixtures

pytestmark = needs_chromium


def test_a_new_organisation_registers_and_confirms_its_email(app, page, outbox):  # noqa: F811
    with app.app_context():
        ensure_groups_and_contacts()
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "EU–Kazakhstan Civil Society Platform"
    )
    page.get_by_role("main").get_by_role("link", name="Register your organisation").click()

    # First a mistake: the form comes back with the values and a message by the field.
    page.get_by_label("Organisation name").fill("Qazaq Civic Voices")
    page.get_by_label("Country").select_option(label="Kazakhstan")
    page.get_by_label("Type of organisation").select_option(label="Non-governmental organisation")
    page.get_by_label("Full name").fill("Aigerim Nurlanovna")
    page.get_by_label("Email").fill("aigerim@qcv.kz")
    page.get_by_label("Password", exact=True).fill("short")
    page.get_by_label("Confirm password").fill("short")
    page.get_by_text("I agree to the privacy notice").click()
    page.get_by_role("button", name="Register").click()
    password = page.get_by_label("Password", exact=True)
    expect(password).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#password-error")).to_contain_text("at least 12")
    expect(page.get_by_label("Organisation name")).to_have_value("Qazaq Civic Voices")

    page.get_by_label("City").fill("Almaty")
    page.get_by_text("Environment", exact=True).click()
    page.get_by_label("Registration number").fill("100140001231")
    password.fill("steppe winds carry far")
    page.get_by_label("Confirm password").fill("steppe winds carry far")
    expect(page.get_by_label("I agree to the privacy notice")).to_be_checked()
    page.get_by_role("button", name="Register").click()

    # The same answer whether or not the address already has an account.
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your inbox")
    expect(page.get_by_text("We sent an email to aigerim@qcv.kz")).to_be_visible()

    link = re.search(r"https?://[^/\s]+(/\S+)", outbox[0].body).group(1)
    page.goto(link)
    expect(page.get_by_text("your email address is confirmed")).to_be_visible()
    page.get_by_label("Email").fill("aigerim@qcv.kz")
    page.get_by_label("Password", exact=True).fill("steppe winds carry far")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Qazaq Civic Voices")
    expect(page.get_by_text("Awaiting verification").first).to_be_visible()
    expect(page.get_by_text("Please confirm your email address")).to_have_count(0)

    page.get_by_role("link", name="Directory").click()
    row = page.get_by_role("listitem").filter(has_text="Qazaq Civic Voices")
    expect(row).to_contain_text("Awaiting verification")

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("link", name="Log in").first).to_be_visible()
    page.get_by_role("link", name="Log in").first.click()
    page.get_by_label("Email").fill("aigerim@qcv.kz")
    page.get_by_label("Password").fill("steppe winds carry far")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Qazaq Civic Voices")
    assert page.console_errors == []
