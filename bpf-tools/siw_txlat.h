/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* siw_txlat: what its BPF program shares with user space. */
#ifndef SIW_TXLAT_H
#define SIW_TXLAT_H

#define TXLAT_MAX_QPS		512
#define TXLAT_MAX_CPUS		1024
#define TXLAT_FIFO		256	/* posts in flight per QP, power of 2 */
#define TXLAT_SLOTS		32	/* log2 buckets: 0, 1, 2-3, ... */
#define TXLAT_ALL_CPUS		0xffffffffu	/* histogram key without -P */

/* One log2 histogram of latencies (us, or ms with -m). */
struct txlat_hist {
	__u64 slots[TXLAT_SLOTS];
	__u64 count;
	__u64 sum;		/* ns */
};

/* Counters, cumulative (index into the "counters" array map). */
enum {
	TXLAT_POST_WR,		/* kernel WRs that send (siw_wr_post) */
	TXLAT_POST_DB,		/* doorbells that started an idle SQ */
	TXLAT_MATCHED,		/* posts timed to their first FPDU */
	TXLAT_MISMATCH,		/* ... whose FPDU was of another kind */
	TXLAT_OVERFLOW,		/* posts not timed: FIFO full */
	TXLAT_FLUSHED,		/* posts never sent: QP left RTS */
	TXLAT_NR_COUNTERS,
};

#endif /* SIW_TXLAT_H */
