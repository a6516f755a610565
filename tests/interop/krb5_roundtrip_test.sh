#!/usr/bin/env bash
# Runs krb5_roundtrip_test (GSSAPI initiator <-> acceptor, SPNEGO krb5/NTLMSSP) against a real
# MIT KDC stood up by kdc_lib.sh.
#   krb5_roundtrip_test.sh KRB5_ROUNDTRIP_TEST_BINARY
set -euo pipefail
here=$(dirname "$(readlink -f "$0")")
source "$here/lib.sh"
source "$here/kdc_lib.sh"
bin=$1
trap kdc_stop EXIT
kdc_start
user=krbuser$$
pass='Krb-Pass-1'
kdc_add_user "$user" "$pass"
kdc_add_service "cifs/$KDC_HOST" "$KDC_DIR/cifs.keytab"
kdc_add_service "cifs/other.$KDC_HOST" "$KDC_DIR/other.keytab"
kdc_add_service "host/$KDC_HOST" "$KDC_DIR/host.keytab"
kdc_kinit "$user" "$pass" || lw_fail "kinit failed"
: >"$KDC_DIR/empty.ccache"
export LWSMB_KRB5_HOST=$KDC_HOST LWSMB_KRB5_OTHER_HOST=other.$KDC_HOST
export LWSMB_KRB5_KEYTAB=$KDC_DIR/cifs.keytab LWSMB_KRB5_HOST_KEYTAB=$KDC_DIR/host.keytab
export LWSMB_KRB5_EMPTY_CCACHE=FILE:$KDC_DIR/empty.ccache
export LWSMB_KRB5_REALM=$KDC_REALM LWSMB_KRB5_USER=$user
# The replay cache goes to the KDC's temp dir, not /var/tmp.
export KRB5RCACHEDIR=$KDC_DIR
"$bin"
