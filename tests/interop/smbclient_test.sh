#!/usr/bin/env bash
# Samba's smbclient against lwserver on 127.0.0.1: every dialect, signed and not.
set -euo pipefail
here=$(dirname "$(readlink -f "$0")")
source "$here/lib.sh"
lwserver=$1
trap lw_cleanup EXIT
lw_start_server "$lwserver"

work=$LW_TMP/client
mkdir -p "$work"
head -c 200000 /dev/urandom >"$work/small.bin"
head -c $((64 * 1024 * 1024)) /dev/urandom >"$work/big.bin"

smb() {  # smb PROTO PROTECTION SHARE COMMANDS
  smbclient "//127.0.0.1/$3" -p "$LW_PORT" -U "$LW_USER%$LW_PASS" -m "$1" \
    --client-protection="$2" -c "$4" 2>&1 || true
}

for proto in SMB3_11 SMB3 SMB2_10 SMB2_02; do
  for prot in sign off; do
    tag="$proto/$prot"
    d="d_${proto}_$prot"
    out=$(cd "$work" && smb "$proto" "$prot" share \
      "mkdir $d; cd $d; put small.bin; rename small.bin moved.bin; ls; allinfo moved.bin; get moved.bin back_${proto}_$prot.bin; del moved.bin; cd ..; mkdir $d/sub; rmdir $d/sub; ls $d\\*")
    grep -q 'NT_STATUS' <<<"$out" && lw_fail "$tag: $out"
    grep -q 'moved.bin' <<<"$out" || lw_fail "$tag: ls does not show moved.bin: $out"
    grep -q 'write_time' <<<"$out" || lw_fail "$tag: allinfo: $out"
    cmp "$work/small.bin" "$work/back_${proto}_$prot.bin" || lw_fail "$tag: get returned other data"
    [ -d "$LW_TMP/share/$d" ] || lw_fail "$tag: mkdir did not reach the disk"
    [ ! -e "$LW_TMP/share/$d/moved.bin" ] || lw_fail "$tag: del left the file"
    [ ! -e "$LW_TMP/share/$d/sub" ] || lw_fail "$tag: rmdir left the folder"
    out=$(cd "$work" && smb "$proto" "$prot" share "rmdir $d")
    grep -q 'NT_STATUS' <<<"$out" && lw_fail "$tag rmdir: $out"
    echo "ok $tag"
  done
done

# A 64 MiB round trip, byte for byte.
out=$(cd "$work" && smb SMB3_11 sign share "put big.bin; get big.bin big.back")
grep -q 'NT_STATUS' <<<"$out" && lw_fail "64 MiB: $out"
cmp "$work/big.bin" "$LW_TMP/share/big.bin" || lw_fail "64 MiB put changed the data"
cmp "$work/big.bin" "$work/big.back" || lw_fail "64 MiB get changed the data"
echo "ok 64 MiB round trip"

# New files belong to the user's Unix account, with the share's create/directory masks.
[ "$(stat -c %U "$LW_TMP/share/big.bin")" = "$LW_USER" ] || lw_fail "big.bin is not owned by $LW_USER"
[ "$(stat -c %a "$LW_TMP/share/big.bin")" = 640 ] || lw_fail "create mask: $(stat -c %a "$LW_TMP/share/big.bin")"
out=$(smb SMB3_11 sign share "mkdir masked")
[ "$(stat -c %a "$LW_TMP/share/masked")" = 750 ] || lw_fail "directory mask: $(stat -c %a "$LW_TMP/share/masked")"
echo "ok ownership and masks"

# SMB 3 encryption (--client-protection=encrypt): ls, put, get and a 64 MiB round trip with every
# cipher on 3.1.1 (SMB3_11, and SMB3, smbclient's name for the highest 3.x), and AES-128-CCM,
# the only cipher, on 3.0 and 3.0.2. The server log must show the cipher that was picked.
for spec in SMB3_11:AES-128-GCM SMB3_11:AES-128-CCM SMB3_11:AES-256-GCM SMB3_11:AES-256-CCM \
  SMB3:AES-128-GCM SMB3:AES-256-GCM SMB3_02:AES-128-CCM SMB3_00:AES-128-CCM; do
  proto=${spec%%:*} cipher=${spec#*:}
  rm -f "$work/enc.back"
  out=$(cd "$work" && smbclient //127.0.0.1/share -p "$LW_PORT" -U "$LW_USER%$LW_PASS" -m "$proto" \
    --client-protection=encrypt --option="client smb3 encryption algorithms=$cipher" \
    -c "put big.bin enc.bin; ls; get enc.bin enc.back; del enc.bin" 2>&1 || true)
  grep -q 'NT_STATUS' <<<"$out" && lw_fail "encrypted $spec: $out"
  grep -q 'enc.bin' <<<"$out" || lw_fail "encrypted $spec: ls does not show enc.bin: $out"
  cmp "$work/big.bin" "$work/enc.back" || lw_fail "encrypted $spec: get returned other data"
  [ ! -e "$LW_TMP/share/enc.bin" ] || lw_fail "encrypted $spec: del left the file"
  echo "ok encrypted $spec (64 MiB)"
done
# The picked cipher ids (1 CCM-128, 2 GCM-128, 3 CCM-256, 4 GCM-256) in the NEGOTIATE log lines.
for id in 1 2 3 4; do
  grep -q " cipher $id signing" "$LW_TMP/lwserver.log" || lw_fail "cipher $id was never negotiated"
done

# Errors: wrong password, unknown share, write to a read-only share.
out=$(smbclient //127.0.0.1/share -p "$LW_PORT" -U "$LW_USER%wrong" -c ls 2>&1 || true)
grep -q NT_STATUS_LOGON_FAILURE <<<"$out" || lw_fail "wrong password: $out"
out=$(smbclient //127.0.0.1/nosuch -p "$LW_PORT" -U "$LW_USER%$LW_PASS" -c ls 2>&1 || true)
grep -q NT_STATUS_BAD_NETWORK_NAME <<<"$out" || lw_fail "unknown share: $out"
out=$(cd "$work" && smb SMB3_11 sign ro "put small.bin" || true)
grep -q NT_STATUS_ACCESS_DENIED <<<"$out" || lw_fail "put to read-only: $out"
out=$(cd "$work" && smb SMB3_11 sign ro "get readme.txt ro.txt")
cmp "$work/ro.txt" "$LW_TMP/ro/readme.txt" || lw_fail "get from read-only: $out"
echo "ok errors"
lw_alive
echo "smbclient interop: all passed"
