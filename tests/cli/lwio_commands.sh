#!/usr/bin/env bash
# lwio's commands end to end on a scratch pvfs root: mkdir, cp in and out, ls, stat, rm, and
# the one-line NTSTATUS errors.
set -euo pipefail
lwio=$1
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$lwio" --pvfs-root "$root" mkdir '\pvfs\docs'
[ -d "$root/docs" ] || fail "mkdir did not create the directory"

head -c 3000000 /dev/urandom >"$root/src.bin"
"$lwio" --pvfs-root "$root" cp '\pvfs\src.bin' '\pvfs\docs\Copy.bin'
cmp "$root/src.bin" "$root/docs/Copy.bin" || fail "cp changed the data"

# Case-insensitive lookup: COPY.BIN finds Copy.bin.
"$lwio" --pvfs-root "$root" cat '\pvfs\DOCS\COPY.BIN' | cmp - "$root/src.bin" ||
  fail "case-insensitive cat"

listing=$("$lwio" --pvfs-root "$root" ls '\pvfs\docs')
grep -q ' Copy.bin$' <<<"$listing" || fail "ls does not show Copy.bin: $listing"
grep -q ' 3000000 ' <<<"$listing" || fail "ls does not show the size: $listing"

st=$("$lwio" --pvfs-root "$root" stat '\pvfs\docs\Copy.bin')
grep -q 'Size: 3000000' <<<"$st" || fail "stat size: $st"

"$lwio" --pvfs-root "$root" rm '\pvfs\docs\Copy.bin'
[ ! -e "$root/docs/Copy.bin" ] || fail "rm left the file"

# Errors: one line with the NTSTATUS name, exit status 1.
set +e
err=$("$lwio" --pvfs-root "$root" cat '\pvfs\missing.txt' 2>&1 >/dev/null); rc=$?
set -e
[ $rc -eq 1 ] || fail "missing file exit code $rc"
[ "$err" = 'lwio: cat \pvfs\missing.txt: STATUS_OBJECT_NAME_NOT_FOUND (0xc0000034)' ] ||
  fail "missing file message: $err"

set +e
err=$("$lwio" --pvfs-root "$root" cat '\nosuchdriver\x' 2>&1 >/dev/null); rc=$?
set -e
[ $rc -eq 1 ] && grep -q 'STATUS_OBJECT_PATH_NOT_FOUND' <<<"$err" || fail "unknown prefix: $err"

set +e
err=$("$lwio" --pvfs-root "$root" cat '\pvfs\..\..\etc\passwd' 2>&1 >/dev/null); rc=$?
set -e
[ $rc -eq 1 ] && grep -q '^lwio: cat .*: STATUS_' <<<"$err" || fail "escape not refused: $err"

"$lwio" --help | grep -q 'cat' || fail "--help"
"$lwio" --version | grep -q '^lwio ' || fail "--version"
echo "lwio commands: ok"
