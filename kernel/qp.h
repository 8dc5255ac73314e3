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
#include <linux/siw_abi_ext.h>

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
struct siw_srq;
struct siw_cep;
struct siw_tx_ctx;
struct siw_rx_ctx;

/*
 * What connection setup (cm.c) negotiated, fixed for the life of the
 * connection and read by TX and RX without locking.
 */
struct siw_conn_params {
	u8 mpa_rev;
	bool crc;		/* CRC32c on every FPDU, both directions */
	bool markers_tx;	/* we insert markers towards the peer */
	bool markers_rx;	/* the peer inserts markers towards us */
	bool ext;		/* RFC 7306 atomics and immediate data */
	bool gso;		/* FPDUs may be larger than the MSS */
};

/*
 * Read bookkeeping. The ORQ holds our outbound Read Requests in flight
 * (copies of their SQEs) until the Read Response completes them; the IRQ
 * holds the peer's Read Requests we still have to answer, as
 * SIW_OP_READ_RESPONSE entries: sge[0] = our source (laddr, length, lkey
 * = source STag), raddr/rkey = the peer's sink TO and STag.
 */
struct siw_rdq {
	struct siw_sqe *q;
	u32 size;		/* power of two; 0 until connected */
	u32 put;
	u32 get;
	spinlock_t lock;	/* producer vs consumer */
};

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
	struct siw_rqe *recvq;		/* NULL with an SRQ */
	u32 rq_size;
	u32 rq_get;			/* with an SRQ: entries taken */
	u32 rq_put;

	/* With an SRQ: the entry RX took from it and has not completed. */
	struct siw_srq *srq;
	bool srq_held;
	u64 srq_held_id;

	struct siw_cq *scq;
	struct siw_cq *rcq;

	u32 ird;			/* inbound Read requests accepted */
	u32 ord;			/* outbound Reads in flight */
	int access;			/* remote access rights granted */

	/*
	 * Connection: set by siw_qp_connect() before the move to RTS and
	 * stable until the QP is destroyed.
	 */
	struct socket *sock;
	struct siw_cep *cep;		/* cm.c endpoint; holds a QP ref */
	struct siw_conn_params conn;
	struct siw_rdq orq;		/* our Reads in flight (<= ord) */
	struct siw_rdq irq;		/* peer's Reads to answer (<= ird) */
	struct siw_tx_ctx *tx;		/* tx.c state */
	struct siw_rx_ctx *rx;		/* rx.c state */
	int tx_cpu;			/* -1 until connected */
	struct siw_tx_work tx_work;
	struct work_struct error_work;	/* ERROR entry from atomic context */

	/*
	 * TX and RX counters (stats.h), allocated by siw_qp_connect(): a
	 * QP that never connects counts nothing, and without the 448
	 * bytes struct siw_qp fits the 1 KiB kmalloc cache.
	 */
	struct siw_stats *stats;

	/* User QPs: once mapped, a ring belongs to its mmap entry. */
	struct siw_ucontext *uctx;
	u64 sq_key;
	u64 rq_key;
	u32 state_slot;			/* byte in uctx->qp_state, or NONE */
};

static inline struct siw_qp *to_siw_qp(struct ib_qp *base_qp)
{
	return container_of(base_qp, struct siw_qp, base_qp);
}

/* For readers: a QP not connected yet reads as all zeros. */
static inline const struct siw_stats *siw_qp_stats(const struct siw_qp *qp)
{
	/* Pairs with the release in siw_qp_connect(). */
	const struct siw_stats *s = smp_load_acquire(&qp->stats);

	return s ?: &siw_stats_none;
}

static inline void siw_qp_stats_zero(struct siw_qp *qp)
{
	/* Pairs with the release in siw_qp_connect(). */
	struct siw_stats *s = smp_load_acquire(&qp->stats);

	if (s)
		siw_stats_zero(s);
}

static inline u32 siw_qp_id(const struct siw_qp *qp)
{
	return qp->base_qp.qp_num;
}

const char *siw_qp_state_name(enum siw_qp_state state);

