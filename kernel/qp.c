// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Queue pairs: creation, the iWARP state machine as far as verbs drive
 * it, send/receive queue rings and their flush into the CQs.
 *
 * User QPs share their rings with the process (layout of
 * <rdma/siw-abi.h>): the kernel trusts only its own indices and copies
 * each entry before looking at it, since the process may rewrite the
 * ring at any time.
 */
#include <linux/vmalloc.h>
#include <linux/xarray.h>
#include <linux/log2.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <rdma/ib_verbs.h>
#include <rdma/iw_cm.h>
#include <rdma/uverbs_ioctl.h>

#include "siw.h"
#include "fault.h"
#include "qp.h"
#include "cq.h"
#include "srq.h"
#include "umap.h"
#include "netlink.h"
#include "trace.h"

/* QP work items; flushed by module exit before the code goes away. */
static struct workqueue_struct *siw_qp_wq;

int siw_qp_wq_init(void)
{
	siw_qp_wq = alloc_workqueue("siw_qp", WQ_MEM_RECLAIM, 0);
	return siw_qp_wq ? 0 : -ENOMEM;
}

void siw_qp_wq_exit(void)
{
	destroy_workqueue(siw_qp_wq);
}

static const char * const siw_qp_state_names[SIW_QP_STATE_COUNT] = {
	[SIW_QP_STATE_IDLE] = "IDLE",
	[SIW_QP_STATE_RTR] = "RTR",
	[SIW_QP_STATE_RTS] = "RTS",
	[SIW_QP_STATE_CLOSING] = "CLOSING",
	[SIW_QP_STATE_TERMINATE] = "TERMINATE",
	[SIW_QP_STATE_ERROR] = "ERROR",
};

const char *siw_qp_state_name(enum siw_qp_state state)
{
	return state < SIW_QP_STATE_COUNT ? siw_qp_state_names[state] : "?";
}

void siw_qp_get(struct siw_qp *qp)
{
	refcount_inc(&qp->refs);
}

void siw_qp_put(struct siw_qp *qp)
{
	if (refcount_dec_and_test(&qp->refs))
		complete(&qp->released);
}

struct siw_qp *siw_qp_get_by_id(struct siw_device *sdev, u32 id)
{
	struct siw_qp *qp;

	/*
	 * Under the xarray's lock, not RCU: siw_destroy_qp()'s xa_erase()
	 * then waits for any lookup in flight, and needs no grace period
	 * (one per QP made tearing down thousands of QPs take minutes).
	 * Every lookup is on a control path.
	 */
	xa_lock(&sdev->qp_xa);
	qp = xa_load(&sdev->qp_xa, id);
	if (qp && !refcount_inc_not_zero(&qp->refs))
		qp = NULL;
	xa_unlock(&sdev->qp_xa);
	return qp;
}

/*
 * The live QP with the lowest number >= *@index, with a reference;
 * *@index is set to its number. NULL when there is none.
 */
struct siw_qp *siw_qp_get_next(struct siw_device *sdev, unsigned long *index)
{
	struct siw_qp *qp;

	xa_lock(&sdev->qp_xa);
	for (;;) {
		qp = xa_find(&sdev->qp_xa, index, ULONG_MAX, XA_PRESENT);
		if (!qp || refcount_inc_not_zero(&qp->refs))
			break;
		/* Being destroyed: look further. */
		(*index)++;
	}
	xa_unlock(&sdev->qp_xa);
	return qp;
}

/* Flushed work completes with WR_FLUSH_ERR, signalled or not (IB spec). */
static void siw_qp_flush_cqe(struct siw_qp *qp, struct siw_cq *cq, u64 id,
			     u8 opcode)
{
	struct siw_cqe cqe = {
		.id = id,
		.opcode = opcode,
		.status = SIW_WC_WR_FLUSH_ERR,
	};

	cqe.base_qp = &qp->base_qp;
	siw_cq_add(cq, &cqe, false);
}

/*
 * Flushing walks at most one ring's worth of entries: a process that keeps
 * re-validating its own ring cannot hold us here with interrupts off.
 */
static void siw_sq_flush(struct siw_qp *qp)
{
	struct siw_sqe *sqe;
	unsigned long flags;
	u32 n;
	u64 id;
	u8 opcode;

	spin_lock_irqsave(&qp->sq_lock, flags);
	/* Completions held for zero copy are older than the SQ's entries. */
	siw_tx_ack_flush(qp);
	for (n = 0; n < qp->sq_size; n++) {
		sqe = &qp->sendq[qp->sq_get & (qp->sq_size - 1)];
		/* Acquire: read the entry only after seeing it valid. */
		if (!(smp_load_acquire(&sqe->flags) & SIW_WQE_VALID))
			break;
		id = READ_ONCE(sqe->id);
		/* A user may have written any opcode: still report the flush. */
		opcode = siw_qp_cqe_opcode(qp, READ_ONCE(sqe->opcode));
		/* Release: the producer may reuse the slot once it sees 0. */
		smp_store_release(&sqe->flags, 0);
		qp->sq_get++;
		siw_qp_flush_cqe(qp, qp->scq, id, opcode);
	}
	spin_unlock_irqrestore(&qp->sq_lock, flags);
}

static void siw_rq_flush(struct siw_qp *qp)
{
	struct siw_rqe *rqe;
	unsigned long flags;
	u32 n;
	u64 id;

	spin_lock_irqsave(&qp->rq_lock, flags);
	/* The rest of an SRQ stays for the QPs still using it. */
	if (qp->srq) {
		if (qp->srq_held) {
			qp->srq_held = false;
			siw_qp_flush_cqe(qp, qp->rcq, qp->srq_held_id,
					 SIW_OP_RECEIVE);
		}
		spin_unlock_irqrestore(&qp->rq_lock, flags);
		return;
	}
	for (n = 0; n < qp->rq_size; n++) {
		rqe = &qp->recvq[qp->rq_get & (qp->rq_size - 1)];
		/* Acquire: read the entry only after seeing it valid. */
		if (!(smp_load_acquire(&rqe->flags) & SIW_WQE_VALID))
			break;
		id = READ_ONCE(rqe->id);
		/* Release: the producer may reuse the slot once it sees 0. */
		smp_store_release(&rqe->flags, 0);
		qp->rq_get++;
		siw_qp_flush_cqe(qp, qp->rcq, id, SIW_OP_RECEIVE);
	}
	spin_unlock_irqrestore(&qp->rq_lock, flags);
}

