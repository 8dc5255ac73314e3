// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Queue pairs: creation with the mapped SQ and RQ rings, ibv_post_send
 * and ibv_post_recv into them, and the doorbell.
 *
 * The doorbell (a POST_SEND command with no work requests) is rung only
 * when the kernel may have stopped reading the SQ. We store our new SQEs'
 * VALID flags, then (full barrier) look at the slot just before them: if
 * the kernel has not freed it yet, it is still working through the ring
 * and will find ours, because it frees a slot and then (full barrier)
 * loads the next one. One side always sees the other's store.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sdt.h>
#include <unistd.h>

#include "libsiw.h"

struct siw_cmd_create_qp_resp {
	struct ib_uverbs_create_qp_resp ibv_resp;
	struct siw_uresp_create_qp_ext drv;
};

/*
 * May this QP post RFC 7306 work (atomics, immediate data)? Only if the
 * kernel gave us the extended ABI and the connection negotiated them:
 * otherwise the peer (the in-tree siw, a hardware RNIC) would answer
 * with a Terminate, so the post fails here instead. A QP without a state
 * byte (more than a page of QPs) posts and the kernel checks.
 */
int siw_qp_ext_check(struct siw_qp *qp)
{
	struct siw_context *ctx = ctx_to_siw(qp->base.qp.context);
	uint8_t st;

	if (!ctx->ext)
		return EOPNOTSUPP;
	if (qp->state_slot == SIW_QP_SLOT_NONE)
		return 0;
	st = atomic_load_explicit((_Atomic uint8_t *)&ctx->qp_state[qp->state_slot],
				  memory_order_acquire);
	return (st & SIW_QPS_EXT) ? 0 : EOPNOTSUPP;
}

static int siw_ring_doorbell(struct siw_qp *qp)
{
	ssize_t n;

	DTRACE_PROBE2(libsiw, doorbell, qp->id, qp->sq_put);
	n = write(qp->base.qp.context->cmd_fd, &qp->db.req, sizeof(qp->db.req));
	if (n == (ssize_t)sizeof(qp->db.req))
		return 0;
	return n < 0 ? errno : EIO;
}

/* @count new SQEs from @first are VALID in the ring: tell the kernel. */
int siw_sq_publish(struct siw_qp *qp, uint32_t first, uint32_t count)
{
	struct siw_sqe *prev = &qp->sendq[(first - 1) & (qp->num_sqe - 1)];

	if (!count)
		return 0;
	if (count < qp->num_sqe) {
		atomic_thread_fence(memory_order_seq_cst);
		if (siw_flags_load(&prev->flags) & SIW_WQE_VALID)
			return 0;
	}
	return siw_ring_doorbell(qp);
}

#define SIW_SEND_FLAGS (IBV_SEND_SIGNALED | IBV_SEND_SOLICITED | \
			IBV_SEND_FENCE | IBV_SEND_INLINE)

/* Copy the gather list into the SQE as inline data, at most @max bytes. */
int siw_sqe_inline(struct siw_sqe *sqe, const struct ibv_sge *sg, int num_sge,
		   uint32_t max)
{
	uint8_t *data = (uint8_t *)&sqe->sge[1];
	uint32_t bytes = 0;
	int i;

	for (i = 0; i < num_sge; i++) {
		if (sg[i].length > max - bytes)
			return EINVAL;
		memcpy(data + bytes, (void *)(uintptr_t)sg[i].addr,
		       sg[i].length);
		bytes += sg[i].length;
	}
	sqe->sge[0].laddr = (uintptr_t)data;
	sqe->sge[0].length = bytes;
	sqe->sge[0].lkey = 0;
	sqe->num_sge = bytes ? 1 : 0;
	return 0;
}

static void siw_sqe_sges(struct siw_sqe *sqe, const struct ibv_sge *sg,
			 int num_sge)
{
	int i;

	for (i = 0; i < num_sge; i++) {
		sqe->sge[i].laddr = sg[i].addr;
		sqe->sge[i].length = sg[i].length;
		sqe->sge[i].lkey = sg[i].lkey;
	}
	sqe->num_sge = num_sge;
}

/*
 * Fill @sqe from @wr, all but its flags, which the caller publishes.
 * Everything the kernel would refuse is refused here, with an errno.
 */
