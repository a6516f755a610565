#!/usr/bin/env bash
# Reconnect through mount.lwsmb (issue 6, "Server killed (SIGKILL) and restarted during a copy"):
#   reconnect_test.sh samba    MOUNT_LWSMB LWSERVER   Samba's smbd with durable handles: a copy
#                                                     survives a SIGKILLed connection (cmp);
#                                                     SIGKILL of smbd itself gives EIO
#   reconnect_test.sh lwserver MOUNT_LWSMB LWSERVER   lwserver (no durable handles): the writer
#                                                     gets EIO, a reader gets right bytes or EIO,
#                                                     never wrong ones; new opens work after
# The copy is throttled (a small python writer) so that it is still running when the server is
# killed. RECONNECT_MB (default 128) sets the file size.
#
# Samba (4.17) keeps a durable handle across a lost connection, not across the death of the
# smbd process that holds it: smbXsrv_open_global_verify_record() refuses a DH2C for an open
# whose smbd is gone, and a restart of all of smbd clears locking.tdb and
# smbXsrv_open_global.tdb (opened CLEAR_IF_FIRST). So the samba mode does both:
#   1. the connection dies by SIGKILL: the mount talks to smbd through a small TCP relay on
#      loopback, which is killed with SIGKILL and started again on the same port. smbd sees the
#      connection drop, keeps the durable open, and the copy completes and matches.
#   2. the smbd child serving the connection is killed with SIGKILL (the parent stays and
#      serves the reconnect): the durable open is refused, so the writer gets EIO, and a new
#      open through the same mount works.
# RECONNECT_SAMBA_KILL=all kills every smbd process and starts smbd again instead of 2 (same
# expected outcome: EIO).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

MODE=${1:?mode: samba or lwserver}
BIN=$(readlink -f "${2:?mount.lwsmb binary}")
LWSERVER=$(readlink -f "${3:?lwserver binary}")
SIZE_MB=${RECONNECT_MB:-128}
SAMBA_KILL=${RECONNECT_SAMBA_KILL:-child}

T=$(mktemp -d "${TMPDIR:-/tmp}/lwsmb-reconnect-XXXXXX")
MNT=$T/mnt
mkdir -p "$MNT"
MOUNTED=0
BG=()

cleanup() {
  set +e
  local p
  if [ "$MOUNTED" = 1 ] && grep -q " $MNT " /proc/mounts; then
    umount "$MNT" 2>/dev/null || umount -l "$MNT" 2>/dev/null
  fi
  for p in "${BG[@]}"; do kill "$p" 2>/dev/null; done
  if [ -n "${SMB_PID:-}" ]; then
    kill -9 -- "-$SMB_PID" 2>/dev/null
    smb_stop_samba
  fi
  lw_cleanup
  rm -rf "$T"
}
trap cleanup EXIT

step() { echo "--- $* ($(date +%T))"; }

lw_sanitizer_logs "$T"

# writer SRC DST MIB_PER_S: copies in 1 MiB writes at about that rate, then fsync and close.
# Exit 0 when all of it was written; 1 with the error text otherwise.
cat >"$T/writer.py" <<'PY'
import os, sys, time
src, dst, rate = sys.argv[1], sys.argv[2], float(sys.argv[3])
chunk = 1 << 20
try:
    with open(src, "rb") as s:
        fd = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        start = time.monotonic()
        n = 0
        while True:
            b = s.read(chunk)
            if not b:
                break
            off = 0
            while off < len(b):
                off += os.write(fd, b[off:])
            n += 1
            ahead = n / rate - (time.monotonic() - start)
            if ahead > 0:
                time.sleep(ahead)
        os.fsync(fd)
        os.close(fd)
except OSError as e:
    print("writer:", e.strerror, file=sys.stderr)
    sys.exit(1)
PY
# reader MOUNTED_FILE REFERENCE MIB_PER_S: reads and compares chunk by chunk. Exit 0: all read
# and equal; 2: EIO; 3: wrong bytes.
cat >"$T/reader.py" <<'PY'
import errno, sys, time
path, ref, rate = sys.argv[1], sys.argv[2], float(sys.argv[3])
chunk = 1 << 20
try:
    with open(path, "rb", buffering=0) as f, open(ref, "rb") as r:
        start = time.monotonic()
        n = 0
        while True:
            want = r.read(chunk)
            # A read may return less than asked (the part before a failed one): each piece
            # must match where it lands.
            have = 0
            while have < len(want):
                got = f.read(len(want) - have)
                if not got:
                    break
                if got != want[have:have + len(got)]:
                    print("reader: WRONG DATA at MiB", n, file=sys.stderr)
                    sys.exit(3)
                have += len(got)
            if have != len(want):
                print("reader: early end of file at MiB", n, file=sys.stderr)
                sys.exit(3)
            if not want:
                if f.read(1):
                    print("reader: data past the end", file=sys.stderr)
                    sys.exit(3)
                break
            n += 1
            ahead = n / rate - (time.monotonic() - start)
            if ahead > 0:
                time.sleep(ahead)
