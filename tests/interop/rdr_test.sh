#!/usr/bin/env bash
# The rdr client driver through lwio against lwserver and Samba's smbd, both on loopback:
# a 64 MiB random file copied in and out, directory listing, mkdir/rm, stat sizes, signed and
# encrypted sessions over several dialects, and the connection errors with their plain messages.
# Usage: rdr_test.sh LWSERVER LWIO
set -euo pipefail
here=$(dirname "$(readlink -f "$0")")
source "$here/lib.sh"
source "$here/../../bench/scripts/samba_lib.sh"
LWSERVER=$1
LWIO=$2
cleanup() {
  smb_stop_samba
  [ -n "${HOSTILE_PID:-}" ] && kill "$HOSTILE_PID" 2>/dev/null || true
  lw_cleanup
}
trap cleanup EXIT

lw_start_server "$LWSERVER"
mkdir -p "$LW_TMP/samba"
chown "$LW_USER" "$LW_TMP/samba"
smb_start_samba "$LW_TMP/samba"

W="$LW_TMP/work"
mkdir -p "$W"
head -c $((64 << 20)) /dev/urandom >"$W/big.bin"
head -c 300001 /dev/urandom >"$W/small.bin"

io() { timeout 120 "$LWIO" -U "$LW_USER%$LW_PASS" "$@"; }
pv() { echo "\\pvfs$1"; }

# expect_fail WHAT PATTERN CMD...: CMD must exit non-zero within the bound and print PATTERN.
expect_fail() {
  local what=$1 pattern=$2 out rc
  shift 2
  set +e
  out=$(timeout 60 "$@" 2>&1)
  rc=$?
  set -e
  [ "$rc" -ne 0 ] || lw_fail "$what: exit 0"
  [ "$rc" -ne 124 ] || lw_fail "$what: hung"
  echo "$out" | grep -q "$pattern" || lw_fail "$what: message '$out' lacks '$pattern'"
  [ "$(echo "$out" | wc -l)" -eq 1 ] || lw_fail "$what: more than one line: $out"
  echo "ok: $what -> $out"
}

run_server() {
  local name=$1 port=$2
  local R="\\rdr\\127.0.0.1:$port\\share"
  echo "== $name (port $port)"
  io cp "$(pv "$W/big.bin")" "$R\\big.bin" || lw_fail "$name: cp in"
  io cp "$R\\big.bin" "$(pv "$W/big.out")" || lw_fail "$name: cp out"
  cmp "$W/big.bin" "$W/big.out" || lw_fail "$name: 64 MiB copy differs"
  rm -f "$W/big.out"
  io stat "$R\\big.bin" | grep -q "Size: $((64 << 20))" || lw_fail "$name: stat size"

  io mkdir "$R\\dir1" || lw_fail "$name: mkdir"
  io cp "$(pv "$W/small.bin")" "$R\\dir1\\small.bin" || lw_fail "$name: cp into dir"
  io ls "$R\\dir1" | grep -E '300001 .* small\.bin$' >/dev/null || lw_fail "$name: ls dir1"
  io ls "$R" | grep -E "$((64 << 20)) .* big\.bin$" >/dev/null || lw_fail "$name: ls root"
  io ls "$R" | grep -E '^d.* dir1$' >/dev/null || lw_fail "$name: ls shows dir1"
  # Rename (FileRenameInformation), truncate (FileEndOfFileInformation), delete through
  # FileDispositionInformation, volume information and byte-range locks.
  io mv "$R\\dir1\\small.bin" 'dir1\moved.bin' || lw_fail "$name: mv"
  io ls "$R\\dir1" | grep -E '300001 .* moved\.bin$' >/dev/null || lw_fail "$name: mv result"
  io truncate "$R\\dir1\\moved.bin" 1000 || lw_fail "$name: truncate"
  io stat "$R\\dir1\\moved.bin" | grep -q "Size: 1000\b" || lw_fail "$name: truncated size"
  io rm --set-info "$R\\dir1\\moved.bin" || lw_fail "$name: rm --set-info"
  io df "$R" | grep -E '^total [1-9][0-9]* bytes, available [0-9]+ bytes$' >/dev/null ||
    lw_fail "$name: df"
  locks=$(io locktest "$R\\lock.bin" | tr '\n' ' ')
  [ "$locks" = "STATUS_SUCCESS STATUS_LOCK_NOT_GRANTED STATUS_SUCCESS STATUS_SUCCESS STATUS_SUCCESS STATUS_RANGE_NOT_LOCKED " ] ||
    [ "$locks" = "STATUS_SUCCESS STATUS_FILE_LOCK_CONFLICT STATUS_SUCCESS STATUS_SUCCESS STATUS_SUCCESS STATUS_RANGE_NOT_LOCKED " ] ||
    lw_fail "$name: locktest gave: $locks"
  io rm "$R\\lock.bin"
  io rm "$R\\dir1" || lw_fail "$name: rm dir"
  if io ls "$R" | grep -q 'dir1$'; then lw_fail "$name: dir1 still listed"; fi
  expect_fail "$name: stat of a missing file" "OBJECT_NAME_NOT_FOUND" \
    "$LWIO" -U "$LW_USER%$LW_PASS" stat "$R\\nosuch.txt"

  # Signed and sealed sessions over the dialects: HMAC-SHA256 (2.x), AES-CMAC (3.0),
  # AES-GMAC and AES-GCM (3.1.1), AES-CCM (3.0); plain 3.0 validates its negotiate (signed).
  local opts
  for opts in "--vers 3.0" "--sign" "--seal" "--sign --vers 2.0" "--sign --vers 2.1" "--sign --vers 3.0" \
    "--seal --vers 3.0" "--seal --vers 3.02"; do
    # shellcheck disable=SC2086
    io $opts cp "$(pv "$W/small.bin")" "$R\\s.bin" || lw_fail "$name $opts: cp in"
    # shellcheck disable=SC2086
    io $opts cp "$R\\s.bin" "$(pv "$W/s.out")" || lw_fail "$name $opts: cp out"
    cmp "$W/small.bin" "$W/s.out" || lw_fail "$name $opts: copy differs"
    rm -f "$W/s.out"
  done
  expect_fail "$name: sealing over SMB 2.1" "NOT_SUPPORTED" \
    "$LWIO" -U "$LW_USER%$LW_PASS" --seal --vers 2.1 ls "$R"
  io rm "$R\\s.bin"
  io rm "$R\\big.bin"

  expect_fail "$name: wrong password" "logon failure" \
    "$LWIO" -U "$LW_USER%wrong-password" ls "$R"
  expect_fail "$name: missing share" "no such share" \
    "$LWIO" -U "$LW_USER%$LW_PASS" ls "\\rdr\\127.0.0.1:$port\\nosuchshare"
}

