#!/usr/bin/env bash
# Malformed SMB2 traffic against lwserver (see hostile_input.py), then a check it still runs.
set -euo pipefail
here=$(dirname "$(readlink -f "$0")")
source "$here/lib.sh"
trap lw_cleanup EXIT
lw_start_server "$1"
timeout 120 "$LW_PY" "$here/hostile_input.py" "$LW_PORT"
lw_alive
