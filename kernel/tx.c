// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The TX engine: turns send queue work and the peer's Read Requests into
 * FPDUs on the QP's TCP socket. It runs only on the QP's TX thread
 * (txthread.c), so its state needs no lock; what other contexts hand it
 * (a Terminate, ring indices) is exchanged under the QP's locks.
 *
 * Order of service: a Terminate first (after the FPDU already on its way),
 * then Read Responses (IRQ), then the SQ. Each message is cut into FPDUs
 * that fit the socket's MSS, framed into one per-QP buffer (header,
 * payload copied from the SGEs, pad, markers, CRC) and pushed with
 * MSG_DONTWAIT; a full socket leaves the rest of the FPDU where it is
 * until sk_write_space (rx.c) kicks the thread again. See
 * Documentation/datapath.md.
 */
#include <linux/bitops.h>
#include <linux/bvec.h>
#include <linux/highmem.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/net.h>
#include <linux/slab.h>
#include <linux/mutex.h>
#include <linux/socket.h>
#include <linux/uio.h>
#include <linux/delay.h>
#include <linux/siw_netlink.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "siw.h"
#include "compat.h"
#include "qp.h"
#include "cq.h"
#include "mem.h"
#include "rx.h"
#include "netlink.h"
#include "fault.h"
#include "trace.h"
#include "proto/iwarp.h"

/* Loop iterations of one run before the thread serves other QPs. */
#define SIW_TX_BUDGET		32
/* Read Responses served in a row while the SQ waits. */
#define SIW_TX_IRQ_BURST	8
/* Smallest ULPDU, whatever the MSS: the largest header is 46 bytes. */
#define SIW_TX_MIN_ULPDU	256
/* With markers, keep every FPDUPTR within 16 bits. */
#define SIW_TX_MAX_ULPDU_MARKERS	60000
/*
 * Payload of a GSO FPDU (conn.gso, no markers): 15 pages, so that a
 * 64 KiB message goes in two FPDUs and the pieces stay page-sized.
 */
#define SIW_TX_GSO_PAYLOAD	(15 * 4096)

/* The frame: ULPDU_Length, the largest ULPDU, pad, CRC. */
#define SIW_TX_FRAME_MAX	(SIW_MPA_LEN_SIZE + SIW_MPA_ULPDU_MAX + 3 + \
				 SIW_MPA_CRC_SIZE)
/* On the wire, markers add 4 bytes per 508 logical ones. */
#define SIW_TX_WIRE_MAX		(SIW_TX_FRAME_MAX + SIW_MPA_MARKER_SIZE * \
				 (SIW_TX_FRAME_MAX / 508 + 2))
#define SIW_TX_TERM_MAX		(SIW_MPA_LEN_SIZE + SIW_DDP_UNTAGGED_HDR_LEN + \
				 SIW_TERM_CTRL_LEN + SIW_TERM_MAX_EXTRA)
/* A framed Terminate: ULPDU_Length, ULPDU, pad, CRC, no marker. */
#define SIW_TX_TERM_WIRE_MAX	(SIW_TX_TERM_MAX + 3 + SIW_MPA_CRC_SIZE)
/* Without markers an FPDU is sent as pieces: header, payload, trailer. */
#define SIW_TX_MAX_BVEC		32
#define SIW_TX_TRAILER_OFF	256	/* in kpage, after header + inline */
/*
 * A zero-copied FPDU's header and trailer go into zc_page, never
 * rewritten, so that TCP can take them by reference too: header, then
 * its trailer (pad, CRC), then the next FPDU's header, so that a
 * trailer and the header after it make one skb fragment. Headers with
 * payload are 16 or 20 bytes; this is room for any.
 */
#define SIW_TX_ZC_HDR_MAX	48
#define SIW_TX_ZC_ROOM		(SIW_TX_ZC_HDR_MAX + 3 + SIW_MPA_CRC_SIZE)
/*
 * What is left of a message up to this long is copied in behind its
 * header and sent as one piece with its trailer: cheaper for TCP than
 * three pieces (kpage: header, at most this, pad, CRC).
 */
#define SIW_TX_FLAT_MAX		128

/* tx->flags */
#define SIW_TX_QUEUED		0	/* run queued or about to run */
#define SIW_TX_ORQ_WAIT		1	/* an SQE waits for a Read to complete */
#define SIW_TX_ACK_WAIT		2	/* an SQE waits for room in ackq */
#define SIW_TX_SPACE_WAIT	3	/* an FPDU waits for send buffer space */

/*
 * A completion held until the peer has acknowledged the zero-copied
 * bytes before it (siw_tx_ack_hold()). One per work request at most, so
 * an SQE starts only with a slot free.
 */
struct siw_tx_ack {
	u64 id;
	u32 bytes;
	u32 seq;			/* due once snd_una reaches it */
	u16 status;
	u8 opcode;
};

#define SIW_TX_ACKQ_SIZE	32	/* a power of 2 */

enum siw_tx_src {
	SIW_TX_IDLE,		/* no message in progress */
	SIW_TX_SQ,		/* an SQE, copied into wqe */
	SIW_TX_IRQ,		/* a Read Response, copied into wqe */
	SIW_TX_RREQ,		/* a Read Request, its SQE now in the ORQ */
};

struct siw_tx_ctx {
	/*
	 * One run at a time: normally a QP's runs follow each other on its
	 * TX thread, but while "tx set" moves the QP to another CPU a run
	 * may start there before the old thread's one has ended.
	 */
	struct mutex run_lock;
	unsigned long flags;

	/* A Terminate queued by siw_tx_terminate(), from any context. */
	spinlock_t term_lock;
	bool term_queued;		/* one per connection */
	bool term_pending;		/* term_frame waits for the wire */
	u32 term_len;
	u32 term_msn;
	u8 term_frame[SIW_TX_TERM_MAX];

	/* Everything below belongs to the TX thread. */
	bool term_done;			/* Terminate sent or given up */
	bool broken;			/* the socket failed */

	/* The message in progress. */
	enum siw_tx_src src;
	struct siw_sqe wqe;		/* private copy: never reread */
	u32 idx;			/* its ring index */
	u8 op;				/* RDMAP opcode */
	u32 len;			/* payload bytes */
	u32 done;			/* payload bytes framed */
	u32 msn;			/* untagged: its MSN */
	bool imm_pending;		/* *_WITH_IMM: Immediate Data next */
	u32 imm_len;			/* ... and the payload before it */
	struct siw_mem *mem[SIW_MAX_SGE];
	u8 nmem;			/* mem[nmem..] are all NULL */
	u32 sge;			/* gather cursor: SGE ... */
	u32 sge_off;			/* ... and offset in it */
	u32 irq_burst;

	/*
	 * The FPDU on its way into the socket: in wire, or (nbvec > 0) as
	 * pieces in bvec: kpage (header and inline data), the payload
	 * pages themselves, kpage again (pad and CRC); zc_page instead of
	 * kpage for a zero-copied one.
	 */
	u8 *wire;			/* markers, or a Terminate */
	u32 wire_size;
	u8 *frame;			/* markers only: before framing */
	struct page *kpage;
	struct bio_vec bvec[SIW_TX_MAX_BVEC];
	u32 nbvec;
	u32 wire_len;
	u32 wire_sent;
	bool fpdu_last;			/* ends its message */
	bool fpdu_term;			/* is the Terminate */
	/*
	 * Zero copy (tx_zcopy): TCP takes this FPDU by reference, in one
	 * call: the payload pages, and header and trailer from zc_page.
	 * TCP's skbs hold zc_page (and each of its predecessors) until the
	 * peer has acknowledged their bytes.
	 */
	bool fpdu_zcopy;
	struct page *zc_page;
	u32 zc_off;			/* its first unused byte */
	bool msg_zcopy;			/* some of the SQE went so */

	/*
	 * Completions held for zero copy: any work request that completes
	 * while zero-copied bytes before it wait for the peer's ACK goes
	 * through ackq, in order, until snd_una passes ack_barrier (the end
	 * of the last zero-copied work request). Allocated on first use.
	 */
	spinlock_t ack_lock;		/* ackq: TX adds, sk_write_space takes */
	struct siw_tx_ack *ackq;
	u32 ack_put;
	u32 ack_get;
	bool ack_any;			/* ack_barrier is not yet acknowledged */
	u32 ack_barrier;
	u32 fpdu_payload;		/* ULP bytes in it, for the counters */
	bool fault_reset;		/* injected truncation: reset once sent */
	u32 stream_off;			/* wire bytes since the first FPDU */
	u32 msn_next[SIW_QN_COUNT];	/* per untagged queue */
};

static bool tx_direct = true;
module_param(tx_direct, bool, 0644);
MODULE_PARM_DESC(tx_direct,
		 "Transmit in the posting process when the QP's TX is idle, instead of waking its TX thread (default on)");

