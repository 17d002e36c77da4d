#!/usr/bin/env bash
# Makes sure the browser tests have Debian's Chromium at /usr/bin/chromium (see src/cli/local-browser.ts).
# Present: nothing to do. Missing on Debian or Ubuntu as root, or with passwordless sudo: installs it with
# apt-get, as CI does. Otherwise: prints the one command that installs it and exits 1.
# `npm test` and `.ci/run` both call this script, so the decision lives here only.
#
# For the unit test (test/unit/ensure-chromium.test.ts) the paths can be moved:
#   CHROMIUM_PATH        the browser the tests launch (default /usr/bin/chromium)
#   DEBIAN_VERSION_FILE  the file that marks a Debian-family system (default /etc/debian_version)
set -euo pipefail

chromium="${CHROMIUM_PATH:-/usr/bin/chromium}"
debian_version="${DEBIAN_VERSION_FILE:-/etc/debian_version}"
install_command="sudo apt-get update && sudo apt-get install -y chromium"

[ -x "$chromium" ] && exit 0

if [ ! -f "$debian_version" ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "The browser tests need Chromium at $chromium. On Debian or Ubuntu: $install_command" >&2
  echo "Elsewhere, install Chromium and link its executable to $chromium." >&2
  exit 1
fi

if [ "$(id -u)" = 0 ]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo=(sudo -n)
else
  echo "The browser tests need Chromium at $chromium. Install it with: $install_command" >&2
  exit 1
fi

echo "ensure-chromium: installing Debian's chromium (apt-get)"
"${sudo[@]}" apt-get update -qq
# Through env: sudo drops the caller's environment.
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
if [ ! -x "$chromium" ]; then
  echo "apt-get installed chromium, but $chromium is still missing (on Ubuntu the package may be a snap: link its executable to $chromium)." >&2
  exit 1
fi
