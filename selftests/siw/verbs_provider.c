// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The verbs API through whichever provider libibverbs loaded for siw:
 * ours (userlib/, SIW_PROVIDER=ours) or rdma-core's stock libsiw
 * (SIW_PROVIDER=stock); provider.sh sets which one must be active and
 * this test checks that first. It then covers queries, MRs, a connected
 * RC pair with Send (SGE lists, inline), Write, Read and Send with
 * Invalidate, payloads checked, completion channels, fork safety, error
 * returns, and with our provider the extended API: ibv_create_cq_ex
 * polling and the ibv_wr_* builders. What stock libsiw lacks is skipped
 * with the reason.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <poll.h>
#include <sys/wait.h>

#include "siwtest.h"
#include "siwcm.h"

#define NETDEV	"provd0"
#define IBDEV	"siwprov0"
#define ADDR	"10.99.8.1"
#define PORT	7410
#define BUF	8192
#define INLINE	80		/* SIW_MAX_INLINE */

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static bool ours;		/* SIW_PROVIDER=ours */

/* The shared object that implements @fn. */
static const char *provider_of(void *fn)
{
	Dl_info info;

	if (!fn || !dladdr(fn, &info) || !info.dli_fname)
		return "?";
	return info.dli_fname;
}

static void test_active_provider(struct ibv_context *ctx)
{
	const char *want = getenv("SIW_PROVIDER");
	const char *lib = provider_of((void *)ctx->ops.post_send);
	bool is_ours = !!strstr(lib, "/usr/local/lib/libibverbs/");

	tap_diag("post_send is in %s", lib);
	if (!want) {
		/* Not run by provider.sh: test whichever is installed. */
		ours = is_ours;
		return;
	}
	ours = !strcmp(want, "ours");
	tap_check(is_ours == ours && strstr(lib, "libsiw-rdmav34.so"),
		  "the active provider is the %s libsiw (%s)", want, lib);
}

static void test_queries(struct ibv_context *ctx)
{
	struct ibv_device_attr_ex dx = {};
	struct ibv_port_attr pa;
	union ibv_gid gid = {};
	static const union ibv_gid zero;

	tap_eq(ibv_query_device_ex(ctx, NULL, &dx), 0, "query_device_ex");
	tap_check(dx.orig_attr.max_qp > 0 && dx.orig_attr.max_sge == 6 &&
		  dx.orig_attr.max_qp_rd_atom > 0 && dx.orig_attr.fw_ver[0],
		  "device limits (max_qp %d, max_sge %d, ird %d, fw %s)",
		  dx.orig_attr.max_qp, dx.orig_attr.max_sge,
		  dx.orig_attr.max_qp_rd_atom, dx.orig_attr.fw_ver);
	tap_eq(ibv_query_port(ctx, 1, &pa), 0, "query_port 1");
	tap_check(pa.state == IBV_PORT_ACTIVE && pa.link_layer == IBV_LINK_LAYER_ETHERNET,
		  "port 1 active, Ethernet (state %d)", pa.state);
	tap_check(ibv_query_port(ctx, 2, &pa) != 0, "query_port 2 refused");
	tap_eq(ibv_query_gid(ctx, 1, 0, &gid), 0, "query_gid");
	tap_check(memcmp(&gid, &zero, sizeof(gid)), "GID 0 is set");
}

static void test_mr(struct ibv_context *ctx)
{
	static const int ok_access[] = {
		0, IBV_ACCESS_LOCAL_WRITE,
		IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE,
		IBV_ACCESS_REMOTE_READ,
		IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE |
			IBV_ACCESS_REMOTE_READ,
	};
	static char buf[BUF];
	struct ibv_pd *pd = ibv_alloc_pd(ctx);
	struct ibv_mr *mr;
	unsigned int i, good = 0;

	tap_check(pd, "alloc_pd");
	if (!pd)
		return;
	for (i = 0; i < ARRAY_SIZE(ok_access); i++) {
		mr = ibv_reg_mr(pd, buf, sizeof(buf), ok_access[i]);
		if (mr && mr->lkey && mr->length == sizeof(buf) &&
		    !ibv_dereg_mr(mr))
			good++;
	}
	tap_eq(good, i, "reg_mr/dereg_mr with each supported access set");
	mr = ibv_reg_mr(pd, buf, sizeof(buf),
			IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_RELAXED_ORDERING);
	tap_check(mr, "relaxed ordering is accepted as a hint");
	if (mr)
		ibv_dereg_mr(mr);
	errno = 0;
	mr = ibv_reg_mr(pd, buf, sizeof(buf), IBV_ACCESS_ON_DEMAND);
	tap_check(!mr && errno, "on-demand paging refused (errno %d)", errno);
	if (mr)
		ibv_dereg_mr(mr);
	errno = 0;
	mr = ibv_reg_mr(pd, buf, sizeof(buf), IBV_ACCESS_REMOTE_WRITE);
	tap_check(!mr && errno,
		  "remote write without local write refused (errno %d)", errno);
	if (mr)
		ibv_dereg_mr(mr);
	tap_eq(ibv_dealloc_pd(pd), 0, "dealloc_pd");
}

