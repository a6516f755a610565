#!/usr/bin/env bash
# `lwsmb shares //host` (srvsvc NetrShareEnum over the rdr driver's IPC$ pipe) against lwserver
# and Samba's smbd on loopback: the browseable shares with their comments and IPC$ are listed,
# a `browseable = no` share is not; server-info answers; a wrong password and a refused port
# give one plain line and a non-zero exit.
# Usage: lwsmb_shares_test.sh LWSERVER LWSMB
set -euo pipefail
here=$(dirname "$(readlink -f "$0")")
source "$here/lib.sh"
source "$here/../../bench/scripts/samba_lib.sh"
LWSERVER=$1
LWSMB=$2
EXTRA=$(mktemp -d /tmp/lwsmb-shares-XXXXXX)
chmod 755 "$EXTRA"
cleanup() {
  smb_stop_samba
  lw_cleanup
  rm -rf "$EXTRA"
}
trap cleanup EXIT

# Sections both servers get: one with a comment, one hidden from enumeration.
EXTRA_SHARES="
[docs]
  path = $EXTRA
  read only = yes
  comment = Team documents here

[secret]
  path = $EXTRA
  read only = yes
  comment = Not for browsing
  browseable = no
"
# Sixty more, so that the level 1 answer spans several DCE/RPC response fragments.
for i in $(seq -w 1 60); do
  EXTRA_SHARES+="
[bulk$i]
  path = $EXTRA
  read only = yes
  comment = Bulk share number $i with a longish comment
"
done
LW_EXTRA_SHARES=$EXTRA_SHARES
SMB_EXTRA_SHARES=$EXTRA_SHARES
lw_start_server "$LWSERVER"
smb_start_samba "$EXTRA"

# expect_fail WHAT PATTERN CMD...: CMD must exit non-zero within the bound and print PATTERN
# on one line.
expect_fail() {
  local what=$1 pattern=$2 out rc
  shift 2
  set +e
  out=$(timeout 60 "$@" </dev/null 2>&1)
  rc=$?
  set -e
  [ "$rc" -ne 0 ] || lw_fail "$what: exit 0"
  [ "$rc" -ne 124 ] || lw_fail "$what: hung"
  echo "$out" | grep -q "$pattern" || lw_fail "$what: message '$out' lacks '$pattern'"
  [ "$(echo "$out" | wc -l)" -eq 1 ] || lw_fail "$what: more than one line: $out"
  echo "ok: $what -> $out"
}

# row TABLE NAME TYPE [COMMENT]: the table has a row for NAME of TYPE (with exactly COMMENT
# when given).
row() {
  local table=$1 name=$2 type=$3 re
  if [ $# -ge 4 ]; then re="^	$name +$type +$4\$"; else re="^	$name +$type( |\$)"; fi
  echo "$table" | grep -E "$re" >/dev/null || lw_fail "no row '$name $type ${4:-}' in:$table"
}

run_server() {
  local name=$1 port=$2 out
  echo "== $name (port $port)"
  out=$(timeout 60 "$LWSMB" shares "//127.0.0.1" -p "$port" -U "$LW_USER%$LW_PASS" </dev/null) ||
    lw_fail "$name: lwsmb shares failed"
  echo "$out" | grep -v bulk
  echo "$out" | grep -E '^	Sharename +Type +Comment$' >/dev/null || lw_fail "$name: no header"
  row "$out" share Disk
  row "$out" docs Disk "Team documents here"
  row "$out" 'IPC\$' IPC
  [ "$(echo "$out" | grep -cE '^	bulk[0-9]+ +Disk +Bulk share number [0-9]+ with a longish comment$')" -eq 60 ] ||
    lw_fail "$name: not all sixty bulk shares listed"
  if echo "$out" | grep -q secret; then lw_fail "$name: the browseable = no share is listed"; fi

  # //host:port form, the password from $PASSWD, server-info.
  out=$(PASSWD=$LW_PASS timeout 60 "$LWSMB" shares "//127.0.0.1:$port" -U "$LW_USER" </dev/null) ||
    lw_fail "$name: lwsmb shares with \$PASSWD failed"
  row "$out" docs Disk "Team documents here"
  # No password anywhere: read from standard input when there is no terminal (setsid: none).
  out=$(echo "$LW_PASS" | setsid -w timeout 60 "$LWSMB" shares "//127.0.0.1:$port" -U "$LW_USER") ||
    lw_fail "$name: lwsmb shares with the password on stdin failed"
  row "$out" docs Disk "Team documents here"
  out=$(timeout 60 "$LWSMB" server-info "//127.0.0.1" -p "$port" -U "$LW_USER%$LW_PASS" </dev/null) ||
    lw_fail "$name: server-info failed"
  echo "$out"
  echo "$out" | grep -E '^Platform id: +500$' >/dev/null || lw_fail "$name: server-info platform"
  echo "$out" | grep -E '^Server name: +[^ ]+' >/dev/null || lw_fail "$name: server-info name"

  expect_fail "$name: wrong password" "logon failure" \
    "$LWSMB" shares "//127.0.0.1" -p "$port" -U "$LW_USER%wrong-password"
}

run_server lwserver "$LW_PORT"
lw_alive
run_server samba "$SMB_PORT"

# --long: lwserver answers level 2 to its user with the paths; whatever a server refuses falls
# back to level 1 and still lists.
out=$(timeout 60 "$LWSMB" shares "//127.0.0.1" -p "$LW_PORT" -U "$LW_USER%$LW_PASS" --long </dev/null 2>&1) ||
  lw_fail "lwserver: --long failed"
echo "$out"
echo "$out" | grep -E "^	docs +Disk +" >/dev/null || lw_fail "lwserver --long: no docs row"
out=$(timeout 60 "$LWSMB" shares "//127.0.0.1" -p "$SMB_PORT" -U "$LW_USER%$LW_PASS" --long </dev/null 2>&1) ||
  lw_fail "samba: --long failed"
echo "$out" | grep -E "^	docs +Disk +" >/dev/null || lw_fail "samba --long: no docs row"

# A port nobody listens on, and a target that is no server name.
refused=$(lw_free_port)
expect_fail "refused port" "connection refused" \
  "$LWSMB" shares "//127.0.0.1" -p "$refused" -U "$LW_USER%$LW_PASS"
expect_fail "bad target" "not a server name" "$LWSMB" shares "//127.0.0.1/share/x" -N
lw_alive
"$LWSMB" -V | grep -q '^lwsmb ' || lw_fail "-V"
"$LWSMB" shares --help | grep -q -- '--long' || lw_fail "--help"
echo "PASS"
