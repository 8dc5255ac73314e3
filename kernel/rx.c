// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The RX engine: sk_data_ready runs tcp_read_sock() with an actor that
 * feeds every received byte through a per-QP state machine, in softirq
 * (or in process context under lock_sock(), when TCP works off its
 * backlog), always serialized by the socket lock:
 *
 *   marker layer   strips MPA markers wherever they fall and checks their
 *                  FPDUPTR (when the peer inserts markers),
 *   FPDU layer     ULPDU_Length and DDP/RDMAP header (parsed by proto/),
 *                  payload, pad, CRC (checked when negotiated),
 *   placement      payload straight from the skb into the target pages
 *                  (receive SGEs, Write target, Read Response sink).
 *
 * Completions and everything a segment's header asks for beyond placing
 * data (Read Request queueing, invalidation, Terminate) wait for the
 * CRC of its FPDU. Every protocol violation ends in siw_qp_terminate();
 * after that the rest of the stream is dropped. Nothing here allocates
 * or sleeps. See Documentation/datapath.md.
 */
#include <linux/highmem.h>
#include <linux/kernel.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "siw.h"
#include "qp.h"
#include "cm.h"
#include "mem.h"
#include "fault.h"
#include "rx.h"
#include "netlink.h"
#include "trace.h"
#include "proto/iwarp.h"

enum siw_rx_state {
	SIW_RX_HDR,		/* ULPDU_Length and the DDP/RDMAP header */
	SIW_RX_PAYLOAD,
	SIW_RX_TRAILER,		/* pad and CRC, in one copy */
};

/* Room for the longest ULPDU kept whole: a Terminate, an Atomic Request. */
#define SIW_RX_HDR_MAX	(SIW_MPA_LEN_SIZE + SIW_DDP_UNTAGGED_HDR_LEN + \
			 SIW_TERM_CTRL_LEN + SIW_TERM_MAX_EXTRA)
static_assert(SIW_MPA_LEN_SIZE + SIW_DDP_UNTAGGED_HDR_LEN +
	      SIW_ATOMIC_REQ_LEN <= SIW_RX_HDR_MAX);
/*
 * Every header is at least a tagged DDP header long: take that much
 * first, and a tagged one (Write, Read Response) is whole after one copy
 * and one parse. Its control bytes tell the rest for untagged ones.
 */
#define SIW_RX_HDR_MIN	(SIW_MPA_LEN_SIZE + SIW_DDP_TAGGED_HDR_LEN)

/* Where payload goes: what is left of the current span, then the rest. */
struct siw_rx_sink {
	struct siw_mem_iter it;
	struct siw_mem_span span;
};

struct siw_rx_ctx {
	void (*saved_data_ready)(struct sock *sk);
	void (*saved_write_space)(struct sock *sk);
	bool attached;
	bool dead;			/* stream given up after an error */
	bool eof;

	/* Marker layer */
	u32 stream_off;			/* wire bytes since the first FPDU */
	u8 marker[SIW_MPA_MARKER_SIZE];

	/* FPDU layer */
	enum siw_rx_state state;
	u32 crc;			/* running CRC32c of the FPDU */
	u32 fpdu_start;			/* stream offset of ULPDU_Length */
	u8 hdr[SIW_RX_HDR_MAX];		/* ULPDU_Length + header (+ body) */
	u32 have;
	u32 need;
	struct siw_iwarp_hdr h;
	u32 left;			/* payload bytes still due */
	u8 trailer[3 + SIW_MPA_CRC_SIZE];	/* pad bytes, then the CRC */
	u32 trailer_have;
	u32 trailer_need;
	u32 msn[SIW_QN_COUNT];		/* next expected MSN per queue */

	/* Placement target of the current segment: snd or tag */
	struct siw_rx_sink *sink;
	struct siw_rx_sink tag;		/* this tagged segment */
	struct siw_mem *tmem;		/* its target MR */

	/* The untagged Send in progress */
	bool snd_active;
	struct siw_rqe rqe;		/* private copy: never reread */
	u32 rq_token;			/* from siw_qp_take_rqe() */
	u64 snd_buflen;
	u32 snd_placed;
	int snd_sge;			/* SGE snd walks */
	struct siw_mem *snd_mem[SIW_MAX_SGE];
	struct siw_rx_sink snd;		/* goes on across segments */

	/*
	 * RFC 7306: a Send whose Immediate Data message is still due keeps
	 * its RQE here (Send with Immediate completes once); Write payload
	 * since the last Immediate Data is a Write with Immediate's length.
	 */
	bool imm_held;
	u32 held_bytes;
	u32 write_bytes;

	u32 msg_bytes;			/* of the Send or Write in progress */

	/* The Read Response in progress */
	bool rr_active;
	struct siw_sqe rr;		/* the READ, copied from the ORQ */
	u32 rr_idx;
	u32 rr_placed;
};

static struct siw_pd *siw_rx_pd(struct siw_qp *qp)
{
	return to_siw_pd(qp->base_qp.pd);
}

int siw_mem_err_cause(int err, bool rdmap, u64 to, u64 len)
{
	switch (err) {
	case -EPERM:
		return rdmap ? SIW_ERR_RDMAP_STAG_NOT_ASSOC :
			       SIW_ERR_STAG_NOT_ASSOC;
	case -EACCES:
		return SIW_ERR_ACCESS;
	case -ERANGE:
		if (to + len < to)
			return rdmap ? SIW_ERR_RDMAP_TO_WRAP : SIW_ERR_TO_WRAP;
		return rdmap ? SIW_ERR_RDMAP_BASE_BOUNDS : SIW_ERR_BASE_BOUNDS;
	default:	/* -ENOENT, -EKEYREJECTED, -ESTALE */
		return rdmap ? SIW_ERR_RDMAP_STAG_INVALID :
			       SIW_ERR_STAG_INVALID;
	}
}

u16 siw_rx_term_seg_len(const struct siw_qp *qp, const void *hdr)
{
	const struct siw_rx_ctx *rx = qp->rx;

	if (!rx || hdr != rx->hdr + SIW_MPA_LEN_SIZE)
		return 0;
	return rx->h.payload_len;
}

static void siw_rx_put_target(struct siw_rx_ctx *rx)
{
	if (rx->tmem) {
		siw_mem_put(rx->tmem);
		rx->tmem = NULL;
	}
	rx->tag.span.len = 0;
	rx->tag.it.left = 0;
}

static void siw_rx_put_send(struct siw_rx_ctx *rx)
{
	int i;

	for (i = 0; i < SIW_MAX_SGE; i++) {
		if (rx->snd_mem[i]) {
			siw_mem_put(rx->snd_mem[i]);
			rx->snd_mem[i] = NULL;
		}
	}
	rx->snd_active = false;
}

