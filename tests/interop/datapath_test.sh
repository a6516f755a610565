#!/usr/bin/env bash
# lwserver's READ/WRITE data path with every kind of response, byte for byte through smbclient:
# plain (large READs from a recycled buffer, or spliced from the file to the socket), signed (data joined to the message),
# encrypted with AES-GCM (sealed in two pieces where they lie) and AES-CCM (one piece), for
# files whose last READ is short and for READs below the splice size; large WRITEs received
# straight into their own buffer.
set -euo pipefail
here=$(dirname "$(readlink -f "$0")")
source "$here/lib.sh"
lwserver=$1
trap lw_cleanup EXIT

# Everything twice: READs into a buffer (the default), then spliced (LWSMB_SPLICE_READS=1).
for splice in 0 1; do
export LWSMB_SPLICE_READS=$splice
lw_start_server "$lwserver"
echo "-- LWSMB_SPLICE_READS=$splice"

work=$LW_TMP/client
mkdir -p "$work"
# 3 MiB + a bit: full 1 MiB READs and a short last one. 40000 bytes: below the splice size.
head -c $((3 * 1024 * 1024 + 12345)) /dev/urandom >"$work/big.bin"
head -c 40000 /dev/urandom >"$work/small.bin"

smb() {  # smb PROTECTION CIPHER COMMANDS
  smbclient //127.0.0.1/share -p "$LW_PORT" -U "$LW_USER%$LW_PASS" -m SMB3_11 \
    --client-protection="$1" --option="client smb3 encryption algorithms=$2" -c "$3" 2>&1 || true
}

for mode in off/AES-128-GCM sign/AES-128-GCM encrypt/AES-128-GCM encrypt/AES-256-GCM \
  encrypt/AES-128-CCM; do
  prot=${mode%/*}
  cipher=${mode#*/}
  tag="$prot $cipher"
  out=$(cd "$work" && smb "$prot" "$cipher" \
    "put big.bin big_$prot.bin; put small.bin small_$prot.bin; get big_$prot.bin big.back; get small_$prot.bin small.back")
  grep -q 'NT_STATUS' <<<"$out" && lw_fail "$tag: $out"
  cmp "$work/big.bin" "$LW_TMP/share/big_$prot.bin" || lw_fail "$tag: put stored other data"
  cmp "$work/big.bin" "$work/big.back" || lw_fail "$tag: get returned other data"
  cmp "$work/small.bin" "$work/small.back" || lw_fail "$tag: small get returned other data"
  rm -f "$work/big.back" "$work/small.back" "$LW_TMP/share/big_$prot.bin" "$LW_TMP/share/small_$prot.bin"
  echo "ok $tag"
done

# Several large READs in flight on one connection, each answered from its own pipe: smbclient
# reads the file with its default pipeline while the server alternates with a second reader.
cp "$work/big.bin" "$LW_TMP/share/shared.bin"
(cd "$work" && smb off AES-128-GCM "get shared.bin one.back") >"$work/one.log" &
one=$!
out=$(cd "$work" && smb encrypt AES-128-GCM "get shared.bin two.back")
wait "$one"
grep -q NT_STATUS "$work/one.log" && lw_fail "parallel plain get: $(cat "$work/one.log")"
grep -q 'NT_STATUS' <<<"$out" && lw_fail "parallel encrypted get: $out"
cmp "$work/big.bin" "$work/one.back" || lw_fail "parallel plain get returned other data"
cmp "$work/big.bin" "$work/two.back" || lw_fail "parallel encrypted get returned other data"
echo "ok parallel"
lw_alive
lw_cleanup
done
echo "datapath interop: all passed"
