/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Traffic and error counters of a QP, and of a device in total. Each
 * counter has one writer at a time (TX counters the QP's TX run, RX
 * counters the socket's receive path), so plain u64s suffice; readers
 * (netlink) may see a value one update old, and a reset racing with an
 * update may lose that update.
 */
#ifndef _SIW_STATS_H
#define _SIW_STATS_H

#include <linux/types.h>
#include <linux/compiler.h>
#include <linux/atomic.h>

/* RDMAP opcodes 0 (Write) to 7 (Terminate), as on the wire. */
#define SIW_STATS_OPCODES	12	/* RFC 5040 and RFC 7306 */

struct siw_op_stats {
	u64 tx_fpdus;
	u64 tx_bytes;		/* ULP payload */
	u64 rx_fpdus;
	u64 rx_bytes;
};

struct siw_stats {
	u64 tx_fpdus;
	u64 tx_bytes;		/* handed to TCP, framing included */
	u64 rx_fpdus;
	u64 rx_bytes;		/* taken from TCP, framing included */
	u64 crc_errors;
	u64 terms_sent;
	u64 terms_received;
	u64 backpressure;	/* TX found the send buffer full */
	u64 rx_whole;		/* of rx_fpdus: parsed in place (rx.c) */
	u64 tx_zcopy;		/* of tx_bytes: FPDUs TCP took by reference */
	u64 tx_zcopy_wrs;	/* WRs sent so, completed at TCP's ACK */
	struct siw_op_stats op[SIW_STATS_OPCODES];
};

/* What a QP without counters of its own reads as. */
extern const struct siw_stats siw_stats_none;

static inline void siw_stat_add(u64 *counter, u64 n)
{
	WRITE_ONCE(*counter, READ_ONCE(*counter) + n);
}

static inline void siw_stats_op_tx(struct siw_stats *s, u8 opcode, u32 bytes)
{
	siw_stat_add(&s->tx_fpdus, 1);
	if (opcode < SIW_STATS_OPCODES) {
		siw_stat_add(&s->op[opcode].tx_fpdus, 1);
		siw_stat_add(&s->op[opcode].tx_bytes, bytes);
	}
}

static inline void siw_stats_op_rx(struct siw_stats *s, u8 opcode, u32 bytes)
{
	siw_stat_add(&s->rx_fpdus, 1);
	if (opcode < SIW_STATS_OPCODES) {
		siw_stat_add(&s->op[opcode].rx_fpdus, 1);
		siw_stat_add(&s->op[opcode].rx_bytes, bytes);
	}
}

/* The struct is all u64 counters: add or zero them word by word. */
static inline void siw_stats_add_all(struct siw_stats *sum,
				     const struct siw_stats *s)
{
	const u64 *from = (const u64 *)s;
	u64 *to = (u64 *)sum;
	size_t i;

	for (i = 0; i < sizeof(*s) / sizeof(u64); i++)
		to[i] += READ_ONCE(from[i]);
}

static inline void siw_stats_zero(struct siw_stats *s)
{
	u64 *c = (u64 *)s;
	size_t i;

	for (i = 0; i < sizeof(*s) / sizeof(u64); i++)
		WRITE_ONCE(c[i], 0);
}

/*
 * Live objects of the whole module, by type: what exists in memory now,
 * on every device together, counted where each type is created and
 * freed. Unlike the per-device counts (struct siw_obj_counts) they
 * outlive a device, so tests can check that everything a fault, a
 * killed process or a vanished netdev left behind was freed in the end.
 */
enum siw_obj {
	SIW_OBJ_DEVICE,		/* struct siw_device, allocated to freed */
	SIW_OBJ_UCONTEXT,
	SIW_OBJ_PD,
	SIW_OBJ_CQ,
	SIW_OBJ_SRQ,
	SIW_OBJ_QP,
	SIW_OBJ_MR,		/* struct siw_mem, until its deferred free */
	SIW_OBJ_CEP,		/* connection endpoints, listeners included */
	SIW_OBJ_LISTENER,	/* the listening ones among them */
	SIW_OBJ_MMAP,		/* rings mapped (or mappable) by processes */
	SIW_OBJ_TX_WORK,	/* TX runs queued on a TX thread */
	SIW_OBJ_TYPES
};

extern atomic_t siw_live[SIW_OBJ_TYPES];

static inline void siw_live_inc(enum siw_obj type)
{
	atomic_inc(&siw_live[type]);
}

static inline void siw_live_dec(enum siw_obj type)
{
	atomic_dec(&siw_live[type]);
}

static inline int siw_live_read(enum siw_obj type)
{
	return atomic_read(&siw_live[type]);
}

/* Log what is still alive (at module exit: leaks); true if anything. */
bool siw_live_report(const char *when);

#endif /* _SIW_STATS_H */