bool siw_qp_take_rqe(struct siw_qp *qp, struct siw_rqe *rqe, u32 *token)
{
	bool got = false, limit_event = false;
	struct siw_rqe *slot;
	unsigned long flags;
	u16 f;

	spin_lock_irqsave(&qp->rq_lock, flags);
	if (qp->srq) {
		/*
		 * The state is ERROR before the flush takes rq_lock: an entry
		 * taken after the flush would never complete, so take none.
		 */
		if (READ_ONCE(qp->state) != SIW_QP_STATE_ERROR &&
		    !qp->srq_held &&
		    siw_srq_take(qp->srq, rqe, &limit_event)) {
			qp->srq_held = true;
			qp->srq_held_id = rqe->id;
			*token = ++qp->rq_get;
			got = true;
		}
	} else {
		slot = &qp->recvq[qp->rq_get & (qp->rq_size - 1)];
		/* Acquire: the contents only after VALID. */
		f = smp_load_acquire(&slot->flags);
		if (f & SIW_WQE_VALID) {
			memcpy(rqe, slot, sizeof(*rqe));
			rqe->flags = f;
			*token = qp->rq_get;
			got = true;
		}
	}
	spin_unlock_irqrestore(&qp->rq_lock, flags);
	if (limit_event)
		siw_srq_limit_event(qp->srq);
	return got;
}

/* Complete the RQE behind @token with @cqe (rqe id and QP filled in). */
static void siw_qp_rqe_finish(struct siw_qp *qp, u32 token,
			      const struct siw_rqe *rqe, struct siw_cqe *cqe,
			      bool solicited)
{
	unsigned long flags;

	cqe->id = rqe->id;
	cqe->base_qp = &qp->base_qp;
	spin_lock_irqsave(&qp->rq_lock, flags);
	if (qp->srq) {
		if (qp->srq_held && qp->rq_get == token) {
			qp->srq_held = false;
			siw_cq_add(qp->rcq, cqe, solicited);
		}
	} else if (qp->rq_get == token) {
		/* Release: our copy is taken before the producer reuses it. */
		smp_store_release(&qp->recvq[token & (qp->rq_size - 1)].flags,
				  0);
		qp->rq_get = token + 1;
		siw_cq_add(qp->rcq, cqe, solicited);
	}
	spin_unlock_irqrestore(&qp->rq_lock, flags);
}

void siw_qp_rqe_done(struct siw_qp *qp, u32 token, const struct siw_rqe *rqe,
		     u32 bytes, u32 inval_stag, bool solicited, u16 status)
{
	struct siw_cqe cqe = {
		.opcode = SIW_OP_RECEIVE,
		.status = status,
		.bytes = bytes,
	};

	if (inval_stag) {
		cqe.flags = SIW_WQE_REM_INVAL;
		cqe.inval_stag = inval_stag;
	}
	siw_qp_rqe_finish(qp, token, rqe, &cqe, solicited);
}

void siw_qp_rqe_done_imm(struct siw_qp *qp, u32 token,
			 const struct siw_rqe *rqe, u8 opcode, u32 bytes,
			 __be32 imm, bool solicited)
{
	struct siw_cqe cqe = {
		.opcode = opcode,
		.status = SIW_WC_SUCCESS,
		.bytes = bytes,
		.flags = SIW_WQE_IMM_DATA,
		.imm_data = (__force u32)imm,
	};

	siw_qp_rqe_finish(qp, token, rqe, &cqe, solicited);
}

int siw_qp_complete_sqe(struct siw_qp *qp, const struct siw_sqe *sqe,
			u32 bytes, u16 status)
{
	struct siw_cqe cqe = {
		.id = sqe->id,
		.opcode = sqe->opcode,
		.status = status,
		.bytes = bytes,
	};

	if (status == SIW_WC_SUCCESS && !(sqe->flags & SIW_WQE_SIGNALLED))
		return 0;
	cqe.base_qp = &qp->base_qp;
	return siw_cq_add(qp->scq, &cqe, false);
}

static void siw_qp_event(struct siw_qp *qp, enum ib_event_type type)
{
	struct ib_event event = {
		.device = qp->base_qp.device,
		.element.qp = &qp->base_qp,
		.event = type,
	};

	if (qp->base_qp.event_handler)
		qp->base_qp.event_handler(&event, qp->base_qp.qp_context);
}

static bool siw_qp_transition_ok(enum siw_qp_state old,
				 enum siw_qp_state state)
{
	switch (state) {
	case SIW_QP_STATE_IDLE:
		/* Reset: only from ERROR, once everything is flushed. */
		return old == SIW_QP_STATE_ERROR;
	case SIW_QP_STATE_RTR:
		return old == SIW_QP_STATE_IDLE;
	case SIW_QP_STATE_RTS:
		return old == SIW_QP_STATE_IDLE || old == SIW_QP_STATE_RTR;
	case SIW_QP_STATE_CLOSING:
	case SIW_QP_STATE_TERMINATE:
		return old == SIW_QP_STATE_RTS;
	case SIW_QP_STATE_ERROR:
		return true;
	default:
		return false;
	}
}

/*
 * Complete our Reads in flight as flushed, oldest first: their WQEs left
 * the SQ when the Read Request went out.
 */
static void siw_orq_flush(struct siw_qp *qp)
{
	struct siw_sqe sqe;
	unsigned long flags;

	if (!qp->orq.size)
		return;
	spin_lock_irqsave(&qp->orq.lock, flags);
	while (qp->orq.get != qp->orq.put) {
		sqe = qp->orq.q[qp->orq.get & (qp->orq.size - 1)];
		qp->orq.get++;
		siw_qp_flush_cqe(qp, qp->scq, sqe.id, sqe.opcode);
	}
	spin_unlock_irqrestore(&qp->orq.lock, flags);
}

/*
 * Move the QP to @state. Caller holds state_lock for writing; the state
 * itself changes under sq_lock, which is what siw_qp_terminate() uses
 * from softirq, so the two never overwrite each other's decision.
 * Returns -EINVAL for a transition iWARP does not allow from here.
 */
