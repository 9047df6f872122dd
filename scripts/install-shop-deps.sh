#!/usr/bin/env bash
# Installs the Debian packages the reference shop runs on, where they are missing:
#   rabbitmq-server  the broker between CRM and MES
#   postgresql       the Shop DB and MES DB (the shop runs its own private cluster; the package's
#                    default cluster is not used)
#   chromium         the headless browser of the store-page e2e test
#
#   sudo bash scripts/install-shop-deps.sh
#
# Debian and Ubuntu only (apt-get). Nothing is started or enabled as a system service here: the shop
# starts private instances on free ports and stops them when it ends.
set -euo pipefail

readonly PACKAGES=(rabbitmq-server postgresql chromium)

missing=()
for pkg in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]} == 0)); then
  echo "install-shop-deps: ${PACKAGES[*]} already installed"
  exit 0
fi
command -v apt-get >/dev/null || { echo "install-shop-deps: apt-get not found; install ${missing[*]} with your package manager" >&2; exit 1; }
if [[ $(id -u) -ne 0 ]]; then
  echo "install-shop-deps: installing ${missing[*]} needs root: run with sudo" >&2
  exit 1
fi
echo "install-shop-deps: installing ${missing[*]}"
apt-get update -qq
# policy-rc.d refuses service starts during install: the packages would otherwise start a system-wide
# broker and database on the default ports, which the shop neither needs nor wants.
# An existing policy-rc.d (container images ship one) is left as it is.
if [[ ! -e /usr/sbin/policy-rc.d ]]; then
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
fi
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "install-shop-deps: done"