static void siw_rx_release(struct siw_rx_ctx *rx)
{
	siw_rx_put_target(rx);
	siw_rx_put_send(rx);
	rx->rr_active = false;
}

/*
 * Give up the stream: the peer broke the protocol (or we cannot go on).
 * The Terminate quotes the header as far as it was read.
 */
static void siw_rx_fail(struct siw_qp *qp, struct siw_rx_ctx *rx, int cause)
{
	u32 hl = rx->have > SIW_MPA_LEN_SIZE ? rx->have - SIW_MPA_LEN_SIZE : 0;

	pr_debug("siw: QP %u: RX: %s (%s)\n", siw_qp_id(qp),
		 siw_err_name(cause), siw_rdmap_opcode_name(rx->h.opcode));
	rx->dead = true;
	siw_qp_terminate(qp, cause, rx->hdr + SIW_MPA_LEN_SIZE,
			 min_t(u32, hl, SIW_DDP_UNTAGGED_HDR_LEN +
				       SIW_RREQ_HDR_LEN));
	siw_rx_release(rx);
}

/* Complete the Send's RQE (siw_qp_rqe_done() skips it if flushed). */
static void siw_rx_rqe_done(struct siw_qp *qp, struct siw_rx_ctx *rx,
			    u32 bytes, u32 inval_stag, bool se, u16 status)
{
	siw_rx_put_send(rx);
	siw_qp_rqe_done(qp, rx->rq_token, &rx->rqe, bytes, inval_stag, se,
			status);
}

/*
 * Check the RQE copy and take its SGEs for local write. 0, or the
 * SIW_WC_* status the RQE completes with.
 */
static u16 siw_rx_setup_rqe(struct siw_qp *qp, struct siw_rx_ctx *rx)
{
	const struct siw_sge *sge;
	struct siw_mem *mem;
	u64 sum = 0;
	int i;

	if (rx->rqe.num_sge > SIW_MAX_SGE)
		return SIW_WC_LOC_QP_OP_ERR;
	for (i = 0; i < rx->rqe.num_sge; i++) {
		sge = &rx->rqe.sge[i];
		sum += sge->length;
		if (!sge->length)
			continue;
		mem = siw_mem_get(qp->sdev, sge->lkey);
		if (siw_mem_check(mem, siw_rx_pd(qp), sge->lkey,
				  IB_ACCESS_LOCAL_WRITE, sge->laddr,
				  sge->length)) {
			if (mem)
				siw_mem_put(mem);
			return SIW_WC_LOC_PROT_ERR;
		}
		rx->snd_mem[i] = mem;
	}
	rx->snd_buflen = sum;
	return 0;
}

/* Point the iterator at the next non-empty SGE of the RQE. */
static int siw_rx_next_sge(struct siw_rx_ctx *rx)
{
	const struct siw_sge *sge;

	while (++rx->snd_sge < rx->rqe.num_sge) {
		sge = &rx->rqe.sge[rx->snd_sge];
		if (!sge->length)
			continue;
		siw_mem_iter_init(&rx->snd.it, rx->snd_mem[rx->snd_sge],
				  sge->laddr, sge->length);
		return 0;
	}
	return -EFAULT;
}

static int siw_rx_begin_send(struct siw_qp *qp, struct siw_rx_ctx *rx)
{
	const struct siw_iwarp_hdr *h = &rx->h;
	u32 buflen;
	u16 status;
	int rv;

	/* Only the Immediate Data message may follow a Send asking for it. */
	if (rx->imm_held)
		return SIW_ERR_OPCODE;
	if (!rx->snd_active) {
		bool buf = siw_qp_take_rqe(qp, &rx->rqe, &rx->rq_token);

		rv = siw_ddp_check_msn(h->msn, rx->msn[SIW_QN_SEND], buf);
		if (rv)
			return rv;
		if (h->mo)
			return SIW_ERR_MO;
		status = siw_rx_setup_rqe(qp, rx);
		if (status) {
			siw_rx_rqe_done(qp, rx, 0, 0, false, status);
			return SIW_ERR_DDP_LOCAL;
		}
		rx->snd_active = true;
		rx->snd_placed = 0;
		rx->snd_sge = -1;
		rx->snd.it.left = 0;
		rx->snd.span.len = 0;
	} else {
		if (h->msn != rx->msn[SIW_QN_SEND])
			return siw_ddp_check_msn(h->msn,
						 rx->msn[SIW_QN_SEND], 1) ?:
			       SIW_ERR_MSN_RANGE;
		if (h->mo != rx->snd_placed)
			return SIW_ERR_MO;
	}
	buflen = min_t(u64, rx->snd_buflen, U32_MAX);
	rv = siw_ddp_check_mo(h->mo, h->payload_len, buflen);
	if (rv) {
		if (rv == SIW_ERR_MSG_TOO_BIG)
			siw_rx_rqe_done(qp, rx, 0, 0, false,
					SIW_WC_LOC_LEN_ERR);
		return rv;
	}
	/* Placement goes on where the last segment ended. */
	rx->sink = &rx->snd;
	return 0;
}

/* The Immediate Data message (RFC 7306) has passed its CRC. */
static void siw_rx_end_imm(struct siw_qp *qp, struct siw_rx_ctx *rx)
{
	const struct siw_iwarp_hdr *h = &rx->h;
	bool se = h->opcode == SIW_RDMAP_OP_IMM_DATA_SE;
	__be32 imm = cpu_to_be32((u32)h->imm);

	rx->msn[SIW_QN_SEND]++;
	if (rx->imm_held) {
		/* Send with Immediate: the Send's receive completes now. */
		rx->imm_held = false;
		siw_qp_rqe_done_imm(qp, rx->rq_token, &rx->rqe, SIW_OP_RECEIVE,
				    rx->held_bytes, imm, se);
		return;
	}
	/* Write with Immediate: it consumed a receive of its own. */
	siw_rx_put_send(rx);
	siw_qp_rqe_done_imm(qp, rx->rq_token, &rx->rqe,
			    SIW_OP_RECV_RDMA_WITH_IMM, rx->write_bytes, imm, se);
	rx->write_bytes = 0;
}