static int siw_qp_set_state_locked(struct siw_qp *qp, enum siw_qp_state state)
{
	enum siw_qp_state old;
	unsigned long flags;

	spin_lock_irqsave(&qp->sq_lock, flags);
	old = qp->state;
	if (state != old) {
		if (!siw_qp_transition_ok(old, state) ||
		    (state == SIW_QP_STATE_IDLE && qp->cep)) {
			spin_unlock_irqrestore(&qp->sq_lock, flags);
			return -EINVAL;
		}
		WRITE_ONCE(qp->state, state);
	}
	spin_unlock_irqrestore(&qp->sq_lock, flags);
	if (state != old) {
		trace_siw_qp_state(qp, old, state);
		siw_nl_qp_state(qp);
	}

	/* Flushing again is harmless: it only finds work posted since. */
	if (state == SIW_QP_STATE_ERROR) {
		siw_tx_hold(qp);
		siw_orq_flush(qp);
		siw_sq_flush(qp);
		siw_tx_unhold(qp);
		siw_rq_flush(qp);
	}
	return 0;
}

int siw_qp_set_state(struct siw_qp *qp, enum siw_qp_state state)
{
	int rv;

	down_write(&qp->state_lock);
	rv = siw_qp_set_state_locked(qp, state);
	up_write(&qp->state_lock);
	return rv;
}

/* A connected QP that leaves RTS through verbs closes its connection. */
static bool siw_qp_leaves_rts(enum siw_qp_state old, enum siw_qp_state new)
{
	return old == SIW_QP_STATE_RTS && new != SIW_QP_STATE_RTS;
}

static void siw_rdq_free(struct siw_rdq *rdq)
{
	kfree(rdq->q);
	rdq->q = NULL;
	rdq->size = 0;
}

static int siw_rdq_alloc(struct siw_rdq *rdq, u32 depth)
{
	rdq->size = roundup_pow_of_two(max_t(u32, depth, 1));
	rdq->q = kcalloc(rdq->size, sizeof(*rdq->q), GFP_KERNEL);
	rdq->put = 0;
	rdq->get = 0;
	spin_lock_init(&rdq->lock);
	return rdq->q ? 0 : -ENOMEM;
}

int siw_qp_connect(struct siw_qp *qp, struct socket *sock,
		   struct siw_cep *cep, const struct siw_conn_params *params,
		   u32 ird, u32 ord)
{
	enum siw_qp_state old;
	struct siw_sqe *sqe;
	bool pending;
	int rv;

	if (ird > SIW_MAX_IRD_QP || ord > SIW_MAX_ORD_QP)
		return -EINVAL;

	down_write(&qp->state_lock);
	if (qp->state != SIW_QP_STATE_IDLE && qp->state != SIW_QP_STATE_RTR) {
		rv = -EINVAL;
		goto out;
	}
	if (qp->cep) {
		rv = -EBUSY;
		goto out;
	}
	if (!qp->stats) {
		struct siw_stats *stats = kzalloc(sizeof(*stats), GFP_KERNEL);

		if (!stats) {
			rv = -ENOMEM;
			goto out;
		}
		/* Readers (netlink, hw_counters) may look at once. */
		smp_store_release(&qp->stats, stats);
	}
	rv = siw_rdq_alloc(&qp->orq, ord);
	if (rv)
		goto err_orq;
	rv = siw_rdq_alloc(&qp->irq, ird);
	if (rv)
		goto err_irq;

	qp->sock = sock;
	qp->cep = cep;
	qp->conn = *params;
	/* Never for a QP whose completions a stock provider reads. */
	qp->conn.ext = params->ext && siw_qp_ext_capable(qp);
	qp->ird = ird;
	qp->ord = ord;

	rv = siw_tx_init(qp);
	if (rv)
		goto err_tx;
	rv = siw_rx_init(qp);
	if (rv)
		goto err_rx;

	qp->tx_cpu = siw_tx_cpu_get();
	/* Before RTS: the process learns of the connection only after it. */
	if (qp->state_slot != SIW_QP_SLOT_NONE)
		WRITE_ONCE(qp->uctx->qp_state[qp->state_slot],
			   SIW_QPS_CONNECTED |
			   (qp->conn.ext ? SIW_QPS_EXT : 0));
	spin_lock_irq(&qp->sq_lock);
	old = qp->state;
	WRITE_ONCE(qp->state, SIW_QP_STATE_RTS);
	/*
	 * Work posted before the connection existed goes out now; none
	 * (the usual case) costs no TX thread wakeup. A kernel poster's
	 * SQE is in before this sq_lock section or it sees RTS after it; a
	 * process stores VALID, then (siw_qp_sq_posted(), after a full
	 * barrier) loads the state: with ours, one side sees the other.
	 */
	smp_mb();
	sqe = &qp->sendq[qp->sq_get & (qp->sq_size - 1)];
	pending = READ_ONCE(sqe->flags) & SIW_WQE_VALID;
	spin_unlock_irq(&qp->sq_lock);
	up_write(&qp->state_lock);
	trace_siw_qp_state(qp, old, SIW_QP_STATE_RTS);
	siw_nl_qp_state(qp);

	if (pending)
		siw_tx_kick(qp);
	return 0;

err_rx:
	siw_tx_fini(qp);
	qp->tx = NULL;
err_tx:
	qp->sock = NULL;
	qp->cep = NULL;
err_irq:
	siw_rdq_free(&qp->irq);
err_orq:
	siw_rdq_free(&qp->orq);
out:
	up_write(&qp->state_lock);
	return rv;
}

/*
 * ERROR entry from RX (softirq) or the TX thread: the state semaphore may
 * not be taken there, so a work item does it, holding a QP reference.
 */
static void siw_qp_error_work(struct work_struct *work)
{
	struct siw_qp *qp = container_of(work, struct siw_qp, error_work);
	bool fatal;

	/*
	 * Only an error found on the stream (siw_qp_terminate() went
	 * through TERMINATE) is a fatal event. The connection going away
	 * (siw_qp_llp_closed(): the peer's orderly close, a reset, a send
	 * error) reaches the ULP as iw_cm DISCONNECT/CLOSE, as in Linux
	 * siw; a fatal event there would have nvmet_rdma log "QP fatal
	 * error" at every host disconnect.
	 */
	down_write(&qp->state_lock);
	fatal = qp->state == SIW_QP_STATE_TERMINATE;
	siw_qp_set_state_locked(qp, SIW_QP_STATE_ERROR);
	up_write(&qp->state_lock);

	if (fatal)
		siw_qp_event(qp, IB_EVENT_QP_FATAL);
	siw_qp_put(qp);
}

static void siw_qp_error_async(struct siw_qp *qp)
{
	siw_qp_get(qp);
	if (!queue_work(siw_qp_wq, &qp->error_work))
		siw_qp_put(qp);
}

