// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The ibv_wr_* builder API of extended QPs. Between wr_start and
 * wr_complete the SQ lock is held and each work request is built in
 * place in the ring with VALID clear, so the kernel cannot see it yet.
 * wr_complete sets VALID on all of them in order and rings the doorbell
 * if needed; an error in any builder call, or wr_abort, returns the
 * slots untouched. The first error is what wr_complete returns.
 */
#include <string.h>
#include <sys/sdt.h>

#include "libsiw.h"

static struct siw_sqe *siw_wr_slot(struct siw_qp *qp, uint32_t idx)
{
	return &qp->sendq[idx & (qp->num_sqe - 1)];
}

static void siw_wr_fail(struct siw_qp *qp, int err)
{
	if (!qp->wr_err)
		qp->wr_err = err;
}

/* Start a new SQE for @opcode; NULL after an error. */
static struct siw_sqe *siw_wr_new(struct ibv_qp_ex *ibqp, uint8_t opcode)
{
	struct siw_qp *qp = qp_ex_to_siw(ibqp);
	struct siw_sqe *sqe;
	uint16_t flags = 0;

	qp->wr_cur = NULL;
	if (qp->wr_err)
		return NULL;
	if (ibqp->wr_flags & ~(IBV_SEND_SIGNALED | IBV_SEND_SOLICITED |
			       IBV_SEND_FENCE | IBV_SEND_INLINE)) {
		siw_wr_fail(qp, EINVAL);
		return NULL;
	}
	sqe = siw_wr_slot(qp, qp->sq_put);
	if (siw_flags_load(&sqe->flags) & SIW_WQE_VALID) {
		siw_wr_fail(qp, ENOMEM);
		return NULL;
	}
	if ((ibqp->wr_flags & IBV_SEND_SIGNALED) || qp->sq_sig_all)
		flags |= SIW_WQE_SIGNALLED;
	if (ibqp->wr_flags & IBV_SEND_SOLICITED)
		flags |= SIW_WQE_SOLICITED;
	if (ibqp->wr_flags & IBV_SEND_FENCE)
		flags |= SIW_WQE_READ_FENCE;
	sqe->id = ibqp->wr_id;
	sqe->opcode = opcode;
	sqe->num_sge = 0;
	sqe->rkey = 0;
	sqe->raddr = 0;
	/* Staged: VALID stays clear until wr_complete. */
	siw_flags_store(&sqe->flags, flags);
	qp->sq_put++;
	qp->wr_cur = sqe;
	return sqe;
}

static void siw_wr_send(struct ibv_qp_ex *ibqp)
{
	siw_wr_new(ibqp, SIW_OP_SEND);
}

static void siw_wr_send_inv(struct ibv_qp_ex *ibqp, uint32_t rkey)
{
	struct siw_sqe *sqe = siw_wr_new(ibqp, SIW_OP_SEND_REMOTE_INV);

	if (sqe)
		sqe->rkey = rkey;
}

static void siw_wr_rdma(struct ibv_qp_ex *ibqp, uint8_t opcode, uint32_t rkey,
			uint64_t raddr)
{
	struct siw_sqe *sqe = siw_wr_new(ibqp, opcode);

	if (sqe) {
		sqe->rkey = rkey;
		sqe->raddr = raddr;
	}
}

static void siw_wr_rdma_write(struct ibv_qp_ex *ibqp, uint32_t rkey,
			      uint64_t raddr)
{
	siw_wr_rdma(ibqp, SIW_OP_WRITE, rkey, raddr);
}

static void siw_wr_rdma_read(struct ibv_qp_ex *ibqp, uint32_t rkey,
			     uint64_t raddr)
{
	siw_wr_rdma(ibqp, SIW_OP_READ, rkey, raddr);
}

static bool siw_sqe_has_imm(const struct siw_sqe *sqe)
{
	return sqe->opcode == SIW_OP_SEND_WITH_IMM ||
	       sqe->opcode == SIW_OP_WRITE_WITH_IMM;
}

