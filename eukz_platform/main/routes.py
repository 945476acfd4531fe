"""Views for the home page, the privacy notice and the language choice."""

from flask import abort, current_app, render_template, session

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


@bp.get("/privacy")
def privacy():
    return render_template("main/privacy.html")


@bp.get("/language/<code>")
def set_language(code: str):
    if code not in current_app.config["LANGUAGES"]:
        abort(404)
    session["lang"] = code
    return redirect_next("main.index")
