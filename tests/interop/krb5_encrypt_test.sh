#!/usr/bin/env bash
# Kerberos and "smb encrypt" against lwserver with Samba's smbclient and python3-impacket:
# a real MIT KDC (kdc_lib.sh) issues the tickets.
#   krb5_encrypt_test.sh LWSERVER
set -euo pipefail
here=$(dirname "$(readlink -f "$0")")
source "$here/lib.sh"
source "$here/kdc_lib.sh"
lwserver=$1
sealed=$(mktemp -d /tmp/lwsmb-sealed-XXXXXX)
trap 'kdc_stop; lw_cleanup; rm -rf "$sealed"' EXIT
chmod 777 "$sealed"
echo "sealed data" >"$sealed/secret.txt"
kdc_start
kdc_add_service "cifs/$KDC_HOST" "$KDC_DIR/cifs.keytab"
kdc_add_service "cifs/other.$KDC_HOST" "$KDC_DIR/other.keytab"
LW_EXTRA_GLOBAL="kerberos keytab = $KDC_DIR/cifs.keytab
  realm = $KDC_REALM

[sealed]
  path = $sealed
  read only = no
  smb encrypt = required"
lw_start_server "$lwserver"
kdc_add_user "$LW_USER" "$LW_PASS"
echo "hello kerberos" >"$LW_TMP/share/hello.txt"
work=$LW_TMP/client
mkdir -p "$work"

# smbclient asks for cifs/NAME when given //NAME/...; -I sends it to 127.0.0.1 (Samba's client
# refuses Kerberos to "localhost" and to bare addresses).
smbk() {  # NAME SHARE OPTIONS...
  local name=$1 share=$2
  shift 2
  (cd "$work" && timeout 60 smbclient "//$name/$share" -I 127.0.0.1 -p "$LW_PORT" \
    --use-kerberos=required --use-krb5-ccache="$KRB5CCNAME" "$@" 2>&1) || true
}
smbu() {  # SHARE OPTIONS... (NTLM, user and password)
  local share=$1
  shift
  (cd "$work" && timeout 60 smbclient "//127.0.0.1/$share" -p "$LW_PORT" -U "$LW_USER%$LW_PASS" \
    "$@" 2>&1) || true
}

# No ticket: the client cannot even start Kerberos.
out=$(smbk "$KDC_HOST" share -c ls)
grep -q 'hello.txt' <<<"$out" && lw_fail "listed without a ticket: $out"
grep -qE 'NT_STATUS_(LOGON_FAILURE|INVALID_PARAMETER|NO_LOGON_SERVERS|ACCESS_DENIED)' <<<"$out" ||
  lw_fail "no ticket: unexpected answer: $out"
echo "ok no ticket refused"

kdc_kinit "$LW_USER" "$LW_PASS" || lw_fail "kinit failed"
for prot in sign encrypt; do
  for proto in SMB3_11 SMB3_02 SMB2_10; do
    [ "$prot" = encrypt ] && [ "$proto" = SMB2_10 ] && continue
    rm -f "$work/hello.back"
    out=$(smbk "$KDC_HOST" share -m "$proto" --client-protection="$prot" -c 'ls; get hello.txt hello.back')
    grep -q NT_STATUS <<<"$out" && lw_fail "kerberos $proto/$prot: $out"
    grep -q hello.txt <<<"$out" || lw_fail "kerberos $proto/$prot: no listing: $out"
    cmp -s "$work/hello.back" "$LW_TMP/share/hello.txt" || lw_fail "kerberos $proto/$prot: get"
    echo "ok kerberos $proto $prot"
  done
done
# The 32-byte Kerberos session key feeds AES-256 cipher keys (MS-SMB2 3.2.5.3.1).
for cipher in AES-256-GCM AES-256-CCM; do
  out=$(smbk "$KDC_HOST" share -m SMB3_11 --client-protection=encrypt \
    --option="client smb3 encryption algorithms=$cipher" -c 'ls; get hello.txt hello.back')
  grep -q NT_STATUS <<<"$out" && lw_fail "kerberos $cipher: $out"
  grep -q hello.txt <<<"$out" || lw_fail "kerberos $cipher: no listing: $out"
  echo "ok kerberos encrypted $cipher"
done
grep -q "session for '$LW_USER'" "$LW_TMP/lwserver.log" || lw_fail "no session logged"