static int siw_sqe_from_wr(struct siw_qp *qp, const struct ibv_send_wr *wr,
			   struct siw_sqe *sqe, uint16_t *flags)
{
	bool inl = wr->send_flags & IBV_SEND_INLINE, imm = false;
	uint32_t max_inline = SIW_MAX_INLINE;
	int rv;

	if (wr->send_flags & ~SIW_SEND_FLAGS)
		return EINVAL;
	if (wr->num_sge < 0 || wr->num_sge > SIW_MAX_SGE)
		return EINVAL;

	sqe->id = wr->wr_id;
	sqe->rkey = 0;
	sqe->raddr = 0;
	switch (wr->opcode) {
	case IBV_WR_SEND:
		sqe->opcode = SIW_OP_SEND;
		break;
	case IBV_WR_SEND_WITH_INV:
		sqe->opcode = SIW_OP_SEND_REMOTE_INV;
		sqe->rkey = wr->invalidate_rkey;
		break;
	case IBV_WR_RDMA_WRITE:
		sqe->opcode = SIW_OP_WRITE;
		sqe->raddr = wr->wr.rdma.remote_addr;
		sqe->rkey = wr->wr.rdma.rkey;
		break;
	case IBV_WR_RDMA_READ:
		/* An iWARP Read lands in one sink buffer. */
		if (inl || wr->num_sge > 1)
			return EINVAL;
		sqe->opcode = SIW_OP_READ;
		sqe->raddr = wr->wr.rdma.remote_addr;
		sqe->rkey = wr->wr.rdma.rkey;
		break;
	case IBV_WR_RDMA_WRITE_WITH_IMM:
	case IBV_WR_SEND_WITH_IMM:
		rv = siw_qp_ext_check(qp);
		if (rv)
			return rv;
		/* The last SGE slot carries the immediate value. */
		if (wr->num_sge > SIW_SQE_IMM_SGE)
			return EINVAL;
		if (wr->opcode == IBV_WR_SEND_WITH_IMM) {
			sqe->opcode = SIW_OP_SEND_WITH_IMM;
		} else {
			sqe->opcode = SIW_OP_WRITE_WITH_IMM;
			sqe->raddr = wr->wr.rdma.remote_addr;
			sqe->rkey = wr->wr.rdma.rkey;
		}
		max_inline = SIW_MAX_INLINE_IMM;
		imm = true;
		break;
	case IBV_WR_ATOMIC_CMP_AND_SWP:
	case IBV_WR_ATOMIC_FETCH_AND_ADD:
		rv = siw_qp_ext_check(qp);
		if (rv)
			return rv;
		/* One 8 byte buffer for the original value; aligned target. */
		if (inl || wr->num_sge != 1 ||
		    wr->sg_list[0].length != sizeof(uint64_t) ||
		    (wr->wr.atomic.remote_addr & (sizeof(uint64_t) - 1)))
			return EINVAL;
		if (wr->opcode == IBV_WR_ATOMIC_CMP_AND_SWP) {
			sqe->opcode = SIW_OP_COMP_AND_SWAP;
			sqe->sge[SIW_SQE_ATOMIC_CMP_ADD_MASK].laddr = ~0ULL;
		} else {
			sqe->opcode = SIW_OP_FETCH_AND_ADD;
			sqe->sge[SIW_SQE_ATOMIC_CMP_ADD_MASK].laddr = 0;
		}
		sqe->raddr = wr->wr.atomic.remote_addr;
		sqe->rkey = wr->wr.atomic.rkey;
		sqe->sge[SIW_SQE_ATOMIC_CMP_ADD].laddr = wr->wr.atomic.compare_add;
		sqe->sge[SIW_SQE_ATOMIC_SWAP].laddr = wr->wr.atomic.swap;
		sqe->sge[SIW_SQE_ATOMIC_SWAP_MASK].laddr = ~0ULL;
		break;
	case IBV_WR_LOCAL_INV:
	case IBV_WR_BIND_MW:
	case IBV_WR_TSO:
	case IBV_WR_DRIVER1:
	case IBV_WR_ATOMIC_WRITE:
		return EOPNOTSUPP;
	default:
		return EINVAL;
	}

