#!/usr/bin/env bash
# rdr (through lwio) with Kerberos against lwserver configured with a keytab; a throwaway MIT KDC
# (kdc_lib.sh) issues the tickets. The server name in the path (cifs/NAME) is mapped to the realm
# in the generated krb5.conf and reached with -I 127.0.0.1.
#   rdr_krb5_test.sh LWSERVER LWIO
set -euo pipefail
here=$(dirname "$(readlink -f "$0")")
source "$here/lib.sh"
source "$here/kdc_lib.sh"
LWSERVER=$1
LWIO=$2
trap 'kdc_stop; lw_cleanup' EXIT
kdc_start
kdc_add_service "cifs/$KDC_HOST" "$KDC_DIR/cifs.keytab"
kdc_add_service "cifs/other.$KDC_HOST" "$KDC_DIR/other.keytab"
LW_EXTRA_GLOBAL="kerberos keytab = $KDC_DIR/cifs.keytab
  realm = $KDC_REALM"
lw_start_server "$LWSERVER"
kdc_add_user "$LW_USER" "$LW_PASS"
echo "hello kerberos" >"$LW_TMP/share/hello.txt"
head -c 3000001 /dev/urandom >"$LW_TMP/share/rand.bin"
W=$LW_TMP/work
mkdir -p "$W"
R="\\rdr\\$KDC_HOST:$LW_PORT\\share"

lwio() { LWIO_USER='' LWIO_PASSWORD='' timeout 60 "$LWIO" -I 127.0.0.1 "$@"; }
expect_fail() {  # WHAT PATTERN CMD...
  local what=$1 pattern=$2 out rc
  shift 2
  set +e
  out=$("$@" 2>&1)
  rc=$?
  set -e
  [ "$rc" -ne 0 ] || lw_fail "$what: exit 0: $out"
  [ "$rc" -ne 124 ] || lw_fail "$what: timed out"
  grep -qE "$pattern" <<<"$out" || lw_fail "$what: unexpected message: $out"
  [ "$(wc -l <<<"$out")" -le 3 ] || lw_fail "$what: not a plain message: $out"
  echo "ok $what: $(head -n1 <<<"$out")"
}

# No ticket in the cache, Kerberos only: a plain logon failure, not a hang or a crash.
expect_fail "no ticket, krb5 only" "logon failure.*Kerberos ticket" lwio -k ls "$R"
# No ticket, NTLM fallback allowed: the password logs on.
out=$(lwio --sec krb5+ntlmssp -U "$LW_USER%$LW_PASS" ls "$R")
grep -q hello.txt <<<"$out" || lw_fail "fallback to NTLMSSP: $out"
echo "ok no ticket, NTLMSSP fallback"

kdc_kinit "$LW_USER" "$LW_PASS" || lw_fail "kinit failed"
# No password anywhere: only the ticket can log on.
for vers in 3.1.1 3.02 3.0 2.1; do
  out=$(lwio -k --vers "$vers" ls "$R")
  grep -q hello.txt <<<"$out" || lw_fail "kerberos $vers ls: $out"
  rm -f "$W/rand.back"
  lwio -k --vers "$vers" --sign cp "$R\\rand.bin" "\\pvfs$W/rand.back" ||
    lw_fail "kerberos $vers signed cp"
  cmp "$W/rand.back" "$LW_TMP/share/rand.bin" || lw_fail "kerberos $vers: data differs"
  echo "ok kerberos $vers ls and signed cp"
done
# Sealed: the 16- or 32-byte Kerberos key feeds the SMB3 cipher keys both ways.
lwio -k --seal cp "\\pvfs$W/rand.back" "$R\\up.bin" || lw_fail "kerberos sealed upload"
cmp "$LW_TMP/share/up.bin" "$LW_TMP/share/rand.bin" || lw_fail "kerberos sealed upload differs"
out=$(lwio -k --seal cat "$R\\hello.txt")
[ "$out" = "hello kerberos" ] || lw_fail "kerberos sealed cat: $out"
echo "ok kerberos sealed cp and cat"
grep -q "session for '$LW_USER'" "$LW_TMP/lwserver.log" || lw_fail "no session logged"

# The session ends with a 6-second ticket (STATUS_NETWORK_SESSION_EXPIRED); rdr re-authenticates
# with the ticket renewed meanwhile and replays the request: a copy paced at one 1 MiB block
# every 3.5 s opens the file at once and writes its last block after the session expired.
head -c 3000000 /dev/urandom >"$W/slow.src"
kdc_kinit "$LW_USER" "$LW_PASS" -l 6s || lw_fail "kinit -l 6s failed"
(sleep 2 && kdc_kinit "$LW_USER" "$LW_PASS") &
renew=$!
lwio -k --block 1048576 --pause-ms 3500 cp "\\pvfs$W/slow.src" "$R\\slow.bin" ||
  lw_fail "copy across the session expiry"
wait "$renew" || lw_fail "renewing kinit failed"
cmp "$W/slow.src" "$LW_TMP/share/slow.bin" || lw_fail "slow copy differs"
grep -q "session re-authenticated for '$LW_USER'" "$LW_TMP/lwserver.log" ||
  lw_fail "no re-authentication logged"
echo "ok session expired, re-authenticated and replayed"

# A ticket for a service lwserver has no key for: refused, even though the KDC issued it.
expect_fail "ticket for another service" "logon failure" \
  lwio -k ls "\\rdr\\other.$KDC_HOST:$LW_PORT\\share"
# A bad -I address is a plain error too.
expect_fail "bad -I address" "no such host" timeout 60 "$LWIO" -k -I not-an-address ls "$R"
lw_alive
echo "PASS rdr_krb5"
