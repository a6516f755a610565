#!/usr/bin/env bash
set -euo pipefail
here=$(dirname "$(readlink -f "$0")")
source "$here/lib.sh"
trap lw_cleanup EXIT
lw_start_server "$1"
timeout 120 "$LW_PY" "$here/impacket_test.py" "$LW_PORT" "$LW_USER" "$LW_PASS" "$LW_TMP/share"
lw_alive