/* An unconnected QP keeps its SQEs: the ring fills and then refuses. */
static void test_sq_full(struct ibv_context *ctx)
{
	struct ibv_pd *pd = ibv_alloc_pd(ctx);
	struct ibv_cq *cq = pd ? ibv_create_cq(ctx, 8, NULL, NULL, 0) : NULL;
	struct ibv_qp_init_attr qa = {
		.qp_type = IBV_QPT_RC,
		.cap = { .max_send_wr = 4, .max_recv_wr = 4,
			 .max_send_sge = 1, .max_recv_sge = 1 },
	};
	struct ibv_send_wr wr = { .opcode = IBV_WR_SEND }, *bad;
	struct ibv_qp *qp;
	unsigned int i, posted = 0;
	int rc = 0;

	if (!cq) {
		tap_result(0, "PD and CQ for the SQ-full test");
		return;
	}
	qa.send_cq = cq;
	qa.recv_cq = cq;
	qp = ibv_create_qp(pd, &qa);
	tap_check(qp && qa.cap.max_send_wr >= 4, "RC QP (%u send WRs)",
		  qa.cap.max_send_wr);
	if (qp) {
		for (i = 0; i <= qa.cap.max_send_wr + 1 && !rc; i++) {
			wr.wr_id = i;
			rc = ibv_post_send(qp, &wr, &bad);
			if (!rc)
				posted++;
		}
		tap_check(rc && posted >= qa.cap.max_send_wr && bad == &wr,
			  "a full SQ refuses the next WR (%u posted, rc %d)",
			  posted, rc);
		if (ours)
			tap_eq(rc, ENOMEM, "full SQ: ENOMEM");
		tap_eq(ibv_destroy_qp(qp), 0, "destroy QP with SQEs pending");
	}
	qa.cap.max_recv_wr = 0;
	qp = ibv_create_qp(pd, &qa);
	tap_check(qp && qa.cap.max_recv_wr >= 1,
		  "send-only QP (no receive WRs asked) gets the smallest RQ (%u)",
		  qa.cap.max_recv_wr);
	if (qp)
		ibv_destroy_qp(qp);
	qa.cap.max_recv_wr = 4;
	qa.qp_type = IBV_QPT_UD;
	errno = 0;
	qp = ibv_create_qp(pd, &qa);
	tap_check(!qp && errno, "UD QP refused (errno %d)", errno);
	if (qp)
		ibv_destroy_qp(qp);
	ibv_destroy_cq(cq);
	ibv_dealloc_pd(pd);
}

/* Everything of one connected pair. */
static struct siwcm_pair pair;
static struct ibv_pd *pd;
static struct ibv_cq *ccq, *scq;
static struct ibv_cq_ex *ccq_ex;
static struct ibv_comp_channel *sch;
static struct ibv_mr *cmr, *smr, *inv_mr;
static struct ibv_qp *cqp, *sqp;
static struct ibv_qp_ex *cqpx;
static char cbuf[BUF], sbuf[BUF], invbuf[256];

static int poll_one(struct ibv_cq *cq, struct ibv_wc *wc, int ms)
{
	int rc;

	while (ms-- > 0) {
		rc = ibv_poll_cq(cq, 1, wc);
		if (rc)
			return rc;
		usleep(1000);
	}
	return 0;
}