except OSError as e:
    print("reader:", e.strerror, file=sys.stderr)
    sys.exit(2 if e.errno == errno.EIO else 4)
PY

# relay LISTEN_PORT TARGET_PORT: forwards every loopback connection to the target port.
cat >"$T/relay.py" <<'PY'
import socket, sys, threading
lport, tport = int(sys.argv[1]), int(sys.argv[2])
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", lport))
ls.listen(16)
def pump(a, b):
    try:
        while True:
            d = a.recv(1 << 20)
            if not d:
                break
            b.sendall(d)
    except OSError:
        pass
    for s in (a, b):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
while True:
    c, _ = ls.accept()
    u = socket.create_connection(("127.0.0.1", tport))
    for a, b in ((c, u), (u, c)):
        threading.Thread(target=pump, args=(a, b), daemon=True).start()
PY

# Starts lwserver again on its port. The killed process's listening socket can stay open for a
# moment after it is reaped (io_uring tears its ring down asynchronously), so a start that
# ends with "Address already in use" is tried again (at most ~10 s in all).
restart_lwserver() {
  local try i
  for try in $(seq 1 20); do
    "$LWSERVER" -s "$LW_TMP/smb.conf" --foreground >>"$LW_TMP/stdout.log" 2>&1 &
    LW_PID=$!
    for i in $(seq 1 50); do
      kill -0 "$LW_PID" 2>/dev/null || break
      if "$LW_PY" -c "import socket,sys; s=socket.socket(); s.settimeout(0.2); sys.exit(s.connect_ex(('127.0.0.1',$LW_PORT)))" 2>/dev/null; then
        return 0
      fi
      sleep 0.1
    done
    if kill -0 "$LW_PID" 2>/dev/null; then return 1; fi
    wait "$LW_PID" 2>/dev/null || true
    sleep 0.2
  done
  return 1
}

# Waits (at most ~20 s) until FILE on the server side has at least MIB MiB.
wait_size() {
  local f=$1 mib=$2 i
  for i in $(seq 1 200); do
    if [ -e "$f" ] && [ "$(stat -c %s "$f")" -ge $((mib * 1024 * 1024)) ]; then return 0; fi
    sleep 0.1
  done
  return 1
}

# Waits (at most ~40 s) for background PID and sets RC to its exit code.
wait_rc() {
  local pid=$1 i
  for i in $(seq 1 400); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then lw_fail "process $pid still running after 40 s"; fi
  RC=0
  wait "$pid" || RC=$?
}

lw_start_server "$LWSERVER"
BACKEND=$LW_TMP/share
SHARE=//127.0.0.1/share

case "$MODE" in
  samba)
    . "$HERE/../../bench/scripts/samba_lib.sh"
    kill "$LW_PID" 2>/dev/null || true  # lwserver only made the user and the folder
    wait "$LW_PID" 2>/dev/null || true
    LW_PID=
    # Durable handles need Samba's own oplocks and share modes, not the kernel's.
    SMB_EXTRA_SHARES="  durable handles = yes
  kernel oplocks = no
  kernel share modes = no
  posix locking = no"
    smb_start_samba "$BACKEND"
    PORT=$(lw_free_port)
    "$LW_PY" "$T/relay.py" "$PORT" "$SMB_PORT" &
    RELAY=$!
    BG+=("$RELAY")
    lw_wait_port "$PORT" || lw_fail "relay did not start"
    ;;
  lwserver)
    PORT=$LW_PORT
    ;;
  *) lw_fail "unknown mode $MODE" ;;
esac

step "mount"
# In the foreground, in the background: its log (reconnect messages) is shown on failure.
"$BIN" "$SHARE" "$MNT" -o "port=$PORT,username=$LW_USER,password=$LW_PASS,foreground${RECONNECT_MOUNT_OPTS:+,$RECONNECT_MOUNT_OPTS}" \
  2>"$T/mount.log" &
BG+=($!)
MOUNTED=1
for _ in $(seq 1 100); do
  grep -q " $MNT " /proc/mounts && break
  sleep 0.1
done
grep -q " $MNT " /proc/mounts || { cat "$T/mount.log" >&2; lw_fail "not mounted"; }
fail() {
  echo "--- mount.lwsmb log (last lines)" >&2
  tail -n 40 "$T/mount.log" >&2
  lw_fail "$@"
}

head -c "${SIZE_MB}M" /dev/urandom >"$T/src"

# The smbd child that serves the mount's connection (the one with the established socket).
smbd_child() {
  ss -tnpH state established "( sport = :$SMB_PORT )" | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2
}

