# Shared helpers for the interop tests: a scratch folder, a free loopback port, an lwserver
# with a throwaway config and user, and bounded waits. Source it; call lw_cleanup on exit.
set -euo pipefail

LW_PY=/usr/bin/python3  # Debian's python, which has impacket

lw_fail() { echo "FAIL: $*" >&2; exit 1; }

lw_free_port() {
  "$LW_PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Waits (at most ~10 s) until something accepts on 127.0.0.1:$1.
lw_wait_port() {
  local port=$1 i
  for i in $(seq 1 100); do
    if "$LW_PY" -c "import socket,sys; s=socket.socket(); s.settimeout(0.2); sys.exit(s.connect_ex(('127.0.0.1',$port)))" 2>/dev/null; then
      return 0
    fi
    sleep 0.1
  done
  return 1
}

# lw_start_server LWSERVER: creates $LW_TMP with shares "share" (writable) and "ro"
# (read-only), a user $LW_USER with password $LW_PASS, and starts lwserver on $LW_PORT.
# LW_EXTRA_GLOBAL and LW_EXTRA_SHARES add lines to [global] and more share sections.
lw_start_server() {
  local lwserver=$1
  LW_TMP=$(mktemp -d "${TMPDIR:-/tmp}/lwsmb-interop-XXXXXX")
  chmod 755 "$LW_TMP"  # Samba (the side-by-side peer) runs as the user and must reach the share
  LW_PORT=$(lw_free_port)
  LW_USER=lwsmbt$$
  LW_PASS='Secret-Pass1'
  if ! id "$LW_USER" >/dev/null 2>&1; then
    useradd --no-create-home --shell /usr/sbin/nologin "$LW_USER"
    LW_CREATED_USER=1
  fi
  mkdir -p "$LW_TMP/share" "$LW_TMP/ro"
  chown "$LW_USER" "$LW_TMP/share"
  echo "read me" >"$LW_TMP/ro/readme.txt"
  cat >"$LW_TMP/smb.conf" <<CONF
[global]
  smb ports = $LW_PORT
  interfaces = 127.0.0.1
  bind interfaces only = yes
  passdb = $LW_TMP/smbpasswd
  map to guest = never
  log file = $LW_TMP/lwserver.log
  log level = 3
  ${LW_EXTRA_GLOBAL:-}

[share]
  path = $LW_TMP/share
  read only = no
  create mask = 0640
  directory mask = 0750

[ro]
  path = $LW_TMP/ro
  read only = yes
${LW_EXTRA_SHARES:-}
CONF
  printf '%s\n%s\n' "$LW_PASS" "$LW_PASS" | "$lwserver" user add "$LW_USER" -s "$LW_TMP/smb.conf" --stdin >/dev/null
  "$lwserver" -s "$LW_TMP/smb.conf" --foreground >"$LW_TMP/stdout.log" 2>&1 &
  LW_PID=$!
  lw_wait_port "$LW_PORT" || { cat "$LW_TMP"/*.log >&2; lw_fail "lwserver did not listen on $LW_PORT"; }
}

lw_cleanup() {
  if [ -n "${LW_PID:-}" ]; then
    kill "$LW_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$LW_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$LW_PID" 2>/dev/null || true
  fi
  if [ "${LW_KEEP:-0}" != 1 ] && [ -n "${LW_TMP:-}" ]; then rm -rf "$LW_TMP"; fi
  if [ "${LW_CREATED_USER:-0}" = 1 ]; then userdel "$LW_USER" 2>/dev/null || true; fi
}

# Sanitizer builds: processes started after lw_sanitizer_logs DIR (FUSE daemons detach with
# stderr on /dev/null) write their reports to DIR/sanitizer.*; lw_sanitizer_check DIR fails the
# test on any.
lw_sanitizer_logs() {
  export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$1/sanitizer"
  export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}log_path=$1/sanitizer:print_stacktrace=1"
}
lw_sanitizer_check() {
  local f
  for f in "$1"/sanitizer.*; do
    [ -e "$f" ] || continue
    cat "$f" >&2
    lw_fail "sanitizer report from a process of the test ($f)"
  done
}

# Checks the server is still alive (no crash during the test).
lw_alive() { kill -0 "$LW_PID" 2>/dev/null || { cat "$LW_TMP"/*.log >&2; lw_fail "lwserver died"; }; }