void siw_qp_llp_closed(struct siw_qp *qp)
{
	siw_qp_error_async(qp);
}

void siw_qp_terminate(struct siw_qp *qp, int cause, const void *hdr,
		      size_t hdr_len)
{
	enum siw_qp_state old;
	unsigned long flags;
	bool send;

	/*
	 * RX calls this from softirq, where the state semaphore cannot be
	 * taken: one Terminate per connection is decided under sq_lock.
	 */
	spin_lock_irqsave(&qp->sq_lock, flags);
	old = qp->state;
	send = old == SIW_QP_STATE_RTS || old == SIW_QP_STATE_CLOSING;
	if (send)
		WRITE_ONCE(qp->state, SIW_QP_STATE_TERMINATE);
	spin_unlock_irqrestore(&qp->sq_lock, flags);
	if (!send)
		return;
	trace_siw_qp_state(qp, old, SIW_QP_STATE_TERMINATE);
	siw_nl_qp_state(qp);

	siw_tx_terminate(qp, cause, hdr, hdr_len);
	siw_qp_error_async(qp);
}

static void siw_qp_free_ring(struct siw_qp *qp, void *ring, u64 key)
{
	/* A mapped ring belongs to its mmap entry until the last munmap. */
	if (key != SIW_INVAL_UOBJ_KEY)
		siw_mmap_remove(qp->uctx, key);
	else
		vfree(ring);
}

static void *siw_qp_alloc_ring(struct siw_qp *qp, u32 num, size_t elem)
{
	size_t len = (size_t)num * elem;

	return qp->user ? vmalloc_user(PAGE_ALIGN(len)) : vzalloc(len);
}

static int siw_qp_check_caps(struct siw_device *sdev,
			     struct ib_qp_init_attr *attr)
{
	struct ib_qp_cap *cap = &attr->cap;

	if (attr->qp_type != IB_QPT_RC)
		return -EOPNOTSUPP;
	if (attr->create_flags)
		return -EOPNOTSUPP;
	if (!attr->send_cq || !attr->recv_cq)
		return -EINVAL;
	if (cap->max_send_wr > SIW_MAX_QP_WR)
		return -EINVAL;
	/*
	 * With an SRQ the receive capabilities are the SRQ's. A QP that asks
	 * for no sends or no receives (qperf's receive-only servers and
	 * send-only clients) still gets the smallest ring: both providers
	 * map one.
	 */
	if (!attr->srq && cap->max_recv_wr > SIW_MAX_QP_WR)
		return -EINVAL;
	if (cap->max_send_sge > SIW_MAX_SGE || cap->max_recv_sge > SIW_MAX_SGE)
		return -EINVAL;
	if (cap->max_inline_data > SIW_MAX_INLINE)
		return -EINVAL;
	return 0;
}

/*
 * A process with the extended ABI learns from a byte of its context's
 * state page whether its QP may post RFC 7306 work. Beyond a page of
 * QPs there is no byte: the provider then posts and TX refuses.
 */
static int siw_qp_state_slot(struct siw_qp *qp, struct ib_udata *udata,
			     struct siw_uresp_create_qp_ext *uresp)
{
	int slot;

	uresp->state_slot = SIW_QP_SLOT_NONE;
	if (!qp->uctx->ext_abi)
		return 0;
	slot = ida_alloc_max(&qp->uctx->qp_slots, PAGE_SIZE - 1, GFP_KERNEL);
	if (slot == -ENOSPC)
		return 0;
	if (slot < 0)
		return slot;
	WRITE_ONCE(qp->uctx->qp_state[slot], 0);
	qp->state_slot = slot;
	uresp->state_slot = slot;
	return 0;
}

static void siw_qp_state_slot_free(struct siw_qp *qp)
{
	if (qp->state_slot == SIW_QP_SLOT_NONE)
		return;
	WRITE_ONCE(qp->uctx->qp_state[qp->state_slot], 0);
	ida_free(&qp->uctx->qp_slots, qp->state_slot);
	qp->state_slot = SIW_QP_SLOT_NONE;
}

static int siw_create_qp(struct ib_qp *base_qp, struct ib_qp_init_attr *attr,
			 struct ib_udata *udata)
{
	struct siw_device *sdev = to_siw_dev(base_qp->device);
	struct siw_qp *qp = to_siw_qp(base_qp);
	struct siw_uresp_create_qp_ext uresp = {};
	size_t len = sizeof(struct siw_uresp_create_qp);
	u32 id;
	int rv;

	/*
	 * The core allocates struct siw_qp from the 1 KiB kmalloc cache;
	 * Linux's siw needs the 2 KiB one. Counters live elsewhere (stats).
	 */
	BUILD_BUG_ON(sizeof(struct siw_qp) > 1024);

	rv = siw_qp_check_caps(sdev, attr);
	if (rv)
		return rv;
	if (siw_fault_alloc(sdev))
		return -ENOMEM;
	if (atomic_inc_return(&sdev->num.qp) > SIW_MAX_QP) {
		rv = -ENOMEM;
		goto err_count;
	}

	qp->sdev = sdev;
	qp->user = !!udata;
	qp->sq_key = SIW_INVAL_UOBJ_KEY;
	qp->rq_key = SIW_INVAL_UOBJ_KEY;
	qp->state_slot = SIW_QP_SLOT_NONE;
	qp->sq_sig_all = attr->sq_sig_type == IB_SIGNAL_ALL_WR;
	qp->state = SIW_QP_STATE_IDLE;
	qp->scq = to_siw_cq(attr->send_cq);
	qp->rcq = to_siw_cq(attr->recv_cq);
	refcount_set(&qp->refs, 1);
	init_completion(&qp->released);
	init_rwsem(&qp->state_lock);
	INIT_WORK(&qp->error_work, siw_qp_error_work);
	qp->tx_cpu = -1;
	spin_lock_init(&qp->sq_lock);
	spin_lock_init(&qp->rq_lock);

	qp->sq_size = roundup_pow_of_two(max(attr->cap.max_send_wr, 1U));
	qp->sendq = siw_qp_alloc_ring(qp, qp->sq_size, sizeof(struct siw_sqe));
	if (attr->srq) {
		qp->srq = to_siw_srq(attr->srq);
	} else {
		qp->rq_size = roundup_pow_of_two(max(attr->cap.max_recv_wr, 1U));
		qp->recvq = siw_qp_alloc_ring(qp, qp->rq_size,
					      sizeof(struct siw_rqe));
	}
	if (!qp->sendq || (!qp->srq && !qp->recvq)) {
		rv = -ENOMEM;
		goto err_rings;
	}

