"""Static files as production serves them: fingerprinted, compressed, cached for a year.

``python -m eukz_platform.assets build`` (``make assets-build``) copies every file of
``static/`` into ``STATIC_BUILD_DIR`` (``static/dist/``, not committed) under a name that
holds a hash of its content (``css/site.3f2a9c1b7d4e.css``), rewrites the relative addresses
in CSS (``url(…)``, ``@import``) to the files' new names so that a stylesheet still finds its
fonts and images, writes a gzip and a brotli copy beside each file that compresses, and lists
the names in ``manifest.json``. Files of earlier builds stay (pages served by the code before
an upgrade still find theirs); ``--clean`` starts afresh.

With ``STATIC_BUILD`` on (production's default) and the manifest there, ``url_for("static",
filename=…)`` gives the fingerprinted address and WhiteNoise serves those files before the
app sees the request: the encoding the browser accepts (brotli, gzip or none), and
``Cache-Control: public, max-age=31536000, immutable`` since a file's content never changes
under its name. Pages are the app's and are never cached that way.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import posixpath
import re
import shutil
import sys
import tempfile
from pathlib import Path

from flask import Flask

logger = logging.getLogger(__name__)

MANIFEST = "manifest.json"
URL_PREFIX = "dist"  # under the app's static URL: /static/dist/…
HASH_LENGTH = 12
IMMUTABLE = "public, max-age=31536000, immutable"
FINGERPRINTED = re.compile(rf"\.[0-9a-f]{{{HASH_LENGTH}}}(\.[^/]*)?$")
CSS_URL = re.compile(r"""(?P<head>url\(\s*(?P<quote>['"]?))(?P<ref>[^'")]*)(?P=quote)""", re.I)
CSS_IMPORT = re.compile(r"""(?P<head>@import\s+(?P<quote>['"]))(?P<ref>[^'"]*)(?P=quote)""", re.I)


class BuildError(Exception):
    """A stylesheet refers to a file that static/ does not hold."""


def fingerprinted_name(relative: str, content: bytes) -> str:
    """``css/site.css`` → ``css/site.<hash of content>.css``."""
    digest = hashlib.sha256(content).hexdigest()[:HASH_LENGTH]
    directory, name = posixpath.split(relative)
    stem, dot, suffix = name.partition(".")
    hashed = f"{stem}.{digest}.{suffix}" if dot else f"{name}.{digest}"
    return posixpath.join(directory, hashed)


def _is_external(ref: str) -> bool:
    ref = ref.strip()
    return (
        not ref
        or ref.startswith(("data:", "#", "/", "about:"))
        or "://" in ref
        or ref.lower().startswith("javascript:")
    )


class _Builder:
    def __init__(self, source: Path, target: Path):
        self.source = source
        self.target = target
        self.files = {
            path.relative_to(source).as_posix(): path
            for path in sorted(source.rglob("*"))
            if path.is_file()
            and target not in path.parents
            and not any(part.startswith(".") for part in path.relative_to(source).parts)
            and path.suffix not in (".gz", ".br")
        }
        self.manifest: dict[str, str] = {}
        self.in_progress: set[str] = set()

    def build(self) -> dict[str, str]:
        for relative in self.files:
            self.hashed(relative)
        return self.manifest

    def hashed(self, relative: str) -> str:
        """The fingerprinted name of ``relative``, written into the target on first use."""
        if relative in self.manifest:
            return self.manifest[relative]
        if relative in self.in_progress:
            raise BuildError(f"static/{relative}: stylesheets that import each other in a loop")
        self.in_progress.add(relative)
        content = self.files[relative].read_bytes()
        if relative.endswith(".css"):
            content = self.rewrite_css(relative, content.decode("utf-8")).encode("utf-8")
        name = fingerprinted_name(relative, content)
        path = self.target / name
        if not path.exists():  # the same name holds the same content: written once
            path.parent.mkdir(parents=True, exist_ok=True)
            part = path.with_name(f".{path.name}.part")
            part.write_bytes(content)
            _compress(part, path)
            part.replace(path)
        self.in_progress.discard(relative)
        self.manifest[relative] = name
        return name

    def rewrite_css(self, relative: str, css: str) -> str:
        directory = posixpath.dirname(relative)

        def replace(match: re.Match) -> str:
            ref = match.group("ref")
            if _is_external(ref):
                return match.group(0)
            address, mark, rest = _split_suffix(ref.strip())
            wanted = posixpath.normpath(posixpath.join(directory, address))
            if wanted not in self.files:
                raise BuildError(
                    f"static/{relative} refers to {ref!r} (static/{wanted}), which is not there"
                )
            new = posixpath.relpath(self.hashed(wanted), directory or ".")
            return f"{match.group('head')}{new}{mark}{rest}{match.group('quote')}"

        return CSS_IMPORT.sub(replace, CSS_URL.sub(replace, css))


def _split_suffix(ref: str) -> tuple[str, str, str]:
    """``font.woff?v=2#iefix`` → (``font.woff``, ``?``, ``v=2#iefix``)."""
    for mark in ("?", "#"):
        if mark in ref:
            address, _, rest = ref.partition(mark)
            return address, mark, rest
    return ref, "", ""


def _compress(part: Path, final: Path) -> None:
    """A .br and a .gz beside ``final`` when they are smaller (WhiteNoise's compressor)."""
    from whitenoise.compress import Compressor

    compressor = Compressor(quiet=True)
    if not compressor.should_compress(final.name):
        return
    for written in compressor.compress(str(part)):
        os.replace(written, str(final) + written[len(str(part)) :])


def build(source: Path, target: Path, *, clean: bool = False) -> dict[str, str]:
    """Fingerprint, rewrite and compress every file of ``source`` into ``target``; write
    and return the manifest (original name → fingerprinted name)."""
    source, target = Path(source).resolve(), Path(target).resolve()
    if clean and target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True, exist_ok=True)
    manifest = _Builder(source, target).build()
    # Replaced in one step: a server starting meanwhile reads the old manifest or the new.
    with tempfile.NamedTemporaryFile("w", dir=target, suffix=".json", delete=False) as f:
        json.dump({"version": 1, "files": manifest}, f, indent=1, sort_keys=True)
    os.replace(f.name, target / MANIFEST)
    return manifest


def load_manifest(directory: Path) -> dict[str, str] | None:
    """The built names, or None when nothing was built there."""
    try:
        data = json.loads((Path(directory) / MANIFEST).read_text())
    except (FileNotFoundError, ValueError):
        return None
    return data.get("files") if isinstance(data, dict) else None


def init_app(app: Flask) -> None:
    """With ``STATIC_BUILD``: fingerprinted ``url_for("static")`` and WhiteNoise in front."""
    if not app.config.get("STATIC_BUILD"):
        return
    directory = Path(app.config["STATIC_BUILD_DIR"])
    manifest = load_manifest(directory)
    if manifest is None:
        # gunicorn.conf.py refuses to serve like this; commands need no static files.
        logger.debug(
            "Static files are not built in %s: static/ is served as it is. "
            "Run `make assets-build` before serving.",
            directory,
        )
        return
    from whitenoise import WhiteNoise

    app.extensions["eukz_static_manifest"] = manifest

    @app.url_defaults
    def fingerprint(endpoint: str, values: dict) -> None:
        if endpoint == "static":
            built = manifest.get(values.get("filename"))
            if built is not None:
                values["filename"] = f"{URL_PREFIX}/{built}"

    def add_headers(headers, path: str, url: str) -> None:
        if FINGERPRINTED.search(url):
            headers["Cache-Control"] = IMMUTABLE
        headers["X-Content-Type-Options"] = "nosniff"

    prefix = f"{app.static_url_path}/{URL_PREFIX}/"
    served = WhiteNoise(
        app.wsgi_app,
        root=str(directory),
        prefix=prefix,
        max_age=60,
        add_headers_function=add_headers,
    )
    served.files.pop(prefix + MANIFEST, None)
    app.wsgi_app = served


def is_built(app: Flask) -> bool:
    """Whether the app serves the built static files (or is not meant to)."""
    return not app.config.get("STATIC_BUILD") or "eukz_static_manifest" in app.extensions


def main(argv: list[str] | None = None) -> int:
    from config import BASE_DIR

    parser = argparse.ArgumentParser(
        prog="python -m eukz_platform.assets", description=__doc__.split("\n\n")[0]
    )
    sub = parser.add_subparsers(dest="command", required=True)
    command = sub.add_parser("build", help="fingerprint and compress static/ into the build")
    command.add_argument(
        "--target",
        type=Path,
        default=Path(os.environ.get("STATIC_BUILD_DIR") or BASE_DIR / "static" / "dist"),
        help="where to write (default: STATIC_BUILD_DIR, else static/dist)",
    )
    command.add_argument("--clean", action="store_true", help="remove earlier builds first")
    args = parser.parse_args(argv)
    try:
        manifest = build(BASE_DIR / "static", args.target, clean=args.clean)
    except BuildError as e:
        print(f"assets: {e}", file=sys.stderr)
        return 1
    print(f"assets: {len(manifest)} static files built in {args.target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
