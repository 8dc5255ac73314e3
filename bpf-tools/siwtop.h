/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* siwtop: the counters its BPF program keeps, read by user space. */
#ifndef SIWTOP_H
#define SIWTOP_H

#define SIWTOP_MAX_QPS		4096
#define SIWTOP_MAX_CPUS		1024

/* Per QP, cumulative since the QP was first seen. */
struct siwtop_qp {
	__u64 tx_bytes;		/* ULP payload bytes, siw_fpdu_tx */
	__u64 tx_fpdus;
	__u64 rx_bytes;		/* siw_fpdu_rx */
	__u64 rx_fpdus;
	__u64 posts;		/* kernel WRs (siw_wr_post) + doorbells */
	__u64 blocked;		/* siw_sk_blocked events */
	__u64 blocked_ns;	/* finished blocked periods, blocked -> resumed */
	__u64 blocked_since;	/* start of the current one, 0 if none */
	__s32 cpu;		/* TX CPU of the last FPDU sent, -1 if none */
	__u32 state;		/* last siw_qp_state, SIW_TP_QP_* */
};

/*
 * Per CPU, cumulative: its TX thread, and what was sent on it, by the TX
 * thread or (tx_direct=1) by the posting process itself.
 */
struct siwtop_cpu {
	__u64 wakeups;		/* siw_tx_wakeup */
	__u64 runs;		/* work items run, siw_tx_idle items */
	__u64 busy_ns;		/* finished wakeup -> idle periods */
	__u64 awake_since;	/* first wakeup of the current one, 0 if idle */
	__u64 tx_bytes;		/* FPDUs sent on this CPU */
	__u64 tx_fpdus;
	__u64 direct_bytes;	/* ... by a process, not the TX thread */
};

#endif /* SIWTOP_H */
