#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# hostile_peer.py ADDR PORT: a plain TCP client that speaks broken MPA
# and DDP/RDMAP to a siw listener (an rping server). Each case uses
# a fresh connection and expects a Terminate (RFC 5040 opcode 7) or the
# connection to be closed, never silence. Prints TAP.
import socket
import struct
import sys

ADDR, PORT = sys.argv[1], int(sys.argv[2])
MPA_REQ = b"MPA ID Req Frame"
MPA_REP = b"MPA ID Rep Frame"
n = 0
failed = 0


def tap(ok, what):
    global n, failed
    n += 1
    if not ok:
        failed += 1
    print("%sok %d - %s" % ("" if ok else "not ", n, what), flush=True)


def connect():
    s = socket.create_connection((ADDR, PORT), timeout=5)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def mpa_req(rev=1, flags=0, pd=b""):
    return MPA_REQ + bytes([flags, rev]) + struct.pack(">H", len(pd)) + pd


def recv_exact(s, want):
    buf = b""
    while len(buf) < want:
        chunk = s.recv(want - len(buf))
        if not chunk:
            break
        buf += chunk
    return buf


def handshake(s):
    """Rev 1, no CRC, no markers. Returns the reply header or None."""
    s.sendall(mpa_req())
    hdr = recv_exact(s, 20)
    if len(hdr) < 20 or hdr[:16] != MPA_REP:
        return None
    pd_len = struct.unpack(">H", hdr[18:20])[0]
    recv_exact(s, pd_len)
    return hdr


def fpdu(ulpdu):
    pad = (-(2 + len(ulpdu))) % 4
    return struct.pack(">H", len(ulpdu)) + ulpdu + b"\0" * pad + b"\0" * 4


def untagged(opcode, qn=0, msn=1, mo=0, payload=b"", ddp_ver=1, rdmap_ver=1,
             last=True):
    ctrl = (0x40 if last else 0) | ddp_ver
    return struct.pack(">BBIIII", ctrl, (rdmap_ver << 6) | opcode, 0, qn,
                       msn, mo) + payload


def tagged(opcode, stag, to, payload=b"", last=True):
    ctrl = 0x80 | (0x40 if last else 0) | 1
    return struct.pack(">BBIQ", ctrl, 0x40 | opcode, stag, to) + payload


def outcome(s):
    """'terminate', 'closed' or 'silent' within the socket timeout."""
    try:
        data = recv_exact(s, 4)
    except (ConnectionResetError, BrokenPipeError):
        return "closed"
    except socket.timeout:
        return "silent"
    if len(data) < 4:
        return "closed"
    if data[3] & 0x0f == 7:
        return "terminate"
    return "other"


def case(what, frames, want=("terminate",)):
    try:
        s = connect()
    except OSError as e:
        tap(False, "%s: connect: %s" % (what, e))
        return
    try:
        if frames is None:
            s.sendall(b"MPA ID Req Frxme" + b"\0\1\0\0")
            got = outcome(s)
        elif frames == "bigpd":
            s.sendall(mpa_req(pd=b"x" * 600))
            got = outcome(s)
        else:
            if handshake(s) is None:
                tap(False, "%s: no MPA reply" % what)
                return
            for f in frames:
                s.sendall(f)
            got = outcome(s)
    except (ConnectionResetError, BrokenPipeError):
        got = "closed"
    finally:
        s.close()
    tap(got in want, "%s: %s" % (what, got))


case("bad MPA key", None, want=("closed",))
case("MPA private data over 512 bytes", "bigpd", want=("closed", "other"))
case("bad DDP version", [fpdu(untagged(3, ddp_ver=2))])
case("bad RDMAP version", [fpdu(untagged(3, rdmap_ver=2))])
case("unknown RDMAP opcode", [fpdu(untagged(0xe))])
case("bad untagged queue number", [fpdu(untagged(3, qn=5))])
case("Write to an invalid STag",
     [fpdu(tagged(0, 0xdeadbe00, 0, b"payload!"))])
case("Read Response with no Read outstanding",
     [fpdu(tagged(2, 0x12345600, 0, b"payload!"))])
case("Send with MSN out of range", [fpdu(untagged(3, msn=1000, payload=b"x" * 8))])
case("truncated FPDU then close",
     [struct.pack(">H", 0xfff0) + b"\x41\x43" + b"\0" * 30],
     want=("terminate", "closed", "silent"))
print("1..%d" % n)
sys.exit(1 if failed else 0)