static int post_recv(size_t off, uint32_t len, uint64_t id)
{
	struct ibv_sge sge = {
		.addr = (uintptr_t)sbuf + off, .length = len,
		.lkey = smr->lkey,
	};
	struct ibv_recv_wr wr = { .wr_id = id, .sg_list = &sge, .num_sge = 1 };
	struct ibv_recv_wr *bad;

	return ibv_post_recv(sqp, &wr, &bad);
}

/* Post @wr on the client, wait for its completion; the status or -1. */
static int client_post(struct ibv_send_wr *wr)
{
	struct ibv_send_wr *bad;
	struct ibv_wc wc;

	wr->send_flags |= IBV_SEND_SIGNALED;
	if (ibv_post_send(cqp, wr, &bad))
		return -1;
	if (poll_one(ccq, &wc, 5000) != 1)
		return -1;
	if (wc.wr_id != wr->wr_id)
		return -2;
	return wc.status;
}

/* The server's next receive completion, through its completion channel. */
static int server_recv_event(struct ibv_wc *wc)
{
	struct pollfd pfd = { .fd = sch->fd, .events = POLLIN };
	struct ibv_cq *ev_cq;
	void *ev_ctx;
	int i;

	/*
	 * The event waiting may be a stale one, from a completion an
	 * earlier poll took without an event: re-arm, look again, and wait
	 * for the next event if the completion is still on its way (the
	 * receiver's softirq may run after the sender's call returned).
	 */
	for (i = 0; i < 3; i++) {
		if (ibv_poll_cq(scq, 1, wc) == 1)
			return 0;
		if (poll(&pfd, 1, 5000) != 1 ||
		    ibv_get_cq_event(sch, &ev_cq, &ev_ctx))
			return -1;
		ibv_ack_cq_events(ev_cq, 1);
		if (ev_cq != scq)
			return -1;
		ibv_req_notify_cq(scq, 0);
	}
	return ibv_poll_cq(scq, 1, wc) == 1 ? 0 : -1;
}

static int setup_pair(void)
{
	struct ibv_cq_init_attr_ex cx = {
		.cqe = 64,
		.wc_flags = IBV_WC_EX_WITH_BYTE_LEN | IBV_WC_EX_WITH_QP_NUM,
	};
	struct ibv_qp_init_attr_ex qa = {
		.qp_type = IBV_QPT_RC,
		.cap = { .max_send_wr = 32, .max_recv_wr = 16,
			 .max_send_sge = 6, .max_recv_sge = 6,
			 .max_inline_data = INLINE },
		.comp_mask = IBV_QP_INIT_ATTR_PD | IBV_QP_INIT_ATTR_SEND_OPS_FLAGS,
		.send_ops_flags = IBV_QP_EX_WITH_SEND |
				  IBV_QP_EX_WITH_SEND_WITH_INV |
				  IBV_QP_EX_WITH_RDMA_WRITE |
				  IBV_QP_EX_WITH_RDMA_READ,
	};
	struct ibv_context *vctx;
	int access = IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE |
		     IBV_ACCESS_REMOTE_READ;

	if (siwcm_pair_resolve(&pair, ADDR, PORT))
		return -1;
	vctx = pair.client->verbs;
	pd = ibv_alloc_pd(vctx);
	sch = ibv_create_comp_channel(vctx);
	if (!pd || !sch)
		return -1;

	errno = 0;
	ccq_ex = ibv_create_cq_ex(vctx, &cx);
	if (ours)
		tap_check(ccq_ex, "create_cq_ex with byte_len and qp_num");
	else
		tap_check(!ccq_ex && errno, "stock: no create_cq_ex (errno %d)",
			  errno);
	ccq = ccq_ex ? ibv_cq_ex_to_cq(ccq_ex) :
		       ibv_create_cq(vctx, 64, NULL, NULL, 0);
	scq = ibv_create_cq(vctx, 64, NULL, sch, 0);
	cmr = ibv_reg_mr(pd, cbuf, BUF, access);
	smr = ibv_reg_mr(pd, sbuf, BUF, access);
	inv_mr = ibv_reg_mr(pd, invbuf, sizeof(invbuf), access);
	if (!ccq || !scq || !cmr || !smr || !inv_mr)
		return -1;

	qa.pd = pd;
	qa.send_cq = ccq;
	qa.recv_cq = ccq;
	errno = 0;
	if (rdma_create_qp_ex(pair.client, &qa)) {
		tap_check(!ours && errno,
			  "stock: no extended QPs (errno %d)", errno);
		qa.comp_mask = IBV_QP_INIT_ATTR_PD;
		if (rdma_create_qp_ex(pair.client, &qa))
			return -1;
	} else {
		tap_check(ours, "extended QP with the ibv_wr_* send ops");
	}
	cqp = pair.client->qp;
	cqpx = ibv_qp_to_qp_ex(cqp);

	qa.comp_mask = IBV_QP_INIT_ATTR_PD;
	qa.send_cq = ccq;
	qa.recv_cq = scq;
	if (siwcm_pair_connect(&pair, &qa))
		return -1;
	sqp = pair.server->qp;
	return ibv_req_notify_cq(scq, 0);
}

