// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * siw_txlat: time from a send work request being posted to its first
 * FPDU handed to TCP (siw_fpdu_tx), as log2 histograms.
 *
 * Kernel QPs trace every WR (siw_wr_post: qp, opcode, length). Each QP
 * keeps a FIFO of post times and lengths; FPDUs of SQ messages (Write,
 * Read Request, Sends: not Read Responses, not Terminates) leave in post
 * order, so the first FPDU after the previous message's bytes are all out
 * belongs to the WR at the head. User QPs write their ring directly and
 * libsiw rings the doorbell (siw_doorbell) only when the SQ was idle, so
 * for them each doorbell is timed to the next SQ FPDU of the QP: the
 * latency of the WRs that start an idle SQ, not of those queued behind.
 *
 * Only tracepoints and siw_tp.h's record layouts: one object for 6.1
 * and 6.12, no module BTF needed.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "siw_tp.h"
#include "siw_txlat.h"

const volatile __s32 targ_cpu = -1;	/* -C: FPDUs sent on this CPU */
const volatile bool targ_qp_set;	/* -q */
const volatile __u32 targ_qp;
const volatile bool targ_per_cpu;	/* -P */
const volatile bool targ_ms;		/* -m */

#define LEN_UNKNOWN	0xffffffffu

enum { KIND_WRITE, KIND_READ, KIND_SEND, KIND_ANY };

struct fifo {
	__u64 head;		/* next post to time: its first FPDU */
	__u64 tail;		/* next free slot */
	__u32 rem;		/* bytes of the current message still to go */
	__u32 pad;
	__u64 ts[TXLAT_FIFO];
	__u32 len[TXLAT_FIFO];
	__u8 kind[TXLAT_FIFO];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TXLAT_MAX_QPS);
	__type(key, __u32);
	__type(value, struct fifo);
} fifos SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TXLAT_MAX_CPUS + 1);
	__type(key, __u32);
	__type(value, struct txlat_hist);
} hists SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, TXLAT_NR_COUNTERS);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

/* Zero-initialized templates, too big for the BPF stack. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fifo);
} fifo_zero SEC(".maps");

static const struct txlat_hist hist_zero;

static void count(__u32 which)
{
	__u64 *c = bpf_map_lookup_elem(&counters, &which);

	if (c)
		__sync_fetch_and_add(c, 1);
}

static bool qp_wanted(__u32 qp)
{
	return !targ_qp_set || qp == targ_qp;
}

static struct fifo *fifo_get(__u32 qp)
{
	struct fifo *f = bpf_map_lookup_elem(&fifos, &qp);
	__u32 zero = 0;

	if (f)
		return f;
	f = bpf_map_lookup_elem(&fifo_zero, &zero);
	if (!f)
		return NULL;
	bpf_map_update_elem(&fifos, &qp, f, BPF_NOEXIST);
	return bpf_map_lookup_elem(&fifos, &qp);
}

static void fifo_push(struct fifo *f, __u32 len, __u8 kind)
{
	__u64 tail = f->tail;
	__u32 i = tail & (TXLAT_FIFO - 1);

	if (tail - f->head >= TXLAT_FIFO) {
		count(TXLAT_OVERFLOW);
		return;
	}
	f->ts[i] = bpf_ktime_get_ns();
	f->len[i] = len;
	f->kind[i] = kind;
	/* Publish the slot (an atomic is a full barrier). */
	__sync_fetch_and_add(&f->tail, 1);
}

static __u8 wr_kind(int opcode)
{
	switch (opcode) {
	case SIW_TP_OP_WRITE:
		return KIND_WRITE;
	case SIW_TP_OP_READ:
	case SIW_TP_OP_READ_LOCAL_INV:
		return KIND_READ;
	default:
		return KIND_SEND;
	}
}

SEC("tracepoint/siw/siw_wr_post")
int siw_wr_post(struct siw_tp_wr_post *ctx)
{
	struct fifo *f;

	/* Memory registration and local invalidation send nothing. */
	if (ctx->opcode < SIW_TP_OP_WRITE ||
	    ctx->opcode > SIW_TP_OP_SEND_REMOTE_INV || !qp_wanted(ctx->qp))
		return 0;
	f = fifo_get(ctx->qp);
	if (!f)
		return 0;
	count(TXLAT_POST_WR);
	fifo_push(f, ctx->len, wr_kind(ctx->opcode));
	return 0;
}

