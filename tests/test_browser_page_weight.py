"""The home page's weight in Chromium, served as production serves it (gunicorn.conf.py, the
static files built, WhiteNoise): a first visit transfers at most 200 KB, a repeat visit with
the browser's cache warm at most 20 KB and asks for no static file again."""

import pytest

from scripts.bench import FIRST_VISIT_LIMIT, REPEAT_VISIT_LIMIT, page_weight

from .browser import needs_chromium
from .servers import build_static, gunicorn, migrated_sqlite, production_settings


@pytest.fixture(scope="session")
def built_static(tmp_path_factory):
    return build_static(tmp_path_factory)


@needs_chromium
def test_home_page_first_and_repeat_visit_stay_light(built_static, tmp_path):
    database = migrated_sqlite(tmp_path)
    with gunicorn(production_settings(database, built_static)) as base:
        figures = page_weight(base)
    # the ECL's stylesheets and script, the site's, the icon: each fetched once, compressed
    assert len(figures["first_static"]) >= 9, figures
    assert "br" in figures["first_encodings"] or "gzip" in figures["first_encodings"]
    assert figures["first_bytes"] <= FIRST_VISIT_LIMIT, figures
    assert figures["repeat_static"] == [], figures
    assert figures["repeat_requests"] == 1, figures  # the page alone
    assert figures["repeat_bytes"] <= REPEAT_VISIT_LIMIT, figures
