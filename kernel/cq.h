/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Completion queues: a ring of struct siw_cqe followed by one struct
 * siw_cq_ctrl, in kernel memory for kernel consumers and mapped into the
 * process for user CQs (the layout stock libsiw expects).
 *
 * The kernel is the only producer. A slot whose flags carry SIW_WQE_VALID
 * belongs to the consumer (libsiw or siw_poll_cq()), which clears the
 * flags to give it back. The kernel keeps its own put index and never
 * reads one from the shared memory; for user CQs the flags and the arming
 * word are the only things it reads back, and any value there is safe.
 */
#ifndef _SIW_CQ_H
#define _SIW_CQ_H

#include <linux/bits.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <rdma/ib_verbs.h>
#include <rdma/siw-abi.h>
#include <linux/siw_abi_ext.h>

#include "siw.h"

/*
 * CQE flags: SIW_WQE_IMM_DATA (siw_abi_ext.h) says imm_data carries the
 * immediate value, the verbs' __be32 as stored in memory, in its low 32
 * bits; SIW_WQE_REM_INVAL likewise marks a valid inval_stag. Immediate
 * data only ever reaches QPs of contexts that speak the extended ABI.
 */

struct siw_cq {
	struct ib_cq base_cq;		/* must stay first: core allocates */
	spinlock_t lock;		/* producer, kernel poll and arming */
	struct siw_cqe *queue;		/* num_cqe slots, then *notify */
	struct siw_cq_ctrl *notify;	/* arming word (shared for user CQs) */
	struct siw_ucontext *uctx;	/* user CQs only */
	u64 key;			/* mmap key or SIW_INVAL_UOBJ_KEY */
	u32 num_cqe;			/* power of two */
	u32 cq_put;			/* next slot the kernel fills */
	u32 cq_get;			/* next slot siw_poll_cq() reads */
	u32 id;
	bool overflowed;		/* IB_EVENT_CQ_ERR already raised */
};

static inline struct siw_cq *to_siw_cq(struct ib_cq *base_cq)
{
	return container_of(base_cq, struct siw_cq, base_cq);
}

static inline bool siw_cq_is_user(const struct siw_cq *cq)
{
	return cq->uctx;
}

/*
 * Post one completion (data path; any context, IRQs may be off). The
 * caller fills id, opcode (enum siw_opcode or SIW_OP_*_WITH_IMM), status (enum siw_wc_status),
 * bytes, base_qp (always the QP pointer: user CQs get its qp_num instead),
 * and optionally SIW_WQE_REM_INVAL + inval_stag or SIW_WQE_IMM_DATA +
 * imm_data in flags; other flag bits are ignored and SIW_WQE_VALID is set
 * here. Calls the completion handler (outside the CQ lock) if the CQ is
 * armed for next completion, or for solicited ones and @solicited is true.
 * Returns 0; -ENOSPC if the CQ is full (the CQ is then in error: the
 * first overflow raises IB_EVENT_CQ_ERR, once); -EINVAL for an opcode or
 * status outside the ABI. Never allocates or sleeps. The caller must hold
 * the CQ alive (a QP holds its CQs until destroyed).
 */
int siw_cq_add(struct siw_cq *cq, const struct siw_cqe *cqe, bool solicited);

#endif /* _SIW_CQ_H */
