// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Completion queues. The kernel produces CQEs into the mapped ring and
 * sets VALID last; we copy an entry out and clear VALID to hand the slot
 * back. Arming is a store to the siw_cq_ctrl word after the ring: no
 * system call. Both ibv_poll_cq and the extended ibv_start_poll API read
 * the same ring.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sdt.h>

#include "libsiw.h"

struct siw_cmd_create_cq_resp {
	struct ib_uverbs_create_cq_resp ibv_resp;
	struct siw_uresp_create_cq drv;
};

static const uint8_t siw_wc_opcode[SIW_NUM_OPCODES_EXT] = {
	[SIW_OP_WRITE] = IBV_WC_RDMA_WRITE,
	[SIW_OP_READ] = IBV_WC_RDMA_READ,
	[SIW_OP_READ_LOCAL_INV] = IBV_WC_RDMA_READ,
	[SIW_OP_SEND] = IBV_WC_SEND,
	[SIW_OP_SEND_WITH_IMM] = IBV_WC_SEND,
	[SIW_OP_SEND_REMOTE_INV] = IBV_WC_SEND,
	[SIW_OP_FETCH_AND_ADD] = IBV_WC_FETCH_ADD,
	[SIW_OP_COMP_AND_SWAP] = IBV_WC_COMP_SWAP,
	[SIW_OP_RECEIVE] = IBV_WC_RECV,
	[SIW_OP_READ_RESPONSE] = IBV_WC_RDMA_READ,
	[SIW_OP_INVAL_STAG] = IBV_WC_LOCAL_INV,
	[SIW_OP_REG_MR] = IBV_WC_BIND_MW,
	[SIW_OP_WRITE_WITH_IMM] = IBV_WC_RDMA_WRITE,
	[SIW_OP_RECV_RDMA_WITH_IMM] = IBV_WC_RECV_RDMA_WITH_IMM,
};

static const uint8_t siw_wc_status[SIW_NUM_WC_STATUS] = {
	[SIW_WC_SUCCESS] = IBV_WC_SUCCESS,
	[SIW_WC_LOC_LEN_ERR] = IBV_WC_LOC_LEN_ERR,
	[SIW_WC_LOC_PROT_ERR] = IBV_WC_LOC_PROT_ERR,
	[SIW_WC_LOC_QP_OP_ERR] = IBV_WC_LOC_QP_OP_ERR,
	[SIW_WC_WR_FLUSH_ERR] = IBV_WC_WR_FLUSH_ERR,
	[SIW_WC_BAD_RESP_ERR] = IBV_WC_BAD_RESP_ERR,
	[SIW_WC_LOC_ACCESS_ERR] = IBV_WC_LOC_ACCESS_ERR,
	[SIW_WC_REM_ACCESS_ERR] = IBV_WC_REM_ACCESS_ERR,
	[SIW_WC_REM_INV_REQ_ERR] = IBV_WC_REM_INV_REQ_ERR,
	[SIW_WC_GENERAL_ERR] = IBV_WC_GENERAL_ERR,
};

static enum ibv_wc_opcode siw_cqe_opcode(const struct siw_cqe *cqe)
{
	return cqe->opcode < SIW_NUM_OPCODES_EXT ?
	       siw_wc_opcode[cqe->opcode] : IBV_WC_SEND;
}

static enum ibv_wc_status siw_cqe_status(const struct siw_cqe *cqe)
{
	return cqe->status < SIW_NUM_WC_STATUS ? siw_wc_status[cqe->status] :
						 IBV_WC_GENERAL_ERR;
}

static unsigned int siw_cqe_wc_flags(const struct siw_cqe *cqe)
{
	if (cqe->flags & SIW_WQE_REM_INVAL)
		return IBV_WC_WITH_INV;
	return (cqe->flags & SIW_WQE_IMM_DATA) ? IBV_WC_WITH_IMM : 0;
}

