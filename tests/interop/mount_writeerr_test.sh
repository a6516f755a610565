#!/usr/bin/env bash
# Write-behind must not lose errors: mount.lwsmb on a share whose disk is a 4 MiB tmpfs, a
# writer writes 8 MiB in 1 MiB writes. A WRITE completes once queued, so the server's
# STATUS_DISK_FULL arrives after write(2) returned; it must come back from a later write(2),
# fsync(2) or close(2) as ENOSPC, never be lost. Then the space is freed and writing works again,
# and a sequential read of a file bigger than the read-ahead window (the rdr read-ahead path)
# returns the right bytes, also after the file is changed through another descriptor.
#   mount_writeerr_test.sh lwserver|samba MOUNT_LWSMB LWSERVER
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
MODE=${1:?lwserver or samba}
BIN=$(readlink -f "${2:?mount.lwsmb}")
LWSERVER=${3:?lwserver}

T=$(mktemp -d "${TMPDIR:-/tmp}/lwsmb-writeerr-XXXXXX")
MNT=$T/mnt
SMALL=$T/small
mkdir -p "$MNT" "$SMALL"
chmod 755 "$T"  # Samba runs as the user and must reach the share
cleanup() {
  set +e
  grep -q " $MNT " /proc/mounts && { umount "$MNT" 2>/dev/null || umount -l "$MNT"; }
  [ -n "${SMB_PID:-}" ] && smb_stop_samba
  lw_cleanup
  grep -q " $SMALL " /proc/mounts && umount "$SMALL"
  rm -rf "$T"
}
trap cleanup EXIT
lw_sanitizer_logs "$T"
mount -t tmpfs -o size=4m,mode=0777 tmpfs "$SMALL" || lw_fail "cannot mount a small tmpfs"
LW_EXTRA_SHARES="
[small]
  path = $SMALL
  read only = no"
lw_start_server "$LWSERVER"
chown "$LW_USER" "$SMALL"
PORT=$LW_PORT
if [ "$MODE" = samba ]; then
  . "$HERE/../../bench/scripts/samba_lib.sh"
  SMB_EXTRA_SHARES="$LW_EXTRA_SHARES"
  smb_start_samba "$LW_TMP/share"
  PORT=$SMB_PORT
fi
"$BIN" //127.0.0.1/small "$MNT" -o "port=$PORT,username=$LW_USER,password=$LW_PASS" ||
  lw_fail "mount failed"

"$LW_PY" - "$MNT" "$SMALL" <<'PY' || lw_fail "write-behind lost or misreported the disk-full error"
import errno, os, sys
mnt, backend = sys.argv[1], sys.argv[2]
path = os.path.join(mnt, "big")
block = os.urandom(1 << 20)
errors = []
fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
written = 0
for i in range(8):
    try:
        written += os.write(fd, block)
    except OSError as e:
        errors.append(("write", i, e.errno))
        break
try:
    os.fsync(fd)
except OSError as e:
    errors.append(("fsync", e.errno))
try:
    os.close(fd)
except OSError as e:
    errors.append(("close", e.errno))
print("written", written, "errors", errors)
assert errors, "8 MiB went into a 4 MiB disk and no call failed"
assert all(e[-1] == errno.ENOSPC for e in errors), "not ENOSPC: %r" % errors
on_disk = os.path.getsize(os.path.join(backend, "big"))
assert on_disk < 8 << 20, "the server holds %d bytes" % on_disk
# The error was reported; the mount works again once there is room.
os.unlink(path)
data = os.urandom(3 << 20)
with open(path, "wb") as f:
    f.write(data)
with open(os.path.join(backend, "big"), "rb") as f:
    assert f.read() == data, "the server has other data after the rewrite"
# Sequential reads through read-ahead, in odd sizes, and a change through another descriptor
# in the middle of the reader.
r = os.open(path, os.O_RDONLY)
got = b""
while len(got) < len(data) // 2:
    got += os.read(r, 100000)
w = os.open(path, os.O_WRONLY)
os.pwrite(w, b"X" * 4096, len(data) - 8192)
os.close(w)
expect = data[: len(data) - 8192] + b"X" * 4096 + data[len(data) - 4096 :]
while True:
    b = os.read(r, 100000)
    if not b:
        break
    got += b
os.close(r)
assert len(got) == len(expect), (len(got), len(expect))
assert got == expect, "a reader saw stale or wrong data"
os.unlink(path)
PY
umount "$MNT"
lw_alive
sleep 0.5  # the daemon exits after its unmount
lw_sanitizer_check "$T"
echo "PASS: mount_writeerr_test $MODE"
