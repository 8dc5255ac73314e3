#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""
fuzz_peer.py ADDR PORT: a mutating TCP peer against a siw listener
(rping -s -P). For SIW_FUZZ_SECONDS (default 45) it opens connection
after connection and sends either

  raw:        a committed seed stream (fuzz_seeds/*.bin: MPA request
              plus the FPDUs an rping client sends) with byte-level
              mutations, in random pieces;
  structured: a valid MPA request (revision, CRC, RFC 6581 and RFC 7306
              flags drawn at random), then, on a reply, FPDUs built from
              RDMAP templates with mutated fields, framed with a correct
              CRC (mostly), a wrong one, or a lying ULPDU_Length; Read
              Requests the listener sends back are answered with
              (mutated) Read Responses.

Connections are closed, reset, or left open for a while in a pool of
up to 8. Everything random comes from one seed, printed first:
SIW_FUZZ_SEED=N replays the same cases (as long as the listener answers
alike; timing may still differ). Prints TAP: the listener must keep
accepting, and an FPDU with a wrong CRC on a CRC connection must get a
Terminate or a close.

fuzz_peer.py --write-seeds DIR writes the seed streams.
"""
import os
import random
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from iwarp_crc import crc32c  # noqa: E402

MPA_REQ = b"MPA ID Req Frame"
MPA_REP = b"MPA ID Rep Frame"
F_M, F_C, F_R, F_E, F_GSO, F_EXT = 0x80, 0x40, 0x20, 0x10, 0x08, 0x04
F_EXT_ACK = 0x02  # a reply accepting the RFC 7306 extensions
OP_WRITE, OP_RREQ, OP_RRESP, OP_SEND, OP_SEND_INV = 0, 1, 2, 3, 4
OP_SEND_SE, OP_SEND_SE_INV, OP_TERM, OP_IMM, OP_IMM_SE = 5, 6, 7, 8, 9
OP_AREQ, OP_ARESP = 0xa, 0xb
INTERESTING32 = [0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000,
                 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff]
SEED_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                        "fuzz_seeds")


def rbytes(n):
    """Random bytes from the seeded generator (os.urandom would not
    reproduce)."""
    return random.randbytes(n)


def mpa_req(rev=1, crc=False, enhanced=False, ird=0, ord_=0, p2p=False,
            ext=False, pd=b"", flags_extra=0):
    flags = (F_C if crc else 0) | (F_EXT if ext else 0) | flags_extra
    if rev == 2 and enhanced:
        flags |= F_E
        pd = struct.pack(">HH", (0x8000 if p2p else 0) | ird,
                         (0x8000 if p2p else 0) | ord_) + pd
    return MPA_REQ + bytes([flags, rev]) + struct.pack(">H", len(pd)) + pd


def fpdu(ulpdu, crc=False, bad_crc=False, len_field=None):
    """ULPDU_Length, ULPDU, pad, CRC (zero unless crc)."""
    ln = len(ulpdu) if len_field is None else len_field & 0xffff
    body = struct.pack(">H", ln) + ulpdu
    body += b"\0" * (-len(body) % 4)
    c = crc32c(body) if crc else 0
    if bad_crc:
        c ^= 1 << random.randrange(32) if crc else 0x5a5a5a5a
    return body + struct.pack("<I", c)


def untagged(op, qn, msn, mo=0, last=True, rsvd=0, extra=b"", payload=b"",
             ddp_ver=1, rdmap_ver=1, rdmap_bits=0):
    c0 = (0x40 if last else 0) | ddp_ver
    c1 = (rdmap_ver << 6) | rdmap_bits | op
    return struct.pack(">BBIIII", c0, c1, rsvd, qn, msn, mo) + extra + \
        payload


def tagged(op, stag, to, payload=b"", last=True, ddp_ver=1, rdmap_ver=1):
    c0 = 0x80 | (0x40 if last else 0) | ddp_ver
    return struct.pack(">BBIQ", c0, (rdmap_ver << 6) | op, stag, to) + \
        payload


def rping_info(buf=0x7f0000001000, rkey=0x1234, size=64):
    """What an rping client's first Send carries (struct rping_rdma_info)."""
    return struct.pack(">QII", buf, rkey, size)


def seed_streams():
    """Valid client streams, as an rping client's siw sends them."""
    s = {}
    info = rping_info()
    s["rev1-send"] = mpa_req(1) + fpdu(untagged(OP_SEND, 0, 1,
                                                payload=info))
    s["rev2-crc-send-read"] = (
        mpa_req(2, crc=True, enhanced=True, ird=16, ord_=16) +
        fpdu(untagged(OP_SEND, 0, 1, payload=info), crc=True) +
        fpdu(tagged(OP_RRESP, 0x1234, 0x7f0000001000, b"r" * 64),
             crc=True) +
        fpdu(untagged(OP_SEND_SE, 0, 2, payload=rping_info(size=64)),
             crc=True))
    s["rev2-write-read-req"] = (
        mpa_req(2, enhanced=True, ird=4, ord_=4) +
        fpdu(tagged(OP_WRITE, 0x2200, 0x1000, b"w" * 100)) +
        fpdu(untagged(OP_RREQ, 1, 1, extra=struct.pack(
            ">IQIIQ", 0x3300, 0x2000, 64, 0x4400, 0x3000))))
    s["rev2-ext-atomic-imm"] = (
        mpa_req(2, enhanced=True, ird=4, ord_=4, ext=True) +
        fpdu(untagged(OP_AREQ, 1, 1, extra=struct.pack(
            ">IIIQQQQQ", 0, 7, 0x5500, 0x1000, 1, 0, 0, 0))) +
        fpdu(untagged(OP_SEND, 0, 1, payload=b"s" * 8, rdmap_bits=0x10)) +
        fpdu(untagged(OP_IMM, 0, 2, extra=struct.pack(">Q", 42))))
    s["rev2-terminate"] = (
        mpa_req(2, enhanced=True) +
        fpdu(untagged(OP_TERM, 2, 1, extra=bytes([0x10, 0x01, 0, 0]))))
    s["multiseg-send"] = (
        mpa_req(1, crc=True) +
        fpdu(untagged(OP_SEND, 0, 1, 0, False, payload=b"a" * 1000),
             crc=True) +
        fpdu(untagged(OP_SEND, 0, 1, 1000, True, payload=b"b" * 500),
             crc=True))
    return s


def write_seeds(d):
    os.makedirs(d, exist_ok=True)
    for name, data in seed_streams().items():
        with open(os.path.join(d, name + ".bin"), "wb") as f:
            f.write(data)


def load_seeds():
    seeds = []
    if os.path.isdir(SEED_DIR):
        for n in sorted(os.listdir(SEED_DIR)):
            with open(os.path.join(SEED_DIR, n), "rb") as f:
                seeds.append(f.read())
    return seeds or list(seed_streams().values())


class Fuzzer:
    def __init__(self, addr, port, seed):
        self.addr, self.port = addr, port
        # One generator for everything, so that a seed replays the same
        # cases as long as the listener answers the same way.
        random.seed(seed)
        self.rnd = random
        self.seeds = load_seeds()
        self.pool = []
        self.stats = {}
        self.conn_fail = 0
        self.conn_fail_run = 0
        self.crc_checks = 0
        self.crc_silent = []
        self.n = 0

    def count(self, what):
        self.stats[what] = self.stats.get(what, 0) + 1

    def connect(self):
        for _ in range(3):
            try:
                s = socket.create_connection((self.addr, self.port),
                                             timeout=5)
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                self.conn_fail_run = 0
                return s
            except OSError:
                self.conn_fail += 1
                self.conn_fail_run += 1
                time.sleep(0.5)
        return None

    def send_pieces(self, s, data):
        r = self.rnd
        off = 0
        while off < len(data):
            n = len(data) - off if r.random() < 0.7 else \
                r.randrange(1, len(data) - off + 1)
            s.sendall(data[off:off + n])
            off += n
            if r.random() < 0.05:
                time.sleep(0.01)

    # byte-level mutations of a seed stream
    def mutate_bytes(self, data):
        r = self.rnd
        b = bytearray(data)
        for _ in range(r.choice([1, 1, 2, 3, 5, 8])):
            if not b:
                break
            k = r.randrange(8)
            i = r.randrange(len(b))
            if k == 0:
                b[i] ^= 1 << r.randrange(8)
            elif k == 1:
                b[i] = r.choice([0, 0xff, 0x7f, 0x80, r.randrange(256)])
            elif k == 2 and i + 4 <= len(b):
                b[i:i + 4] = struct.pack(">I", r.choice(INTERESTING32))
            elif k == 3 and i + 2 <= len(b):
                b[i:i + 2] = struct.pack(">H", r.choice(
                    [0, 1, 2, 13, 14, 17, 18, 0x7fff, 0xffff]))
            elif k == 4:
                del b[i:i + r.randrange(1, 32)]
            elif k == 5:
                b[i:i] = rbytes(r.randrange(1, 32))
            elif k == 6:
                j = r.randrange(len(b))
                b[i:i] = b[j:j + r.randrange(1, 64)]
            else:
                b = b[:i]
        return bytes(b)

    def raw_case(self, s):
        data = self.mutate_bytes(self.rnd.choice(self.seeds))
        self.send_pieces(s, data)
        return "raw"

    def handshake(self, s):
        """Send a random valid MPA request; return (crc, markers, ext)."""
        r = self.rnd
        rev = r.choice([1, 2, 2])
        crc = r.random() < 0.5
        ext = r.random() < 0.4
        enh = rev == 2 and r.random() < 0.8
        req = mpa_req(rev, crc, enh, r.choice([0, 1, 4, 16, 0x3fff]),
                      r.choice([0, 1, 4, 16, 0x3fff]), p2p=False, ext=ext,
                      pd=rbytes(r.choice([0, 0, 8, 200])))
        self.send_pieces(s, req)
        s.settimeout(5)
        hdr = b""
        while len(hdr) < 20:
            chunk = s.recv(20 - len(hdr))
            if not chunk:
                return None
            hdr += chunk
        if hdr[:16] != MPA_REP or hdr[16] & F_R:
            return None
        pdlen = struct.unpack(">H", hdr[18:20])[0]
        while pdlen > 0:
            chunk = s.recv(pdlen)
            if not chunk:
                return None
            pdlen -= len(chunk)
        return (bool(hdr[16] & F_C) or crc, bool(hdr[16] & F_M),
                bool(hdr[16] & F_EXT_ACK) and ext)

    def rnd32(self, good):
        r = self.rnd
        return good if r.random() < 0.7 else r.choice(
            INTERESTING32 + [r.getrandbits(32)])

    def template(self, msn):
        """One ULPDU, mostly well-formed, fields sometimes bent."""
        r = self.rnd
        v32 = self.rnd32
        ddp_ver = 1 if r.random() < 0.95 else r.randrange(4)
        rdmap_ver = 1 if r.random() < 0.95 else r.randrange(4)
        last = r.random() < 0.9
        pay = rbytes(r.choice([0, 1, 8, 16, 100, 1000, 3000]))
        k = r.randrange(12)
        if k <= 2:
            return untagged(r.choice([OP_SEND, OP_SEND_SE, OP_SEND_INV,
                                      OP_SEND_SE_INV]), v32(0), v32(msn),
                            v32(0), last, v32(0x1234),
                            payload=rping_info() if k == 0 else pay,
                            ddp_ver=ddp_ver, rdmap_ver=rdmap_ver,
                            rdmap_bits=0x10 if r.random() < 0.1 else 0)
        if k == 3:
            return tagged(OP_WRITE, v32(0x1234), r.getrandbits(64), pay,
                          last, ddp_ver, rdmap_ver)
        if k == 4:
            return tagged(OP_RRESP, v32(0x1234), r.getrandbits(64), pay,
                          last, ddp_ver, rdmap_ver)
        if k == 5:
            return untagged(OP_RREQ, v32(1), v32(1), v32(0), last,
                            extra=struct.pack(">IQIIQ", v32(0x1234),
                                              r.getrandbits(64), v32(64),
                                              v32(0x1234),
                                              r.getrandbits(64)),
                            ddp_ver=ddp_ver, rdmap_ver=rdmap_ver)
        if k == 6:
            return untagged(OP_TERM, v32(2), v32(1), v32(0), last,
                            extra=rbytes(r.choice([4, 6, 20, 48, 52])),
                            ddp_ver=ddp_ver, rdmap_ver=rdmap_ver)
        if k == 7:
            return untagged(r.choice([OP_IMM, OP_IMM_SE]), v32(0), v32(msn),
                            v32(0), last, extra=rbytes(8),
                            ddp_ver=ddp_ver, rdmap_ver=rdmap_ver)
        if k == 8:
            return untagged(OP_AREQ, v32(1), v32(1), v32(0), last,
                            extra=struct.pack(">I", r.choice([0, 2, 1, 15]))
                            + rbytes(48), ddp_ver=ddp_ver,
                            rdmap_ver=rdmap_ver)
        if k == 9:
            return untagged(OP_ARESP, v32(3), v32(1), v32(0), last,
                            extra=rbytes(12), ddp_ver=ddp_ver,
                            rdmap_ver=rdmap_ver)
        if k == 10:
            # undefined opcodes, reserved bits
            return bytes([r.randrange(256), r.randrange(256)]) + \
                rbytes(r.choice([0, 12, 16, 40]))
        return rbytes(r.randrange(0, 64))

    def answer_reads(self, s, crc, budget=0.1):
        """Read what the listener sends; answer a Read Request."""
        r = self.rnd
        s.settimeout(budget)
        buf = b""
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    return "closed"
                buf += chunk
                while len(buf) >= 2:
                    ln = struct.unpack(">H", buf[:2])[0]
                    total = (2 + ln + 3) // 4 * 4 + 4
                    if len(buf) < total:
                        break
                    u, buf = buf[2:2 + ln], buf[total:]
                    if len(u) < 2:
                        continue
                    op = u[1] & 0xf
                    if op == OP_TERM:
                        return "terminate"
                    if op == OP_RREQ and len(u) >= 46:
                        sstag, sto, size = struct.unpack(">IQI", u[18:34])
                        size = min(size, 4096)
                        resp = tagged(OP_RRESP, self.rnd32(sstag), sto,
                                      rbytes(size))
                        s.sendall(fpdu(resp, crc, r.random() < 0.1))
                        self.count("read answered")
        except socket.timeout:
            return "silent"
        except OSError:
            return "closed"

    def structured_case(self, s):
        r = self.rnd
        hs = self.handshake(s)
        if hs is None:
            return "no MPA reply"
        crc, markers, _ = hs
        if markers:
            return "markers asked"
        check_crc = crc and r.random() < 0.15
        out = b""
        msn = 1
        for i in range(r.choice([1, 1, 2, 3, 6, 12])):
            u = self.template(msn)
            msn += 1
            bad = check_crc and i == 0 or r.random() < 0.05
            lie = None if r.random() < 0.95 else r.randrange(0x10000)
            out += fpdu(u, crc, bad, lie)
            if r.random() < 0.02:
                out += rbytes(r.randrange(1, 16))
        self.send_pieces(s, out)
        got = self.answer_reads(s, crc, 3.0 if check_crc else 0.1)
        if check_crc:
            self.crc_checks += 1
            if got not in ("terminate", "closed"):
                self.crc_silent.append(self.n)
        return "mpa ok, " + got

    def finish(self, s):
        r = self.rnd
        k = r.random()
        if k < 0.3 and len(self.pool) < 8:
            self.pool.append(s)
            return
        if k < 0.5:
            # abortive close: RST
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                         struct.pack("ii", 1, 0))
        s.close()
        if self.pool and r.random() < 0.3:
            self.pool.pop(r.randrange(len(self.pool))).close()

    def run(self, seconds):
        end = time.time() + seconds
        while time.time() < end:
            s = self.connect()
            if s is None:
                if self.conn_fail_run >= 30:   # 15 s: a listener restart is shorter
                    return False
                continue
            self.n += 1
            try:
                what = self.raw_case(s) if self.rnd.random() < 0.3 else \
                    self.structured_case(s)
            except (ConnectionResetError, BrokenPipeError):
                what = "reset"
            except socket.timeout:
                what = "timeout"
            except OSError as e:
                what = "error %d" % e.errno
            self.count(what)
            try:
                self.finish(s)
            except OSError:
                pass
        for s in self.pool:
            s.close()
        return True


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--write-seeds":
        write_seeds(sys.argv[2])
        return 0
    addr, port = sys.argv[1], int(sys.argv[2])
    seed = int(os.environ.get("SIW_FUZZ_SEED", "0")) or \
        random.SystemRandom().randrange(1, 1 << 31)
    seconds = float(os.environ.get("SIW_FUZZ_SECONDS", "45"))
    print("# fuzz seed %d (SIW_FUZZ_SEED=%d reproduces), %g s, %d seeds" %
          (seed, seed, seconds, len(load_seeds())), flush=True)
    f = Fuzzer(addr, port, seed)
    alive = f.run(seconds)
    for k, v in sorted(f.stats.items(), key=lambda kv: -kv[1]):
        print("# %6d  %s" % (v, k))
    n = 0
    fails = 0

    def tap(ok, what):
        nonlocal n, fails
        n += 1
        fails += not ok
        print("%sok %d - %s" % ("" if ok else "not ", n, what), flush=True)

    tap(alive and f.n > 20, "listener accepted %d fuzzed connections "
        "(%d connect failures)" % (f.n, f.conn_fail))
    tap(not f.crc_silent, "wrong CRC on a CRC connection: Terminate or "
        "close in %d of %d checks%s" % (
            f.crc_checks - len(f.crc_silent), f.crc_checks,
            (" (silent: connections %s)" % f.crc_silent[:10])
            if f.crc_silent else ""))
    print("1..%d" % n)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
