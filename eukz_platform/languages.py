"""The site's languages: the one each request is answered in, a choice kept on the browser
and in the account, and the language of each person's mail.

A request is answered in (docs/architecture.md, "Languages"), the first that applies:
the signed-in person's language, kept in their account; the language chosen on this browser
(a cookie); the best match of the browser's ``Accept-Language``; the default, English.
Addresses are the same in every language, so a response whose words depend on the language
says so to caches (``Vary: Accept-Language, Cookie``).
"""

from __future__ import annotations

from collections.abc import Mapping

from flask import (
    Flask,
    Response,
    after_this_request,
    current_app,
    g,
    has_request_context,
    request,
)
from flask_babel import get_locale, get_translations, refresh
from flask_login import current_user, user_logged_in
from jinja2 import pass_context
from markupsafe import Markup

from .extensions import db


def site_languages() -> Mapping[str, str]:
    """Code → the language's name in that language, in the switcher's order."""
    return current_app.config["LANGUAGES"]


def default() -> str:
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def known(code: str | None) -> str | None:
    """``code`` when it is one of the site's languages, else None."""
    return code if code and code in site_languages() else None


def of(person) -> str:
    """The language a person's mail is written in: their account's, else the default."""
    return known(getattr(person, "locale", None)) or default()


def current() -> str:
    """The language being used now: the request's, or the one forced for a mail."""
    return str(get_locale() or default())


def chosen_on_this_browser() -> str | None:
    return known(request.cookies.get(current_app.config["LANGUAGE_COOKIE_NAME"]))


def visitor_language() -> str:
    """The language of a request without a signed-in person's choice."""
    return (
        chosen_on_this_browser()
        or request.accept_languages.best_match(list(site_languages()))
        or default()
    )


def select_locale() -> str:
    """Flask-Babel's locale selector: the language this request is answered in."""
    if not has_request_context():  # mail sent from the command line (housekeeping)
        return default()
    g.language_negotiated = True
    return _account_language() or visitor_language()


def _account_language() -> str | None:
    if g.get("loading_person_for_language"):
        return None  # asked again while the signed-in person is being loaded
    g.loading_person_for_language = True
    try:
        if not current_user.is_authenticated:
            return None
        return known(current_user.locale)
    finally:
        g.loading_person_for_language = False


def remember(response: Response, code: str) -> Response:
    """Keep ``code`` as this browser's choice, for a year."""
    config = current_app.config
    response.set_cookie(
        config["LANGUAGE_COOKIE_NAME"],
        code,
        max_age=config["LANGUAGE_COOKIE_MAX_AGE"],
        secure=config["LANGUAGE_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
    )
    return response


def choose(code: str, by) -> None:
    """A signed-in person's choice is kept in their account too (their mail follows it)."""
    if by.is_authenticated and by.locale != code:
        by.locale = code
        db.session.commit()


def _on_sign_in(_app: Flask, user, **_extra) -> None:
    """From signing in, the account's language applies, on this browser too. An account
    without one keeps the language the person has been reading the site in."""
    if not has_request_context():
        return
    code = known(user.locale)
    if code is None:
        user.locale = code = visitor_language()
        db.session.commit()

    @after_this_request
    def keep_on_this_browser(response: Response) -> Response:
        return remember(response, code)

    refresh()  # anything said after signing in is said in the account's language


def add_vary(response: Response) -> Response:
    """A response whose words were chosen by language may not be reused for another one."""
    if g.get("language_negotiated"):
        response.vary.update(("Accept-Language", "Cookie"))
    return response


def translations():
    """The current language's catalogue (Flask-Babel's ``get_translations``), kept on the
    request's Babel state while its locale stays the same object. Flask-Babel looks the
    catalogue up again for every message (about 10 µs, a few dozen times a page); ``force_locale``
    (mail in its reader's language) and ``refresh`` put another locale there, and the
    catalogue is looked up anew."""
    if not g:
        return get_translations()
    state = g.get("_flask_babel")
    kept = getattr(state, "eukz_translations", None)
    if kept is not None and kept[0] is getattr(state, "babel_locale", None):
        return kept[1]
    found = get_translations()
    state = g.get("_flask_babel")
    if state is not None:
        state.eukz_translations = (getattr(state, "babel_locale", None), found)
    return found


@pass_context
def _template_gettext(context, string: str, /, **variables) -> str:
    """``_()`` and ``{% trans %}`` in a template: the message in the page's language, escaped
    and filled as jinja2.ext's newstyle ``gettext`` does (always formatted, so a literal
    percent sign is written ``%%``)."""
    found = translations().ugettext(string)
    if context.eval_ctx.autoescape:
        found = Markup(found)  # nosec B704 # a message of our catalogue; the values are escaped
    return found % variables


@pass_context
def _template_ngettext(context, singular: str, plural: str, n: int, /, **variables) -> str:
    """``ngettext()`` and ``{% trans count=… %}`` in a template, as jinja2.ext's newstyle one."""
    variables.setdefault("num", n)
    found = translations().ungettext(singular, plural, n)
    if context.eval_ctx.autoescape:
        found = Markup(found)  # nosec B704 # a message of our catalogue; the values are escaped
    return found % variables


def register_languages(app: Flask) -> None:
    """The locale selector, the ``Vary`` header, the sign-in hook, and the templates' messages
    through ``translations``."""
    from .extensions import babel

    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
    # The two a page calls a few dozen times, as Jinja's newstyle ones do, in one call each
    # instead of three (``_`` calls ``gettext``, which calls the function above).
    app.jinja_env.globals.update(
        _=_template_gettext, gettext=_template_gettext, ngettext=_template_ngettext
    )
    app.after_request(add_vary)
    user_logged_in.connect(_on_sign_in, app)
