#!/usr/bin/env bash
# mount.lwsmb against the other clients, on lwserver and on Samba's smbd (loopback, the same
# tmpfs directory behind both). For each server and round:
#   mount read / write   fio through a mount.lwsmb mount: sequential, 1 MiB blocks, buffered
#                        (--direct=0); writes go to a fresh file and end with an fsync, reads
#                        come from a file written earlier and not in the page cache (a fresh
#                        open with cache=strict drops it, and fio invalidates it too)
#   smbclient get / put  Samba's client, the same size
#   lwio read / write    lwio cp over \rdr (the raw client driver, 16 MiB per IRP)
#   raw seqread / write  lwbench seqread / seqwrite (1 MiB requests, 8 in flight)
# and prints medians (MB/s, 10^6 bytes a second) with the ratios: mount read / smbclient get,
# mount read / lwbench raw seqread (issue 7's goal: >= 0.90), and lwserver / Samba.
#
#   bench/mount-vs-smbclient.sh [--quick] [--rounds N] [--build DIR] [SIZE_MB]
#
# SIZE_MB defaults to 1024 (--quick: 64 and one round); --rounds defaults to 3. Needs root
# (a throwaway Unix user, FUSE mounts), fio, smbclient and smbd. Progress goes to stderr,
# the table to stdout. Figures from a shared machine are rough: compare ratios of one run.
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
size_mb=1024
rounds=3
build=$root/build
quick=0
while [ $# -gt 0 ]; do
  case $1 in
    --quick) quick=1 ;;
    --rounds) rounds=$2; shift ;;
    --build) build=$2; shift ;;
    -h | --help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    [0-9]*) size_mb=$1 ;;
    *) echo "usage: $0 [--quick] [--rounds N] [--build DIR] [SIZE_MB]" >&2; exit 2 ;;
  esac
  shift
