"""Two-factor sign-in in real Chromium: turned on from the page, then a code and a recovery
code at the second step of logging in."""

import time

import pyotp
from playwright.sync_api import expect

from .browser import live_server, needs_chromium, page  # noqa: F401 - fixtures
from .factories import PASSWORD, make_user

pytestmark = needs_chromium


def log_in(tab, email: str) -> None:
    tab.get_by_role("link", name="Log in").first.click()
    tab.get_by_label("Email").fill(email)
    tab.get_by_label("Password").fill(PASSWORD)
    tab.get_by_role("button", name="Log in").click()


def test_two_factor_sign_in_with_a_code_then_a_recovery_code(app, page):  # noqa: F811
    with app.app_context():
        make_user(email="dana@example.org", full_name="Dana Person")
    page.goto("/")
    log_in(page, "dana@example.org")
    page.get_by_role("link", name="Sign-in and security").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign-in and security")
    expect(page.get_by_role("cell", name="This device")).to_be_visible()

    # Set it up: the QR code is drawn in the page, the key is shown for typing.
    page.get_by_role("link", name="Set up two-factor sign-in").click()
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    secret = page.locator("#two-factor-secret").inner_text().replace(" ", "")
    totp = pyotp.TOTP(secret)
    page.get_by_label("Code from your app").fill("000000")
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page.get_by_text("This code is not right.").first).to_be_visible()
    page.get_by_label("Code from your app").fill(totp.now())
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your recovery codes")
    codes = page.get_by_role("list", name="Recovery codes").locator("code").all_inner_texts()
    assert len(codes) == 10
    page.get_by_role("link", name="I have kept my recovery codes").click()
    expect(page.get_by_text("You have 10 unused recovery codes.")).to_be_visible()
    page.get_by_role("button", name="Log out").click()

    # Log in: the password, then a code of the app (the next one: each is accepted once).
    log_in(page, "dana@example.org")
    expect(page.get_by_role("heading", level=1)).to_have_text("Two-factor sign-in")
    expect(page.get_by_role("button", name="Log out")).to_have_count(0)
    page.get_by_label("Sign-in code").fill(totp.at(time.time() + 30))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    page.get_by_role("button", name="Log out").click()

    # Log in with a recovery code instead; it works once.
    log_in(page, "dana@example.org")
    page.get_by_label("Sign-in code").fill(codes[0])
    page.get_by_role("button", name="Continue").click()
    expect(
        page.get_by_text("You used a recovery code; it will not work again. 9 are left.")
    ).to_be_visible()
    page.get_by_role("button", name="Log out").click()
    log_in(page, "dana@example.org")
    page.get_by_label("Sign-in code").fill(codes[0])
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("This code is not right.").first).to_be_visible()
    expect(page.get_by_role("button", name="Log out")).to_have_count(0)
    assert page.console_errors == []
