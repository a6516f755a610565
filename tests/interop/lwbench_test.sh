#!/usr/bin/env bash
# lwbench once with tiny sizes: every workload against lwserver alone, then --vs lwserver vs
# Samba's smbd (same directory) to prove the side-by-side table. No timing is asserted: only that
# each workload gives a positive figure, the table has its rows, the JSON parses and holds every
# sample, the scratch directories are removed, and bad arguments are refused.
# Usage: lwbench_test.sh LWSERVER LWBENCH
set -euo pipefail
here=$(dirname "$(readlink -f "$0")")
source "$here/lib.sh"
source "$here/../../bench/scripts/samba_lib.sh"
LWSERVER=$1
LWBENCH=$2
cleanup() { smb_stop_samba; lw_cleanup; }
trap cleanup EXIT

lw_start_server "$LWSERVER"
smb_start_samba "$LW_TMP/share"
workloads=(seqread seqwrite randread randwrite meta listdir connect concurrency)
tiny=(--file-size 256K --io-size 64K --qd 4 --rand-file-size 64K --rand-ops 40 --meta-files 6
  --meta-dirs 2 --listdir-entries 30 --listdir-passes 1 --connect-count 3 --clients 2
  --client-bytes 128K)
bench() { timeout 300 "$LWBENCH" "$@"; }

# --help names every workload and its parameters.
help=$(bench --help)
for w in "${workloads[@]}" all; do grep -q "^  $w" <<<"$help" || lw_fail "--help lacks workload $w"; done
for o in --file-size --io-size --qd --rand-ops --meta-files --meta-dirs --listdir-entries \
  --connect-count --clients --vs --json --rounds --sign --seal; do
  grep -q -- "$o" <<<"$help" || lw_fail "--help lacks $o"
done

# Refused: an unknown workload, a target that is not //host/share, a bad size suffix.
if bench //127.0.0.1/share -p "$LW_PORT" nosuch >/dev/null 2>&1; then lw_fail "unknown workload accepted"; fi
if bench 127.0.0.1 -p "$LW_PORT" meta >/dev/null 2>&1; then lw_fail "bad target accepted"; fi
if bench //127.0.0.1/share -p "$LW_PORT" --file-size 12Q seqread >/dev/null 2>&1; then lw_fail "bad size accepted"; fi
# A wrong password fails with a message, not a hang or a crash.
set +e
out=$(bench //127.0.0.1/share -U "$LW_USER%wrong" -p "$LW_PORT" meta 2>&1)
rc=$?
set -e
[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] || lw_fail "wrong password: exit $rc"
grep -q "LOGON_FAILURE" <<<"$out" || lw_fail "wrong password: '$out' lacks LOGON_FAILURE"

# check_table OUT COLUMNS: one row per workload with COLUMNS fields, each figure positive.
check_table() {
  local out=$1 cols=$2 w row
  for w in "${workloads[@]}"; do
    row=$(grep -E "^$w +(MB|ops)/s " <<<"$out") || lw_fail "no table row for $w in: $out"
    [ "$(wc -w <<<"$row")" -eq "$cols" ] || lw_fail "row '$row' has not $cols fields"
    awk -v c="$cols" '{ for (i = 3; i <= c; i++) if (!($i > 0)) exit 1 }' <<<"$row" ||
      lw_fail "row '$row' has a figure that is not positive"
  done
}
# check_json FILE LABELS ROUNDS
check_json() {
  "$LW_PY" - "$@" <<'PY'
import json, sys
path, labels, rounds = sys.argv[1], sys.argv[2].split(","), int(sys.argv[3])
doc = json.load(open(path))
names = [r["workload"] for r in doc["results"]]
want = ["seqread", "seqwrite", "randread", "randwrite", "meta", "listdir", "connect", "concurrency"]
assert names == want, names
assert doc["rounds"] == rounds
for r in doc["results"]:
    assert sorted(r["samples"]) == sorted(labels), r
    for l in labels:
        assert len(r["samples"][l]) == rounds and all(v > 0 for v in r["samples"][l]), r
        assert r["median"][l] > 0
    if len(labels) == 2:
        assert r["ratio"] > 0, r
    else:
        assert "ratio" not in r
print("json ok:", path)
PY
}

echo "== lwserver alone, every workload"
out=$(bench //127.0.0.1/share -U "$LW_USER%$LW_PASS" -p "$LW_PORT" --rounds 1 \
  --json "$LW_TMP/a.json" "${tiny[@]}" all 2>"$LW_TMP/a.err") || { cat "$LW_TMP/a.err" >&2; lw_fail "lwbench vs lwserver failed"; }
echo "$out"
check_table "$out" 3
check_json "$LW_TMP/a.json" A 1
grep -q "round 1/1: meta on A" "$LW_TMP/a.err" || lw_fail "no progress line on stderr"
lw_alive

echo "== lwserver (A) vs Samba (B), signed, 2 rounds"
out=$(bench //127.0.0.1/share -U "$LW_USER%$LW_PASS" -p "$LW_PORT" --vs //127.0.0.1/share \
  -U2 "$LW_USER%$LW_PASS" -p2 "$SMB_PORT" --rounds 2 --sign --json "$LW_TMP/ab.json" \
  "${tiny[@]}" "${workloads[@]}" 2>"$LW_TMP/ab.err") || { cat "$LW_TMP/ab.err" >&2; lw_fail "lwbench --vs failed"; }
echo "$out"
grep -qE '^workload +unit +median A +median B +A/B' <<<"$out" || lw_fail "no --vs table header"
check_table "$out" 5
check_json "$LW_TMP/ab.json" A,B 2
grep -q "round 2/2: listdir on B" "$LW_TMP/ab.err" || lw_fail "no progress line for B"
lw_alive

echo "== encrypted, two workloads against both (a random-I/O file that is not a whole MiB)"
out=$(bench //127.0.0.1/share -U "$LW_USER%$LW_PASS" -p "$LW_PORT" --vs //127.0.0.1/share \
  -p2 "$SMB_PORT" --rounds 1 --seal "${tiny[@]}" --rand-file-size 1100K seqread randread 2>&1) ||
  lw_fail "sealed run failed: $out"
grep -qE '^seqread +MB/s +[0-9.]+ +[0-9.]+ +[0-9.]+$' <<<"$out" || lw_fail "sealed: no seqread row in $out"
grep -qE '^randread +ops/s +[0-9.]+ +[0-9.]+ +[0-9.]+$' <<<"$out" || lw_fail "sealed: no randread row in $out"

# Every run removed its scratch directory.
left=$(find "$LW_TMP/share" -maxdepth 1 -name 'lwbench-*')
[ -z "$left" ] || lw_fail "scratch directories left behind: $left"
lw_alive
echo "PASS"