static void fill(char *p, size_t len, int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (char)(seed + i * 7);
}

static void test_send(void)
{
	struct ibv_sge sg[3] = {
		{ (uintptr_t)cbuf, 10, cmr->lkey },
		{ (uintptr_t)cbuf + 100, 20, cmr->lkey },
		{ (uintptr_t)cbuf + 1000, 30, cmr->lkey },
	};
	struct ibv_send_wr wr = {
		.wr_id = 1, .sg_list = sg, .num_sge = 3, .opcode = IBV_WR_SEND,
	};
	char want[60], inl[INLINE + 1];
	struct ibv_sge isg = { (uintptr_t)inl, INLINE, 0 };
	struct ibv_send_wr *bad;
	struct ibv_wc wc;

	fill(cbuf, BUF, 1);
	memcpy(want, cbuf, 10);
	memcpy(want + 10, cbuf + 100, 20);
	memcpy(want + 30, cbuf + 1000, 30);
	tap_eq(post_recv(0, 256, 100), 0, "post_recv");
	tap_eq(client_post(&wr), IBV_WC_SUCCESS, "Send with 3 SGEs completes");
	tap_check(!server_recv_event(&wc) && wc.status == IBV_WC_SUCCESS &&
		  wc.opcode == IBV_WC_RECV && wc.byte_len == 60 &&
		  wc.wr_id == 100 && wc.qp_num == sqp->qp_num,
		  "receive completion through the completion channel (%u bytes)",
		  wc.byte_len);
	tap_check(!memcmp(sbuf, want, 60), "Send payload gathered in order");

	/* Inline: the data is copied at post time, the buffer is free after. */
	fill(inl, INLINE, 2);
	memcpy(want, inl, 60);
	tap_eq(post_recv(256, 256, 101), 0, "post_recv");
	wr.wr_id = 2;
	wr.sg_list = &isg;
	wr.num_sge = 1;
	wr.send_flags = IBV_SEND_INLINE | IBV_SEND_SIGNALED;
	tap_eq(ibv_post_send(cqp, &wr, &bad), 0, "post inline Send of %d B",
	       INLINE);
	memset(inl, 0, sizeof(inl));
	tap_check(poll_one(ccq, &wc, 5000) == 1 && wc.status == IBV_WC_SUCCESS,
		  "inline Send completes");
	tap_check(!server_recv_event(&wc) && wc.byte_len == INLINE &&
		  !memcmp(sbuf + 256, want, 60),
		  "inline payload arrives as it was at post time");

	isg.length = INLINE + 1;
	wr.send_flags = IBV_SEND_INLINE;
	tap_check(ibv_post_send(cqp, &wr, &bad) && bad == &wr,
		  "inline data over %d B refused", INLINE);
}

