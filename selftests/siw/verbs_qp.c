// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Queue pairs through libibverbs (rdma-core's libsiw in the guest):
 * create limits, query, state changes, user rings, and the flush of
 * posted work as WR_FLUSH_ERR completions when the QP enters ERROR.
 */
#include <errno.h>
#include <infiniband/verbs.h>

#include "siwtest.h"

#define NETDEV	"qpd0"
#define IBDEV	"siwqp0"

static struct ibv_pd *pd;
static struct ibv_cq *scq, *rcq;
static struct ibv_device_attr dattr;

static struct ibv_qp *create_qp(uint32_t swr, uint32_t rwr, uint32_t sge,
				uint32_t inl, enum ibv_qp_type type)
{
	struct ibv_qp_init_attr a = {
		.send_cq = scq,
		.recv_cq = rcq,
		.qp_type = type,
		.cap = {
			.max_send_wr = swr,
			.max_recv_wr = rwr,
			.max_send_sge = sge,
			.max_recv_sge = sge,
			.max_inline_data = inl,
		},
	};

	return ibv_create_qp(pd, &a);
}

static void expect_create_fails(uint32_t swr, uint32_t rwr, uint32_t sge,
				uint32_t inl, enum ibv_qp_type type,
				const char *what)
{
	struct ibv_qp *qp;

	errno = 0;
	qp = create_qp(swr, rwr, sge, inl, type);
	tap_check(!qp && errno, "create_qp refused: %s (errno %d)", what,
		  errno);
	if (qp)
		ibv_destroy_qp(qp);
}

static void test_create_limits(void)
{
	struct ibv_qp *qp;
	struct ibv_qp_attr attr;
	struct ibv_qp_init_attr init;

	qp = create_qp(10, 20, 2, 0, IBV_QPT_RC);
	tap_check(qp, "create RC QP with 10 send / 20 recv WRs");
	if (!qp)
		return;
	tap_check(qp->qp_num > 0, "QP number assigned (%u)", qp->qp_num);
	tap_eq(ibv_query_qp(qp, &attr, IBV_QP_STATE | IBV_QP_CAP, &init), 0,
	       "query_qp");
	tap_eq(attr.qp_state, IBV_QPS_INIT, "new QP reports INIT (iWARP idle)");
	tap_check(attr.cap.max_send_wr >= 10 && attr.cap.max_recv_wr >= 20,
		  "queue sizes at least as requested (%u/%u)",
		  attr.cap.max_send_wr, attr.cap.max_recv_wr);
	tap_eq(ibv_destroy_qp(qp), 0, "destroy QP");

	qp = create_qp(dattr.max_qp_wr, dattr.max_qp_wr, dattr.max_sge, 0,
		       IBV_QPT_RC);
	tap_check(qp, "create QP at max_qp_wr=%d, max_sge=%d", dattr.max_qp_wr,
		  dattr.max_sge);
	if (qp)
		ibv_destroy_qp(qp);

	expect_create_fails(dattr.max_qp_wr + 1, 1, 1, 0, IBV_QPT_RC,
			    "send queue over max_qp_wr");
	expect_create_fails(1, dattr.max_qp_wr + 1, 1, 0, IBV_QPT_RC,
			    "recv queue over max_qp_wr");
	/* Receive-only and send-only QPs (qperf's) get the smallest ring. */
	qp = create_qp(0, 0, 1, 0, IBV_QPT_RC);
	tap_check(qp, "QP asking for no WRs at all is created");
	if (qp) {
		ibv_query_qp(qp, &attr, IBV_QP_CAP, &init);
		tap_check(attr.cap.max_send_wr >= 1 && attr.cap.max_recv_wr >= 1,
			  "it gets one-entry rings (%u, %u)",
			  attr.cap.max_send_wr, attr.cap.max_recv_wr);
		ibv_destroy_qp(qp);
	}
	expect_create_fails(1, 1, dattr.max_sge + 1, 0, IBV_QPT_RC,
			    "too many SGEs");
	expect_create_fails(1, 1, 1, 4096, IBV_QPT_RC, "inline data too big");
	expect_create_fails(1, 1, 1, 0, IBV_QPT_UD, "UD QP on iWARP");
}

static int poll_all(struct ibv_cq *cq, struct ibv_wc *wc, int max)
{
	int n = 0, rc, spins = 0;

	while (n < max && spins < 1000) {
		rc = ibv_poll_cq(cq, max - n, wc + n);
		if (rc < 0)
			return rc;
		if (!rc) {
			spins++;
			usleep(1000);
		}
		n += rc;
	}
	return n;
}

#define NPOST 8

