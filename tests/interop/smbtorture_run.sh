#!/usr/bin/env bash
# Runs smbtorture tests one by one against lwserver and reports each.
#   smbtorture_run.sh LWSERVER LIST_FILE [--report]
# Without --report it fails unless every listed test passes (the CI mode, with the checked-in
# pass list). With --report it only prints pass/fail per test (to grow the pass list).
set -euo pipefail
here=$(dirname "$(readlink -f "$0")")
source "$here/lib.sh"
lwserver=$1 list=$2 mode=${3:-}
trap lw_cleanup EXIT
lw_start_server "$lwserver"
# smbtorture leaves smbtortureXXXXXX folders in its working directory; keep them out of the tree.
cd "$LW_TMP"
passed=0 failed=0 failures=()
while IFS= read -r t; do
  [[ -z "$t" || "$t" == \#* ]] && continue
  # A fresh directory per test: smbtorture leaves files behind when a test fails.
  out=$(timeout 120 smbtorture "//127.0.0.1/share" -p "$LW_PORT" -U "$LW_USER%$LW_PASS" \
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
