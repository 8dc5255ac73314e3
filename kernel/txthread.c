// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Per-CPU transmit threads. Each runs bound to one CPU of the configured
 * list and drains a lock-free list of work items (QPs with something to
 * send). QPs are placed on the least loaded thread when they connect.
 *
 * The CPU list can change at run time (netlink "tx set"): threads start
 * on the CPUs that join, QPs on CPUs that leave move to the remaining
 * ones, and the leaving threads finish what is queued on them before
 * they stop. siw_tx_mutex serializes changes; siw_tx_lock keeps
 * placement (siw_tx_cpu_get()) and the mask consistent.
 */
#include <linux/kthread.h>
#include <linux/cpumask.h>
#include <linux/slab.h>
#include <linux/sched.h>
#include <linux/sched/clock.h>
#include <linux/sched/stat.h>
#include <linux/kernel.h>
#include <linux/string.h>

#include <linux/ktime.h>
#include <linux/delay.h>
#include <linux/rcupdate.h>
#include <linux/cpu.h>

#include "siw.h"
#include "qp.h"
#include "trace.h"

struct siw_tx_thread {
	struct task_struct *task;
	wait_queue_head_t waitq;
	struct llist_head work;
	atomic_t users;			/* QPs placed on this thread */
	u64 wakeups;			/* written by the thread only */
	u64 items;
	u64 busy_ns;
	u64 poll_hits;			/* work found while spinning */
	u64 poll_ns;			/* time spent spinning */
};

/*
 * A thread that just ran out of work may spin for more instead of
 * sleeping: the next kick (a doorbell, a Read Request from RX) then
 * costs no wakeup. It burns that CPU, so it is off by default, and it
 * spins only while nothing else is runnable there: a process polling
 * its CQ on the same CPU would otherwise wait for the spin to end, and
 * need_resched() alone does not end it (a runnable task that never
 * sleeps does not preempt us before the tick).
 */
static unsigned int tx_busy_poll_us;
module_param(tx_busy_poll_us, uint, 0644);
MODULE_PARM_DESC(tx_busy_poll_us,
		 "Microseconds an idle TX thread spins for new work before it sleeps (default 0: sleep at once; at most 10000)");

#define SIW_TX_BUSY_POLL_MAX_US 10000

static struct siw_tx_thread __percpu *siw_tx;
static struct cpumask siw_tx_cpus;
static DEFINE_MUTEX(siw_tx_mutex);
static DEFINE_SPINLOCK(siw_tx_lock);

/*
 * Spin for up to tx_busy_poll_us while there is no work and this CPU has
 * nothing else to run. True if work came meanwhile; false at once when
 * polling is off, work is already queued (the caller's wait then returns
 * at once) or another task waits for the CPU.
 */
static bool siw_tx_busy_poll(struct siw_tx_thread *tx)
{
	unsigned int us = min(READ_ONCE(tx_busy_poll_us),
			      SIW_TX_BUSY_POLL_MAX_US);
	bool found = false;
	u64 start, now;

	if (!us || !llist_empty(&tx->work) || !single_task_running())
		return false;
	start = local_clock();
	now = start;
	while (now - start < (u64)us * NSEC_PER_USEC) {
		if (!llist_empty(&tx->work)) {
			found = true;
			break;
		}
		if (need_resched() || !single_task_running() ||
		    kthread_should_stop())
			break;
		cpu_relax();
		now = local_clock();
	}
	WRITE_ONCE(tx->poll_ns, tx->poll_ns + local_clock() - start);
	if (found)
		WRITE_ONCE(tx->poll_hits, tx->poll_hits + 1);
	return found;
}

