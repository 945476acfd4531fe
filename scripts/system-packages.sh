#!/bin/sh
# PyICU (UTS #39 skeletons of organisation names) builds against the system's ICU: it needs
# ICU's headers, pkg-config and a C++ compiler. On Debian or Ubuntu as root they are
# installed here; elsewhere this says what to install.
set -eu
if pkg-config --exists icu-uc 2>/dev/null && command -v c++ >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing ICU's headers, pkg-config and g++ (for PyICU)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libicu-dev pkg-config g++ >/dev/null
  exit 0
fi
echo "PyICU needs ICU's headers, pkg-config and a C++ compiler:" >&2
echo "  Debian/Ubuntu: sudo apt-get install libicu-dev pkg-config g++" >&2
echo "  Fedora: sudo dnf install libicu-devel pkgconf gcc-c++;  macOS: brew install icu4c pkg-config" >&2
exit 1