/*
 * Zero-copy transmit: TCP references the payload pages instead of
 * copying them (MSG_SPLICE_PAGES, 6.5 and later), for messages of at
 * least 16 KiB. TCP may send from those pages until the peer has
 * acknowledged them.
 *
 * Read Responses go this way by default (1): their source has no local
 * completion, and the peer completes its Read only once it holds every
 * byte, so whatever TCP sends after that is a duplicate it drops.
 *
 * A Send or Write that went by reference completes only once the peer
 * has acknowledged its last byte (snd_una): until then TCP may send from
 * its pages again (a retransmission; on loopback the receiver reads them
 * later), and a buffer reused after its completion would go out changed.
 * Its completion, and those of the work requests after it, wait in
 * ackq until then while TX goes on; a peer that delays its ACKs delays
 * them too. So Sends and Writes go by reference only when asked: 2 for
 * unsignalled work requests (Linux's siw's choice, though it completes
 * them at once), 3 for every message. 0 copies all.
 */
static uint tx_zcopy = 1;
module_param(tx_zcopy, uint, 0644);
MODULE_PARM_DESC(tx_zcopy,
		 "Zero-copy transmit of FPDUs (6.5+): 0 never, 1 Read Responses (default), 2 and unsignalled WRs, 3 all; a zero-copied WR completes when TCP has its ACK; see Documentation/performance.md");

/*
 * rx.c: zero copy of Sends and Writes asked for here, and so, most
 * likely, on the peers too (a fleet's hosts share their settings).
 */
bool siw_tx_zcopy_wrs(void)
{
	return READ_ONCE(tx_zcopy) >= 2;
}

/*
 * How much a posting process transmits itself before it leaves the rest
 * to the TX thread: loop steps of siw_tx_process() (a small message takes
 * two: start and frame, then push). Bounded so that a process posting batches
 * overlaps with its TX thread instead of doing all of TX in its system
 * call.
 */
static uint tx_direct_budget = SIW_TX_BUDGET;
module_param(tx_direct_budget, uint, 0644);
MODULE_PARM_DESC(tx_direct_budget,
		 "Loop steps a posting process transmits before handing over to the TX thread (1 to 32, default 32)");

static struct siw_pd *siw_tx_pd(struct siw_qp *qp)
{
	return to_siw_pd(qp->base_qp.pd);
}

void siw_tx_kick(struct siw_qp *qp)
{
	struct siw_tx_ctx *tx = qp->tx;
	int cpu;

	if (!tx)
		return;
	/*
	 * RCU: once siw_tx_threads_set() has moved the QP and waited for a
	 * grace period, nobody queues it on the old CPU's thread any more.
	 */
	rcu_read_lock();
	cpu = READ_ONCE(qp->tx_cpu);
	if (cpu < 0)
		goto out;
	/* One queued run holds one QP reference (qp.h). */
	if (test_and_set_bit(SIW_TX_QUEUED, &tx->flags))
		goto out;
	if (!refcount_inc_not_zero(&qp->refs)) {
		clear_bit(SIW_TX_QUEUED, &tx->flags);
		goto out;
	}
	siw_live_inc(SIW_OBJ_TX_WORK);
	siw_tx_schedule(cpu, &qp->tx_work);
out:
	rcu_read_unlock();
}

static void siw_tx_put_mem(struct siw_tx_ctx *tx)
{
	int i;

	for (i = 0; i < tx->nmem; i++) {
		if (tx->mem[i]) {
			siw_mem_put(tx->mem[i]);
			tx->mem[i] = NULL;
		}
	}
	tx->nmem = 0;
}

/* Drop the message in progress; its ring entry stays for the flush. */
static void siw_tx_abandon(struct siw_tx_ctx *tx)
{
	siw_tx_put_mem(tx);
	tx->src = SIW_TX_IDLE;
}

static u32 siw_tx_snd_una(struct siw_qp *qp)
{
	return READ_ONCE(tcp_sk(qp->sock->sk)->snd_una);
}

/*
 * Is @seq still to be acknowledged, given @una? Only if it lies after
 * una and not beyond what TCP has queued: a sequence number from 2 GiB
 * ago would look ahead of una to before() alone.
 */
static bool siw_tx_seq_pending(struct siw_qp *qp, u32 seq, u32 una)
{
	u32 queued = READ_ONCE(tcp_sk(qp->sock->sk)->write_seq) - una;

	return seq - una && seq - una <= queued;
}

/*
 * Under sq_lock, for the SQE in tx->wqe: hold its completion in ackq if
 * zero-copied bytes of it or before it still wait for the peer's ACK.
 * False: complete it now. An unsignalled success is held as nothing.
 */
static bool siw_tx_ack_hold(struct siw_qp *qp, struct siw_tx_ctx *tx,
			    u32 bytes, u16 status)
{
	struct siw_tx_ack *a;
	bool hold;

	spin_lock(&tx->ack_lock);
	if (tx->msg_zcopy) {
		/* All of its bytes are in TCP's queue by now. */
		tx->ack_barrier = READ_ONCE(tcp_sk(qp->sock->sk)->write_seq);
		tx->ack_any = true;
	}
	if (tx->ack_any &&
	    !siw_tx_seq_pending(qp, tx->ack_barrier, siw_tx_snd_una(qp)))
		tx->ack_any = false;
	hold = tx->ack_any || tx->ack_put != tx->ack_get;
	if (hold && (status != SIW_WC_SUCCESS ||
		     (tx->wqe.flags & SIW_WQE_SIGNALLED))) {
		if (tx->ack_put - tx->ack_get >= SIW_TX_ACKQ_SIZE) {
			hold = false;	/* start_sq made room: cannot happen */
		} else {
			a = &tx->ackq[tx->ack_put++ & (SIW_TX_ACKQ_SIZE - 1)];
			a->id = tx->wqe.id;
			a->opcode = tx->wqe.opcode;
			a->bytes = bytes;
			a->status = status;
			a->seq = tx->ack_barrier;
		}
	}
	spin_unlock(&tx->ack_lock);
	return hold;
}

/* rx.c: did TX find the send buffer full since the last call? */
bool siw_tx_space_waited(struct siw_qp *qp)
{
	struct siw_tx_ctx *tx = qp->tx;

	return tx && test_bit(SIW_TX_SPACE_WAIT, &tx->flags) &&
	       test_and_clear_bit(SIW_TX_SPACE_WAIT, &tx->flags);
}

/* Post a held completion, or (@flush) a flush error for a successful one. */
static void siw_tx_ack_post(struct siw_qp *qp, const struct siw_tx_ack *a,
			    bool flush)
{
	struct siw_cqe cqe = {
		.id = a->id,
		.opcode = a->opcode,
		.status = a->status,
		.bytes = a->bytes,
		.base_qp = &qp->base_qp,
	};

	if (flush && a->status == SIW_WC_SUCCESS) {
		cqe.status = SIW_WC_WR_FLUSH_ERR;
		cqe.bytes = 0;
	}
	siw_cq_add(qp->scq, &cqe, false);
}

/*
 * Post the held completions the peer has acknowledged, oldest first.
 * True if some are still held. From TX, from sk_write_space (every ACK
 * while some are held), and from RX before it completes a Read or
 * Atomic, which must not overtake the Writes before it.
 */
bool siw_tx_ack_drain(struct siw_qp *qp)
{
	struct siw_tx_ctx *tx = qp->tx;
	struct siw_tx_ack *a;
	unsigned long flags;
	bool freed = false, held;
	u32 una;

	/* Acquire: pairs with siw_tx_ack_alloc()'s release. */
	if (!tx || !smp_load_acquire(&tx->ackq))
		return false;
	spin_lock_irqsave(&tx->ack_lock, flags);
	una = siw_tx_snd_una(qp);
	while (tx->ack_get != tx->ack_put) {
		a = &tx->ackq[tx->ack_get & (SIW_TX_ACKQ_SIZE - 1)];
		if (siw_tx_seq_pending(qp, a->seq, una))
			break;
		tx->ack_get++;
		siw_tx_ack_post(qp, a, false);
		freed = true;
	}
	if (tx->ack_any && !siw_tx_seq_pending(qp, tx->ack_barrier, una))
		tx->ack_any = false;
	held = tx->ack_get != tx->ack_put;
	spin_unlock_irqrestore(&tx->ack_lock, flags);
	if (freed && test_bit(SIW_TX_ACK_WAIT, &tx->flags) &&
	    test_and_clear_bit(SIW_TX_ACK_WAIT, &tx->flags))
		siw_tx_kick(qp);
	return held;
}

/*
 * Completions were held: have TCP call sk_write_space on every ACK
 * (it does while SOCK_NOSPACE is set), then look once more, for an ACK
 * that came before the flag.
 */
static void siw_tx_ack_arm(struct siw_qp *qp)
{
	struct sock *sk = qp->sock->sk;

	if (sk->sk_socket)
		set_bit(SOCK_NOSPACE, &sk->sk_socket->flags);
	/* The flag before snd_una: pairs with tcp_check_space(). */
	smp_mb__after_atomic();
	siw_tx_ack_drain(qp);
}

/*
 * The QP is in ERROR: qp.c's SQ flush, sq_lock held, before the SQ's
 * entries, which are younger. What the peer acknowledged completes as
 * it went, the rest with a flush error: whether it arrived is unknown.
 */
