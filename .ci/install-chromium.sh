#!/usr/bin/env bash
# Installs the browser the page tests drive (test/web/): Debian's `chromium` package, driven by
# puppeteer-core. Idempotent: installs only when no chromium is found; runs `apt-get update` first when
# it must install. Debian/Ubuntu, as root (CI). Prints the browser's path and exits 0 when it is present,
# 3 when it cannot be installed (the tests then skip with this script's message).
set -euo pipefail

find_browser() {
  for b in "${PERIOGT_CHROMIUM:-}" chromium chromium-browser google-chrome-stable google-chrome; do
    [[ -n "$b" ]] || continue
    if command -v "$b" >/dev/null 2>&1; then
      command -v "$b"
      return 0
    fi
  done
  return 1
}

if path=$(find_browser); then
  echo "$path"
  exit 0
fi

if [[ "$(id -u)" -ne 0 ]]; then
  echo "install-chromium: no chromium found; run as root to install Debian's chromium package" >&2
  exit 3
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-chromium: no chromium found and apt-get is not available on this system" >&2
  exit 3
fi

export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=300 update >&2
apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends chromium fonts-dejavu-core >&2 || {
  echo "install-chromium: apt-get could not install chromium" >&2
  exit 3
}
if path=$(find_browser); then
  echo "$path"
  exit 0
fi
echo "install-chromium: chromium was installed but is not on PATH" >&2
exit 3
