/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * libsiw: the libibverbs provider for siw. Objects and the helpers the
 * files share. The rings are the ones <rdma/siw-abi.h> describes, mapped
 * from the uverbs file; the kernel is the other end of each.
 */
#ifndef LIBSIW_H
#define LIBSIW_H

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <rdma/siw-abi.h>
#include <linux/siw_abi_ext.h>

#include "provider_abi.h"

#define LIBSIW_VERSION "0.1.0"

#define siw_container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

struct siw_context {
	struct verbs_context base;
	uint32_t dev_id;
	/* The kernel granted the extended ABI (RFC 7306 opcodes). */
	bool ext;
	const uint8_t *qp_state;	/* SIW_QPS_* per QP slot, read only */
	size_t qp_state_len;
};

struct siw_cq {
	struct verbs_cq base;
	pthread_spinlock_t lock;
	struct siw_cqe *queue;
	struct siw_cq_ctrl *ctrl;
	size_t map_len;
	uint32_t id;
	uint32_t num_cqe;
	uint32_t get;			/* next slot to consume */
	uint64_t wc_flags;		/* extended CQ: what was asked for */
	struct siw_cqe cur;		/* extended CQ: the entry being read */
};

struct siw_srq {
	struct ibv_srq base;
	pthread_spinlock_t lock;
	struct siw_rqe *recvq;
	size_t map_len;
	uint32_t num_rqe;
	uint32_t put;
};

/* The doorbell: a POST_SEND command with no work requests. */
struct siw_doorbell {
	struct ibv_post_send req;
	struct ib_uverbs_post_send_resp resp;
};

struct siw_qp {
	struct verbs_qp base;
	pthread_spinlock_t sq_lock;
	pthread_spinlock_t rq_lock;
	struct siw_sqe *sendq;
	struct siw_rqe *recvq;
	size_t sq_map_len;
	size_t rq_map_len;
	struct siw_srq *srq;
	uint32_t id;
	uint32_t num_sqe;
	uint32_t num_rqe;
	uint32_t sq_put;
	uint32_t rq_put;
	uint32_t max_inline;
	uint32_t state_slot;		/* ext: byte in ctx->qp_state */
	bool sq_sig_all;
	struct siw_doorbell db;
	/* ibv_wr_* builder state, valid between wr_start and wr_complete */
	uint32_t wr_first;		/* sq_put at wr_start */
	struct siw_sqe *wr_cur;		/* the SQE being built, or NULL */
	int wr_err;			/* first error, reported at complete */
};

static inline struct siw_context *ctx_to_siw(struct ibv_context *ctx)
{
	return siw_container_of(ctx, struct siw_context, base.context);
}

static inline struct siw_cq *cq_to_siw(struct ibv_cq *cq)
{
	return siw_container_of(cq, struct siw_cq, base.cq);
}

static inline struct siw_cq *cq_ex_to_siw(struct ibv_cq_ex *cq)
{
	return siw_container_of(cq, struct siw_cq, base.cq_ex);
}

static inline struct siw_qp *qp_to_siw(struct ibv_qp *qp)
{
	return siw_container_of(qp, struct siw_qp, base.qp);
}

static inline struct siw_qp *qp_ex_to_siw(struct ibv_qp_ex *qp)
{
	return siw_container_of(qp, struct siw_qp, base.qp_ex);
}

static inline struct siw_srq *srq_to_siw(struct ibv_srq *srq)
{
	return siw_container_of(srq, struct siw_srq, base);
}

/* Ring flags are shared with the kernel: every access is atomic. */
static inline uint16_t siw_flags_load(uint16_t *flags)
{
	return atomic_load_explicit((_Atomic uint16_t *)flags,
				    memory_order_acquire);
}

static inline void siw_flags_store(uint16_t *flags, uint16_t val)
{
	atomic_store_explicit((_Atomic uint16_t *)flags, val,
			      memory_order_release);
}

static inline uint8_t siw_flags8_load(uint8_t *flags)
{
	return atomic_load_explicit((_Atomic uint8_t *)flags,
				    memory_order_acquire);
}

