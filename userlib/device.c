// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libsiw registration, device contexts, device and port queries, PDs and
 * MRs: everything that is a plain uverbs command with no ring behind it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "libsiw.h"

static const struct verbs_match_ent siw_match_table[] = {
	{ .u.driver_id = RDMA_DRIVER_SIW, .kind = SIWP_MATCH_DRIVER_ID },
	{ .kind = SIWP_MATCH_SENTINEL },
};

static int siw_query_device_ex(struct ibv_context *ctx,
			       const struct ibv_query_device_ex_input *input,
			       struct ibv_device_attr_ex *attr,
			       size_t attr_size)
{
	struct ib_uverbs_ex_query_device_resp resp;
	size_t resp_size = sizeof(resp);
	uint64_t fw;
	int rv;

	rv = ibv_cmd_query_device_any(ctx, input, attr, attr_size, &resp,
				      &resp_size);
	if (rv)
		return rv;

	fw = resp.base.fw_ver;
	snprintf(attr->orig_attr.fw_ver, sizeof(attr->orig_attr.fw_ver),
		 "%u.%u.%u", (unsigned int)(fw >> 32) & 0xffff,
		 (unsigned int)(fw >> 16) & 0xffff, (unsigned int)fw & 0xffff);
	return 0;
}

static int siw_query_port(struct ibv_context *ctx, uint8_t port,
			  struct ibv_port_attr *attr)
{
	struct ibv_query_port cmd = {};

	return ibv_cmd_query_port(ctx, port, attr, &cmd, sizeof(cmd));
}

static struct ibv_pd *siw_alloc_pd(struct ibv_context *ctx)
{
	struct ibv_alloc_pd cmd = {};
	struct ib_uverbs_alloc_pd_resp resp = {};
	struct ibv_pd *pd;
	int rv;

	pd = calloc(1, sizeof(*pd));
	if (!pd)
		return NULL;
	rv = ibv_cmd_alloc_pd(ctx, pd, &cmd, sizeof(cmd), &resp, sizeof(resp));
	if (rv) {
		free(pd);
		errno = rv;
		return NULL;
	}
	return pd;
}

static int siw_dealloc_pd(struct ibv_pd *pd)
{
	int rv = ibv_cmd_dealloc_pd(pd);

	if (!rv)
		free(pd);
	return rv;
}

struct siw_cmd_reg_mr {
	struct ibv_reg_mr ibv_cmd;
	struct siw_ureq_reg_mr drv;
};

struct siw_cmd_reg_mr_resp {
	struct ib_uverbs_reg_mr_resp ibv_resp;
	struct siw_uresp_reg_mr drv;
};

static struct ibv_mr *siw_reg_mr(struct ibv_pd *pd, void *addr, size_t len,
				 uint64_t hca_va, int access)
{
	struct siw_cmd_reg_mr cmd = {};
	struct siw_cmd_reg_mr_resp resp = {};
	struct verbs_mr *mr;
	int rv;

	/*
	 * Optional flags are hints (relaxed ordering): siw is always in
	 * order. The kernel checks the rest, with the errno verbs_mr expects.
	 */
	access &= ~IBV_ACCESS_OPTIONAL_RANGE;
	mr = calloc(1, sizeof(*mr));
	if (!mr)
		return NULL;
	rv = ibv_cmd_reg_mr(pd, addr, len, hca_va, access, mr, &cmd.ibv_cmd,
			    sizeof(cmd), &resp.ibv_resp, sizeof(resp));
	if (rv) {
		free(mr);
		errno = rv;
		return NULL;
	}
	return &mr->ibv_mr;
}

static int siw_dereg_mr(struct verbs_mr *mr)
{
	int rv = ibv_cmd_dereg_mr(mr);

	if (!rv)
		free(mr);
	return rv;
}

static void siw_free_context(struct ibv_context *ibctx)
{
	struct siw_context *ctx = ctx_to_siw(ibctx);

	if (ctx->qp_state)
		munmap((void *)ctx->qp_state, ctx->qp_state_len);
	verbs_uninit_context(&ctx->base);
	free(ctx);
}

