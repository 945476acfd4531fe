"""Absolute links, built from the configured site address, never from the request's Host.

Links in mail, calendar files and API responses leave the site: built from the Host header
of the request, a forged Host would send a password-reset link to another site.
"""

from urllib.parse import urlsplit

from flask import Flask, current_app
from werkzeug.routing import MapAdapter


def site_url_from_config(config: dict) -> str | None:
    """``SITE_URL``, else ``PREFERRED_URL_SCHEME://SERVER_NAME/APPLICATION_ROOT``; None if
    neither is set. Raises ValueError for an address that is not http(s)://host[/path]."""
    url = (config.get("SITE_URL") or "").strip()
    if not url and config.get("SERVER_NAME"):
        root = (config.get("APPLICATION_ROOT") or "/").rstrip("/")
        url = f"{config.get('PREFERRED_URL_SCHEME') or 'http'}://{config['SERVER_NAME']}{root}"
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query:
        raise ValueError(f"SITE_URL must look like https://platform.example.eu, not {url!r}")
    return url.rstrip("/")


def _adapter(app: Flask) -> MapAdapter:
    adapter = app.extensions.get("eukz_site_url_adapter")
    if adapter is None:
        parts = urlsplit(app.config["SITE_URL"])
        adapter = app.url_map.bind(
            parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme
        )
        app.extensions["eukz_site_url_adapter"] = adapter
    return adapter


def site_url(endpoint: str, _anchor: str | None = None, **values) -> str:
    """The absolute address of ``endpoint`` on the configured site, e.g. for a mailed link."""
    url = _adapter(current_app._get_current_object()).build(endpoint, values, force_external=True)
    return f"{url}#{_anchor}" if _anchor else url


def site_host(app: Flask) -> str:
    """The host name (and port, if any) of the configured site address."""
    return urlsplit(app.config["SITE_URL"]).netloc