static bool siw_sqe_is_atomic(const struct siw_sqe *sqe)
{
	return sqe->opcode == SIW_OP_FETCH_AND_ADD ||
	       sqe->opcode == SIW_OP_COMP_AND_SWAP;
}

/* The SQE a setter applies to, or NULL (error recorded). */
static struct siw_sqe *siw_wr_target(struct siw_qp *qp)
{
	if (qp->wr_err)
		return NULL;
	if (!qp->wr_cur) {
		siw_wr_fail(qp, EINVAL);
		return NULL;
	}
	return qp->wr_cur;
}

static void siw_wr_set_sge_list(struct ibv_qp_ex *ibqp, size_t num_sge,
				const struct ibv_sge *sg)
{
	struct siw_qp *qp = qp_ex_to_siw(ibqp);
	struct siw_sqe *sqe = siw_wr_target(qp);
	size_t i;

	if (!sqe)
		return;
	if (num_sge > SIW_MAX_SGE ||
	    (sqe->opcode == SIW_OP_READ && num_sge > 1) ||
	    (siw_sqe_has_imm(sqe) && num_sge > SIW_SQE_IMM_SGE) ||
	    (siw_sqe_is_atomic(sqe) &&
	     (num_sge != 1 || sg[0].length != sizeof(uint64_t)))) {
		siw_wr_fail(qp, EINVAL);
		return;
	}
	for (i = 0; i < num_sge; i++) {
		sqe->sge[i].laddr = sg[i].addr;
		sqe->sge[i].length = sg[i].length;
		sqe->sge[i].lkey = sg[i].lkey;
	}
	sqe->num_sge = num_sge;
}

static void siw_wr_set_sge(struct ibv_qp_ex *ibqp, uint32_t lkey,
			   uint64_t addr, uint32_t length)
{
	struct ibv_sge sge = { .addr = addr, .length = length, .lkey = lkey };

	siw_wr_set_sge_list(ibqp, 1, &sge);
}

static void siw_wr_set_inline_data_list(struct ibv_qp_ex *ibqp, size_t num_buf,
					const struct ibv_data_buf *buf)
{
	struct siw_qp *qp = qp_ex_to_siw(ibqp);
	struct siw_sqe *sqe = siw_wr_target(qp);
	uint8_t *data;
	size_t bytes = 0, i, max;

	if (!sqe)
		return;
	if (sqe->opcode == SIW_OP_READ || siw_sqe_is_atomic(sqe)) {
		siw_wr_fail(qp, EINVAL);
		return;
	}
	max = siw_sqe_has_imm(sqe) ? SIW_MAX_INLINE_IMM : SIW_MAX_INLINE;
	data = (uint8_t *)&sqe->sge[1];
	for (i = 0; i < num_buf; i++) {
		if (buf[i].length > max - bytes) {
			siw_wr_fail(qp, EINVAL);
			return;
		}
		memcpy(data + bytes, buf[i].addr, buf[i].length);
		bytes += buf[i].length;
	}
	sqe->sge[0].laddr = (uintptr_t)data;
	sqe->sge[0].length = bytes;
	sqe->sge[0].lkey = 0;
	sqe->num_sge = bytes ? 1 : 0;
	siw_flags_store(&sqe->flags, sqe->flags | SIW_WQE_INLINE);
}

static void siw_wr_set_inline_data(struct ibv_qp_ex *ibqp, void *addr,
				   size_t length)
{
	struct ibv_data_buf buf = { .addr = addr, .length = length };

	siw_wr_set_inline_data_list(ibqp, 1, &buf);
}

static void siw_wr_start(struct ibv_qp_ex *ibqp)
{
	struct siw_qp *qp = qp_ex_to_siw(ibqp);

	pthread_spin_lock(&qp->sq_lock);
	qp->wr_first = qp->sq_put;
	qp->wr_cur = NULL;
	qp->wr_err = 0;
}