void siw_tx_ack_flush(struct siw_qp *qp)
{
	struct siw_tx_ctx *tx = qp->tx;
	struct siw_tx_ack *a;
	u32 una;

	/* Acquire: pairs with siw_tx_ack_alloc()'s release. */
	if (!tx || !smp_load_acquire(&tx->ackq))
		return;
	spin_lock(&tx->ack_lock);
	una = siw_tx_snd_una(qp);
	while (tx->ack_get != tx->ack_put) {
		a = &tx->ackq[tx->ack_get++ & (SIW_TX_ACKQ_SIZE - 1)];
		siw_tx_ack_post(qp, a, siw_tx_seq_pending(qp, a->seq, una));
	}
	tx->ack_any = false;
	spin_unlock(&tx->ack_lock);
}

/* Without it (no memory now), Sends and Writes are copied. */
static void siw_tx_ack_alloc(struct siw_tx_ctx *tx)
{
	struct siw_tx_ack *q;

	q = kcalloc(SIW_TX_ACKQ_SIZE, sizeof(*q), GFP_NOWAIT | __GFP_NOWARN);
	if (!q)
		return;
	/* Release: published whole, siw_tx_ack_drain() looks from softirq. */
	smp_store_release(&tx->ackq, q);
}

/*
 * Before an SQE starts: room in ackq for its completion? If not, wait
 * for an ACK (siw_tx_ack_drain() kicks us), flag first, then look again.
 */
static bool siw_tx_ack_blocked(struct siw_qp *qp, struct siw_tx_ctx *tx)
{
	if (!tx->ackq ||
	    READ_ONCE(tx->ack_put) - READ_ONCE(tx->ack_get) < SIW_TX_ACKQ_SIZE)
		return false;
	set_bit(SIW_TX_ACK_WAIT, &tx->flags);
	/*
	 * The flag before the second look; siw_tx_ack_drain() frees room
	 * and then tests the flag, its ack_get under ack_lock, which our
	 * second look (siw_tx_ack_arm() drains) takes too.
	 */
	smp_mb__after_atomic();
	siw_tx_ack_arm(qp);
	if (READ_ONCE(tx->ack_put) - READ_ONCE(tx->ack_get) >= SIW_TX_ACKQ_SIZE)
		return true;
	clear_bit(SIW_TX_ACK_WAIT, &tx->flags);
	return false;
}

/*
 * The SQE in tx->wqe is done. Under sq_lock, if sq_get still names it:
 * clear VALID (the producer may reuse the slot), advance, complete it.
 * Otherwise a flush took it meanwhile and completed it (qp.h).
 */
static void siw_tx_sqe_done(struct siw_qp *qp, struct siw_tx_ctx *tx,
			    u32 bytes, u16 status)
{
	struct siw_sqe *sqe = &qp->sendq[tx->idx & (qp->sq_size - 1)];
	unsigned long flags;
	bool held = false;

	siw_tx_put_mem(tx);
	tx->src = SIW_TX_IDLE;
	/* The CQ takes only ABI opcodes; a bogus one reports as a Send. */
	tx->wqe.opcode = siw_qp_cqe_opcode(qp, tx->wqe.opcode);

	spin_lock_irqsave(&qp->sq_lock, flags);
	if (qp->sq_get == tx->idx) {
		/*
		 * Free the slot before the CQE is seen: a consumer that
		 * polls it may post into the slot at once. Release: our copy
		 * is taken before the producer reuses it.
		 */
		smp_store_release(&sqe->flags, 0);
		qp->sq_get = tx->idx + 1;
		held = tx->ackq && siw_tx_ack_hold(qp, tx, bytes, status);
		if (!held)
			siw_qp_complete_sqe(qp, &tx->wqe, bytes, status);
	}
	spin_unlock_irqrestore(&qp->sq_lock, flags);
	if (held)
		siw_tx_ack_arm(qp);
	if (tx->msg_zcopy)
		siw_stat_add(&qp->stats->tx_zcopy_wrs, 1);
}

/* A local error: the WQE completes with @status, the QP goes down. */
static void siw_tx_local_error(struct siw_qp *qp, struct siw_tx_ctx *tx,
			       u16 status)
{
	pr_debug("siw: QP %u: SQE opcode %u fails locally, status %u\n",
		 siw_qp_id(qp), tx->wqe.opcode, status);
	siw_tx_sqe_done(qp, tx, 0, status);
	siw_qp_terminate(qp, SIW_ERR_RDMAP_LOCAL, NULL, 0);
}

/*
 * Validate the private copy of an SQE. Returns 0 and the payload length,
 * or the SIW_WC_* status to fail it with. The copy is all we look at: a
 * process may rewrite its ring at any time.
 */
static u16 siw_tx_check_sqe(struct siw_qp *qp, const struct siw_sqe *wqe,
			    u32 *len)
{
	u64 sum = 0;
	int i;

	*len = 0;
	switch (wqe->opcode) {
	case SIW_OP_SEND:
	case SIW_OP_SEND_REMOTE_INV:
	case SIW_OP_WRITE:
		break;
	case SIW_OP_SEND_WITH_IMM:
	case SIW_OP_WRITE_WITH_IMM:
		/* The provider checked this at post time; a raw ring did not. */
		if (!qp->conn.ext)
			return SIW_WC_LOC_QP_OP_ERR;
		if (wqe->flags & SIW_WQE_INLINE) {
			if (wqe->num_sge && wqe->sge[0].length >
					    SIW_MAX_INLINE_IMM)
				return SIW_WC_LOC_LEN_ERR;
		} else if (wqe->num_sge > SIW_SQE_IMM_SGE) {
			return SIW_WC_LOC_QP_OP_ERR;
		}
		break;
	case SIW_OP_FETCH_AND_ADD:
	case SIW_OP_COMP_AND_SWAP:
		if (!qp->conn.ext || (wqe->flags & SIW_WQE_INLINE) ||
		    wqe->num_sge != 1 || (wqe->raddr & (sizeof(u64) - 1)))
			return SIW_WC_LOC_QP_OP_ERR;
		if (wqe->sge[0].length != sizeof(u64))
			return SIW_WC_LOC_LEN_ERR;
		*len = sizeof(u64);
		return 0;
	case SIW_OP_READ_LOCAL_INV:
		/* Invalidates a kernel MR: kernel QPs only. */
		if (qp->user)
			return SIW_WC_LOC_QP_OP_ERR;
		fallthrough;
	case SIW_OP_READ:
		if ((wqe->flags & SIW_WQE_INLINE) ||
		    wqe->num_sge > SIW_MAX_SGE_RD)
			return SIW_WC_LOC_QP_OP_ERR;
		break;
	case SIW_OP_REG_MR:
	case SIW_OP_INVAL_STAG:
		/* base_mr is a kernel pointer: kernel QPs only. */
		return qp->user ? SIW_WC_LOC_QP_OP_ERR : 0;
	default:
		return SIW_WC_LOC_QP_OP_ERR;
	}

	if (wqe->flags & SIW_WQE_INLINE) {
		if (wqe->num_sge > 1)
			return SIW_WC_LOC_QP_OP_ERR;
		if (wqe->num_sge && wqe->sge[0].length > SIW_MAX_INLINE)
			return SIW_WC_LOC_LEN_ERR;
		*len = wqe->num_sge ? wqe->sge[0].length : 0;
		return 0;
	}
	if (wqe->num_sge > SIW_MAX_SGE)
		return SIW_WC_LOC_QP_OP_ERR;
	for (i = 0; i < wqe->num_sge; i++)
		sum += wqe->sge[i].length;
	if (sum > U32_MAX)
		return SIW_WC_LOC_LEN_ERR;
	*len = sum;
	return 0;
}

/* Look up and check every SGE of tx->wqe for a local @perms access. */
static int siw_tx_get_sges(struct siw_qp *qp, struct siw_tx_ctx *tx,
			   enum ib_access_flags perms, bool keep)
{
	struct siw_mem *mem;
	int i, rv;

	for (i = 0; i < tx->wqe.num_sge; i++) {
		const struct siw_sge *sge = &tx->wqe.sge[i];

		if (!sge->length)
			continue;
		mem = siw_mem_get(qp->sdev, sge->lkey);
		rv = siw_mem_check(mem, siw_tx_pd(qp), sge->lkey, perms,
				   sge->laddr, sge->length);
		if (rv) {
			if (mem)
				siw_mem_put(mem);
			return rv;
		}
		if (keep) {
			tx->mem[i] = mem;
			tx->nmem = i + 1;
		} else {
			siw_mem_put(mem);
		}
	}
	return 0;
}

/* REG_MR and LOCAL_INV: done at once. */
static void siw_tx_local_op(struct siw_qp *qp, struct siw_tx_ctx *tx)
{
	struct siw_pd *pd = siw_tx_pd(qp);
	struct siw_mr *mr;
	int rv;

	if (tx->wqe.opcode == SIW_OP_REG_MR) {
		rv = -EPERM;
		if (tx->wqe.base_mr) {
			mr = to_siw_mr((struct ib_mr *)(uintptr_t)tx->wqe.base_mr);
			if (mr->mem->pd == pd)
				rv = siw_mem_fastreg(mr, tx->wqe.rkey,
						     tx->wqe.access);
		}
	} else {
		rv = siw_mem_invalidate(qp->sdev, pd, tx->wqe.rkey);
	}
	if (rv) {
		siw_tx_local_error(qp, tx, SIW_WC_LOC_PROT_ERR);
		return;
	}
	siw_tx_sqe_done(qp, tx, 0, SIW_WC_SUCCESS);
}