static int siw_rx_begin_imm(struct siw_qp *qp, struct siw_rx_ctx *rx)
{
	const struct siw_iwarp_hdr *h = &rx->h;
	bool buf;

	if (rx->imm_held) {
		/* It belongs to the Send before it: no receive of its own. */
		return siw_ddp_check_msn(h->msn, rx->msn[SIW_QN_SEND], 1);
	}
	buf = siw_qp_take_rqe(qp, &rx->rqe, &rx->rq_token);
	return siw_ddp_check_msn(h->msn, rx->msn[SIW_QN_SEND], buf);
}

static void siw_rx_end_send(struct siw_qp *qp, struct siw_rx_ctx *rx)
{
	const struct siw_iwarp_hdr *h = &rx->h;
	const struct siw_opcode_info *oi = siw_rdmap_opcode_info(h->opcode);
	u16 status = SIW_WC_SUCCESS;
	u32 inval = 0;
	int rv;

	rx->snd_placed += h->payload_len;
	if (!h->last)
		return;
	rx->msn[SIW_QN_SEND]++;
	if (oi->flags & SIW_OPF_INVAL) {
		rv = siw_mem_invalidate(qp->sdev, siw_rx_pd(qp), h->inval_stag);
		if (rv)
			status = SIW_WC_REM_INV_REQ_ERR;
		else
			inval = h->inval_stag;
	}
	if (h->imm_next && !status && !inval) {
		/* Send with Immediate: complete once its value is in. */
		siw_rx_put_send(rx);
		rx->imm_held = true;
		rx->held_bytes = rx->snd_placed;
		return;
	}
	siw_rx_rqe_done(qp, rx, rx->snd_placed, inval,
			oi->flags & SIW_OPF_SE, status);
	if (status)
		siw_rx_fail(qp, rx, SIW_ERR_INVALIDATE_PROT);
}

/* Take the tagged target @stag for [to, to + len) with @perms. */
static int siw_rx_get_target(struct siw_qp *qp, struct siw_rx_ctx *rx,
			     u32 stag, u64 to, u32 len, int perms)
{
	int rv;

	rx->tmem = siw_mem_get(qp->sdev, stag);
	rv = siw_mem_check(rx->tmem, siw_rx_pd(qp), stag, perms, to, len);
	if (rv)
		return siw_mem_err_cause(rv, false, to, len);
	siw_mem_iter_init(&rx->tag.it, rx->tmem, to, len);
	rx->tag.span.len = 0;
	rx->sink = &rx->tag;
	return 0;
}

static int siw_rx_begin_write(struct siw_qp *qp, struct siw_rx_ctx *rx)
{
	const struct siw_iwarp_hdr *h = &rx->h;

	/* A zero length Write (an RFC 6581 RTR) places nothing: as Linux siw. */
	if (!h->payload_len)
		return 0;
	return siw_rx_get_target(qp, rx, h->stag, h->to, h->payload_len,
				 IB_ACCESS_REMOTE_WRITE);
}

static int siw_rx_begin_rresp(struct siw_qp *qp, struct siw_rx_ctx *rx)
{
	const struct siw_iwarp_hdr *h = &rx->h;
	const struct siw_sge *sink = &rx->rr.sge[0];
	unsigned long flags;
	u32 want;

	if (!rx->rr_active) {
		spin_lock_irqsave(&qp->orq.lock, flags);
		if (qp->orq.get == qp->orq.put) {
			spin_unlock_irqrestore(&qp->orq.lock, flags);
			return SIW_ERR_NO_RREQ;
		}
		rx->rr = qp->orq.q[qp->orq.get & (qp->orq.size - 1)];
		rx->rr_idx = qp->orq.get;
		spin_unlock_irqrestore(&qp->orq.lock, flags);
		/* Responses come in request order: an Atomic is first. */
		if (rx->rr.opcode != SIW_OP_READ &&
		    rx->rr.opcode != SIW_OP_READ_LOCAL_INV)
			return SIW_ERR_NO_RREQ;
		rx->rr_active = true;
		rx->rr_placed = 0;
	}
	want = rx->rr.num_sge ? sink->length : 0;
	if (!h->payload_len)
		return 0;
	if (h->stag != sink->lkey)
		return SIW_ERR_STAG_INVALID;
	if (h->to != sink->laddr + rx->rr_placed ||
	    h->payload_len > want - rx->rr_placed)
		return SIW_ERR_BASE_BOUNDS;
	/* Our own memory, but it may have gone since the Read was posted. */
	return siw_rx_get_target(qp, rx, h->stag, h->to, h->payload_len,
				 IB_ACCESS_LOCAL_WRITE);
}

static void siw_rx_end_rresp(struct siw_qp *qp, struct siw_rx_ctx *rx)
{
	u32 want = rx->rr.num_sge ? rx->rr.sge[0].length : 0;
	u16 status = SIW_WC_SUCCESS;
	unsigned long flags;

	rx->rr_placed += rx->h.payload_len;
	if (!rx->h.last)
		return;
	rx->rr_active = false;
	if (rx->rr_placed != want) {
		/* A response shorter than the Read asked for. */
		siw_rx_fail(qp, rx, SIW_ERR_UNSPECIFIED);
		return;
	}
	/*
	 * Read with Invalidate: the sink is invalid before the CQE can be
	 * seen (the consumer re-registers it at once). Outside orq.lock:
	 * mem.h takes _bh locks.
	 */
	if (rx->rr.opcode == SIW_OP_READ_LOCAL_INV &&
	    siw_mem_invalidate(qp->sdev, siw_rx_pd(qp), rx->rr.sge[0].lkey))
		status = SIW_WC_GENERAL_ERR;
	/* Held Writes before it first (tx.c): TCP's slow path ran RX first. */
	siw_tx_ack_drain(qp);
	spin_lock_irqsave(&qp->orq.lock, flags);
	if (qp->orq.get == rx->rr_idx) {
		siw_qp_complete_sqe(qp, &rx->rr, rx->rr_placed, status);
		qp->orq.get = rx->rr_idx + 1;
	}
	spin_unlock_irqrestore(&qp->orq.lock, flags);
	if (status) {
		siw_qp_terminate(qp, SIW_ERR_RDMAP_LOCAL, NULL, 0);
		return;
	}
	/* A Read or a fenced WQE may be waiting for the slot. */
	siw_tx_orq_freed(qp);
}