static void test_write_read(void)
{
	struct ibv_sge sg[2] = {
		{ (uintptr_t)cbuf, 1000, cmr->lkey },
		{ (uintptr_t)cbuf + 4096, 3000, cmr->lkey },
	};
	struct ibv_send_wr wr = {
		.wr_id = 3, .sg_list = sg, .num_sge = 2,
		.opcode = IBV_WR_RDMA_WRITE,
		.wr.rdma = { (uintptr_t)sbuf + 1024, smr->rkey },
	};
	char want[4000];

	fill(cbuf, BUF, 3);
	memcpy(want, cbuf, 1000);
	memcpy(want + 1000, cbuf + 4096, 3000);
	tap_eq(client_post(&wr), IBV_WC_SUCCESS, "RDMA Write of 2 SGEs");
	tap_check(!memcmp(sbuf + 1024, want, 4000), "Write payload placed");

	fill(sbuf, BUF, 4);
	memset(cbuf, 0, BUF);
	sg[0].length = 5000;
	wr.wr_id = 4;
	wr.num_sge = 1;
	wr.opcode = IBV_WR_RDMA_READ;
	wr.wr.rdma.remote_addr = (uintptr_t)sbuf + 100;
	tap_eq(client_post(&wr), IBV_WC_SUCCESS, "RDMA Read of 5000 B");
	tap_check(!memcmp(cbuf, sbuf + 100, 5000), "Read payload placed");
}

static void test_post_errors(void)
{
	struct ibv_sge sg[7] = {};
	struct ibv_send_wr wr = {
		.wr_id = 9, .sg_list = sg, .num_sge = 1,
		.opcode = IBV_WR_ATOMIC_FETCH_AND_ADD,
	}, *bad = NULL;
	struct ibv_recv_wr rwr = { .sg_list = sg, .num_sge = 7 }, *rbad = NULL;
	struct ibv_wc wc;
	int rc;

	rc = ibv_post_send(cqp, &wr, &bad);
	tap_check(rc && bad == &wr, "atomic Fetch-and-Add refused (rc %d)", rc);
	/* RFC 7306 is negotiated here: the empty result buffer is wrong */
	if (ours)
		tap_eq(rc, EINVAL, "atomic with a 0-byte result buffer: EINVAL");
	wr.opcode = IBV_WR_SEND;
	wr.num_sge = 7;
	bad = NULL;
	tap_check(ibv_post_send(cqp, &wr, &bad) && bad == &wr,
		  "Send with 7 SGEs refused");
	rc = ibv_post_recv(sqp, &rwr, &rbad);
	tap_check(rc && rbad == &rwr, "receive with 7 SGEs refused");
	if (!ours) {
		tap_skip("Read with 2 SGEs, unknown flags, opcode 200",
			 "stock libsiw passes them to the kernel");
		return;
	}
	wr.num_sge = 2;
	wr.opcode = IBV_WR_RDMA_READ;
	tap_eq(ibv_post_send(cqp, &wr, &bad), EINVAL, "Read with 2 SGEs: EINVAL");
	wr.num_sge = 1;
	wr.opcode = IBV_WR_SEND;
	wr.send_flags = IBV_SEND_IP_CSUM;
	tap_eq(ibv_post_send(cqp, &wr, &bad), EINVAL, "IP_CSUM flag: EINVAL");
	wr.send_flags = 0;
	wr.opcode = (enum ibv_wr_opcode)200;
	tap_eq(ibv_post_send(cqp, &wr, &bad), EINVAL, "opcode 200: EINVAL");
	/* Nothing of the refused WRs may have been posted. */
	tap_eq(ibv_poll_cq(ccq, 1, &wc), 0, "no completion from refused WRs");
}

