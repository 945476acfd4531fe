"""A person's own account: see, download, correct and delete what the platform holds about
them; agree to the current privacy notice; close their organisation."""

from flask import Blueprint

bp = Blueprint("account", __name__)

from . import consent, routes  # noqa: E402, F401 - the routes and the consent check on bp
