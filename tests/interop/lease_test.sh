#!/usr/bin/env bash
# Two mount.lwsmb mounts of one share see each other's changes (issue 6), on real mounts (needs
# /dev/fuse and root):
#   lease_test.sh samba    MOUNT_LWSMB LWSERVER    Samba's smbd on 127.0.0.1 (leases)
#   lease_test.sh lwserver MOUNT_LWSMB LWSERVER    lwserver on 127.0.0.1 (oplocks only)
# 1. A and B mount with actimeo=30. A writes a file, B reads it and keeps it open (its lease or
#    oplock stays), B reads it again from its cache. A rewrites it in place (same size) and sets
#    its mtime: B sees the new content and mtime at once, far inside actimeo, because the server
#    breaks B's lease/oplock and B drops what it cached.
# 2. C mounts with actimeo=1. A change made directly on the server's disk (no break can say so)
#    shows on C after actimeo + 1 s.
# 3. Unmounting A sends TREE_DISCONNECT and LOGOFF (the server's log says so).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

MODE=${1:?mode: samba or lwserver}
BIN=$(readlink -f "${2:?mount.lwsmb binary}")
LWSERVER=$(readlink -f "${3:?lwserver binary}")

T=$(mktemp -d "${TMPDIR:-/tmp}/lwsmb-lease-XXXXXX")
MOUNTS=()
is_mounted() { grep -q " $1 " /proc/mounts; }
cleanup() {
  set +e
  exec 3<&- 2>/dev/null
  local m
  for m in "${MOUNTS[@]}"; do
    if is_mounted "$m"; then umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null; fi
  done
  if [ -n "${SMB_PID:-}" ]; then smb_stop_samba; fi
  lw_cleanup
  rm -rf "$T"
}
trap cleanup EXIT
step() { echo "--- $* ($(date +%T))"; }

lw_sanitizer_logs "$T"

case "$MODE" in
  lwserver)
    LW_EXTRA_GLOBAL="log level = 4" lw_start_server "$LWSERVER"
    PORT=$LW_PORT
    SERVER_LOG=$LW_TMP/lwserver.log
    LOGOFF_RE='LOGOFF of session'
    TDIS_RE='TREE_DISCONNECT of tree'
    ;;
  samba)
    . "$HERE/../../bench/scripts/samba_lib.sh"
    lw_start_server "$LWSERVER"  # for its user and scratch folder; smbd is the peer here
    kill "$LW_PID" 2>/dev/null || true
    # A second [global] section adds to the first: the SMB2 dispatcher's trace names every
    # request it runs.
    SMB_EXTRA_SHARES=$'[global]\n  log level = 1 smb2:10' smb_start_samba "$LW_TMP/share"
    PORT=$SMB_PORT
    SERVER_LOG=$SMB_TMP/log.smbd
    LOGOFF_RE='opcode\[SMB2_OP_LOGOFF\]'
    TDIS_RE='opcode\[SMB2_OP_TDIS\]'
    ;;
  *) lw_fail "unknown mode $MODE" ;;
esac
BACKEND=$LW_TMP/share

do_mount() {
  local mnt=$1 extra=$2
  mkdir -p "$mnt"
  MOUNTS+=("$mnt")
  "$BIN" //127.0.0.1/share "$mnt" -o "port=$PORT,username=$LW_USER,password=$LW_PASS,$extra" ||
    lw_fail "mount $mnt failed"
}

# Polls (every 0.1 s, at most $2 s) until the command in $3... succeeds; prints the seconds
# it took.
within() {
  local limit=$1 i
  shift
  for i in $(seq 0 $((limit * 10))); do
    if "$@"; then
      echo "$((i / 10)).$((i % 10))"
      return 0
    fi
    sleep 0.1
  done
  return 1
}
content_is() { [ "$(cat "$1" 2>/dev/null)" = "$2" ]; }
mtime_is() { [ "$(stat -c %Y "$1" 2>/dev/null)" = "$2" ]; }

step "mount A and B (actimeo=30)"
do_mount "$T/a" actimeo=30
do_mount "$T/b" actimeo=30

step "A writes, B reads and keeps the file open"
printf 'version-one\n' >"$T/a/f"
content_is "$T/b/f" version-one || lw_fail "B does not see A's new file"
exec 3<"$T/b/f"
content_is "$T/b/f" version-one || lw_fail "B's second read"
OLD_MTIME=$(stat -c %Y "$T/b/f")

step "A rewrites it in place and sets its mtime; B sees both at once"
printf 'version-two\n' | dd of="$T/a/f" conv=notrunc status=none
NEW_MTIME=$(date -d '2001-02-03 04:05:06' +%s)
touch -d '2001-02-03 04:05:06' "$T/a/f"
[ "$NEW_MTIME" != "$OLD_MTIME" ] || lw_fail "test setup: the mtimes are equal"
# "At once": well inside actimeo (30 s); a missed break would show the old data for 30 s.
took=$(within 5 content_is "$T/b/f" version-two) ||
  lw_fail "B still shows the old content: $(cat "$T/b/f")"
echo "B saw the new content after ${took} s"
took=$(within 5 mtime_is "$T/b/f" "$NEW_MTIME") ||
  lw_fail "B still shows the old mtime $(stat -c %Y "$T/b/f") (want $NEW_MTIME)"
echo "B saw the new mtime after ${took} s"
[ "$(stat -c %s "$T/b/f")" = 12 ] || lw_fail "B's size"
# B's open file reads the new data too.
[ "$(cat <&3)" = version-two ] || lw_fail "B's open descriptor reads old data"
exec 3<&-

step "A appends; B sees the new size at once"
printf 'more\n' >>"$T/a/f"
took=$(within 5 content_is "$T/b/f" $'version-two\nmore') || lw_fail "B does not see the append"
echo "B saw the append after ${took} s"
[ "$(stat -c %s "$T/b/f")" = 17 ] || lw_fail "B's size after the append"

step "C (actimeo=1) sees a change made on the server's disk within actimeo + 1 s"
do_mount "$T/c" actimeo=1
printf 'disk-one\n' >"$BACKEND/g"
content_is "$T/c/g" disk-one || lw_fail "C does not see g"
DISK_MTIME=$(date -d '2002-03-04 05:06:07' +%s)
printf 'disk-two\n' >"$BACKEND/g"
touch -d '2002-03-04 05:06:07' "$BACKEND/g"
sleep 2
content_is "$T/c/g" disk-two || lw_fail "C shows $(cat "$T/c/g") after actimeo + 1 s"
mtime_is "$T/c/g" "$DISK_MTIME" || lw_fail "C's mtime after actimeo + 1 s"

step "unmount A: TREE_DISCONNECT and LOGOFF reach the server"
before_logoff=$(grep -c -E "$LOGOFF_RE" "$SERVER_LOG" || true)
before_tdis=$(grep -c -E "$TDIS_RE" "$SERVER_LOG" || true)
umount "$T/a"
# The mount process logs off after the kernel lets go; wait for it (bounded).
within 10 bash -c "[ \$(grep -c -E '$LOGOFF_RE' '$SERVER_LOG') -gt $before_logoff ]" >/dev/null ||
  lw_fail "no LOGOFF in the server's log after unmount"
[ "$(grep -c -E "$TDIS_RE" "$SERVER_LOG")" -gt "$before_tdis" ] ||
  lw_fail "no TREE_DISCONNECT in the server's log after unmount"
umount "$T/b"
umount "$T/c"

lw_sanitizer_check "$T"
if [ "$MODE" = lwserver ]; then lw_alive; fi
echo "PASS: lease_test $MODE"
