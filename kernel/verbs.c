// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Verbs entry points: user contexts and protection domains. Connection
 * management (the iw_* ops) lives in cm.c.
 */
#include <linux/errno.h>
#include <linux/vmalloc.h>
#include <linux/siw_abi_ext.h>
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

/*
 * Our provider asks for the extended ring ABI (siw_abi_ext.h); it gets
 * it with a page of per-QP connection state to read before posting.
 * Stock libsiw sends no request and gets the stock response only.
 */
static int siw_ucontext_ext(struct siw_ucontext *ctx, struct ib_udata *udata,
			    struct siw_uresp_alloc_ctx_ext *uresp)
{
	struct siw_ureq_alloc_ctx ureq = {};
	int rv;

	if (!udata->inlen)
		return 0;
	rv = ib_copy_from_udata(&ureq, udata, min(udata->inlen, sizeof(ureq)));
	if (rv)
		return rv;
	/* Unknown bits are not granted: the provider reads what we grant. */
	if (!(ureq.flags & SIW_UCTX_EXT_ABI) ||
	    udata->outlen < sizeof(*uresp))
		return 0;

	ctx->qp_state = vmalloc_user(PAGE_SIZE);
	if (!ctx->qp_state)
		return -ENOMEM;
	rv = siw_mmap_insert(ctx, ctx->qp_state, PAGE_SIZE,
			     &ctx->qp_state_key);
	if (rv) {
		vfree(ctx->qp_state);
		ctx->qp_state = NULL;
		return rv;
	}
	ctx->ext_abi = true;
	uresp->flags = SIW_UCTX_EXT_ABI;
	uresp->qp_state_len = PAGE_SIZE;
	uresp->qp_state_key = ctx->qp_state_key;
	return 0;
}

static void siw_ucontext_ext_free(struct siw_ucontext *ctx)
{
	if (ctx->ext_abi)
		siw_mmap_remove(ctx, ctx->qp_state_key);
	ctx->ext_abi = false;
	ctx->qp_state = NULL;
	ida_destroy(&ctx->qp_slots);
}

int siw_alloc_ucontext(struct ib_ucontext *base_ctx, struct ib_udata *udata)
{
	struct siw_device *sdev = to_siw_dev(base_ctx->device);
	struct siw_ucontext *ctx = to_siw_ctx(base_ctx);
	struct siw_uresp_alloc_ctx_ext uresp = {};
	size_t len = sizeof(struct siw_uresp_alloc_ctx);
	int rv;

	if (!siw_obj_get(&sdev->num.ucontext, SIW_MAX_CONTEXT))
		return -ENOMEM;

	ctx->sdev = sdev;
	ctx->qp_state_key = SIW_INVAL_UOBJ_KEY;
	ida_init(&ctx->qp_slots);
	uresp.dev_id = sdev->base_dev.attrs.vendor_part_id;

	if (udata->outlen < len) {
		rv = -EINVAL;
		goto err;
	}
	rv = siw_ucontext_ext(ctx, udata, &uresp);
	if (rv)
		goto err;
	if (ctx->ext_abi)
		len = sizeof(uresp);
	rv = ib_copy_to_udata(udata, &uresp, len);
	if (rv)
		goto err;
	siw_live_inc(SIW_OBJ_UCONTEXT);
	return 0;

err:
	siw_ucontext_ext_free(ctx);
	atomic_dec(&sdev->num.ucontext);
	return rv;
}

void siw_dealloc_ucontext(struct ib_ucontext *base_ctx)
{
	struct siw_ucontext *ctx = to_siw_ctx(base_ctx);

	siw_ucontext_ext_free(ctx);
	atomic_dec(&ctx->sdev->num.ucontext);
	siw_live_dec(SIW_OBJ_UCONTEXT);
}

int siw_alloc_pd(struct ib_pd *base_pd, struct ib_udata *udata)
{
	struct siw_device *sdev = to_siw_dev(base_pd->device);

	if (!siw_obj_get(&sdev->num.pd, SIW_MAX_PD))
		return -ENOMEM;
	siw_live_inc(SIW_OBJ_PD);
	return 0;
}

int siw_dealloc_pd(struct ib_pd *base_pd, struct ib_udata *udata)
{
	atomic_dec(&to_siw_dev(base_pd->device)->num.pd);
	siw_live_dec(SIW_OBJ_PD);
	return 0;
}

/*
 * The core cuts a process off the device when the device changes
 * namespace: it destroys the context's objects through the usual verbs
 * and then the context. Nothing is left for us: pages a process still
 * maps stay alive through the mapping and are no longer read by siw.
 * Having the op is what lets `rdma dev set ... netns` move a siw device.
 */
static void siw_disassociate_ucontext(struct ib_ucontext *base_ctx)
{
}

const struct ib_device_ops siw_verbs_ops = {
	.alloc_ucontext = siw_alloc_ucontext,
	.dealloc_ucontext = siw_dealloc_ucontext,
	.disassociate_ucontext = siw_disassociate_ucontext,
	.alloc_pd = siw_alloc_pd,
	.dealloc_pd = siw_dealloc_pd,
	.mmap = siw_mmap,
	.mmap_free = siw_mmap_free,

	INIT_RDMA_OBJ_SIZE(ib_pd, siw_pd, base_pd),
	INIT_RDMA_OBJ_SIZE(ib_ucontext, siw_ucontext, base_ucontext),
};
