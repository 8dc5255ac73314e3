#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""
Fault injection through siw's netlink family (driven by the kernel's YNL
library), inside the test VM after fault.sh created siw0 on dp0 (ADDR).
Each fault type is added as a one-shot rule, a connection runs into it,
and both ends of the connection (here: both on siw0) must see its effect:
the transfer fails, a Terminate or a reset ends it, completions are
flushed (the programs end instead of hanging), counters say what
happened, and no QP is left. Cleared rules leave traffic working.
"""
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from siwynl import (SPEC, YNL_LIB, result, diag, done, family,  # noqa: E402
                    nl_error, extack_text, pair, no_qp_left)

ADDR = "10.99.8.1"
DEV = "siw0"


def rping(port, count=20, size=4096, mismatch=None):
    """rping -V both ways; (server rc, client rc, pings verified).
    @mismatch: a list that gets whether the client saw a data mismatch."""
    s, c, out = pair(["rping", "-s", "-a", ADDR, "-p", str(port), "-C", str(count),
                 "-v", "-S", str(size)],
                ["rping", "-c", "-a", ADDR, "-p", str(port), "-C", str(count),
                 "-v", "-V", "-S", str(size)], port)
    if mismatch is not None:
        mismatch.append("mismatch" in out)
    # rping may exit 0 after a failed completion: count what the client
    # verified (it prints each ping once it checked it).
    return s, c, out.count("ping data:")


def stats(ynl, index):
    return ynl.do("dev-get", {"index": index})["stats"]


def rule_hits(ynl, rid):
    for r in ynl.dump("fault-get", {}):
        if r["id"] == rid:
            return r["hits"]
    return -1


def one_shot(ynl, index, ftype, port, extra=None, crc=False, size=4096,
             mismatch=None):
    """A count-1 rule of @ftype on every 3rd FPDU, then an rping into it."""
    ynl.do("dev-set", {"index": index, "crc-required": 1 if crc else 0})
    ynl.do("stats-reset", {"dev-index": index})
    req = {"dev-index": index, "type": ftype, "every": 3, "count": 1}
    req.update(extra or {})
    rid = ynl.do("fault-add", req)["id"]
    t = time.monotonic()
    s, c, pings = rping(port, size=size, mismatch=mismatch)
    t = time.monotonic() - t
    hits = rule_hits(ynl, rid)
    st = stats(ynl, index)
    ynl.do("fault-del", {"dev-index": index, "id": rid})
    gone = no_qp_left(DEV)
    diag(f"{ftype}: rping server {s} client {c}, {pings} of 20 pings in "
         f"{t:.1f} s, hits {hits}, "
         f"terminates sent {st['terms-sent']} received {st['terms-received']}, "
         f"crc errors {st['crc-errors']}")
    return pings, hits, st, gone


def main():
    ynl = family()
    index = ynl.do("dev-get", {"name": DEV})["index"]

    # Rules: validation and bookkeeping.
    err = nl_error(lambda: ynl.do("fault-add", {"dev-index": index,
                                                "type": "drop"}))
    result(err is not None and "exactly one" in extack_text(err),
           "a rule needs every or probability")
    err = nl_error(lambda: ynl.do("fault-add", {"dev-index": index,
                                                "type": "drop", "every": 2,
                                                "probability": 5}))
    result(err is not None, "not both every and probability")
    err = nl_error(lambda: ynl.do("fault-add", {"dev-index": index,
                                                "type": "delay", "every": 2}))
    result(err is not None and "delay-ms" in extack_text(err),
           "a delay rule needs delay-ms")
    err = nl_error(lambda: ynl.do("fault-add", {"dev-index": index,
                                                "type": "drop",
                                                "probability": 2000000}))
    result(err is not None, "probability above one million refused")
    rid = ynl.do("fault-add", {"dev-index": index, "type": "drop",
                               "probability": 1, "qp-num": 12345})["id"]
    rules = ynl.dump("fault-get", {})
    result(len(rules) == 1 and rules[0]["id"] == rid and
           rules[0]["qp-num"] == 12345 and rules[0]["type"] == "drop",
           "fault-get lists the rule")
    ynl.do("fault-del", {"dev-index": index, "id": rid})
    result(ynl.dump("fault-get", {}) == [], "fault-del removes it")
    err = nl_error(lambda: ynl.do("fault-del", {"dev-index": index,
                                                "id": rid}))
    result(err is not None and err.error == 2, "deleting it again: ENOENT")
    code = ("import sys; sys.path.insert(0, %r)\n"
            "from lib import YnlFamily, NlError\n"
            "y = YnlFamily(%r)\n"
            "try:\n"
            "    y.dump('fault-get', {})\n"
            "except NlError as e:\n"
            "    sys.exit(e.error)\n"
            "sys.exit(0)\n") % (YNL_LIB, SPEC)
    rc = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534",
                         "--clear-groups", "--inh-caps=-all",
                         "/usr/bin/python3", "-c", code]).returncode
    result(rc == 1, f"fault rules are invisible without CAP_NET_ADMIN ({rc})")

    # Delay: the transfer is slower, not broken.
    port = 7610
    pings, hits, st, gone = one_shot(ynl, index, "delay", port,
                                     {"delay-ms": 300}, False)
    port += 1
    result(pings == 20 and hits == 1,
           "delay 300 ms: rping completes, verified")

    # Allocation failure: the first QP creation fails, then all is well.
    rid = ynl.do("fault-add", {"dev-index": index, "type": "alloc-fail",
                               "every": 1, "count": 1})["id"]
    s, c, pings = rping(7600, count=2)
    result(pings < 2 and rule_hits(ynl, rid) == 1,
           f"alloc-fail: a creation fails once (rping {s}/{c}, {pings} pings)")
    ynl.do("fault-del", {"dev-index": index, "id": rid})
    no_qp_left(DEV)
    s, c, pings = rping(7601, count=2)
    result(pings == 2, "after it, rping works")

    # FPDU faults, each ending a verified rping on both ends.
    for ftype, extra, crc, effect in [
            ("drop", None, False, "terms"),
            ("corrupt", None, True, "crc"),
            ("corrupt", None, False, "terms"),
            ("truncate", None, False, "reset"),
            ("reset", None, False, "reset")]:
        pings, hits, st, gone = one_shot(ynl, index, ftype, port, extra, crc)
        port += 1
        what = f"{ftype}{' with CRC' if crc else ''}"
        result(hits == 1 and pings < 20,
               f"{what}: the rule hits once and the transfer fails")
        if effect == "terms":
            result(st["terms-sent"] >= 1 and st["terms-received"] >= 1,
                   f"{what}: the receiver sent a Terminate, the sender got it")
        elif effect == "crc":
            result(st["crc-errors"] >= 1 and st["terms-sent"] >= 1,
                   f"{what}: CRC error counted, Terminate sent")
        else:
            result(st["terms-sent"] == 0 and st["terms-received"] == 0,
                   f"{what}: the reset ends it, no Terminate can follow")
        result(gone, f"{what}: both ends flushed and destroyed their QPs")

    # Damage after the CRC check, as a placement bug would do: siw cannot
    # see it, the application's own verification must. With 65000 bytes
    # the 3rd placement on siw0 is the 2nd page of the first RDMA Read
    # Response (the 1st is rping's buffer advertisement).
    seen = []
    pings, hits, st, gone = one_shot(ynl, index, "corrupt-placed", port,
                                     None, True, 65000, seen)
    port += 1
    result(hits == 1 and pings == 0 and seen == [True],
           "corrupt-placed: rping -V reports a data mismatch on the first ping")
    result(st["crc-errors"] == 0 and st["terms-sent"] == 0,
           "corrupt-placed: silent to siw (CRC passed, no Terminate)")
    result(gone, "corrupt-placed: no QP left")

    # Delay: the transfer is slower, not broken.

    ynl.do("fault-del", {"dev-index": index})
    result(ynl.dump("fault-get", {}) == [], "fault-del without id clears all")
    s, c, pings = rping(port + 1)
    result(pings == 20, "with no rule left, traffic is clean")
    return done()


if __name__ == "__main__":
    sys.exit(main())
