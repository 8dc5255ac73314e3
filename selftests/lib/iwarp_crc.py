# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""CRC32c (Castagnoli, reflected) as MPA uses it, for the Python test
peers (datapath_peer.py, fuzz_peer.py): plain Python, no dependencies."""


def _table():
    tab = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        tab.append(c)
    return tab


_TAB = _table()


def crc32c(data):
    c = 0xFFFFFFFF
    for b in data:
        c = _TAB[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


assert crc32c(b"123456789") == 0xE3069283
