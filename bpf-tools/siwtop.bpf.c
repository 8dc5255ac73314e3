// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * siwtop: per-QP and per-TX-thread counters from the siw tracepoints.
 * Only tracepoints, read through siw_tp.h's record layouts: no kprobes,
 * no module BTF, the same object runs on 6.1 and 6.12.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "siw_tp.h"
#include "siwtop.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SIWTOP_MAX_QPS);
	__type(key, __u32);
	__type(value, struct siwtop_qp);
} qps SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SIWTOP_MAX_CPUS);
	__type(key, __u32);
	__type(value, struct siwtop_cpu);
} cpus SEC(".maps");

static struct siwtop_qp *qp_stat(__u32 qp)
{
	struct siwtop_qp *s, zero = { .cpu = -1, .state = SIW_TP_QP_RTS };

	s = bpf_map_lookup_elem(&qps, &qp);
	if (s)
		return s;
	bpf_map_update_elem(&qps, &qp, &zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(&qps, &qp);
}

static struct siwtop_cpu *cpu_stat(int cpu)
{
	__u32 key = cpu;

	if (cpu < 0)
		return NULL;
	return bpf_map_lookup_elem(&cpus, &key);
}

#define PF_KTHREAD	0x00200000	/* include/linux/sched.h, 6.1 and 6.12 */

/*
 * FPDUs go out from the TX threads (kernel threads) or, with tx_direct=1,
 * from the process whose doorbell found the QP's TX idle.
 */
static bool sent_by_process(void)
{
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();

	return !(BPF_CORE_READ(t, flags) & PF_KTHREAD);
}

SEC("tracepoint/siw/siw_fpdu_tx")
int siw_fpdu_tx(struct siw_tp_fpdu *ctx)
{
	struct siwtop_qp *q = qp_stat(ctx->qp);
	struct siwtop_cpu *c = cpu_stat(ctx->cpu);

	if (q) {
		__sync_fetch_and_add(&q->tx_bytes, ctx->len);
		__sync_fetch_and_add(&q->tx_fpdus, 1);
		q->cpu = ctx->cpu;
	}
	if (c) {
		__sync_fetch_and_add(&c->tx_bytes, ctx->len);
		__sync_fetch_and_add(&c->tx_fpdus, 1);
		if (sent_by_process())
			__sync_fetch_and_add(&c->direct_bytes, ctx->len);
	}
	return 0;
}

SEC("tracepoint/siw/siw_fpdu_rx")
int siw_fpdu_rx(struct siw_tp_fpdu *ctx)
{
	struct siwtop_qp *q = qp_stat(ctx->qp);

	if (q) {
		__sync_fetch_and_add(&q->rx_bytes, ctx->len);
		__sync_fetch_and_add(&q->rx_fpdus, 1);
	}
	return 0;
}

SEC("tracepoint/siw/siw_wr_post")
int siw_wr_post(struct siw_tp_wr_post *ctx)
{
	struct siwtop_qp *q = qp_stat(ctx->qp);

	if (q)
		__sync_fetch_and_add(&q->posts, 1);
	return 0;
}

SEC("tracepoint/siw/siw_doorbell")
int siw_doorbell(struct siw_tp_doorbell *ctx)
{
	struct siwtop_qp *q = qp_stat(ctx->qp);

	if (q)
		__sync_fetch_and_add(&q->posts, 1);
	return 0;
}

SEC("tracepoint/siw/siw_sk_blocked")
int siw_sk_blocked(struct siw_tp_sk *ctx)
{
	struct siwtop_qp *q = qp_stat(ctx->qp);

	if (!q)
		return 0;
	__sync_fetch_and_add(&q->blocked, 1);
	/* Blocked again before the socket had room: one period. */
	if (!q->blocked_since)
		q->blocked_since = bpf_ktime_get_ns();
	return 0;
}

static void blocked_end(struct siwtop_qp *q)
{
	__u64 since = q->blocked_since;

	if (!since)
		return;
	q->blocked_since = 0;
	__sync_fetch_and_add(&q->blocked_ns, bpf_ktime_get_ns() - since);
}

SEC("tracepoint/siw/siw_sk_resumed")
int siw_sk_resumed(struct siw_tp_sk *ctx)
{
	__u32 qp = ctx->qp;
	struct siwtop_qp *q = bpf_map_lookup_elem(&qps, &qp);

	if (q)
		blocked_end(q);
	return 0;
}

SEC("tracepoint/siw/siw_qp_state")
int siw_qp_state(struct siw_tp_qp_state *ctx)
{
	__u32 qp = ctx->qp;
	struct siwtop_qp *q;

	/* Only QPs that reach RTS get an entry; the others move nothing. */
	if (ctx->state == SIW_TP_QP_RTS)
		q = qp_stat(qp);
	else
		q = bpf_map_lookup_elem(&qps, &qp);
	if (!q)
		return 0;
	q->state = ctx->state;
	if (ctx->state == SIW_TP_QP_ERROR || ctx->state == SIW_TP_QP_IDLE)
		blocked_end(q);
	return 0;
}

SEC("tracepoint/siw/siw_tx_wakeup")
int siw_tx_wakeup(struct siw_tp_tx_thread *ctx)
{
	struct siwtop_cpu *c = cpu_stat(ctx->cpu);

	if (!c)
		return 0;
	c->wakeups++;		/* only the thread of this CPU writes these */
	if (!c->awake_since)
		c->awake_since = bpf_ktime_get_ns();
	return 0;
}

SEC("tracepoint/siw/siw_tx_idle")
int siw_tx_idle(struct siw_tp_tx_thread *ctx)
{
	struct siwtop_cpu *c = cpu_stat(ctx->cpu);
	__u64 since;

	if (!c)
		return 0;
	c->runs += ctx->items;
	since = c->awake_since;
	if (since) {
		c->awake_since = 0;
		c->busy_ns += bpf_ktime_get_ns() - since;
	}
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
