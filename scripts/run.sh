#!/usr/bin/env bash
# Installs what is missing, builds, and runs the main job: lwserver exporting a demo share.
#   bash scripts/run.sh [PORT]        (default 4455; Ctrl-C stops the server)
set -euo pipefail
cd "$(dirname "$0")/.."
port=${1:-4455}
bash scripts/install-deps.sh
cmake -S . -B build -G Ninja >/dev/null
cmake --build build -j "${LWSMB_JOBS:-2}" --target lwserver

demo=$PWD/build/demo
mkdir -p "$demo/share"
# Guests write as the Unix account "nobody".
chown nobody "$demo/share" 2>/dev/null || chmod 0777 "$demo/share"
[ -e "$demo/share/README.txt" ] ||
  echo "Served by lwserver, the lwsmb SMB2/SMB3 server." >"$demo/share/README.txt"
cat >"$demo/smb.conf" <<CONF
# Demo configuration written by scripts/run.sh.
[global]
  smb ports = $port
  passdb = $demo/smbpasswd
  map to guest = bad user
  log level = 1

[demo]
  comment = lwsmb demo share
  path = $demo/share
  read only = no
  guest ok = yes
CONF
./build/server/lwserver testparm -s "$demo/smb.conf" >/dev/null
cat <<EOF2

lwserver is serving $demo/share as [demo] on port $port. Connect with:
  smbclient //127.0.0.1/demo -p $port -N -c ls                  (as guest)
  mount -t cifs //127.0.0.1/demo /mnt -o port=$port,guest       (Linux kernel client)
Add a user (needs a Unix account of the same name) and connect as it:
  ./build/server/lwserver user add \$USER -s $demo/smb.conf
  smbclient //127.0.0.1/demo -p $port -U \$USER
Press Ctrl-C to stop.

EOF2
exec ./build/server/lwserver -s "$demo/smb.conf" --foreground
