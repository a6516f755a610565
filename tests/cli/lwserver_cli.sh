#!/usr/bin/env bash
# lwserver's command line without serving: --help/--version, testparm (OK, warnings, errors with
# FILE:LINE, exit codes) and user add/list/del on the smbpasswd file.
set -euo pipefail
lwserver=$1
dir=$(mktemp -d)
made_user=""
cleanup() {
  [ -n "$made_user" ] && userdel "$made_user" 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# --help, --version, usage errors.
"$lwserver" --help | grep -q 'testparm' || fail "--help does not list testparm"
[ "$("$lwserver" --version)" = "lwserver 0.1.0" ] || fail "--version: $("$lwserver" --version)"
set +e
"$lwserver" --no-such-option >/dev/null 2>&1; rc=$?
set -e
[ $rc -eq 2 ] || fail "usage error exit code $rc"

# testparm: a good config with one warning.
mkdir "$dir/share"
cat >"$dir/ok.conf" <<EOF
[global]
  smb ports = 4455
  passdb = $dir/db/smbpasswd
  frobnicate = 1

[Data]
  path = $dir/share
  read only = no
EOF
set +e
out=$("$lwserver" testparm -s "$dir/ok.conf" 2>"$dir/err"); rc=$?
set -e
[ $rc -eq 0 ] || fail "testparm ok.conf exit $rc: $(cat "$dir/err")"
grep -qxF "$dir/ok.conf:4: warning: unknown parameter 'frobnicate'" "$dir/err" ||
  fail "unknown parameter warning: $(cat "$dir/err")"
grep -qx 'Loaded services file OK.' "$dir/err" || fail "no OK line: $(cat "$dir/err")"
grep -qx '\[Data\]' <<<"$out" || fail "testparm output lacks [Data]: $out"
grep -qxF $'\tread only = No' <<<"$out" || fail "testparm output lacks read only: $out"
grep -qxF $'\tsmb ports = 4455' <<<"$out" || fail "testparm output lacks smb ports: $out"
grep -qx '\[IPC\$\]' <<<"$out" || fail "testparm output lacks IPC\$: $out"
# Its output is a valid config that gives the same output.
echo "$out" >"$dir/again.conf"
again=$("$lwserver" testparm -s "$dir/again.conf" 2>/dev/null)
[ "$again" = "$out" ] || fail "testparm output does not round-trip"

# testparm: errors with line numbers, exit 1.
cat >"$dir/bad.conf" <<EOF
[global]
  bind interfaces only = maybe
[nopath]
  comment = no path here
EOF
set +e
"$lwserver" testparm -s "$dir/bad.conf" >"$dir/out" 2>"$dir/err"; rc=$?
set -e
[ $rc -eq 1 ] || fail "testparm bad.conf exit $rc"
grep -qxF "$dir/bad.conf:2: error: parameter 'bind interfaces only': invalid boolean 'maybe' (use yes or no)" \
  "$dir/err" || fail "bad boolean message: $(cat "$dir/err")"
grep -qxF "$dir/bad.conf:3: error: share [nopath] has no path" "$dir/err" ||
  fail "no path message: $(cat "$dir/err")"
[ ! -s "$dir/out" ] || fail "testparm printed a config despite errors"

set +e
"$lwserver" testparm -s "$dir/missing.conf" >/dev/null 2>"$dir/err"; rc=$?
set -e
[ $rc -eq 1 ] || fail "missing config exit $rc"
grep -qF "$dir/missing.conf: error: cannot open" "$dir/err" || fail "missing: $(cat "$dir/err")"

# Serving with a broken config fails before anything starts.
set +e
"$lwserver" -s "$dir/bad.conf" --foreground >/dev/null 2>&1; rc=$?
set -e
[ $rc -eq 1 ] || fail "serving bad.conf exit $rc"

# user add/list/del. The SMB user needs a Unix account: a throwaway one when we are root.
user=root
if [ "$(id -u)" -eq 0 ] && command -v useradd >/dev/null; then
  user="lwsmbt$$"
  useradd -M -s /usr/sbin/nologin "$user" && made_user=$user || user=root
fi
uid=$(id -u "$user")

printf 'secret1\n' | "$lwserver" user add "$user" -s "$dir/ok.conf" --stdin >/dev/null ||
  fail "user add (one line)"
db=$dir/db/smbpasswd
[ "$(stat -c %a "$db")" = "600" ] || fail "passdb mode $(stat -c %a "$db")"
[ "$(stat -c %a "$dir/db")" = "700" ] || fail "passdb folder mode $(stat -c %a "$dir/db")"
grep -qE "^$user:$uid:X{32}:[0-9A-F]{32}:\[U {10}\]:LCT-[0-9A-F]{8}:\$" "$db" ||
  fail "passdb line: $(cat "$db")"
hash1=$(cut -d: -f4 "$db")

# Two matching lines change the password; two different lines are refused.
printf 'secret2\nsecret2\n' | "$lwserver" user add "$user" --stdin -s "$dir/ok.conf" >/dev/null ||
  fail "user add (two lines)"
[ "$(cut -d: -f4 "$db")" != "$hash1" ] || fail "password did not change"
set +e
printf 'a\nb\n' | "$lwserver" user add "$user" --stdin -s "$dir/ok.conf" >/dev/null 2>"$dir/err"
rc=$?
set -e
[ $rc -eq 1 ] || fail "mismatched passwords exit $rc"
grep -qx 'lwserver: passwords do not match' "$dir/err" || fail "mismatch: $(cat "$dir/err")"

# MD4(UTF-16LE("password")) is the well-known 8846F7EA...: checks the hash end to end.
printf 'password\n' | "$lwserver" user add "$user" --stdin -s "$dir/ok.conf" >/dev/null
[ "$(cut -d: -f4 "$db")" = "8846F7EAEE8FB117AD06BDD830B7586C" ] || fail "NT hash: $(cat "$db")"

# A pdbedit -L -w line pasted into the file is read as it is.
echo "pasted:4242:XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX:8846F7EAEE8FB117AD06BDD830B7586C:[U          ]:LCT-5F5E0F00:" >>"$db"
list=$("$lwserver" user list -s "$dir/ok.conf")
[ "$list" = "$user:$uid"$'\n'"pasted:4242" ] || fail "user list: $list"

set +e
echo pw | "$lwserver" user add no-such-unix-user-lwsmb --stdin -s "$dir/ok.conf" 2>"$dir/err"
rc=$?
set -e
[ $rc -eq 1 ] || fail "unknown unix user exit $rc"
grep -qx 'lwserver: no such Unix user no-such-unix-user-lwsmb' "$dir/err" ||
  fail "unknown unix user: $(cat "$dir/err")"

"$lwserver" user del "$user" -s "$dir/ok.conf" >/dev/null || fail "user del"
[ "$("$lwserver" user list -s "$dir/ok.conf")" = "pasted:4242" ] || fail "user still listed"
[ "$(stat -c %a "$db")" = "600" ] || fail "passdb mode after del $(stat -c %a "$db")"
set +e
"$lwserver" user del "$user" -s "$dir/ok.conf" 2>/dev/null; rc=$?
set -e
[ $rc -eq 1 ] || fail "deleting a missing user exit $rc"

echo "lwserver CLI: OK"
