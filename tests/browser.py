"""A live server and real Chromium, for the browser journeys."""

import os
import shutil
import threading

import pytest
from werkzeug.serving import make_server

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
HAVE_CHROMIUM = os.path.exists(CHROMIUM)

needs_chromium = pytest.mark.skipif(
    not HAVE_CHROMIUM and not os.environ.get("REQUIRE_BROWSER"),
    reason="Chromium not found at /usr/bin/chromium (apt-get install chromium)",
)


@pytest.fixture
def live_server(app):
    """The app served on a free port of 127.0.0.1 in a background thread."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


@pytest.fixture
def page(live_server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--disable-sync",
            ],
        )
        context = browser.new_context(base_url=live_server, locale="en-GB")
        page = context.new_page()
        # Script errors and anything the Content-Security-Policy refused.
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on(
            "console",
            lambda m: errors.append(m.text)
            if m.type == "error" and "Content Security Policy" in m.text
            else None,
        )
        page.console_errors = errors
        yield page
        context.close()
        browser.close()