/* ibv_wr_* builders and the extended CQ: our provider only. */
static void test_builders(void)
{
	struct ibv_poll_cq_attr pa = {};
	struct ibv_sge sg[2] = {
		{ (uintptr_t)cbuf, 100, cmr->lkey },
		{ (uintptr_t)cbuf + 200, 100, cmr->lkey },
	};
	struct ibv_data_buf ib[2] = { { cbuf + 300, 40 }, { cbuf + 400, 40 } };
	unsigned int n = 0, writes = 0, bytes = 0, qpn_ok = 0;
	struct ibv_wc wc;
	char want[200];
	int rc;

	if (!cqpx || !ccq_ex) {
		tap_skip("ibv_wr_* builders and ibv_start_poll",
			 "stock libsiw has neither");
		return;
	}
	fill(cbuf, BUF, 5);
	memset(sbuf, 0, BUF);
	tap_eq(post_recv(0, 256, 200), 0, "post_recv");
	tap_eq(post_recv(256, 256, 201), 0, "post_recv");

	/* One batch: Write with an SGE list, Send, inline Send, a Read. */
	ibv_wr_start(cqpx);
	cqpx->wr_id = 10;
	cqpx->wr_flags = IBV_SEND_SIGNALED;
	ibv_wr_rdma_write(cqpx, smr->rkey, (uintptr_t)sbuf + 2048);
	ibv_wr_set_sge_list(cqpx, 2, sg);
	cqpx->wr_id = 11;
	ibv_wr_send(cqpx);
	ibv_wr_set_sge(cqpx, cmr->lkey, (uintptr_t)cbuf + 500, 64);
	cqpx->wr_id = 12;
	ibv_wr_send(cqpx);
	ibv_wr_set_inline_data_list(cqpx, 2, ib);
	cqpx->wr_id = 13;
	ibv_wr_rdma_read(cqpx, smr->rkey, (uintptr_t)sbuf + 2048);
	ibv_wr_set_sge(cqpx, cmr->lkey, (uintptr_t)cbuf + 6000, 200);
	rc = ibv_wr_complete(cqpx);
	tap_eq(rc, 0, "wr_complete of a 4-WR batch");

	/* Extended polling over the client CQ. */
	while (n < 4) {
		rc = ibv_start_poll(ccq_ex, &pa);
		if (rc == ENOENT) {
			usleep(1000);
			if (++bytes > 5000)
				break;
			continue;
		}
		bytes = 0;
		do {
			if (ccq_ex->status == IBV_WC_SUCCESS &&
			    ccq_ex->wr_id == 10 + n)
				n++;
			if (ibv_wc_read_opcode(ccq_ex) == IBV_WC_RDMA_WRITE &&
			    ibv_wc_read_byte_len(ccq_ex) == 200)
				writes++;
			if (ibv_wc_read_qp_num(ccq_ex) == cqp->qp_num)
				qpn_ok++;
		} while (ibv_next_poll(ccq_ex) == 0);
		ibv_end_poll(ccq_ex);
	}
	tap_eq(n, 4, "start_poll/next_poll: 4 completions in order");
	tap_eq(writes, 1, "read_opcode/read_byte_len of the Write");
	tap_eq(qpn_ok, 4, "read_qp_num");
	memcpy(want, cbuf, 100);
	memcpy(want + 100, cbuf + 200, 100);
	tap_check(!memcmp(sbuf + 2048, want, 200), "builder Write placed");
	tap_check(!memcmp(cbuf + 6000, want, 200), "builder Read placed");
	tap_check(!server_recv_event(&wc) && wc.byte_len == 64 &&
		  !memcmp(sbuf, cbuf + 500, 64), "builder Send arrived");
	memcpy(want, cbuf + 300, 40);
	memcpy(want + 40, cbuf + 400, 40);
	tap_check(!server_recv_event(&wc) && wc.byte_len == 80 &&
		  !memcmp(sbuf + 256, want, 80), "builder inline Send arrived");

	/* A bad call fails the batch and posts nothing; abort posts nothing. */
	ibv_wr_start(cqpx);
	cqpx->wr_id = 20;
	ibv_wr_send(cqpx);
	ibv_wr_set_sge(cqpx, cmr->lkey, (uintptr_t)cbuf, 8);
	ibv_wr_rdma_read(cqpx, smr->rkey, (uintptr_t)sbuf);
	ibv_wr_set_sge_list(cqpx, 2, sg);
	tap_eq(ibv_wr_complete(cqpx), EINVAL, "Read with 2 SGEs fails the batch");
	ibv_wr_start(cqpx);
	cqpx->wr_id = 21;
	ibv_wr_send(cqpx);
	ibv_wr_set_inline_data(cqpx, cbuf, INLINE + 1);
	tap_eq(ibv_wr_complete(cqpx), EINVAL, "oversized inline data fails the batch");
	ibv_wr_start(cqpx);
	ibv_wr_send(cqpx);
	ibv_wr_set_sge(cqpx, cmr->lkey, (uintptr_t)cbuf, 8);
	ibv_wr_abort(cqpx);
	usleep(200000);
	rc = ibv_start_poll(ccq_ex, &pa);
	if (rc == 0)
		ibv_end_poll(ccq_ex);
	tap_eq(rc, ENOENT, "failed and aborted batches posted nothing");
}