/*
 * May this QP use the RFC 7306 extensions at all? Kernel QPs may; user
 * QPs only if their provider speaks the extended ring ABI (a stock
 * provider could not read the opcodes and flags they bring).
 */
static inline bool siw_qp_ext_capable(const struct siw_qp *qp)
{
	return !qp->user || (qp->uctx && qp->uctx->ext_abi);
}

/* Opcodes a completion of this QP may carry; others report as Send. */
static inline u8 siw_qp_cqe_opcode(const struct siw_qp *qp, u8 opcode)
{
	u8 lim = siw_qp_ext_capable(qp) ? SIW_NUM_OPCODES_EXT :
					  SIW_NUM_OPCODES;

	return opcode < lim ? opcode : SIW_OP_SEND;
}

struct siw_qp *siw_qp_get_by_id(struct siw_device *sdev, u32 id);
struct siw_qp *siw_qp_get_next(struct siw_device *sdev, unsigned long *index);
void siw_qp_get(struct siw_qp *qp);
void siw_qp_put(struct siw_qp *qp);

int siw_qp_set_state(struct siw_qp *qp, enum siw_qp_state state);
int siw_qp_wq_init(void);
void siw_qp_wq_exit(void);

/*
 * The data path's entry points into the QP (qp.c):
 *
 * siw_qp_connect(): cm.c, once MPA has succeeded and the socket carries
 * only FPDUs from now on. Sizes the ORQ/IRQ from the negotiated ord/ird,
 * sets up TX and RX (siw_tx_init(), siw_rx_init()), places the QP on a
 * TX thread and moves it to RTS. The caller then lets RX take the socket
 * (siw_rx_attach()).
 *
 * siw_qp_llp_closed(): the TCP connection is gone (RX saw EOF or an
 * error, or cm.c closed it). Moves the QP to ERROR and flushes.
 *
 * siw_qp_terminate(): the peer broke the protocol (@cause is an
 * enum siw_err_cause from proto/). Queues a Terminate carrying @hdr (the
 * offending DDP/RDMAP header, may be NULL) with siw_tx_terminate(), then
 * moves to ERROR and flushes. Any context, including RX softirq. TX sends
 * the Terminate even though the QP is in ERROR, and calls
 * siw_cm_close(qp->cep) once it is on the wire (or cannot be sent), so
 * the connection is not cut before the peer learns why.
 *
 * Leaving RTS through verbs (iw_cm's disconnect moves the QP to SQD for a
 * graceful, ERR for an abortive close) calls siw_cm_close() after the
 * state lock is dropped; siw_cm_close() must not block and must not call
 * back into the QP synchronously.
 */
int siw_qp_connect(struct siw_qp *qp, struct socket *sock,
		   struct siw_cep *cep, const struct siw_conn_params *params,
		   u32 ird, u32 ord);
void siw_qp_llp_closed(struct siw_qp *qp);
void siw_qp_terminate(struct siw_qp *qp, int cause, const void *hdr,
		      size_t hdr_len);

/*
 * Ownership of queue entries between the rings and the engines: TX
 * copies the SQE at sq_get (RX the RQE at rq_get, the Read Response path
 * the ORQ entry at orq.get) without advancing the index. When the work is
 * done it takes sq_lock (rq_lock, orq.lock), and only if the index still
 * names its entry completes it, clears VALID and advances; otherwise a
 * flush took the entry meanwhile and has already completed it as
 * WR_FLUSH_ERR. Read WQEs move to the ORQ when their request is sent;
 * flush completes the ORQ oldest first, then the SQ and the RQ.
 *
 * User QPs may not post REG_MR or INVAL_STAG (the SQE would carry a
 * kernel pointer written by the process): TX completes such an SQE with
 * SIW_WC_LOC_QP_OP_ERR. mem.h functions take _bh locks: never call them
 * with sq_lock, rq_lock or a CQ lock held.
 *
 * Completions for the data path: status is a SIW_WC_* value. A successful
 * SQE completes only if it was signalled; errors always complete.
 * inval_stag != 0 reports a Send with Invalidate to the receiver.
 */
