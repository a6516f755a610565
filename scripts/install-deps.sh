#!/usr/bin/env bash
# Installs every Debian 12 package that lwsmb's build, tests and benchmarks need.
# Safe to run again: it asks apt only when a package is missing.
set -euo pipefail

PACKAGES=(
  # build
  build-essential cmake ninja-build pkg-config clang-format
  liburing-dev libssl-dev libkrb5-dev libfuse3-dev fuse3 libcli11-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  # interop peers for the tests and the side-by-side benchmarks
  samba smbclient samba-common-bin samba-testsuite python3-impacket krb5-kdc krb5-admin-server krb5-user fio dbench
  # the mount tests (tests/interop/mount_test.sh) also run git on the mount
  git
  # bench: the loopback ceiling the read figures are compared with
  iperf3
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
# Samba's packages would start their daemons on install; the tests start their own instances.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod 755 /usr/sbin/policy-rc.d
  trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
fi
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