	/* Reserve the number now, publish the QP once nothing can fail. */
	rv = xa_alloc(&sdev->qp_xa, &id, NULL, xa_limit_32b, GFP_KERNEL);
	if (rv)
		goto err_rings;
	base_qp->qp_num = id;

	if (udata) {
		qp->uctx = rdma_udata_to_drv_context(udata, struct siw_ucontext,
						     base_ucontext);
		rv = siw_mmap_insert(qp->uctx, qp->sendq,
				     qp->sq_size * sizeof(struct siw_sqe),
				     &qp->sq_key);
		if (rv)
			goto err_id;
		rv = siw_mmap_insert(qp->uctx, qp->recvq,
				     qp->rq_size * sizeof(struct siw_rqe),
				     &qp->rq_key);
		if (rv)
			goto err_id;
		uresp.sq_key = qp->sq_key;
		/*
		 * With an SRQ there is no RQ to map, but stock libsiw refuses
		 * a QP whose rq_key is SIW_INVAL_UOBJ_KEY (it never maps it
		 * then): answer 0, as the in-tree driver does.
		 */
		uresp.rq_key = qp->srq ? 0 : qp->rq_key;
		uresp.qp_id = id;
		uresp.num_sqe = qp->sq_size;
		uresp.num_rqe = qp->rq_size;
		if (udata->outlen < len) {
			rv = -EINVAL;
			goto err_id;
		}
		rv = siw_qp_state_slot(qp, udata, &uresp);
		if (rv)
			goto err_id;
		if (qp->uctx->ext_abi)
			len = sizeof(uresp);
		rv = ib_copy_to_udata(udata, &uresp, len);
		if (rv)
			goto err_id;
	}

	attr->cap.max_send_wr = qp->sq_size;
	attr->cap.max_recv_wr = qp->rq_size;
	attr->cap.max_send_sge = SIW_MAX_SGE;
	attr->cap.max_recv_sge = SIW_MAX_SGE;
	attr->cap.max_inline_data = SIW_MAX_INLINE;
	xa_store(&sdev->qp_xa, id, qp, GFP_KERNEL);
	siw_live_inc(SIW_OBJ_QP);
	return 0;

err_id:
	siw_qp_state_slot_free(qp);
	xa_erase(&sdev->qp_xa, id);
err_rings:
	siw_qp_free_ring(qp, qp->sendq, qp->sq_key);
	siw_qp_free_ring(qp, qp->recvq, qp->rq_key);
err_count:
	atomic_dec(&sdev->num.qp);
	return rv;
}

static int siw_destroy_qp(struct ib_qp *base_qp, struct ib_udata *udata)
{
	struct siw_qp *qp = to_siw_qp(base_qp);
	struct siw_device *sdev = qp->sdev;
	enum siw_qp_state old;

	/*
	 * No flush completions here: they would name a QP that is about to
	 * be freed. Consumers drain (ib_drain_qp) before destroying.
	 */
	down_write(&qp->state_lock);
	spin_lock_irq(&qp->sq_lock);
	old = qp->state;
	WRITE_ONCE(qp->state, SIW_QP_STATE_ERROR);
	spin_unlock_irq(&qp->sq_lock);
	up_write(&qp->state_lock);
	/* Monitors see every QP end in ERROR, destroyed or not. */
	if (old != SIW_QP_STATE_ERROR) {
		trace_siw_qp_state(qp, old, SIW_QP_STATE_ERROR);
		siw_nl_qp_state(qp);
	}

	/* Lookups hold the xarray's lock: none can find the QP after this. */
	xa_erase(&sdev->qp_xa, siw_qp_id(qp));

	/* A consumer may destroy without disconnecting first. */
	if (qp->cep)
		siw_cm_close(qp->cep);

	/* Wait for every RX/TX/CM user before the rings go away. */
	siw_qp_put(qp);
	wait_for_completion(&qp->released);

	if (qp->tx)
		siw_tx_fini(qp);
	if (qp->rx)
		siw_rx_fini(qp);
	qp->tx = NULL;
	qp->rx = NULL;
	if (qp->cep)
		siw_cep_put(qp->cep);
	siw_rdq_free(&qp->orq);
	siw_rdq_free(&qp->irq);
	if (qp->tx_cpu >= 0)
		siw_tx_cpu_put(qp->tx_cpu);

	siw_qp_free_ring(qp, qp->sendq, qp->sq_key);
	siw_qp_free_ring(qp, qp->recvq, qp->rq_key);
	siw_qp_state_slot_free(qp);

	/* The device's totals keep what this QP moved. */
	if (qp->stats) {
		spin_lock_bh(&sdev->stats_lock);
		siw_stats_add_all(&sdev->retired, qp->stats);
		spin_unlock_bh(&sdev->stats_lock);
		kfree(qp->stats);
		qp->stats = NULL;
	}
	atomic_dec(&sdev->num.qp);
	siw_live_dec(SIW_OBJ_QP);
	return 0;
}

static const enum siw_qp_state siw_from_ib_state[] = {
	[IB_QPS_RESET] = SIW_QP_STATE_IDLE,
	[IB_QPS_INIT] = SIW_QP_STATE_IDLE,
	[IB_QPS_RTR] = SIW_QP_STATE_RTR,
	[IB_QPS_RTS] = SIW_QP_STATE_RTS,
	[IB_QPS_SQD] = SIW_QP_STATE_CLOSING,
	[IB_QPS_SQE] = SIW_QP_STATE_TERMINATE,
	[IB_QPS_ERR] = SIW_QP_STATE_ERROR,
};

static const enum ib_qp_state siw_to_ib_state[SIW_QP_STATE_COUNT] = {
	[SIW_QP_STATE_IDLE] = IB_QPS_INIT,
	[SIW_QP_STATE_RTR] = IB_QPS_RTR,
	[SIW_QP_STATE_RTS] = IB_QPS_RTS,
	[SIW_QP_STATE_CLOSING] = IB_QPS_SQD,
	[SIW_QP_STATE_TERMINATE] = IB_QPS_SQE,
	[SIW_QP_STATE_ERROR] = IB_QPS_ERR,
};

