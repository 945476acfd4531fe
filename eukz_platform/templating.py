"""Every template helper: globals, filters and the site's context, registered in one place."""

from __future__ import annotations

from flask import Flask, current_app, request, url_for
from flask_babel import format_date, format_datetime, format_number, get_locale, gettext
from flask_login import current_user
from markupsafe import Markup

from . import visibility
from .core import vocabulary
from .groups import templating as groups
from .opportunities import templating as opportunities
from .organisations import services as organisations
from .outputs import templating as outputs
from .search import MAX_QUERY_LENGTH


def privacy_hint() -> Markup:
    """A link to the privacy notice, shown beside the forms that ask for personal data."""
    return Markup('<a class="ecl-link" href="{}">{}</a>').format(
        url_for("main.privacy"), gettext("Read the privacy notice")
    )


def website_link(url: str) -> Markup:
    """An organisation's website as a link that passes no ranking and no opener."""
    return Markup('<a class="ecl-link" href="{}" rel="nofollow noopener">{}</a>').format(url, url)


def organisation_contacts(org) -> list:
    """The organisation's contact people the current user may see (its profile page)."""
    return organisations.visible_contacts_of(org, current_user)


def can_view_organisation(org) -> bool:
    """Whether the current user may open the organisation's page (visibility.py)."""
    return visibility.can_view_organisation(current_user, org)


def static_url(filename: str) -> str:
    """``url_for("static", filename=…)``, worked out once per process (and script root): every
    page links the same stylesheets and scripts, fingerprinted in production (assets.py)."""
    urls = current_app.extensions.setdefault("eukz_static_urls", {})
    key = (request.script_root, filename)
    url = urls.get(key)
    if url is None:
        url = urls[key] = url_for("static", filename=filename)
    return url


def shown_as_member(org) -> bool:
    """Whether the current user may see this organisation and its working-group memberships
    (a co-chair's organisation is named only then)."""
    return visibility.can_name_as_taking_part(current_user, org)


def register_template_helpers(app: Flask) -> None:
    """Add every template global and filter, and the site's languages and vocabulary."""
    app.jinja_env.globals.update(
        {
            helper.__name__: helper  # called in templates by its own name
            for helper in (
                format_date,
                format_datetime,
                format_number,
                get_locale,
                privacy_hint,
                website_link,
                static_url,
                organisation_contacts,
                can_view_organisation,
                shown_as_member,
                groups.organisation_memberships,
                groups.membership_status,
                groups.coordinator_role,
                groups.side_counts,
                groups.side_chart,
                opportunities.open_posts_of_group,
                opportunities.matching_posts,
                opportunities.organisation_posts,
                groups.group_balance,
            )
        },
        search_max_length=MAX_QUERY_LENGTH,
        opportunity_kind_label=opportunities.kind_label,
        opportunity_is_open=opportunities.is_open,
        opportunity_facet_label=opportunities.facet_label,
        balance_headers=groups.balance.eesc_headers,
    )
    app.jinja_env.filters.update(
        country_name=vocabulary.country_name,
        region_name=vocabulary.region_name,
        language_name=vocabulary.language_name,
        sector_label=lambda s: vocabulary.SECTOR_LABELS[s],
        linkify=groups.linkify_text,
        meeting_when=groups.meeting_when,
        output_state=outputs.state_label,
        output_kind=outputs.kind_label,
    )

    @app.context_processor
    def inject_site():
        return {
            "site_languages": list(app.config["LANGUAGES"].items()),
            "vocabulary": vocabulary,
        }