/* Give the staged slots back, untouched by the kernel. */
static void siw_wr_unstage(struct siw_qp *qp)
{
	uint32_t i;

	for (i = qp->wr_first; i != qp->sq_put; i++)
		siw_flags_store(&siw_wr_slot(qp, i)->flags, 0);
	qp->sq_put = qp->wr_first;
	qp->wr_cur = NULL;
}

static int siw_wr_complete(struct ibv_qp_ex *ibqp)
{
	struct siw_qp *qp = qp_ex_to_siw(ibqp);
	uint32_t n = qp->sq_put - qp->wr_first, i;
	int rv = qp->wr_err;

	/* An atomic without its 8 byte buffer cannot be done. */
	for (i = qp->wr_first; !rv && i != qp->sq_put; i++)
		if (siw_sqe_is_atomic(siw_wr_slot(qp, i)) &&
		    siw_wr_slot(qp, i)->num_sge != 1)
			rv = EINVAL;
	if (rv) {
		siw_wr_unstage(qp);
		n = 0;
	} else {
		for (i = qp->wr_first; i != qp->sq_put; i++) {
			struct siw_sqe *sqe = siw_wr_slot(qp, i);

			siw_flags_store(&sqe->flags,
					sqe->flags | SIW_WQE_VALID);
		}
		rv = siw_sq_publish(qp, qp->wr_first, n);
	}
	qp->wr_cur = NULL;
	pthread_spin_unlock(&qp->sq_lock);
	DTRACE_PROBE3(libsiw, post_send, qp->id, n, rv);
	return rv;
}

static void siw_wr_abort(struct ibv_qp_ex *ibqp)
{
	struct siw_qp *qp = qp_ex_to_siw(ibqp);

	siw_wr_unstage(qp);
	pthread_spin_unlock(&qp->sq_lock);
}

/* Operations create_qp_ex refused to enable: fail the batch if called. */
static void siw_wr_unsupported(struct ibv_qp_ex *ibqp)
{
	struct siw_qp *qp = qp_ex_to_siw(ibqp);

	qp->wr_cur = NULL;
	siw_wr_fail(qp, EOPNOTSUPP);
}

/* RFC 7306 work needs the extensions negotiated on this connection. */
static struct siw_sqe *siw_wr_new_ext(struct ibv_qp_ex *ibqp, uint8_t opcode)
{
	struct siw_qp *qp = qp_ex_to_siw(ibqp);
	int rv = qp->wr_err ? 0 : siw_qp_ext_check(qp);

	if (rv) {
		qp->wr_cur = NULL;
		siw_wr_fail(qp, rv);
		return NULL;
	}
	return siw_wr_new(ibqp, opcode);
}

static void siw_wr_atomic(struct ibv_qp_ex *ibqp, uint8_t opcode,
			  uint32_t rkey, uint64_t raddr, uint64_t cmp_add,
			  uint64_t swap)
{
	struct siw_qp *qp = qp_ex_to_siw(ibqp);
	struct siw_sqe *sqe;

	if (!qp->wr_err && (raddr & (sizeof(uint64_t) - 1))) {
		siw_wr_fail(qp, EINVAL);
		return;
	}
	sqe = siw_wr_new_ext(ibqp, opcode);
	if (!sqe)
		return;
	sqe->rkey = rkey;
	sqe->raddr = raddr;
	sqe->sge[SIW_SQE_ATOMIC_CMP_ADD].laddr = cmp_add;
	sqe->sge[SIW_SQE_ATOMIC_SWAP].laddr = swap;
	sqe->sge[SIW_SQE_ATOMIC_CMP_ADD_MASK].laddr =
		opcode == SIW_OP_COMP_AND_SWAP ? ~0ULL : 0;
	sqe->sge[SIW_SQE_ATOMIC_SWAP_MASK].laddr = ~0ULL;
}

static void siw_wr_atomic_cmp_swp(struct ibv_qp_ex *ibqp, uint32_t rkey,
				  uint64_t raddr, uint64_t compare,
				  uint64_t swap)
{
	siw_wr_atomic(ibqp, SIW_OP_COMP_AND_SWAP, rkey, raddr, compare, swap);
}

