#!/usr/bin/env bash
# IPC$ and share listing against lwserver: named pipes on \npfs, DCE/RPC, srvsvc and wkssvc.
#   ipc_test.sh LWSERVER samba     smbclient -L, a hidden share, rpcclient netshareenumall/srvinfo
#   ipc_test.sh LWSERVER impacket  SMBConnection.listShares, srvs/wkst calls, hostile pipe input
set -euo pipefail
here=$(dirname "$(readlink -f "$0")")
source "$here/lib.sh"
lwserver=$1
mode=${2:-samba}

extra=$(mktemp -d /tmp/lwsmb-ipc-XXXXXX)
chmod 755 "$extra"
mkdir -p "$extra/docs" "$extra/hidden"
echo "not listed" >"$extra/hidden/secret.txt"
cleanup() { lw_cleanup; rm -rf "$extra"; }
trap cleanup EXIT

LW_EXTRA_GLOBAL="server string = lwsmb ipc test"
LW_EXTRA_SHARES="
[docs]
  path = $extra/docs
  comment = Project documents

[hidden]
  path = $extra/hidden
  comment = Not in the list
  browseable = no
"
lw_start_server "$lwserver"

if [ "$mode" = impacket ]; then
  timeout 120 "$LW_PY" "$here/ipc_test.py" "$LW_PORT" "$LW_USER" "$LW_PASS"
  lw_alive
  exit 0
fi

auth=(-p "$LW_PORT" -U "$LW_USER%$LW_PASS")

# smbclient -L: every browseable share with its comment, and IPC$; twice, so the second run
# gets a fresh pipe instance.
for round in 1 2; do
  out=$(timeout 60 smbclient -L //127.0.0.1 "${auth[@]}" 2>&1) || lw_fail "smbclient -L ($round): $out"
  grep -Eq '^\s+docs\s+Disk\s+Project documents$' <<<"$out" || lw_fail "-L: no docs with its comment: $out"
  grep -Eq '^\s+share\s+Disk' <<<"$out" || lw_fail "-L: no share: $out"
  grep -Eq '^\s+ro\s+Disk' <<<"$out" || lw_fail "-L: no ro: $out"
  grep -Eq '^\s+IPC\$\s+IPC\s+IPC Service \(lwsmb ipc test\)$' <<<"$out" || lw_fail "-L: no IPC\$: $out"
  grep -q 'hidden' <<<"$out" && lw_fail "-L lists the non-browseable share: $out"
done
echo "ok smbclient -L"

# The hidden share is still there by name.
out=$(timeout 60 smbclient //127.0.0.1/hidden "${auth[@]}" -c ls 2>&1) || lw_fail "hidden: $out"
grep -q 'secret.txt' <<<"$out" || lw_fail "hidden share: ls: $out"
echo "ok hidden share connects"

# rpcclient: srvsvc NetShareEnumAll (level 2) and NetSrvGetInfo (level 101).
out=$(timeout 60 rpcclient "${auth[@]}" 127.0.0.1 -c netshareenumall 2>&1) || lw_fail "netshareenumall: $out"
grep -q 'netname: docs' <<<"$out" || lw_fail "netshareenumall: no docs: $out"
grep -q 'remark:	Project documents' <<<"$out" || lw_fail "netshareenumall: no comment: $out"
grep -q "path:	C:${extra//\//\\\\}\\\\docs" <<<"$out" || lw_fail "netshareenumall: no path: $out"
grep -q 'netname: IPC\$' <<<"$out" || lw_fail "netshareenumall: no IPC\$: $out"
grep -q 'netname: hidden' <<<"$out" && lw_fail "netshareenumall lists the hidden share: $out"
echo "ok rpcclient netshareenumall"

out=$(timeout 60 rpcclient "${auth[@]}" 127.0.0.1 -c srvinfo 2>&1) || lw_fail "srvinfo: $out"
grep -Eq '^\s+LWSMB\s+Wk Sv .*lwsmb ipc test$' <<<"$out" || lw_fail "srvinfo: name/comment: $out"
grep -Eq 'platform_id\s+:\s+500' <<<"$out" || lw_fail "srvinfo: platform: $out"
grep -Eq 'os version\s+:\s+6\.1' <<<"$out" || lw_fail "srvinfo: version: $out"
echo "ok rpcclient srvinfo"

out=$(timeout 60 rpcclient "${auth[@]}" 127.0.0.1 -c 'netsharegetinfo hidden' 2>&1) ||
  lw_fail "netsharegetinfo: $out"
grep -q 'netname: hidden' <<<"$out" || lw_fail "netsharegetinfo hidden: $out"
out=$(timeout 60 rpcclient "${auth[@]}" 127.0.0.1 -c 'netsharegetinfo nosuch' 2>&1) || true
grep -q 'WERR_NERR_NETNAMENOTFOUND\|NET_NAME_NOT_FOUND\|NetNameNotFound' <<<"$out" ||
  lw_fail "netsharegetinfo nosuch: $out"
echo "ok rpcclient netsharegetinfo"
lw_alive
