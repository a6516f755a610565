#!/usr/bin/env bash
# Runs smbtorture tests one by one against lwserver and reports each.
#   smbtorture_run.sh LWSERVER LIST_FILE [--report] [--kerberos]
# Without --report it fails unless every listed test passes (the CI mode, with the checked-in
# pass list). With --report it only prints pass/fail per test (to grow the pass list).
# With --kerberos a throwaway MIT KDC (kdc_lib.sh) issues the tickets and smbtorture runs with
# --use-kerberos=required against //HOST/share, HOST being this machine's name (Samba refuses
# Kerberos to "localhost" and to addresses), which must resolve to a loopback address.
set -euo pipefail
here=$(dirname "$(readlink -f "$0")")
source "$here/lib.sh"
lwserver=$1 list=$2
shift 2
mode= kerberos=0
for a in "$@"; do
  case $a in
    --report) mode=--report ;;
    --kerberos) kerberos=1 ;;
    *) lw_fail "unknown option $a" ;;
  esac
done
target=//127.0.0.1/share
if [ $kerberos = 1 ]; then
  # smbtorture has no -I: the name it connects to must resolve to loopback. This machine's name
  # first, else any other name /etc/hosts gives a 127.x address (never "localhost", for which
  # Samba's client will not use Kerberos).
  loopback_addr() { { getent ahostsv4 "$1" || true; } | awk 'NR == 1 { print $1 }'; }
  KDC_HOST=${LW_KRB5_HOST:-$(hostname)}
  addr=$(loopback_addr "$KDC_HOST")
  if [[ "$addr" != 127.* ]]; then
    for name in $(awk '$1 ~ /^127\./ { for (i = 2; i <= NF; i++) print $i }' /etc/hosts); do
      [[ "$name" == localhost* ]] && continue
      if [[ "$(loopback_addr "$name")" == 127.* ]]; then
        KDC_HOST=$name addr=$(loopback_addr "$name")
        break
      fi
    done
  fi
  [[ "$addr" == 127.* ]] || lw_fail "--kerberos: no host name resolves to a loopback address (tried $KDC_HOST and /etc/hosts)"
  source "$here/kdc_lib.sh"
  trap 'lw_cleanup; kdc_stop' EXIT
  kdc_start
  kdc_add_service "cifs/$KDC_HOST" "$KDC_DIR/cifs.keytab"
  LW_EXTRA_GLOBAL="kerberos keytab = $KDC_DIR/cifs.keytab
  realm = $KDC_REALM
  interfaces = 127.0.0.1 ${addr#127.0.0.1}"
  target=//$KDC_HOST/share
else
  trap lw_cleanup EXIT
fi
lw_start_server "$lwserver"
auth=(-U "$LW_USER%$LW_PASS")
if [ $kerberos = 1 ]; then
  kdc_add_user "$LW_USER" "$LW_PASS"
  auth=(-U "$LW_USER@$KDC_REALM%$LW_PASS" --use-kerberos=required)
fi
# smbtorture leaves smbtortureXXXXXX folders in its working directory; keep them out of the tree.
cd "$LW_TMP"
passed=0 failed=0 failures=()
while IFS= read -r t; do
  [[ -z "$t" || "$t" == \#* ]] && continue
  # A fresh directory per test: smbtorture leaves files behind when a test fails.
  out=$(timeout 120 smbtorture "$target" -p "$LW_PORT" "${auth[@]}" \
    --option=torture:sharedelay=100000 "$t" 2>&1) && rc=0 || rc=$?
  if [ $rc -eq 0 ] && grep -q '^success: ' <<<"$out" && ! grep -qE '^(failure|error): ' <<<"$out"; then
    passed=$((passed + 1)); echo "pass $t"
  else
    failed=$((failed + 1)); failures+=("$t"); echo "FAIL $t"
    [ "$mode" = --report ] || grep -E '^(failure|error)|status was|expected' <<<"$out" | head -5 | sed 's/^/    /' || true
  fi
  lw_alive
done <"$list"
echo "smbtorture: $passed passed, $failed failed"
[ "$mode" = --report ] && exit 0
[ $failed -eq 0 ]
