#!/usr/bin/python3
"""An oplock break notification to an encrypted session goes out encrypted (MS-SMB2 3.3.4.6,
3.3.4.1.4): a batch oplock holder on [sealed] (smb encrypt = required) sees a transform message,
not a plain SMB2 one, when a second client opens the file.
Usage: oplock_break_encrypt_test.py PORT USER PASSWORD SHARE FILE"""
import struct
import sys
import threading

from impacket.smb3structs import (FILE_NON_DIRECTORY_FILE, FILE_OPEN, FILE_READ_DATA,
                                  FILE_SHARE_READ, FILE_SHARE_WRITE, SMB2_OPLOCK_LEVEL_BATCH)
from impacket.smbconnection import SMBConnection

port, user, password, share, name = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]


def connect():
    c = SMBConnection("127.0.0.1", "127.0.0.1", sess_port=port, timeout=10)
    c.login(user, password)
    return c, c._SMBConnection, c.connectTree(share)


holder, h3, htid = connect()
h3.create(htid, name, FILE_READ_DATA, FILE_SHARE_READ | FILE_SHARE_WRITE,
          FILE_NON_DIRECTORY_FILE, FILE_OPEN, 0, oplockLevel=SMB2_OPLOCK_LEVEL_BATCH)
assert holder._SMBConnection._Session["SessionFlags"] & 0x0004, "session is not encrypted"

# A second client opens the file: the server breaks the holder's batch oplock first. The open
# waits for the acknowledgment (or "oplock break timeout"), so it runs on its own thread.
other, o3, otid = connect()
opener = threading.Thread(target=lambda: o3.create(
    otid, name, FILE_READ_DATA, FILE_SHARE_READ | FILE_SHARE_WRITE, FILE_NON_DIRECTORY_FILE,
    FILE_OPEN, 0), daemon=True)
opener.start()

sock = h3._NetBIOSSession.get_socket()
sock.settimeout(10)
head = b""
while len(head) < 8:
    chunk = sock.recv(8 - len(head))
    if not chunk:
        raise SystemExit("FAIL: the connection closed before the break notification")
    head += chunk
length = struct.unpack(">I", head[:4])[0]
protocol = head[4:8]
if protocol == b"\xfeSMB":
    raise SystemExit("FAIL: the oplock break went out unencrypted on an encrypted session")
assert protocol == b"\xfdSMB", f"FAIL: unexpected message {protocol!r}"
assert 52 + 24 <= length <= 52 + 64 + 24 + 8, f"FAIL: odd transform length {length}"
# Dropping the holder's connection releases its oplock, so the second open completes.
sock.close()
opener.join(15)
assert not opener.is_alive(), "FAIL: the second open never finished"
print("oplock break on an encrypted session: encrypted, ok")
