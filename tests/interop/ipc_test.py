#!/usr/bin/python3
"""python3-impacket against lwserver's IPC$: listShares, srvsvc NetrShareEnum (levels 1 and 2),
NetrServerGetInfo, NetrShareGetInfo, wkssvc NetrWkstaGetInfo, an unknown interface, and raw
hostile PDUs on the pipe.  Usage: ipc_test.py PORT USER PASSWORD
The server's config has shares share, ro, docs ("Project documents") and hidden (not
browseable), as tests/interop/ipc_test.sh writes it."""
import struct
import sys
import time

from impacket.dcerpc.v5 import srvs, transport, wkst
from impacket.dcerpc.v5.rpcrt import DCERPCException
from impacket.smb3structs import SMB2_READ, SMB2Read
from impacket.smbconnection import SMBConnection, SessionError
from impacket.uuid import uuidtup_to_bin

port, user, password = int(sys.argv[1]), sys.argv[2], sys.argv[3]


def strip(s):
    return s[:-1] if s.endswith("\x00") else s


def fail(msg):
    raise SystemExit("FAIL: " + msg)


conn = SMBConnection("127.0.0.1", "127.0.0.1", sess_port=port, timeout=10)
conn.login(user, password)

shares = {strip(s["shi1_netname"]): strip(s["shi1_remark"]) for s in conn.listShares()}
for name in ("share", "ro", "docs", "IPC$"):
    if name not in shares:
        fail("listShares misses %s: %s" % (name, shares))
if shares["docs"] != "Project documents":
    fail("docs comment: %r" % shares["docs"])
if "hidden" in shares:
    fail("listShares shows the non-browseable share")
print("ok listShares", sorted(shares))


def bind(pipe, uuid):
    t = transport.SMBTransport("127.0.0.1", port, pipe, smb_connection=conn)
    dce = t.get_dce_rpc()
    dce.connect()
    dce.bind(uuid)
    return dce


dce = bind(r"\srvsvc", srvs.MSRPC_UUID_SRVS)
for level in (1, 2):
    r = srvs.hNetrShareEnum(dce, level)
    ctr = r["InfoStruct"]["ShareInfo"]["Level%d" % level]
    names = [strip(e["shi%d_netname" % level]) for e in ctr["Buffer"]]
    if ctr["EntriesRead"] != len(names) or sorted(names) != sorted(["share", "ro", "docs", "IPC$"]):
        fail("NetrShareEnum level %d: %s" % (level, names))
    if level == 2:
        paths = {strip(e["shi2_netname"]): strip(e["shi2_path"]) for e in ctr["Buffer"]}
        if not paths["docs"].startswith("C:\\") or not paths["docs"].endswith("\\docs"):
            fail("level 2 path: %r" % paths["docs"])
print("ok hNetrShareEnum levels 1 and 2")

r = srvs.hNetrServerGetInfo(dce, 101)
info = r["InfoStruct"]["ServerInfo101"]
if strip(info["sv101_name"]) != "LWSMB" or strip(info["sv101_comment"]) != "lwsmb ipc test":
    fail("NetrServerGetInfo: %s" % info)
if info["sv101_platform_id"] != 500 or info["sv101_version_major"] != 6:
    fail("NetrServerGetInfo platform/version: %s" % info)
print("ok hNetrServerGetInfo 101")

r = srvs.hNetrShareGetInfo(dce, "hidden\x00", 1)
if strip(r["InfoStruct"]["ShareInfo1"]["shi1_remark"]) != "Not in the list":
    fail("NetrShareGetInfo hidden: %s" % r["InfoStruct"])
try:
    srvs.hNetrShareGetInfo(dce, "nosuch\x00", 1)
    fail("NetrShareGetInfo of an unknown share succeeded")
except DCERPCException as e:
    if e.get_error_code() != 2310:
        fail("NetrShareGetInfo nosuch: %s" % e)
