/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Shared declarations of the siw proto unit test groups. */
#ifndef _SIW_UNIT_H
#define _SIW_UNIT_H

#include "iwarp.h"
#include "tap.h"

void test_crc(void);
void test_fpdu(void);
void test_mpa(void);
void test_rdmap(void);
void test_term(void);
void test_abi(void);

/* bitwise CRC32c reference, independent of the library's tables */
u32 ref_crc32c(const void *p, size_t len);

#endif /* _SIW_UNIT_H */