static void test_flush(void)
{
	struct ibv_qp_attr attr = {};
	struct ibv_wc wc[2 * NPOST];
	struct ibv_send_wr swr, *bad_s;
	struct ibv_recv_wr rwr, *bad_r;
	struct ibv_sge sge;
	static char buf[4096];
	struct ibv_mr *mr;
	struct ibv_qp *qp;
	int i, n, ok;

	mr = ibv_reg_mr(pd, buf, sizeof(buf), IBV_ACCESS_LOCAL_WRITE);
	tap_check(mr, "register a buffer");
	qp = create_qp(NPOST, NPOST, 1, 0, IBV_QPT_RC);
	tap_check(qp, "create QP for flush test");
	if (!qp || !mr)
		return;

	attr.qp_state = IBV_QPS_INIT;
	attr.qp_access_flags = IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_REMOTE_READ;
	tap_eq(ibv_modify_qp(qp, &attr, IBV_QP_STATE | IBV_QP_ACCESS_FLAGS), 0,
	       "modify to INIT with remote access flags");

	attr.qp_state = IBV_QPS_RTS;
	tap_check(ibv_modify_qp(qp, &attr, IBV_QP_STATE) != 0,
		  "modify to RTS without a connection is refused");
	attr.qp_state = IBV_QPS_SQD;
	tap_check(ibv_modify_qp(qp, &attr, IBV_QP_STATE) != 0,
		  "modify to SQD (graceful close) without a connection is refused");

	sge.addr = (uintptr_t)buf;
	sge.length = 64;
	sge.lkey = mr->lkey;
	for (i = 0; i < NPOST; i++) {
		memset(&rwr, 0, sizeof(rwr));
		rwr.wr_id = 1000 + i;
		rwr.sg_list = &sge;
		rwr.num_sge = 1;
		if (ibv_post_recv(qp, &rwr, &bad_r))
			break;
	}
	tap_eq(i, NPOST, "post %d receives into the mapped RQ", NPOST);
	ok = 1;
	for (i = 0; i < NPOST / 2; i++) {
		memset(&swr, 0, sizeof(swr));
		swr.wr_id = 2000 + i;
		swr.sg_list = &sge;
		swr.num_sge = 1;
		swr.opcode = IBV_WR_SEND;
		swr.send_flags = i % 2 ? IBV_SEND_SIGNALED : 0;
		if (ibv_post_send(qp, &swr, &bad_s))
			ok = 0;
	}
	tap_check(ok, "post %d sends into the mapped SQ (doorbell accepted)",
		  NPOST / 2);

	memset(&rwr, 0, sizeof(rwr));
	rwr.wr_id = 9999;
	rwr.sg_list = &sge;
	rwr.num_sge = 1;
	tap_check(ibv_post_recv(qp, &rwr, &bad_r) != 0,
		  "posting into a full RQ fails");

	n = ibv_poll_cq(rcq, 2 * NPOST, wc);
	tap_eq(n, 0, "nothing completes before the QP leaves INIT");

	attr.qp_state = IBV_QPS_ERR;
	tap_eq(ibv_modify_qp(qp, &attr, IBV_QP_STATE), 0, "modify to ERR");
	tap_eq(ibv_query_qp(qp, &attr, IBV_QP_STATE, &(struct ibv_qp_init_attr){}),
	       0, "query after ERR");
	tap_eq(attr.qp_state, IBV_QPS_ERR, "QP reports ERR");

	n = poll_all(rcq, wc, NPOST);
	tap_eq(n, NPOST, "every receive flushed");
	ok = n == NPOST;
	for (i = 0; i < n; i++)
		ok &= wc[i].status == IBV_WC_WR_FLUSH_ERR &&
		      wc[i].wr_id == (uint64_t)(1000 + i) &&
		      wc[i].opcode == IBV_WC_RECV && wc[i].qp_num == qp->qp_num;
	tap_check(ok, "receive flushes: WR_FLUSH_ERR, RECV, in order, our QP");

	n = poll_all(scq, wc, NPOST / 2);
	tap_eq(n, NPOST / 2, "every send flushed, signalled or not");
	ok = n == NPOST / 2;
	for (i = 0; i < n; i++)
		ok &= wc[i].status == IBV_WC_WR_FLUSH_ERR &&
		      wc[i].wr_id == (uint64_t)(2000 + i);
	tap_check(ok, "send flushes: WR_FLUSH_ERR, in order");

	/* Posting to a QP in ERROR completes at once as flushed. */
	memset(&swr, 0, sizeof(swr));
	swr.wr_id = 3000;
	swr.sg_list = &sge;
	swr.num_sge = 1;
	swr.opcode = IBV_WR_SEND;
	tap_eq(ibv_post_send(qp, &swr, &bad_s), 0, "post send in ERR");
	n = poll_all(scq, wc, 1);
	tap_check(n == 1 && wc[0].wr_id == 3000 &&
		  wc[0].status == IBV_WC_WR_FLUSH_ERR,
		  "send posted in ERR is flushed at once");

	n = ibv_poll_cq(scq, 2 * NPOST, wc) + ibv_poll_cq(rcq, 2 * NPOST, wc);
	tap_eq(n, 0, "no extra completions");

	/*
	 * librdmacm's rdma_disconnect() moves the QP to SQD before it calls
	 * the CM: when the peer closed first the QP is in ERR already, and
	 * the disconnect must not fail for that.
	 */
	attr.qp_state = IBV_QPS_SQD;
	tap_eq(ibv_modify_qp(qp, &attr, IBV_QP_STATE), 0,
	       "modify ERR -> SQD (graceful close of a closed QP) succeeds");
	tap_eq(ibv_query_qp(qp, &attr, IBV_QP_STATE, &(struct ibv_qp_init_attr){}),
	       0, "query after SQD");
	tap_eq(attr.qp_state, IBV_QPS_ERR, "the QP stays in ERR");

	/* ERR -> RESET -> INIT gives a usable QP again. */
	attr.qp_state = IBV_QPS_RESET;
	tap_eq(ibv_modify_qp(qp, &attr, IBV_QP_STATE), 0, "modify ERR -> RESET");
	attr.qp_state = IBV_QPS_INIT;
	tap_eq(ibv_modify_qp(qp, &attr, IBV_QP_STATE), 0, "modify RESET -> INIT");
	rwr.wr_id = 4000;
	tap_eq(ibv_post_recv(qp, &rwr, &bad_r), 0, "post receive after reset");
	attr.qp_state = IBV_QPS_ERR;
	ibv_modify_qp(qp, &attr, IBV_QP_STATE);
	n = poll_all(rcq, wc, 1);
	tap_check(n == 1 && wc[0].wr_id == 4000,
		  "receive posted after reset flushes on the next ERR");

	tap_eq(ibv_destroy_qp(qp), 0, "destroy QP");
	ibv_dereg_mr(mr);
}

