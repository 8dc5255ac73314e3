// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * qpmem DEVICE N: create N RC QPs (64 send and 64 receive WRs, one SGE
 * each, sharing one CQ) on DEVICE and print the kernel memory they took,
 * in KiB per QP: the growth of slab and vmalloc use (/proc/meminfo), over
 * N. That is where a software RNIC keeps its QP objects and rings.
 * (MemFree is no measure at this scale: per-CPU page lists hide it.)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <infiniband/verbs.h>
#include "kmem.h"

int main(int argc, char **argv)
{
	struct ibv_qp_init_attr qa = {
		.qp_type = IBV_QPT_RC,
		.cap = { .max_send_wr = 64, .max_recv_wr = 64,
			 .max_send_sge = 1, .max_recv_sge = 1 },
	};
	struct ibv_device **list;
	struct ibv_context *ctx = NULL;
	struct ibv_qp **qps;
	struct ibv_pd *pd;
	struct ibv_cq *cq;
	long before, after;
	int i, n;

	n = argc == 3 ? atoi(argv[2]) : 0;
	if (n <= 0) {
		fprintf(stderr, "usage: qpmem DEVICE N\n");
		return 2;
	}
	list = ibv_get_device_list(NULL);
	for (i = 0; list && list[i]; i++)
		if (!strcmp(ibv_get_device_name(list[i]), argv[1]))
			ctx = ibv_open_device(list[i]);
	if (!ctx) {
		fprintf(stderr, "qpmem: cannot open %s\n", argv[1]);
		return 1;
	}
	pd = ibv_alloc_pd(ctx);
	cq = pd ? ibv_create_cq(ctx, 256, NULL, NULL, 0) : NULL;
	qps = calloc(n, sizeof(*qps));
	if (!cq || !qps) {
		fprintf(stderr, "qpmem: PD/CQ failed\n");
		return 1;
	}
	qa.send_cq = cq;
	qa.recv_cq = cq;
	sync();
	usleep(200000);
	before = kernel_kib();
	for (i = 0; i < n; i++) {
		qps[i] = ibv_create_qp(pd, &qa);
		if (!qps[i]) {
			fprintf(stderr, "qpmem: QP %d failed\n", i);
			return 1;
		}
	}
	usleep(200000);
	after = kernel_kib();
	for (i = 0; i < n; i++)
		ibv_destroy_qp(qps[i]);
	printf("%.1f\n", (double)(after - before) / n);
	ibv_destroy_cq(cq);
	ibv_dealloc_pd(pd);
	ibv_close_device(ctx);
	ibv_free_device_list(list);
	return 0;
}
