// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Fault injection rules (see fault.h and the "fault-type" enum of
 * Documentation/netlink/specs/siw.yaml for what each type does). Rules
 * live on an RCU list per device: the data path reads it from any
 * context, netlink changes it under the device's fault_lock.
 */
#include <linux/random.h>
#include <linux/rculist.h>
#include <linux/slab.h>
#include <linux/siw_netlink.h>

#include "siw.h"
#include "qp.h"
#include "fault.h"

struct siw_fault {
	struct list_head list;
	struct rcu_head rcu;
	u32 id;
	struct siw_fault_spec spec;
	atomic64_t candidates;
	atomic64_t hits;
};

/* Count a candidate; true if the rule hits it. */
static bool siw_fault_fires(struct siw_fault *f)
{
	u64 n = atomic64_inc_return(&f->candidates);

	if (f->spec.count && atomic64_read(&f->hits) >= f->spec.count)
		return false;
	if (f->spec.every) {
		if (n % f->spec.every)
			return false;
	} else if (get_random_u32() % SIW_FAULT_PPM >= f->spec.probability) {
		return false;
	}
	atomic64_inc(&f->hits);
	return true;
}

/*
 * The type of the first rule of @sdev whose type is in @types (a mask of
 * BIT(type)) and that applies to @qp (NULL: device-wide only) and fires;
 * -1 if none. Only rules of those types count a candidate.
 */
static int siw_fault_pick(struct siw_device *sdev, struct siw_qp *qp,
			  u32 types, u32 *delay_ms)
{
	struct siw_fault *f;
	int type = -1;

	if (list_empty(&sdev->faults))
		return -1;
	rcu_read_lock();
	list_for_each_entry_rcu(f, &sdev->faults, list) {
		if (!(types & BIT(f->spec.type)))
			continue;
		if (!f->spec.any_qp &&
		    (!qp || f->spec.qp_num != siw_qp_id(qp)))
			continue;
		if (siw_fault_fires(f)) {
			type = f->spec.type;
			*delay_ms = f->spec.delay_ms;
			break;
		}
	}
	rcu_read_unlock();
	return type;
}

#define SIW_FAULTS_FPDU	(BIT(SIW_FAULT_TYPE_DROP) | BIT(SIW_FAULT_TYPE_CORRUPT) | \
			 BIT(SIW_FAULT_TYPE_TRUNCATE) | BIT(SIW_FAULT_TYPE_DELAY) | \
			 BIT(SIW_FAULT_TYPE_RESET))

int siw_fault_fpdu(struct siw_qp *qp, bool tagged, u32 *delay_ms)
{
	u32 types = SIW_FAULTS_FPDU;

	/*
	 * The sink of a tagged FPDU has no sequence to notice it missing
	 * (RFC 5041): dropping one would lose data silently, which is no
	 * fault the protocol handles, only a bug that no receiver can see.
	 */
	if (tagged)
		types &= ~BIT(SIW_FAULT_TYPE_DROP);
	return siw_fault_pick(qp->sdev, qp, types, delay_ms);
}

bool siw_fault_placed(struct siw_qp *qp)
{
	u32 unused;

	return siw_fault_pick(qp->sdev, qp, BIT(SIW_FAULT_TYPE_CORRUPT_PLACED),
			      &unused) >= 0;
}

bool siw_fault_alloc(struct siw_device *sdev)
{
	u32 unused;

	return siw_fault_pick(sdev, NULL, BIT(SIW_FAULT_TYPE_ALLOC_FAIL),
			      &unused) >= 0;
}

int siw_fault_add(struct siw_device *sdev, const struct siw_fault_spec *spec,
		  u32 *id)
{
	struct siw_fault *f, *pos;
	int n = 0;

	f = kzalloc(sizeof(*f), GFP_KERNEL);
	if (!f)
		return -ENOMEM;
	f->spec = *spec;
	spin_lock_bh(&sdev->fault_lock);
	list_for_each_entry(pos, &sdev->faults, list)
		n++;
	if (n >= SIW_FAULTS_MAX) {
		spin_unlock_bh(&sdev->fault_lock);
		kfree(f);
		return -ENOSPC;
	}
	f->id = ++sdev->fault_next_id;
	*id = f->id;
	list_add_tail_rcu(&f->list, &sdev->faults);
	spin_unlock_bh(&sdev->fault_lock);
	pr_info("siw: %s: fault rule %u added (type %u)\n",
		dev_name(&sdev->base_dev.dev), f->id, f->spec.type);
	return 0;
}

int siw_fault_del(struct siw_device *sdev, u32 id, bool all)
{
	struct siw_fault *f, *next;
	int rv = all ? 0 : -ENOENT;

	spin_lock_bh(&sdev->fault_lock);
	list_for_each_entry_safe(f, next, &sdev->faults, list) {
		if (!all && f->id != id)
			continue;
		list_del_rcu(&f->list);
		kfree_rcu(f, rcu);
		rv = 0;
	}
	spin_unlock_bh(&sdev->fault_lock);
	return rv;
}

int siw_fault_dump(struct siw_device *sdev, struct sk_buff *skb,
		   struct netlink_callback *cb, long *pos,
		   int (*fill)(struct sk_buff *skb, struct netlink_callback *cb,
			       struct siw_device *sdev,
			       const struct siw_fault_spec *spec, u32 id,
			       u64 candidates, u64 hits))
{
	struct siw_fault *f;
	long n = 0;
	int rv = 0;

	rcu_read_lock();
	list_for_each_entry_rcu(f, &sdev->faults, list) {
		if (n++ < *pos)
			continue;
		rv = fill(skb, cb, sdev, &f->spec, f->id,
			  atomic64_read(&f->candidates),
			  atomic64_read(&f->hits));
		if (rv)
			break;
		(*pos)++;
	}
	rcu_read_unlock();
	return rv;
}

void siw_fault_dev_init(struct siw_device *sdev)
{
	INIT_LIST_HEAD(&sdev->faults);
	spin_lock_init(&sdev->fault_lock);
}

void siw_fault_dev_fini(struct siw_device *sdev)
{
	siw_fault_del(sdev, 0, true);
}