static void siw_wr_atomic_fetch_add(struct ibv_qp_ex *ibqp, uint32_t rkey,
				    uint64_t raddr, uint64_t add)
{
	siw_wr_atomic(ibqp, SIW_OP_FETCH_AND_ADD, rkey, raddr, add, 0);
}

static void siw_wr_rdma_write_imm(struct ibv_qp_ex *ibqp, uint32_t rkey,
				  uint64_t raddr, __be32 imm)
{
	struct siw_sqe *sqe = siw_wr_new_ext(ibqp, SIW_OP_WRITE_WITH_IMM);

	if (sqe) {
		sqe->rkey = rkey;
		sqe->raddr = raddr;
		sqe->sge[SIW_SQE_IMM_SGE].lkey = (uint32_t)imm;
	}
}

static void siw_wr_send_imm(struct ibv_qp_ex *ibqp, __be32 imm)
{
	struct siw_sqe *sqe = siw_wr_new_ext(ibqp, SIW_OP_SEND_WITH_IMM);

	if (sqe)
		sqe->sge[SIW_SQE_IMM_SGE].lkey = (uint32_t)imm;
}

static void siw_wr_local_inv(struct ibv_qp_ex *ibqp, uint32_t rkey)
{
	siw_wr_unsupported(ibqp);
}

static void siw_wr_bind_mw(struct ibv_qp_ex *ibqp, struct ibv_mw *mw,
			   uint32_t rkey, const struct ibv_mw_bind_info *info)
{
	siw_wr_unsupported(ibqp);
}

static void siw_wr_send_tso(struct ibv_qp_ex *ibqp, void *hdr,
			    uint16_t hdr_sz, uint16_t mss)
{
	siw_wr_unsupported(ibqp);
}

static void siw_wr_set_ud_addr(struct ibv_qp_ex *ibqp, struct ibv_ah *ah,
			       uint32_t qpn, uint32_t qkey)
{
	siw_wr_unsupported(ibqp);
}

static void siw_wr_set_xrc_srqn(struct ibv_qp_ex *ibqp, uint32_t srqn)
{
	siw_wr_unsupported(ibqp);
}

static void siw_wr_atomic_write(struct ibv_qp_ex *ibqp, uint32_t rkey,
				uint64_t raddr, const void *data)
{
	siw_wr_unsupported(ibqp);
}

void siw_qp_ex_init(struct siw_qp *qp)
{
	struct ibv_qp_ex *ex = &qp->base.qp_ex;

	ex->wr_start = siw_wr_start;
	ex->wr_complete = siw_wr_complete;
	ex->wr_abort = siw_wr_abort;
	ex->wr_send = siw_wr_send;
	ex->wr_send_inv = siw_wr_send_inv;
	ex->wr_rdma_write = siw_wr_rdma_write;
	ex->wr_rdma_read = siw_wr_rdma_read;
	ex->wr_set_sge = siw_wr_set_sge;
	ex->wr_set_sge_list = siw_wr_set_sge_list;
	ex->wr_set_inline_data = siw_wr_set_inline_data;
	ex->wr_set_inline_data_list = siw_wr_set_inline_data_list;
	ex->wr_atomic_cmp_swp = siw_wr_atomic_cmp_swp;
	ex->wr_atomic_fetch_add = siw_wr_atomic_fetch_add;
	ex->wr_atomic_write = siw_wr_atomic_write;
	ex->wr_rdma_write_imm = siw_wr_rdma_write_imm;
	ex->wr_send_imm = siw_wr_send_imm;
	ex->wr_local_inv = siw_wr_local_inv;
	ex->wr_bind_mw = siw_wr_bind_mw;
	ex->wr_send_tso = siw_wr_send_tso;
	ex->wr_set_ud_addr = siw_wr_set_ud_addr;
	ex->wr_set_xrc_srqn = siw_wr_set_xrc_srqn;
}
