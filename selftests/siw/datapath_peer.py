#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# datapath_peer.py ADDR PORT TEXT: an independent iWARP peer in Python
# against a siw rping server (rping -s -v -S 1000), speaking MPA v2 with
# markers and CRC in both directions. It plays rping's client far enough
# to check siw's marker and CRC handling against code that shares nothing
# with siw's:
#
#   1. Send (rping's buffer advertisement), one byte per TCP segment:
#      siw must reassemble it across segments, strip markers, check CRC.
#   2. siw answers with an RDMA Read Request: its markers (FPDUPTR) and
#      CRC are checked here, and it must ask for exactly what we offered.
#   3. Read Response with TEXT in two segments, sent in odd-sized pieces:
#      siw places it; rping -v prints it (the caller checks that).
#   4. siw sends its own Send (rping's "go ahead"): checked like 2.
#
# datapath_peer.py ADDR PORT errors: against a persistent rping server
# (helpers/ping_listener), one connection per broken frame; each must end in a Terminate
# (framed with markers and CRC, checked) with the right layer, type and
# code: bad CRC, bad marker FPDUPTR, a Send longer than the receive
# buffer.
#
# Prints TAP lines; exits 0 if all passed.
import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from iwarp_crc import crc32c  # noqa: E402

ADDR, PORT, TEXT = sys.argv[1], int(sys.argv[2]), sys.argv[3].encode()
SIZE = 1000                     # rping -S on the server
OUR_TO, OUR_STAG = 0x10000, 0x4321
n = 0
failed = 0


def tap(ok, what):
    global n, failed
    n += 1
    if not ok:
        failed += 1
    print("%sok %d - %s" % ("" if ok else "not ", n, what), flush=True)


class Stream:
    """One direction of the FPDU stream, with markers and CRC."""

    def __init__(self, sock, markers, crc):
        self.sock, self.markers, self.crc = sock, markers, crc
        self.off = 0            # stream offset from the first FPDU byte

    def frame(self, ulpdu):
        """Wire image of one FPDU starting at self.off."""
        pad = (-(2 + len(ulpdu))) % 4
        logical = struct.pack(">H", len(ulpdu)) + ulpdu + b"\0" * pad
        wire = bytearray()
        pos = self.off
        len_pos = None
        for b in logical + b"\0" * 4:
            if self.markers and pos % 512 == 0:
                ptr = 0 if len_pos is None else pos - len_pos
                wire += struct.pack(">HH", 0, ptr)
                pos += 4
            if len_pos is None:
                len_pos = pos
            wire.append(b)
            pos += 1
        if self.crc:
            wire[-4:] = struct.pack("<I", crc32c(bytes(wire[:-4])))
        self.off = pos
        return bytes(wire)

    def send(self, ulpdu, chunk):
        wire = self.frame(ulpdu)
        i = 0
        k = 0
        while i < len(wire):
            step = chunk[k % len(chunk)]
            self.sock.sendall(wire[i:i + step])
            i += step
            k += 1
            if step == 1:
                time.sleep(0.001)   # one byte per TCP segment

    def _raw(self, want):
        buf = b""
        while len(buf) < want:
            got = self.sock.recv(want - len(buf))
            if not got:
                raise EOFError("connection closed")
            buf += got
        return buf

    def recv(self):
        """Next FPDU: (ulpdu, problems), markers and CRC checked."""
        wire = bytearray()
        problems = []
        len_pos = None
        logical = bytearray()

        def take(count):
            nonlocal len_pos
            got = bytearray()
            while len(got) < count:
                if self.markers and self.off % 512 == 0:
                    m = self._raw(4)
                    want = 0 if len_pos is None else self.off - len_pos
                    if struct.unpack(">H", m[2:])[0] != want:
                        problems.append("marker at %d: FPDUPTR %d, want %d"
                                        % (self.off, struct.unpack(
                                            ">H", m[2:])[0], want))
                    wire.extend(m)
                    self.off += 4
                    continue
                if len_pos is None:
                    len_pos = self.off
                b = self._raw(1)
                wire.extend(b)
                got.extend(b)
                self.off += 1
            return bytes(got)

        ulen = struct.unpack(">H", take(2))[0]
        logical += take(ulen + (-(2 + ulen)) % 4)
        crc = take(4)
        # Everything before the CRC field, markers included.
        if self.crc and struct.unpack("<I", crc)[0] != \
                crc32c(bytes(wire[:-4])):
            problems.append("CRC mismatch")
        return bytes(logical[:ulen]), problems


def untagged(opcode, qn, msn, mo, payload, last=True):
    return struct.pack(">BBIIII", (0x40 if last else 0) | 1, 0x40 | opcode,
                       0, qn, msn, mo) + payload


def tagged(opcode, stag, to, payload, last=True):
    return struct.pack(">BBIQ", 0x80 | (0x40 if last else 0) | 1,
                       0x40 | opcode, stag, to) + payload


