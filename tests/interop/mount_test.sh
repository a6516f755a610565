#!/usr/bin/env bash
# The FUSE mount, end to end, on a real mount (needs /dev/fuse and root):
#   mount_test.sh local    LWSMB_LOCAL_MOUNT          a local folder through pvfs
#   mount_test.sh lwserver MOUNT_LWSMB LWSERVER       lwserver on 127.0.0.1 through rdr
#   mount_test.sh samba    MOUNT_LWSMB LWSERVER       Samba's smbd on 127.0.0.1 through rdr
# Each does: cp of a random file in and out + cmp, mkdir -p of a deep tree, tar of a source
# tree there and back + diff -r, rename (and RENAME_NOREPLACE), unlink, truncate, append,
# stat sizes and mtimes, chmod, POSIX locks, git init/add/commit, fio verify jobs, dbench,
# then the mount-time errors (bad options, and for servers wrong password, missing share,
# unreachable server): a plain line, a non-zero exit and nothing left in /proc/mounts.
# MOUNT_TEST_MB (default 256) sets the size of the copied file.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

MODE=${1:?mode: local, lwserver or samba}
BIN=${2:?mount binary}
BIN=$(readlink -f "$BIN")
SIZE_MB=${MOUNT_TEST_MB:-256}
SRC_TREE=$(cd "$HERE/../.." && pwd)  # the lwsmb sources: a tree to tar

T=$(mktemp -d /tmp/lwsmb-mount-XXXXXX)
MNT=$T/mnt
mkdir -p "$MNT"
MOUNTS=()

is_mounted() { grep -q " $1 " /proc/mounts; }

unmount_all() {
  local m
  for m in "${MOUNTS[@]}"; do
    if is_mounted "$m"; then umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true; fi
  done
}

cleanup() {
  set +e
  unmount_all
  if [ "${MADE_HELPER:-0}" = 1 ]; then rm -f /sbin/mount.fuse.lwsmb; fi
  if [ -n "${SMB_PID:-}" ]; then smb_stop_samba; fi
  lw_cleanup
  rm -rf "$T"
}
trap cleanup EXIT

step() { echo "--- $* ($(date +%T))"; }

# In a sanitizer build the mount daemons' stderr is /dev/null: their reports go to files,
# checked at the end.
lw_sanitizer_logs "$T"

# The server side of the mount and how to mount it.
BACKEND=  # the directory the mount shows, for checks from outside
case "$MODE" in
  local)
    BACKEND=$T/backend
    mkdir -p "$BACKEND"
    do_mount() { "$BIN" "$BACKEND" "$1" "${@:2}"; }
    ;;
  lwserver)
    LWSERVER=${3:?lwserver binary}
    lw_start_server "$LWSERVER"
    BACKEND=$LW_TMP/share
    SHARE=//127.0.0.1/share
    do_mount() { "$BIN" "$SHARE" "$1" -o "port=$LW_PORT,username=$LW_USER,password=$LW_PASS" "${@:2}"; }
    ;;
  samba)
    LWSERVER=${3:?lwserver binary}
    . "$HERE/../../bench/scripts/samba_lib.sh"
    lw_start_server "$LWSERVER"  # for its user and scratch folder; smbd is the peer here
    kill "$LW_PID" 2>/dev/null || true
    BACKEND=$LW_TMP/share
    smb_start_samba "$BACKEND"
    SHARE=//127.0.0.1/share
    do_mount() { "$BIN" "$SHARE" "$1" -o "port=$SMB_PORT,username=$LW_USER,password=$LW_PASS" "${@:2}"; }
    ;;
  *) lw_fail "unknown mode $MODE" ;;
esac

# --- mount ---
step "mount"
MOUNTS+=("$MNT")
do_mount "$MNT" || lw_fail "mount failed"
is_mounted "$MNT" || lw_fail "not in /proc/mounts after mount"
grep " $MNT " /proc/mounts | grep -q "fuse.lwsmb" || lw_fail "mount type is not fuse.lwsmb"

# --- big file in and out ---
step "cp ${SIZE_MB} MiB in and out"
head -c "${SIZE_MB}M" /dev/urandom >"$T/big"
cp "$T/big" "$MNT/big"
cmp "$T/big" "$BACKEND/big" || lw_fail "file on the server differs from what was copied in"
cp "$MNT/big" "$T/big.back"
cmp "$T/big" "$T/big.back" || lw_fail "file copied out differs"
[ "$(stat -c %s "$MNT/big")" = $((SIZE_MB * 1024 * 1024)) ] || lw_fail "size of big file"
rm -f "$MNT/big" "$T/big.back"
[ ! -e "$BACKEND/big" ] || lw_fail "unlink did not reach the server"