# A ticket for another service: the KDC issues it, lwserver's keytab cannot open it.
out=$(smbk "other.$KDC_HOST" share -c ls)
grep -q NT_STATUS_LOGON_FAILURE <<<"$out" || lw_fail "ticket for another service: $out"
grep -q "not found in keytab" "$LW_TMP/lwserver.log" || lw_fail "keytab miss not logged"
echo "ok ticket for another service refused"

# A Kerberos session ends with its ticket (MS-SMB2 3.3.5.2.9): a 6-second ticket works at once
# and gets STATUS_NETWORK_SESSION_EXPIRED after it ran out.
kdc_kinit "$LW_USER" "$LW_PASS" -l 6s || lw_fail "kinit -l 6s failed"
out=$( (echo ls; sleep 8; echo ls; echo quit) | (cd "$work" && timeout 60 smbclient \
  "//$KDC_HOST/share" -I 127.0.0.1 -p "$LW_PORT" --use-kerberos=required \
  --use-krb5-ccache="$KRB5CCNAME" 2>&1) || true)
grep -q hello.txt <<<"$out" || lw_fail "short ticket: first ls failed: $out"
grep -q NT_STATUS_NETWORK_SESSION_EXPIRED <<<"$out" || lw_fail "session did not expire: $out"
echo "ok kerberos session expires with its ticket"

# NTLM keeps working next to Kerberos; a wrong password is a logon failure.
out=$(smbu share -c ls)
grep -q hello.txt <<<"$out" || lw_fail "NTLM next to Kerberos: $out"
out=$(smbu share -U "$LW_USER%wrong" -c ls)
grep -q NT_STATUS_LOGON_FAILURE <<<"$out" || lw_fail "wrong NTLM password: $out"
echo "ok NTLM alongside, wrong password refused"

# [sealed] requires encryption: a client that cannot encrypt (SMB 2.1) is refused at tree
# connect while [share] keeps working; SMB 3 clients are told to encrypt and do.
out=$(smbu sealed -m SMB2_10 -c ls)
grep -q NT_STATUS_ACCESS_DENIED <<<"$out" || lw_fail "SMB2_10 on [sealed]: $out"
grep -q secret.txt <<<"$out" && lw_fail "SMB2_10 listed [sealed]"
out=$(smbu share -m SMB2_10 -c ls)
grep -q hello.txt <<<"$out" || lw_fail "SMB2_10 on [share]: $out"
for prot in off sign encrypt; do
  out=$(smbu sealed -m SMB3 --client-protection=$prot -c 'ls; get secret.txt secret.back')
  grep -q NT_STATUS <<<"$out" && lw_fail "SMB3/$prot on [sealed]: $out"
  cmp -s "$work/secret.back" "$sealed/secret.txt" || lw_fail "SMB3/$prot on [sealed]: get"
done
"$LW_PY" "$here/encrypt_required_test.py" "$LW_PORT" "$LW_USER" "$LW_PASS" share
echo "oplocked" >"$sealed/oplocked.txt"
chown "$LW_USER" "$sealed/oplocked.txt"
"$LW_PY" "$here/oplock_break_encrypt_test.py" "$LW_PORT" "$LW_USER" "$LW_PASS" sealed oplocked.txt
echo "ok share encryption required"
lw_alive

# Global "smb encrypt = required": sessions that cannot encrypt are refused.
kill "$LW_PID"
wait "$LW_PID" 2>/dev/null || true
rm -rf "$LW_TMP"
LW_EXTRA_GLOBAL="smb encrypt = required"
lw_start_server "$lwserver"
mkdir -p "$LW_TMP/client"
work=$LW_TMP/client
echo "global" >"$LW_TMP/share/g.txt"
out=$(smbu share -m SMB2_10 -c ls)
grep -q NT_STATUS_ACCESS_DENIED <<<"$out" || lw_fail "global required, SMB2_10: $out"
out=$(smbu share -m SMB3_11 --client-protection=off -c ls)
grep -q g.txt <<<"$out" || lw_fail "global required, SMB3_11 told to encrypt: $out"
"$LW_PY" "$here/encrypt_required_test.py" "$LW_PORT" "$LW_USER" "$LW_PASS" global
"$lwserver" testparm -s "$LW_TMP/smb.conf" 2>/dev/null | grep -q 'server smb encrypt = required' ||
  lw_fail "testparm does not show the encryption policy"
echo "ok global encryption required"
lw_alive
echo "krb5/encrypt interop: all passed"
