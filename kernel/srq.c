// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Shared receive queues: create, destroy, modify/query (the limit
 * event), kernel posting, and the consumer side QPs take buffers from.
 */
#include <linux/log2.h>
#include <linux/overflow.h>
#include <linux/vmalloc.h>
#include <rdma/ib_verbs.h>
#include <rdma/uverbs_ioctl.h>

#include "siw.h"
#include "fault.h"
#include "srq.h"
#include "qp.h"
#include "umap.h"

static bool siw_srq_is_user(const struct siw_srq *srq)
{
	return srq->uctx;
}

static struct siw_rqe *siw_srq_slot(struct siw_srq *srq, u32 idx)
{
	return &srq->recvq[idx & (srq->size - 1)];
}

/*
 * Fewer than @limit entries posted? A kernel SRQ knows its fill level; for
 * a user SRQ the process fills slots in order, so the entries from get
 * onwards are valid up to the first free one.
 */
static bool siw_srq_below(struct siw_srq *srq, u32 limit)
{
	struct siw_rqe *last;

	if (!siw_srq_is_user(srq))
		return srq->put - srq->get < limit;
	last = siw_srq_slot(srq, srq->get + limit - 1);
	/* Acquire: pairs with the producer's release of VALID. */
	return !(smp_load_acquire(&last->flags) & SIW_WQE_VALID);
}

bool siw_srq_take(struct siw_srq *srq, struct siw_rqe *rqe,
		  bool *limit_event)
{
	struct siw_rqe *slot;
	unsigned long flags;
	bool got = false;
	u16 f;

	*limit_event = false;
	spin_lock_irqsave(&srq->lock, flags);
	slot = siw_srq_slot(srq, srq->get);
	/* Acquire: the contents only after VALID. */
	f = smp_load_acquire(&slot->flags);
	if (f & SIW_WQE_VALID) {
		memcpy(rqe, slot, sizeof(*rqe));
		rqe->flags = f;
		/* Release: our copy is taken before the producer reuses it. */
		smp_store_release(&slot->flags, 0);
		srq->get++;
		got = true;
		if (srq->armed && siw_srq_below(srq, srq->limit)) {
			srq->armed = false;
			*limit_event = true;
		}
	}
	spin_unlock_irqrestore(&srq->lock, flags);
	return got;
}

void siw_srq_limit_event(struct siw_srq *srq)
{
	struct ib_event event = {
		.device = srq->base_srq.device,
		.element.srq = &srq->base_srq,
		.event = IB_EVENT_SRQ_LIMIT_REACHED,
	};

	if (srq->base_srq.event_handler)
		srq->base_srq.event_handler(&event, srq->base_srq.srq_context);
}

static int siw_create_srq(struct ib_srq *base_srq,
			  struct ib_srq_init_attr *init_attr,
			  struct ib_udata *udata)
{
	struct siw_device *sdev = to_siw_dev(base_srq->device);
	struct siw_srq *srq = to_siw_srq(base_srq);
	struct ib_srq_attr *attr = &init_attr->attr;
	struct siw_uresp_create_srq uresp = {};
	size_t len;
	int rv;

	if (init_attr->srq_type != IB_SRQT_BASIC)
		return -EOPNOTSUPP;
	if (!attr->max_wr || attr->max_wr > SIW_MAX_SRQ_WR ||
	    attr->max_sge > SIW_MAX_SGE || attr->srq_limit > attr->max_wr)
		return -EINVAL;
	if (udata && udata->outlen < sizeof(uresp))
		return -EINVAL;
	if (siw_fault_alloc(sdev))
		return -ENOMEM;
	if (atomic_inc_return(&sdev->num.srq) > SIW_MAX_SRQ) {
		rv = -ENOMEM;
		goto err_count;
	}

	spin_lock_init(&srq->lock);
	srq->key = SIW_INVAL_UOBJ_KEY;
	srq->size = roundup_pow_of_two(attr->max_wr);
	srq->limit = attr->srq_limit;
	srq->armed = srq->limit != 0;
	len = array_size(srq->size, sizeof(struct siw_rqe));
	if (udata) {
		srq->uctx = rdma_udata_to_drv_context(udata, struct siw_ucontext,
						      base_ucontext);
		srq->recvq = vmalloc_user(PAGE_ALIGN(len));
	} else {
		srq->recvq = vzalloc(len);
	}
	if (!srq->recvq) {
		rv = -ENOMEM;
		goto err_count;
	}

