// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Completion queues: creation (kernel and user-mapped), the producer the
 * data path calls, kernel polling and arming. See cq.h for the ring.
 *
 * Arming lives in the siw_cq_ctrl word after the ring. Stock libsiw arms
 * a user CQ by storing SIW_NOTIFY_SOLICITED (solicited only) or
 * SIW_NOTIFY_SOLICITED | SIW_NOTIFY_NEXT_COMPLETION there without a
 * system call; req_notify_cq stores the same words for kernel consumers
 * (and for uverbs' own notify command). The producer disarms (stores
 * SIW_NOTIFY_NOT) when it fires the completion handler.
 */
#include <linux/atomic.h>
#include <linux/log2.h>
#include <linux/vmalloc.h>
#include <rdma/ib_verbs.h>
#include <rdma/uverbs_ioctl.h>

#include "siw.h"
#include "fault.h"
#include "compat.h"
#include "cq.h"
#include "trace.h"
#include "umap.h"

#define SIW_NOTIFY_ARMED_NEXT	SIW_NOTIFY_NEXT_COMPLETION
#define SIW_NOTIFY_ARMED_ANY	(SIW_NOTIFY_SOLICITED | \
				 SIW_NOTIFY_NEXT_COMPLETION)

static atomic_t siw_cq_last_id = ATOMIC_INIT(0);

static const enum ib_wc_opcode siw_wc_opcode[SIW_NUM_OPCODES_EXT] = {
	[SIW_OP_WRITE] = IB_WC_RDMA_WRITE,
	[SIW_OP_READ] = IB_WC_RDMA_READ,
	[SIW_OP_READ_LOCAL_INV] = IB_WC_RDMA_READ,
	[SIW_OP_SEND] = IB_WC_SEND,
	[SIW_OP_SEND_WITH_IMM] = IB_WC_SEND,
	[SIW_OP_SEND_REMOTE_INV] = IB_WC_SEND,
	[SIW_OP_FETCH_AND_ADD] = IB_WC_FETCH_ADD,
	[SIW_OP_COMP_AND_SWAP] = IB_WC_COMP_SWAP,
	[SIW_OP_RECEIVE] = IB_WC_RECV,
	[SIW_OP_READ_RESPONSE] = IB_WC_RDMA_READ,
	[SIW_OP_INVAL_STAG] = IB_WC_LOCAL_INV,
	[SIW_OP_REG_MR] = IB_WC_REG_MR,
	[SIW_OP_WRITE_WITH_IMM] = IB_WC_RDMA_WRITE,
	[SIW_OP_RECV_RDMA_WITH_IMM] = IB_WC_RECV_RDMA_WITH_IMM,
};

static const enum ib_wc_status siw_wc_status[SIW_NUM_WC_STATUS] = {
	[SIW_WC_SUCCESS] = IB_WC_SUCCESS,
	[SIW_WC_LOC_LEN_ERR] = IB_WC_LOC_LEN_ERR,
	[SIW_WC_LOC_PROT_ERR] = IB_WC_LOC_PROT_ERR,
	[SIW_WC_LOC_QP_OP_ERR] = IB_WC_LOC_QP_OP_ERR,
	[SIW_WC_WR_FLUSH_ERR] = IB_WC_WR_FLUSH_ERR,
	[SIW_WC_BAD_RESP_ERR] = IB_WC_BAD_RESP_ERR,
	[SIW_WC_LOC_ACCESS_ERR] = IB_WC_LOC_ACCESS_ERR,
	[SIW_WC_REM_ACCESS_ERR] = IB_WC_REM_ACCESS_ERR,
	[SIW_WC_REM_INV_REQ_ERR] = IB_WC_REM_INV_REQ_ERR,
	[SIW_WC_GENERAL_ERR] = IB_WC_GENERAL_ERR,
};

static inline u32 siw_cq_mask(const struct siw_cq *cq)
{
	return cq->num_cqe - 1;
}

static void siw_cq_event(struct siw_cq *cq, enum ib_event_type type)
{
	struct ib_cq *base_cq = &cq->base_cq;
	struct ib_event event;

	if (!base_cq->event_handler)
		return;
	event.device = base_cq->device;
	event.event = type;
	event.element.cq = base_cq;
	base_cq->event_handler(&event, base_cq->cq_context);
}