/* Work that waits in the ORQ for the peer's response. */
static bool siw_tx_uses_orq(u8 opcode)
{
	return opcode == SIW_OP_READ || opcode == SIW_OP_READ_LOCAL_INV ||
	       opcode == SIW_OP_FETCH_AND_ADD || opcode == SIW_OP_COMP_AND_SWAP;
}

static bool siw_tx_orq_empty(struct siw_qp *qp)
{
	return READ_ONCE(qp->orq.put) == READ_ONCE(qp->orq.get);
}

/* Room for one more Read in flight? ord 0 still allows one. */
static bool siw_tx_orq_room(struct siw_qp *qp)
{
	u32 lim = min_t(u32, max_t(u32, qp->ord, 1), qp->orq.size);

	return READ_ONCE(qp->orq.put) - READ_ONCE(qp->orq.get) < lim;
}

/* Can the SQE in tx->wqe start now, as far as the ORQ is concerned? */
static bool siw_tx_orq_ready(struct siw_qp *qp, struct siw_tx_ctx *tx)
{
	if ((tx->wqe.flags & SIW_WQE_READ_FENCE) && !siw_tx_orq_empty(qp))
		return false;
	return !siw_tx_uses_orq(tx->wqe.opcode) || siw_tx_orq_room(qp);
}

/*
 * The SQE waits for a Read (or Atomic) to complete. RX kicks TX for it
 * only if asked (siw_tx_orq_freed()): most completions find nothing
 * waiting, and an idle TX thread woken for nothing costs the latency of
 * every Read. Ask, then look again: a completion between the first look
 * and the flag saw no flag.
 */
static bool siw_tx_orq_blocked(struct siw_qp *qp, struct siw_tx_ctx *tx)
{
	if (siw_tx_orq_ready(qp, tx))
		return false;
	set_bit(SIW_TX_ORQ_WAIT, &tx->flags);
	/* The flag before the second look: pairs with siw_tx_orq_freed(). */
	smp_mb__after_atomic();
	if (!siw_tx_orq_ready(qp, tx))
		return true;
	clear_bit(SIW_TX_ORQ_WAIT, &tx->flags);
	return false;
}

/* rx.c: a Read or Atomic left the ORQ; wake TX if an SQE waits for that. */
void siw_tx_orq_freed(struct siw_qp *qp)
{
	struct siw_tx_ctx *tx = qp->tx;

	if (!tx)
		return;
	/* Our orq.get store before the flag: pairs with siw_tx_orq_blocked(). */
	smp_mb();
	if (test_bit(SIW_TX_ORQ_WAIT, &tx->flags) &&
	    test_and_clear_bit(SIW_TX_ORQ_WAIT, &tx->flags))
		siw_tx_kick(qp);
}

/*
 * A Read moves from the SQ to the ORQ before its request is sent (the
 * response may come back before TX is done with the request), in one
 * step under sq_lock so that a flush sees it in exactly one of them.
 * False if a flush took the SQE meanwhile.
 */
static bool siw_tx_orq_push(struct siw_qp *qp, struct siw_tx_ctx *tx)
{
	struct siw_sqe *sqe = &qp->sendq[tx->idx & (qp->sq_size - 1)];
	unsigned long flags;
	bool ours;

	spin_lock_irqsave(&qp->sq_lock, flags);
	ours = qp->sq_get == tx->idx;
	if (ours) {
		spin_lock(&qp->orq.lock);
		qp->orq.q[qp->orq.put & (qp->orq.size - 1)] = tx->wqe;
		qp->orq.put++;
		spin_unlock(&qp->orq.lock);
		/* Release: our copy is taken before the producer reuses it. */
		smp_store_release(&sqe->flags, 0);
		qp->sq_get = tx->idx + 1;
	}
	spin_unlock_irqrestore(&qp->sq_lock, flags);
	return ours;
}

/* Copy the SQE at sq_get, if any, into tx->wqe. */
static bool siw_tx_fetch_sq(struct siw_qp *qp, struct siw_tx_ctx *tx)
{
	struct siw_sqe *sqe;
	unsigned long flags;
	bool got = false;
	u16 f;

	spin_lock_irqsave(&qp->sq_lock, flags);
	sqe = &qp->sendq[qp->sq_get & (qp->sq_size - 1)];
	/*
	 * libsiw rings the doorbell only if the slot before its new SQEs is
	 * free: it stores the new VALID, then loads the old slot's flags. We
	 * freed that slot (a store) and now load the next VALID: a full
	 * barrier, so that one of the two sides sees the other's store.
	 */
	smp_mb();
	/* Acquire: the contents only after VALID. */
	f = smp_load_acquire(&sqe->flags);
	if (f & SIW_WQE_VALID) {
		memcpy(&tx->wqe, sqe, sizeof(tx->wqe));
		tx->wqe.flags = f;
		tx->idx = qp->sq_get;
		got = true;
	}
	spin_unlock_irqrestore(&qp->sq_lock, flags);
	return got;
}

/*
 * Start the SQE in tx->wqe. False if it has to wait for the ORQ (a Read
 * with the ORQ full, or a fenced WQE with Reads outstanding): the SQE
 * then stays in the ring and RX kicks us when a Read completes.
 */
static bool siw_tx_start_sq(struct siw_qp *qp, struct siw_tx_ctx *tx)
{
	bool se = tx->wqe.flags & SIW_WQE_SOLICITED;
	u16 status;
	u32 len;
	int rv;

	if (siw_tx_orq_blocked(qp, tx) || siw_tx_ack_blocked(qp, tx))
		return false;
	/* Zero copy holds completions (siw_tx_ack_hold()): room for them. */
	if (SIW_TCP_SPLICE_PAGES && !tx->ackq && siw_tx_zcopy_wrs())
		siw_tx_ack_alloc(tx);

	tx->src = SIW_TX_SQ;
	tx->done = 0;
	tx->sge = 0;
	tx->sge_off = 0;
	tx->imm_pending = false;
	tx->msg_zcopy = false;

	status = siw_tx_check_sqe(qp, &tx->wqe, &len);
	if (status) {
		siw_tx_local_error(qp, tx, status);
		return true;
	}
	tx->len = len;

	switch (tx->wqe.opcode) {
	case SIW_OP_REG_MR:
	case SIW_OP_INVAL_STAG:
		siw_tx_local_op(qp, tx);
		return true;
	case SIW_OP_READ:
	case SIW_OP_READ_LOCAL_INV:
		/* Our sink: checked now, placed into by RX. */
		rv = siw_tx_get_sges(qp, tx, IB_ACCESS_LOCAL_WRITE, false);
		if (rv) {
			siw_tx_local_error(qp, tx, SIW_WC_LOC_PROT_ERR);
			return true;
		}
		tx->op = SIW_RDMAP_OP_READ_REQ;
		tx->len = 0;
		if (!siw_tx_orq_push(qp, tx)) {
			tx->src = SIW_TX_IDLE;
			return true;
		}
		tx->src = SIW_TX_RREQ;
		tx->msn = tx->msn_next[SIW_QN_RREQ]++;
		return true;
	case SIW_OP_FETCH_AND_ADD:
	case SIW_OP_COMP_AND_SWAP:
		/* Our sink for the original value, as for a Read. */
		rv = siw_tx_get_sges(qp, tx, IB_ACCESS_LOCAL_WRITE, false);
		if (rv) {
			siw_tx_local_error(qp, tx, SIW_WC_LOC_PROT_ERR);
			return true;
		}
		tx->op = SIW_RDMAP_OP_ATOMIC_REQ;
		tx->len = 0;
		/*
		 * Atomic Requests share queue 1 and its MSNs with Read
		 * Requests; the MSN is also the request id the response
		 * quotes, kept in the ORQ copy's spare SGE slot.
		 */
		tx->msn = tx->msn_next[SIW_QN_RREQ];
		tx->wqe.sge[SIW_MAX_SGE - 1].lkey = tx->msn;
		if (!siw_tx_orq_push(qp, tx)) {
			tx->src = SIW_TX_IDLE;
			return true;
		}
		tx->msn_next[SIW_QN_RREQ]++;
		tx->src = SIW_TX_RREQ;
		return true;
	case SIW_OP_WRITE_WITH_IMM:
		tx->imm_pending = true;
		tx->imm_len = len;
		fallthrough;
	case SIW_OP_WRITE:
		tx->op = SIW_RDMAP_OP_WRITE;
		break;
	case SIW_OP_SEND_WITH_IMM:
		/* The Immediate Data message carries the solicited event. */
		tx->imm_pending = true;
		tx->imm_len = len;
		tx->op = SIW_RDMAP_OP_SEND;
		break;
	case SIW_OP_SEND:
		tx->op = se ? SIW_RDMAP_OP_SEND_SE : SIW_RDMAP_OP_SEND;
		break;
	default:	/* SIW_OP_SEND_REMOTE_INV */
		tx->op = se ? SIW_RDMAP_OP_SEND_SE_INV : SIW_RDMAP_OP_SEND_INV;
		break;
	}
	if (tx->op != SIW_RDMAP_OP_WRITE)
		tx->msn = tx->msn_next[SIW_QN_SEND]++;
	if (!(tx->wqe.flags & SIW_WQE_INLINE)) {
		rv = siw_tx_get_sges(qp, tx, 0, true);
		if (rv) {
			siw_tx_local_error(qp, tx, SIW_WC_LOC_PROT_ERR);
			return true;
		}
	}
	return true;
}

