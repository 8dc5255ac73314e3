/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Queue pairs: the object, its iWARP state machine, and its send and
 * receive queues (kernel rings, or rings mapped into the process).
 */
#ifndef _SIW_QP_H
#define _SIW_QP_H

#include <linux/refcount.h>
#include <linux/completion.h>
#include <linux/rwsem.h>
#include <linux/spinlock.h>
#include <rdma/ib_verbs.h>
#include <rdma/siw-abi.h>

#include "siw.h"

/* RFC 5040 section 6 states, plus IDLE for a QP not yet connected. */
enum siw_qp_state {
	SIW_QP_STATE_IDLE,
	SIW_QP_STATE_RTR,
	SIW_QP_STATE_RTS,
	SIW_QP_STATE_CLOSING,
	SIW_QP_STATE_TERMINATE,
	SIW_QP_STATE_ERROR,
	SIW_QP_STATE_COUNT
};

struct siw_cq;

struct siw_qp {
	struct ib_qp base_qp;		/* must stay first: core allocates */
	struct siw_device *sdev;
	refcount_t refs;		/* core + iw_cm + TX/RX users */
	struct completion released;	/* refs reached zero */

	struct rw_semaphore state_lock;
	enum siw_qp_state state;
	bool user;			/* rings mapped into a process */
	bool sq_sig_all;

	spinlock_t sq_lock;		/* producers and flush of the SQ */
	struct siw_sqe *sendq;
	u32 sq_size;			/* entries, power of two */
	u32 sq_get;			/* next SQE the kernel consumes */
	u32 sq_put;			/* next free SQE (kernel QPs) */

	spinlock_t rq_lock;		/* producers and flush of the RQ */
	struct siw_rqe *recvq;
	u32 rq_size;
	u32 rq_get;
	u32 rq_put;

	struct siw_cq *scq;
	struct siw_cq *rcq;

	u32 ird;			/* inbound Read requests accepted */
	u32 ord;			/* outbound Reads in flight */
	int access;			/* remote access rights granted */

	/* User QPs: once mapped, a ring belongs to its mmap entry. */
	struct siw_ucontext *uctx;
	u64 sq_key;
	u64 rq_key;
};

static inline struct siw_qp *to_siw_qp(struct ib_qp *base_qp)
{
	return container_of(base_qp, struct siw_qp, base_qp);
}

static inline u32 siw_qp_id(const struct siw_qp *qp)
{
	return qp->base_qp.qp_num;
}

const char *siw_qp_state_name(enum siw_qp_state state);

struct siw_qp *siw_qp_get_by_id(struct siw_device *sdev, u32 id);
void siw_qp_get(struct siw_qp *qp);
void siw_qp_put(struct siw_qp *qp);

int siw_qp_set_state(struct siw_qp *qp, enum siw_qp_state state);

extern const struct ib_device_ops siw_qp_ops;

#endif /* _SIW_QP_H */
