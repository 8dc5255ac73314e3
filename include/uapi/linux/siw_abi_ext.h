/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR BSD-2-Clause */
/*
 * Extensions of <rdma/siw-abi.h> spoken between siw.ko and our libsiw
 * only: RFC 7306 atomics and immediate data in the mapped rings.
 *
 * A provider asks for them in alloc_ucontext (stock libsiw sends no
 * request there); the kernel answers with what it grants. Without that,
 * a context's rings keep the stock ABI exactly, and its QPs do not offer
 * the extensions to the peer, so a stock provider never meets an opcode
 * or flag it does not know.
 */
#ifndef _UAPI_LINUX_SIW_ABI_EXT_H
#define _UAPI_LINUX_SIW_ABI_EXT_H

#include <linux/types.h>
#include <rdma/siw-abi.h>

/* alloc_ucontext request */
struct siw_ureq_alloc_ctx {
	__u32 flags;			/* SIW_UCTX_* wanted */
	__u32 pad;
};

#define SIW_UCTX_EXT_ABI	(1U << 0)	/* the opcodes and flags below */

/* alloc_ucontext response: struct siw_uresp_alloc_ctx, then this */
struct siw_uresp_alloc_ctx_ext {
	__u32 dev_id;
	__u32 pad;
	__u32 flags;			/* SIW_UCTX_* granted */
	__u32 qp_state_len;		/* bytes of the QP state page */
	__aligned_u64 qp_state_key;	/* its mmap offset */
};

/* create_qp response: struct siw_uresp_create_qp, then this */
struct siw_uresp_create_qp_ext {
	__u32 qp_id;
	__u32 num_sqe;
	__u32 num_rqe;
	__u32 pad;
	__aligned_u64 sq_key;
	__aligned_u64 rq_key;
	__u32 state_slot;		/* byte in the QP state page */
	__u32 pad2;
};

#define SIW_QP_SLOT_NONE	0xffffffffU

/*
 * The QP state page: one byte per QP of the context, written by the
 * kernel once the connection is set up, so that posting (which needs no
 * system call) can refuse work the peer cannot take.
 */
#define SIW_QPS_CONNECTED	(1U << 0)
#define SIW_QPS_EXT		(1U << 1)	/* RFC 7306 negotiated */

/*
 * SQE opcodes beyond enum siw_opcode. SIW_OP_SEND_WITH_IMM,
 * SIW_OP_FETCH_AND_ADD and SIW_OP_COMP_AND_SWAP are the stock ones.
 */
#define SIW_OP_WRITE_WITH_IMM		(SIW_NUM_OPCODES + 0)
/* CQE only: a Write with Immediate consumed this receive */
#define SIW_OP_RECV_RDMA_WITH_IMM	(SIW_NUM_OPCODES + 1)
#define SIW_NUM_OPCODES_EXT		(SIW_NUM_OPCODES + 2)

/*
 * *_WITH_IMM SQEs carry the immediate value (the verbs' __be32, as
 * stored in memory) in the lkey of the last SGE slot, so they have at
 * most SIW_MAX_SGE - 1 SGEs or SIW_MAX_INLINE_IMM inline bytes.
 */
#define SIW_SQE_IMM_SGE			(SIW_MAX_SGE - 1)
#define SIW_MAX_INLINE_IMM		(SIW_MAX_INLINE - sizeof(struct siw_sge))

/*
 * Atomic SQEs: sge[0] the local 8 byte buffer for the original value;
 * the operands in the laddr of the next slots. Unmasked operations set
 * the masks to what makes them plain: add mask 0, compare and swap
 * masks all ones.
 */
#define SIW_SQE_ATOMIC_CMP_ADD		1	/* compare, or add value */
#define SIW_SQE_ATOMIC_SWAP		2
#define SIW_SQE_ATOMIC_CMP_ADD_MASK	3	/* compare, or field ends */
#define SIW_SQE_ATOMIC_SWAP_MASK	4

/* CQE flag: imm_data holds the immediate value (its low 32 bits) */
#define SIW_WQE_IMM_DATA		(1U << 7)

#endif /* _UAPI_LINUX_SIW_ABI_EXT_H */
