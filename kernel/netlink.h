/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The siw generic-netlink family (Documentation/netlink/specs/siw.yaml):
 * registration, and the notifications other rooms raise. Notifiers may be
 * called from any context, including softirq with spinlocks held; they
 * allocate atomically and do nothing when nobody listens.
 */
#ifndef _SIW_NETLINK_H
#define _SIW_NETLINK_H

#include <linux/types.h>

struct siw_device;
struct siw_qp;

int siw_nl_init(void);
void siw_nl_exit(void);

void siw_nl_qp_state(struct siw_qp *qp);
void siw_nl_term(struct siw_qp *qp, bool sent, u8 layer, u8 etype, u8 ecode);
void siw_nl_dev_event(struct siw_device *sdev, u32 event);

#endif /* _SIW_NETLINK_H */