int siw_cq_add(struct siw_cq *cq, const struct siw_cqe *cqe, bool solicited)
{
	struct siw_cqe *slot;
	unsigned long irqflags;
	bool fire = false;
	u8 flags;
	u32 arm;

	if (unlikely(cqe->opcode >= SIW_NUM_OPCODES_EXT ||
		     cqe->status >= SIW_NUM_WC_STATUS))
		return -EINVAL;

	spin_lock_irqsave(&cq->lock, irqflags);

	/* Our own index; the consumer only tells us "slot free" by flags. */
	slot = &cq->queue[cq->cq_put & siw_cq_mask(cq)];
	if (unlikely(READ_ONCE(slot->flags) & SIW_WQE_VALID)) {
		bool report = !cq->overflowed;

		cq->overflowed = true;
		spin_unlock_irqrestore(&cq->lock, irqflags);
		if (report) {
			pr_warn_ratelimited("siw: %s: CQ %u overflow (%u entries)\n",
					    dev_name(&cq->base_cq.device->dev),
					    cq->id, cq->num_cqe);
			siw_cq_event(cq, IB_EVENT_CQ_ERR);
		}
		return -ENOSPC;
	}

	slot->id = cqe->id;
	slot->opcode = cqe->opcode;
	slot->status = cqe->status;
	slot->bytes = cqe->bytes;
	slot->imm_data = cqe->imm_data;	/* the whole union: imm or stag */
	flags = SIW_WQE_VALID |
		(cqe->flags & (SIW_WQE_REM_INVAL | SIW_WQE_IMM_DATA));
	if (siw_cq_is_user(cq)) {
		/* A process sees QP numbers, never kernel pointers. */
		slot->qp_id = cqe->base_qp ? cqe->base_qp->qp_num : 0;
	} else {
		slot->base_qp = cqe->base_qp;
	}
	trace_siw_cqe(cq->id, cqe->base_qp ? cqe->base_qp->qp_num : 0,
		      cqe->id, cqe->opcode, cqe->status, cqe->bytes);
	/* Publish the contents before the flag hands the slot over ... */
	smp_store_release(&slot->flags, flags);
	cq->cq_put++;

	/*
	 * ... and order that store before reading the arming word: a
	 * consumer that arms and then polls sees either this entry or
	 * our seeing its arm.
	 */
	smp_mb();
	arm = READ_ONCE(cq->notify->flags);
	if ((arm & SIW_NOTIFY_ARMED_NEXT) ||
	    (solicited && (arm & SIW_NOTIFY_SOLICITED))) {
		xchg(&cq->notify->flags, SIW_NOTIFY_NOT);
		fire = true;
	}
	spin_unlock_irqrestore(&cq->lock, irqflags);

	/* Outside the lock: handlers may poll or re-arm right away. */
	if (fire && cq->base_cq.comp_handler)
		cq->base_cq.comp_handler(&cq->base_cq, cq->base_cq.cq_context);
	return 0;
}

static void siw_wc_from_cqe(struct ib_wc *wc, const struct siw_cqe *cqe,
			    u8 flags)
{
	memset(wc, 0, sizeof(*wc));
	wc->wr_id = cqe->id;
	/* Kernel-private memory and checked in siw_cq_add(): bound anyway. */
	wc->opcode = siw_wc_opcode[cqe->opcode % SIW_NUM_OPCODES_EXT];
	wc->status = cqe->status < SIW_NUM_WC_STATUS ?
		siw_wc_status[cqe->status] : IB_WC_GENERAL_ERR;
	wc->byte_len = cqe->bytes;
	wc->qp = cqe->base_qp;
	if (flags & SIW_WQE_REM_INVAL) {
		wc->wc_flags |= IB_WC_WITH_INVALIDATE;
		wc->ex.invalidate_rkey = cqe->inval_stag;
	} else if (flags & SIW_WQE_IMM_DATA) {
		wc->wc_flags |= IB_WC_WITH_IMM;
		wc->ex.imm_data = (__force __be32)(u32)cqe->imm_data;
	}
}

/*
 * Kernel consumers only. A user CQ is polled in the process (libsiw);
 * its slots hold QP numbers that uverbs' poll command could not turn
 * into the QP pointer it needs, so that command gets -EOPNOTSUPP.
 */
static int siw_poll_cq(struct ib_cq *base_cq, int num_entries,
		       struct ib_wc *wc)
{
	struct siw_cq *cq = to_siw_cq(base_cq);
	unsigned long irqflags;
	int n;

	if (siw_cq_is_user(cq))
		return -EOPNOTSUPP;

	spin_lock_irqsave(&cq->lock, irqflags);
	for (n = 0; n < num_entries; n++) {
		struct siw_cqe *cqe = &cq->queue[cq->cq_get & siw_cq_mask(cq)];
		u8 flags = READ_ONCE(cqe->flags);

		if (!(flags & SIW_WQE_VALID))
			break;
		siw_wc_from_cqe(&wc[n], cqe, flags);
		WRITE_ONCE(cqe->flags, 0);
		cq->cq_get++;
	}
	spin_unlock_irqrestore(&cq->lock, irqflags);
	return n;
}