/* A child of a fork-safe process exits; the parent's traffic goes on. */
static void test_fork(void)
{
	struct ibv_sge sge = { (uintptr_t)cbuf, 512, cmr->lkey };
	struct ibv_send_wr wr = {
		.wr_id = 30, .sg_list = &sge, .num_sge = 1,
		.opcode = IBV_WR_SEND,
	};
	struct ibv_wc wc;
	int status = -1;
	pid_t pid;

	fill(cbuf, BUF, 6);
	pid = fork();
	if (pid == 0) {
		/* Registered pages are not in the child (DONTFORK): use others. */
		char *mine = malloc(BUF);

		if (!mine)
			_exit(1);
		memset(mine, 0x5a, BUF);
		_exit(0);
	}
	waitpid(pid, &status, 0);
	tap_check(pid > 0 && WIFEXITED(status) && !WEXITSTATUS(status),
		  "fork: the child ran and exited");
	tap_eq(post_recv(1024, 512, 300), 0, "post_recv after fork");
	tap_eq(client_post(&wr), IBV_WC_SUCCESS, "Send after fork");
	tap_check(!server_recv_event(&wc) && wc.byte_len == 512 &&
		  !memcmp(sbuf + 1024, cbuf, 512),
		  "payload after fork intact");
}

/*
 * Send with Invalidate names an rkey the receiver must invalidate. Only
 * fast-registration MRs can be invalidated remotely, never a user MR: the
 * receiver completes the receive with an error and the connection ends,
 * and the sender's next WR is flushed, not lost.
 */
static void test_invalidate(void)
{
	struct ibv_sge sge = { (uintptr_t)cbuf, 16, cmr->lkey };
	struct ibv_send_wr wr = {
		.wr_id = 40, .sg_list = &sge, .num_sge = 1,
		.opcode = IBV_WR_SEND_WITH_INV,
		.invalidate_rkey = inv_mr->rkey,
	};
	struct ibv_wc wc = {};
	int rc;

	tap_eq(post_recv(0, 64, 400), 0, "post_recv");
	rc = client_post(&wr);
	tap_check(rc >= IBV_WC_SUCCESS, "Send with Invalidate completes (status %d)",
		  rc);
	tap_check(!server_recv_event(&wc) &&
		  wc.status == IBV_WC_REM_INV_REQ_ERR && wc.wr_id == 400,
		  "a user MR's rkey is not remotely invalidated: receive fails (status %d)",
		  wc.status);
	usleep(500000);
	wr.wr_id = 41;
	wr.opcode = IBV_WR_SEND;
	rc = client_post(&wr);
	tap_check(rc > IBV_WC_SUCCESS,
		  "the sender's next WR completes in error, not lost (status %d)",
		  rc);
}

static void test_traffic(void)
{
	if (setup_pair()) {
		tap_result(0, "connected RC pair over %s", ADDR);
		return;
	}
	tap_result(1, "connected RC pair over %s", ADDR);
	test_send();
	test_write_read();
	test_post_errors();
	test_builders();
	test_fork();
	test_invalidate();
	siwcm_pair_destroy(&pair);
	ibv_dereg_mr(inv_mr);
	ibv_dereg_mr(smr);
	ibv_dereg_mr(cmr);
	tap_eq(ibv_destroy_cq(ccq), 0, "destroy client CQ");
	tap_eq(ibv_destroy_cq(scq), 0, "destroy server CQ");
	ibv_destroy_comp_channel(sch);
	tap_eq(ibv_dealloc_pd(pd), 0, "dealloc PD");
}

int main(int argc, char **argv)
{
	struct ibv_context *ctx;

	(void)argc;
	/* Before any verbs object: MRs are then kept out of fork children. */
	if (ibv_fork_init()) {
		printf("Bail out! ibv_fork_init failed\n");
		return KSFT_FAIL;
	}
	ctx = siwtest_setup(argv[0], NETDEV, IBDEV);
	tap_eq(siwtest_sh("ip addr add %s/24 dev %s", ADDR, NETDEV), 0,
	       "address %s on %s", ADDR, NETDEV);
	test_active_provider(ctx);
	test_queries(ctx);
	test_mr(ctx);
	test_sq_full(ctx);
	siwtest_run_child(test_traffic, "traffic");
	tap_eq(siwtest_res_count("qp"), 0, "no QP left");
	siwtest_check_dmesg();
	return tap_done();
}
