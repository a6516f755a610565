# A throwaway MIT Kerberos KDC for the tests: realm LWSMB.TEST on 127.0.0.1 and a free high
# port, its database, krb5.conf and kdc.conf in a temp dir. Source it after lib.sh:
#   kdc_start              stands the KDC up; exports KRB5_CONFIG, KRB5CCNAME, KRB5_KDC_PROFILE
#   kdc_add_user NAME PASS adds NAME@LWSMB.TEST
#   kdc_add_service PRINC KEYTAB   adds PRINC (e.g. cifs/localhost) with a random key into KEYTAB
#   kdc_kinit NAME PASS [kinit options]   gets a ticket into $KRB5CCNAME
#   kdc_stop               stops the KDC and removes the temp dir (call it from the EXIT trap)
# The service host name is "localhost" (what smbclient asks for when told //localhost/...); the
# generated krb5.conf maps it to the realm without DNS, so /etc/hosts stays untouched.
KDC_REALM=LWSMB.TEST
KDC_HOST=${KDC_HOST:-lwsmbkrb.lwsmb.test}

kdc_start() {
  local i
  KDC_DIR=$(mktemp -d /tmp/lwsmb-kdc-XXXXXX)
  chmod 755 "$KDC_DIR"
  KDC_PORT=$(lw_free_port)
  cat >"$KDC_DIR/krb5.conf" <<CONF
[libdefaults]
  default_realm = $KDC_REALM
  dns_lookup_kdc = false
  dns_lookup_realm = false
  dns_canonicalize_hostname = false
  rdns = false
  ignore_acceptor_hostname = true
  udp_preference_limit = 1
  default_ccache_name = FILE:$KDC_DIR/ccache

[realms]
  $KDC_REALM = {
    kdc = 127.0.0.1:$KDC_PORT
    admin_server = 127.0.0.1:$KDC_PORT
  }

[domain_realm]
  $KDC_HOST = $KDC_REALM
  .$KDC_HOST = $KDC_REALM
CONF
  cat >"$KDC_DIR/kdc.conf" <<CONF
[kdcdefaults]
  kdc_ports = $KDC_PORT
  kdc_tcp_ports = $KDC_PORT

[realms]
  $KDC_REALM = {
    database_name = $KDC_DIR/principal
    key_stash_file = $KDC_DIR/stash
    acl_file = $KDC_DIR/kadm5.acl
    kdc_listen = 127.0.0.1:$KDC_PORT
    kdc_tcp_listen = 127.0.0.1:$KDC_PORT
    max_life = 10h
    max_renewable_life = 1d
    supported_enctypes = aes256-cts-hmac-sha1-96:normal aes128-cts-hmac-sha1-96:normal
  }

[logging]
  kdc = FILE:$KDC_DIR/kdc.log
CONF
  : >"$KDC_DIR/kadm5.acl"
  export KRB5_CONFIG=$KDC_DIR/krb5.conf
  export KRB5_KDC_PROFILE=$KDC_DIR/kdc.conf
  export KRB5CCNAME=FILE:$KDC_DIR/ccache
  kdb5_util create -s -r "$KDC_REALM" -P "kdc-master-$$" >"$KDC_DIR/kdb5_util.log" 2>&1 ||
    { cat "$KDC_DIR/kdb5_util.log" >&2; lw_fail "kdb5_util create failed"; }
  krb5kdc -n -r "$KDC_REALM" -P "$KDC_DIR/krb5kdc.pid" >"$KDC_DIR/krb5kdc.out" 2>&1 &
  KDC_PID=$!
  lw_wait_port "$KDC_PORT" || { cat "$KDC_DIR"/*.log "$KDC_DIR/krb5kdc.out" >&2; lw_fail "krb5kdc did not listen on $KDC_PORT"; }
}

kdc_admin() { kadmin.local -r "$KDC_REALM" -q "$*" >>"$KDC_DIR/kadmin.log" 2>&1; }

kdc_add_user() {  # NAME PASSWORD
  kdc_admin "addprinc -pw $2 $1@$KDC_REALM" || lw_fail "addprinc $1 failed"
}

kdc_add_service() {  # PRINCIPAL KEYTAB
  kdc_admin "addprinc -randkey $1@$KDC_REALM" || lw_fail "addprinc $1 failed"
  kdc_admin "ktadd -k $2 $1@$KDC_REALM" || lw_fail "ktadd $1 failed"
}

kdc_kinit() {  # NAME PASSWORD [kinit options...]
  local name=$1 pass=$2
  shift 2
  printf '%s\n' "$pass" | kinit "$@" "$name@$KDC_REALM" >"$KDC_DIR/kinit.log" 2>&1 ||
    { cat "$KDC_DIR/kinit.log" >&2; return 1; }
}

kdc_stop() {
  if [ -n "${KDC_PID:-}" ]; then
    kill "$KDC_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$KDC_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$KDC_PID" 2>/dev/null || true
    KDC_PID=
  fi
  if [ "${LW_KEEP:-0}" != 1 ] && [ -n "${KDC_DIR:-}" ]; then rm -rf "$KDC_DIR"; fi
}
