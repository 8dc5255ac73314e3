/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * kmem.h: the kernel memory a test can see grow, for memory-per-object
 * measurements (bench/qpmem.c, helpers/qp_scale.c).
 */
#ifndef SIW_TEST_KMEM_H
#define SIW_TEST_KMEM_H

#include <stdio.h>

/*
 * Slab plus vmalloc use in KiB (/proc/meminfo), or -1. siw's QPs take
 * both: the QP and its contexts from slab, the rings from vmalloc.
 */
static inline long kernel_kib(void)
{
	long slab = -1, vmalloc = -1, v;
	char line[128];
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Slab: %ld kB", &v) == 1)
			slab = v;
		else if (sscanf(line, "VmallocUsed: %ld kB", &v) == 1)
			vmalloc = v;
	}
	fclose(f);
	return slab < 0 || vmalloc < 0 ? -1 : slab + vmalloc;
}

#endif
