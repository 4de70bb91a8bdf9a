#!/usr/bin/env bash
# Installs the OpenSSH server the remote tests start (test/remote/): Debian's `openssh-server` package.
# Idempotent: installs only when /usr/sbin/sshd is missing; runs `apt-get update` first when it must
# install. Debian/Ubuntu, as root (CI). Prints sshd's path and exits 0 when it is present, 3 when it
# cannot be installed (the tests then skip with this script's message).
set -euo pipefail

if [[ -x /usr/sbin/sshd ]]; then
  echo /usr/sbin/sshd
  exit 0
fi
if [[ "$(id -u)" -ne 0 ]]; then
  echo "install-openssh-server: no /usr/sbin/sshd; run as root to install Debian's openssh-server package" >&2
  exit 3
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-openssh-server: no /usr/sbin/sshd and apt-get is not available on this system" >&2
  exit 3
fi
export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=300 update >&2
apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends openssh-server openssh-client >&2 || {
  echo "install-openssh-server: apt-get could not install openssh-server" >&2
  exit 3
}
if [[ -x /usr/sbin/sshd ]]; then
  echo /usr/sbin/sshd
  exit 0
fi
echo "install-openssh-server: openssh-server installed but /usr/sbin/sshd is missing" >&2
exit 3