#define SIW_QP_MODIFY_MASK (IB_QP_STATE | IB_QP_CUR_STATE |		\
			    IB_QP_ACCESS_FLAGS | IB_QP_PKEY_INDEX |	\
			    IB_QP_PORT | IB_QP_MAX_QP_RD_ATOMIC |	\
			    IB_QP_MAX_DEST_RD_ATOMIC)

static int siw_modify_qp(struct ib_qp *base_qp, struct ib_qp_attr *attr,
			 int mask, struct ib_udata *udata)
{
	struct siw_qp *qp = to_siw_qp(base_qp);
	enum siw_qp_state new, old;
	struct siw_cep *cep;
	int rv = 0;

	if (mask & ~SIW_QP_MODIFY_MASK)
		return -EOPNOTSUPP;
	if (udata && udata->inlen &&
	    !ib_is_udata_cleared(udata, 0, udata->inlen))
		return -EOPNOTSUPP;
	if ((mask & IB_QP_STATE) && attr->qp_state > IB_QPS_ERR)
		return -EINVAL;
	if ((mask & IB_QP_MAX_QP_RD_ATOMIC) &&
	    attr->max_rd_atomic > SIW_MAX_ORD_QP)
		return -EINVAL;
	if ((mask & IB_QP_MAX_DEST_RD_ATOMIC) &&
	    attr->max_dest_rd_atomic > SIW_MAX_IRD_QP)
		return -EINVAL;
	if ((mask & IB_QP_ACCESS_FLAGS) &&
	    (attr->qp_access_flags & ~(IB_ACCESS_LOCAL_WRITE |
				       IB_ACCESS_REMOTE_WRITE |
				       IB_ACCESS_REMOTE_READ)))
		return -EOPNOTSUPP;

	down_write(&qp->state_lock);
	old = qp->state;
	/* The read queues were sized at connection time. */
	if (qp->cep && (mask & (IB_QP_MAX_QP_RD_ATOMIC |
				IB_QP_MAX_DEST_RD_ATOMIC))) {
		up_write(&qp->state_lock);
		return -EINVAL;
	}
	if (mask & IB_QP_ACCESS_FLAGS)
		qp->access = attr->qp_access_flags;
	if (mask & IB_QP_MAX_QP_RD_ATOMIC)
		qp->ord = attr->max_rd_atomic;
	if (mask & IB_QP_MAX_DEST_RD_ATOMIC)
		qp->ird = attr->max_dest_rd_atomic;

	if (mask & IB_QP_STATE) {
		new = siw_from_ib_state[attr->qp_state];
		/*
		 * RESET/INIT and RTR are bookkeeping for an unconnected QP;
		 * RTS is reached only through connection setup (iw_cm).
		 */
		if (attr->qp_state == IB_QPS_RTS && qp->state != new)
			rv = -EINVAL;
		else if (attr->qp_state == IB_QPS_RTR &&
			 qp->state == SIW_QP_STATE_IDLE)
			rv = 0;
		else if (new == SIW_QP_STATE_IDLE &&
			 qp->state == SIW_QP_STATE_IDLE)
			rv = 0;
		else if (new == SIW_QP_STATE_CLOSING &&
			 (qp->state == SIW_QP_STATE_TERMINATE ||
			  qp->state == SIW_QP_STATE_ERROR))
			/*
			 * A graceful close of a connection already going or
			 * gone (the peer closed first): nothing to do.
			 * librdmacm's rdma_disconnect() asks for SQD before
			 * it calls the CM and fails if this fails.
			 */
			rv = 0;
		else
			rv = siw_qp_set_state_locked(qp, new);
	}
	cep = siw_qp_leaves_rts(old, qp->state) ? qp->cep : NULL;
	up_write(&qp->state_lock);

	/* iw_cm's disconnect: SQD is graceful, ERR abortive; cm.c decides. */
	if (cep)
		siw_cm_close(cep);
	return rv;
}

static int siw_query_qp(struct ib_qp *base_qp, struct ib_qp_attr *attr,
			int mask, struct ib_qp_init_attr *init)
{
	struct siw_qp *qp = to_siw_qp(base_qp);
	struct net_device *netdev = qp->sdev->netdev;

	memset(attr, 0, sizeof(*attr));
	memset(init, 0, sizeof(*init));

	attr->qp_state = siw_to_ib_state[READ_ONCE(qp->state)];
	attr->cur_qp_state = attr->qp_state;
	attr->qp_access_flags = qp->access;
	attr->max_rd_atomic = qp->ord;
	attr->max_dest_rd_atomic = qp->ird;
	attr->path_mtu = ib_mtu_int_to_enum(READ_ONCE(netdev->mtu));
	attr->port_num = 1;
	attr->cap.max_send_wr = qp->sq_size;
	attr->cap.max_recv_wr = qp->rq_size;
	attr->cap.max_send_sge = SIW_MAX_SGE;
	attr->cap.max_recv_sge = SIW_MAX_SGE;
	attr->cap.max_inline_data = SIW_MAX_INLINE;

	init->qp_type = IB_QPT_RC;
	init->send_cq = base_qp->send_cq;
	init->recv_cq = base_qp->recv_cq;
	init->srq = base_qp->srq;
	init->cap = attr->cap;
	init->sq_sig_type = qp->sq_sig_all ? IB_SIGNAL_ALL_WR :
					     IB_SIGNAL_REQ_WR;
	return 0;
}

/*
 * New work on the SQ: a connected QP sends it, a QP in ERROR completes it
 * at once as flushed, an unconnected one keeps it for later. @process:
 * called from a process's doorbell, which may transmit by itself.
 */
static void siw_qp_sq_posted(struct siw_qp *qp, bool process)
{
	if (qp->user) {
		trace_siw_doorbell(qp);
		/* The process's VALID stores before the state: see siw_qp_connect(). */
		smp_mb();
	}
	switch (READ_ONCE(qp->state)) {
	case SIW_QP_STATE_RTS:
		if (!process || !siw_tx_direct(qp))
			siw_tx_kick(qp);
		break;
	case SIW_QP_STATE_ERROR:
		siw_sq_flush(qp);
		break;
	default:
		break;
	}
}

/*
 * Atomics (siw_abi_ext.h layout): sge[0] receives the original value,
 * the operands follow in the next slots' laddr.
 */