static bool siw_tx_irq_pending(struct siw_qp *qp)
{
	return READ_ONCE(qp->irq.put) != READ_ONCE(qp->irq.get);
}

/*
 * Start answering the Read Request at irq.get. Its slot is free as soon
 * as we hold the copy: the peer may issue its next Read the moment the
 * last byte of this response is in TCP's hands (on loopback, before
 * sendmsg() even returns), and must find room for it then.
 */
static void siw_tx_start_irq(struct siw_qp *qp, struct siw_tx_ctx *tx)
{
	struct siw_sge *sge = &tx->wqe.sge[0];
	unsigned long flags;
	int rv;

	spin_lock_irqsave(&qp->irq.lock, flags);
	tx->wqe = qp->irq.q[qp->irq.get & (qp->irq.size - 1)];
	tx->idx = qp->irq.get;
	qp->irq.get++;
	spin_unlock_irqrestore(&qp->irq.lock, flags);

	tx->src = SIW_TX_IRQ;
	tx->imm_pending = false;
	if (tx->wqe.opcode != SIW_OP_READ_RESPONSE) {
		/* An Atomic Response: the operation was done by RX. */
		tx->op = SIW_RDMAP_OP_ATOMIC_RESP;
		tx->msn = tx->msn_next[SIW_QN_ATOMIC_RESP]++;
		tx->len = 0;
		tx->done = 0;
		tx->irq_burst++;
		return;
	}
	tx->op = SIW_RDMAP_OP_READ_RESP;
	tx->wqe.num_sge = 1;
	tx->wqe.flags = 0;
	tx->len = sge->length;
	tx->done = 0;
	tx->sge = 0;
	tx->sge_off = 0;
	tx->irq_burst++;
	if (!tx->len)
		return;

	/* RX checked the source; the MR may have changed since. */
	tx->mem[0] = siw_mem_get(qp->sdev, sge->lkey);
	tx->nmem = 1;
	rv = siw_mem_check(tx->mem[0], siw_tx_pd(qp), sge->lkey,
			   IB_ACCESS_REMOTE_READ, sge->laddr, sge->length);
	if (rv) {
		siw_tx_put_mem(tx);
		tx->src = SIW_TX_IDLE;
		siw_qp_terminate(qp, siw_mem_err_cause(rv, true, sge->laddr,
						       sge->length), NULL, 0);
	}
}

/*
 * Pick the next message: Read Responses first, but the SQ gets its turn
 * after a burst of them. An SQE waiting for the ORQ never holds up Read
 * Responses (the peer may be waiting for them to answer ours). False if
 * there is nothing to do now.
 */
static bool siw_tx_next(struct siw_qp *qp, struct siw_tx_ctx *tx)
{
	bool sq = siw_tx_fetch_sq(qp, tx);
	bool irq = siw_tx_irq_pending(qp);

	if (sq && (!irq || tx->irq_burst >= SIW_TX_IRQ_BURST) &&
	    siw_tx_start_sq(qp, tx)) {
		tx->irq_burst = 0;
		return true;
	}
	if (!irq)
		return false;
	siw_tx_start_irq(qp, tx);
	return true;
}

/* Largest ULPDU for the current MSS (RFC 5044 MULPDU). */
static u32 siw_tx_max_ulpdu(struct siw_qp *qp)
{
	u32 mss = READ_ONCE(tcp_sk(qp->sock->sk)->mss_cache);
	bool markers = qp->conn.markers_tx;
	int m = siw_mpa_mulpdu(mss, markers);

	if (m < SIW_TX_MIN_ULPDU)
		m = SIW_TX_MIN_ULPDU;
	if (markers && m > SIW_TX_MAX_ULPDU_MARKERS)
		m = SIW_TX_MAX_ULPDU_MARKERS;
	return m;
}

/* Copy the next @n payload bytes of the message to @dst. */
static int siw_tx_gather(struct siw_tx_ctx *tx, u8 *dst, u32 n)
{
	const struct siw_sge *sge;
	u32 k;
	int rv;

	if (tx->wqe.flags & SIW_WQE_INLINE) {
		memcpy(dst, (u8 *)&tx->wqe.sge[1] + tx->done, n);
		return 0;
	}
	while (n) {
		if (tx->sge >= tx->wqe.num_sge)
			return -EFAULT;
		sge = &tx->wqe.sge[tx->sge];
		if (tx->sge_off >= sge->length) {
			tx->sge++;
			tx->sge_off = 0;
			continue;
		}
		k = min(n, sge->length - tx->sge_off);
		rv = siw_mem_copy(tx->mem[tx->sge], sge->laddr + tx->sge_off,
				  dst, k, false);
		if (rv)
			return rv;
		tx->sge_off += k;
		dst += k;
		n -= k;
	}
	return 0;
}

static unsigned int siw_tx_build_flags(const struct siw_qp *qp)
{
	return qp->conn.ext ? SIW_PARSE_EXT : 0;
}

/*
 * The DDP/RDMAP header of the next segment, @seg payload bytes, into @h,
 * which the caller zeroed (as its declaration: kernels built with
 * INIT_STACK_ALL_ZERO would zero it twice otherwise).
 */
static void siw_tx_hdr(struct siw_tx_ctx *tx, u32 seg, struct siw_iwarp_hdr *h)
{
	const struct siw_opcode_info *oi = siw_rdmap_opcode_info(tx->op);

	h->opcode = tx->op;
	h->last = tx->done + seg == tx->len;
	h->payload_len = seg;
	if (oi->flags & SIW_OPF_TAGGED) {
		h->stag = tx->wqe.rkey;
		h->to = tx->wqe.raddr + tx->done;
	} else {
		h->qn = oi->qn;
		h->msn = tx->msn;
		h->mo = tx->done;
		h->inval_stag = tx->wqe.rkey;
	}
	if (tx->op == SIW_RDMAP_OP_READ_REQ && tx->wqe.num_sge) {
		h->rreq.sink_stag = tx->wqe.sge[0].lkey;
		h->rreq.sink_to = tx->wqe.sge[0].laddr;
		h->rreq.read_size = tx->wqe.sge[0].length;
	}
	if (tx->op == SIW_RDMAP_OP_READ_REQ) {
		h->rreq.src_stag = tx->wqe.rkey;
		h->rreq.src_to = tx->wqe.raddr;
	}
	switch (tx->op) {
	case SIW_RDMAP_OP_SEND:
		h->imm_next = tx->imm_pending;
		break;
	case SIW_RDMAP_OP_IMM_DATA:
	case SIW_RDMAP_OP_IMM_DATA_SE:
		/* The verbs' 32 bit value, in the low half of the field. */
		h->imm = be32_to_cpu((__force __be32)
				     tx->wqe.sge[SIW_SQE_IMM_SGE].lkey);
		break;
	case SIW_RDMAP_OP_ATOMIC_REQ:
		h->inval_stag = 0;
		h->atomic.op = tx->wqe.opcode == SIW_OP_COMP_AND_SWAP ?
			       SIW_ATOMIC_CMP_SWAP : SIW_ATOMIC_FETCH_ADD;
		h->atomic.req_id = tx->msn;
		h->atomic.stag = tx->wqe.rkey;
		h->atomic.to = tx->wqe.raddr;
		if (h->atomic.op == SIW_ATOMIC_CMP_SWAP) {
			h->atomic.cmp =
				tx->wqe.sge[SIW_SQE_ATOMIC_CMP_ADD].laddr;
			h->atomic.cmp_mask =
				tx->wqe.sge[SIW_SQE_ATOMIC_CMP_ADD_MASK].laddr;
			h->atomic.add_swap =
				tx->wqe.sge[SIW_SQE_ATOMIC_SWAP].laddr;
			h->atomic.add_swap_mask =
				tx->wqe.sge[SIW_SQE_ATOMIC_SWAP_MASK].laddr;
		} else {
			h->atomic.add_swap =
				tx->wqe.sge[SIW_SQE_ATOMIC_CMP_ADD].laddr;
			h->atomic.add_swap_mask =
				tx->wqe.sge[SIW_SQE_ATOMIC_CMP_ADD_MASK].laddr;
		}
		break;
	case SIW_RDMAP_OP_ATOMIC_RESP:
		h->inval_stag = 0;
		h->atomic.req_id = tx->wqe.rkey;
		h->atomic.orig = tx->wqe.raddr;
		break;
	default:
		break;
	}
}

/* Any header, through struct siw_iwarp_hdr and the generic builder. */
static noinline int siw_tx_build_any(struct siw_qp *qp, struct siw_tx_ctx *tx,
				     u32 seg, u8 *buf, size_t len)
{
	struct siw_iwarp_hdr h = {};

	siw_tx_hdr(tx, seg, &h);
	return siw_iwarp_build(&h, siw_tx_build_flags(qp), buf, len);
}

/*
 * ULPDU_Length and the header of the next segment, @seg payload bytes,
 * into @buf: Writes, Read Responses and Sends directly, the rest (and a
 * Send that announces Immediate Data) through siw_tx_build_any(), which
 * fills and zeroes a 160 byte struct first. Returns its length or an
 * error.
 */