done
if [ "$quick" = 1 ]; then
  size_mb=${size_mb/#1024/64}
  rounds=1
fi
build=$(cd "$build" && pwd)
# tmpfs for the share and the local copies, as bench/vs-samba.sh
export TMPDIR=${TMPDIR:-/dev/shm}
source "$root/tests/interop/lib.sh"
source "$root/bench/scripts/samba_lib.sh"

MOUNT=$build/fuse-rdr/mount.lwsmb
LWSERVER=$build/server/lwserver
LWBENCH=$build/bench/lwbench
LWIO=$build/bench/lwio
for b in "$MOUNT" "$LWSERVER" "$LWBENCH" "$LWIO"; do
  [ -x "$b" ] || lw_fail "$b is missing (cmake --build $build --target mount.lwsmb lwserver lwbench lwio)"
done
for t in fio smbclient smbd; do command -v $t >/dev/null || lw_fail "$t is not installed"; done

MOUNTS=()
cleanup() {
  set +e
  local m
  for m in "${MOUNTS[@]}"; do
    if grep -q " $m " /proc/mounts; then umount "$m" 2>/dev/null || umount -l "$m"; fi
  done
  smb_stop_samba
  lw_cleanup
}
trap cleanup EXIT

progress() { echo "[mount-vs-smbclient $(date +%T)] $*" >&2; }

lw_start_server "$LWSERVER"
share=$LW_TMP/share
smb_start_samba "$share"
bytes=$((size_mb * 1024 * 1024))
src=$LW_TMP/src.bin
head -c "$bytes" /dev/urandom >"$src"
progress "lwserver on port $LW_PORT, smbd on $SMB_PORT, share $share, ${size_mb} MiB, $rounds round(s)"

declare -A PORT=([lwserver]=$LW_PORT [samba]=$SMB_PORT)
declare -A MNT
for s in lwserver samba; do
  MNT[$s]=$LW_TMP/mnt-$s
  mkdir -p "${MNT[$s]}"
  MOUNTS+=("${MNT[$s]}")
  "$MOUNT" //127.0.0.1/share "${MNT[$s]}" -o "port=${PORT[$s]},username=$LW_USER,password=$LW_PASS" ||
    lw_fail "mount of $s failed"
done

# MB/s from a byte count and two date +%s.%N stamps.
rate() { awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN { printf "%.1f\n", n / (b - a) / 1e6 }'; }
now() { date +%s.%N; }
median() { tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# fio's own bandwidth (bytes/s from its JSON) -> MB/s.
fio_rate() {  # FILE read|write
  local out
  out=$(fio --name=seq --filename="$1" --rw="$2" --bs=1M --size="${size_mb}M" --direct=0 \
    --ioengine=psync --end_fsync=$([ "$2" = write ] && echo 1 || echo 0) --invalidate=1 \
    --output-format=json 2>&1) || lw_fail "fio $2 on $1: $out"
  /usr/bin/python3 -c '
import json, sys
text = sys.stdin.read()
doc = json.loads(text[text.index("{"):])
job = doc["jobs"][0]
if job.get("error", 0):
    sys.exit("fio error %d" % job["error"])
print("%.1f" % (job[sys.argv[1]]["bw_bytes"] / 1e6))
' "$2" <<<"$out" || lw_fail "fio $2 on $1: cannot read its JSON: $out"
}

declare -A R  # R[server.metric] = "sample sample ..."
# add KEY FIGURE: a figure that is not a positive number stops the run.
add() {
  awk -v v="$2" 'BEGIN { exit !(v + 0 > 0) }' || lw_fail "$1: no figure ('$2')"
  R[$1]+="$2 "
}

for r in $(seq 1 "$rounds"); do
  for s in lwserver samba; do
    port=${PORT[$s]}
    m=${MNT[$s]}
    progress "round $r/$rounds $s: mount write"
    f=$m/mnt-$r.bin
    v=$(fio_rate "$f" write)
    add "$s.mount_write" "$v"
    progress "round $r/$rounds $s: mount read"
    v=$(fio_rate "$f" read)
    add "$s.mount_read" "$v"
    rm -f "$f"

    progress "round $r/$rounds $s: smbclient put/get"
    t0=$(now)
    out=$(smbclient //127.0.0.1/share -p "$port" -U "$LW_USER%$LW_PASS" -c "put $src sc-$r.bin" 2>&1) ||
      lw_fail "smbclient put: $out"
    t1=$(now)
    add "$s.smbclient_put" "$(rate "$bytes" "$t0" "$t1")"
    t0=$(now)
    out=$(smbclient //127.0.0.1/share -p "$port" -U "$LW_USER%$LW_PASS" -c "get sc-$r.bin $LW_TMP/back.bin" 2>&1) ||
      lw_fail "smbclient get: $out"
    t1=$(now)
    add "$s.smbclient_get" "$(rate "$bytes" "$t0" "$t1")"
    cmp -s "$src" "$LW_TMP/back.bin" || lw_fail "$s: smbclient get returned other data"
    rm -f "$LW_TMP/back.bin" "$share/sc-$r.bin"

    progress "round $r/$rounds $s: lwio cp"
    rpath="\\rdr\\127.0.0.1:$port\\share\\lwio-$r.bin"
    t0=$(now)
    "$LWIO" -U "$LW_USER%$LW_PASS" cp "\\pvfs$src" "$rpath" >/dev/null || lw_fail "lwio cp to $s"
    t1=$(now)
    add "$s.lwio_write" "$(rate "$bytes" "$t0" "$t1")"
    t0=$(now)
    "$LWIO" -U "$LW_USER%$LW_PASS" cp "$rpath" "\\pvfs$LW_TMP/back.bin" >/dev/null || lw_fail "lwio cp from $s"
    t1=$(now)
    add "$s.lwio_read" "$(rate "$bytes" "$t0" "$t1")"
    cmp -s "$src" "$LW_TMP/back.bin" || lw_fail "$s: lwio cp returned other data"
    rm -f "$LW_TMP/back.bin" "$share/lwio-$r.bin"

    progress "round $r/$rounds $s: lwbench seqread seqwrite"
    out=$("$LWBENCH" //127.0.0.1/share -U "$LW_USER%$LW_PASS" -p "$port" --rounds 1 \
      --file-size "${size_mb}M" --io-size 1M --qd 8 seqread seqwrite 2>/dev/null) ||
      lw_fail "lwbench against $s: $out"
    add "$s.raw_read" "$(awk '$1 == "seqread" { print $3 }' <<<"$out")"
    add "$s.raw_write" "$(awk '$1 == "seqwrite" { print $3 }' <<<"$out")"
  done
done
lw_alive

metrics=(mount_read mount_write smbclient_get smbclient_put lwio_read lwio_write raw_read raw_write)
declare -A label=([mount_read]="mount read (fio)" [mount_write]="mount write (fio)"
  [smbclient_get]="smbclient get" [smbclient_put]="smbclient put" [lwio_read]="lwio cp read"
  [lwio_write]="lwio cp write" [raw_read]="lwbench seqread" [raw_write]="lwbench seqwrite")
declare -A M
for s in lwserver samba; do
  for k in "${metrics[@]}"; do M[$s.$k]=$(median <<<"${R[$s.$k]:-}"); done
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 > 0 && a + 0 > 0) printf "%.2f", a / b; else print "-" }'; }

echo "workload: sequential ${size_mb} MiB, 1 MiB blocks, loopback, tmpfs share; median of $rounds round(s); MB/s = 10^6 B/s"
printf '%-20s %12s %12s %14s\n' "client" "lwserver" "samba" "lwserver/samba"
for k in "${metrics[@]}"; do
  printf '%-20s %12s %12s %14s\n' "${label[$k]}" "${M[lwserver.$k]}" "${M[samba.$k]}" \
    "$(ratio "${M[lwserver.$k]}" "${M[samba.$k]}")"
done
echo
printf '%-34s %12s %12s\n' "ratio" "lwserver" "samba"
printf '%-34s %12s %12s\n' "mount read / smbclient get" \
  "$(ratio "${M[lwserver.mount_read]}" "${M[lwserver.smbclient_get]}")" \
  "$(ratio "${M[samba.mount_read]}" "${M[samba.smbclient_get]}")"
printf '%-34s %12s %12s\n' "mount write / smbclient put" \
  "$(ratio "${M[lwserver.mount_write]}" "${M[lwserver.smbclient_put]}")" \
  "$(ratio "${M[samba.mount_write]}" "${M[samba.smbclient_put]}")"
printf '%-34s %12s %12s\n' "mount read / lwbench seqread" \
  "$(ratio "${M[lwserver.mount_read]}" "${M[lwserver.raw_read]}")" \
  "$(ratio "${M[samba.mount_read]}" "${M[samba.raw_read]}")"
printf '%-34s %12s %12s\n' "mount write / lwbench seqwrite" \
  "$(ratio "${M[lwserver.mount_write]}" "${M[lwserver.raw_write]}")" \
  "$(ratio "${M[samba.mount_write]}" "${M[samba.raw_write]}")"
printf '%-34s %12s %12s\n' "mount read / lwio cp read" \
  "$(ratio "${M[lwserver.mount_read]}" "${M[lwserver.lwio_read]}")" \
  "$(ratio "${M[samba.mount_read]}" "${M[samba.lwio_read]}")"
