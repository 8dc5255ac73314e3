// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Completion queues (placeholder until the CQ room is written).
 */
#include <rdma/ib_verbs.h>

#include "siw.h"
#include "compat.h"

static int siw_create_cq(struct ib_cq *base_cq,
			 const struct ib_cq_init_attr *attr,
			 SIW_CREATE_CQ_UARG)
{
	return -EOPNOTSUPP;
}

static int siw_destroy_cq(struct ib_cq *base_cq, struct ib_udata *udata)
{
	return 0;
}

static int siw_poll_cq(struct ib_cq *base_cq, int num_entries,
		       struct ib_wc *wc)
{
	return 0;
}

static int siw_req_notify_cq(struct ib_cq *base_cq,
			     enum ib_cq_notify_flags flags)
{
	return -EOPNOTSUPP;
}

const struct ib_device_ops siw_cq_ops = {
	.create_cq = siw_create_cq,
	.destroy_cq = siw_destroy_cq,
	.poll_cq = siw_poll_cq,
	.req_notify_cq = siw_req_notify_cq,

	INIT_RDMA_OBJ_SIZE(ib_cq, siw_cq, base_cq),
};
