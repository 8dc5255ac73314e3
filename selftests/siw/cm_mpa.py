#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# MPA connection setup against siw from a plain TCP peer.
#
#   cm_mpa.py responder ADDR PORT TIMEOUT_S [p2p]
#       cases against a siw listener (rping -s -P): requests in pieces,
#       revision 1 and 2, CRC, markers, peer-to-peer, oversized private
#       data, silence. Prints TAP.
#   cm_mpa.py server ADDR PORT MODE
#       one connection from a siw initiator (rping -c), answered as MODE:
#       reject, silent, garbage, replyterm (reply and a Terminate in one
#       segment), rtr (peer-to-peer reply, then check the RTR). Exits 0
#       if the initiator behaved, 1 otherwise.
import socket
import struct
import sys
import time

REQ = b"MPA ID Req Frame"
REP = b"MPA ID Rep Frame"
F_M, F_C, F_R, F_E = 0x80, 0x40, 0x20, 0x10
RTR_SEND, RTR_WRITE, RTR_READ = 1, 2, 4


def mpa(key, rev=2, flags=0, pd=b"", ird=None, ord_=None, p2p=False,
        rtr=0, pd_len=None):
    body = b""
    if ird is not None:
        flags |= F_E
        i = ird | (0x8000 if p2p else 0) | (0x4000 if rtr & RTR_SEND else 0)
        o = ord_ | (0x8000 if rtr & RTR_WRITE else 0) | \
            (0x4000 if rtr & RTR_READ else 0)
        body = struct.pack(">HH", i, o)
    body += pd
    n = len(body) if pd_len is None else pd_len
    return key + bytes([flags, rev]) + struct.pack(">H", n) + body


def recv_exact(s, want):
    buf = b""
    while len(buf) < want:
        chunk = s.recv(want - len(buf))
        if not chunk:
            break
        buf += chunk
    return buf


def read_mpa(s, key):
    """(flags, rev, ird, ord, rtr, p2p, pd) or None if closed/garbage."""
    hdr = recv_exact(s, 20)
    if len(hdr) < 20 or hdr[:16] != key:
        return None
    flags, rev = hdr[16], hdr[17]
    n = struct.unpack(">H", hdr[18:20])[0]
    body = recv_exact(s, n)
    if len(body) < n:
        return None
    ird = ord_ = rtr = 0
    p2p = False
    if rev == 2 and flags & F_E and n >= 4:
        i, o = struct.unpack(">HH", body[:4])
        ird, ord_ = i & 0x3fff, o & 0x3fff
        p2p = bool(i & 0x8000)
        rtr = (RTR_SEND if i & 0x4000 else 0) | \
              (RTR_WRITE if o & 0x8000 else 0) | (RTR_READ if o & 0x4000 else 0)
        body = body[4:]
    return flags, rev, ird, ord_, rtr, p2p, body


def fpdu(ulpdu):
    pad = (-(2 + len(ulpdu))) % 4
    return struct.pack(">H", len(ulpdu)) + ulpdu + b"\0" * pad + b"\0" * 4


def terminate():
    # untagged, last, DDP v1; RDMAP v1 Terminate; QN 2, MSN 1, MO 0;
    # layer RDMAP, type catastrophic, code unspecified (0xff), no headers
    ddp = struct.pack(">BBIIII", 0x41, 0x47, 0, 2, 1, 0)
    return fpdu(ddp + struct.pack(">BBH", 0x00, 0xff, 0))


def is_rtr_write(b):
    """A zero length RDMA Write FPDU without CRC check (20 bytes)."""
    if len(b) != 20:
        return False
    n, ctrl, rdmap = struct.unpack(">HBB", b[:4])
    return n == 14 and ctrl & 0xc0 == 0xc0 and rdmap & 0x0f == 0


# ---------------------------------------------------------------- responder

n = 0
failed = 0


def tap(ok, what):
    global n, failed
    n += 1
    if not ok:
        failed += 1
    print("%sok %d - %s" % ("" if ok else "not ", n, what), flush=True)


def closed_within(s, secs):
    """True if the peer closes (EOF/RST) within secs without sending."""
    s.settimeout(secs)
    try:
        data = s.recv(1)
    except socket.timeout:
        return False
    except ConnectionResetError:
        return True
    return data == b""


