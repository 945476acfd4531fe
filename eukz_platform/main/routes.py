"""Views for the home page, the privacy notice and the language choice."""

from flask import abort, current_app, jsonify, render_template
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from .. import health, languages, visibility
from ..core.vocabulary import EU_MEMBER_STATES, country_name
from ..extensions import limiter
from ..groups import services as groups
from ..links import site_host
from ..navigation import redirect_next
from . import bp


@bp.get("/")
def index():
    return render_template("main/index.html", groups=groups.list_groups())


@bp.get("/healthz")
def healthz():
    """A bare answer, for load balancers and as the baseline of ``make bench``."""
    return "ok", 200, {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"}


@bp.get("/readyz")
@limiter.exempt
def readyz():
    """Ready to serve: the database answers at the migrations' head and every Redis
    configured answers (health.py). 200 or 503, with the reason; never stored by a cache."""
    ready, answer = health.readiness(current_app._get_current_object())
    return jsonify(answer), 200 if ready else 503, {"Cache-Control": "no-store"}


@bp.get("/privacy")
def privacy():
    config = current_app.config
    places = [p.strip() for p in str(config["DATA_HOSTING_LOCATION"]).split(",") if p.strip()]
    return render_template(
        "main/privacy.html",
        controller=config.get("PRIVACY_CONTROLLER")
        or _("The secretariat of the EU–Kazakhstan Civil Society Platform"),
        contact_link=Markup('<a class="ecl-link" href="mailto:{0}">{0}</a>').format(
            config.get("PRIVACY_CONTACT_EMAIL") or f"privacy@{site_host(current_app)}"
        ),
        hosting=[
            _("the European Union") if p.upper() == "EU" else country_name(p.upper())
            for p in places
        ],
        hosted_outside_eu=any(
            p.upper() != "EU" and p.upper() not in EU_MEMBER_STATES for p in places
        ),
        grace_days=int(config["CLOSURE_GRACE_DAYS"]),
        version=config["PRIVACY_NOTICE_VERSION"],
        rules=visibility.RULES,
    )


@bp.get("/language/<code>")
def set_language(code: str):
    """The header's language links (plain links, as ECL's language list has): the choice is
    kept on the browser, and in the account of a signed-in person; then back to the page."""
    if languages.known(code) is None:
        abort(404)
    languages.choose(code, by=current_user)
    return languages.remember(redirect_next("main.index"), code)
