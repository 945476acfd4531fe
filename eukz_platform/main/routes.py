"""Views for the home page, the privacy notice and the language choice."""

from flask import abort, current_app, jsonify, render_template
from flask_login import current_user

from .. import health, languages
from ..extensions import limiter
from ..groups import services as groups
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
    return render_template("main/privacy.html")


@bp.get("/language/<code>")
def set_language(code: str):
    """The header's language links (plain links, as ECL's language list has): the choice is
    kept on the browser, and in the account of a signed-in person; then back to the page."""
    if languages.known(code) is None:
        abort(404)
    languages.choose(code, by=current_user)
    return languages.remember(redirect_next("main.index"), code)
