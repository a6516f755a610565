#!/usr/bin/env bash
# Raw sequential speed of the rdr driver: `lwio cp` of a file (default 1 GiB) from and to
# lwserver and Samba's smbd on loopback, everything on tmpfs (/dev/shm), beside Samba's
# smbclient get/put of the same file.
# Usage: bench/rdr-lwio-cp.sh LWSERVER LWIO [SIZE_MIB]
set -euo pipefail
here=$(dirname "$(readlink -f "$0")")
source "$here/../tests/interop/lib.sh"
source "$here/scripts/samba_lib.sh"
LWSERVER=$1
LWIO=$2
MIB=${3:-1024}
export TMPDIR=/dev/shm
trap 'smb_stop_samba; lw_cleanup' EXIT
lw_start_server "$LWSERVER"
mkdir -p "$LW_TMP/samba" && chown "$LW_USER" "$LW_TMP/samba"
smb_start_samba "$LW_TMP/samba"
head -c $((MIB << 20)) /dev/urandom >"$LW_TMP/src.bin"

secs() { local t0 t1; t0=$(date +%s.%N); "$@" >/dev/null; t1=$(date +%s.%N); echo "$t1 - $t0" | bc -l; }
rate() { echo "scale=1; $MIB / $1" | bc -l; }

printf '%-10s %-6s %10s %10s\n' server dir seconds MiB/s
for s in lwserver samba; do
  port=$LW_PORT; [ $s = samba ] && port=$SMB_PORT
  R="\\rdr\\127.0.0.1:$port\\share\\bench.bin"
  w=$(secs "$LWIO" -U "$LW_USER%$LW_PASS" cp "\\pvfs$LW_TMP/src.bin" "$R")
  r=$(secs "$LWIO" -U "$LW_USER%$LW_PASS" cp "$R" "\\pvfs$LW_TMP/back.bin")
  cmp "$LW_TMP/src.bin" "$LW_TMP/back.bin" || lw_fail "$s: copy differs"
  rm -f "$LW_TMP/back.bin" "$LW_TMP/share/bench.bin" "$LW_TMP/samba/bench.bin"
  printf '%-10s %-6s %10.2f %10s\n' $s write "$w" "$(rate "$w")"
  printf '%-10s %-6s %10.2f %10s\n' $s read "$r" "$(rate "$r")"
done
# The reference client: smbclient against the same smbd.
cp "$LW_TMP/src.bin" "$LW_TMP/samba/ref.bin"
chown "$LW_USER" "$LW_TMP/samba/ref.bin"
g=$(secs smbclient "//127.0.0.1/share" -p "$SMB_PORT" -U "$LW_USER%$LW_PASS" -c "get ref.bin $LW_TMP/ref.out" 2>/dev/null)
p=$(secs smbclient "//127.0.0.1/share" -p "$SMB_PORT" -U "$LW_USER%$LW_PASS" -c "put $LW_TMP/ref.out ref2.bin" 2>/dev/null)
printf '%-10s %-6s %10.2f %10s\n' smbclient put "$p" "$(rate "$p")"
printf '%-10s %-6s %10.2f %10s\n' smbclient get "$g" "$(rate "$g")"
