"""A person's own account in real Chromium: download the data, then delete the account."""

import json

from playwright.sync_api import expect
from sqlalchemy import select

from eukz_platform.auth.models import Role, User
from eukz_platform.core.vocabulary import OrganisationStatus
from eukz_platform.extensions import db

from .browser import live_server, needs_chromium, page  # noqa: F401 - fixtures
from .factories import PASSWORD, make_org, make_user

pytestmark = needs_chromium


def test_download_my_data_then_delete_my_account(app, page):  # noqa: F811
    with app.app_context():
        org = make_org(name="Aral Sea Friends", status=OrganisationStatus.VERIFIED)
        make_user(org, role=Role.ADMIN, email="dana@aral.example", full_name="Dana Serikovna")
        make_user(org, role=Role.ADMIN, email="colleague@aral.example")
    page.goto("/auth/login")
    page.get_by_label("Email").fill("dana@aral.example")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    page.get_by_role("link", name="My account").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My account")
    expect(page.get_by_role("main")).to_contain_text("Aral Sea Friends")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download my data").click()
    assert download.value.suggested_filename == "my-data.json"
    data = json.loads(open(download.value.path(), encoding="utf-8").read())
    assert data["account"]["email"] == "dana@aral.example"
    assert data["organisation"]["name"] == "Aral Sea Friends"

    page.get_by_label("Password", exact=True).fill("not my password")
    page.get_by_role("button", name="Delete my account").click()
    expect(page.get_by_text("The password is not right.").first).to_be_visible()

    expect(page.get_by_label("Password", exact=True)).to_have_attribute("aria-invalid", "true")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Delete my account").click()
    expect(page.get_by_text("Your account is deleted, with your personal data.")).to_be_visible()
    expect(page.get_by_role("link", name="Log in").first).to_be_visible()
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "dana@aral.example")) is None