static int siw_req_notify_cq(struct ib_cq *base_cq,
			     enum ib_cq_notify_flags flags)
{
	struct siw_cq *cq = to_siw_cq(base_cq);
	unsigned long irqflags;
	u32 arm = SIW_NOTIFY_ARMED_ANY;
	int rv = 0;

	if ((flags & IB_CQ_SOLICITED_MASK) == IB_CQ_SOLICITED)
		arm = SIW_NOTIFY_SOLICITED;

	/* Under the producer's lock: no completion slips between the two. */
	spin_lock_irqsave(&cq->lock, irqflags);
	WRITE_ONCE(cq->notify->flags, arm);
	if ((flags & IB_CQ_REPORT_MISSED_EVENTS) && !siw_cq_is_user(cq)) {
		struct siw_cqe *cqe = &cq->queue[cq->cq_get & siw_cq_mask(cq)];

		rv = !!(READ_ONCE(cqe->flags) & SIW_WQE_VALID);
	}
	spin_unlock_irqrestore(&cq->lock, irqflags);
	return rv;
}

static int siw_create_cq(struct ib_cq *base_cq,
			 const struct ib_cq_init_attr *attr,
			 SIW_CREATE_CQ_UARG)
{
	struct ib_udata *udata = siw_create_cq_udata(attrs);
	struct siw_device *sdev = to_siw_dev(base_cq->device);
	struct siw_cq *cq = to_siw_cq(base_cq);
	struct siw_uresp_create_cq uresp = {};
	struct siw_ucontext *uctx = NULL;
	size_t size;
	u32 num_cqe;
	int rv;

	if (attr->flags)
		return -EOPNOTSUPP;
	if (attr->cqe < 1 || attr->cqe > SIW_MAX_CQE)
		return -EINVAL;
	if (attr->comp_vector >= base_cq->device->num_comp_vectors)
		return -EINVAL;
	if (udata) {
		uctx = rdma_udata_to_drv_context(udata, struct siw_ucontext,
						 base_ucontext);
		if (!uctx || udata->outlen < sizeof(uresp))
			return -EINVAL;
	}

	if (siw_fault_alloc(sdev))
		return -ENOMEM;
	if (atomic_inc_return(&sdev->num.cq) > SIW_MAX_CQ) {
		rv = -ENOMEM;
		goto err_count;
	}

	num_cqe = roundup_pow_of_two(attr->cqe);
	size = array_size(num_cqe, sizeof(struct siw_cqe)) +
	       sizeof(struct siw_cq_ctrl);

	spin_lock_init(&cq->lock);
	cq->id = (u32)atomic_inc_return(&siw_cq_last_id);
	cq->key = SIW_INVAL_UOBJ_KEY;
	cq->num_cqe = num_cqe;
	cq->queue = uctx ? vmalloc_user(size) : vzalloc(size);
	if (!cq->queue) {
		rv = -ENOMEM;
		goto err_count;
	}
	cq->notify = (struct siw_cq_ctrl *)&cq->queue[num_cqe];
	base_cq->cqe = num_cqe;

	if (uctx) {
		rv = siw_mmap_insert(uctx, cq->queue, size, &cq->key);
		if (rv)
			goto err_free;
		/* From here on the mapping entry owns the ring. */
		cq->uctx = uctx;
		uresp.cq_id = cq->id;
		uresp.num_cqe = num_cqe;
		uresp.cq_key = cq->key;
		rv = ib_copy_to_udata(udata, &uresp, sizeof(uresp));
		if (rv) {
			siw_mmap_remove(uctx, cq->key);
			goto err_count;
		}
	}
	siw_live_inc(SIW_OBJ_CQ);
	return 0;

err_free:
	vfree(cq->queue);
err_count:
	cq->queue = NULL;
	atomic_dec(&sdev->num.cq);
	return rv;
}

static int siw_destroy_cq(struct ib_cq *base_cq, struct ib_udata *udata)
{
	struct siw_cq *cq = to_siw_cq(base_cq);

	if (siw_cq_is_user(cq))
		siw_mmap_remove(cq->uctx, cq->key);
	else
		vfree(cq->queue);
	cq->queue = NULL;
	cq->notify = NULL;
	atomic_dec(&to_siw_dev(base_cq->device)->num.cq);
	siw_live_dec(SIW_OBJ_CQ);
	return 0;
}

const struct ib_device_ops siw_cq_ops = {
	.create_cq = siw_create_cq,
	.destroy_cq = siw_destroy_cq,
	.poll_cq = siw_poll_cq,
	.req_notify_cq = siw_req_notify_cq,

	INIT_RDMA_OBJ_SIZE(ib_cq, siw_cq, base_cq),
};