	*flags = SIW_WQE_VALID;
	if (inl) {
		if (siw_sqe_inline(sqe, wr->sg_list, wr->num_sge, max_inline))
			return EINVAL;
		*flags |= SIW_WQE_INLINE;
	} else {
		siw_sqe_sges(sqe, wr->sg_list, wr->num_sge);
	}
	if (imm)
		sqe->sge[SIW_SQE_IMM_SGE].lkey = (uint32_t)wr->imm_data;
	if ((wr->send_flags & IBV_SEND_SIGNALED) || qp->sq_sig_all)
		*flags |= SIW_WQE_SIGNALLED;
	if (wr->send_flags & IBV_SEND_SOLICITED)
		*flags |= SIW_WQE_SOLICITED;
	if (wr->send_flags & IBV_SEND_FENCE)
		*flags |= SIW_WQE_READ_FENCE;
	return 0;
}

int siw_post_send(struct ibv_qp *ibqp, struct ibv_send_wr *wr,
		  struct ibv_send_wr **bad_wr)
{
	struct siw_qp *qp = qp_to_siw(ibqp);
	struct ibv_send_wr *first_wr = wr;
	uint32_t first;
	int rv = 0, db;

	*bad_wr = NULL;
	pthread_spin_lock(&qp->sq_lock);
	first = qp->sq_put;
	for (; wr; wr = wr->next) {
		struct siw_sqe *sqe = &qp->sendq[qp->sq_put & (qp->num_sqe - 1)];
		uint16_t flags;

		if (siw_flags_load(&sqe->flags) & SIW_WQE_VALID) {
			rv = ENOMEM;
			break;
		}
		rv = siw_sqe_from_wr(qp, wr, sqe, &flags);
		if (rv)
			break;
		siw_flags_store(&sqe->flags, flags);
		qp->sq_put++;
	}
	db = siw_sq_publish(qp, first, qp->sq_put - first);
	pthread_spin_unlock(&qp->sq_lock);

	if (rv) {
		*bad_wr = wr;
	} else if (db) {
		/* The SQEs are in the ring; the kernel just was not told. */
		*bad_wr = first_wr;
		rv = db;
	}
	DTRACE_PROBE3(libsiw, post_send, qp->id, qp->sq_put - first, rv);
	return rv;
}

/* Fill and publish one RQE. */
static int siw_rqe_fill(struct siw_rqe *rqe, const struct ibv_recv_wr *wr)
{
	int i;

	if (wr->num_sge < 0 || wr->num_sge > SIW_MAX_SGE)
		return EINVAL;
	rqe->id = wr->wr_id;
	rqe->num_sge = wr->num_sge;
	for (i = 0; i < wr->num_sge; i++) {
		rqe->sge[i].laddr = wr->sg_list[i].addr;
		rqe->sge[i].length = wr->sg_list[i].length;
		rqe->sge[i].lkey = wr->sg_list[i].lkey;
	}
	siw_flags_store(&rqe->flags, SIW_WQE_VALID);
	return 0;
}

/*
 * Post @wr and the WRs after it into an RQE ring (a QP's RQ or an SRQ) of
 * @size entries, from *@put on; the caller holds the ring's lock. 0, or
 * the errno of the first WR not posted, which is left in *@bad_wr.
 */
int siw_rqes_post(struct siw_rqe *ring, uint32_t size, uint32_t *put,
		  struct ibv_recv_wr *wr, struct ibv_recv_wr **bad_wr)
{
	int rv = 0;

	for (; wr; wr = wr->next) {
		struct siw_rqe *rqe = &ring[*put & (size - 1)];

		if (siw_flags_load(&rqe->flags) & SIW_WQE_VALID)
			rv = ENOMEM;
		else
			rv = siw_rqe_fill(rqe, wr);
		if (rv) {
			*bad_wr = wr;
			break;
		}
		(*put)++;
	}
	return rv;
}

int siw_post_recv(struct ibv_qp *ibqp, struct ibv_recv_wr *wr,
		  struct ibv_recv_wr **bad_wr)
{
	struct siw_qp *qp = qp_to_siw(ibqp);
	uint32_t first;
	int rv;