static int siw_tx_build_hdr(struct siw_qp *qp, struct siw_tx_ctx *tx,
			    u32 seg, u8 *buf, size_t len)
{
	bool last = tx->done + seg == tx->len;

	switch (tx->op) {
	case SIW_RDMAP_OP_WRITE:
	case SIW_RDMAP_OP_READ_RESP:
		return siw_iwarp_build_tagged(buf, tx->op, last, tx->wqe.rkey,
					      tx->wqe.raddr + tx->done, seg);
	case SIW_RDMAP_OP_SEND:
		if (tx->imm_pending)
			break;
		fallthrough;
	case SIW_RDMAP_OP_SEND_SE:
	case SIW_RDMAP_OP_SEND_INV:
	case SIW_RDMAP_OP_SEND_SE_INV:
		return siw_iwarp_build_send(buf, tx->op, last, tx->wqe.rkey,
					    tx->msn, tx->done, seg);
	default:
		break;
	}
	return siw_tx_build_any(qp, tx, seg, buf, len);
}

/*
 * Markers: the frame (header and a copy of the payload) goes through
 * siw_fpdu_build() into the wire image.
 */
static int siw_tx_frame_copy(struct siw_qp *qp, struct siw_tx_ctx *tx,
			     u32 max, u32 *segp)
{
	u32 seg = min(tx->len - tx->done, max);
	int hl, rv;

	hl = siw_tx_build_hdr(qp, tx, seg, tx->frame, SIW_TX_FRAME_MAX);
	if (hl < 0)
		return hl;
	rv = siw_tx_gather(tx, tx->frame + hl, seg);
	if (rv)
		return rv;
	rv = siw_fpdu_build(tx->stream_off, tx->frame, hl + seg, true,
			    qp->conn.crc, tx->wire, SIW_TX_WIRE_MAX);
	if (rv < 0)
		return rv;
	tx->nbvec = 0;
	tx->fpdu_zcopy = false;
	tx->wire_len = rv;
	tx->wire_sent = 0;
	tx->stream_off += rv;
	*segp = seg;
	return 0;
}

/*
 * Point bvec[*n] on at the next payload bytes, at most @want and as many
 * as the free bvecs reach (one is kept for the trailer). Returns the
 * bytes or -EFAULT.
 */
static int siw_tx_spans(struct siw_tx_ctx *tx, u32 want, u32 *n)
{
	const struct siw_sge *sge;
	struct siw_mem_span span;
	struct siw_mem_iter it;
	u32 got = 0, k;
	int rv;

	while (got < want && *n < SIW_TX_MAX_BVEC - 1) {
		if (tx->sge >= tx->wqe.num_sge)
			return -EFAULT;
		sge = &tx->wqe.sge[tx->sge];
		if (tx->sge_off >= sge->length) {
			tx->sge++;
			tx->sge_off = 0;
			continue;
		}
		k = min(want - got, sge->length - tx->sge_off);
		siw_mem_iter_init(&it, tx->mem[tx->sge],
				  sge->laddr + tx->sge_off, k);
		while (*n < SIW_TX_MAX_BVEC - 1) {
			rv = siw_mem_iter_next(&it, &span);
			if (rv < 0)
				return rv;
			if (!rv)
				break;
			tx->bvec[*n].bv_page = span.page;
			tx->bvec[*n].bv_offset = span.offset;
			tx->bvec[*n].bv_len = span.len;
			(*n)++;
			got += span.len;
			tx->sge_off += span.len;
		}
	}
	return got;
}

/*
 * May TCP take the payload pieces bvec[1..n) of this FPDU by reference?
 * Per tx_zcopy, for messages of at least SIW_ZCOPY_MIN, and only
 * pages that may be referenced (sendpage_ok(): not slab memory, which a
 * kernel MR may use; TCP would refuse them).
 */
static bool siw_tx_zcopy_ok(const struct siw_tx_ctx *tx, u32 n)
{
	uint mode = READ_ONCE(tx_zcopy);
	u32 i;

	if (!SIW_TCP_SPLICE_PAGES || !mode || tx->len < SIW_ZCOPY_MIN)
		return false;
	if (tx->src != SIW_TX_IRQ &&
	    (mode == 1 || (mode == 2 && (tx->wqe.flags & SIW_WQE_SIGNALLED)) ||
	     !tx->ackq))
		return false;
	for (i = 1; i < n; i++)
		if (!sendpage_ok(tx->bvec[i].bv_page))
			return false;
	return true;
}

/*
 * Where in zc_page the header of a zero-copied FPDU goes, with room for
 * its trailer, or NULL; the caller moves zc_off past what it used. A
 * full page is left to the skbs that still hold it. Runs under
 * run_lock, in process context, but sends must not wait for memory:
 * without room the FPDU is copied.
 */
static u8 *siw_tx_zc_room(struct siw_tx_ctx *tx)
{
	struct page *page;

	BUILD_BUG_ON(SIW_MPA_LEN_SIZE + SIW_DDP_UNTAGGED_HDR_LEN >
		     SIW_TX_ZC_HDR_MAX);
	if (!tx->zc_page || tx->zc_off + SIW_TX_ZC_ROOM > PAGE_SIZE) {
		page = alloc_page(GFP_NOWAIT | __GFP_NOWARN);
		if (!page)
			return NULL;
		if (tx->zc_page)
			put_page(tx->zc_page);
		tx->zc_page = page;
		tx->zc_off = 0;
	}
	return page_address(tx->zc_page) + tx->zc_off;
}

/*
 * No markers: the FPDU goes out as pieces, the payload straight from its
 * pages (TCP copies it once, in sendmsg(), or with tx_zcopy takes the
 * pages by reference); only the header, inline data and the trailer are
 * written, into kpage, or for zero copy into zc_page. A small message
 * is copied in behind the header instead, and the FPDU is one piece.
 */
static int siw_tx_frame_pieces(struct siw_qp *qp, struct siw_tx_ctx *tx,
			       u32 max, u32 *segp)
{
	const struct siw_opcode_info *oi = siw_rdmap_opcode_info(tx->op);
	bool inl = tx->wqe.flags & SIW_WQE_INLINE;
	bool flat = inl || tx->len - tx->done <= SIW_TX_FLAT_MAX;
	u8 *hdr = page_address(tx->kpage);
	u8 *trailer = hdr + SIW_TX_TRAILER_OFF;
	struct page *hpage = tx->kpage;
	u32 seg = min(tx->len - tx->done, max);
	u32 n = 1, i, pad, hlen, total, crc;
	int hl, rv;
	u8 *p;

	hlen = SIW_MPA_LEN_SIZE + oi->hdr_len;
	if (inl) {
		/* At most SIW_MAX_INLINE: always one segment. */
		memcpy(hdr + hlen, (u8 *)&tx->wqe.sge[1] + tx->done, seg);
	} else if (flat) {
		rv = siw_tx_gather(tx, hdr + hlen, seg);
		if (rv)
			return rv;
	} else {
		rv = siw_tx_spans(tx, seg, &n);
		if (rv < 0)
			return rv;
		seg = rv;
	}
	tx->fpdu_zcopy = false;
	if (!flat && hlen <= SIW_TX_ZC_HDR_MAX && siw_tx_zcopy_ok(tx, n)) {
		p = siw_tx_zc_room(tx);
		if (p) {
			hdr = p;
			hpage = tx->zc_page;
			tx->fpdu_zcopy = true;
		}
	}

	hl = siw_tx_build_hdr(qp, tx, seg, hdr, hlen);
	if (hl < 0)
		return hl;
	pad = siw_mpa_pad(hl - SIW_MPA_LEN_SIZE + seg);
	if (tx->fpdu_zcopy) {
		/* The trailer right behind the header; the next one after. */
		trailer = hdr + hl;
		tx->zc_off += hl + pad + SIW_MPA_CRC_SIZE;
	}
	tx->bvec[0].bv_page = hpage;
	tx->bvec[0].bv_offset = offset_in_page(hdr);
	tx->bvec[0].bv_len = hl;

	if (flat) {
		/* Header, payload, pad and CRC, all in kpage: one piece. */
		trailer = hdr + hl + seg;
		memset(trailer, 0, pad);
		crc = qp->conn.crc ? ~siw_crc32c(~0U, hdr, hl + seg + pad) : 0;
		siw_put_le32(trailer + pad, crc);
		tx->bvec[0].bv_len += seg + pad + SIW_MPA_CRC_SIZE;
	} else {
		memset(trailer, 0, pad);
		crc = 0;
		if (qp->conn.crc) {
			crc = ~0U;
			for (i = 0; i < n; i++) {
				p = kmap_local_page(tx->bvec[i].bv_page);
				crc = siw_crc32c(crc,
						 p + tx->bvec[i].bv_offset,
						 tx->bvec[i].bv_len);
				kunmap_local(p);
			}
			crc = ~siw_crc32c(crc, trailer, pad);
		}
		siw_put_le32(trailer + pad, crc);
		tx->bvec[n].bv_page = hpage;
		tx->bvec[n].bv_offset = offset_in_page(trailer);
		tx->bvec[n].bv_len = pad + SIW_MPA_CRC_SIZE;
		n++;
	}

	total = siw_fpdu_len(hl - SIW_MPA_LEN_SIZE + seg);
	tx->nbvec = n;
	tx->wire_len = total;
	tx->wire_sent = 0;
	tx->stream_off += total;
	*segp = seg;
	return 0;
}