	if (udata) {
		rv = siw_mmap_insert(srq->uctx, srq->recvq, len, &srq->key);
		if (rv)
			goto err_ring;
		uresp.num_rqe = srq->size;
		uresp.srq_key = srq->key;
		rv = ib_copy_to_udata(udata, &uresp, sizeof(uresp));
		if (rv)
			goto err_ring;
	}
	attr->max_wr = srq->size;
	attr->max_sge = SIW_MAX_SGE;
	siw_live_inc(SIW_OBJ_SRQ);
	return 0;

err_ring:
	if (srq->key != SIW_INVAL_UOBJ_KEY)
		siw_mmap_remove(srq->uctx, srq->key);
	else
		vfree(srq->recvq);
err_count:
	atomic_dec(&sdev->num.srq);
	return rv;
}

/* The core destroys an SRQ only once no QP uses it. */
static int siw_destroy_srq(struct ib_srq *base_srq, struct ib_udata *udata)
{
	struct siw_srq *srq = to_siw_srq(base_srq);

	if (srq->key != SIW_INVAL_UOBJ_KEY)
		siw_mmap_remove(srq->uctx, srq->key);
	else
		vfree(srq->recvq);
	atomic_dec(&to_siw_dev(base_srq->device)->num.srq);
	siw_live_dec(SIW_OBJ_SRQ);
	return 0;
}

/*
 * Only the limit can change: the ring is mapped into the process at its
 * creation size, so IB_SRQ_MAX_WR (resize) is refused.
 */
static int siw_modify_srq(struct ib_srq *base_srq, struct ib_srq_attr *attr,
			  enum ib_srq_attr_mask mask, struct ib_udata *udata)
{
	struct siw_srq *srq = to_siw_srq(base_srq);
	unsigned long flags;
	int rv = 0;

	if (mask & ~IB_SRQ_LIMIT)
		return -EOPNOTSUPP;
	if (!(mask & IB_SRQ_LIMIT))
		return 0;

	spin_lock_irqsave(&srq->lock, flags);
	if (attr->srq_limit > srq->size) {
		rv = -EINVAL;
	} else {
		srq->limit = attr->srq_limit;
		srq->armed = srq->limit != 0;
	}
	spin_unlock_irqrestore(&srq->lock, flags);
	return rv;
}

static int siw_query_srq(struct ib_srq *base_srq, struct ib_srq_attr *attr)
{
	struct siw_srq *srq = to_siw_srq(base_srq);
	unsigned long flags;

	spin_lock_irqsave(&srq->lock, flags);
	attr->max_wr = srq->size;
	attr->max_sge = SIW_MAX_SGE;
	attr->srq_limit = srq->armed ? srq->limit : 0;
	spin_unlock_irqrestore(&srq->lock, flags);
	return 0;
}

static int siw_post_srq_recv(struct ib_srq *base_srq,
			     const struct ib_recv_wr *wr,
			     const struct ib_recv_wr **bad_wr)
{
	struct siw_srq *srq = to_siw_srq(base_srq);
	struct siw_rqe *rqe;
	unsigned long flags;
	int rv = 0;

	/* User SRQs are filled through their mapped ring, never here. */
	if (siw_srq_is_user(srq)) {
		*bad_wr = wr;
		return -EINVAL;
	}

	spin_lock_irqsave(&srq->lock, flags);
	for (; wr; wr = wr->next) {
		if (wr->num_sge < 0 || wr->num_sge > SIW_MAX_SGE) {
			rv = -EINVAL;
			break;
		}
		rqe = siw_srq_slot(srq, srq->put);
		if (srq->put - srq->get >= srq->size ||
		    (READ_ONCE(rqe->flags) & SIW_WQE_VALID)) {
			rv = -ENOMEM;
			break;
		}
		siw_rqe_from_wr(rqe, wr);
		srq->put++;
	}
	spin_unlock_irqrestore(&srq->lock, flags);
	if (rv)
		*bad_wr = wr;
	return rv;
}

const struct ib_device_ops siw_srq_ops = {
	.create_srq = siw_create_srq,
	.destroy_srq = siw_destroy_srq,
	.modify_srq = siw_modify_srq,
	.query_srq = siw_query_srq,
	.post_srq_recv = siw_post_srq_recv,

	INIT_RDMA_OBJ_SIZE(ib_srq, siw_srq, base_srq),
};