/* Queue the peer's Read Request for TX, as a Read Response to send. */
static void siw_rx_end_rreq(struct siw_qp *qp, struct siw_rx_ctx *rx)
{
	const struct siw_rreq_fields *rr = &rx->h.rreq;
	struct siw_mem *mem;
	struct siw_sqe *e;
	unsigned long flags;
	int rv;

	if (rr->read_size) {
		mem = siw_mem_get(qp->sdev, rr->src_stag);
		rv = siw_mem_check(mem, siw_rx_pd(qp), rr->src_stag,
				   IB_ACCESS_REMOTE_READ, rr->src_to,
				   rr->read_size);
		if (mem)
			siw_mem_put(mem);
		if (rv) {
			siw_rx_fail(qp, rx, siw_mem_err_cause(rv, true,
							      rr->src_to,
							      rr->read_size));
			return;
		}
	}

	spin_lock_irqsave(&qp->irq.lock, flags);
	if (qp->irq.put - qp->irq.get >= qp->irq.size) {
		spin_unlock_irqrestore(&qp->irq.lock, flags);
		siw_rx_fail(qp, rx, SIW_ERR_IRD_EXCEEDED);
		return;
	}
	e = &qp->irq.q[qp->irq.put & (qp->irq.size - 1)];
	memset(e, 0, sizeof(*e));
	e->opcode = SIW_OP_READ_RESPONSE;
	e->flags = SIW_WQE_VALID;
	e->num_sge = 1;
	e->sge[0].laddr = rr->src_to;
	e->sge[0].length = rr->read_size;
	e->sge[0].lkey = rr->src_stag;
	e->raddr = rr->sink_to;
	e->rkey = rr->sink_stag;
	qp->irq.put++;
	spin_unlock_irqrestore(&qp->irq.lock, flags);

	rx->msn[SIW_QN_RREQ]++;
	siw_tx_kick(qp);
}

/* Queue an Atomic Response (IRQ slot as for a Read) with @orig. */
static bool siw_rx_irq_push_atomic(struct siw_qp *qp, u32 req_id, u64 orig)
{
	struct siw_sqe *e;
	unsigned long flags;

	spin_lock_irqsave(&qp->irq.lock, flags);
	if (qp->irq.put - qp->irq.get >= qp->irq.size) {
		spin_unlock_irqrestore(&qp->irq.lock, flags);
		return false;
	}
	e = &qp->irq.q[qp->irq.put & (qp->irq.size - 1)];
	memset(e, 0, sizeof(*e));
	e->opcode = SIW_OP_FETCH_AND_ADD;	/* tx.c: an Atomic Response */
	e->flags = SIW_WQE_VALID;
	e->raddr = orig;
	e->rkey = req_id;
	qp->irq.put++;
	spin_unlock_irqrestore(&qp->irq.lock, flags);
	return true;
}

/*
 * The peer's Atomic Request (RFC 7306): it takes an inbound read credit
 * like a Read Request; the operation happens now, in stream order, and
 * TX sends the original value back in order with Read Responses.
 */
static void siw_rx_end_areq(struct siw_qp *qp, struct siw_rx_ctx *rx)
{
	const struct siw_atomic_fields *a = &rx->h.atomic;
	struct siw_mem *mem;
	unsigned long flags;
	bool room;
	u64 orig = 0;
	int rv;

	spin_lock_irqsave(&qp->irq.lock, flags);
	room = qp->irq.put - qp->irq.get < qp->irq.size;
	spin_unlock_irqrestore(&qp->irq.lock, flags);
	if (!room) {
		siw_rx_fail(qp, rx, SIW_ERR_IRD_EXCEEDED);
		return;
	}
	mem = siw_mem_get(qp->sdev, a->stag);
	rv = siw_mem_check(mem, siw_rx_pd(qp), a->stag, IB_ACCESS_REMOTE_ATOMIC,
			   a->to, sizeof(u64));
	if (!rv)
		rv = siw_mem_atomic(mem, a->to, a, &orig);
	if (mem)
		siw_mem_put(mem);
	if (rv) {
		/* Misaligned is a bounds error: RFC 7306 has no other code. */
		siw_rx_fail(qp, rx, rv == -EINVAL ? SIW_ERR_RDMAP_BASE_BOUNDS :
				    siw_mem_err_cause(rv, true, a->to,
						      sizeof(u64)));
		return;
	}
	/* Only RX adds to the IRQ, and it had room above. */
	siw_rx_irq_push_atomic(qp, a->req_id, orig);
	rx->msn[SIW_QN_RREQ]++;
	siw_tx_kick(qp);
}

/* Our Atomic Request's response: the original value into our buffer. */
static void siw_rx_end_aresp(struct siw_qp *qp, struct siw_rx_ctx *rx)
{
	const struct siw_atomic_fields *a = &rx->h.atomic;
	struct siw_sge *sge;
	struct siw_mem *mem;
	struct siw_sqe req;
	unsigned long flags;
	u16 status = SIW_WC_SUCCESS;
	u64 orig = a->orig;
	u32 idx;

	spin_lock_irqsave(&qp->orq.lock, flags);
	if (qp->orq.get == qp->orq.put) {
		spin_unlock_irqrestore(&qp->orq.lock, flags);
		siw_rx_fail(qp, rx, SIW_ERR_NO_RREQ);
		return;
	}
	req = qp->orq.q[qp->orq.get & (qp->orq.size - 1)];
	idx = qp->orq.get;
	spin_unlock_irqrestore(&qp->orq.lock, flags);

	if ((req.opcode != SIW_OP_FETCH_AND_ADD &&
	     req.opcode != SIW_OP_COMP_AND_SWAP) ||
	    req.sge[SIW_MAX_SGE - 1].lkey != a->req_id) {
		siw_rx_fail(qp, rx, SIW_ERR_NO_RREQ);
		return;
	}
	rx->msn[SIW_QN_ATOMIC_RESP]++;

	/* Our own memory, but it may have gone since the request. */
	sge = &req.sge[0];
	mem = siw_mem_get(qp->sdev, sge->lkey);
	if (siw_mem_check(mem, siw_rx_pd(qp), sge->lkey, IB_ACCESS_LOCAL_WRITE,
			  sge->laddr, sizeof(orig)) ||
	    siw_mem_copy(mem, sge->laddr, &orig, sizeof(orig), true))
		status = SIW_WC_LOC_PROT_ERR;
	if (mem)
		siw_mem_put(mem);

	siw_tx_ack_drain(qp);	/* as in siw_rx_end_rresp() */
	spin_lock_irqsave(&qp->orq.lock, flags);
	if (qp->orq.get == idx) {
		siw_qp_complete_sqe(qp, &req, sizeof(orig), status);
		qp->orq.get = idx + 1;
	}
	spin_unlock_irqrestore(&qp->orq.lock, flags);
	if (status) {
		siw_qp_terminate(qp, SIW_ERR_RDMAP_LOCAL, NULL, 0);
		return;
	}
	siw_tx_orq_freed(qp);
}