/* Copy the next CQE out and give its slot back; false if there is none. */
static bool siw_cq_take(struct siw_cq *cq, struct siw_cqe *out)
{
	struct siw_cqe *cqe = &cq->queue[cq->get & (cq->num_cqe - 1)];
	uint8_t f = siw_flags8_load(&cqe->flags);

	if (!(f & SIW_WQE_VALID))
		return false;
	memcpy(out, cqe, sizeof(*out));
	out->flags = f;
	siw_flags8_store(&cqe->flags, 0);
	cq->get++;
	return true;
}

int siw_poll_cq(struct ibv_cq *ibcq, int num_entries, struct ibv_wc *wc)
{
	struct siw_cq *cq = cq_to_siw(ibcq);
	struct siw_cqe cqe;
	int n;

	pthread_spin_lock(&cq->lock);
	for (n = 0; n < num_entries && siw_cq_take(cq, &cqe); n++, wc++) {
		memset(wc, 0, sizeof(*wc));
		wc->wr_id = cqe.id;
		wc->status = siw_cqe_status(&cqe);
		wc->opcode = siw_cqe_opcode(&cqe);
		wc->byte_len = cqe.bytes;
		wc->qp_num = (uint32_t)cqe.qp_id;
		wc->wc_flags = siw_cqe_wc_flags(&cqe);
		if (wc->wc_flags & IBV_WC_WITH_INV)
			wc->invalidated_rkey = cqe.inval_stag;
		else if (wc->wc_flags & IBV_WC_WITH_IMM)
			wc->imm_data = (__be32)(uint32_t)cqe.imm_data;
	}
	pthread_spin_unlock(&cq->lock);
	DTRACE_PROBE2(libsiw, poll_cq, cq->id, n);
	return n;
}

int siw_req_notify_cq(struct ibv_cq *ibcq, int solicited_only)
{
	struct siw_cq *cq = cq_to_siw(ibcq);
	uint32_t arm = solicited_only ? SIW_NOTIFY_SOLICITED :
		       SIW_NOTIFY_SOLICITED | SIW_NOTIFY_NEXT_COMPLETION;

	atomic_store_explicit((_Atomic uint32_t *)&cq->ctrl->flags, arm,
			      memory_order_seq_cst);
	return 0;
}

/* Extended CQ: the lock is held from a successful start_poll to end_poll. */
static void siw_cq_ex_load(struct siw_cq *cq)
{
	cq->base.cq_ex.wr_id = cq->cur.id;
	cq->base.cq_ex.status = siw_cqe_status(&cq->cur);
}

static int siw_start_poll(struct ibv_cq_ex *ibcq, struct ibv_poll_cq_attr *attr)
{
	struct siw_cq *cq = cq_ex_to_siw(ibcq);

	if (attr->comp_mask)
		return EINVAL;
	pthread_spin_lock(&cq->lock);
	if (!siw_cq_take(cq, &cq->cur)) {
		pthread_spin_unlock(&cq->lock);
		DTRACE_PROBE2(libsiw, poll_cq, cq->id, 0);
		return ENOENT;
	}
	siw_cq_ex_load(cq);
	DTRACE_PROBE2(libsiw, poll_cq, cq->id, 1);
	return 0;
}

static int siw_next_poll(struct ibv_cq_ex *ibcq)
{
	struct siw_cq *cq = cq_ex_to_siw(ibcq);

	if (!siw_cq_take(cq, &cq->cur))
		return ENOENT;
	siw_cq_ex_load(cq);
	DTRACE_PROBE2(libsiw, poll_cq, cq->id, 1);
	return 0;
}

static void siw_end_poll(struct ibv_cq_ex *ibcq)
{
	pthread_spin_unlock(&cq_ex_to_siw(ibcq)->lock);
}

static enum ibv_wc_opcode siw_wc_read_opcode(struct ibv_cq_ex *ibcq)
{
	return siw_cqe_opcode(&cq_ex_to_siw(ibcq)->cur);
}