def responder(addr, port, timeout, p2p_mode):
    def conn():
        s = socket.create_connection((addr, port), timeout=10)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return s

    def ask(what, req, check, pieces=1):
        try:
            s = conn()
            step = (len(req) + pieces - 1) // pieces
            for off in range(0, len(req), step):
                s.sendall(req[off:off + step])
                if pieces > 1:
                    time.sleep(0.2)
            rep = read_mpa(s, REP)
            ok = check(rep, s)
            s.close()
        except OSError as e:
            print("# %s: %s" % (what, e))
            ok = False
        tap(ok, what)

    accepted = lambda rep, s: rep is not None and not rep[0] & F_R
    rejected = lambda rep, s: rep is not None and bool(rep[0] & F_R)
    none = lambda rep, s: rep is None

    if p2p_mode:
        def p2p_ok(rep, s):
            if rep is None or rep[0] & F_R or not rep[5] or \
               rep[4] != RTR_WRITE:
                return False
            s.sendall(fpdu(struct.pack(">BBIQ", 0xc1, 0x40, 0, 0)))
            # connected now: the server waits for its client's first Send
            return not closed_within(s, 1)
        ask("p2p: RTR Write offered, selected, RTR sent",
            mpa(REQ, ird=1, ord_=1, p2p=True, rtr=RTR_WRITE | RTR_READ), p2p_ok)
        ask("p2p: only RTR Read offered: rejected",
            mpa(REQ, ird=1, ord_=1, p2p=True, rtr=RTR_READ), rejected)

        def bad_rtr(rep, s):
            if rep is None or rep[0] & F_R:
                return False
            s.sendall(fpdu(struct.pack(">BBIIII", 0x41, 0x43, 0, 0, 1, 0)))
            return closed_within(s, timeout + 5)
        ask("p2p: a Send instead of the RTR: closed",
            mpa(REQ, ird=1, ord_=1, p2p=True, rtr=RTR_WRITE), bad_rtr)

        def no_rtr(rep, s):
            return rep is not None and not rep[0] & F_R and \
                closed_within(s, timeout + 5)
        ask("p2p: no RTR: closed after the timeout",
            mpa(REQ, ird=1, ord_=1, p2p=True, rtr=RTR_WRITE), no_rtr)
        print("1..%d" % n)
        return failed

    ask("rev 1 request in three pieces: accepted", mpa(REQ, rev=1),
        lambda rep, s: accepted(rep, s) and rep[1] == 1, pieces=3)

    def v2(rep, s):
        # we ask ORD 4 / offer IRD 4; the server's ULP accepts with 1/1
        return accepted(rep, s) and rep[1] == 2 and rep[0] & F_E and \
            rep[2] >= 4 and 1 <= rep[3] <= 4 and not rep[5]
    ask("rev 2 enhanced request: IRD covers our ORD, ORD within our IRD",
        mpa(REQ, ird=4, ord_=4), v2)
    ask("rev 2 request with private data in pieces: accepted",
        mpa(REQ, ird=1, ord_=1, pd=b"p" * 200), accepted, pieces=4)
    ask("CRC asked: accepted with CRC", mpa(REQ, flags=F_C, ird=1, ord_=1),
        lambda rep, s: accepted(rep, s) and rep[0] & F_C)
    ask("markers asked: rejected (markers off)",
        mpa(REQ, flags=F_M, ird=1, ord_=1), rejected)
    ask("peer-to-peer asked: rejected (p2p off)",
        mpa(REQ, ird=1, ord_=1, p2p=True, rtr=RTR_WRITE), rejected)
    ask("ORD over the device limit: rejected", mpa(REQ, ird=1, ord_=1000),
        rejected)
    ask("300 bytes of private data: rejected",
        mpa(REQ, ird=1, ord_=1, pd=b"x" * 296), rejected)
    ask("revision 3: closed without reply", mpa(REQ, rev=3), none)
    ask("a reply key instead of a request: closed", mpa(REP, rev=1), none)

    t0 = time.time()
    ask("header promising private data that never comes: closed",
        mpa(REQ, rev=1, pd_len=10), lambda rep, s: rep is None)
    took = time.time() - t0
    tap(timeout * 0.7 <= took <= timeout + 5,
        "... after the MPA timeout (%.1f s)" % took)

    try:
        s = conn()
        t0 = time.time()
        ok = closed_within(s, timeout + 5)
        took = time.time() - t0
        s.close()
    except OSError:
        ok, took = False, 0
    tap(ok and took >= timeout * 0.7,
        "silent TCP connection closed after the MPA timeout (%.1f s)" % took)
    print("1..%d" % n)
    return failed


# ---------------------------------------------------------------- server

def server(addr, port, mode):
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    ls = socket.socket(fam, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((addr, port))
    ls.listen(1)
    ls.settimeout(30)
    s, _ = ls.accept()
    s.settimeout(30)
    req = read_mpa(s, REQ)
    if req is None:
        print("no MPA request")
        return 1
    t0 = time.monotonic()
    flags, rev, ird, ord_, rtr, p2p, pd = req
    enh = dict(ird=ord_, ord_=ird) if rev == 2 and flags & F_E else {}
    crc = flags & F_C
    if mode == "reject":
        s.sendall(mpa(REP, rev=rev, flags=F_R | crc, pd=b"nope"))
    elif mode == "silent":
        pass
    elif mode == "garbage":
        s.sendall(b"MPA ID Rxp Frame" + bytes([0, rev, 0, 0]))
    elif mode == "replyterm":
        if crc:
            print("initiator asked for CRC: cannot build a Terminate here")
            return 1
        s.sendall(mpa(REP, rev=rev, **enh) + terminate())
    elif mode == "rtr":
        if not p2p or not rtr & RTR_WRITE:
            print("no peer-to-peer request: rtr %d p2p %d" % (rtr, p2p))
            return 1
        s.sendall(mpa(REP, rev=rev, flags=crc, p2p=True, rtr=RTR_WRITE,
                      **enh))
        b = recv_exact(s, 20)
        print("RTR: %s" % b.hex())
        return 0 if is_rtr_write(b) else 1
    # keep the connection until the initiator gives up, and say when it
    # did: cm_mpa.sh times siw by this, not by rping (whose own start
    # takes seconds on a debug kernel)
    try:
        while s.recv(4096):
            pass
    except OSError:
        pass
    print("closed %d ms after the request"
          % ((time.monotonic() - t0) * 1000), flush=True)
    return 0


if __name__ == "__main__":
    if sys.argv[1] == "responder":
        sys.exit(1 if responder(sys.argv[2], int(sys.argv[3]),
                                float(sys.argv[4]),
                                len(sys.argv) > 5) else 0)
    sys.exit(server(sys.argv[2], int(sys.argv[3]), sys.argv[4]))