static int siw_sqe_atomic(const struct ib_send_wr *wr, struct siw_sqe *sqe)
{
	const struct ib_atomic_wr *awr = atomic_wr(wr);
	bool masked = wr->opcode == IB_WR_MASKED_ATOMIC_CMP_AND_SWP ||
		      wr->opcode == IB_WR_MASKED_ATOMIC_FETCH_AND_ADD;
	bool cas = wr->opcode == IB_WR_ATOMIC_CMP_AND_SWP ||
		   wr->opcode == IB_WR_MASKED_ATOMIC_CMP_AND_SWP;

	if (wr->num_sge != 1 || wr->sg_list[0].length != sizeof(u64) ||
	    (wr->send_flags & IB_SEND_INLINE))
		return -EINVAL;
	if (awr->remote_addr & (sizeof(u64) - 1))
		return -EINVAL;
	sqe->opcode = cas ? SIW_OP_COMP_AND_SWAP : SIW_OP_FETCH_AND_ADD;
	sqe->raddr = awr->remote_addr;
	sqe->rkey = awr->rkey;
	sqe->sge[SIW_SQE_ATOMIC_CMP_ADD].laddr = awr->compare_add;
	sqe->sge[SIW_SQE_ATOMIC_SWAP].laddr = awr->swap;
	if (masked) {
		sqe->sge[SIW_SQE_ATOMIC_CMP_ADD_MASK].laddr =
			awr->compare_add_mask;
		sqe->sge[SIW_SQE_ATOMIC_SWAP_MASK].laddr = awr->swap_mask;
	} else {
		sqe->sge[SIW_SQE_ATOMIC_CMP_ADD_MASK].laddr = cas ? ~0ULL : 0;
		sqe->sge[SIW_SQE_ATOMIC_SWAP_MASK].laddr = ~0ULL;
	}
	return 0;
}

/* Does this SQE need the RFC 7306 extensions on its connection? */
static bool siw_sqe_is_ext(u8 opcode)
{
	return opcode == SIW_OP_SEND_WITH_IMM ||
	       opcode == SIW_OP_WRITE_WITH_IMM ||
	       opcode == SIW_OP_FETCH_AND_ADD ||
	       opcode == SIW_OP_COMP_AND_SWAP;
}

/* Kernel QPs: translate one send WR into the SQE at @sqe. */
static int siw_sqe_from_wr(struct siw_qp *qp, const struct ib_send_wr *wr,
			   struct siw_sqe *sqe)
{
	u16 flags = SIW_WQE_VALID;
	int i;

	if (wr->num_sge < 0 || wr->num_sge > SIW_MAX_SGE)
		return -EINVAL;

	sqe->id = wr->wr_id;
	sqe->num_sge = wr->num_sge;

	switch (wr->opcode) {
	case IB_WR_RDMA_WRITE:
		sqe->opcode = SIW_OP_WRITE;
		sqe->raddr = rdma_wr(wr)->remote_addr;
		sqe->rkey = rdma_wr(wr)->rkey;
		break;
	case IB_WR_RDMA_READ:
		if (wr->num_sge > SIW_MAX_SGE_RD)
			return -EINVAL;
		sqe->opcode = SIW_OP_READ;
		sqe->raddr = rdma_wr(wr)->remote_addr;
		sqe->rkey = rdma_wr(wr)->rkey;
		break;
	case IB_WR_RDMA_READ_WITH_INV:
		/*
		 * rdma_rw's Read on iWARP: the sink STag, sge[0].lkey, is
		 * invalidated when the Read completes (as Linux siw does;
		 * rdma_rw sets ex.invalidate_rkey to that same key).
		 */
		if (wr->num_sge != 1)
			return -EINVAL;
		sqe->opcode = SIW_OP_READ_LOCAL_INV;
		sqe->raddr = rdma_wr(wr)->remote_addr;
		sqe->rkey = rdma_wr(wr)->rkey;
		break;
	case IB_WR_SEND:
		sqe->opcode = SIW_OP_SEND;
		break;
	case IB_WR_SEND_WITH_INV:
		sqe->opcode = SIW_OP_SEND_REMOTE_INV;
		sqe->rkey = wr->ex.invalidate_rkey;
		break;
	case IB_WR_SEND_WITH_IMM:
	case IB_WR_RDMA_WRITE_WITH_IMM:
		/* The last SGE slot holds the immediate value. */
		if (wr->num_sge > SIW_SQE_IMM_SGE)
			return -EINVAL;
		if (wr->opcode == IB_WR_SEND_WITH_IMM) {
			sqe->opcode = SIW_OP_SEND_WITH_IMM;
		} else {
			sqe->opcode = SIW_OP_WRITE_WITH_IMM;
			sqe->raddr = rdma_wr(wr)->remote_addr;
			sqe->rkey = rdma_wr(wr)->rkey;
		}
		sqe->sge[SIW_SQE_IMM_SGE].lkey = (__force u32)wr->ex.imm_data;
		break;
	case IB_WR_ATOMIC_CMP_AND_SWP:
	case IB_WR_ATOMIC_FETCH_AND_ADD:
	case IB_WR_MASKED_ATOMIC_CMP_AND_SWP:
	case IB_WR_MASKED_ATOMIC_FETCH_AND_ADD:
		if (siw_sqe_atomic(wr, sqe))
			return -EINVAL;
		break;
	case IB_WR_LOCAL_INV:
		sqe->opcode = SIW_OP_INVAL_STAG;
		sqe->rkey = wr->ex.invalidate_rkey;
		sqe->num_sge = 0;
		break;
	case IB_WR_REG_MR:
		sqe->opcode = SIW_OP_REG_MR;
		sqe->base_mr = (uintptr_t)reg_wr(wr)->mr;
		sqe->rkey = reg_wr(wr)->key;
		sqe->access = reg_wr(wr)->access;
		sqe->num_sge = 0;
		break;
	default:
		return -EINVAL;
	}

	if ((wr->send_flags & IB_SEND_INLINE) &&
	    sqe->opcode != SIW_OP_WRITE && sqe->opcode != SIW_OP_SEND &&
	    sqe->opcode != SIW_OP_SEND_REMOTE_INV &&
	    sqe->opcode != SIW_OP_SEND_WITH_IMM &&
	    sqe->opcode != SIW_OP_WRITE_WITH_IMM)
		return -EINVAL;

