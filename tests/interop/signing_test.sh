#!/usr/bin/env bash
# server signing = mandatory and auto, checked with an impacket client that stops signing.
set -euo pipefail
here=$(dirname "$(readlink -f "$0")")
source "$here/lib.sh"
trap lw_cleanup EXIT
for mode in mandatory auto; do
  LW_EXTRA_GLOBAL="server signing = $mode"
  lw_start_server "$1"
  timeout 60 "$LW_PY" "$here/signing_test.py" "$LW_PORT" "$LW_USER" "$LW_PASS" "$mode"
  lw_alive
  lw_cleanup
  LW_PID= LW_TMP= LW_CREATED_USER=0
done