static inline void siw_flags8_store(uint8_t *flags, uint8_t val)
{
	atomic_store_explicit((_Atomic uint8_t *)flags, val,
			      memory_order_release);
}

/* Errors go through libibverbs' log (VERBS_LOG_LEVEL, VERBS_LOG_FILE). */
#define SIW_LOG_ERR 1
#define siw_err(ctx, fmt, ...) do {					\
	struct ibv_context *_c = (ctx);					\
									\
	__verbs_log(&ctx_to_siw(_c)->base, SIW_LOG_ERR,			\
		    "libsiw: %s: " fmt, _c->device->name, ##__VA_ARGS__);	\
} while (0)

/* cq.c */
struct ibv_cq *siw_create_cq(struct ibv_context *ctx, int num_cqe,
			     struct ibv_comp_channel *channel, int vector);
struct ibv_cq_ex *siw_create_cq_ex(struct ibv_context *ctx,
				   struct ibv_cq_init_attr_ex *attr);
int siw_destroy_cq(struct ibv_cq *cq);
int siw_poll_cq(struct ibv_cq *cq, int num_entries, struct ibv_wc *wc);
int siw_req_notify_cq(struct ibv_cq *cq, int solicited_only);

/* srq.c */
struct ibv_srq *siw_create_srq(struct ibv_pd *pd,
			       struct ibv_srq_init_attr *attr);
int siw_modify_srq(struct ibv_srq *srq, struct ibv_srq_attr *attr, int mask);
int siw_query_srq(struct ibv_srq *srq, struct ibv_srq_attr *attr);
int siw_destroy_srq(struct ibv_srq *srq);
int siw_post_srq_recv(struct ibv_srq *srq, struct ibv_recv_wr *wr,
		      struct ibv_recv_wr **bad_wr);

/* qp.c */
struct ibv_qp *siw_create_qp(struct ibv_pd *pd,
			     struct ibv_qp_init_attr *attr);
struct ibv_qp *siw_create_qp_ex(struct ibv_context *ctx,
				struct ibv_qp_init_attr_ex *attr);
int siw_modify_qp(struct ibv_qp *qp, struct ibv_qp_attr *attr, int mask);
int siw_query_qp(struct ibv_qp *qp, struct ibv_qp_attr *attr, int mask,
		 struct ibv_qp_init_attr *init);
int siw_destroy_qp(struct ibv_qp *qp);
int siw_post_send(struct ibv_qp *qp, struct ibv_send_wr *wr,
		  struct ibv_send_wr **bad_wr);
int siw_post_recv(struct ibv_qp *qp, struct ibv_recv_wr *wr,
		  struct ibv_recv_wr **bad_wr);
int siw_rqes_post(struct siw_rqe *ring, uint32_t size, uint32_t *put,
		  struct ibv_recv_wr *wr, struct ibv_recv_wr **bad_wr);
int siw_sq_publish(struct siw_qp *qp, uint32_t first, uint32_t count);
int siw_qp_ext_check(struct siw_qp *qp);
int siw_sqe_inline(struct siw_sqe *sqe, const struct ibv_sge *sg, int num_sge,
		   uint32_t max);

/* qp_ex.c */
#define SIW_SUPPORTED_SEND_OPS (IBV_QP_EX_WITH_SEND |			\
				IBV_QP_EX_WITH_SEND_WITH_INV |		\
				IBV_QP_EX_WITH_RDMA_WRITE |		\
				IBV_QP_EX_WITH_RDMA_READ |		\
				IBV_QP_EX_WITH_SEND_WITH_IMM |		\
				IBV_QP_EX_WITH_RDMA_WRITE_WITH_IMM |	\
				IBV_QP_EX_WITH_ATOMIC_CMP_AND_SWP |	\
				IBV_QP_EX_WITH_ATOMIC_FETCH_AND_ADD)
void siw_qp_ex_init(struct siw_qp *qp);

#endif /* LIBSIW_H */
