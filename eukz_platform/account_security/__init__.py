"""Sign-in and security: two-factor sign-in and the devices a person is signed in on."""

from flask import Blueprint

bp = Blueprint("account_security", __name__)

from . import routes  # noqa: E402, F401 - the routes on bp