static const struct verbs_context_ops siw_context_ops = {
	.alloc_pd = siw_alloc_pd,
	.create_cq = siw_create_cq,
	.create_cq_ex = siw_create_cq_ex,
	.create_qp = siw_create_qp,
	.create_qp_ex = siw_create_qp_ex,
	.create_srq = siw_create_srq,
	.dealloc_pd = siw_dealloc_pd,
	.dereg_mr = siw_dereg_mr,
	.destroy_cq = siw_destroy_cq,
	.destroy_qp = siw_destroy_qp,
	.destroy_srq = siw_destroy_srq,
	.free_context = siw_free_context,
	.modify_qp = siw_modify_qp,
	.modify_srq = siw_modify_srq,
	.poll_cq = siw_poll_cq,
	.post_recv = siw_post_recv,
	.post_send = siw_post_send,
	.post_srq_recv = siw_post_srq_recv,
	.query_device_ex = siw_query_device_ex,
	.query_port = siw_query_port,
	.query_qp = siw_query_qp,
	.query_srq = siw_query_srq,
	.reg_mr = siw_reg_mr,
	.req_notify_cq = siw_req_notify_cq,
};

struct siw_cmd_alloc_ctx {
	struct ibv_get_context ibv_cmd;
	struct siw_ureq_alloc_ctx drv;
};

struct siw_cmd_alloc_ctx_resp {
	struct ib_uverbs_get_context_resp ibv_resp;
	struct siw_uresp_alloc_ctx_ext drv;
};

/*
 * The extended ABI (RFC 7306 atomics and immediate data) if this kernel
 * granted it: its QP state page tells whether a connection negotiated
 * them. The in-tree siw grants nothing, and its answer leaves flags 0.
 */
static void siw_ctx_ext_init(struct siw_context *ctx,
			     const struct siw_uresp_alloc_ctx_ext *drv)
{
	void *page;

	if (!(drv->flags & SIW_UCTX_EXT_ABI) || !drv->qp_state_len)
		return;
	page = mmap(NULL, drv->qp_state_len, PROT_READ, MAP_SHARED,
		    ctx->base.context.cmd_fd, drv->qp_state_key);
	if (page == MAP_FAILED) {
		siw_err(&ctx->base.context,
			"cannot map the QP state page: %s\n", strerror(errno));
		return;
	}
	ctx->qp_state = page;
	ctx->qp_state_len = drv->qp_state_len;
	ctx->ext = true;
}

static struct verbs_context *siw_alloc_context(struct ibv_device *dev,
					       int cmd_fd, void *private_data)
{
	struct siw_cmd_alloc_ctx_resp resp = {};
	struct siw_cmd_alloc_ctx cmd = {};
	struct siw_context *ctx;
	const char *debug, *noext;

	(void)private_data;
	ctx = _verbs_init_and_alloc_context(dev, cmd_fd, sizeof(*ctx),
					    &((struct siw_context *)NULL)->base,
					    RDMA_DRIVER_SIW);
	if (!ctx)
		return NULL;

	/* LIBSIW_NO_EXT=1: behave as a peer without RFC 7306 support. */
	noext = getenv("LIBSIW_NO_EXT");
	if (!noext || !*noext || !strcmp(noext, "0"))
		cmd.drv.flags = SIW_UCTX_EXT_ABI;
	if (ibv_cmd_get_context(&ctx->base, &cmd.ibv_cmd, sizeof(cmd),
				&resp.ibv_resp, sizeof(resp))) {
		verbs_uninit_context(&ctx->base);
		free(ctx);
		return NULL;
	}
	ctx->dev_id = resp.drv.dev_id;
	verbs_set_ops(&ctx->base, &siw_context_ops);
	siw_ctx_ext_init(ctx, &resp.drv);

	/* Lets a test or an operator see which provider a process got. */
	debug = getenv("LIBSIW_DEBUG");
	if (debug && *debug && strcmp(debug, "0"))
		fprintf(stderr, "libsiw %s (siw project provider): %s opened%s\n",
			LIBSIW_VERSION, dev->name,
			ctx->ext ? ", RFC 7306 extensions available" : "");
	return &ctx->base;
}

static struct verbs_device *siw_alloc_device(struct verbs_sysfs_dev *sysfs)
{
	(void)sysfs;
	return calloc(1, sizeof(struct verbs_device));
}

static void siw_uninit_device(struct verbs_device *dev)
{
	free(dev);
}

static const struct verbs_device_ops siw_device_ops = {
	.name = "siw",
	.match_min_abi_version = SIW_ABI_VERSION,
	.match_max_abi_version = SIW_ABI_VERSION,
	.match_table = siw_match_table,
	.alloc_device = siw_alloc_device,
	.uninit_device = siw_uninit_device,
	.alloc_context = siw_alloc_context,
};

/* Runs at dlopen(): libibverbs tries providers in registration order. */
static void __attribute__((constructor)) siw_register(void)
{
	SIWP_REGISTER_DRIVER(&siw_device_ops);
}