static uint32_t siw_wc_read_vendor_err(struct ibv_cq_ex *ibcq)
{
	return 0;
}

static uint32_t siw_wc_read_byte_len(struct ibv_cq_ex *ibcq)
{
	return cq_ex_to_siw(ibcq)->cur.bytes;
}

static __be32 siw_wc_read_imm_data(struct ibv_cq_ex *ibcq)
{
	struct siw_cqe *cqe = &cq_ex_to_siw(ibcq)->cur;

	/* An invalidated rkey shares the field, as in struct ibv_wc. */
	return (__be32)(cqe->flags & SIW_WQE_REM_INVAL ? cqe->inval_stag :
					(uint32_t)cqe->imm_data);
}

static uint32_t siw_wc_read_qp_num(struct ibv_cq_ex *ibcq)
{
	return (uint32_t)cq_ex_to_siw(ibcq)->cur.qp_id;
}

static uint32_t siw_wc_read_zero32(struct ibv_cq_ex *ibcq)
{
	return 0;
}

static unsigned int siw_wc_read_wc_flags(struct ibv_cq_ex *ibcq)
{
	return siw_cqe_wc_flags(&cq_ex_to_siw(ibcq)->cur);
}

static uint8_t siw_wc_read_zero8(struct ibv_cq_ex *ibcq)
{
	return 0;
}

/* Reliable connections over TCP: no LIDs, SLs or path bits. */
#define SIW_CQ_EX_WC_FLAGS (IBV_WC_EX_WITH_BYTE_LEN | IBV_WC_EX_WITH_IMM | \
			    IBV_WC_EX_WITH_QP_NUM | IBV_WC_EX_WITH_SRC_QP | \
			    IBV_WC_EX_WITH_SLID | IBV_WC_EX_WITH_SL |	   \
			    IBV_WC_EX_WITH_DLID_PATH_BITS)

static void siw_cq_ex_init(struct siw_cq *cq)
{
	struct ibv_cq_ex *ex = &cq->base.cq_ex;

	ex->start_poll = siw_start_poll;
	ex->next_poll = siw_next_poll;
	ex->end_poll = siw_end_poll;
	ex->read_opcode = siw_wc_read_opcode;
	ex->read_vendor_err = siw_wc_read_vendor_err;
	ex->read_wc_flags = siw_wc_read_wc_flags;
	if (cq->wc_flags & IBV_WC_EX_WITH_BYTE_LEN)
		ex->read_byte_len = siw_wc_read_byte_len;
	if (cq->wc_flags & IBV_WC_EX_WITH_IMM)
		ex->read_imm_data = siw_wc_read_imm_data;
	if (cq->wc_flags & IBV_WC_EX_WITH_QP_NUM)
		ex->read_qp_num = siw_wc_read_qp_num;
	if (cq->wc_flags & IBV_WC_EX_WITH_SRC_QP)
		ex->read_src_qp = siw_wc_read_zero32;
	if (cq->wc_flags & IBV_WC_EX_WITH_SLID)
		ex->read_slid = siw_wc_read_zero32;
	if (cq->wc_flags & IBV_WC_EX_WITH_SL)
		ex->read_sl = siw_wc_read_zero8;
	if (cq->wc_flags & IBV_WC_EX_WITH_DLID_PATH_BITS)
		ex->read_dlid_path_bits = siw_wc_read_zero8;
}

static struct siw_cq *siw_cq_new(struct ibv_context *ctx, int num_cqe,
				 struct ibv_comp_channel *channel, int vector)
{
	struct siw_cmd_create_cq_resp resp = {};
	struct ibv_create_cq cmd = {};
	struct siw_cq *cq;
	int rv;