SEC("tracepoint/siw/siw_doorbell")
int siw_doorbell(struct siw_tp_doorbell *ctx)
{
	struct fifo *f;

	if (!qp_wanted(ctx->qp))
		return 0;
	f = fifo_get(ctx->qp);
	if (!f)
		return 0;
	/* An earlier doorbell not sent yet already times this batch. */
	if (f->tail != f->head)
		return 0;
	count(TXLAT_POST_DB);
	f->rem = 0;
	fifo_push(f, LEN_UNKNOWN, KIND_ANY);
	return 0;
}

static __u32 log2_slot(__u64 v)
{
	__u32 r = 0;

	if (!v)
		return 0;
	if (v >> 32) {
		v >>= 32;
		r += 32;
	}
	if (v >> 16) {
		v >>= 16;
		r += 16;
	}
	if (v >> 8) {
		v >>= 8;
		r += 8;
	}
	if (v >> 4) {
		v >>= 4;
		r += 4;
	}
	if (v >> 2) {
		v >>= 2;
		r += 2;
	}
	if (v >> 1)
		r += 1;
	r += 1;		/* slot 1: 1, slot 2: 2-3, slot 3: 4-7 ... */
	return r < TXLAT_SLOTS ? r : TXLAT_SLOTS - 1;
}

static void record(int cpu, __u64 ns)
{
	__u32 key = targ_per_cpu ? (__u32)cpu : TXLAT_ALL_CPUS;
	struct txlat_hist *h;
	__u64 v = targ_ms ? ns / 1000000 : ns / 1000;
	__u32 slot;

	h = bpf_map_lookup_elem(&hists, &key);
	if (!h) {
		bpf_map_update_elem(&hists, &key, &hist_zero, BPF_NOEXIST);
		h = bpf_map_lookup_elem(&hists, &key);
		if (!h)
			return;
	}
	slot = log2_slot(v);
	__sync_fetch_and_add(&h->slots[slot & (TXLAT_SLOTS - 1)], 1);
	__sync_fetch_and_add(&h->count, 1);
	__sync_fetch_and_add(&h->sum, ns);
}

static bool kind_matches(__u8 kind, __u8 op)
{
	switch (kind) {
	case KIND_WRITE:
		return op == SIW_TP_RDMAP_WRITE;
	case KIND_READ:
		return op == SIW_TP_RDMAP_READ_REQ;
	case KIND_SEND:
		return op >= SIW_TP_RDMAP_SEND && op <= SIW_TP_RDMAP_SEND_SE_INV;
	}
	return true;
}

SEC("tracepoint/siw/siw_fpdu_tx")
int siw_fpdu_tx(struct siw_tp_fpdu *ctx)
{
	__u8 op = ctx->opcode;
	__u32 qp = ctx->qp;
	struct fifo *f;
	__u64 head, ts;
	__u32 i, len;

	/* Read Responses come from the IRQ, Terminates from the QP. */
	if (op == SIW_TP_RDMAP_READ_RESP || op > SIW_TP_RDMAP_SEND_SE_INV ||
	    !qp_wanted(qp))
		return 0;
	f = bpf_map_lookup_elem(&fifos, &qp);
	if (!f)
		return 0;
	if (f->rem) {		/* a later FPDU of the current message */
		f->rem = f->rem > ctx->len ? f->rem - ctx->len : 0;
		return 0;
	}
	head = f->head;
	if (head == f->tail)
		return 0;	/* posted before we started, or not timed */
	i = head & (TXLAT_FIFO - 1);
	ts = f->ts[i];
	len = f->len[i];
	if (!kind_matches(f->kind[i], op))
		count(TXLAT_MISMATCH);
	/* A Read Request is one FPDU whatever the length read. */
	if (len != LEN_UNKNOWN && op != SIW_TP_RDMAP_READ_REQ && len > ctx->len)
		f->rem = len - ctx->len;
	__sync_fetch_and_add(&f->head, 1);
	count(TXLAT_MATCHED);
	if (targ_cpu >= 0 && ctx->cpu != targ_cpu)
		return 0;
	record(ctx->cpu, bpf_ktime_get_ns() - ts);
	return 0;
}

SEC("tracepoint/siw/siw_qp_state")
int siw_qp_state(struct siw_tp_qp_state *ctx)
{
	__u32 qp = ctx->qp;
	struct fifo *f;
	__u64 n;

	if (ctx->state != SIW_TP_QP_ERROR && ctx->state != SIW_TP_QP_IDLE)
		return 0;
	f = bpf_map_lookup_elem(&fifos, &qp);
	if (!f)
		return 0;
	/* What is still queued is flushed, never sent. */
	n = f->tail - f->head;
	if (n) {
		__u32 which = TXLAT_FLUSHED;
		__u64 *c = bpf_map_lookup_elem(&counters, &which);

		if (c)
			__sync_fetch_and_add(c, n);
	}
	bpf_map_delete_elem(&fifos, &qp);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
