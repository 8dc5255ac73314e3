/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The siw tracepoints' records as the BPF programs see them
 * (tracepoint/siw/<event>), declared here rather than taken from the
 * module's BTF: siw.ko is built out of tree, without BTF. The layout is
 * the one kernel/trace.h gives (TP_STRUCT__entry, natural alignment after
 * the 8 byte common header) and is the same on 6.1 and 6.12; the tools
 * compare it with /sys/kernel/tracing/events/siw/<event>/format at start
 * (siw_common.c) and refuse to run on a mismatch.
 *
 * Shared by the BPF programs (with vmlinux.h) and by user space (with
 * <linux/types.h>).
 */
#ifndef SIW_TP_H
#define SIW_TP_H

struct siw_tp_common {
	unsigned short type;
	unsigned char flags;
	unsigned char preempt_count;
	int pid;
};

/* siw_fpdu_tx, siw_fpdu_rx */
struct siw_tp_fpdu {
	struct siw_tp_common c;
	__u32 qp;
	__u8 opcode;		/* RDMAP opcode */
	__u32 len;		/* ULP payload bytes */
	int cpu;
};

/* siw_wr_post */
struct siw_tp_wr_post {
	struct siw_tp_common c;
	__u32 qp;
	__u64 wr_id;
	int opcode;		/* siw-abi SIW_OP_* */
	__u32 len;		/* first SGE */
};

/* siw_doorbell */
struct siw_tp_doorbell {
	struct siw_tp_common c;
	__u32 qp;
};

/* siw_tx_wakeup, siw_tx_idle */
struct siw_tp_tx_thread {
	struct siw_tp_common c;
	int cpu;
	unsigned int items;
};

/* siw_sk_blocked, siw_sk_resumed */
struct siw_tp_sk {
	struct siw_tp_common c;
	__u32 qp;
	__u32 queued;
};

/* siw_qp_state */
struct siw_tp_qp_state {
	struct siw_tp_common c;
	__u32 qp;
	int old;
	int state;
};

/* kernel/qp.h enum siw_qp_state */
enum {
	SIW_TP_QP_IDLE,
	SIW_TP_QP_RTR,
	SIW_TP_QP_RTS,
	SIW_TP_QP_CLOSING,
	SIW_TP_QP_TERMINATE,
	SIW_TP_QP_ERROR,
};

/* RDMAP opcodes (RFC 5040 section 4.3), siw_fpdu_* opcode */
enum {
	SIW_TP_RDMAP_WRITE,
	SIW_TP_RDMAP_READ_REQ,
	SIW_TP_RDMAP_READ_RESP,
	SIW_TP_RDMAP_SEND,
	SIW_TP_RDMAP_SEND_INV,
	SIW_TP_RDMAP_SEND_SE,
	SIW_TP_RDMAP_SEND_SE_INV,
	SIW_TP_RDMAP_TERMINATE,
};

/* siw-abi enum siw_opcode, the ones that put an FPDU on the wire */
enum {
	SIW_TP_OP_WRITE,
	SIW_TP_OP_READ,
	SIW_TP_OP_READ_LOCAL_INV,
	SIW_TP_OP_SEND,
	SIW_TP_OP_SEND_WITH_IMM,
	SIW_TP_OP_SEND_REMOTE_INV,
};

#endif /* SIW_TP_H */
