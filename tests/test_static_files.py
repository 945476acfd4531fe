"""Static files in production: fingerprinted names from url_for("static"), brotli or gzip as
the browser accepts, a year's immutable caching; CSS still finds its fonts and images; pages
are never cached that way. Development serves static/ as it is."""

import gzip
import re
from pathlib import Path

import brotli
import pytest

from eukz_platform import create_app
from eukz_platform.assets import BuildError, build, load_manifest

from .servers import ROOT, SECRET, build_static

IMMUTABLE = "public, max-age=31536000, immutable"
HASHED = re.compile(r"^/static/dist/.+\.[0-9a-f]{12}\.(css|js|svg)$")


@pytest.fixture(scope="session")
def built_static(tmp_path_factory):
    return build_static(tmp_path_factory)


def production(database_url: str, built: Path, **settings):
    return create_app(
        {
            "SECRET_KEY": SECRET,
            "SITE_URL": "https://platform.example.eu",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "STATIC_BUILD": True,
            "STATIC_BUILD_DIR": str(built),
            **settings,
        }
    )


def assets_of(html: str) -> list[str]:
    return re.findall(r'(?:href|src)="(/static/[^"]+)"', html)


def get(client, path: str, encoding: str | None = None):
    headers = {"Accept-Encoding": encoding} if encoding else {}
    return client.get(path, base_url="https://platform.example.eu", headers=headers)


def test_pages_link_fingerprinted_files_served_compressed_and_immutable(database_url, built_static):
    client = production(database_url, built_static).test_client()
    page = get(client, "/")
    assert page.status_code == 200
    links = assets_of(page.get_data(as_text=True))
    assert len(links) >= 9  # the ECL's and the site's stylesheets and scripts, the icon
    assert all(HASHED.match(link) for link in links), links
    # The page itself is not cached as a static file is.
    assert "immutable" not in page.headers.get("Cache-Control", "")
    assert "max-age" not in page.headers.get("Cache-Control", "")
    manifest = load_manifest(built_static)
    originals = {f"/static/dist/{v}": k for k, v in manifest.items()}
    for link in links:
        original = (ROOT / "static" / originals[link]).read_bytes()
        plain = get(client, link)
        assert plain.status_code == 200, link
        assert plain.headers["Cache-Control"] == IMMUTABLE
        assert plain.headers["X-Content-Type-Options"] == "nosniff"
        if not link.endswith(".css"):
            assert plain.data == original
        if len(original) > 1000:
            br = get(client, link, "gzip, deflate, br")
            assert br.headers["Content-Encoding"] == "br"
            assert br.headers["Cache-Control"] == IMMUTABLE
            assert "Accept-Encoding" in br.headers["Vary"]
            assert brotli.decompress(br.data) == plain.data
            assert len(br.data) < len(plain.data) / 2
            gz = get(client, link, "gzip")
            assert gz.headers["Content-Encoding"] == "gzip"
            assert gzip.decompress(gz.data) == plain.data


def test_a_stylesheet_of_the_build_finds_every_file_it_refers_to(built_static):
    for css in built_static.rglob("*.css"):
        for ref in re.findall(r"url\(\s*['\"]?([^'\")]+)", css.read_text()):
            if ref.startswith(("data:", "#", "http:", "https:", "//")):
                continue
            target = (css.parent / ref.split("?")[0].split("#")[0]).resolve()
            assert target.is_file(), (css, ref)


def test_stylesheets_are_rewritten_to_the_fingerprinted_names(tmp_path):
    source = tmp_path / "static"
    (source / "vendor" / "fonts").mkdir(parents=True)
    (source / "vendor" / "images").mkdir()
    (source / "vendor" / "styles").mkdir()
    (source / "vendor" / "fonts" / "arial.woff2").write_bytes(b"wOF2" + bytes(200))
    (source / "vendor" / "images" / "icon.svg").write_text("<svg></svg>")
    (source / "vendor" / "styles" / "base.css").write_text("body { margin: 0 }")
    (source / "vendor" / "styles" / "main.css").write_text(
        '@import "base.css";\n'
        "@font-face { src: url('../fonts/arial.woff2?v=2#iefix') format('woff2') }\n"
        ".icon { background: url(../images/icon.svg) }\n"
        '.inline { background: url("data:image/svg+xml;utf8,<svg></svg>") }\n'
        ".far { background: url(https://elsewhere.example/x.png) }\n"
    )
    manifest = build(source, tmp_path / "dist")
    css = (tmp_path / "dist" / manifest["vendor/styles/main.css"]).read_text()
    font = manifest["vendor/fonts/arial.woff2"].rsplit("/", 1)[1]
    icon = manifest["vendor/images/icon.svg"].rsplit("/", 1)[1]
    base = manifest["vendor/styles/base.css"].rsplit("/", 1)[1]
    assert f'@import "{base}";' in css
    assert f"url('../fonts/{font}?v=2#iefix')" in css
    assert f"url(../images/{icon})" in css
    assert 'url("data:image/svg+xml;utf8,<svg></svg>")' in css
    assert "url(https://elsewhere.example/x.png)" in css
    # the stylesheet's own name follows its rewritten content
    assert re.fullmatch(
        r"vendor/styles/main\.[0-9a-f]{12}\.css", manifest["vendor/styles/main.css"]
    )
    # a new version of the font: a new name for it, and so for the stylesheet too
    (source / "vendor" / "fonts" / "arial.woff2").write_bytes(b"wOF2" + bytes(300))
    again = build(source, tmp_path / "dist")
    assert again["vendor/fonts/arial.woff2"] != manifest["vendor/fonts/arial.woff2"]
    assert again["vendor/styles/main.css"] != manifest["vendor/styles/main.css"]
    assert again["vendor/images/icon.svg"] == manifest["vendor/images/icon.svg"]
    # the earlier build's files stay, for pages served before an upgrade
    assert (tmp_path / "dist" / manifest["vendor/styles/main.css"]).exists()


def test_a_stylesheet_referring_to_a_missing_file_stops_the_build(tmp_path):
    source = tmp_path / "static"
    source.mkdir()
    (source / "site.css").write_text("@font-face { src: url(fonts/missing.woff2) }")
    with pytest.raises(BuildError, match="site.css refers to 'fonts/missing.woff2'"):
        build(source, tmp_path / "dist")


def test_development_serves_static_as_it_is(client):
    links = assets_of(client.get("/").get_data(as_text=True))
    assert "/static/css/site.css" in links
    assert "/static/vendor/ecl/styles/ecl-eu.css" in links
    assert not any("/dist/" in link for link in links)


def test_production_without_a_build_serves_static_as_it_is(database_url, tmp_path):
    client = production(database_url, tmp_path / "never-built").test_client()
    links = assets_of(get(client, "/").get_data(as_text=True))
    assert "/static/css/site.css" in links
    assert get(client, "/static/css/site.css").status_code == 200
