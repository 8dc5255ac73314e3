// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Memory regions (placeholder until the memory room is written).
 */
#include <rdma/ib_verbs.h>

#include "siw.h"
#include "compat.h"

static struct ib_mr *siw_get_dma_mr(struct ib_pd *base_pd, int access)
{
	return ERR_PTR(-EOPNOTSUPP);
}

static struct ib_mr *siw_reg_user_mr(struct ib_pd *base_pd, u64 start,
				     u64 len, u64 iova, int access,
				     struct ib_udata *udata)
{
	return ERR_PTR(-EOPNOTSUPP);
}

static int siw_dereg_mr(struct ib_mr *base_mr, struct ib_udata *udata)
{
	return 0;
}

int siw_mem_dev_init(struct siw_device *sdev)
{
	xa_init_flags(&sdev->mem_xa, XA_FLAGS_ALLOC1 | XA_FLAGS_LOCK_BH);
	sdev->mem_wq = alloc_workqueue("siw_mem", WQ_UNBOUND, 0);
	return sdev->mem_wq ? 0 : -ENOMEM;
}

void siw_mem_dev_fini(struct siw_device *sdev)
{
	if (!sdev->mem_wq)
		return;
	rcu_barrier();
	destroy_workqueue(sdev->mem_wq);
	sdev->mem_wq = NULL;
	xa_destroy(&sdev->mem_xa);
}

const struct ib_device_ops siw_mem_ops = {
	.get_dma_mr = siw_get_dma_mr,
	.reg_user_mr = siw_reg_user_mr,
	.dereg_mr = siw_dereg_mr,
};
