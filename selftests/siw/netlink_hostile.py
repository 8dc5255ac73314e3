#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""
Malformed requests to siw's generic-netlink family and to `rdma link
add`. Runs inside the test VM after netlink_hostile.sh created siw0 on
dummy dp0 (ADDR). Prints TAP.

The family is spoken raw here (a socket and struct.pack), not through
YNL: YNL only sends what the spec allows. Each case checks the exact
errno class (policy violations EINVAL/ERANGE, unknown objects
ENODEV/ENOENT, unknown commands EOPNOTSUPP), then a short random-TLV
flood with a printed seed (SIW_NL_FUZZ_SEED, SIW_NL_FUZZ_SECONDS) must
leave the family answering, the configuration restorable and no fault
rule or TX thread change behind.
"""
import errno
import os
import random
import socket
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from siwynl import SPEC, YnlFamily, result, diag, done  # noqa: E402

ADDR = "10.99.12.1"
DEV = "siw0"
NETDEV = "dp0"

NETLINK_GENERIC = 16    # not in Python's socket module
NLM_F_REQUEST, NLM_F_ACK, NLM_F_DUMP = 0x1, 0x4, 0x300
NLMSG_ERROR, NLMSG_DONE = 2, 3
GENL_ID_CTRL, CTRL_CMD_GETFAMILY = 16, 3
CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME = 1, 2

# include/uapi/linux/siw_netlink.h
CMD = dict(dev_get=1, dev_set=2, qp_get=3, tx_get=4, tx_set=5,
           stats_reset=6, fault_add=7, fault_get=8, fault_del=9,
           qp_state_ntf=10, term_ntf=11, dev_ntf=12)
A_DEV_INDEX, A_DEV_NAME, A_DEV_NUM_QP, A_DEV_MPA_REV = 1, 2, 7, 14
A_DEV_CRC_REQUIRED, A_DEV_STATS = 15, 19
A_QP_DEV_INDEX, A_QP_NUM, A_QP_STATE, A_QP_REMOTE_ADDR = 1, 2, 3, 7
A_TX_CPU_LIST = 6
A_FAULT_ID, A_FAULT_DEV_INDEX, A_FAULT_QP_NUM, A_FAULT_TYPE = 1, 2, 3, 4
A_FAULT_EVERY, A_FAULT_PROB, A_FAULT_DELAY_MS = 5, 6, 7
FAULT_DROP, FAULT_DELAY, FAULT_ALLOC_FAIL = 0, 3, 5

POLICY = (errno.EINVAL, errno.ERANGE)


def nla(atype, data):
    hdr = struct.pack("=HH", 4 + len(data), atype)
    return hdr + data + b"\0" * (-len(data) % 4)


def u8(atype, v):
    return nla(atype, struct.pack("=B", v))


def u32(atype, v):
    return nla(atype, struct.pack("=I", v))


def cstr(atype, s):
    return nla(atype, s.encode() + b"\0")


class Genl:
    def __init__(self):
        self.sk = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW,
                                NETLINK_GENERIC)
        self.sk.bind((0, 0))
        self.sk.settimeout(10)
        self.seq = 1
        self.fam = None
        err, msgs = self.raw(GENL_ID_CTRL, CTRL_CMD_GETFAMILY,
                             cstr(CTRL_ATTR_FAMILY_NAME, "siw"))
        for m in msgs:
            for t, d in attrs(m[4:]):
                if t == CTRL_ATTR_FAMILY_ID:
                    self.fam = struct.unpack("=H", d[:2])[0]
        if self.fam is None:
            raise RuntimeError("no siw family: %s" % err)

    def raw(self, mtype, cmd, payload=b"", flags=NLM_F_ACK, genl=None,
            version=1):
        """Send one message; (errno or 0, [reply payloads])."""
        if genl is None:
            genl = struct.pack("=BBH", cmd, version, 0)
        body = genl + payload
        self.seq += 1
        msg = struct.pack("=IHHII", 16 + len(body), mtype,
                          NLM_F_REQUEST | flags, self.seq, 0) + body
        self.sk.send(msg)
        return self.collect(self.seq)

    def collect(self, seq):
        replies = []
        while True:
            buf = self.sk.recv(65536)
            off = 0
            while off + 16 <= len(buf):
                ln, t, _, s, _ = struct.unpack_from("=IHHII", buf, off)
                data = buf[off + 16:off + ln]
                off += (ln + 3) & ~3
                if s != seq:
                    continue
                if t == NLMSG_ERROR:
                    return -struct.unpack_from("=i", data)[0], replies
                if t == NLMSG_DONE:
                    return -struct.unpack_from("=i", data)[0], replies
                replies.append(data)

    def cmd(self, name, payload=b"", flags=NLM_F_ACK, **kw):
        return self.raw(self.fam, CMD.get(name, name), payload, flags, **kw)


def attrs(buf):
    off = 0
    while off + 4 <= len(buf):
        ln, t = struct.unpack_from("=HH", buf, off)
        if ln < 4:
            break
        yield t & 0x3fff, buf[off + 4:off + ln]
        off += (ln + 3) & ~3


def expect(what, got, want):
    want = (want,) if isinstance(want, int) else want
    ok = got in want
    names = "/".join(errno.errorcode.get(w, str(w)) if w else "0"
                     for w in want)
    result(ok, "%s: %s (want %s)" % (
        what, errno.errorcode.get(got, str(got)) if got else "0", names))


def family_cases(g, idx):
    e, _ = g.cmd(99)
    expect("unknown command 99", e, errno.EOPNOTSUPP)
    e, _ = g.cmd(0)
    expect("command 0", e, errno.EOPNOTSUPP)
    for n in ("qp_state_ntf", "term_ntf", "dev_ntf"):
        e, _ = g.cmd(n, u32(1, idx))
        expect("notification %s sent as a request" % n, e, errno.EOPNOTSUPP)
    e, _ = g.cmd("dev_get", genl=b"\x01\x01")
    expect("genl header cut to 2 bytes", e, errno.EINVAL)
    e, _ = g.cmd("dev_set", u32(A_DEV_INDEX, idx), flags=NLM_F_DUMP)
    expect("dump of a do-only command (dev-set)", e, errno.EOPNOTSUPP)
    e, _ = g.cmd("dev_get", struct.pack("=HH", 40, A_DEV_INDEX) + b"\0" * 4)
    expect("attribute longer than the message", e, POLICY)
    e, _ = g.cmd("dev_get", struct.pack("=HH", 2, A_DEV_INDEX) + b"\0" * 6)
    expect("attribute length 2 (< header)", e, POLICY)


def dev_cases(g, idx):
    e, _ = g.cmd("dev_get", nla(A_DEV_INDEX, b"\1"))
    expect("dev-get index as 1 byte", e, POLICY)
    e, _ = g.cmd("dev_get", nla(A_DEV_INDEX, struct.pack("=Q", idx)))
    expect("dev-get index as 8 bytes", e, POLICY)
    e, _ = g.cmd("dev_get", u32(200, idx))
    expect("dev-get unknown attribute 200", e, POLICY)
    e, _ = g.cmd("dev_get", u32(A_DEV_INDEX, idx) + u32(0, 0))
    expect("dev-get attribute type 0", e, POLICY)
    e, _ = g.cmd("dev_get", u32(A_DEV_INDEX, idx) + u32(A_DEV_NUM_QP, 5))
    expect("dev-get with a reply-only attribute (num-qp)", e, POLICY)
    e, _ = g.cmd("dev_get", cstr(A_DEV_NAME, "x" * 200))
    expect("dev-get 200 byte name", e, POLICY)
    e, _ = g.cmd("dev_get", nla(A_DEV_NAME, b"siw0"))
    expect("dev-get name without NUL", e, POLICY)
    e, _ = g.cmd("dev_get", cstr(A_DEV_NAME, "nosuch0"))
    expect("dev-get unknown name", e, errno.ENODEV)
    e, _ = g.cmd("dev_get", u32(A_DEV_INDEX, 0xffffffff))
    expect("dev-get index 0xffffffff", e, errno.ENODEV)
    e, _ = g.cmd("dev_get")
    expect("dev-get with no attribute", e, errno.EINVAL)
    e, _ = g.cmd("dev_set")
    expect("dev-set with no attribute", e, errno.EINVAL)
    for v in (0, 3, 255):
        e, _ = g.cmd("dev_set", u32(A_DEV_INDEX, idx) + u8(A_DEV_MPA_REV, v))
        expect("dev-set mpa-rev %d" % v, e, errno.ERANGE)
    e, _ = g.cmd("dev_set", u32(A_DEV_INDEX, idx) +
                 u32(A_DEV_MPA_REV, 2))
    expect("dev-set mpa-rev as u32", e, POLICY)
    e, _ = g.cmd("dev_set", u32(A_DEV_INDEX, idx) +
                 u8(A_DEV_CRC_REQUIRED, 2))
    expect("dev-set crc-required 2", e, errno.ERANGE)
    e, _ = g.cmd("dev_set", u32(A_DEV_INDEX, idx) +
                 nla(A_DEV_STATS, u32(1, 1)))
    expect("dev-set with a stats nest", e, POLICY)
    e, _ = g.cmd("dev_set", u32(A_DEV_INDEX, 0xfffffff0) +
                 u8(A_DEV_MPA_REV, 1))
    expect("dev-set bogus index", e, errno.ENODEV)


def qp_cases(g, idx):
    e, _ = g.cmd("qp_get", u32(A_QP_DEV_INDEX, idx))
    expect("qp-get without num", e, errno.EINVAL)
    e, _ = g.cmd("qp_get", u32(A_QP_NUM, 1))
    expect("qp-get without dev-index", e, errno.EINVAL)
    e, _ = g.cmd("qp_get", u32(A_QP_DEV_INDEX, idx) + u32(A_QP_NUM, 0xdead))
    expect("qp-get bogus QP number", e, errno.ENOENT)
    e, _ = g.cmd("qp_get", u32(A_QP_DEV_INDEX, 0xfffffff0) +
                 u32(A_QP_NUM, 1))
    expect("qp-get bogus device", e, (errno.ENODEV, errno.ENOENT))
    e, _ = g.cmd("qp_get", u32(A_QP_STATE, 99), flags=NLM_F_DUMP)
    expect("qp-get dump, state filter 99", e, errno.ERANGE)
    e, _ = g.cmd("qp_get", nla(A_QP_REMOTE_ADDR, b"\1" * 17),
                 flags=NLM_F_DUMP)
    expect("qp-get dump, 17 byte remote-addr", e, POLICY)
    e, r = g.cmd("qp_get", u32(A_QP_DEV_INDEX, 0xfffffff0),
                 flags=NLM_F_DUMP)
    expect("qp-get dump of a bogus device: empty or ENODEV", e,
           (0, errno.ENODEV))
    result(not r, "  and it lists no QP")
    e, _ = g.cmd("stats_reset")
    expect("stats-reset without dev-index", e, errno.EINVAL)
    e, _ = g.cmd("stats_reset", u32(A_QP_DEV_INDEX, 0xfffffff0))
    expect("stats-reset bogus device", e, errno.ENODEV)
    e, _ = g.cmd("stats_reset", u32(A_QP_DEV_INDEX, idx) +
                 u32(A_QP_NUM, 0xdead))
    expect("stats-reset bogus QP", e, errno.ENOENT)


def tx_list(g):
    e, r = g.cmd("tx_get", flags=NLM_F_DUMP)
    cpus = []
    for m in r:
        for t, d in attrs(m[4:]):
            if t == 1:
                cpus.append(struct.unpack("=I", d[:4])[0])
    return sorted(cpus)


def tx_cases(g):
    before = tx_list(g)
    e, _ = g.cmd("tx_set")
    expect("tx-set without cpu-list", e, errno.EINVAL)
    for s in ("", "abc", "0-", "-1", "5-2", "99999", "4096", "0-1:0/0",
              ",", " "):
        e, _ = g.cmd("tx_set", cstr(A_TX_CPU_LIST, s))
        expect("tx-set cpu-list %r" % s, e,
               (errno.EINVAL, errno.ERANGE, errno.ENODEV))
    e, _ = g.cmd("tx_set", cstr(A_TX_CPU_LIST, "0," * 200))
    expect("tx-set 400 byte cpu-list", e, POLICY)
    e, _ = g.cmd("tx_set", nla(A_TX_CPU_LIST, b"0"))
    expect("tx-set cpu-list without NUL", e, POLICY)
    result(tx_list(g) == before and before,
           "TX threads unchanged: %s" % before)


def fault_cases(g, idx):
    d = u32(A_FAULT_DEV_INDEX, idx)
    cases = [
        ("fault-add without type", d + u32(A_FAULT_EVERY, 1), errno.EINVAL),
        ("fault-add without dev-index",
         u32(A_FAULT_TYPE, FAULT_DROP) + u32(A_FAULT_EVERY, 1),
         errno.EINVAL),
        ("fault-add type 99", d + u32(A_FAULT_TYPE, 99) +
         u32(A_FAULT_EVERY, 1), errno.ERANGE),
        ("fault-add every 0", d + u32(A_FAULT_TYPE, FAULT_DROP) +
         u32(A_FAULT_EVERY, 0), errno.ERANGE),
        ("fault-add every and probability", d +
         u32(A_FAULT_TYPE, FAULT_DROP) + u32(A_FAULT_EVERY, 1) +
         u32(A_FAULT_PROB, 5), errno.EINVAL),
        ("fault-add neither every nor probability", d +
         u32(A_FAULT_TYPE, FAULT_DROP), errno.EINVAL),
        ("fault-add probability 0", d + u32(A_FAULT_TYPE, FAULT_DROP) +
         u32(A_FAULT_PROB, 0), errno.EINVAL),
        ("fault-add probability 2000000", d +
         u32(A_FAULT_TYPE, FAULT_DROP) + u32(A_FAULT_PROB, 2000000),
         (errno.EINVAL, errno.ERANGE)),
        ("fault-add delay-ms 20000", d + u32(A_FAULT_TYPE, FAULT_DELAY) +
         u32(A_FAULT_EVERY, 1) + u32(A_FAULT_DELAY_MS, 20000), errno.ERANGE),
        ("fault-add delay without delay-ms", d +
         u32(A_FAULT_TYPE, FAULT_DELAY) + u32(A_FAULT_EVERY, 1), errno.EINVAL),
        ("fault-add alloc-fail for one QP", d +
         u32(A_FAULT_TYPE, FAULT_ALLOC_FAIL) + u32(A_FAULT_EVERY, 1) +
         u32(A_FAULT_QP_NUM, 1), errno.EINVAL),
        ("fault-add bogus device", u32(A_FAULT_DEV_INDEX, 0xfffffff0) +
         u32(A_FAULT_TYPE, FAULT_DROP) + u32(A_FAULT_EVERY, 1), errno.ENODEV),
        ("fault-add type as u8", d + u8(A_FAULT_TYPE, 0) +
         u32(A_FAULT_EVERY, 1), POLICY),
    ]
    for what, payload, want in cases:
        e, _ = g.cmd("fault_add", payload)
        expect(what, e, want)
    e, r = g.cmd("fault_get", flags=NLM_F_DUMP)
    result(e == 0 and not r, "no fault rule was added by them")
    # A full table answers ENOSPC; a QP number that does not exist (yet)
    # is a valid target.
    n, e = 0, 0
    while n < 64:
        e, _ = g.cmd("fault_add", d + u32(A_FAULT_TYPE, FAULT_DROP) +
                     u32(A_FAULT_EVERY, 1000) + u32(A_FAULT_QP_NUM, 0xdead))
        if e:
            break
        n += 1
    expect("fault-add beyond the table (after %d rules)" % n, e,
           errno.ENOSPC)
    e, _ = g.cmd("fault_del", d + u32(A_FAULT_ID, 0xdeadbeef))
    expect("fault-del bogus id", e, errno.ENOENT)
    e, _ = g.cmd("fault_del", u32(A_FAULT_ID, 1))
    expect("fault-del without dev-index", e, errno.EINVAL)
    e, _ = g.cmd("fault_del", d)
    e2, r = g.cmd("fault_get", flags=NLM_F_DUMP)
    result(e == 0 and e2 == 0 and not r, "fault-del of all rules empties it")


def unprivileged():
    """Changes need CAP_NET_ADMIN: fault-add and tx-set as nobody."""
    code = ("import sys; sys.path.insert(0, %r)\n"
            "import netlink_hostile as h\n"
            "g = h.Genl()\n"
            "e1, _ = g.cmd('tx_set', h.cstr(h.A_TX_CPU_LIST, '0'))\n"
            "e2, _ = g.cmd('fault_add', h.u32(h.A_FAULT_DEV_INDEX, 1) +\n"
            "    h.u32(h.A_FAULT_TYPE, 0) + h.u32(h.A_FAULT_EVERY, 1))\n"
            "e3, _ = g.cmd('dev_get', flags=h.NLM_F_DUMP)\n"
            "print(e1, e2, e3)\n") % os.path.dirname(os.path.abspath(
                __file__))
    out = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534",
                          "--clear-groups", "/usr/bin/python3", "-c", code],
                         capture_output=True, text=True,
                         env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1"))
    got = out.stdout.split()
    result(got == [str(errno.EPERM), str(errno.EPERM), "0"],
           "as nobody: tx-set and fault-add EPERM, dev-get dump allowed (%s)"
           % (got or out.stderr.strip()[-200:]))


def flood(g, idx, seed, seconds):
    """Random commands with random, sometimes malformed attributes."""
    rnd = random.Random(seed)
    n = codes = 0
    seen = {}
    end = time.time() + seconds
    while time.time() < end:
        cmd = rnd.choice([1, 2, 3, 4, 5, 6, 7, 8, 9, rnd.randrange(256)])
        payload = b""
        for _ in range(rnd.randrange(6)):
            t = rnd.randrange(1, 24) if rnd.random() < 0.9 else \
                rnd.randrange(0x10000)
            kind = rnd.randrange(6)
            if kind == 0:
                data = struct.pack("=I", rnd.choice(
                    [idx, 0, 1, 0xffffffff, rnd.getrandbits(32)]))
            elif kind == 1:
                data = bytes([rnd.randrange(4)])
            elif kind == 2:
                data = rnd.choice([b"siw0\0", b"0\0", b"0-1\0", b"",
                                   b"\0" * 300, os.urandom(20)])
            elif kind == 3:
                data = os.urandom(rnd.randrange(40))
            elif kind == 4:
                data = nla(rnd.randrange(12), os.urandom(rnd.randrange(12)))
            else:
                data = struct.pack("=Q", rnd.getrandbits(64))
            a = nla(t, data)
            if rnd.random() < 0.05:     # a lying length field
                a = struct.pack("=HH", rnd.randrange(0x10000), t) + a[4:]
            payload += a
        # dev-set stays on a device of its own making; never mpa-rev 1
        if cmd == 2:
            payload = u32(A_DEV_INDEX, idx) + payload
        flags = NLM_F_DUMP if rnd.random() < 0.2 else NLM_F_ACK
        try:
            e, _ = g.raw(g.fam, cmd, payload, flags,
                         version=rnd.choice([1, 1, 1, 0, 255]))
        except socket.timeout:
            result(False, "flood: no answer to cmd %d (seed %d)" %
                   (cmd, seed))
            return
        n += 1
        seen[e] = seen.get(e, 0) + 1
        codes += e != 0
    diag("flood: %d messages, errnos %s" % (n, ", ".join(
        "%s:%d" % (errno.errorcode.get(k, k) if k else "0", v)
        for k, v in sorted(seen.items()))))
    bad = [k for k in seen if k and k not in (
        errno.EINVAL, errno.ERANGE, errno.ENODEV, errno.ENOENT,
        errno.EOPNOTSUPP, errno.ENOSPC, errno.EMSGSIZE)]
    result(n > 0 and not bad, "flood of %d random messages: only clean "
           "errnos (unexpected: %s)" % (n, bad))


def rdma(*args):
    p = subprocess.run(["rdma"] + list(args), capture_output=True,
                       text=True)
    return p.returncode, (p.stdout + p.stderr).strip()


def link_add_expect(what, name, netdev, want):
    rc, out = rdma("link", "add", name, "type", "siw", "netdev", netdev)
    if rc == 0:
        rdma("link", "delete", name)
    ok = rc != 0 and os.strerror(want) in out
    result(ok, "rdma link add %s: %s (want %s)" % (
        what, out.splitlines()[-1] if out else "ok",
        errno.errorcode[want]))


def link_cases():
    link_add_expect("name already taken", DEV, "lo", errno.EEXIST)
    link_add_expect("second device on the same netdev", "siwdup0", NETDEV,
                    errno.EEXIST)
    link_add_expect("netdev that does not exist", "siwx0", "nosuchnet0",
                    errno.ENODEV)
    link_add_expect("name with %", "siw%d", NETDEV, errno.EINVAL)
    # Non-Ethernet netdevs: whichever tunnel type the kernel has.
    made = None
    for kind in ("ipip", "sit", "vcan"):
        subprocess.run(["modprobe", "-q", kind])
        name = "hx" + kind
        if subprocess.run(["ip", "link", "add", name, "type", kind],
                          capture_output=True).returncode == 0:
            made = name
            break
    if made:
        link_add_expect("non-Ethernet netdev (%s)" % made, "siwx1", made,
                        errno.EINVAL)
        subprocess.run(["ip", "link", "del", made])
    else:
        diag("no ipip/sit/vcan: non-Ethernet case not run")
    rc, out = rdma("link", "delete", "nosuch0")
    result(rc != 0, "rdma link delete of no device fails (%s)" % out)
    # An over-long name: the core cuts it to 63 bytes; whatever it
    # does, no stray device may stay.
    rc, out = rdma("link", "add", "s" * 100, "type", "siw", "netdev", "lo")
    rdma("link", "delete", "s" * 63)
    rc, out = rdma("link", "show")
    extra = [ln for ln in out.splitlines()
             if "link" in ln and DEV + "/" not in ln]
    result(not extra, "only %s left after the link cases%s" % (
        DEV, (": " + "; ".join(extra)) if extra else ""))


def main():
    seed = int(os.environ.get("SIW_NL_FUZZ_SEED", "0")) or \
        random.randrange(1, 1 << 31)
    seconds = float(os.environ.get("SIW_NL_FUZZ_SECONDS", "10"))
    ynl = YnlFamily(SPEC)
    dev = ynl.do("dev-get", {"name": DEV})
    idx = dev["index"]
    cfg = {k: dev[k] for k in ("mpa-rev", "crc-required", "markers",
                               "peer-to-peer", "tcp-nodelay")}
    g = Genl()
    family_cases(g, idx)
    dev_cases(g, idx)
    qp_cases(g, idx)
    tx_cases(g)
    fault_cases(g, idx)
    unprivileged()
    link_cases()

    diag("flood seed %d (SIW_NL_FUZZ_SEED=%d reproduces), %g s" %
         (seed, seed, seconds))
    before = tx_list(g)
    flood(g, idx, seed, seconds)
    # What the flood may have changed legitimately goes back.
    g.cmd("fault_del", u32(A_FAULT_DEV_INDEX, idx))
    g.cmd("tx_set", cstr(A_TX_CPU_LIST, ",".join(map(str, before))))
    ynl.do("dev-set", dict(index=idx, **cfg))
    after = ynl.do("dev-get", {"index": idx})
    result(all(after[k] == v for k, v in cfg.items()) and
           after["num-qp"] == 0 and tx_list(g) == before,
           "after the flood: family answers, config restored, no QP, "
           "TX threads %s" % before)
    e, r = g.cmd("fault_get", flags=NLM_F_DUMP)
    result(e == 0 and not r, "after the flood: no fault rule left")
    return done()


if __name__ == "__main__":
    sys.exit(main())