/*
 * Fault injection on the FPDU just framed (fault.h). Corruption damages
 * the CRC where there is one (the peer counts a CRC error), otherwise
 * the DDP version bits of the first piece (the header, or a marker in
 * front of it: a version error or a bad marker).
 */
static void siw_tx_fault(struct siw_qp *qp, struct siw_tx_ctx *tx,
			 bool tagged)
{
	u32 delay_ms = 0;
	u8 *first;

	switch (siw_fault_fpdu(qp, tagged, &delay_ms)) {
	case SIW_FAULT_TYPE_DROP:
		tx->wire_sent = tx->wire_len;
		break;
	case SIW_FAULT_TYPE_CORRUPT:
		if (qp->conn.crc && tx->nbvec) {
			/* The CRC itself: the trailer piece ends with it. */
			first = page_address(tx->bvec[tx->nbvec - 1].bv_page) +
				tx->bvec[tx->nbvec - 1].bv_offset +
				tx->bvec[tx->nbvec - 1].bv_len - 1;
			*first ^= 0xff;
			break;
		}
		first = tx->nbvec ? page_address(tx->bvec[0].bv_page) +
				    tx->bvec[0].bv_offset : tx->wire;
		first[SIW_MPA_LEN_SIZE] ^= 0x03;
		break;
	case SIW_FAULT_TYPE_TRUNCATE:
		tx->wire_len /= 2;
		tx->fault_reset = true;
		break;
	case SIW_FAULT_TYPE_DELAY:
		msleep(delay_ms);
		break;
	case SIW_FAULT_TYPE_RESET:
		tx->wire_sent = tx->wire_len;
		tcp_abort(qp->sock->sk, ECONNRESET);
		break;
	default:
		break;
	}
}

/*
 * Largest payload of the next FPDU: one MSS worth (RFC 5044), or, with a
 * peer that agreed to GSO FPDUs, SIW_TX_GSO_PAYLOAD for TCP to segment.
 */
static u32 siw_tx_max_payload(struct siw_qp *qp, u32 hdr_len)
{
	/* Room for the largest header (Atomic Request) in ULPDU_Length. */
	BUILD_BUG_ON(SIW_TX_GSO_PAYLOAD + SIW_DDP_UNTAGGED_HDR_LEN +
		     SIW_RREQ_HDR_LEN * 2 > SIW_MPA_ULPDU_MAX);
	if (qp->conn.gso && !qp->conn.markers_tx)
		return SIW_TX_GSO_PAYLOAD;
	return siw_tx_max_ulpdu(qp) - hdr_len;
}

/* Build the next FPDU of the message in progress. */
static void siw_tx_frame(struct siw_qp *qp, struct siw_tx_ctx *tx)
{
	const struct siw_opcode_info *oi = siw_rdmap_opcode_info(tx->op);
	u32 max = siw_tx_max_payload(qp, oi->hdr_len), seg = 0;
	int rv;

	if (qp->conn.markers_tx)
		rv = siw_tx_frame_copy(qp, tx, max, &seg);
	else
		rv = siw_tx_frame_pieces(qp, tx, max, &seg);
	if (rv)
		goto err;
	tx->done += seg;
	tx->fpdu_payload = seg;
	tx->fpdu_last = tx->done == tx->len;
	tx->fpdu_term = false;
	if (unlikely(!list_empty(&qp->sdev->faults)))
		siw_tx_fault(qp, tx, oi->flags & SIW_OPF_TAGGED);
	return;

err:
	pr_debug("siw: QP %u: cannot frame %s: %d\n", siw_qp_id(qp),
		 oi->name, rv);
	if (tx->src == SIW_TX_SQ) {
		siw_tx_local_error(qp, tx, SIW_WC_LOC_PROT_ERR);
		return;
	}
	siw_tx_abandon(tx);
	siw_qp_terminate(qp, SIW_ERR_RDMAP_LOCAL, NULL, 0);
}

/* The last FPDU of the message went to TCP. */
static void siw_tx_msg_sent(struct siw_qp *qp, struct siw_tx_ctx *tx)
{
	if (tx->src == SIW_TX_SQ && tx->imm_pending) {
		/* *_WITH_IMM: the Immediate Data message comes next. */
		tx->imm_pending = false;
		tx->op = (tx->wqe.flags & SIW_WQE_SOLICITED) ?
			 SIW_RDMAP_OP_IMM_DATA_SE : SIW_RDMAP_OP_IMM_DATA;
		tx->msn = tx->msn_next[SIW_QN_SEND]++;
		siw_tx_put_mem(tx);
		tx->len = 0;
		tx->done = 0;
		return;
	}
	if (tx->src == SIW_TX_SQ) {
		u32 bytes = tx->op == SIW_RDMAP_OP_IMM_DATA ||
			    tx->op == SIW_RDMAP_OP_IMM_DATA_SE ?
			    tx->imm_len : tx->len;

		siw_tx_sqe_done(qp, tx, bytes, SIW_WC_SUCCESS);
		return;
	}
	/*
	 * A Read Request's SQE completes from the ORQ (rx.c); a Read
	 * Response's IRQ slot was freed when it started.
	 */
	siw_tx_abandon(tx);
}

/*
 * Hand the rest of the current FPDU to TCP: 0, -EAGAIN or an error.
 * Straight to tcp_sendmsg_locked(), as kTLS does: sock_sendmsg() would
 * only add the LSM's socket check (our own kernel socket) and two
 * indirect calls per FPDU. The socket lock is dropped after each call,
 * as tcp_sendmsg() does, so that the ACKs queued meanwhile free room
 * before the next one.
 */
static int siw_tx_push(struct siw_qp *qp, struct siw_tx_ctx *tx)
{
	struct sock *sk = qp->sock->sk;
	struct msghdr msg = {};
	struct kvec kv;
	int rv;

	while (tx->wire_sent < tx->wire_len) {
		msg.msg_flags = MSG_DONTWAIT | MSG_NOSIGNAL;
		/*
		 * The next MSS-sized FPDU of the message follows: let TCP
		 * wait and fill its skbs. Not between GSO FPDUs, which fill
		 * an skb each: corking their tails cost 6.12 a fifth of its
		 * 1 MiB bandwidth.
		 */
		if (!tx->fpdu_last && !qp->conn.gso)
			msg.msg_flags |= MSG_MORE;
		/* Header, payload and trailer by reference, in one call. */
		if (tx->fpdu_zcopy)
			msg.msg_flags |= MSG_SPLICE_PAGES;
		if (tx->nbvec) {
			iov_iter_bvec(&msg.msg_iter, ITER_SOURCE, tx->bvec,
				      tx->nbvec, tx->wire_len);
			if (tx->wire_sent)
				iov_iter_advance(&msg.msg_iter, tx->wire_sent);
		} else {
			kv.iov_base = tx->wire + tx->wire_sent;
			kv.iov_len = tx->wire_len - tx->wire_sent;
			iov_iter_kvec(&msg.msg_iter, ITER_SOURCE, &kv, 1,
				      kv.iov_len);
		}
		lock_sock(sk);
		rv = tcp_sendmsg_locked(sk, &msg, tx->wire_len - tx->wire_sent);
		release_sock(sk);
		if (rv <= 0)
			return rv ? rv : -EAGAIN;
		tx->wire_sent += rv;
		siw_stat_add(&qp->stats->tx_bytes, rv);
		if (tx->fpdu_zcopy) {
			siw_stat_add(&qp->stats->tx_zcopy, rv);
			if (tx->src == SIW_TX_SQ)
				tx->msg_zcopy = true;
		}
	}
	return 0;
}

static void siw_tx_frame_term(struct siw_qp *qp, struct siw_tx_ctx *tx)
{
	unsigned long flags;
	int rv;

	/* Whatever was in progress is never finished: the QP goes down. */
	siw_tx_abandon(tx);
	spin_lock_irqsave(&tx->term_lock, flags);
	rv = siw_fpdu_build(tx->stream_off, tx->term_frame, tx->term_len,
			    qp->conn.markers_tx, qp->conn.crc, tx->wire,
			    tx->wire_size);
	tx->term_pending = false;
	spin_unlock_irqrestore(&tx->term_lock, flags);
	if (rv < 0) {
		tx->term_done = true;
		siw_cm_close(qp->cep);
		return;
	}
	tx->nbvec = 0;
	tx->fpdu_zcopy = false;
	tx->wire_len = rv;
	tx->wire_sent = 0;
	tx->stream_off += rv;
	tx->fpdu_last = true;
	tx->fpdu_term = true;
	tx->fpdu_payload = 0;
}

