# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""
Shared pieces of the Python tests that drive siw's netlink family
through the kernel's own YNL library (build/ynl, from scripts/ynl.sh):
TAP output, the YNL family, error helpers and perftest/rping runs.
"""
import os
import subprocess
import sys
import tempfile
import time

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
YNL = os.path.join(TOP, "build/ynl/linux-source-6.12")
YNL_LIB = os.path.join(YNL, "tools/net/ynl")
SPEC = os.path.join(YNL, "Documentation/netlink/specs/siw.yaml")
sys.path.insert(0, YNL_LIB)
from lib import YnlFamily, NlError  # noqa: E402,F401

count = 0
failures = 0


def result(ok, what):
    global count, failures
    count += 1
    if not ok:
        failures += 1
    print(f"{'' if ok else 'not '}ok {count} - {what}", flush=True)
    return ok


def diag(text):
    for line in str(text).splitlines():
        print(f"# {line}", flush=True)


def done():
    print(f"1..{count}")
    return 1 if failures else 0


def family():
    return YnlFamily(SPEC)


def nl_error(fn):
    """Run fn; return the NlError it raised, or None."""
    try:
        fn()
    except NlError as e:
        return e
    return None


def extack_text(err):
    return str(err.nl_msg.extack.get("msg", "")) if err.nl_msg.extack else ""


def wait_listen(port, seconds=20):
    for _ in range(seconds * 10):
        out = subprocess.run(["ss", "-Hltn", f"sport = :{port}"],
                             capture_output=True, text=True).stdout
        if out.strip():
            return True
        time.sleep(0.1)
    return False


def pair(server_cmd, client_cmd, port, timeout=120):
    """Run a server and its client; (server rc, client rc, client output)."""
    # Files, not pipes: a verbose program must never block on its output.
    sout = tempfile.TemporaryFile()
    cout = tempfile.TemporaryFile()
    server = subprocess.Popen(server_cmd, stdout=sout,
                              stderr=subprocess.STDOUT)
    wait_listen(port)
    client = subprocess.Popen(client_cmd, stdout=cout,
                              stderr=subprocess.STDOUT)
    try:
        c = client.wait(timeout)
    except subprocess.TimeoutExpired:
        client.kill()
        c = client.wait()
    try:
        s = server.wait(30)
    except subprocess.TimeoutExpired:
        server.kill()
        s = server.wait()
    cout.seek(0)
    out = cout.read().decode(errors="replace")
    sout.close()
    cout.close()
    return s, c, out


def perf_start(tool, args, addr, port=18515):
    """Start a perftest server and client; return (server, client)."""
    server = subprocess.Popen([tool, "-R", "-F", "-p", str(port)] + args,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    wait_listen(port)
    client = subprocess.Popen([tool, "-R", "-F", "-p", str(port)] + args +
                              [addr], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT)
    return server, client


def perf_wait(server, client, timeout=120):
    try:
        c = client.wait(timeout)
        s = server.wait(timeout)
    except subprocess.TimeoutExpired:
        client.kill()
        server.kill()
        return False
    if c or s:
        diag(client.stdout.read().decode(errors="replace")[-600:])
    return c == 0 and s == 0


def no_qp_left(dev, seconds=20):
    for _ in range(seconds * 10):
        out = subprocess.run(["rdma", "resource", "show", "qp"],
                             capture_output=True, text=True).stdout
        if dev not in out:
            return True
        time.sleep(0.1)
    return False
