#!/usr/bin/env bash
# lwbench idle against lwserver with a small N: every session comes up (each its own connection,
# session and tree connect), echoes are answered while they are held, every held session is
# still valid at the end, the memory figures are printed, and the server still serves. lwserver
# starts with a soft descriptor limit below N and must raise it to the hard limit itself. No
# timing or memory figure is asserted.
# Usage: idle_sessions_test.sh LWSERVER LWBENCH
set -euo pipefail
here=$(dirname "$(readlink -f "$0")")
source "$here/lib.sh"
LWSERVER=$1
LWBENCH=$2
trap lw_cleanup EXIT

sessions=300
hard=$(ulimit -Hn)
[ "$hard" = unlimited ] || [ "$hard" -gt $((sessions + 200)) ] || lw_fail "hard descriptor limit $hard is too low for this test"
# lwserver (and lwbench) inherit a soft limit of 256: fewer than the sessions held below.
ulimit -Sn 256
lw_start_server "$LWSERVER"
soft_hard=$(awk '/^Max open files/ { print $4, $5 }' "/proc/$LW_PID/limits")
read -r soft hard_seen <<<"$soft_hard"
[ "$soft" = "$hard_seen" ] || lw_fail "lwserver kept its soft descriptor limit: $soft_hard"

out=$(timeout 300 "$LWBENCH" //127.0.0.1/share -U "$LW_USER%$LW_PASS" -p "$LW_PORT" idle \
  --sessions "$sessions" --echoes 200 --server-pid "$LW_PID" 2>&1) || { echo "$out" >&2; lw_fail "lwbench idle failed"; }
echo "$out"
grep -q "^idle: $sessions sessions up in " <<<"$out" || lw_fail "not every session came up"
grep -qE "^idle: echo round trips while held: 200, p50 [0-9.]+ ms, p99 [0-9.]+ ms" <<<"$out" || lw_fail "no echo figures"
grep -qE "^idle: server memory before: 1 process, VmRSS [0-9]+ KiB" <<<"$out" || lw_fail "no memory figure before"
grep -qE "^idle: server memory with the sessions held: 1 process, VmRSS [0-9]+ KiB" <<<"$out" || lw_fail "no memory figure while held"
grep -qE "^idle: per session: VmRSS [-+][0-9.]+ KiB" <<<"$out" || lw_fail "no per-session figure"
grep -q "^idle: sessions still valid at the end: $sessions/$sessions$" <<<"$out" || lw_fail "a held session was lost"
lw_alive

# The server still serves after the sessions are gone.
ls_out=$(timeout 60 smbclient //127.0.0.1/ro -p "$LW_PORT" -U "$LW_USER%$LW_PASS" -c ls 2>&1) || lw_fail "smbclient after idle: $ls_out"
grep -q readme.txt <<<"$ls_out" || lw_fail "smbclient listing lacks readme.txt: $ls_out"

# idle runs on its own; a wrong password is a clean failure.
if "$LWBENCH" //127.0.0.1/share -p "$LW_PORT" idle meta >/dev/null 2>&1; then lw_fail "idle with another workload accepted"; fi
if "$LWBENCH" //127.0.0.1/share -p "$LW_PORT" --vs //127.0.0.1/share idle >/dev/null 2>&1; then lw_fail "idle with --vs accepted"; fi
set +e
bad=$(timeout 60 "$LWBENCH" //127.0.0.1/share -U "$LW_USER%wrong" -p "$LW_PORT" idle --sessions 2 2>&1)
rc=$?
set -e
[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] || lw_fail "wrong password: exit $rc"
grep -q "LOGON_FAILURE" <<<"$bad" || lw_fail "wrong password: '$bad' lacks LOGON_FAILURE"
lw_alive
echo "PASS"