# --- deep tree ---
step "mkdir -p"
DEEP=a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q/r/s/t
mkdir -p "$MNT/deep/$DEEP"
[ -d "$BACKEND/deep/$DEEP" ] || lw_fail "deep tree missing on the server"
echo leaf >"$MNT/deep/$DEEP/leaf.txt"
[ "$(cat "$BACKEND/deep/$DEEP/leaf.txt")" = leaf ] || lw_fail "leaf content"

# --- tar a source tree there and back ---
step "tar there and back"
mkdir -p "$T/srctree" "$T/back" "$MNT/tree"
tar -C "$SRC_TREE" -cf - iocore proto auth | tar -C "$T/srctree" -xf -
tar -C "$T/srctree" -cf - . | tar -C "$MNT/tree" --no-same-owner -xf -
tar -C "$MNT/tree" -cf - . | tar -C "$T/back" -xf -
diff -r "$T/srctree" "$T/back" || lw_fail "tree differs after the round trip"
diff -r "$T/srctree" "$BACKEND/tree" || lw_fail "tree on the server differs"

# --- rename, unlink, truncate, append ---
step "rename, unlink, truncate, append"
echo one >"$MNT/r1"
echo two >"$MNT/r2"
mv "$MNT/r1" "$MNT/r3"
[ ! -e "$MNT/r1" ] && [ "$(cat "$MNT/r3")" = one ] || lw_fail "rename"
[ -e "$BACKEND/r3" ] && [ ! -e "$BACKEND/r1" ] || lw_fail "rename on the server"
mv "$MNT/r3" "$MNT/deep/a/r3"
[ "$(cat "$MNT/deep/a/r3")" = one ] || lw_fail "rename into a subdirectory"
mv -f "$MNT/deep/a/r3" "$MNT/r2"
[ "$(cat "$MNT/r2")" = one ] || lw_fail "rename over an existing file"
echo keep >"$MNT/r4"
"$LW_PY" - "$MNT/r2" "$MNT/r4" <<'PY' || lw_fail "RENAME_NOREPLACE"
import ctypes, errno, os, sys
libc = ctypes.CDLL(None, use_errno=True)
r = libc.renameat2(-100, sys.argv[1].encode(), -100, sys.argv[2].encode(), 1)  # RENAME_NOREPLACE
assert r == -1 and ctypes.get_errno() == errno.EEXIST, (r, ctypes.get_errno())
assert open(sys.argv[2]).read() == "keep\n"
PY
# The lock-file pattern (git, editors): write NAME.lock, rename it over NAME just read and
# closed (the kernel releases asynchronously, so NAME may still be open for a moment); and a
# removed name is free again at once.
for i in $(seq 1 20); do
  echo "$i" >"$MNT/cfg.lock"
  cat "$MNT/cfg" >/dev/null 2>&1 || true
  mv "$MNT/cfg.lock" "$MNT/cfg" || lw_fail "rename over a just-closed file ($i)"
  rm -f "$MNT/g"
  echo "$i" >"$MNT/g" || lw_fail "create after unlink ($i)"
done
[ "$(cat "$MNT/cfg")" = 20 ] && [ "$(cat "$MNT/g")" = 20 ] || lw_fail "lock-file pattern content"
[ -z "$(ls -a "$MNT" | grep lwsmb-deleted)" ] || lw_fail "hidden deleted files are listed"
rm "$MNT/cfg" "$MNT/g"
mv "$MNT/deep/a/b/c" "$MNT/moved"
[ -f "$MNT/moved/d/e/f/g/h/i/j/k/l/m/n/o/p/q/r/s/t/leaf.txt" ] || lw_fail "rename of a directory"
rm "$MNT/r2" "$MNT/r4"
[ ! -e "$MNT/r2" ] && [ ! -e "$BACKEND/r2" ] || lw_fail "unlink"
rmdir "$MNT/deep/a/b" || lw_fail "rmdir of an empty directory"
if rmdir "$MNT/moved" 2>/dev/null; then lw_fail "rmdir of a non-empty directory worked"; fi
printf 'hello world\n' >"$MNT/t"
truncate -s 5 "$MNT/t"
[ "$(cat "$MNT/t")" = hello ] || lw_fail "truncate down"
truncate -s 100000 "$MNT/t"
[ "$(stat -c %s "$MNT/t")" = 100000 ] || lw_fail "truncate up: size"
[ "$(tail -c 99995 "$MNT/t" | tr -d '\0' | wc -c)" = 0 ] || lw_fail "truncate up: not zeros"
: >"$MNT/t"
[ "$(stat -c %s "$MNT/t")" = 0 ] || lw_fail "truncate to 0 by O_TRUNC"
echo first >>"$MNT/t"
echo second >>"$MNT/t"
[ "$(cat "$MNT/t")" = "$(printf 'first\nsecond')" ] || lw_fail "append"
[ "$(stat -c %s "$BACKEND/t")" = 13 ] || lw_fail "append on the server"