/*
 * The peer terminated one of our Read or Atomic Requests (it quotes a
 * queue 1 header): that request, the oldest unanswered one, completes
 * with the remote error rather than as flushed, so the application
 * learns what went wrong. The rest is flushed as the QP goes down.
 */
static void siw_rx_term_orq(struct siw_qp *qp, struct siw_rx_ctx *rx,
			    const struct siw_term_msg *tm)
{
	struct siw_sqe req;
	unsigned long flags;
	u16 status;

	if (rx->rr_active || tm->ddp_hdr_len != SIW_DDP_UNTAGGED_HDR_LEN ||
	    siw_get_be32(tm->ddp_hdr + SIW_DDP_OFF_QN) != SIW_QN_RREQ)
		return;
	if (tm->code.layer != SIW_TERM_LAYER_RDMAP)
		status = SIW_WC_GENERAL_ERR;
	else if (tm->code.etype == SIW_RDMAP_ETYPE_REMOTE_PROT)
		status = SIW_WC_REM_ACCESS_ERR;
	else
		status = SIW_WC_REM_INV_REQ_ERR;

	siw_tx_ack_drain(qp);	/* as in siw_rx_end_rresp() */
	spin_lock_irqsave(&qp->orq.lock, flags);
	if (qp->orq.get != qp->orq.put) {
		req = qp->orq.q[qp->orq.get & (qp->orq.size - 1)];
		siw_qp_complete_sqe(qp, &req, 0, status);
		qp->orq.get++;
	}
	spin_unlock_irqrestore(&qp->orq.lock, flags);
}

static void siw_rx_end_term(struct siw_qp *qp, struct siw_rx_ctx *rx)
{
	struct siw_term_msg tm;
	int rv;

	siw_stat_add(&qp->stats->terms_received, 1);
	rv = siw_term_parse(rx->hdr, rx->have, &tm);
	if (!rv) {
		trace_siw_terminate(qp, false, tm.code.layer, tm.code.etype,
				    tm.code.ecode);
		siw_nl_term(qp, false, tm.code.layer, tm.code.etype,
			    tm.code.ecode);
		siw_rx_term_orq(qp, rx, &tm);
	}
	if (rv)
		pr_info_ratelimited("siw: QP %u: malformed Terminate from the peer (%d)\n",
				    siw_qp_id(qp), rv);
	else
		pr_info_ratelimited("siw: QP %u: peer sent Terminate: %s, %s, %s\n",
				    siw_qp_id(qp),
				    siw_term_layer_name(tm.code.layer),
				    siw_term_etype_name(tm.code.layer,
							tm.code.etype),
				    siw_term_ecode_name(tm.code.layer,
							tm.code.etype,
							tm.code.ecode));
	/* No Terminate answers a Terminate: just go down. */
	rx->dead = true;
	siw_rx_release(rx);
	siw_qp_llp_closed(qp);
}

/* The header is complete: check it and set up placement. */
static int siw_rx_begin(struct siw_qp *qp, struct siw_rx_ctx *rx)
{
	const struct siw_iwarp_hdr *h = &rx->h;

	switch (h->opcode) {
	case SIW_RDMAP_OP_SEND:
	case SIW_RDMAP_OP_SEND_INV:
	case SIW_RDMAP_OP_SEND_SE:
	case SIW_RDMAP_OP_SEND_SE_INV:
		return siw_rx_begin_send(qp, rx);
	case SIW_RDMAP_OP_WRITE:
		return siw_rx_begin_write(qp, rx);
	case SIW_RDMAP_OP_READ_RESP:
		return siw_rx_begin_rresp(qp, rx);
	case SIW_RDMAP_OP_READ_REQ:
	case SIW_RDMAP_OP_ATOMIC_REQ:
		if (h->msn != rx->msn[SIW_QN_RREQ])
			return siw_ddp_check_msn(h->msn, rx->msn[SIW_QN_RREQ],
						 1) ?: SIW_ERR_MSN_RANGE;
		return 0;
	case SIW_RDMAP_OP_ATOMIC_RESP:
		if (h->msn != rx->msn[SIW_QN_ATOMIC_RESP])
			return siw_ddp_check_msn(h->msn,
						 rx->msn[SIW_QN_ATOMIC_RESP],
						 1) ?: SIW_ERR_MSN_RANGE;
		return 0;
	case SIW_RDMAP_OP_IMM_DATA:
	case SIW_RDMAP_OP_IMM_DATA_SE:
		return siw_rx_begin_imm(qp, rx);
	case SIW_RDMAP_OP_TERMINATE:
		return 0;
	default:
		return SIW_ERR_OPCODE;
	}
}

/*
 * A large Send or Write ended: have TCP acknowledge it at once. On its
 * fast path TCP has decided on the ACK before it hands us the segment;
 * ICSK_ACK_PUSHED2 makes tcp_read_sock()'s tcp_cleanup_rbuf() send it
 * once we have emptied the queue. On the slow path TCP decides after
 * us, and ICSK_ACK_NOW makes that decision "now". A sender that
 * zero-copied it completes it only on our ACK (tx.c, tx_zcopy), and a
 * delayed ACK would hold its next post for up to 40 ms. Only where
 * tx_zcopy asks for that here too: in a ping-pong the ACK would
 * otherwise ride on the answer, and a 64 KiB round trip took about a
 * tenth longer with a pure ACK of its own. Socket lock held.
 */
static void siw_rx_msg_ack(struct siw_qp *qp, struct siw_rx_ctx *rx)
{
	rx->msg_bytes += rx->h.payload_len;
	if (!rx->h.last)
		return;
	if (rx->msg_bytes >= SIW_ZCOPY_MIN && siw_tx_zcopy_wrs())
		inet_csk(qp->sock->sk)->icsk_ack.pending |= ICSK_ACK_NOW |
							     ICSK_ACK_PUSHED2;
	rx->msg_bytes = 0;
}

