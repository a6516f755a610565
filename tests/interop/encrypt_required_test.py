#!/usr/bin/python3
"""`smb encrypt = required` seen from an SMB 3 client that can be made to stop encrypting.
Usage: encrypt_required_test.py PORT USER PASSWORD share|global
  share:  [sealed] requires encryption, [share] does not.
  global: the whole server requires it (every session gets SMB2_SESSION_FLAG_ENCRYPT_DATA)."""
import sys

from impacket.smb3structs import (FILE_DIRECTORY_FILE, FILE_OPEN, FILE_READ_ATTRIBUTES,
                                  FILE_SHARE_READ)
from impacket.smb3 import SessionError as Smb3Error
from impacket.smbconnection import SMBConnection

port, user, password, mode = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
conn = SMBConnection("127.0.0.1", "127.0.0.1", sess_port=port, timeout=10)
conn.login(user, password)
smb3 = conn._SMBConnection
session = smb3._Session
# impacket encrypts every request of an SMB 3 session it can (it sets SessionFlags itself).

sealed = "sealed" if mode == "share" else "share"
tid = conn.connectTree(sealed)
tree = session["TreeConnectTable"][tid]
if mode == "share":
    assert tree["EncryptData"] is True, "SMB2_SHAREFLAG_ENCRYPT_DATA missing"
names = [f.get_longname() for f in conn.listPath(sealed, "*")]  # encrypted: works
fid = smb3.create(tid, "", FILE_READ_ATTRIBUTES, FILE_SHARE_READ, FILE_DIRECTORY_FILE, FILE_OPEN, 0)
smb3.queryInfo(tid, fid)

# Stop encrypting behind impacket's back; requests go out in the clear.
session["SessionFlags"] &= ~0x0004
for t in session["TreeConnectTable"].values():
    t["EncryptData"] = False

try:
    smb3.queryInfo(tid, fid)
    raise SystemExit(f"FAIL: an unencrypted request on [{sealed}] was accepted ({mode})")
except Smb3Error as e:
    assert "ACCESS_DENIED" in str(e), str(e)
if mode == "share":
    # The other share still takes unencrypted requests on the same session.
    conn.listPath("share", "*")
print(f"encrypt required ({mode}): ok, listed {names}")

# A transform message that does not decrypt (random ciphertext and tag under the live session)
# closes the connection (MS-SMB2 3.3.5.2.1.1): no answer, end of stream.
import os
import socket
import struct

sock = smb3._NetBIOSSession.get_socket()
body = os.urandom(120)
transform = (b"\xfdSMB" + os.urandom(16) + os.urandom(11) + b"\0" * 5 +
             struct.pack("<IHHQ", len(body), 0, 1, session["SessionID"]))
frame = transform + body
sock.sendall(struct.pack(">I", len(frame)) + frame)
sock.settimeout(10)
try:
    rest = sock.recv(4096)
except (ConnectionResetError, socket.timeout) as e:
    rest = b"" if isinstance(e, ConnectionResetError) else None
if rest != b"":
    raise SystemExit(f"FAIL: the connection stayed open after a bad transform message: {rest!r}")
print("bad transform message: connection closed")