run_server lwserver "$LW_PORT"
lw_alive
grep -q "signed" "$LW_TMP/lwserver.log" || lw_fail "lwserver saw no signed session"
run_server samba "$SMB_PORT"

# The server killed during a copy: the copy fails with a plain "connection lost", no hang.
io cp "$(pv "$W/big.bin")" "\\rdr\\127.0.0.1:$LW_PORT\\share\\big.bin" || lw_fail "cp for kill"
set +e
timeout 60 "$LWIO" -U "$LW_USER%$LW_PASS" --rsize 4096 --block 4096 \
  cp "\\rdr\\127.0.0.1:$LW_PORT\\share\\big.bin" "$(pv "$W/killed.out")" 2>"$W/kill.err" &
cp_pid=$!
sleep 0.5
kill -9 "$LW_PID"
wait "$cp_pid"
rc=$?
set -e
[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] || lw_fail "copy during server kill: rc $rc"
grep -q "connection lost" "$W/kill.err" || lw_fail "copy during server kill: $(cat "$W/kill.err")"
echo "ok: server killed during copy -> $(cat "$W/kill.err")"
kill -0 "$SMB_PID" || lw_fail "smbd died"

# Connection errors that need no server.
closed=$(lw_free_port)
expect_fail "refused port" "connection refused" \
  "$LWIO" -U "$LW_USER%$LW_PASS" ls "\\rdr\\127.0.0.1:$closed\\share"
expect_fail "unresolvable host" "no such host" \
  "$LWIO" -U "$LW_USER%$LW_PASS" ls "\\rdr\\no-such-host.invalid\\share"

# A hostile peer that answers with garbage: a plain error, no hang, no crash.
hport=$(lw_free_port)
"$LW_PY" - "$hport" <<'PY' &
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(4)
replies = [b"\x00\x00\x00\x08garbage!", b"\x00\x00\x00\x44\xfeSMB" + b"\xff" * 64,
           b"\x00\xff\xff\xff"]
n = 0
while True:
    c, _ = s.accept()
    try:
        if c.recv(4096):
            c.sendall(replies[n % len(replies)])
            n += 1
    except OSError:
        pass
    c.close()
PY
HOSTILE_PID=$!
lw_wait_port "$hport" || lw_fail "hostile peer did not listen"
for i in 1 2 3; do
  set +e
  out=$(timeout 30 "$LWIO" -U "$LW_USER%$LW_PASS" ls "\\rdr\\127.0.0.1:$hport\\share" 2>&1)
  rc=$?
  set -e
  [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && [ "$rc" -lt 128 ] || lw_fail "hostile peer $i: rc $rc ($out)"
  echo "ok: hostile peer $i -> $out"
done
echo "rdr interop: all passed"
