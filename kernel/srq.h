/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Shared receive queues: one ring of struct siw_rqe that any number of
 * QPs take receive buffers from. Kernel SRQs are filled by
 * siw_post_srq_recv(); user SRQs are mapped into the process, which
 * writes entries and sets SIW_WQE_VALID (the layout stock libsiw uses).
 *
 * Unlike a QP's own RQ, an SRQ entry leaves the ring the moment a QP
 * takes it (VALID cleared, get advanced), because other QPs must not see
 * it again; the QP then owns the copy until it completes or flushes it.
 */
#ifndef _SIW_SRQ_H
#define _SIW_SRQ_H

#include <linux/spinlock.h>
#include <linux/types.h>
#include <rdma/ib_verbs.h>
#include <rdma/siw-abi.h>

#include "siw.h"

struct siw_srq {
	struct ib_srq base_srq;		/* must stay first: core allocates */
	spinlock_t lock;		/* producers, consumers, arming */
	struct siw_rqe *recvq;
	u32 size;			/* entries, power of two */
	u32 get;			/* next entry a QP takes */
	u32 put;			/* next free entry (kernel SRQs) */
	u32 limit;			/* armed: event below this many */
	bool armed;
	struct siw_ucontext *uctx;	/* user SRQs only */
	u64 key;			/* mmap key or SIW_INVAL_UOBJ_KEY */
};

static inline struct siw_srq *to_siw_srq(struct ib_srq *base_srq)
{
	return container_of(base_srq, struct siw_srq, base_srq);
}

/*
 * Take the oldest posted entry into @rqe (any context; the caller may
 * hold its QP's rq_lock). Returns true if there was one. If that took the
 * SRQ below its armed limit, disarms and sets *@limit_event: the caller
 * then reports it with siw_srq_limit_event() once its locks are dropped.
 */
bool siw_srq_take(struct siw_srq *srq, struct siw_rqe *rqe,
		  bool *limit_event);
void siw_srq_limit_event(struct siw_srq *srq);

extern const struct ib_device_ops siw_srq_ops;

#endif /* _SIW_SRQ_H */
