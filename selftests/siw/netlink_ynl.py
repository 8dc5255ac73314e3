#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""
The siw generic-netlink family driven by a client that is not ours: the
kernel's own YNL library (tools/net/ynl from linux-source-6.12) reading
Documentation/netlink/specs/siw.yaml. Runs inside the test VM after
netlink.sh created siw0 on dp0 (ADDR below). Prints TAP.

Checks: device get/dump and the spec's fields; device settings and their
validation with extack messages; QP dumps with filters during perftest
traffic; per-opcode counters matching the bytes perftest moved; TX
threads, and moving them at run time under traffic without losing any;
stats reset; notifications on the monitor group; CAP_NET_ADMIN.
"""
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from siwynl import (SPEC, YNL_LIB, YnlFamily, NlError, result, diag,  # noqa: E402
                    done, nl_error, extack_text, perf_start, perf_wait)

ADDR = "10.99.7.1"
DEV = "siw0"
N_WRITES = 200
MSG = 65536


def op_stats(stats, opcode):
    for o in stats.get("op", []):
        if o["opcode"] == opcode:
            return o
    return {"tx-fpdus": 0, "tx-bytes": 0, "rx-fpdus": 0, "rx-bytes": 0}


def main():
    ynl = YnlFamily(SPEC)

    # Devices
    devs = ynl.dump("dev-get", {})
    result(len(devs) == 1 and devs[0]["name"] == DEV and
           devs[0]["netdev"] == "dp0", f"dev-get dump lists {DEV} on dp0")
    d = devs[0] if devs else {}
    result(d.get("port-state") == "active" and d.get("mpa-rev") == 2 and
           d.get("tcp-nodelay") == 1 and d.get("num-qp") == 0,
           "port active, MPA v2, TCP_NODELAY, no QP")
    by_name = ynl.do("dev-get", {"name": DEV})
    result(by_name["index"] == d.get("index"), "dev-get by name finds it")
    err = nl_error(lambda: ynl.do("dev-get", {"name": "nosuch0"}))
    result(err is not None and "no such siw device" in extack_text(err),
           "unknown device: error with extack text")
    if err:
        diag(f"extack: {extack_text(err)}")

    err = nl_error(lambda: ynl.do("dev-set", {"index": d["index"],
                                              "mpa-rev": 3}))
    result(err is not None, "dev-set mpa-rev 3 refused by the policy")
    err = nl_error(lambda: ynl.do("dev-set", {"index": d["index"],
                                              "peer-to-peer": 1,
                                              "markers": 1}))
    result(err is not None and "peer-to-peer" in extack_text(err),
           "peer-to-peer with markers refused with a reason")
    if err:
        diag(f"extack: {extack_text(err)}")
    ynl.do("dev-set", {"index": d["index"], "crc-required": 1})
    d = ynl.do("dev-get", {"index": d["index"]})
    result(d["crc-required"] == 1, "dev-set crc-required 1 shows in dev-get")

    # Non-admin users may read, not change.
    code = ("import sys; sys.path.insert(0, %r)\n"
            "from lib import YnlFamily, NlError\n"
            "y = YnlFamily(%r)\n"
            "y.dump('dev-get', {})\n"
            "try:\n"
            "    y.do('dev-set', {'index': %d, 'markers': 1})\n"
            "except NlError as e:\n"
            "    sys.exit(e.error)\n"
            "sys.exit(0)\n") % (YNL_LIB, SPEC, d["index"])
    rc = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534",
                         "--clear-groups", "--inh-caps=-all",
                         "/usr/bin/python3", "-c", code]).returncode
    result(rc == 1, f"dev-set without CAP_NET_ADMIN: EPERM (exit {rc})")

    # Monitor: notifications for the connection about to come.
    mon = YnlFamily(SPEC)
    mon.ntf_subscribe("monitor")

    # QPs under traffic; the TX CPU list changes while it runs.
    ynl.do("stats-reset", {"dev-index": d["index"]})
    server, client = perf_start("ib_write_bw", ["-n", str(N_WRITES),
                                                "-s", str(MSG)], ADDR)
    qps = []
    for _ in range(300):
        qps = ynl.dump("qp-get", {"dev-index": d["index"], "state": 2})
        if len(qps) >= 2:
            break
        time.sleep(0.1)
    result(len(qps) >= 2, f"qp-get dump during ib_write_bw: {len(qps)} QPs in RTS")
    if qps:
        q = qps[0]
        result(q.get("crc") == 1 and q.get("tx-cpu", -1) >= 0 and
               q.get("remote-addr") == bytes([10, 99, 7, 1]) and
               q.get("sq-size", 0) > 0,
               "QP fields: CRC negotiated as set, TX CPU, peer address, SQ")
        # RFC 7306 needs our provider's ABI (rdma-core's libsiw here):
        # negotiated or not, the attribute is there.
        result(q.get("gso") == 1 and q.get("rdmap-ext") in (0, 1),
               "QP fields: siw to siw negotiated GSO FPDUs; rdmap-ext "
               f"reported ({q.get('rdmap-ext')})")
        one = ynl.do("qp-get", {"dev-index": d["index"], "num": q["num"]})
        result(one["num"] == q["num"], "qp-get of one QP")
    res = subprocess.run(["rdma", "-dd", "resource", "show", "qp", "link",
                          f"{DEV}/1"], capture_output=True,
                         text=True).stdout
    result("siw_state RTS" in res and "tx_cpu" in res,
           "rdma resource show qp -dd shows siw's own QP fields")
    if "siw_state" not in res:
        diag(res)
    filtered = ynl.dump("qp-get", {"remote-addr": bytes([10, 99, 7, 2])})
    result(filtered == [], "qp-get filtered by another peer address: none")
    err = nl_error(lambda: ynl.do("qp-get", {"dev-index": d["index"],
                                             "num": 999999}))
    result(err is not None and err.error == 2, "qp-get of no QP: ENOENT")

    threads = ynl.dump("tx-get", {})
    result(len(threads) == os.cpu_count(),
           f"tx-get: one thread per CPU ({len(threads)})")
    ynl.do("tx-set", {"cpu-list": "0"})
    threads = ynl.dump("tx-get", {})
    result([t["cpu"] for t in threads] == [0], "tx-set 0: one thread left")
    moved = ynl.dump("qp-get", {"dev-index": d["index"], "state": 2})
    result(all(q.get("tx-cpu") == 0 for q in moved),
           "every connected QP now on CPU 0")
    err = nl_error(lambda: ynl.do("tx-set", {"cpu-list": "0-4096"}))
    result(err is not None and extack_text(err) != "",
           "tx-set with a CPU that is not online refused")
    ynl.do("tx-set", {"cpu-list": "0-%d" % (os.cpu_count() - 1)})
    result(perf_wait(server, client),
           "ib_write_bw completes across both TX list changes")
    threads = ynl.dump("tx-get", {})
    result(len(threads) == os.cpu_count() and
           sum(t["runs"] for t in threads) > 0,
           "tx-get: all threads back, runs counted")

    # Counters: the device holds the destroyed QPs' counters.
    d = ynl.do("dev-get", {"index": d["index"]})
    st = d["stats"]
    w = op_stats(st, "write")
    want = N_WRITES * MSG
    diag(f"write: tx {w['tx-bytes']} B in {w['tx-fpdus']} FPDUs, "
         f"rx {w['rx-bytes']} B; moved {want} B")
    result(want <= w["tx-bytes"] <= want * 1.05 and
           want <= w["rx-bytes"] <= want * 1.05,
           "per-opcode Write bytes match what ib_write_bw moved")
    hw = f"/sys/class/infiniband/{DEV}/ports/1/hw_counters"
    try:
        with open(f"{hw}/tx_write_bytes") as f:
            hw_tx = int(f.read())
        with open(f"{hw}/rx_write_bytes") as f:
            hw_rx = int(f.read())
    except OSError as e:
        hw_tx = hw_rx = -1
        diag(e)
    result(hw_tx == w["tx-bytes"] and hw_rx == w["rx-bytes"],
           f"hw_counters (rdma statistic) agree: {hw_tx}/{hw_rx}")
    stat = subprocess.run(["rdma", "statistic", "show", "link", f"{DEV}/1"],
                          capture_output=True, text=True).stdout
    result(f"tx_write_bytes {w['tx-bytes']}" in stat,
           "rdma statistic show lists tx_write_bytes")
    result(st["tx-bytes"] >= want and st["rx-bytes"] >= want and
           st["tx-fpdus"] >= w["tx-fpdus"] and st["crc-errors"] == 0,
           "totals: wire bytes above payload, no CRC error")
    ynl.do("stats-reset", {"dev-index": d["index"]})
    d = ynl.do("dev-get", {"index": d["index"]})
    result(d["stats"]["tx-bytes"] == 0 and not d["stats"].get("op"),
           "stats-reset zeroes the device's counters")

    # Notifications seen meanwhile.
    time.sleep(0.5)
    mon.check_ntf()
    states = [m["msg"].get("state") for m in mon.async_msg_queue
              if m["name"] == "qp-state-ntf"]
    diag(f"qp-state notifications: {states}")
    result("rts" in states and "error" in states,
           "monitor saw QPs reach RTS and ERROR")
    ynl.do("dev-set", {"index": d["index"], "crc-required": 0})

    return done()


if __name__ == "__main__":
    sys.exit(main())
