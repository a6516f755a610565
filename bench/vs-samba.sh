#!/usr/bin/env bash
# Side by side: lwserver (A) and Samba's smbd (B) export the same tmpfs directory on 127.0.0.1;
# lwbench runs every workload against both, alternating, plain, signed and encrypted, and prints
# a table per mode (median of each, ratio A/B = lwserver/Samba). Then smbclient, a second and
# independent client, puts and gets a file from both (bench/vs-samba-getput.sh).
#   bench/vs-samba.sh [--quick] [--file-size SIZE] [--rounds N] [--json-dir DIR] [--no-getput]
#                     [--workloads "W1 W2"] [--modes "plain sign seal"] [--no-iperf]
#                     [--build DIR] [-- EXTRA LWBENCH ARGS...]
# --quick: tiny sizes, one round (a smoke run, figures mean nothing). Default: 1G sequential
# files, 3 rounds, every workload and mode. Needs root (it adds a throwaway user), smbd,
# smbclient and a built tree. When iperf3 is installed it first measures what one TCP stream
# moves over loopback (the ceiling for seqread), unless --no-iperf.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build
quick=0
file_size=1G
rounds=3
json_dir=
getput=1
iperf=1
workloads=all
modes="plain sign seal"
extra=()
while [ $# -gt 0 ]; do
  case $1 in
    --quick) quick=1 ;;
    --file-size) file_size=$2; shift ;;
    --rounds) rounds=$2; shift ;;
    --json-dir) json_dir=$2; shift ;;
    --no-getput) getput=0 ;;
    --no-iperf) iperf=0 ;;
    --workloads) workloads=$2; shift ;;
    --modes) modes=$2; shift ;;
    --build) build=$2; shift ;;
    --) shift; extra=("$@"); break ;;
    -h | --help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "vs-samba.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
build=$(cd "$build" && pwd)
# tmpfs, so that both servers measure the protocol stack and not the disk.
if [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ]; then export TMPDIR=/dev/shm; fi
source "$root/tests/interop/lib.sh"
source "$root/bench/scripts/samba_lib.sh"
lwserver=$build/server/lwserver
lwbench=$build/bench/lwbench
[ -x "$lwserver" ] || lw_fail "no lwserver in $build (build first)"
[ -x "$lwbench" ] || lw_fail "no lwbench in $build (build first)"
command -v smbd >/dev/null || lw_fail "smbd is not installed (apt-get install samba)"

if [ "$quick" = 1 ]; then
  sizes=(--file-size 1M --io-size 256K --qd 4 --rand-file-size 1M --rand-ops 200 --meta-files 20
    --meta-dirs 2 --listdir-entries 200 --listdir-passes 1 --connect-count 5 --clients 2
    --client-bytes 1M)
  rounds=1
  getput_mb=4
else
  sizes=(--file-size "$file_size" --io-size 1M --qd 8 --rand-file-size 64M --rand-ops 5000
    --meta-files 500 --meta-dirs 10 --listdir-entries 10000 --listdir-passes 2 --connect-count 50
    --clients 4 --client-bytes 64M)
  # smbclient moves a file of the same size as lwbench's sequential one.
  case $file_size in
    *[gG]) getput_mb=$((${file_size%[gG]} * 1024)) ;;
    *[mM]) getput_mb=${file_size%[mM]} ;;
    *) lw_fail "--file-size takes M or G, e.g. 256M or 1G" ;;
  esac
fi

cleanup() { smb_stop_samba; lw_cleanup; }
trap cleanup EXIT
lw_start_server "$lwserver"
smb_start_samba "$LW_TMP/share"
echo "lwserver (A) on port $LW_PORT, smbd (B) on port $SMB_PORT, sharing $LW_TMP/share"
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"

if [ "$iperf" = 1 ] && command -v iperf3 >/dev/null; then
  # The loopback ceiling: one TCP stream, both ends on this machine, like the benchmarks below.
  iperf_port=$(lw_free_port)
  iperf3 -s -B 127.0.0.1 -p "$iperf_port" >/dev/null 2>&1 &
  iperf_pid=$!
  lw_wait_port "$iperf_port" || lw_fail "iperf3 -s did not listen"
  iperf_secs=5
  [ "$quick" = 1 ] && iperf_secs=1
  echo
  echo "== iperf3, one TCP stream over loopback, ${iperf_secs}s"
  iperf3 -c 127.0.0.1 -p "$iperf_port" -t "$iperf_secs" -f m |
    awk '/receiver/ { printf "iperf3 loopback: %.1f MB/s\n", $7 / 8 }'
  kill "$iperf_pid" 2>/dev/null || true
  wait "$iperf_pid" 2>/dev/null || true
fi

for mode in $modes; do
  flags=()
  [ "$mode" = sign ] && flags=(--sign)
  [ "$mode" = seal ] && flags=(--seal)
  json=()
  [ -n "$json_dir" ] && { mkdir -p "$json_dir"; json=(--json "$json_dir/lwbench-$mode.json"); }
  echo
  echo "== lwbench, $mode (A = lwserver, B = Samba smbd), $rounds rounds"
  "$lwbench" //127.0.0.1/share -U "$LW_USER%$LW_PASS" -p "$LW_PORT" \
    --vs //127.0.0.1/share -p2 "$SMB_PORT" --rounds "$rounds" "${flags[@]}" "${json[@]}" \
    "${sizes[@]}" "${extra[@]}" $workloads | grep -v '^round '
  lw_alive
done

if [ "$getput" = 1 ]; then
  cleanup
  trap - EXIT
  for prot in off sign encrypt; do
    echo
    echo "== smbclient put/get, $prot"
    "$root/bench/vs-samba-getput.sh" "$build" "$getput_mb" "$rounds" "$prot" 2>/dev/null
  done
fi