static int siw_tx_thread_fn(void *arg)
{
	struct siw_tx_thread *tx = arg;
	struct llist_node *list, *pos, *next;
	struct siw_tx_work *w;

	unsigned int n;
	u64 start;

	/* A stopped thread still runs what was queued before it stopped. */
	while (!kthread_should_stop() || !llist_empty(&tx->work)) {
		if (!siw_tx_busy_poll(tx)) {
			wait_event_interruptible(tx->waitq,
						 !llist_empty(&tx->work) ||
						 kthread_should_stop());
			WRITE_ONCE(tx->wakeups, tx->wakeups + 1);
			trace_siw_tx_wakeup(raw_smp_processor_id(), 0);
		}
		n = 0;

		/* FIFO order: llist_del_all hands back newest first. */
		list = llist_reverse_order(llist_del_all(&tx->work));
		llist_for_each_safe(pos, next, list) {
			w = llist_entry(pos, struct siw_tx_work, node);
			clear_bit(0, &w->queued);
			/* Order the clear before run() reads the queues. */
			smp_mb__after_atomic();
			start = ktime_get_ns();
			w->run(w);
			WRITE_ONCE(tx->busy_ns,
				   tx->busy_ns + ktime_get_ns() - start);
			WRITE_ONCE(tx->items, tx->items + 1);
			n++;
		}
		if (llist_empty(&tx->work))
			trace_siw_tx_idle(raw_smp_processor_id(), n);
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

static int siw_tx_thread_start(int cpu)
{
	struct siw_tx_thread *tx = per_cpu_ptr(siw_tx, cpu);
	int rv;

	memset(tx, 0, sizeof(*tx));
	init_waitqueue_head(&tx->waitq);
	init_llist_head(&tx->work);
	atomic_set(&tx->users, 0);
	tx->task = kthread_create_on_cpu(siw_tx_thread_fn, tx, cpu,
					 "siw_tx/%u");
	if (IS_ERR(tx->task)) {
		rv = PTR_ERR(tx->task);
		pr_err("siw: TX thread for CPU %d: %d\n", cpu, rv);
		tx->task = NULL;
		return rv;
	}
	wake_up_process(tx->task);
	return 0;
}

static void siw_tx_thread_stop(int cpu)
{
	struct siw_tx_thread *tx = per_cpu_ptr(siw_tx, cpu);

	if (!tx->task)
		return;
	kthread_stop(tx->task);
	tx->task = NULL;
	if (!llist_empty(&tx->work))
		pr_err("siw: TX thread %d stopped with work queued\n", cpu);
}

int siw_tx_threads_init(const char *cpu_list)
{
	int cpu, rv;

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
		rv = siw_tx_thread_start(cpu);
		if (rv) {
			siw_tx_threads_exit();
			return rv;
		}
	}
	pr_info("siw: TX threads on CPUs %*pbl\n", cpumask_pr_args(&siw_tx_cpus));
	return 0;
}

void siw_tx_threads_exit(void)
{
	int cpu;

	if (!siw_tx)
		return;

	for_each_cpu(cpu, &siw_tx_cpus)
		siw_tx_thread_stop(cpu);
	free_percpu(siw_tx);
	siw_tx = NULL;
	cpumask_clear(&siw_tx_cpus);
}

unsigned int siw_tx_thread_count(void)
{
	return cpumask_weight(&siw_tx_cpus);
}

bool siw_tx_thread_info(unsigned int cpu, struct siw_tx_info *info)
{
	struct siw_tx_thread *tx;
	bool found = false;

	mutex_lock(&siw_tx_mutex);
	if (cpu < nr_cpu_ids && cpumask_test_cpu(cpu, &siw_tx_cpus)) {
		tx = per_cpu_ptr(siw_tx, cpu);
		info->qps = atomic_read(&tx->users);
		info->runs = READ_ONCE(tx->items);
		info->wakeups = READ_ONCE(tx->wakeups);
		info->busy_ns = READ_ONCE(tx->busy_ns);
		info->poll_hits = READ_ONCE(tx->poll_hits);
		info->poll_ns = READ_ONCE(tx->poll_ns);
		found = true;
	}
	mutex_unlock(&siw_tx_mutex);
	return found;
}

/*
 * Move every connected QP placed on a CPU outside siw_tx_cpus. The QP's
 * state lock keeps siw_qp_connect() from placing it meanwhile (it places
 * under that lock, from the mask already changed).
 */
static void siw_tx_move_qps(void)
{
	struct siw_device *sdev;
	unsigned long index;
	struct siw_qp *qp;
	int cpu, to;

	mutex_lock(&siw_dev_mutex);
	list_for_each_entry(sdev, &siw_dev_list, list) {
		index = 0;
		while ((qp = siw_qp_get_next(sdev, &index))) {
			down_read(&qp->state_lock);
			cpu = READ_ONCE(qp->tx_cpu);
			if (cpu >= 0 && !cpumask_test_cpu(cpu, &siw_tx_cpus)) {
				to = siw_tx_cpu_get();
				WRITE_ONCE(qp->tx_cpu, to);
				siw_tx_cpu_put(cpu);
				/* Whatever it had queued goes on there. */
				siw_tx_kick(qp);
			}
			up_read(&qp->state_lock);
			siw_qp_put(qp);
			index++;
		}
	}
	mutex_unlock(&siw_dev_mutex);
}

int siw_tx_threads_set(const char *cpu_list, struct netlink_ext_ack *extack)
{
	cpumask_var_t mask, old;
	int cpu, rv;

	if (!zalloc_cpumask_var(&mask, GFP_KERNEL))
		return -ENOMEM;
	if (!zalloc_cpumask_var(&old, GFP_KERNEL)) {
		free_cpumask_var(mask);
		return -ENOMEM;
	}
	rv = cpulist_parse(cpu_list, mask);
	if (rv) {
		NL_SET_ERR_MSG(extack, "malformed CPU list");
		goto out;
	}
	if (cpumask_empty(mask)) {
		NL_SET_ERR_MSG(extack, "the CPU list is empty");
		rv = -EINVAL;
		goto out;
	}

	mutex_lock(&siw_tx_mutex);
	cpus_read_lock();
	if (!cpumask_subset(mask, cpu_online_mask)) {
		NL_SET_ERR_MSG(extack, "a CPU in the list is not online");
		rv = -EINVAL;
		goto unlock;
	}
	for_each_cpu(cpu, mask) {
		if (cpumask_test_cpu(cpu, &siw_tx_cpus))
			continue;
		rv = siw_tx_thread_start(cpu);
		if (rv) {
			NL_SET_ERR_MSG(extack, "cannot start a TX thread");
			for_each_cpu(cpu, mask)
				if (!cpumask_test_cpu(cpu, &siw_tx_cpus))
					siw_tx_thread_stop(cpu);
			goto unlock;
		}
	}
	spin_lock_bh(&siw_tx_lock);
	cpumask_copy(old, &siw_tx_cpus);
	cpumask_copy(&siw_tx_cpus, mask);
	spin_unlock_bh(&siw_tx_lock);

	siw_tx_move_qps();
	/* No kick still looks at a leaving CPU after this (siw_tx_kick()). */
	synchronize_rcu();
	for_each_cpu(cpu, old)
		if (!cpumask_test_cpu(cpu, mask))
			siw_tx_thread_stop(cpu);
	pr_info("siw: TX threads now on CPUs %*pbl\n",
		cpumask_pr_args(&siw_tx_cpus));
unlock:
	cpus_read_unlock();
	mutex_unlock(&siw_tx_mutex);
out:
	free_cpumask_var(old);
	free_cpumask_var(mask);
	return rv;
}

/* Place a new user (a QP) on the TX CPU with the fewest users. */
int siw_tx_cpu_get(void)
{
	int cpu, best = -1, load, best_load = INT_MAX;

	spin_lock_bh(&siw_tx_lock);
	for_each_cpu(cpu, &siw_tx_cpus) {
		load = atomic_read(&per_cpu_ptr(siw_tx, cpu)->users);
		if (load < best_load) {
			best = cpu;
			best_load = load;
		}
	}
	if (best >= 0)
		atomic_inc(&per_cpu_ptr(siw_tx, best)->users);
	spin_unlock_bh(&siw_tx_lock);
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
