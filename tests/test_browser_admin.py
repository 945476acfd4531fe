"""The secretariat's journey in real Chromium: a new organisation is verified."""

from playwright.sync_api import expect
from sqlalchemy import select

from eukz_platform.auth.models import Role
from eukz_platform.core.models import Organisation
from eukz_platform.extensions import db

from .browser import live_server, needs_chromium, page  # noqa: F401 - fixtures
from .factories import PASSWORD, make_user

pytestmark = needs_chromium


def test_the_secretariat_verifies_a_new_organisation(app, page):  # noqa: F811
    with app.app_context():
        make_user(role=Role.SECRETARIAT, email="staff@eesc.example", full_name="Sofia Staff")

    # An organisation registers.
    page.goto("/organisations/register")
    page.get_by_label("Organisation name").fill("Qazaq Civic Voices")
    page.get_by_label("Country").select_option(label="Kazakhstan")
    page.get_by_label("City").fill("Almaty")
    page.get_by_label("Type of organisation").select_option(label="Non-governmental organisation")
    page.get_by_label("Website").fill("https://qcv.kz")
    page.get_by_label("Description").fill("Civic education across Kazakhstan.")
    page.get_by_label("Registration number").fill("100140001231")
    page.get_by_label("Full name").fill("Aigerim Nurlanovna")
    page.get_by_label("Email").fill("aigerim@qcv.kz")
    page.get_by_label("Password", exact=True).fill("steppe winds carry far")
    page.get_by_label("Confirm password").fill("steppe winds carry far")
    page.get_by_text("I agree to the privacy notice").click()
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your inbox")
    with app.app_context():
        org_id = db.session.scalar(select(Organisation.id))

    # The secretariat logs in and opens the verification queue.
    page.get_by_role("link", name="Log in").first.click()
    page.get_by_label("Email").fill("staff@eesc.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Secretariat").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Secretariat")
    expect(page.get_by_text("1 organisation awaits verification")).to_be_visible()
    page.get_by_role("main").get_by_role("link", name="Verification queue", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Verification queue")

    entry = page.get_by_role("region", name="Qazaq Civic Voices")
    expect(entry).to_contain_text("https://qcv.kz")
    expect(entry).to_contain_text("100140001231")
    expect(entry).to_contain_text("aigerim@qcv.kz — email not confirmed")
    expect(entry.get_by_label("Reason")).to_be_visible()
    entry.get_by_role("button", name="Verify").click()
    expect(page.get_by_text("Qazaq Civic Voices is verified.")).to_be_visible()
    expect(page.get_by_text("No organisation is waiting.")).to_be_visible()

    # The directory shows it as verified, and so does the read API.
    page.get_by_role("link", name="Directory").click()
    result = page.get_by_role("listitem").filter(
        has=page.get_by_role("heading", name="Qazaq Civic Voices")
    )
    expect(result).to_contain_text("Verified")
    expect(result).not_to_contain_text("Awaiting verification")
    response = page.request.get(f"/api/v1/organisations/{org_id}")
    assert response.ok
    assert response.json()["verified"] is True

    # The audit log shows who verified it.
    page.get_by_role("link", name="Secretariat").click()
    page.get_by_role("main").get_by_role("link", name="Audit log", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit log")
    row = page.get_by_role("row").filter(has_text="organisation.verify")
    expect(row).to_contain_text("staff@eesc.example")
    expect(row).to_contain_text("Qazaq Civic Voices: pending → verified")
    page.get_by_label("Action").select_option("organisation.verify")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_text("1 entry", exact=True)).to_be_visible()
    assert page.console_errors == []
