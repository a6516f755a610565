#!/usr/bin/env bash
# bench/mount-vs-smbclient.sh once with a tiny file (8 MiB, one round): it must complete and
# print its table with a positive figure in every cell and every ratio. No timing is asserted.
# Usage: mount_bench_smoke.sh BUILD_DIR
set -euo pipefail
here=$(dirname "$(readlink -f "$0")")
build=${1:?build directory}
out=$(mktemp "${TMPDIR:-/tmp}/lwsmb-mount-bench-XXXXXX")
trap 'rm -f "$out"' EXIT
timeout 240 "$here/../../bench/mount-vs-smbclient.sh" --build "$build" --rounds 1 8 >"$out" ||
  { cat "$out" >&2; echo "FAIL: mount-vs-smbclient.sh exited with $?" >&2; exit 1; }
cat "$out"
fail() { echo "FAIL: $*" >&2; exit 1; }
grep -q "^workload: sequential 8 MiB" "$out" || fail "no workload line"
for row in "mount read (fio)" "mount write (fio)" "smbclient get" "smbclient put" \
  "lwio cp read" "lwio cp write" "lwbench seqread" "lwbench seqwrite"; do
  line=$(grep -F "$row " "$out" | head -1) || fail "no row '$row'"
  # lwserver, samba and their ratio: three positive numbers after the label
  awk -v l="$row" '{ $0 = substr($0, length(l) + 1); if (NF != 3) exit 1; for (i = 1; i <= 3; i++) if (!($i > 0)) exit 1 }' \
    <<<"$line" || fail "row '$line' lacks a figure"
done
for row in "mount read / smbclient get" "mount write / smbclient put" \
  "mount read / lwbench seqread" "mount write / lwbench seqwrite" "mount read / lwio cp read"; do
  line=$(grep -F "$row " "$out" | head -1) || fail "no ratio '$row'"
  awk -v l="$row" '{ $0 = substr($0, length(l) + 1); if (NF != 2) exit 1; for (i = 1; i <= 2; i++) if (!($i > 0)) exit 1 }' \
    <<<"$line" || fail "ratio '$line' lacks a figure"
done
echo "PASS: mount_bench_smoke"