print("ok hNetrShareGetInfo")
dce.disconnect()

dce = bind(r"\wkssvc", wkst.MSRPC_UUID_WKST)
r = wkst.hNetrWkstaGetInfo(dce, 100)
w = r["WkstaInfo"]["WkstaInfo100"]
if strip(w["wki100_computername"]) != "LWSMB" or strip(w["wki100_langroup"]) != "WORKGROUP":
    fail("NetrWkstaGetInfo: %s" % w)
print("ok hNetrWkstaGetInfo 100")
dce.disconnect()

# srvsvc's pipe does not serve an unknown interface.
try:
    bind(r"\srvsvc", uuidtup_to_bin(("12345678-1234-abcd-ef00-0123456789ab", "1.0")))
    fail("bind to an unknown interface succeeded")
except DCERPCException as e:
    if "abstract_syntax_not_supported" not in str(e) and "not supported" not in str(e).lower():
        fail("unknown interface: %s" % e)
print("ok unknown interface refused")

# No such pipe.
tid = conn.connectTree("IPC$")
try:
    conn.openFile(tid, "nosuchpipe")
    fail("opening a pipe nobody serves succeeded")
except SessionError as e:
    if "OBJECT_NAME_NOT_FOUND" not in str(e):
        fail("nosuchpipe: %s" % e)


# Hostile PDUs: each gets a fault (or bind_nak) and never takes the server down.
def raw_exchange(payload):
    fid = conn.openFile(tid, "srvsvc", desiredAccess=0x0012019F)
    conn.writeFile(tid, fid, payload)
    answer = conn.readFile(tid, fid, 0, 4280)
    conn.closeFile(tid, fid)
    return answer


def header(ptype, frag_len, auth_len=0, call_id=77):
    return struct.pack("<BBBBIHHI", 5, 0, ptype, 3, 0x10, frag_len, auth_len, call_id)


cases = {
    "frag length past the data": header(11, 400) + b"\x00" * 20,
    "auth length lies": header(0, 24, 200) + b"\x00" * 8,
    "frag length below the header": header(0, 8) + b"\x00" * 16,
    "bind with a context count past the PDU": header(11, 28) + struct.pack("<HHIBBH", 4280, 4280, 0, 40, 0, 0),
    "request before bind": header(0, 24) + struct.pack("<IHH", 0, 0, 15),
}
for what, pdu in cases.items():
    answer = raw_exchange(pdu)
    if len(answer) < 16 or answer[0] != 5 or answer[2] not in (3, 13):
        fail("%s: answer %r" % (what, answer[:32]))
    if answer[2] == 3 and struct.unpack("<I", answer[24:28])[0] != 0x1C01000B:
        fail("%s: fault status %r" % (what, answer[24:28]))
print("ok hostile PDUs answered with fault/bind_nak")

# A READ on a pipe with nothing to read waits (interim STATUS_PENDING) until SMB2 CANCEL.
smb3 = conn.getSMBServer()
fid = conn.openFile(tid, "srvsvc", desiredAccess=0x0012019F)
packet = smb3.SMB_PACKET()
packet["Command"] = SMB2_READ
packet["TreeID"] = tid
read = SMB2Read()
read["Padding"] = 0x50
read["FileID"] = fid
read["Length"] = 1024
read["Offset"] = 0
packet["Data"] = read
message_id = smb3.sendSMB(packet)
time.sleep(0.3)
smb3.cancel(message_id)
answer = smb3.recvSMB(message_id)
if answer["Status"] != 0xC0000120:  # STATUS_CANCELLED
    fail("cancelled pipe read: status 0x%08x" % answer["Status"])
conn.closeFile(tid, fid)
print("ok pending pipe read cancelled")

# Still serving.
dce = bind(r"\srvsvc", srvs.MSRPC_UUID_SRVS)
srvs.hNetrShareEnum(dce, 1)
dce.disconnect()
conn.logoff()
print("impacket ipc: all passed")