	if (wr->send_flags & IB_SEND_INLINE) {
		u8 *data = (u8 *)&sqe->sge[1];
		u32 bytes = 0, max = SIW_MAX_INLINE;

		if (sqe->opcode == SIW_OP_SEND_WITH_IMM ||
		    sqe->opcode == SIW_OP_WRITE_WITH_IMM)
			max = SIW_MAX_INLINE_IMM;
		for (i = 0; i < wr->num_sge; i++) {
			u32 len = wr->sg_list[i].length;

			if (len > max - bytes)
				return -EINVAL;
			memcpy(data + bytes,
			       (void *)(uintptr_t)wr->sg_list[i].addr, len);
			bytes += len;
		}
		sqe->sge[0].length = bytes;
		sqe->num_sge = bytes ? 1 : 0;
		flags |= SIW_WQE_INLINE;
	} else if (sqe->opcode != SIW_OP_REG_MR) {
		/* Atomics: their operands sit in the slots after sge[0]. */
		for (i = 0; i < wr->num_sge; i++) {
			sqe->sge[i].laddr = wr->sg_list[i].addr;
			sqe->sge[i].length = wr->sg_list[i].length;
			sqe->sge[i].lkey = wr->sg_list[i].lkey;
		}
	}

	if ((wr->send_flags & IB_SEND_SIGNALED) || qp->sq_sig_all)
		flags |= SIW_WQE_SIGNALLED;
	if (wr->send_flags & IB_SEND_SOLICITED)
		flags |= SIW_WQE_SOLICITED;
	if (wr->send_flags & IB_SEND_FENCE)
		flags |= SIW_WQE_READ_FENCE;

	/*
	 * Whether the peer takes RFC 7306 work is known once connected
	 * (conn is set before RTS, under sq_lock, which we hold): a local
	 * error now, never a Terminate from the peer.
	 */
	if (siw_sqe_is_ext(sqe->opcode) &&
	    (qp->state != SIW_QP_STATE_RTS || !qp->conn.ext))
		return -EOPNOTSUPP;

	/* Publish: the consumer sees VALID only after the contents. */
	smp_store_release(&sqe->flags, flags);
	return 0;
}

static int siw_post_send(struct ib_qp *base_qp, const struct ib_send_wr *wr,
			 const struct ib_send_wr **bad_wr)
{
	struct siw_qp *qp = to_siw_qp(base_qp);
	struct siw_sqe *sqe;
	unsigned long flags;
	int rv = 0;

	/* User QPs write their ring; this call is only their doorbell. */
	if (qp->user) {
		if (wr) {
			*bad_wr = wr;
			return -EINVAL;
		}
		siw_qp_sq_posted(qp, true);
		return 0;
	}

	spin_lock_irqsave(&qp->sq_lock, flags);
	for (; wr; wr = wr->next) {
		sqe = &qp->sendq[qp->sq_put & (qp->sq_size - 1)];
		if (qp->sq_put - qp->sq_get >= qp->sq_size) {
			rv = -ENOMEM;
			break;
		}
		rv = siw_sqe_from_wr(qp, wr, sqe);
		if (rv)
			break;

		trace_siw_wr_post(qp, wr->wr_id, sqe->opcode,
				  sqe->num_sge ? sqe->sge[0].length : 0);
		qp->sq_put++;
	}
	spin_unlock_irqrestore(&qp->sq_lock, flags);
	if (rv)
		*bad_wr = wr;

	siw_qp_sq_posted(qp, false);
	return rv;
}

/*
 * Fill a free RQE (RQ or SRQ) from a kernel consumer's WR and hand it to
 * the consumer side. The caller checked num_sge and holds the ring's lock.
 */
void siw_rqe_from_wr(struct siw_rqe *rqe, const struct ib_recv_wr *wr)
{
	int i;

	rqe->id = wr->wr_id;
	rqe->num_sge = wr->num_sge;
	for (i = 0; i < wr->num_sge; i++) {
		rqe->sge[i].laddr = wr->sg_list[i].addr;
		rqe->sge[i].length = wr->sg_list[i].length;
		rqe->sge[i].lkey = wr->sg_list[i].lkey;
	}
	/* Publish: the consumer sees VALID only after the contents. */
	smp_store_release(&rqe->flags, SIW_WQE_VALID);
}

static int siw_post_recv(struct ib_qp *base_qp, const struct ib_recv_wr *wr,
			 const struct ib_recv_wr **bad_wr)
{
	struct siw_qp *qp = to_siw_qp(base_qp);
	unsigned long flags;
	int rv = 0;

	/*
	 * User QPs post receives into their mapped ring, never here; a QP
	 * with an SRQ receives into buffers posted to the SRQ.
	 */
	if (qp->user || qp->srq) {
		*bad_wr = wr;
		return -EINVAL;
	}

	spin_lock_irqsave(&qp->rq_lock, flags);
	for (; wr; wr = wr->next) {
		if (qp->rq_put - qp->rq_get >= qp->rq_size) {
			rv = -ENOMEM;
			break;
		}
		if (wr->num_sge < 0 || wr->num_sge > SIW_MAX_SGE) {
			rv = -EINVAL;
			break;
		}
		siw_rqe_from_wr(&qp->recvq[qp->rq_put & (qp->rq_size - 1)], wr);
		qp->rq_put++;
	}
	spin_unlock_irqrestore(&qp->rq_lock, flags);
	if (rv)
		*bad_wr = wr;

	if (READ_ONCE(qp->state) == SIW_QP_STATE_ERROR)
		siw_rq_flush(qp);
	return rv;
}

static struct ib_qp *siw_iw_get_qp(struct ib_device *base_dev, int id)
{
	struct siw_qp *qp;

	if (id < 0)
		return NULL;
	/* iw_cm holds its own reference through iw_add_ref. */
	qp = siw_qp_get_by_id(to_siw_dev(base_dev), id);
	if (!qp)
		return NULL;
	siw_qp_put(qp);
	return &qp->base_qp;
}

static void siw_iw_add_ref(struct ib_qp *base_qp)
{
	siw_qp_get(to_siw_qp(base_qp));
}

static void siw_iw_rem_ref(struct ib_qp *base_qp)
{
	siw_qp_put(to_siw_qp(base_qp));
}

const struct ib_device_ops siw_qp_ops = {
	.create_qp = siw_create_qp,
	.destroy_qp = siw_destroy_qp,
	.modify_qp = siw_modify_qp,
	.query_qp = siw_query_qp,
	.post_send = siw_post_send,
	.post_recv = siw_post_recv,
	.iw_get_qp = siw_iw_get_qp,
	.iw_add_ref = siw_iw_add_ref,
	.iw_rem_ref = siw_iw_rem_ref,

	INIT_RDMA_OBJ_SIZE(ib_qp, siw_qp, base_qp),
};
