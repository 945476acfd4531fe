#!/bin/sh
# Copy the compiled Europa Component Library (ECL), EU preset, into static/vendor/ecl/.
#
# Run from the repository root after `npm ci` (`make assets` does both). The copied files are
# committed, so running the site needs no Node. Only what the site uses is copied:
#   styles/   the main and print stylesheets, the optional reset, the styles for plain HTML
#             inside an element with class "ecl" (ecl-eu-default*), and the utility classes
#   scripts/  ecl-eu.js (the browser build; exposes the global ECL)
#   images/logo/  the EU emblem in English (standard and condensed, positive and negative),
#             for the SITE_LOGO setting
#   LICENSE   the licence text shipped in the package (ECL is distributed under the EUPL)
# The stylesheets reference no fonts or images outside data: URIs (the EU preset uses Arial),
# so nothing else is needed. Source maps (*.map) are left out; the files do not reference them.
#
# package-lock.json pins @ecl/preset-eu alone, without the component source packages it
# declares: its dist/ is self-contained, and those packages are only needed to rebuild it.
set -eu

src=node_modules/@ecl/preset-eu
dest=static/vendor/ecl

if [ ! -f "$src/package.json" ]; then
    echo "vendor-ecl: $src not found; run 'npm ci' first (from the repository root)" >&2
    exit 1
fi

version=$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$src/package.json" | head -n 1)

rm -rf "$dest"
mkdir -p "$dest/styles" "$dest/scripts" \
    "$dest/images/logo/standard-version/positive" "$dest/images/logo/standard-version/negative" \
    "$dest/images/logo/condensed-version/positive" "$dest/images/logo/condensed-version/negative"

cp "$src/dist/styles/ecl-eu.css" "$src/dist/styles/ecl-eu-print.css" "$dest/styles/"
for name in ecl-reset.css ecl-eu-default.css ecl-eu-default-print.css ecl-eu-utilities.css; do
    cp "$src/dist/styles/optional/$name" "$dest/styles/"
done
cp "$src/dist/scripts/ecl-eu.js" "$dest/scripts/"

for variant in standard-version/positive standard-version/negative \
    condensed-version/positive condensed-version/negative; do
    cp "$src/dist/images/logo/$variant/logo-eu--en.svg" "$dest/images/logo/$variant/"
done
cp "$src/dist/images/logo/logo-eu--mute.svg" "$dest/images/logo/"

cp "$src/LICENSE" "$dest/LICENSE"
printf '%s\n' "@ecl/preset-eu $version, copied by scripts/vendor-ecl.sh from the npm package (EUPL-1.2, see LICENSE)." \
    > "$dest/VERSION"

echo "vendor-ecl: @ecl/preset-eu $version -> $dest ($(du -sk "$dest" | cut -f1) KiB)"
