#!/usr/bin/python3
"""`server signing = mandatory` refuses unsigned requests; `auto` takes them.
Usage: signing_test.py PORT USER PASSWORD mandatory|auto"""
import sys

from impacket.smbconnection import SMBConnection, SessionError

port, user, password, mode = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
conn = SMBConnection("127.0.0.1", "127.0.0.1", sess_port=port, timeout=10)
conn.login(user, password)
assert conn.isSigningRequired() == (mode == "mandatory"), "NEGOTIATE SecurityMode"
conn.listPath("share", "*")  # signed when required: must work
# Stop signing behind impacket's back: the next requests go out unsigned. impacket encrypts every
# request once the server offers encryption (SMB 3.x), so stop that too: an encrypted request is
# authenticated by its cipher, not by a signature (MS-SMB2 3.3.5.2.4).
session = conn._SMBConnection._Session
session["SigningActivated"] = False
session["SessionFlags"] &= ~0x0004  # SMB2_SESSION_FLAG_ENCRYPT_DATA
try:
    conn.listPath("share", "*")
    accepted = True
except SessionError as e:
    assert "ACCESS_DENIED" in str(e), str(e)
    accepted = False
if mode == "mandatory" and accepted:
    raise SystemExit("FAIL: an unsigned request was accepted with server signing = mandatory")
if mode == "auto" and not accepted:
    raise SystemExit("FAIL: an unsigned request was refused with server signing = auto")
print(f"signing {mode}: ok")
