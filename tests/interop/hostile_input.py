#!/usr/bin/python3
"""Hostile input against lwserver: each malformed message must get an error status or a
closed connection (never a hang or a crash), while a second, well-behaved connection keeps
working throughout.  Usage: hostile_input.py PORT"""
import socket
import struct
import sys

PORT = int(sys.argv[1])
TIMEOUT = 5.0


def frame(payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + payload


def header(command: int, mid: int, credit_charge: int = 1, next_command: int = 0,
           flags: int = 0, protocol: bytes = b"\xfeSMB", size: int = 64) -> bytes:
    return (protocol + struct.pack("<HHIHHIIQIIQ", size, credit_charge, 0, command, 1, flags,
                                   next_command, mid, 0, 0, 0) + b"\0" * 16)


def negotiate(mid: int = 0, structure_size: int = 36, dialects=(0x0202, 0x0210)) -> bytes:
    body = struct.pack("<HHHHI16sQ", structure_size, len(dialects), 1, 0, 0, b"\x11" * 16, 0)
    body += b"".join(struct.pack("<H", d) for d in dialects)
    return header(0, mid) + body


def echo(mid: int) -> bytes:
    return header(13, mid) + struct.pack("<HH", 4, 0)


def recv_exact(s, n):
    data = b""
    while len(data) < n:
        chunk = s.recv(n - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def recv_message(s):
    """Returns the next SMB2 message, or None when the server closed the connection."""
    try:
        hdr = recv_exact(s, 4)
        if hdr is None:
            return None
        (length,) = struct.unpack(">I", hdr)
        return recv_exact(s, length & 0xFFFFFF)
    except (ConnectionResetError, BrokenPipeError):
        return None


def status_of(msg: bytes) -> int:
    return struct.unpack_from("<I", msg, 8)[0]


def connect():
    s = socket.create_connection(("127.0.0.1", PORT), timeout=TIMEOUT)
    return s


class Good:
    """The well-behaved client: negotiated once, then an ECHO after every attack."""

    def __init__(self):
        self.s = connect()
        self.mid = 0
        self.s.sendall(frame(negotiate(self.mid)))
        self.mid += 1
        msg = recv_message(self.s)
        assert msg is not None and status_of(msg) == 0, "good client: negotiate failed"

    def check(self, after: str):
        self.s.sendall(frame(echo(self.mid)))
        self.mid += 1
        msg = recv_message(self.s)
        if msg is None or status_of(msg) != 0:
            raise SystemExit(f"FAIL: the good connection stopped working after: {after}")


def expect_error_or_close(name: str, payload: bytes, negotiate_first: bool = True):
    s = connect()
    try:
        if negotiate_first:
            s.sendall(frame(negotiate(0)))
            msg = recv_message(s)
            assert msg is not None and status_of(msg) == 0
        s.sendall(payload)
        msg = recv_message(s)
        if msg is None:
            result = "closed"
        else:
            st = status_of(msg)
            if st == 0:
                raise SystemExit(f"FAIL: {name}: server answered STATUS_SUCCESS")
            result = f"status 0x{st:08x}"
        print(f"ok {name}: {result}")
    except socket.timeout:
        raise SystemExit(f"FAIL: {name}: no answer and no close within {TIMEOUT} s")
    finally:
        s.close()


def main():
    good = Good()
    attacks = [
        ("truncated header", frame(b"\xfeSMB" + b"\0" * 20), False),
        ("wrong StructureSize", frame(negotiate(0, structure_size=35)), False),
        ("wrong protocol id", frame(header(0, 0, protocol=b"\xfdXYZ") + b"\0" * 40), False),
        ("16 MiB frame claim", struct.pack(">I", 16 * 1024 * 1024 - 1) + b"\xfeSMB", False),
        ("header StructureSize", frame(header(13, 1, size=63) + struct.pack("<HH", 4, 0)), True),
        ("echo lengths past the buffer", frame(header(13, 1) + b"\x04"), True),
        ("tree connect path past the end",
         frame(header(3, 1) + struct.pack("<HHHH", 9, 0, 72, 4000) + b"\\\0"), True),
        ("compound offset past the end",
         frame(header(13, 1, next_command=4096) + struct.pack("<HH", 4, 0)), True),
        ("compound offset not aligned",
         frame(header(13, 1, next_command=68) + struct.pack("<HH", 4, 0) + echo(2)), True),
        ("unknown command", frame(header(0x55, 1) + b"\0" * 8), True),
        ("zero-length frame", struct.pack(">I", 0), True),
        ("SMB1 without SMB2 dialects",
         frame(b"\xffSMB\x72" + b"\0" * 27 + b"\0" + struct.pack("<H", 12) + b"\x02NT LM 0.12\0"),
         False),
    ]
    for name, payload, neg in attacks:
        expect_error_or_close(name, payload, neg)
        good.check(name)
    print("hostile input: all passed")


main()
