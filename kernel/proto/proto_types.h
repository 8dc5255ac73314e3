/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Portability shim for the siw wire-protocol library.
 *
 * The proto/ sources are plain C that build unchanged as part of the
 * kernel module and as ordinary user space objects (unit tests, fuzz
 * targets).  This header is the only place that knows the difference;
 * the .c files must not include anything else.
 */
#ifndef _SIW_PROTO_TYPES_H
#define _SIW_PROTO_TYPES_H

#ifdef __KERNEL__

#include <linux/types.h>
#include <linux/string.h>
#include <linux/errno.h>
#include <asm/byteorder.h>

#else /* !__KERNEL__ */

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include <string.h>
#include <errno.h>
#include <endian.h>

/*
 * Plain C types rather than the <stdint.h> names keep checkpatch quiet;
 * all Linux user space ABIs have 8/16/32 bit char/short/int.
 */
typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef signed char s8;
typedef short s16;
typedef int s32;
typedef long long s64;

/* No sparse in user space: the bitwise types are plain integers. */
typedef u16 __be16;
typedef u32 __be32;
typedef u64 __be64;
typedef u16 __le16;
typedef u32 __le32;

#define cpu_to_be16(x) ((__be16)htobe16(x))
#define cpu_to_be32(x) ((__be32)htobe32(x))
#define cpu_to_be64(x) ((__be64)htobe64(x))
#define be16_to_cpu(x) ((u16)be16toh(x))
#define be32_to_cpu(x) ((u32)be32toh(x))
#define be64_to_cpu(x) ((u64)be64toh(x))
#define cpu_to_le32(x) ((__le32)htole32(x))
#define le32_to_cpu(x) ((u32)le32toh(x))

#ifndef likely
#define likely(x) __builtin_expect(!!(x), 1)
#endif
#ifndef unlikely
#define unlikely(x) __builtin_expect(!!(x), 0)
#endif

#endif /* __KERNEL__ */

#endif /* _SIW_PROTO_TYPES_H */