dd if=/dev/zero of="$MNT/fs" bs=4k count=4 conv=fsync status=none || lw_fail "write + fsync"
[ "$(stat -c %s "$BACKEND/fs")" = 16384 ] || lw_fail "fsync size on the server"
rm "$MNT/fs"

# POSIX: an unlinked file stays readable through open descriptors, and its name is free at
# once (SMB would keep the name until the last close: the file is moved to a hidden name).
"$LW_PY" - "$MNT" <<'PY' || lw_fail "unlink of an open file"
import os, sys
d = sys.argv[1]
p = os.path.join(d, "open-unlinked")
with open(p, "w") as f:
    f.write("old data")
fd = os.open(p, os.O_RDONLY)
os.unlink(p)
assert not os.path.exists(p), "name still there after unlink"
with open(p, "w") as f:
    f.write("new")
assert os.pread(fd, 100, 0) == b"old data", "open descriptor lost the data"
assert not any(n.startswith(".lwsmb-deleted-") for n in os.listdir(d)), "hidden name listed"
os.close(fd)
assert open(p).read() == "new"
os.unlink(p)
PY
sleep 0.3  # the kernel's RELEASE of the last descriptor is asynchronous
[ -z "$(ls -a "$BACKEND" | grep lwsmb-deleted)" ] || lw_fail "deleted file left on the server after its last close"

# --- stat: sizes and times, chmod ---
step "stat, utimens, chmod"
head -c 12345 /dev/urandom >"$MNT/s"
[ "$(stat -c %s "$MNT/s")" = 12345 ] || lw_fail "stat size"
touch -d '2020-01-02 03:04:05 UTC' "$MNT/s"
[ "$(stat -c %Y "$MNT/s")" = 1577934245 ] || lw_fail "mtime after touch -d: $(stat -c %Y "$MNT/s")"
[ "$(stat -c %Y "$BACKEND/s")" = 1577934245 ] || lw_fail "mtime on the server"
before=$(date +%s)
sleep 1.1
echo more >>"$MNT/s"
sleep 1.1  # past actimeo
[ "$(stat -c %Y "$MNT/s")" -ge "$before" ] || lw_fail "mtime did not move with a write"
[ "$(stat -c %s "$MNT/s")" = 12350 ] || lw_fail "size after append"
chmod a-w "$MNT/s"
[ "$(stat -c %A "$MNT/s" | tr -d 'rx-')" = "" ] || lw_fail "chmod a-w left write bits: $(stat -c %A "$MNT/s")"
chmod u+w "$MNT/s"
[ -n "$(stat -c %A "$MNT/s" | tr -d 'rx-')" ] || lw_fail "chmod u+w: $(stat -c %A "$MNT/s")"
chmod a-w "$MNT/s"
rm -f "$MNT/s"  # a read-only file can still be removed, as on POSIX
[ ! -e "$MNT/s" ] || lw_fail "unlink of a read-only file"
df "$MNT" >/dev/null || lw_fail "statfs"

# --- POSIX locks across two opens ---
step "locks"
echo lockme >"$MNT/lockfile"
"$LW_PY" - "$MNT/lockfile" <<'PY' || lw_fail "POSIX locks"
import fcntl, os, sys, subprocess
path = sys.argv[1]
fd = os.open(path, os.O_RDWR)
fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 4, 0)
child = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR)
try:
    fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 4, 0)
    sys.exit(1)  # must not get it
except OSError:
    pass
fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 4, 100)  # another range is free
"""
r = subprocess.run([sys.executable, "-c", child, path])
assert r.returncode == 0, "second process got a held lock or missed a free one"
fcntl.lockf(fd, fcntl.LOCK_UN, 4, 0)
r = subprocess.run([sys.executable, "-c",
    "import fcntl,os,sys; fd=os.open(sys.argv[1], os.O_RDWR); fcntl.lockf(fd, fcntl.LOCK_EX|fcntl.LOCK_NB, 4, 0)", path])
assert r.returncode == 0, "lock still held after unlock"
# A waiting lock (F_SETLKW) is a pending IRP: a signal interrupts it (FUSE INTERRUPT -> the
# IRP is cancelled -> EINTR), and without a signal it is granted once the holder lets go.
fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 4, 0)
waiter = """
import fcntl, os, signal, sys
class Alarm(Exception): pass
def on_alarm(*a): raise Alarm()
signal.signal(signal.SIGALRM, on_alarm)
fd = os.open(sys.argv[1], os.O_RDWR)
signal.alarm(int(sys.argv[2]))
try:
    fcntl.lockf(fd, fcntl.LOCK_EX, 4, 0)
    sys.exit(10)  # granted
except Alarm:
    sys.exit(20)  # interrupted
"""
r = subprocess.run([sys.executable, "-c", waiter, path, "1"], timeout=20)
assert r.returncode == 20, "F_SETLKW was not interrupted by a signal: %d" % r.returncode
p = subprocess.Popen([sys.executable, "-c", waiter, path, "15"])
import time
time.sleep(1)
assert p.poll() is None, "F_SETLKW did not wait"
fcntl.lockf(fd, fcntl.LOCK_UN, 4, 0)
assert p.wait(timeout=15) == 10, "F_SETLKW not granted after the unlock"
PY

# --- git ---
step "git"
mkdir "$MNT/repo"
(
  cd "$MNT/repo"
  cp -r "$T/srctree/iocore" .
  git init -q . && git add . &&
    git -c user.name=t -c user.email=t@example.com commit -q -m "on the mount" &&
    [ -z "$(git status --porcelain)" ] && git fsck --no-progress 2>/dev/null && git log --oneline | grep -q "on the mount"
) || lw_fail "git init/add/commit on the mount"

# --- fio verify ---
step "fio"
mkdir "$MNT/fio"
for job in "write 4k" "write 1M" "randwrite 4k" "randwrite 1M"; do
  set -- $job
  fio --name="v-$1-$2" --directory="$MNT/fio" --rw="$1" --bs="$2" --size=8M --ioengine=psync \
    --verify=crc32c --do_verify=1 --verify_fatal=1 --output="$T/fio.out" >/dev/null 2>&1 ||
    { cat "$T/fio.out" >&2; lw_fail "fio $job"; }
  grep -q "err= 0" "$T/fio.out" || { cat "$T/fio.out" >&2; lw_fail "fio $job reported errors"; }
  rm -f "$MNT"/fio/*
done

# --- dbench ---
step "dbench"
mkdir "$MNT/dbench"
dbench -t 5 -D "$MNT/dbench" 2 >"$T/dbench.out" 2>&1 || { tail -20 "$T/dbench.out" >&2; lw_fail "dbench"; }
if grep -q "ERROR" "$T/dbench.out"; then grep ERROR "$T/dbench.out" | head >&2; lw_fail "dbench errors"; fi
grep -q "Throughput" "$T/dbench.out" || lw_fail "dbench gave no throughput"

# --- a second mount of the same share sees changes within actimeo (1 s) ---
step "two mounts"
MNT2=$T/mnt2
mkdir -p "$MNT2"
MOUNTS+=("$MNT2")
do_mount "$MNT2" || lw_fail "second mount"
echo "from one" >"$MNT/shared"
sleep 1.2
[ "$(cat "$MNT2/shared")" = "from one" ] || lw_fail "second mount does not see the new file"
echo "changed by two, longer" >"$MNT2/shared"
sleep 1.2
[ "$(cat "$MNT/shared")" = "changed by two, longer" ] || lw_fail "first mount does not see the change"
rm "$MNT2/shared"
sleep 1.2
[ ! -e "$MNT/shared" ] || lw_fail "first mount still sees the removed file"
umount "$MNT2" || lw_fail "umount of the second mount"

# --- a read-only mount ---
step "ro"
MNTRO=$T/mntro
mkdir -p "$MNTRO"
MOUNTS+=("$MNTRO")
echo readable >"$MNT/rofile"
do_mount "$MNTRO" -o ro || lw_fail "mount -o ro"
[ "$(cat "$MNTRO/rofile")" = readable ] || lw_fail "read on a ro mount"
if (echo x >"$MNTRO/rofile") 2>/dev/null; then lw_fail "write on a ro mount worked"; fi
if mkdir "$MNTRO/newdir" 2>/dev/null; then lw_fail "mkdir on a ro mount worked"; fi
umount "$MNTRO"
rm "$MNT/rofile"

# --- cache=none (direct I/O) and cache=loose ---
step "cache modes"
head -c 3000000 /dev/urandom >"$T/cachefile"
for mode in none loose; do
  do_mount "$MNTRO" -o "cache=$mode" || lw_fail "mount -o cache=$mode"
  cp "$T/cachefile" "$MNTRO/c-$mode"
  cmp "$T/cachefile" "$MNTRO/c-$mode" || lw_fail "cache=$mode: read back"
  cmp "$T/cachefile" "$MNT/c-$mode" || lw_fail "cache=$mode: seen by the other mount"
  dd if="$T/cachefile" of="$MNTRO/c-$mode" bs=4096 count=3 seek=5 skip=9 conv=notrunc status=none
  dd if="$T/cachefile" of="$T/expect" bs=4096 count=3 skip=9 status=none
  dd if="$MNTRO/c-$mode" of="$T/got" bs=4096 count=3 skip=5 status=none
  cmp "$T/expect" "$T/got" || lw_fail "cache=$mode: overwrite in the middle"
  rm "$MNTRO/c-$mode"
  umount "$MNTRO"
done

# --- a big directory through readdirplus ---
step "big directory"
mkdir "$MNT/many"
# Long names, so that the listing takes more than one QUERY_DIRECTORY (64 KiB) and many
# readdirplus buffers.
(cd "$MNT/many" && for i in $(seq 1 400); do : >"a-rather-long-file-name-to-fill-the-buffers-$i"; done)
[ "$(ls "$MNT/many" | wc -l)" = 400 ] || lw_fail "listing of 400 files: $(ls "$MNT/many" | wc -l)"
[ "$(find "$MNT/many" -type f | wc -l)" = 400 ] || lw_fail "find in 400 files"
[ "$(ls "$MNT/many" | sort -u | wc -l)" = 400 ] || lw_fail "duplicate names in the listing"
rm -r "$MNT/many"

if [ "$MODE" = local ]; then
  # Invalidation (what a lease break does): with actimeo=60 the kernel would trust its cache
  # for a minute; a change made beside the mount invalidates it at once (an inotify watch in
  # lwsmb-local-mount calls the frontend's invalidate, as rdr's on_cache_invalidate does).
  step "invalidation"
  MNT3=$T/mnt3
  mkdir -p "$MNT3"
  MOUNTS+=("$MNT3")
  do_mount "$MNT3" -o actimeo=60 || lw_fail "mount with actimeo=60"
  echo short >"$BACKEND/inv"
  [ "$(stat -c %s "$MNT3/inv")" = 6 ] || lw_fail "inv size"
  [ "$(cat "$MNT3/inv")" = short ] || lw_fail "inv content"
  echo "a longer line" >"$BACKEND/inv"
  sleep 0.5
  [ "$(stat -c %s "$MNT3/inv")" = 14 ] || lw_fail "size not invalidated: $(stat -c %s "$MNT3/inv")"
  [ "$(cat "$MNT3/inv")" = "a longer line" ] || lw_fail "data not invalidated"
  rm "$BACKEND/inv"
  sleep 0.5
  [ ! -e "$MNT3/inv" ] || lw_fail "entry not invalidated after delete"
  umount "$MNT3"
fi

# --- unmount ---
step "umount"
[ "${LW_PID:-}" = "" ] || [ "$MODE" = samba ] || lw_alive
umount "$MNT" || lw_fail "umount"
! is_mounted "$MNT" || lw_fail "still mounted after umount"
[ -z "$(ls -A "$MNT")" ] || lw_fail "mount point not empty after umount"

# A second mount, removed with fusermount3 -u; a file written just before must be complete.
do_mount "$MNT" || lw_fail "mount again"
head -c 3000000 /dev/urandom >"$T/last"
cp "$T/last" "$MNT/last"
fusermount3 -u "$MNT" || lw_fail "fusermount3 -u"
! is_mounted "$MNT" || lw_fail "still mounted after fusermount3 -u"
cmp "$T/last" "$BACKEND/last" || lw_fail "file written before unmount is incomplete"

# --- mount-time errors: one line, non-zero exit, nothing mounted ---
step "mount errors"
expect_fail() {
  local what=$1 pattern=$2
  shift 2
  set +e
  "$@" >"$T/err.out" 2>&1
  local rc=$?
  set -e
  [ "$rc" != 0 ] || lw_fail "$what: exit status 0"
  [ "$(wc -l <"$T/err.out")" = 1 ] || { cat "$T/err.out" >&2; lw_fail "$what: not one line"; }
  grep -qi -- "$pattern" "$T/err.out" || { cat "$T/err.out" >&2; lw_fail "$what: no '$pattern'"; }
  ! is_mounted "$MNT" || lw_fail "$what: a mount was left behind"
  echo "    $what: $(cat "$T/err.out")"
}
"$BIN" --help | grep -q "credentials=FILE" || lw_fail "--help"
"$BIN" -V | grep -q "0\.[0-9]" || lw_fail "-V"
expect_fail "unknown flag" "not expected" "$BIN" -x //a/b "$MNT"
expect_fail "no mount point" "mountpoint is required" "$BIN" //a/b
if [ "$MODE" = local ]; then
  expect_fail "unknown option" "unknown option 'bogus'" "$BIN" "$BACKEND" "$MNT" -o bogus
  expect_fail "bad value" "bad value" "$BIN" "$BACKEND" "$MNT" -o cache=sometimes
  expect_fail "missing source" "not an absolute path" "$BIN" "$T/nope" "$MNT"
  expect_fail "missing mount point" "does not exist" "$BIN" "$BACKEND" "$T/nope"
  expect_fail "bad credentials file" "cannot read credentials" "$BIN" "$BACKEND" "$MNT" -o credentials=$T/nope
else
  PORT=$([ "$MODE" = samba ] && echo "$SMB_PORT" || echo "$LW_PORT")
  expect_fail "unknown option" "unknown option 'bogus'" "$BIN" "$SHARE" "$MNT" -o bogus
  expect_fail "bad share name" "bad share name" "$BIN" "127.0.0.1" "$MNT"
  expect_fail "wrong password" "logon failure" "$BIN" "$SHARE" "$MNT" -o "port=$PORT,username=$LW_USER,password=wrong"
  expect_fail "missing share" "no such share" "$BIN" //127.0.0.1/nosuchshare "$MNT" -o "port=$PORT,username=$LW_USER,password=$LW_PASS"
  DEAD=$(lw_free_port)
  expect_fail "unreachable server" "refused\|unreachable" "$BIN" "$SHARE" "$MNT" -o "port=$DEAD,username=$LW_USER,password=$LW_PASS"
  if [ "$MODE" = lwserver ]; then
    # mount -t fuse.lwsmb: mount(8) runs the helper /sbin/mount.fuse.lwsmb (installed as a
    # link to mount.lwsmb; made here for the test when it is not there).
    if [ ! -e /sbin/mount.fuse.lwsmb ]; then
      ln -s "$BIN" /sbin/mount.fuse.lwsmb
      MADE_HELPER=1
    fi
    mount -t fuse.lwsmb "$SHARE" "$MNT" -o "port=$PORT,username=$LW_USER,password=$LW_PASS,noatime,_netdev" ||
      lw_fail "mount -t fuse.lwsmb"
    [ -d "$MNT/repo" ] || lw_fail "mount -t fuse.lwsmb does not show the share"
    umount "$MNT"
    set +e
    mount -t fuse.lwsmb //127.0.0.1/nosuchshare "$MNT" -o "port=$PORT,username=$LW_USER,password=$LW_PASS" 2>"$T/err.out"
    rc=$?
    set -e
    [ "${MADE_HELPER:-0}" = 1 ] && rm -f /sbin/mount.fuse.lwsmb && MADE_HELPER=0
    [ "$rc" != 0 ] && grep -q "no such share" "$T/err.out" || lw_fail "mount -t with a missing share: rc $rc"
    ! is_mounted "$MNT" || lw_fail "mount -t with a missing share left a mount"
  fi
  printf 'username=%s\npassword=%s\n' "$LW_USER" "$LW_PASS" >"$T/creds"
  chmod 600 "$T/creds"
  do_mount "$MNT" -o "credentials=$T/creds" || lw_fail "mount with a credentials file"
  [ -d "$MNT/repo" ] || lw_fail "credentials mount shows the share"
  umount "$MNT"
fi

unmount_all
sleep 0.5  # the daemons exit after their unmount
lw_sanitizer_check "$T"
echo "PASS: mount_test $MODE"
