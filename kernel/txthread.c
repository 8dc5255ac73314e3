// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Per-CPU transmit threads. Each runs bound to one CPU of the configured
 * list and drains a lock-free list of work items (QPs with something to
 * send). QPs are placed on the least loaded thread when they connect.
 */
#include <linux/kthread.h>
#include <linux/cpumask.h>
#include <linux/slab.h>
#include <linux/sched.h>
#include <linux/kernel.h>
#include <linux/string.h>

#include "siw.h"

struct siw_tx_thread {
	struct task_struct *task;
	wait_queue_head_t waitq;
	struct llist_head work;
	atomic_t users;			/* QPs placed on this thread */
	u64 wakeups;
	u64 items;
};

static struct siw_tx_thread __percpu *siw_tx;
static struct cpumask siw_tx_cpus;

static int siw_tx_thread_fn(void *arg)
{
	struct siw_tx_thread *tx = arg;
	struct llist_node *list, *pos, *next;
	struct siw_tx_work *w;

	while (!kthread_should_stop()) {
		wait_event_interruptible(tx->waitq,
					 !llist_empty(&tx->work) ||
					 kthread_should_stop());
		tx->wakeups++;

		/* FIFO order: llist_del_all hands back newest first. */
		list = llist_reverse_order(llist_del_all(&tx->work));
		llist_for_each_safe(pos, next, list) {
			w = llist_entry(pos, struct siw_tx_work, node);
			clear_bit(0, &w->queued);
			/* Order the clear before run() reads the queues. */
			smp_mb__after_atomic();
			w->run(w);
			tx->items++;
		}
		cond_resched();
	}
	return 0;
}

/*
 * Parse "0,2,4-7" into @mask. Malformed items and CPUs that are not
 * online are reported and skipped rather than failing the load: a TX
 * list written for a bigger host should still bring the module up.
 */
static void siw_tx_parse_cpu_list(const char *list, struct cpumask *mask)
{
	char *buf, *cur, *item;
	unsigned int first, last, cpu;

	cpumask_clear(mask);
	if (!list)
		return;

	buf = kstrdup(list, GFP_KERNEL);
	if (!buf)
		return;

	cur = strim(buf);
	while ((item = strsep(&cur, ",")) != NULL) {
		item = strim(item);
		if (!*item)
			continue;
		if (sscanf(item, "%u-%u", &first, &last) != 2) {
			if (kstrtouint(item, 10, &first)) {
				pr_warn("siw: tx_cpu_list: ignoring \"%s\": not a CPU number\n",
					item);
				continue;
			}
			last = first;
		}
		if (first > last) {
			pr_warn("siw: tx_cpu_list: ignoring empty range %s\n",
				item);
			continue;
		}
		for (cpu = first; cpu <= last; cpu++) {
			if (cpu >= nr_cpu_ids || !cpu_online(cpu)) {
				pr_warn("siw: tx_cpu_list: ignoring CPU %u: not online\n",
					cpu);
				/* Do not walk a huge bogus range CPU by CPU. */
				if (cpu >= nr_cpu_ids)
					break;
				continue;
			}
			cpumask_set_cpu(cpu, mask);
		}
	}
	kfree(buf);
}

int siw_tx_threads_init(const char *cpu_list)
{
	struct siw_tx_thread *tx;
	int cpu;

	siw_tx_parse_cpu_list(cpu_list, &siw_tx_cpus);
	if (cpumask_empty(&siw_tx_cpus)) {
		if (cpu_list && *cpu_list)
			pr_warn("siw: tx_cpu_list \"%s\" has no usable CPU, using all online CPUs\n",
				cpu_list);
		cpumask_copy(&siw_tx_cpus, cpu_online_mask);
	}

	siw_tx = alloc_percpu(struct siw_tx_thread);
	if (!siw_tx)
		return -ENOMEM;

	for_each_cpu(cpu, &siw_tx_cpus) {
		tx = per_cpu_ptr(siw_tx, cpu);
		init_waitqueue_head(&tx->waitq);
		init_llist_head(&tx->work);
		atomic_set(&tx->users, 0);

		tx->task = kthread_create_on_cpu(siw_tx_thread_fn, tx, cpu,
						 "siw_tx/%u");
		if (IS_ERR(tx->task)) {
			int rv = PTR_ERR(tx->task);

			pr_err("siw: TX thread for CPU %d: %d\n", cpu, rv);
			tx->task = NULL;
			siw_tx_threads_exit();
			return rv;
		}
		wake_up_process(tx->task);
	}
	pr_info("siw: TX threads on CPUs %*pbl\n", cpumask_pr_args(&siw_tx_cpus));
	return 0;
}

void siw_tx_threads_exit(void)
{
	struct siw_tx_thread *tx;
	int cpu;

	if (!siw_tx)
		return;

	for_each_cpu(cpu, &siw_tx_cpus) {
		tx = per_cpu_ptr(siw_tx, cpu);
		if (!tx->task)
			continue;
		kthread_stop(tx->task);
		tx->task = NULL;
		if (!llist_empty(&tx->work))
			pr_err("siw: TX thread %d stopped with work queued\n",
			       cpu);
	}
	free_percpu(siw_tx);
	siw_tx = NULL;
	cpumask_clear(&siw_tx_cpus);
}

unsigned int siw_tx_thread_count(void)
{
	return cpumask_weight(&siw_tx_cpus);
}

/* Place a new user (a QP) on the TX CPU with the fewest users. */
int siw_tx_cpu_get(void)
{
	int cpu, best = -1, load, best_load = INT_MAX;

	for_each_cpu(cpu, &siw_tx_cpus) {
		load = atomic_read(&per_cpu_ptr(siw_tx, cpu)->users);
		if (load < best_load) {
			best = cpu;
			best_load = load;
		}
	}
	if (best >= 0)
		atomic_inc(&per_cpu_ptr(siw_tx, best)->users);
	return best;
}

void siw_tx_cpu_put(int cpu)
{
	atomic_dec(&per_cpu_ptr(siw_tx, cpu)->users);
}

void siw_tx_schedule(int cpu, struct siw_tx_work *work)
{
	struct siw_tx_thread *tx = per_cpu_ptr(siw_tx, cpu);

	if (test_and_set_bit(0, &work->queued))
		return;
	if (llist_add(&work->node, &tx->work))
		wake_up(&tx->waitq);
}
