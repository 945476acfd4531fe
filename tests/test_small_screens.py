"""What the pages give phones and assistive technology, read from the HTML: pagination that
says "Page 2 of 19" and offers the first and the last page, tables that scroll in their own
labelled box, the directory's filters behind a "Filters" button, the registration form in
named parts, and an error summary that can take focus."""

import re

from eukz_platform.auth.models import Role
from eukz_platform.core.vocabulary import OrganisationStatus

from .factories import login, make_org, make_user

VERIFIED = OrganisationStatus.VERIFIED


def html(response) -> str:
    return response.get_data(as_text=True)


def pagination(page: str) -> str:
    return re.search(r'<nav class="ecl-pagination.*?</nav>', page, re.S).group(0)


def link_texts(nav: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", text).strip() for text in re.findall(r"<a .*?</a>", nav)]


def many_organisations(n: int) -> None:
    for i in range(n):
        make_org(name=f"Civic Union {i:02d}", country="KZ", status=VERIFIED)


def test_directory_pages_say_where_you_are_and_offer_the_first_and_the_last(app, client):
    with app.app_context():
        many_organisations(12)
    nav = pagination(html(client.get("/directory/?country=KZ&per_page=2&page=4")))
    assert 'aria-label="Pages of results"' in nav
    assert re.search(r'aria-current="page">Page 4 of 6<', nav)
    assert link_texts(nav) == ["Previous", "1", "2", "3", "5", "6", "Next"]
    assert re.search(
        r'href="/directory/\?country=KZ&amp;per_page=2" aria-label="Go to page 1">1<', nav
    )
    # Far from both ends, the pages left out are shown as "…", hidden from screen readers.
    nav = pagination(html(client.get("/directory/?country=KZ&per_page=1&page=6")))
    assert re.search(r'aria-current="page">Page 6 of 12<', nav)
    assert link_texts(nav) == ["Previous", "1", "4", "5", "7", "8", "12", "Next"]
    assert nav.count('aria-hidden="true"><span class="ecl-pagination__text">…') == 2
    assert re.search(r'page=12" aria-label="Go to the last page, 12">12<', nav)


def test_the_consoles_pages_say_where_you_are_too(app, client):
    with app.app_context():
        for i in range(51):
            make_org(name=f"Queued Union {i:02d}", country="KZ")
        make_user(role=Role.SECRETARIAT, email="sec@eesc.example")
    login(client, "sec@eesc.example")
    nav = pagination(html(client.get("/admin/organisations?page=2")))
    assert re.search(r'aria-current="page">Page 2 of \d+<', nav)
    assert "1" in link_texts(nav)


def test_the_directorys_filters_fold_behind_a_button_that_works_without_javascript(app, client):
    with app.app_context():
        many_organisations(2)
    page = html(client.get("/directory/?q=civic"))
    # Open in the HTML: without JavaScript they are shown; site.js folds them on a phone.
    filters = re.search(
        r'<details class="[^"]*site-filters" id="filters" open>.*?</details>', page, re.S
    )
    assert filters
    assert re.search(r'<span class="ecl-button__label">Filters</span>', filters.group(0))
    assert 'name="country"' in filters.group(0)
    # Below the search box, in the same GET form.
    assert page.index('id="directory-q"') < filters.start() < page.index("</form>", filters.end())
    active = html(client.get("/directory/?q=civic&country=KZ"))
    assert '<span class="ecl-button__label">Filters (1)</span>' in active


def test_tables_scroll_in_their_own_labelled_box(app, client):
    with app.app_context():
        org = make_org(name="Steppe Green Initiative", status=VERIFIED)
        make_user(org=org, role=Role.ADMIN, email="admin@steppe.kz")
        org_id = org.id
    login(client, "admin@steppe.kz")
    page = html(client.get(f"/organisations/{org_id}/people"))
    assert re.search(
        r'<div class="ecl-table-responsive site-table-box" role="region" '
        r'aria-label="Accounts of the organisation" tabindex="0">\s*<table',
        page,
    )


def test_the_registration_form_is_in_named_parts(client):
    page = html(client.get("/organisations/register"))
    part = r'<fieldset class="eukz-form-part">\s*<legend[^>]*>([^<]*)</legend>(.*?)</fieldset>\s*'
    parts = re.findall(part + r"(?=<fieldset class=\"eukz-form-part\"|<div|<button)", page, re.S)
    assert [legend for legend, _ in parts] == [
        "Your organisation",
        "Where",
        "What it does",
        "Your account",
    ]
    where, account = parts[1][1], parts[3][1]
    assert 'id="country"' in where and 'id="city"' in where
    assert 'id="email"' in account and 'id="password"' in account


def test_after_a_failed_submit_the_error_summary_can_take_focus(client):
    response = client.post("/organisations/register", data={})
    assert response.status_code == 422
    page = html(response)
    summary = re.search(r'<div class="ecl-notification[^"]*site-error-summary"[^>]*>', page).group(
        0
    )
    assert (
        'role="alert"' in summary and 'tabindex="-1"' in summary and "data-error-summary" in summary
    )
    assert re.search(r'<a class="ecl-link" href="#name">Organisation name: ', page)
    # The script that moves the focus is a file (no inline script: CSP).
    assert not re.search(r"<script(?![^>]*\bsrc=)", page)


def test_the_menu_has_a_link_for_when_javascript_is_off(client):
    page = html(client.get("/"))
    nav = re.search(r'<nav class="ecl-menu" id="site-menu" aria-label="Main".*?</nav>', page, re.S)
    link = r'<a class="ecl-button ecl-button--tertiary site-menu__link" href="#site-menu">'
    assert re.search(link + r".*?Menu</span>", nav.group(0), re.S)