	*bad_wr = NULL;
	if (qp->srq) {
		/* Receives of a QP on an SRQ go to the SRQ. */
		*bad_wr = wr;
		return EINVAL;
	}
	pthread_spin_lock(&qp->rq_lock);
	first = qp->rq_put;
	rv = siw_rqes_post(qp->recvq, qp->num_rqe, &qp->rq_put, wr, bad_wr);
	pthread_spin_unlock(&qp->rq_lock);
	DTRACE_PROBE3(libsiw, post_recv, qp->id, qp->rq_put - first, rv);
	return rv;
}

static void *siw_map_ring(struct ibv_context *ctx, size_t len, uint64_t key,
			  const char *what, uint32_t qpn)
{
	void *ring = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED,
			  ctx->cmd_fd, key);

	if (ring == MAP_FAILED) {
		siw_err(ctx, "QP %u: cannot map the %s: %s\n", qpn, what,
			strerror(errno));
		return NULL;
	}
	return ring;
}

static bool siw_ring_size_ok(uint32_t n)
{
	return n && !(n & (n - 1));
}

static void siw_qp_unmap(struct siw_qp *qp)
{
	if (qp->sendq)
		munmap(qp->sendq, qp->sq_map_len);
	if (qp->recvq)
		munmap(qp->recvq, qp->rq_map_len);
}

static struct siw_qp *siw_qp_new(struct ibv_context *ctx,
				 struct ibv_qp_init_attr_ex *attr)
{
	struct siw_cmd_create_qp_resp resp = {};
	struct ibv_create_qp cmd = {};
	struct siw_qp *qp;
	int rv;

	if (attr->qp_type != IBV_QPT_RC) {
		siw_err(ctx, "create_qp: QP type %d not supported: RC only\n",
			attr->qp_type);
		errno = EOPNOTSUPP;
		return NULL;
	}
	if (attr->cap.max_inline_data > SIW_MAX_INLINE) {
		siw_err(ctx, "create_qp: max_inline_data %u above %zu\n",
			attr->cap.max_inline_data, SIW_MAX_INLINE);
		errno = EINVAL;
		return NULL;
	}
	qp = calloc(1, sizeof(*qp));
	if (!qp)
		return NULL;
	rv = ibv_cmd_create_qp_ex(ctx, &qp->base, attr, &cmd, sizeof(cmd),
				  &resp.ibv_resp, sizeof(resp));
	if (rv) {
		free(qp);
		errno = rv;
		return NULL;
	}
	qp->id = resp.drv.qp_id;
	/* An in-tree kernel leaves the extended fields as we sent them. */
	qp->state_slot = SIW_QP_SLOT_NONE;
	if (ctx_to_siw(ctx)->ext &&
	    (resp.drv.state_slot == SIW_QP_SLOT_NONE ||
	     resp.drv.state_slot < ctx_to_siw(ctx)->qp_state_len))
		qp->state_slot = resp.drv.state_slot;
	qp->num_sqe = resp.drv.num_sqe;
	qp->num_rqe = resp.drv.num_rqe;
	qp->sq_sig_all = attr->sq_sig_all;
	qp->max_inline = SIW_MAX_INLINE;
	rv = EIO;
	if (resp.drv.sq_key == SIW_INVAL_UOBJ_KEY ||
	    !siw_ring_size_ok(qp->num_sqe)) {
		siw_err(ctx, "QP %u: kernel gave no usable SQ\n", qp->id);
		goto err_destroy;
	}
	qp->sq_map_len = qp->num_sqe * sizeof(struct siw_sqe);
	qp->sendq = siw_map_ring(ctx, qp->sq_map_len, resp.drv.sq_key, "SQ",
				 qp->id);
	if (!qp->sendq)
		goto err_destroy;
	if (attr->srq) {
		qp->srq = srq_to_siw(attr->srq);
	} else {
		if (resp.drv.rq_key == SIW_INVAL_UOBJ_KEY ||
		    !siw_ring_size_ok(qp->num_rqe)) {
			siw_err(ctx, "QP %u: kernel gave no usable RQ\n", qp->id);
			goto err_destroy;
		}
		qp->rq_map_len = qp->num_rqe * sizeof(struct siw_rqe);
		qp->recvq = siw_map_ring(ctx, qp->rq_map_len, resp.drv.rq_key,
					 "RQ", qp->id);
		if (!qp->recvq)
			goto err_destroy;
	}

