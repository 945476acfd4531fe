"""Access rules as decorators."""

from functools import wraps

from flask import abort
from flask_login import current_user, login_required


def secretariat_required(view):
    """Only secretariat accounts; others get 403, visitors are sent to log in."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_secretariat:
            abort(403)
        return view(*args, **kwargs)

    return wrapped
