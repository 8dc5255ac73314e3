// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Verbs entry points: user contexts and protection domains. Connection
 * management (the iw_* ops) lives in cm.c.
 */
#include <linux/errno.h>
#include <rdma/ib_verbs.h>

#include "siw.h"
#include "compat.h"
#include "umap.h"

static bool siw_obj_get(atomic_t *count, int max)
{
	if (atomic_inc_return(count) > max) {
		atomic_dec(count);
		return false;
	}
	return true;
}

int siw_alloc_ucontext(struct ib_ucontext *base_ctx, struct ib_udata *udata)
{
	struct siw_device *sdev = to_siw_dev(base_ctx->device);
	struct siw_ucontext *ctx = to_siw_ctx(base_ctx);
	struct siw_uresp_alloc_ctx uresp = {};
	int rv;

	if (!siw_obj_get(&sdev->num.ucontext, SIW_MAX_CONTEXT))
		return -ENOMEM;

	ctx->sdev = sdev;
	uresp.dev_id = sdev->base_dev.attrs.vendor_part_id;

	if (udata->outlen < sizeof(uresp)) {
		rv = -EINVAL;
		goto err;
	}
	rv = ib_copy_to_udata(udata, &uresp, sizeof(uresp));
	if (rv)
		goto err;
	return 0;

err:
	atomic_dec(&sdev->num.ucontext);
	return rv;
}

void siw_dealloc_ucontext(struct ib_ucontext *base_ctx)
{
	atomic_dec(&to_siw_ctx(base_ctx)->sdev->num.ucontext);
}

int siw_alloc_pd(struct ib_pd *base_pd, struct ib_udata *udata)
{
	struct siw_device *sdev = to_siw_dev(base_pd->device);

	if (!siw_obj_get(&sdev->num.pd, SIW_MAX_PD))
		return -ENOMEM;
	return 0;
}

int siw_dealloc_pd(struct ib_pd *base_pd, struct ib_udata *udata)
{
	atomic_dec(&to_siw_dev(base_pd->device)->num.pd);
	return 0;
}

const struct ib_device_ops siw_verbs_ops = {
	.alloc_ucontext = siw_alloc_ucontext,
	.dealloc_ucontext = siw_dealloc_ucontext,
	.alloc_pd = siw_alloc_pd,
	.dealloc_pd = siw_dealloc_pd,
	.mmap = siw_mmap,
	.mmap_free = siw_mmap_free,

	INIT_RDMA_OBJ_SIZE(ib_pd, siw_pd, base_pd),
	INIT_RDMA_OBJ_SIZE(ib_ucontext, siw_ucontext, base_ucontext),
};
