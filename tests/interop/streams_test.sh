#!/usr/bin/env bash
# Alternate data streams through Samba's smbclient: a stream written and read back by name,
# listed by allinfo, kept by a rename, removed with its file; the store stays out of sight.
set -euo pipefail
here=$(dirname "$(readlink -f "$0")")
source "$here/lib.sh"
trap lw_cleanup EXIT
lw_start_server "$1"

work=$LW_TMP/client
mkdir -p "$work"
printf 'main data\n' >"$work/main.txt"
head -c 70000 /dev/urandom >"$work/ads.bin"
smb() {
  (cd "$work" && timeout 60 smbclient "//127.0.0.1/share" -p "$LW_PORT" -U "$LW_USER%$LW_PASS" \
    -m SMB3_11 -c "$1" 2>&1) || true
}

out=$(smb 'put main.txt f.txt; put ads.bin f.txt:ads; allinfo f.txt; ls')
grep -q 'NT_STATUS' <<<"$out" && lw_fail "put/allinfo: $out"
grep -q 'stream: \[:ads:\$DATA\], 70000 bytes' <<<"$out" || lw_fail "allinfo lists no stream: $out"
grep -q 'lwsmb-streams' <<<"$out" && lw_fail "ls shows the stream store: $out"
[ "$(cat "$LW_TMP/share/f.txt")" = "main data" ] || lw_fail "the stream changed the main data"

out=$(smb 'rename f.txt g.txt; get g.txt:ads back.bin; get g.txt main.back')
grep -q 'NT_STATUS' <<<"$out" && lw_fail "rename/get: $out"
cmp "$work/ads.bin" "$work/back.bin" || lw_fail "the stream came back different"
cmp "$work/main.txt" "$work/main.back" || lw_fail "the main stream came back different"

out=$(smb 'get g.txt:missing nothing.bin')
grep -q 'NT_STATUS_OBJECT_NAME_NOT_FOUND' <<<"$out" || lw_fail "missing stream: $out"
out=$(smb 'get ".lwsmb-streams" nothing.bin')
grep -q 'NT_STATUS_OBJECT_NAME_INVALID' <<<"$out" || lw_fail "the store is reachable: $out"

out=$(smb 'del g.txt')
grep -q 'NT_STATUS' <<<"$out" && lw_fail "del: $out"
[ -z "$(ls -A "$LW_TMP/share/.lwsmb-streams")" ] || lw_fail "del left the streams behind"
lw_alive
echo "ok streams"