if [ "$MODE" = samba ]; then
  step "copy ${SIZE_MB} MiB onto the mount; SIGKILL the connection's relay and restart it"
  "$LW_PY" "$T/writer.py" "$T/src" "$MNT/copy" 24 2>"$T/writer.err" &
  WRITER=$!
  BG+=("$WRITER")
  wait_size "$BACKEND/copy" 16 || fail "the copy did not start"
  kill -9 "$RELAY"
  wait "$RELAY" 2>/dev/null || true
  sleep 0.3
  "$LW_PY" "$T/relay.py" "$PORT" "$SMB_PORT" &
  RELAY=$!
  BG+=("$RELAY")
  wait_rc "$WRITER"
  cat "$T/writer.err" >&2
  [ "$RC" = 0 ] || fail "the copy failed across the reconnect (rc $RC)"
  cmp "$T/src" "$BACKEND/copy" || fail "the file on the server differs from the source"
  cmp "$T/src" "$MNT/copy" || fail "the file read back through the mount differs"
  grep -q "reconnected; [1-9][0-9]* open(s) kept" "$T/mount.log" ||
    fail "mount.lwsmb did not report a reconnect that kept the open"
  grep -E "connection lost|reconnected" "$T/mount.log" || true
  echo "copy survived the dropped connection (durable handle reopened) and matches"

  step "copy again; SIGKILL smbd ($SAMBA_KILL) during it"
  "$LW_PY" "$T/writer.py" "$T/src" "$MNT/copy2" 24 2>"$T/writer.err" &
  WRITER=$!
  BG+=("$WRITER")
  wait_size "$BACKEND/copy2" 16 || fail "the second copy did not start"
  if [ "$SAMBA_KILL" = child ]; then
    CHILD=$(smbd_child)
    [ -n "$CHILD" ] && [ "$CHILD" != "$SMB_PID" ] || fail "no smbd child for the connection"
    kill -9 "$CHILD"
  else
    kill -9 -- "-$SMB_PID"
    wait "$SMB_PID" 2>/dev/null || true
    sleep 0.5
    setsid smbd --foreground --no-process-group -s "$SMB_TMP/smb.conf" >>"$SMB_TMP/stdout" 2>&1 &
    SMB_PID=$!
    lw_wait_port "$SMB_PORT" || fail "smbd did not restart"
  fi
  wait_rc "$WRITER"
  cat "$T/writer.err" >&2
  [ "$RC" != 0 ] || fail "the copy succeeded although smbd lost its durable handle"
  grep -q "Input/output error" "$T/writer.err" || fail "the writer did not get EIO"
  step "new opens after the kill"
  echo "after kill" >"$MNT/after.txt" || fail "cannot create a file after the kill"
  [ "$(cat "$BACKEND/after.txt")" = "after kill" ] || fail "new file content"
  cmp "$T/src" "$MNT/copy" || fail "the first copy reads back differently after the kill"
else
  step "reference file for the reader"
  head -c 64M /dev/urandom >"$T/ref"
  cp "$T/ref" "$MNT/ref"
  cmp "$T/ref" "$BACKEND/ref" || fail "reference file differs"
  step "copy and read during SIGKILL of lwserver and its restart"
  "$LW_PY" "$T/writer.py" "$T/src" "$MNT/copy" 24 2>"$T/writer.err" &
  WRITER=$!
  BG+=("$WRITER")
  "$LW_PY" "$T/reader.py" "$MNT/ref" "$T/ref" 12 2>"$T/reader.err" &
  READER=$!
  BG+=("$READER")
  wait_size "$BACKEND/copy" 16 || fail "the copy did not start"
  kill -9 "$LW_PID"
  wait "$LW_PID" 2>/dev/null || true
  restart_lwserver || fail "lwserver did not restart"
  wait_rc "$WRITER"
  WRC=$RC
  wait_rc "$READER"
  cat "$T/writer.err" "$T/reader.err" >&2
  [ "$WRC" != 0 ] || fail "the writer did not fail although its open was lost"
  grep -q "Input/output error" "$T/writer.err" || fail "the writer did not get EIO"
  case "$RC" in
    0) echo "reader finished with correct data" ;;
    2) echo "reader got EIO" ;;
    3) fail "the reader got wrong data" ;;
    *) fail "reader failed unexpectedly (rc $RC)" ;;
  esac
  step "new opens after the restart"
  echo "after restart" >"$MNT/after.txt" || fail "cannot create a file after the restart"
  [ "$(cat "$BACKEND/after.txt")" = "after restart" ] || fail "new file content"
  cmp "$T/ref" "$MNT/ref" || fail "reading the reference file again gives other bytes"
fi

step "unmount"
umount "$MNT" || fail "umount failed"
MOUNTED=0
lw_sanitizer_check "$T"
echo "PASS: reconnect ($MODE)"
