/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Shared bits of the siw proto libFuzzer targets. */
#ifndef _SIW_FUZZ_COMMON_H
#define _SIW_FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "iwarp.h"

/* An invariant violation is a crash as far as libFuzzer is concerned. */
#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "%s:%d: invariant failed: %s\n",	\
				__FILE__, __LINE__, #cond);		\
			abort();					\
		}							\
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif /* _SIW_FUZZ_COMMON_H */
