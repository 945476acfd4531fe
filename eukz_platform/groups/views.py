"""Views for working groups."""

from flask import render_template

from . import bp, services


@bp.get("/")
def index():
    return render_template("groups/index.html", groups=services.list_groups())