/* The FPDU passed its CRC: act on what its segment asked for. */
static void siw_rx_end(struct siw_qp *qp, struct siw_rx_ctx *rx)
{
	switch (rx->h.opcode) {
	case SIW_RDMAP_OP_SEND:
	case SIW_RDMAP_OP_SEND_INV:
	case SIW_RDMAP_OP_SEND_SE:
	case SIW_RDMAP_OP_SEND_SE_INV:
		siw_rx_msg_ack(qp, rx);
		siw_rx_end_send(qp, rx);
		break;
	case SIW_RDMAP_OP_WRITE:
		siw_rx_msg_ack(qp, rx);
		siw_rx_put_target(rx);
		rx->write_bytes += rx->h.payload_len;
		break;
	case SIW_RDMAP_OP_IMM_DATA:
	case SIW_RDMAP_OP_IMM_DATA_SE:
		siw_rx_end_imm(qp, rx);
		break;
	case SIW_RDMAP_OP_ATOMIC_REQ:
		siw_rx_end_areq(qp, rx);
		break;
	case SIW_RDMAP_OP_ATOMIC_RESP:
		siw_rx_end_aresp(qp, rx);
		break;
	case SIW_RDMAP_OP_READ_RESP:
		siw_rx_put_target(rx);
		siw_rx_end_rresp(qp, rx);
		break;
	case SIW_RDMAP_OP_READ_REQ:
		siw_rx_end_rreq(qp, rx);
		break;
	case SIW_RDMAP_OP_TERMINATE:
		siw_rx_end_term(qp, rx);
		break;
	}
}

/*
 * Place @n payload bytes into the current target: from @src if it is
 * set (the fast path checked their CRC already), else from @off of @skb.
 */
static int siw_rx_place(struct siw_qp *qp, struct siw_rx_ctx *rx,
			const struct sk_buff *skb, unsigned int off,
			const u8 *src, u32 n)
{
	struct siw_rx_sink *sk = rx->sink;
	u32 k;
	u8 *p;
	int rv;

	while (n) {
		if (!sk->span.len) {
			rv = siw_mem_iter_next(&sk->it, &sk->span);
			if (!rv && sk == &rx->snd) {
				rv = siw_rx_next_sge(rx);
				if (!rv)
					rv = siw_mem_iter_next(&sk->it,
							       &sk->span);
			}
			if (rv <= 0)
				return -EFAULT;
		}
		k = min(n, sk->span.len);
		p = kmap_local_page(sk->span.page);
		if (src) {
			memcpy(p + sk->span.offset, src, k);
			src += k;
			rv = 0;
		} else {
			rv = skb_copy_bits(skb, off, p + sk->span.offset, k);
			if (!rv && qp->conn.crc)
				rx->crc = siw_crc32c(rx->crc,
						     p + sk->span.offset, k);
		}
		/* A silent placement error, for tests of verification. */
		if (!rv && unlikely(!list_empty(&qp->sdev->faults)) &&
		    siw_fault_placed(qp))
			p[sk->span.offset + k / 2] ^= 0x5a;
		kunmap_local(p);
		if (rv)
			return rv;
		sk->span.offset += k;
		sk->span.len -= k;
		off += k;
		n -= k;
	}
	return 0;
}

/* Copy @n bytes at @off of @skb to @dst, adding them to the CRC. */
static void siw_rx_copy(struct siw_qp *qp, struct siw_rx_ctx *rx,
			const struct sk_buff *skb, unsigned int off, u8 *dst,
			u32 n)
{
	if (skb_copy_bits(skb, off, dst, n))
		memset(dst, 0, n);	/* cannot happen: tcp_read_sock's range */
	if (qp->conn.crc)
		rx->crc = siw_crc32c(rx->crc, dst, n);
}

static void siw_rx_next_fpdu(struct siw_rx_ctx *rx)
{
	rx->state = SIW_RX_HDR;
	rx->have = 0;
	rx->need = SIW_RX_HDR_MIN;
	rx->crc = ~0U;
}

/* Header bytes: returns the bytes taken. */
static u32 siw_rx_hdr(struct siw_qp *qp, struct siw_rx_ctx *rx,
		      const struct sk_buff *skb, unsigned int off, u32 n)
{
	u32 k = min(n, rx->need - rx->have);
	int rv;

	if (!rx->have)
		rx->fpdu_start = rx->stream_off;
	siw_rx_copy(qp, rx, skb, off, rx->hdr + rx->have, k);
	rx->have += k;
	if (rx->have < rx->need) {
		/*
		 * The stream paused inside a header: if what came is bad
		 * already (a ULPDU_Length or opcode no header fits), say so
		 * now rather than wait for bytes that may never come.
		 */
		rv = siw_iwarp_parse(rx->hdr, rx->have,
				     qp->conn.ext ? SIW_PARSE_EXT : 0, &rx->h);
		if (rv > 0)
			siw_rx_fail(qp, rx, rv);
		return k;
	}

	rv = siw_iwarp_parse(rx->hdr, rx->have,
			     qp->conn.ext ? SIW_PARSE_EXT : 0, &rx->h);
	if (rv == -EAGAIN && SIW_MPA_LEN_SIZE + rx->h.hdr_len > rx->have) {
		rx->need = SIW_MPA_LEN_SIZE + rx->h.hdr_len;
		return k;
	}
	if (rv) {
		siw_rx_fail(qp, rx, rv > 0 ? rv : SIW_ERR_MPA_LEN);
		return k;
	}
	rv = siw_rx_begin(qp, rx);
	if (rv) {
		siw_rx_fail(qp, rx, rv);
		return k;
	}
	rx->left = rx->h.payload_len;
	rx->trailer_need = siw_mpa_pad(rx->h.ulpdu_len) + SIW_MPA_CRC_SIZE;
	rx->trailer_have = 0;
	rx->state = rx->left ? SIW_RX_PAYLOAD : SIW_RX_TRAILER;
	return k;
}

/* Payload bytes: placed, or (Terminate) kept with the header. */
static u32 siw_rx_payload(struct siw_qp *qp, struct siw_rx_ctx *rx,
			  const struct sk_buff *skb, unsigned int off, u32 n)
{
	u32 k = min(n, rx->left);

	if (rx->h.opcode == SIW_RDMAP_OP_TERMINATE) {
		/* siw_iwarp_parse() bounded it by SIW_TERM_MAX_EXTRA. */
		siw_rx_copy(qp, rx, skb, off, rx->hdr + rx->have, k);
		rx->have += k;
	} else if (siw_rx_place(qp, rx, skb, off, NULL, k)) {
		/* Checked target, yet not backed: a local failure. */
		siw_rx_fail(qp, rx, SIW_ERR_DDP_LOCAL);
		return k;
	}
	rx->left -= k;
	if (!rx->left)
		rx->state = SIW_RX_TRAILER;
	return k;
}

