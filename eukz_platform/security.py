"""Security headers: a strict Content-Security-Policy and friends on every response; pages
for signed-in people are never stored by a shared cache; HSTS over HTTPS in production; a
guard against control characters in requests."""

import re

from flask import Flask, Response, abort, current_app, request, session
from flask_babel import gettext as _
from werkzeug.middleware.proxy_fix import ProxyFix

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def set_security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if current_app.config.get("HSTS") and request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", current_app.config["HSTS"])
    if _signed_in_request() and request.endpoint != "static":
        # A page made for one person: no shared proxy may keep it, nor the browser's cache
        # once they have logged out. (Visitors' kept pages are public and stay as they are.)
        response.headers["Cache-Control"] = "private, no-store"
        response.vary.add("Cookie")
    return response


def _signed_in_request() -> bool:
    """The request carries a sign-in (session or "remember me" cookie), read without a
    database statement."""
    cookie = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    return "_user_id" in session or cookie in request.cookies


def register_security_headers(app: Flask) -> None:
    app.after_request(set_security_headers)
    proxies = app.config.get("TRUSTED_PROXIES") or 0
    if proxies:
        # Behind this many reverse proxies: the client's address (rate limits), scheme
        # (HTTPS, HSTS, secure cookies) and host come from their X-Forwarded-* headers.
        app.wsgi_app = ProxyFix(
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_prefix=proxies
        )


# Control characters (C0, DEL, C1): none belongs in an address, a query string, the name of a
# form field or of an uploaded file. A NUL byte belongs nowhere (PostgreSQL refuses it in
# text); the other control characters in a form's values are refused beside their field.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


def _refuses(request_) -> bool:
    if _CONTROL.search(request_.path):
        return True
    for key, value in request_.args.items(multi=True):
        if _CONTROL.search(key) or _CONTROL.search(value):
            return True
    for key, value in request_.form.items(multi=True):
        if _CONTROL.search(key) or "\x00" in value:
            return True
    for key, upload in request_.files.items(multi=True):
        if _CONTROL.search(key) or "\x00" in (upload.filename or ""):
            return True
    return False


def refuse_control_characters() -> None:
    """400 for a request that carries a control character where none may be."""
    if _refuses(request):
        abort(
            400,
            description=_(
                "The request holds a control character (such as a NUL byte) where none is allowed."
            ),
        )


def register_input_guard(app: Flask) -> None:
    app.before_request(refuse_control_characters)
