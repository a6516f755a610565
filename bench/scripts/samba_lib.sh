# Starts Samba's smbd on 127.0.0.1 with a throwaway config, for side-by-side runs and for the
# client tests. Source after tests/interop/lib.sh (uses LW_USER, LW_PASS, lw_free_port).
# smb_start_samba SHARE_DIR: sets SMB_TMP, SMB_PORT, SMB_PID. SMB_EXTRA_SHARES adds share sections.
smb_start_samba() {
  local share=$1
  SMB_TMP=$(mktemp -d /tmp/lwsmb-samba-XXXXXX)
  # smbd serves as the user: it must reach lock/msg.lock to see its sibling processes alive,
  # else it takes their share modes, oplocks and leases for stale and never breaks them.
  chmod 755 "$SMB_TMP"
  SMB_PORT=$(lw_free_port)
  mkdir -p "$SMB_TMP"/{private,lock,state,cache,pid,ncalrpc}
  cat >"$SMB_TMP/smb.conf" <<CONF
[global]
  smb ports = $SMB_PORT
  interfaces = 127.0.0.1
  bind interfaces only = yes
  private dir = $SMB_TMP/private
  lock directory = $SMB_TMP/lock
  state directory = $SMB_TMP/state
  cache directory = $SMB_TMP/cache
  pid directory = $SMB_TMP/pid
  ncalrpc dir = $SMB_TMP/ncalrpc
  passdb backend = tdbsam:$SMB_TMP/private/passdb.tdb
  disable netbios = yes
  server role = standalone server
  log file = $SMB_TMP/log.smbd
  log level = 1
  load printers = no
  printing = bsd
  printcap name = /dev/null
  disable spoolss = yes

[share]
  path = $share
  read only = no
${SMB_EXTRA_SHARES:-}
CONF
  printf '%s\n%s\n' "$LW_PASS" "$LW_PASS" | pdbedit -s "$SMB_TMP/smb.conf" -a -u "$LW_USER" -t >/dev/null
  # setsid: smbd signals its whole process group when it stops, which would take the caller along.
  setsid smbd --foreground --no-process-group -s "$SMB_TMP/smb.conf" >"$SMB_TMP/stdout" 2>&1 &
  SMB_PID=$!
  lw_wait_port "$SMB_PORT" || { cat "$SMB_TMP"/stdout "$SMB_TMP"/log.smbd >&2; lw_fail "smbd did not start"; }
}

smb_stop_samba() {
  if [ -n "${SMB_PID:-}" ]; then
    kill "$SMB_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$SMB_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$SMB_PID" 2>/dev/null || true
  fi
  [ -n "${SMB_TMP:-}" ] && rm -rf "$SMB_TMP"
}
