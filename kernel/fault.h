/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Fault injection (netlink fault-add/get/del): rules per device, off
 * unless an administrator adds one. The data path asks at a few points;
 * with no rule on the device that costs one list_empty() check.
 */
#ifndef _SIW_FAULT_H
#define _SIW_FAULT_H

#include <linux/list.h>
#include <linux/netlink.h>
#include <linux/types.h>

struct siw_device;
struct siw_qp;
struct sk_buff;
struct netlink_callback;

#define SIW_FAULTS_MAX		16	/* rules per device */
#define SIW_FAULT_PPM		1000000	/* probability unit */

struct siw_fault_spec {
	u32 type;			/* enum siw_fault_type */
	bool any_qp;
	u32 qp_num;
	u32 every;			/* or ... */
	u32 probability;		/* ... parts per million */
	u32 delay_ms;
	u32 count;			/* hits before it stops; 0 = no limit */
};

/*
 * For the next FPDU siw sends on @qp (@tagged: an RDMA Write or Read
 * Response, never dropped): the fault type to apply, or -1. *@delay_ms
 * is set for SIW_FAULT_TYPE_DELAY.
 */
int siw_fault_fpdu(struct siw_qp *qp, bool tagged, u32 *delay_ms);
/*
 * Should siw damage the payload it just placed for @qp (after the CRC
 * check)? One candidate per piece of payload placed.
 */
bool siw_fault_placed(struct siw_qp *qp);
/* Should this creation (QP, CQ, SRQ, MR) on @sdev fail with ENOMEM? */
bool siw_fault_alloc(struct siw_device *sdev);

int siw_fault_add(struct siw_device *sdev, const struct siw_fault_spec *spec,
		  u32 *id);
/* Remove rule @id, or every rule of @sdev if @all. -ENOENT: no such rule. */
int siw_fault_del(struct siw_device *sdev, u32 id, bool all);
/* Fill one netlink message per rule from rule index *@pos on. */
int siw_fault_dump(struct siw_device *sdev, struct sk_buff *skb,
		   struct netlink_callback *cb, long *pos,
		   int (*fill)(struct sk_buff *skb, struct netlink_callback *cb,
			       struct siw_device *sdev,
			       const struct siw_fault_spec *spec, u32 id,
			       u64 candidates, u64 hits));
void siw_fault_dev_init(struct siw_device *sdev);
void siw_fault_dev_fini(struct siw_device *sdev);

#endif /* _SIW_FAULT_H */
