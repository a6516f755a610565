#!/usr/bin/env bash
# Side by side: Samba's smbd and lwserver export the same directory on 127.0.0.1; smbclient
# puts and gets a file of SIZE_MB (default 1024) MiB from each, ROUNDS times (default 3),
# alternating, and the median MB/s of each and their ratio are printed. PROTECTION is
# smbclient's --client-protection: off (default), sign or encrypt; with encrypt, CIPHER picks the
# SMB 3.1.1 cipher (AES-128-GCM default, AES-128-CCM, AES-256-GCM, AES-256-CCM).
#   bench/vs-samba-getput.sh BUILD_DIR [SIZE_MB] [ROUNDS] [PROTECTION] [CIPHER]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/tests/interop/lib.sh"
source "$root/bench/scripts/samba_lib.sh"
build=$(cd "${1:-$root/build}" && pwd)
size_mb=${2:-1024}
rounds=${3:-3}
protection=${4:-off}
cipher=${5:-AES-128-GCM}
case $protection in off | sign | encrypt) ;; *) lw_fail "PROTECTION must be off, sign or encrypt" ;; esac
copts=(-m SMB3_11 --client-protection="$protection")
label=$protection
if [ "$protection" = encrypt ]; then
  copts+=(--option="client smb3 encryption algorithms=$cipher")
  label="encrypted $cipher"
fi
lwserver=$build/server/lwserver
[ -x "$lwserver" ] || lw_fail "no lwserver in $build (build first)"

cleanup() { smb_stop_samba; lw_cleanup; }
trap cleanup EXIT
lw_start_server "$lwserver"
smb_start_samba "$LW_TMP/share"
src=$LW_TMP/client.bin
echo "workload: smbclient put + get of a ${size_mb} MiB file, SMB3_11, $label, ${rounds} rounds"
head -c $((size_mb * 1024 * 1024)) /dev/urandom >"$src"

# One transfer; prints MB/s.
transfer() {  # PORT put|get
  local port=$1 op=$2 t0 t1 out
  t0=$(date +%s.%N)
  if [ "$op" = put ]; then
    out=$(smbclient //127.0.0.1/share -p "$port" -U "$LW_USER%$LW_PASS" "${copts[@]}" \
      -c "put $src bench.bin" 2>&1) || lw_fail "put: $out"
  else
    out=$(smbclient //127.0.0.1/share -p "$port" -U "$LW_USER%$LW_PASS" "${copts[@]}" \
      -c "get bench.bin $LW_TMP/back.bin" 2>&1) || lw_fail "get: $out"
  fi
  grep -q NT_STATUS <<<"$out" && lw_fail "$op: $out"
  t1=$(date +%s.%N)
  awk -v s="$size_mb" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f\n", s * 1.048576 / (b - a) }'
}

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

declare -A res
for op in put get; do
  for r in $(seq 1 "$rounds"); do
    echo "round $r/$rounds: $op" >&2
    res[samba_$op]+="$(transfer "$SMB_PORT" "$op") "
    [ "$op" = get ] && { cmp -s "$src" "$LW_TMP/back.bin" || lw_fail "samba get returned other data"; }
    res[lw_$op]+="$(transfer "$LW_PORT" "$op") "
    [ "$op" = get ] && { cmp -s "$src" "$LW_TMP/back.bin" || lw_fail "lwserver get returned other data"; }
  done
done
printf '%-6s %14s %14s %8s\n' op "samba MB/s" "lwserver MB/s" ratio
for op in put get; do
  s=$(tr ' ' '\n' <<<"${res[samba_$op]}" | grep . | median)
  l=$(tr ' ' '\n' <<<"${res[lw_$op]}" | grep . | median)
  printf '%-6s %14s %14s %8s\n' "$op" "$s" "$l" "$(awk -v a="$l" -v b="$s" 'BEGIN { printf "%.2fx", a / b }')"
done
lw_alive
