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
	struct siw_op_stats op[SIW_STATS_OPCODES];
};

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

#endif /* _SIW_STATS_H */
