"""Views for the directory."""

from flask import render_template, request
from flask_login import current_user

from . import bp, services


@bp.get("/")
def index():
    page = request.args.get("page", 1, type=int)
    page = page if page and page > 0 else 1
    return render_template(
        "directory/index.html",
        organisations=services.organisations(current_user, page=page),
        contacts=services.contacts(current_user) if page == 1 else [],
    )
