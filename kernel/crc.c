// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The CRC32c hook of the wire-protocol library, on the kernel's
 * (accelerated where the CPU allows) crc32c.
 */
#include <linux/crc32c.h>

#include "proto/iwarp.h"

u32 siw_crc32c(u32 seed, const void *p, size_t len)
{
	return crc32c(seed, p, len);
}