/* Pad and CRC. At the end of the CRC the FPDU is done. */
static u32 siw_rx_trailer(struct siw_qp *qp, struct siw_rx_ctx *rx,
			  const struct sk_buff *skb, unsigned int off, u32 n)
{
	u32 k = min(n, rx->trailer_need - rx->trailer_have);
	u32 pad = rx->trailer_need - SIW_MPA_CRC_SIZE;
	u8 *dst = rx->trailer + rx->trailer_have;
	u32 crc;

	if (skb_copy_bits(skb, off, dst, k))
		memset(dst, 0, k);
	/*
	 * The pad is covered by the CRC, the CRC itself is not; in stream
	 * order, as a marker may come between the two.
	 */
	if (qp->conn.crc && rx->trailer_have < pad)
		rx->crc = siw_crc32c(rx->crc, dst,
				     min(k, pad - rx->trailer_have));
	rx->trailer_have += k;
	if (rx->trailer_have < rx->trailer_need)
		return k;

	crc = siw_get_le32(rx->trailer + pad);
	if (qp->conn.crc && ~rx->crc != crc) {
		siw_stat_add(&qp->stats->crc_errors, 1);
		trace_siw_crc_error(qp, ~rx->crc, crc);
		siw_rx_fail(qp, rx, SIW_ERR_CRC);
		return k;
	}
	siw_stats_op_rx(qp->stats, rx->h.opcode, rx->h.payload_len);
	trace_siw_fpdu_rx(qp, rx->h.opcode, rx->h.payload_len);
	siw_rx_end(qp, rx);
	siw_rx_next_fpdu(rx);
	return k;
}

/* Logical (marker-free) FPDU bytes: returns the bytes taken. */
static u32 siw_rx_fpdu(struct siw_qp *qp, struct siw_rx_ctx *rx,
		       const struct sk_buff *skb, unsigned int off, u32 n)
{
	switch (rx->state) {
	case SIW_RX_HDR:
		return siw_rx_hdr(qp, rx, skb, off, n);
	case SIW_RX_PAYLOAD:
		return siw_rx_payload(qp, rx, skb, off, n);
	default:
		return siw_rx_trailer(qp, rx, skb, off, n);
	}
}

/*
 * A marker (4 bytes at every 512th stream offset) is part of the FPDU
 * around it, CRC included. Its FPDUPTR is the distance back to that
 * FPDU's ULPDU_Length, or 0 right in front of it (siw_fpdu_marker_ptr()).
 */
static u32 siw_rx_marker(struct siw_qp *qp, struct siw_rx_ctx *rx,
			 const struct sk_buff *skb, unsigned int off, u32 n)
{
	u32 pos = rx->stream_off & (SIW_MPA_MARKER_SPACING - 1);
	u32 k = min(n, SIW_MPA_MARKER_SIZE - pos);
	u32 at, want;

	siw_rx_copy(qp, rx, skb, off, rx->marker + pos, k);
	if (pos + k < SIW_MPA_MARKER_SIZE)
		return k;

	at = rx->stream_off + k - SIW_MPA_MARKER_SIZE;
	if (rx->state == SIW_RX_HDR && !rx->have)
		want = 0;	/* in front of the next ULPDU_Length */
	else
		want = at - rx->fpdu_start;
	if (siw_get_be16(rx->marker + 2) != want)
		siw_rx_fail(qp, rx, SIW_ERR_MARKER);
	return k;
}

/* Feed @n bytes at @off of @skb into the stream; returns bytes taken. */
static u32 siw_rx_feed(struct siw_qp *qp, struct siw_rx_ctx *rx,
		       const struct sk_buff *skb, unsigned int off, u32 n)
{
	u32 pos, k;

	if (qp->conn.markers_rx) {
		pos = rx->stream_off & (SIW_MPA_MARKER_SPACING - 1);
		if (pos < SIW_MPA_MARKER_SIZE) {
			k = siw_rx_marker(qp, rx, skb, off, n);
			rx->stream_off += k;
			siw_stat_add(&qp->stats->rx_bytes, k);
			return k;
		}
		n = min(n, SIW_MPA_MARKER_SPACING - pos);
	}
	k = siw_rx_fpdu(qp, rx, skb, off, n);
	rx->stream_off += k;
	siw_stat_add(&qp->stats->rx_bytes, k);
	return k;
}

/*
 * The bytes at @off of @skb that lie in one page, mapped: their address
 * and count, at most @len, or NULL if @off is beyond the linear part and
 * the page fragments (a frag_list: left to skb_copy_bits()).
 */
static const u8 *siw_rx_map(const struct sk_buff *skb, unsigned int off,
			    u32 len, u32 *avail, void **map)
{
	const struct skb_shared_info *si = skb_shinfo(skb);
	unsigned int start = skb_headlen(skb), flen, poff;
	const skb_frag_t *f;
	struct page *page;
	int i;

	*map = NULL;
	if (off < start) {
		*avail = min(len, start - off);
		return skb->data + off;
	}
	for (i = 0; i < si->nr_frags; i++) {
		f = &si->frags[i];
		flen = skb_frag_size(f);
		if (off - start < flen) {
			poff = skb_frag_off(f) + off - start;
			page = skb_frag_page(f) + poff / PAGE_SIZE;
			poff %= PAGE_SIZE;
			*avail = min3(len, flen - (off - start),
				      (u32)PAGE_SIZE - poff);
			*map = kmap_local_page(page);
			return (u8 *)*map + poff;
		}
		start += flen;
	}
	return NULL;
}

/*
 * The fast path, at an FPDU boundary without markers: an FPDU that lies
 * whole in one mapped piece of the skb is parsed in place, its CRC
 * checked in one pass and its payload placed with one copy, instead of
 * going through the state machine in three steps and three copies.
 * Returns the bytes taken, or 0 to leave the FPDU to the state machine:
 * it is not all there, or it is a Terminate, a bad header or a bad CRC,
 * which the state machine reports as it always does.
 */
static u32 siw_rx_whole(struct siw_qp *qp, struct siw_rx_ctx *rx,
			const struct sk_buff *skb, unsigned int off, u32 n)
{
	struct siw_iwarp_hdr *h = &rx->h;
	u32 avail, total, hl;
	const u8 *p;
	void *map;
	int rv;

	p = siw_rx_map(skb, off, n, &avail, &map);
	if (!p)
		return 0;
	total = 0;
	if (avail < SIW_RX_HDR_MIN)
		goto out;
	total = siw_fpdu_len(siw_get_be16(p));
	if (total > avail ||
	    (!siw_iwarp_parse_tagged(p, avail, h) &&
	     siw_iwarp_parse(p, avail, qp->conn.ext ? SIW_PARSE_EXT : 0, h)) ||
	    h->opcode == SIW_RDMAP_OP_TERMINATE ||
	    (qp->conn.crc && ~siw_crc32c(~0U, p, total - SIW_MPA_CRC_SIZE) !=
			     siw_get_le32(p + total - SIW_MPA_CRC_SIZE))) {
		total = 0;
		goto out;
	}
	/* As the state machine leaves it, for a Terminate to quote. */
	hl = SIW_MPA_LEN_SIZE + h->hdr_len;
	memcpy(rx->hdr, p, hl);
	rx->have = hl;
	rx->fpdu_start = rx->stream_off;

	rv = siw_rx_begin(qp, rx);
	if (rv) {
		siw_rx_fail(qp, rx, rv);
		goto out;
	}
	if (h->payload_len &&
	    siw_rx_place(qp, rx, NULL, 0, p + hl, h->payload_len)) {
		siw_rx_fail(qp, rx, SIW_ERR_DDP_LOCAL);
		goto out;
	}
	siw_stats_op_rx(qp->stats, h->opcode, h->payload_len);
	siw_stat_add(&qp->stats->rx_whole, 1);
	trace_siw_fpdu_rx(qp, h->opcode, h->payload_len);
	siw_rx_end(qp, rx);
	siw_rx_next_fpdu(rx);
out:
	if (map)
		kunmap_local(map);
	rx->stream_off += total;
	siw_stat_add(&qp->stats->rx_bytes, total);
	return total;
}