	qp->db.req.hdr.command = IB_USER_VERBS_CMD_POST_SEND;
	qp->db.req.hdr.in_words = sizeof(qp->db.req) / 4;
	qp->db.req.hdr.out_words = sizeof(qp->db.resp) / 4;
	qp->db.req.core.response = (uintptr_t)&qp->db.resp;
	qp->db.req.core.qp_handle = qp->base.qp.handle;
	qp->db.req.core.wqe_size = sizeof(struct ib_uverbs_send_wr);
	pthread_spin_init(&qp->sq_lock, PTHREAD_PROCESS_PRIVATE);
	pthread_spin_init(&qp->rq_lock, PTHREAD_PROCESS_PRIVATE);
	return qp;

err_destroy:
	siw_qp_unmap(qp);
	ibv_cmd_destroy_qp(&qp->base.qp);
	free(qp);
	errno = rv;
	return NULL;
}

struct ibv_qp *siw_create_qp(struct ibv_pd *pd, struct ibv_qp_init_attr *attr)
{
	struct ibv_qp_init_attr_ex ex = {
		.qp_context = attr->qp_context,
		.send_cq = attr->send_cq,
		.recv_cq = attr->recv_cq,
		.srq = attr->srq,
		.cap = attr->cap,
		.qp_type = attr->qp_type,
		.sq_sig_all = attr->sq_sig_all,
		.comp_mask = IBV_QP_INIT_ATTR_PD,
		.pd = pd,
	};
	struct siw_qp *qp = siw_qp_new(pd->context, &ex);

	if (!qp)
		return NULL;
	attr->cap = ex.cap;
	return &qp->base.qp;
}

struct ibv_qp *siw_create_qp_ex(struct ibv_context *ctx,
				struct ibv_qp_init_attr_ex *attr)
{
	uint32_t known = IBV_QP_INIT_ATTR_PD | IBV_QP_INIT_ATTR_SEND_OPS_FLAGS;
	struct siw_qp *qp;

	if ((attr->comp_mask & ~known) || !(attr->comp_mask & IBV_QP_INIT_ATTR_PD)) {
		siw_err(ctx, "create_qp_ex: comp_mask 0x%x not supported\n",
			attr->comp_mask & ~known);
		errno = EOPNOTSUPP;
		return NULL;
	}
	if ((attr->comp_mask & IBV_QP_INIT_ATTR_SEND_OPS_FLAGS) &&
	    (attr->send_ops_flags & ~(uint64_t)SIW_SUPPORTED_SEND_OPS)) {
		siw_err(ctx, "create_qp_ex: send_ops_flags 0x%llx not supported\n",
			(unsigned long long)(attr->send_ops_flags &
					     ~(uint64_t)SIW_SUPPORTED_SEND_OPS));
		errno = EOPNOTSUPP;
		return NULL;
	}
	qp = siw_qp_new(ctx, attr);
	if (!qp)
		return NULL;
	if (attr->comp_mask & IBV_QP_INIT_ATTR_SEND_OPS_FLAGS) {
		qp->base.comp_mask |= VERBS_QP_EX;
		siw_qp_ex_init(qp);
	}
	return &qp->base.qp;
}

int siw_modify_qp(struct ibv_qp *ibqp, struct ibv_qp_attr *attr, int mask)
{
	struct ibv_modify_qp cmd = {};

	return ibv_cmd_modify_qp(ibqp, attr, mask, &cmd, sizeof(cmd));
}

int siw_query_qp(struct ibv_qp *ibqp, struct ibv_qp_attr *attr, int mask,
		 struct ibv_qp_init_attr *init)
{
	struct ibv_query_qp cmd = {};

	return ibv_cmd_query_qp(ibqp, attr, mask, init, &cmd, sizeof(cmd));
}

int siw_destroy_qp(struct ibv_qp *ibqp)
{
	struct siw_qp *qp = qp_to_siw(ibqp);
	int rv;

	rv = ibv_cmd_destroy_qp(ibqp);
	if (rv)
		return rv;
	siw_qp_unmap(qp);
	pthread_spin_destroy(&qp->sq_lock);
	pthread_spin_destroy(&qp->rq_lock);
	free(qp);
	return 0;
}
