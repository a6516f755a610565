#!/usr/bin/python3
"""python3-impacket's SMBConnection against lwserver: login, listPath, putFile, getFile,
deleteFile.  Usage: impacket_test.py PORT USER PASSWORD SHARE_DIR"""
import io
import os
import sys

from impacket.smbconnection import SMBConnection, SessionError

port, user, password, share_dir = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
conn = SMBConnection("127.0.0.1", "127.0.0.1", sess_port=port, timeout=10)
conn.login(user, password)
payload = os.urandom(300000)
conn.putFile("share", "impacket.bin", io.BytesIO(payload).read)
with open(os.path.join(share_dir, "impacket.bin"), "rb") as f:
    assert f.read() == payload, "putFile wrote other data"
names = [e.get_longname() for e in conn.listPath("share", "*")]
assert "impacket.bin" in names, names
got = io.BytesIO()
conn.getFile("share", "impacket.bin", got.write)
assert got.getvalue() == payload, "getFile returned other data"
conn.deleteFile("share", "impacket.bin")
assert not os.path.exists(os.path.join(share_dir, "impacket.bin")), "deleteFile left the file"
try:
    conn.getFile("share", "impacket.bin", got.write)
    raise SystemExit("FAIL: getFile of a deleted file succeeded")
except SessionError as e:
    assert "OBJECT_NAME_NOT_FOUND" in str(e), str(e)
conn.logoff()
print("impacket: all passed (dialect 0x%04x)" % conn.getDialect())