static int siw_rx_actor(read_descriptor_t *desc, struct sk_buff *skb,
			unsigned int off, size_t len)
{
	struct siw_qp *qp = desc->arg.data;
	struct siw_rx_ctx *rx = qp->rx;
	enum siw_qp_state state = READ_ONCE(qp->state);
	size_t left = len;
	u32 k;

	/* After an error, or once the QP is down, the stream is dropped. */
	if (state != SIW_QP_STATE_RTS && state != SIW_QP_STATE_CLOSING &&
	    !rx->dead) {
		rx->dead = true;
		siw_rx_release(rx);
	}
	while (left && !rx->dead) {
		k = 0;
		if (rx->state == SIW_RX_HDR && !rx->have && !qp->conn.markers_rx)
			k = siw_rx_whole(qp, rx, skb, off,
					 min_t(size_t, left, U32_MAX));
		if (!k)
			k = siw_rx_feed(qp, rx, skb, off,
					min_t(size_t, left, U32_MAX));
		off += k;
		left -= k;
	}
	return len;
}

/* Socket lock held (softirq, or lock_sock()). */
static void siw_rx_read(struct siw_qp *qp, struct sock *sk)
{
	struct siw_rx_ctx *rx = qp->rx;
	read_descriptor_t desc = {
		.arg.data = qp,
		.count = 1,
	};

	tcp_read_sock(sk, &desc, siw_rx_actor);

	if (!rx->eof && (READ_ONCE(sk->sk_shutdown) & RCV_SHUTDOWN)) {
		rx->eof = true;
		siw_qp_llp_closed(qp);
	}
}

static void siw_rx_data_ready(struct sock *sk)
{
	struct siw_qp *qp;

	read_lock_bh(&sk->sk_callback_lock);
	qp = siw_sk_to_qp(sk);
	if (qp && qp->rx && qp->rx->attached)
		siw_rx_read(qp, sk);
	read_unlock_bh(&sk->sk_callback_lock);
}

/*
 * TCP freed send buffer space: TX resumes its FPDU. And completions held
 * for zero copy are posted once the peer has acknowledged their bytes
 * (tx.c): while some are held, TCP calls us on every ACK, and TX is
 * woken only if it found the buffer full.
 */
static void siw_rx_write_space(struct sock *sk)
{
	struct siw_qp *qp;
	bool held;

	read_lock_bh(&sk->sk_callback_lock);
	qp = siw_sk_to_qp(sk);
	if (!qp) {
		read_unlock_bh(&sk->sk_callback_lock);
		return;
	}
	/* Held completions listen for the next ACK: SOCK_NOSPACE stays. */
	held = siw_tx_ack_drain(qp);
	if (sk_stream_is_writeable(sk) && (!held || siw_tx_space_waited(qp))) {
		if (sk->sk_socket && !held) {
			clear_bit(SOCK_NOSPACE, &sk->sk_socket->flags);
			/*
			 * TX may have held a completion since our drain and
			 * set the flag before we cleared it: look again
			 * (ack_lock orders the two), or its ACK goes unheard.
			 */
			smp_mb__after_atomic();
			if (siw_tx_ack_drain(qp))
				set_bit(SOCK_NOSPACE, &sk->sk_socket->flags);
		}
		trace_siw_sk_resumed(qp, READ_ONCE(sk->sk_wmem_queued));
		siw_tx_kick(qp);
	}
	read_unlock_bh(&sk->sk_callback_lock);
}

void siw_rx_attach(struct siw_qp *qp)
{
	struct siw_rx_ctx *rx = qp->rx;
	struct sock *sk = qp->sock->sk;

	write_lock_bh(&sk->sk_callback_lock);
	if (!rx->attached) {
		rx->saved_data_ready = sk->sk_data_ready;
		rx->saved_write_space = sk->sk_write_space;
		sk->sk_data_ready = siw_rx_data_ready;
		sk->sk_write_space = siw_rx_write_space;
		rx->attached = true;
	}
	write_unlock_bh(&sk->sk_callback_lock);

	/* FPDUs that came in with or right after the MPA exchange. */
	lock_sock(sk);
	siw_rx_read(qp, sk);
	release_sock(sk);
	/* And anything posted meanwhile may go out. */
	siw_tx_kick(qp);
}

void siw_rx_detach(struct siw_qp *qp)
{
	struct siw_rx_ctx *rx = qp->rx;
	struct sock *sk;

	if (!rx || !qp->sock)
		return;
	sk = qp->sock->sk;
	write_lock_bh(&sk->sk_callback_lock);
	if (rx->attached) {
		sk->sk_data_ready = rx->saved_data_ready;
		sk->sk_write_space = rx->saved_write_space;
		rx->attached = false;
	}
	write_unlock_bh(&sk->sk_callback_lock);
}

int siw_rx_init(struct siw_qp *qp)
{
	struct siw_rx_ctx *rx = kzalloc(sizeof(*rx), GFP_KERNEL);

	if (!rx)
		return -ENOMEM;
	siw_rx_next_fpdu(rx);
	rx->msn[SIW_QN_SEND] = 1;
	rx->msn[SIW_QN_RREQ] = 1;
	rx->msn[SIW_QN_ATOMIC_RESP] = 1;
	qp->rx = rx;
	return 0;
}

void siw_rx_fini(struct siw_qp *qp)
{
	struct siw_rx_ctx *rx = qp->rx;

	if (!rx)
		return;
	siw_rx_release(rx);
	kfree(rx);
	qp->rx = NULL;
}