/* An FPDU is all in TCP's hands: count it, tell monitors of a Terminate. */
static void siw_tx_fpdu_sent(struct siw_qp *qp, struct siw_tx_ctx *tx)
{
	const u8 *ctrl;
	u32 extra;

	if (!tx->fpdu_term) {
		siw_stats_op_tx(qp->stats, tx->op, tx->fpdu_payload);
		trace_siw_fpdu_tx(qp, tx->op, tx->fpdu_payload);
		return;
	}
	/* What follows its header, as the receiver counts it. */
	extra = tx->term_len - SIW_MPA_LEN_SIZE - SIW_DDP_UNTAGGED_HDR_LEN -
		SIW_TERM_CTRL_LEN;
	siw_stats_op_tx(qp->stats, SIW_RDMAP_OP_TERMINATE, extra);
	siw_stat_add(&qp->stats->terms_sent, 1);
	ctrl = tx->term_frame + SIW_MPA_LEN_SIZE + SIW_TERM_OFF_CTRL;
	trace_siw_fpdu_tx(qp, SIW_RDMAP_OP_TERMINATE, extra);
	trace_siw_terminate(qp, true, ctrl[0] >> 4, ctrl[0] & 0xf, ctrl[1]);
	siw_nl_term(qp, true, ctrl[0] >> 4, ctrl[0] & 0xf, ctrl[1]);
}

static void siw_tx_process(struct siw_qp *qp, struct siw_tx_ctx *tx,
			   int budget)
{
	enum siw_qp_state state;
	int rv;

	for (;;) {
		if (!budget--) {
			/* Yield to the thread's other QPs, then go on. */
			siw_tx_kick(qp);
			return;
		}
		if (!tx->broken && tx->wire_sent < tx->wire_len) {
			rv = siw_tx_push(qp, tx);
			if (rv == -EAGAIN) {
				set_bit(SIW_TX_SPACE_WAIT, &tx->flags);
				siw_stat_add(&qp->stats->backpressure, 1);
				trace_siw_sk_blocked(qp, READ_ONCE(qp->sock->sk->sk_wmem_queued));
				return;		/* sk_write_space kicks us */
			}
			if (rv) {
				pr_debug("siw: QP %u: send failed: %d\n",
					 siw_qp_id(qp), rv);
				tx->broken = true;
				siw_tx_abandon(tx);
				siw_qp_llp_closed(qp);
				if (tx->fpdu_term) {
					tx->term_done = true;
					siw_cm_close(qp->cep);
				}
				continue;
			}
			siw_tx_fpdu_sent(qp, tx);
			if (tx->fault_reset) {
				tx->fault_reset = false;
				tcp_abort(qp->sock->sk, ECONNRESET);
			}
			if (tx->fpdu_term) {
				tx->term_done = true;
				siw_cm_close(qp->cep);
			} else if (tx->fpdu_last && tx->src != SIW_TX_IDLE) {
				siw_tx_msg_sent(qp, tx);
			}
			continue;
		}
		if (READ_ONCE(tx->term_pending) && !tx->term_done) {
			if (!tx->broken) {
				siw_tx_frame_term(qp, tx);
				continue;
			}
			tx->term_done = true;
			WRITE_ONCE(tx->term_pending, false);
			siw_cm_close(qp->cep);
		}

		state = READ_ONCE(qp->state);
		/* Not RTS: what is left is flushed by qp.c (ORQ, SQ). */
		if (state != SIW_QP_STATE_RTS || tx->broken || tx->term_done) {
			siw_tx_abandon(tx);
			return;
		}
		if (tx->src == SIW_TX_IDLE) {
			if (!siw_tx_next(qp, tx))
				return;
			/* Done at once (a local error, REG_MR)? */
			if (tx->src == SIW_TX_IDLE)
				continue;
		}
		siw_tx_frame(qp, tx);
	}
}

static void siw_tx_run(struct siw_tx_work *work)
{
	struct siw_qp *qp = container_of(work, struct siw_qp, tx_work);
	struct siw_tx_ctx *tx = qp->tx;

	siw_live_dec(SIW_OBJ_TX_WORK);
	/* Kicks from here on queue another run ... */
	clear_bit(SIW_TX_QUEUED, &tx->flags);
	/* ... and this one sees everything posted before them. */
	smp_mb__after_atomic();
	mutex_lock(&tx->run_lock);
	siw_tx_process(qp, tx, SIW_TX_BUDGET);
	mutex_unlock(&tx->run_lock);
	siw_qp_put(qp);
}

/*
 * A doorbell from a process (it may sleep, it holds no lock): if no run
 * is queued or in progress, do the run right here. A small message then
 * leaves within the system call instead of after a TX thread wakeup, and
 * a big one is sent by the posting CPU for the budget or until the socket
 * fills (the TX thread goes on from there, as usual). False if
 * the caller must kick the TX thread instead.
 */
bool siw_tx_direct(struct siw_qp *qp)
{
	struct siw_tx_ctx *tx = qp->tx;

	if (!tx || !READ_ONCE(tx_direct) ||
	    test_bit(SIW_TX_QUEUED, &tx->flags) ||
	    !mutex_trylock(&tx->run_lock))
		return false;
	/* As in siw_tx_run(): see everything posted before the doorbell. */
	smp_mb();
	siw_tx_process(qp, tx, clamp_t(int, READ_ONCE(tx_direct_budget), 1,
				       SIW_TX_BUDGET));
	mutex_unlock(&tx->run_lock);
	return true;
}

/*
 * Hold the QP's TX runs off while its SQ and ORQ are flushed (process
 * context, state_lock held). A run holds run_lock from handing an FPDU to
 * TCP until its WQE completes: without this, a flush in between would
 * report a message the peer already has as flushed. A run never waits
 * for long: its sends do not wait for room in the socket.
 */
void siw_tx_hold(struct siw_qp *qp)
{
	if (qp->tx)
		mutex_lock(&qp->tx->run_lock);
}

void siw_tx_unhold(struct siw_qp *qp)
{
	if (qp->tx)
		mutex_unlock(&qp->tx->run_lock);
}

void siw_tx_terminate(struct siw_qp *qp, int cause, const void *hdr,
		      size_t hdr_len)
{
	struct siw_tx_ctx *tx = qp->tx;
	struct siw_term_code tc;
	unsigned long flags;
	bool queued = false;
	u8 hdrct;
	int len;

	if (!tx)
		return;
	if (siw_err_to_term(cause, &tc)) {
		cause = SIW_ERR_UNSPECIFIED;
		siw_err_to_term(cause, &tc);
	}
	hdrct = siw_term_hdrct(&tc, hdr, hdr_len);

	spin_lock_irqsave(&tx->term_lock, flags);
	if (!tx->term_queued) {
		len = siw_term_build(&tc, hdrct, hdr, hdr_len,
				     siw_rx_term_seg_len(qp, hdr),
				     tx->term_msn, tx->term_frame,
				     sizeof(tx->term_frame));
		if (len < 0)	/* a header we cannot quote: none then */
			len = siw_term_build(&tc, 0, NULL, 0, 0, tx->term_msn,
					     tx->term_frame,
					     sizeof(tx->term_frame));
		if (len > 0) {
			tx->term_msn++;
			tx->term_len = len;
			tx->term_queued = true;
			WRITE_ONCE(tx->term_pending, true);
			queued = true;
		}
	}
	spin_unlock_irqrestore(&tx->term_lock, flags);

	if (queued)
		pr_info_ratelimited("siw: QP %u: sending Terminate: %s (%s, %s, %s)\n",
				    siw_qp_id(qp), siw_err_name(cause),
				    siw_term_layer_name(tc.layer),
				    siw_term_etype_name(tc.layer, tc.etype),
				    siw_term_ecode_name(tc.layer, tc.etype,
							tc.ecode));
	siw_tx_kick(qp);
}

int siw_tx_init(struct siw_qp *qp)
{
	struct siw_tx_ctx *tx;

	tx = kzalloc(sizeof(*tx), GFP_KERNEL);
	if (!tx)
		return -ENOMEM;
	/* Without markers the wire buffer only ever holds a Terminate. */
	tx->wire_size = qp->conn.markers_tx ? SIW_TX_WIRE_MAX :
					      SIW_TX_TERM_WIRE_MAX;
	tx->wire = kvmalloc(tx->wire_size, GFP_KERNEL);
	if (!tx->wire)
		goto err;
	if (qp->conn.markers_tx) {
		tx->frame = kvmalloc(SIW_TX_FRAME_MAX, GFP_KERNEL);
		if (!tx->frame)
			goto err;
	}
	tx->kpage = alloc_page(GFP_KERNEL);
	if (!tx->kpage)
		goto err;
	spin_lock_init(&tx->term_lock);
	spin_lock_init(&tx->ack_lock);
	mutex_init(&tx->run_lock);
	tx->term_msn = 1;
	tx->msn_next[SIW_QN_SEND] = 1;
	tx->msn_next[SIW_QN_RREQ] = 1;
	tx->msn_next[SIW_QN_ATOMIC_RESP] = 1;

	qp->tx_work.run = siw_tx_run;
	qp->tx_work.queued = 0;
	qp->tx = tx;
	return 0;

err:
	kvfree(tx->frame);
	kvfree(tx->wire);
	kfree(tx);
	return -ENOMEM;
}

void siw_tx_fini(struct siw_qp *qp)
{
	struct siw_tx_ctx *tx = qp->tx;

	if (!tx)
		return;
	siw_tx_put_mem(tx);
	kfree(tx->ackq);
	if (tx->zc_page)
		put_page(tx->zc_page);
	__free_page(tx->kpage);
	kvfree(tx->frame);
	kvfree(tx->wire);
	kfree(tx);
	qp->tx = NULL;
}