/* Destroying QPs with work still queued must not complete or leak it. */
static void test_destroy_busy(void)
{
	static char buf[64];
	struct ibv_sge sge = { .addr = (uintptr_t)buf, .length = sizeof(buf) };
	struct ibv_recv_wr rwr = { .sg_list = &sge, .num_sge = 1 }, *bad;
	struct ibv_wc wc[4];
	struct ibv_qp *qp;
	int i, posted = 0, destroyed = 0;

	for (i = 0; i < 50; i++) {
		qp = create_qp(4, 4, 1, 0, IBV_QPT_RC);
		if (!qp)
			break;
		rwr.wr_id = i;
		posted += !ibv_post_recv(qp, &rwr, &bad);
		destroyed += !ibv_destroy_qp(qp);
	}
	tap_eq(posted, 50, "50 QPs got a receive queued");
	tap_eq(destroyed, 50, "50 QPs destroyed with receives queued");
	tap_eq(ibv_poll_cq(rcq, 4, wc), 0, "destroy produced no completions");
}

#define MANY_QPS 500

static void test_many(void)
{
	static struct ibv_qp *qps[MANY_QPS];
	long before = siwtest_res_count("qp");
	int i, n = 0;

	for (i = 0; i < MANY_QPS; i++) {
		qps[i] = create_qp(16, 16, 1, 0, IBV_QPT_RC);
		if (!qps[i])
			break;
		n++;
	}
	tap_eq(n, MANY_QPS, "create %d QPs", MANY_QPS);
	tap_eq(siwtest_res_count("qp"), before + n,
	       "rdma resource show counts them");
	for (i = 0; i < n; i++)
		if (ibv_destroy_qp(qps[i]))
			break;
	tap_eq(i, n, "destroy them all");
	tap_eq(siwtest_res_count("qp"), before, "count back to where it was");
}

int main(int argc, char **argv)
{
	struct ibv_context *ctx;

	(void)argc;
	ctx = siwtest_setup(argv[0], NETDEV, IBDEV);
	tap_eq(ibv_query_device(ctx, &dattr), 0, "query device");
	pd = ibv_alloc_pd(ctx);
	scq = ibv_create_cq(ctx, 64, NULL, NULL, 0);
	rcq = ibv_create_cq(ctx, 64, NULL, NULL, 0);
	tap_check(pd && scq && rcq, "PD and two CQs");
	if (!pd || !scq || !rcq)
		return tap_done();

	test_create_limits();
	test_flush();
	test_destroy_busy();
	test_many();

	tap_eq(ibv_destroy_cq(scq), 0, "destroy send CQ");
	tap_eq(ibv_destroy_cq(rcq), 0, "destroy recv CQ");
	tap_eq(ibv_dealloc_pd(pd), 0, "dealloc PD");
	siwtest_teardown();
	siwtest_check_dmesg();
	return tap_done();
}