int siw_qp_complete_sqe(struct siw_qp *qp, const struct siw_sqe *sqe,
			u32 bytes, u16 status);

/*
 * Receive buffers for RX, from the QP's own RQ or its SRQ alike:
 * siw_qp_take_rqe() copies the next posted RQE into @rqe and returns a
 * token for it (false: none posted, or the QP is flushed already);
 * siw_qp_rqe_done() completes it with @status, unless a flush completed
 * it meanwhile. An RQ entry stays in its ring until done; an SRQ entry
 * leaves the SRQ at once and the QP flushes it if it errs first.
 */
bool siw_qp_take_rqe(struct siw_qp *qp, struct siw_rqe *rqe, u32 *token);
void siw_rqe_from_wr(struct siw_rqe *rqe, const struct ib_recv_wr *wr);
void siw_qp_rqe_done(struct siw_qp *qp, u32 token, const struct siw_rqe *rqe,
		     u32 bytes, u32 inval_stag, bool solicited, u16 status);
/* A successful receive with immediate data (@opcode: RECEIVE or RECV_RDMA_WITH_IMM) */
void siw_qp_rqe_done_imm(struct siw_qp *qp, u32 token,
			 const struct siw_rqe *rqe, u8 opcode, u32 bytes,
			 __be32 imm, bool solicited);

/*
 * tx.c: siw_tx_init()/siw_tx_fini() own qp->tx; siw_tx_kick() asks the
 * QP's TX thread to send (SQ, IRQ) and may be called from any context; it
 * holds a QP reference (siw_qp_get) while the work is queued or running,
 * so destroy waits for it. siw_tx_terminate() queues a Terminate ahead of
 * everything else. siw_tx_orq_freed() is RX's kick after a Read or Atomic
 * completes, a no-op unless an SQE waits for the ORQ. siw_tx_ack_drain()
 * posts completions held for zero copy that the peer has acknowledged
 * (sk_write_space), siw_tx_ack_flush() the rest; siw_tx_space_waited()
 * says (once) whether TX found the send buffer full since it last asked. siw_tx_fini() runs
 * after the last reference is gone.
 */
/*
 * Smallest message zero-copied (tx.c), and acknowledged at once when it
 * ends (rx.c). On 6.12 zero copy made 64 KiB Read Responses 1.8x faster
 * (2026-12-07); 4 KiB ones lost 5 % when a zero-copied FPDU took three
 * calls to TCP and gain nothing measurable now that it takes one.
 */
#define SIW_ZCOPY_MIN		16384

int siw_tx_init(struct siw_qp *qp);
void siw_tx_fini(struct siw_qp *qp);
void siw_tx_kick(struct siw_qp *qp);
void siw_tx_orq_freed(struct siw_qp *qp);
bool siw_tx_ack_drain(struct siw_qp *qp);
bool siw_tx_space_waited(struct siw_qp *qp);
bool siw_tx_zcopy_wrs(void);
void siw_tx_ack_flush(struct siw_qp *qp);
bool siw_tx_direct(struct siw_qp *qp);
void siw_tx_hold(struct siw_qp *qp);
void siw_tx_unhold(struct siw_qp *qp);
void siw_tx_terminate(struct siw_qp *qp, int cause, const void *hdr,
		      size_t hdr_len);

/*
 * rx.c: siw_rx_init()/siw_rx_fini() own qp->rx; siw_rx_attach() takes
 * over the socket's sk_data_ready (and drains what is already queued),
 * siw_rx_detach() gives it back before the socket is released.
 */
int siw_rx_init(struct siw_qp *qp);
void siw_rx_fini(struct siw_qp *qp);
void siw_rx_attach(struct siw_qp *qp);
void siw_rx_detach(struct siw_qp *qp);

/*
 * cm.c: the QP asks for its connection to be closed (after Terminate, or
 * when it leaves RTS), and drops the endpoint reference it got with a
 * successful siw_qp_connect() when it is destroyed.
 */
void siw_cm_close(struct siw_cep *cep);
void siw_cep_put(struct siw_cep *cep);

extern const struct ib_device_ops siw_qp_ops;

#endif /* _SIW_QP_H */
