#!/usr/bin/env bash
# Idle sessions: what holding many idle clients costs a server. lwbench idle opens N connections,
# each with its own session and tree connect, holds them, times ECHO round trips on one more
# connection (p50/p99), and reads the server's resident memory from /proc before and while
# they are held. lwserver gets --sessions N; Samba's smbd (one forked process per connection)
# gets --samba-sessions M, and its figures are the sums over smbd and its children (VmRSS counts
# the pages shared between them in every process, Pss splits them).
#   bench/idle-sessions.sh [--sessions N] [--samba-sessions M] [--echoes K] [--no-samba]
#                          [--lwserver BINARY] [--build DIR]
# Defaults: 1000 sessions for lwserver, 200 for Samba, 2000 echoes. Needs root (a throwaway
# user), smbd for the comparison, and a built tree.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build
sessions=1000
samba_sessions=200
echoes=2000
samba=1
lwserver=
while [ $# -gt 0 ]; do
  case $1 in
    --sessions) sessions=$2; shift ;;
    --samba-sessions) samba_sessions=$2; shift ;;
    --echoes) echoes=$2; shift ;;
    --no-samba) samba=0 ;;
    --lwserver) lwserver=$2; shift ;;
    --build) build=$2; shift ;;
    -h | --help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "idle-sessions.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
build=$(cd "$build" && pwd)
source "$root/tests/interop/lib.sh"
source "$root/bench/scripts/samba_lib.sh"
[ -n "$lwserver" ] || lwserver=$build/server/lwserver
lwbench=$build/bench/lwbench
[ -x "$lwserver" ] || lw_fail "no lwserver at $lwserver (build first)"
[ -x "$lwbench" ] || lw_fail "no lwbench in $build (build first)"
# The client side holds one descriptor per session.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

cleanup() { smb_stop_samba || true; lw_cleanup; }  # (smb_stop_samba fails when no smbd ran)
trap cleanup EXIT
lw_start_server "$lwserver"
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "== lwserver (pid $LW_PID), $sessions idle sessions"
timeout 600 "$lwbench" //127.0.0.1/share -U "$LW_USER%$LW_PASS" -p "$LW_PORT" idle \
  --sessions "$sessions" --echoes "$echoes" --server-pid "$LW_PID"
lw_alive

if [ "$samba" = 1 ]; then
  command -v smbd >/dev/null || lw_fail "smbd is not installed (apt-get install samba), or pass --no-samba"
  smb_start_samba "$LW_TMP/share"
  # The listening smbd is the parent of every per-connection smbd.
  sleep 1
  echo
  echo "== Samba smbd (pid $SMB_PID), $samba_sessions idle sessions"
  timeout 600 "$lwbench" //127.0.0.1/share -U "$LW_USER%$LW_PASS" -p "$SMB_PORT" idle \
    --sessions "$samba_sessions" --echoes "$echoes" --server-pid "$SMB_PID"
fi