	cq = calloc(1, sizeof(*cq));
	if (!cq)
		return NULL;
	rv = ibv_cmd_create_cq(ctx, num_cqe, channel, vector, &cq->base.cq,
			       &cmd, sizeof(cmd), &resp.ibv_resp, sizeof(resp));
	if (rv) {
		free(cq);
		errno = rv;
		return NULL;
	}
	cq->id = resp.drv.cq_id;
	cq->num_cqe = resp.drv.num_cqe;
	/* The ring indexes wrap freely only over a power-of-two size. */
	if (resp.drv.cq_key == SIW_INVAL_UOBJ_KEY || !cq->num_cqe ||
	    (cq->num_cqe & (cq->num_cqe - 1))) {
		siw_err(ctx, "CQ %u: kernel gave no usable ring (%u CQEs)\n",
			cq->id, cq->num_cqe);
		rv = EIO;
		goto err_destroy;
	}
	cq->map_len = cq->num_cqe * sizeof(struct siw_cqe) +
		      sizeof(struct siw_cq_ctrl);
	cq->queue = mmap(NULL, cq->map_len, PROT_READ | PROT_WRITE, MAP_SHARED,
			 ctx->cmd_fd, resp.drv.cq_key);
	if (cq->queue == MAP_FAILED) {
		rv = errno;
		siw_err(ctx, "CQ %u: cannot map the ring: %s\n", cq->id,
			strerror(rv));
		goto err_destroy;
	}
	cq->ctrl = (struct siw_cq_ctrl *)&cq->queue[cq->num_cqe];
	pthread_spin_init(&cq->lock, PTHREAD_PROCESS_PRIVATE);
	return cq;

err_destroy:
	ibv_cmd_destroy_cq(&cq->base.cq);
	free(cq);
	errno = rv;
	return NULL;
}

struct ibv_cq *siw_create_cq(struct ibv_context *ctx, int num_cqe,
			     struct ibv_comp_channel *channel, int vector)
{
	struct siw_cq *cq = siw_cq_new(ctx, num_cqe, channel, vector);

	return cq ? &cq->base.cq : NULL;
}

struct ibv_cq_ex *siw_create_cq_ex(struct ibv_context *ctx,
				   struct ibv_cq_init_attr_ex *attr)
{
	struct siw_cq *cq;

	if (attr->comp_mask & ~(uint32_t)IBV_CQ_INIT_ATTR_MASK_FLAGS ||
	    ((attr->comp_mask & IBV_CQ_INIT_ATTR_MASK_FLAGS) && attr->flags)) {
		siw_err(ctx, "create_cq_ex: comp_mask 0x%x flags 0x%x not supported\n",
			attr->comp_mask, attr->flags);
		errno = EOPNOTSUPP;
		return NULL;
	}
	if (attr->wc_flags & ~(uint64_t)SIW_CQ_EX_WC_FLAGS) {
		siw_err(ctx, "create_cq_ex: wc_flags 0x%llx not supported\n",
			(unsigned long long)(attr->wc_flags &
					     ~(uint64_t)SIW_CQ_EX_WC_FLAGS));
		errno = EOPNOTSUPP;
		return NULL;
	}
	if (attr->cqe > INT32_MAX) {
		errno = EINVAL;
		return NULL;
	}
	cq = siw_cq_new(ctx, attr->cqe, attr->channel, attr->comp_vector);
	if (!cq)
		return NULL;
	/* ibv_create_cq_ex leaves the common fields to the provider. */
	verbs_init_cq(&cq->base.cq, ctx, attr->channel, attr->cq_context);
	cq->wc_flags = attr->wc_flags;
	siw_cq_ex_init(cq);
	return &cq->base.cq_ex;
}

int siw_destroy_cq(struct ibv_cq *ibcq)
{
	struct siw_cq *cq = cq_to_siw(ibcq);
	int rv;

	rv = ibv_cmd_destroy_cq(ibcq);
	if (rv)
		return rv;
	munmap(cq->queue, cq->map_len);
	pthread_spin_destroy(&cq->lock);
	free(cq);
	return 0;
}
