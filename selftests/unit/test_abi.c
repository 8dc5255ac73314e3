// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * iwarp.h must coexist with the siw user ABI header in one translation
 * unit: the module includes both. A name clash fails the build.
 */
#include <linux/types.h>
#include <rdma/siw-abi.h>

#include "unit.h"

void test_abi(void)
{
	diag("coexistence with <rdma/siw-abi.h>");
	ok(SIW_OP_WRITE == 0 && SIW_RDMAP_OP_WRITE == 0 &&
	   SIW_OP_SEND == 3 && SIW_RDMAP_OP_SEND == 3,
	   "siw ABI opcodes and RDMAP opcodes are distinct names");
}