def connect():
    """TCP and MPA v2 with markers and CRC: (socket, tx, rx) or None."""
    s = socket.create_connection((ADDR, PORT), timeout=20)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    # MPA v2 request: markers towards us, CRC, enhanced IRD/ORD 1/1.
    pd = struct.pack(">HH", 1, 1)
    s.sendall(b"MPA ID Req Frame" + bytes([0x80 | 0x40 | 0x10, 2]) +
              struct.pack(">H", len(pd)) + pd)
    rep = b""
    while len(rep) < 20:
        rep += s.recv(20 - len(rep))
    pd_len = struct.unpack(">H", rep[18:20])[0]
    while len(rep) < 20 + pd_len:
        rep += s.recv(20 + pd_len - len(rep))
    flags = rep[16]
    ok = rep[:16] == b"MPA ID Rep Frame" and not flags & 0x20
    tap(ok, "MPA reply accepts (flags 0x%02x)" % flags)
    if not ok:
        return None
    tap(flags & 0x80 and flags & 0x40,
        "siw wants markers towards it and CRC")
    return s, Stream(s, bool(flags & 0x80), bool(flags & 0x40)), \
        Stream(s, True, bool(flags & 0x40))


def main():
    conn = connect()
    if not conn:
        return
    s, tx, rx = conn

    # 1. rping's advertisement: buf, rkey, size (big endian).
    adv = struct.pack(">QII", OUR_TO, OUR_STAG, SIZE)
    tx.send(untagged(3, 0, 1, 0, adv), [1])

    # 2. The Read Request for it.
    ulpdu, problems = rx.recv()
    tap(not problems, "Read Request: markers and CRC check out %s"
        % (problems or ""))
    ok = len(ulpdu) == 18 + 28 and ulpdu[1] & 0x0f == 1
    tap(ok, "RDMA Read Request, %d bytes" % len(ulpdu))
    if not ok:
        return
    qn, msn, mo = struct.unpack(">III", ulpdu[6:18])
    sink_stag, sink_to, size, src_stag, src_to = \
        struct.unpack(">IQIIQ", ulpdu[18:46])
    tap(qn == 1 and msn == 1 and mo == 0, "on queue 1, MSN 1, MO 0")
    tap(size == SIZE and src_stag == OUR_STAG and src_to == OUR_TO,
        "asks for what we offered (%d bytes of 0x%x at 0x%x)"
        % (size, src_stag, src_to))

    # 3. The Read Response: TEXT, NUL padded, in two segments.
    data = TEXT[:SIZE - 1].ljust(SIZE, b"\0")
    half = SIZE // 2
    tx.send(tagged(2, sink_stag, sink_to, data[:half], last=False),
            [1, 7, 3, 64, 2, 129])
    tx.send(tagged(2, sink_stag, sink_to + half, data[half:]),
            [5, 1, 300, 11])

    # 4. rping's "go ahead": a Send with its own buffer.
    ulpdu, problems = rx.recv()
    tap(not problems, "Send: markers and CRC check out %s"
        % (problems or ""))
    op = ulpdu[1] & 0x0f if len(ulpdu) > 1 else -1
    tap(op in (3, 5) and len(ulpdu) == 18 + 16,
        "Send (opcode %d) of rping's 16-byte advertisement" % op)
    qn, msn, mo = struct.unpack(">III", ulpdu[6:18])
    tap(qn == 0 and msn == 1 and mo == 0, "on queue 0, MSN 1, MO 0")
    s.close()


def expect_terminate(what, tx, rx, wire, layer, etype, ecode):
    """Send @wire raw, expect a Terminate with layer/etype/ecode."""
    tx.sock.sendall(wire)
    try:
        ulpdu, problems = rx.recv()
    except (OSError, EOFError) as e:
        tap(False, "%s: no Terminate (%s)" % (what, e))
        return
    tap(not problems, "%s: Terminate framing checks out %s"
        % (what, problems or ""))
    if len(ulpdu) < 22 or ulpdu[1] & 0x0f != 7:
        tap(False, "%s: got opcode %d, not a Terminate" %
            (what, ulpdu[1] & 0x0f if len(ulpdu) > 1 else -1))
        return
    qn = struct.unpack(">I", ulpdu[6:10])[0]
    got = (ulpdu[18] >> 4, ulpdu[18] & 0x0f, ulpdu[19])
    tap(qn == 2 and got == (layer, etype, ecode),
        "%s: Terminate on queue 2, layer/type/code %s (want %s)"
        % (what, got, (layer, etype, ecode)))


def errors():
    adv = untagged(3, 0, 1, 0, struct.pack(">QII", OUR_TO, OUR_STAG, SIZE))

    conn = connect()
    if conn:
        s, tx, rx = conn
        wire = bytearray(tx.frame(adv))
        wire[-1] ^= 0x5a
        expect_terminate("bad CRC", tx, rx, bytes(wire), 2, 0, 2)
        s.close()

    conn = connect()
    if conn:
        s, tx, rx = conn
        # The stream's first marker, in front of the first ULPDU_Length,
        # must say 0; this one points 4 bytes further.
        wire = bytearray(tx.frame(adv))
        wire[3] ^= 0x04
        if tx.crc:
            wire[-4:] = struct.pack("<I", crc32c(bytes(wire[:-4])))
        expect_terminate("bad marker FPDUPTR", tx, rx, bytes(wire), 2, 0, 3)
        s.close()

    conn = connect()
    if conn:
        s, tx, rx = conn
        # rping servers post 16-byte receives.
        expect_terminate("Send longer than the receive buffer", tx, rx,
                         tx.frame(untagged(3, 0, 1, 0, b"x" * 100)), 1, 2, 5)
        s.close()


try:
    if TEXT == b"errors":
        errors()
    else:
        main()
except (OSError, EOFError) as e:
    tap(False, "peer: %s" % e)
print("1..%d" % n)
sys.exit(1 if failed else 0)
