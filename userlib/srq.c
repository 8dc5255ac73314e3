// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Shared receive queues: a mapped RQE ring the kernel consumes for every
 * QP attached to it. Posting is a store into the ring; the limit event
 * is armed through modify_srq and fires from the kernel.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sdt.h>

#include "libsiw.h"

struct siw_cmd_create_srq_resp {
	struct ib_uverbs_create_srq_resp ibv_resp;
	struct siw_uresp_create_srq drv;
};

struct ibv_srq *siw_create_srq(struct ibv_pd *pd,
			       struct ibv_srq_init_attr *attr)
{
	struct siw_cmd_create_srq_resp resp = {};
	struct ibv_create_srq cmd = {};
	struct ibv_context *ctx = pd->context;
	struct siw_srq *srq;
	int rv;

	srq = calloc(1, sizeof(*srq));
	if (!srq)
		return NULL;
	rv = ibv_cmd_create_srq(pd, &srq->base, attr, &cmd, sizeof(cmd),
				&resp.ibv_resp, sizeof(resp));
	if (rv) {
		free(srq);
		errno = rv;
		return NULL;
	}
	srq->num_rqe = resp.drv.num_rqe;
	if (resp.drv.srq_key == SIW_INVAL_UOBJ_KEY || !srq->num_rqe ||
	    (srq->num_rqe & (srq->num_rqe - 1))) {
		siw_err(ctx, "SRQ: kernel gave no usable ring (%u RQEs)\n",
			srq->num_rqe);
		rv = EIO;
		goto err_destroy;
	}
	srq->map_len = srq->num_rqe * sizeof(struct siw_rqe);
	srq->recvq = mmap(NULL, srq->map_len, PROT_READ | PROT_WRITE,
			  MAP_SHARED, ctx->cmd_fd, resp.drv.srq_key);
	if (srq->recvq == MAP_FAILED) {
		rv = errno;
		siw_err(ctx, "SRQ: cannot map the ring: %s\n", strerror(rv));
		goto err_destroy;
	}
	pthread_spin_init(&srq->lock, PTHREAD_PROCESS_PRIVATE);
	return &srq->base;

err_destroy:
	ibv_cmd_destroy_srq(&srq->base);
	free(srq);
	errno = rv;
	return NULL;
}

int siw_modify_srq(struct ibv_srq *srq, struct ibv_srq_attr *attr, int mask)
{
	struct ibv_modify_srq cmd = {};

	/* siw rings have a fixed size: only the limit can change. */
	if (mask & ~IBV_SRQ_LIMIT)
		return EOPNOTSUPP;
	return ibv_cmd_modify_srq(srq, attr, mask, &cmd, sizeof(cmd));
}

int siw_query_srq(struct ibv_srq *srq, struct ibv_srq_attr *attr)
{
	struct ibv_query_srq cmd = {};

	return ibv_cmd_query_srq(srq, attr, &cmd, sizeof(cmd));
}

int siw_destroy_srq(struct ibv_srq *ibsrq)
{
	struct siw_srq *srq = srq_to_siw(ibsrq);
	int rv;

	rv = ibv_cmd_destroy_srq(ibsrq);
	if (rv)
		return rv;
	munmap(srq->recvq, srq->map_len);
	pthread_spin_destroy(&srq->lock);
	free(srq);
	return 0;
}

int siw_post_srq_recv(struct ibv_srq *ibsrq, struct ibv_recv_wr *wr,
		      struct ibv_recv_wr **bad_wr)
{
	struct siw_srq *srq = srq_to_siw(ibsrq);
	uint32_t first;
	int rv;

	*bad_wr = NULL;
	pthread_spin_lock(&srq->lock);
	first = srq->put;
	rv = siw_rqes_post(srq->recvq, srq->num_rqe, &srq->put, wr, bad_wr);
	pthread_spin_unlock(&srq->lock);
	DTRACE_PROBE3(libsiw, post_recv, 0, srq->put - first, rv);
	return rv;
}
