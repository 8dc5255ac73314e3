# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# siw wire-protocol library objects, for inclusion by the module Kbuild.
# crc32c_sw.o is user space only: the module provides siw_crc32c() on
# top of <linux/crc32c.h>.
SIW_PROTO_OBJS := proto/mpa.o proto/fpdu.o proto/rdmap.o proto/term.o
