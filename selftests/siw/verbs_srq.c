// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Shared receive queues through libibverbs and librdmacm, over loopback:
 * create limits, query and modify, several connected QPs receiving from
 * one SRQ with payloads checked, the limit event firing exactly when the
 * SRQ drops below its limit, and a QP entering ERROR without flushing the
 * entries other QPs still use.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <netinet/in.h>
#include <rdma/rdma_cma.h>
#include <sys/wait.h>

#include "siwtest.h"
#include "siwcm.h"

#define NETDEV	"srqd0"
#define IBDEV	"siwsrq0"
#define ADDR	"10.99.5.1"
#define PORT	7400

#define NQP	4		/* connections sharing the server's SRQ */
#define SRQ_WR	16		/* receives posted to the SRQ */
#define LIMIT	4		/* armed limit */
#define MSG	256		/* message size */

struct client {
	struct rdma_event_channel *ch;
	struct rdma_cm_id *id;
	struct ibv_pd *pd;
	struct ibv_cq *cq;
	struct ibv_mr *mr;
	char buf[MSG];
};

static struct client clients[NQP];
static struct rdma_cm_id *server_ids[NQP];
static struct rdma_event_channel *server_ch;
static struct rdma_cm_id *listen_id;
static struct ibv_context *server_verbs;
static struct ibv_pd *server_pd;
static struct ibv_cq *server_cq;
static struct ibv_srq *srq;
static struct ibv_mr *server_mr;
static char server_buf[SRQ_WR + 1][MSG];
static int can_query;		/* the provider implements query_srq */
static int poll_cq(struct ibv_cq *cq, struct ibv_wc *wc, int max, int ms)
{
	int n = 0, rc;

	while (n < max && ms-- > 0) {
		rc = ibv_poll_cq(cq, max - n, wc + n);
		if (rc < 0)
			return rc;
		if (!rc)
			usleep(1000);
		n += rc;
	}
	return n;
}

static void test_srq_limits(struct ibv_context *ctx)
{
	struct ibv_device_attr dattr;
	struct ibv_srq_init_attr ia = {};
	struct ibv_srq_attr sa = {};
	struct ibv_srq *s;
	struct ibv_pd *pd;

	tap_eq(ibv_query_device(ctx, &dattr), 0, "query device");
	tap_check(dattr.max_srq > 0 && dattr.max_srq_wr > 0 &&
		  dattr.max_srq_sge > 0,
		  "device advertises SRQs (max_srq %d, max_srq_wr %d, sge %d)",
		  dattr.max_srq, dattr.max_srq_wr, dattr.max_srq_sge);
	pd = ibv_alloc_pd(ctx);
	if (!pd)
		return;

	ia.attr.max_wr = 10;
	ia.attr.max_sge = 2;
	s = ibv_create_srq(pd, &ia);
	tap_check(s, "create SRQ with 10 WRs");
	if (s) {
		/* Stock libsiw has no query_srq; ours must have it. */
		can_query = ibv_query_srq(s, &sa) != EOPNOTSUPP;
		if (!can_query) {
			tap_skip("query SRQ", "provider has no query_srq");
		} else {
			tap_check(sa.max_wr >= 10 && sa.srq_limit == 0,
				  "query: at least the requested size, unarmed (%u, %u)",
				  sa.max_wr, sa.srq_limit);
		}
		sa.srq_limit = 3;
		tap_eq(ibv_modify_srq(s, &sa, IBV_SRQ_LIMIT), 0,
		       "arm limit 3");
		memset(&sa, 0, sizeof(sa));
		if (can_query) {
			ibv_query_srq(s, &sa);
			tap_eq(sa.srq_limit, 3, "query reports the limit");
		}
		sa.max_wr = 64;
		tap_check(ibv_modify_srq(s, &sa, IBV_SRQ_MAX_WR) != 0,
			  "resizing refused");
		sa.srq_limit = 100000;
		tap_check(ibv_modify_srq(s, &sa, IBV_SRQ_LIMIT) != 0,
			  "limit above the size refused");
		tap_eq(ibv_destroy_srq(s), 0, "destroy SRQ");
	}

	ia.attr.max_wr = dattr.max_srq_wr + 1;
	errno = 0;
	s = ibv_create_srq(pd, &ia);
	tap_check(!s && errno, "SRQ over max_srq_wr refused (errno %d)", errno);
	if (s)
		ibv_destroy_srq(s);
	ia.attr.max_wr = 8;
	ia.attr.max_sge = dattr.max_srq_sge + 1;
	errno = 0;
	s = ibv_create_srq(pd, &ia);
	tap_check(!s && errno, "SRQ with too many SGEs refused (errno %d)",
		  errno);
	if (s)
		ibv_destroy_srq(s);
	ibv_dealloc_pd(pd);
}

/* Server resources on the context rdma_cm chose for the first request. */
static int server_resources(struct ibv_context *verbs)
{
	struct ibv_srq_init_attr ia = {
		.attr = { .max_wr = SRQ_WR, .max_sge = 1 },
	};

	server_verbs = verbs;
	server_pd = ibv_alloc_pd(verbs);
	server_cq = server_pd ? ibv_create_cq(verbs, 64, NULL, NULL, 0) : NULL;
	srq = server_cq ? ibv_create_srq(server_pd, &ia) : NULL;
	server_mr = srq ? ibv_reg_mr(server_pd, server_buf, sizeof(server_buf),
				     IBV_ACCESS_LOCAL_WRITE) : NULL;
	return server_mr ? 0 : -1;
}

static int post_srq(int i)
{
	struct ibv_sge sge = {
		.addr = (uintptr_t)server_buf[i],
		.length = MSG,
		.lkey = server_mr->lkey,
	};
	struct ibv_recv_wr wr = { .wr_id = i, .sg_list = &sge, .num_sge = 1 };
	struct ibv_recv_wr *bad;

	return ibv_post_srq_recv(srq, &wr, &bad);
}

static int connect_one(int i)
{
	struct client *c = &clients[i];
	struct ibv_qp_init_attr qa = {
		.qp_type = IBV_QPT_RC,
		.cap = { .max_send_wr = 8, .max_recv_wr = 1,
			 .max_send_sge = 1, .max_recv_sge = 1 },
	};
	struct rdma_conn_param cp = {
		.responder_resources = 1, .initiator_depth = 1,
	};
	struct rdma_cm_id *req;
	struct sockaddr_in dst;

	siwcm_addr(&dst, ADDR, PORT);
	c->ch = rdma_create_event_channel();
	if (!c->ch || rdma_create_id(c->ch, &c->id, NULL, RDMA_PS_TCP) ||
	    rdma_resolve_addr(c->id, NULL, (struct sockaddr *)&dst, 2000) ||
	    siwcm_wait_event(c->ch, RDMA_CM_EVENT_ADDR_RESOLVED, NULL) ||
	    rdma_resolve_route(c->id, 2000) ||
	    siwcm_wait_event(c->ch, RDMA_CM_EVENT_ROUTE_RESOLVED, NULL)) {
		tap_diag("client %d: address/route resolution failed (errno %d)",
			 i, errno);
		return -1;
	}
	c->pd = ibv_alloc_pd(c->id->verbs);
	c->cq = c->pd ? ibv_create_cq(c->id->verbs, 16, NULL, NULL, 0) : NULL;
	c->mr = c->cq ? ibv_reg_mr(c->pd, c->buf, MSG, 0) : NULL;
	if (!c->mr) {
		tap_diag("client %d: PD/CQ/MR failed (errno %d)", i, errno);
		return -1;
	}
	qa.send_cq = c->cq;
	qa.recv_cq = c->cq;
	if (rdma_create_qp(c->id, c->pd, &qa) || rdma_connect(c->id, &cp)) {
		tap_diag("client %d: QP or connect failed (errno %d)", i, errno);
		return -1;
	}

	if (siwcm_wait_event(server_ch, RDMA_CM_EVENT_CONNECT_REQUEST, &req))
		return -1;
	if (!server_verbs && server_resources(req->verbs)) {
		tap_diag("server PD/CQ/SRQ/MR failed (errno %d)", errno);
		return -1;
	}
	qa.send_cq = server_cq;
	qa.recv_cq = server_cq;
	qa.srq = srq;
	qa.cap.max_recv_wr = 0;
	if (rdma_create_qp(req, server_pd, &qa)) {
		tap_diag("server QP %d on the SRQ failed (errno %d)", i, errno);
		return -1;
	}
	if (rdma_accept(req, &cp)) {
		tap_diag("server %d: accept failed (errno %d)", i, errno);
		return -1;
	}
	server_ids[i] = req;
	if (siwcm_wait_event(c->ch, RDMA_CM_EVENT_ESTABLISHED, NULL) ||
	    siwcm_wait_event(server_ch, RDMA_CM_EVENT_ESTABLISHED, NULL))
		return -1;
	return 0;
}

static int client_send(int i, int seq)
{
	struct client *c = &clients[i];
	struct ibv_sge sge = {
		.addr = (uintptr_t)c->buf, .length = MSG, .lkey = c->mr->lkey,
	};
	struct ibv_send_wr wr = {
		.wr_id = seq, .sg_list = &sge, .num_sge = 1,
		.opcode = IBV_WR_SEND, .send_flags = IBV_SEND_SIGNALED,
	};
	struct ibv_send_wr *bad;
	struct ibv_wc wc;

	memset(c->buf, 'A' + i, MSG);
	snprintf(c->buf, MSG, "client %d message %d", i, seq);
	if (ibv_post_send(c->id->qp, &wr, &bad))
		return -1;
	if (poll_cq(c->cq, &wc, 1, 5000) != 1 || wc.status != IBV_WC_SUCCESS)
		return -1;
	return 0;
}

/* An async event on the server's context within @ms, or -1. */
static int async_event(int ms)
{
	struct pollfd pfd = { .fd = server_verbs->async_fd, .events = POLLIN };
	struct ibv_async_event ev;
	int type;

	if (poll(&pfd, 1, ms) != 1 || ibv_get_async_event(server_verbs, &ev))
		return -1;
	type = ev.event_type;
	if (type == IBV_EVENT_SRQ_LIMIT_REACHED && ev.element.srq != srq)
		type = -2;
	ibv_ack_async_event(&ev);
	return type;
}

static int server_qp_index(uint32_t qp_num)
{
	int i;

	for (i = 0; i < NQP; i++)
		if (server_ids[i] && server_ids[i]->qp->qp_num == qp_num)
			return i;
	return -1;
}

static void test_shared_traffic(void)
{
	struct ibv_srq_attr sa = { .srq_limit = LIMIT };
	struct ibv_wc wc[SRQ_WR];
	int taken[SRQ_WR] = {}, from[NQP] = {};
	int i, n, ok, sent, flags;
	char want[MSG];

	for (i = 0; i < NQP; i++)
		if (connect_one(i))
			break;
	tap_eq(i, NQP, "%d clients connected to server QPs sharing one SRQ",
	       NQP);
	if (i != NQP)
		return;

	for (i = 0; i < SRQ_WR; i++)
		if (post_srq(i))
			break;
	tap_eq(i, SRQ_WR, "post %d receives to the SRQ", SRQ_WR);
	tap_check(post_srq(SRQ_WR) != 0, "posting into a full SRQ fails");
	tap_eq(ibv_modify_srq(srq, &sa, IBV_SRQ_LIMIT), 0, "arm limit %d",
	       LIMIT);
	flags = fcntl(server_verbs->async_fd, F_GETFL);
	fcntl(server_verbs->async_fd, F_SETFL, flags | O_NONBLOCK);

	/* SRQ_WR - LIMIT messages leave exactly LIMIT: not below it. */
	sent = 0;
	for (i = 0; i < SRQ_WR - LIMIT; i++)
		sent += !client_send(i % NQP, i);
	tap_eq(sent, SRQ_WR - LIMIT, "%d sends from %d QPs complete", sent,
	       NQP);
	n = poll_cq(server_cq, wc, SRQ_WR - LIMIT, 5000);
	tap_eq(n, SRQ_WR - LIMIT, "every send received through the SRQ");
	ok = n == SRQ_WR - LIMIT;
	for (i = 0; i < n; i++) {
		int q = server_qp_index(wc[i].qp_num);
		int seq;

		if (wc[i].status != IBV_WC_SUCCESS || wc[i].opcode != IBV_WC_RECV ||
		    wc[i].byte_len != MSG || wc[i].wr_id >= SRQ_WR ||
		    taken[wc[i].wr_id]++ || q < 0) {
			ok = 0;
			continue;
		}
		/* Each QP receives its own client's messages, in order. */
		seq = q + NQP * from[q]++;
		memset(want, 'A' + q, MSG);
		snprintf(want, MSG, "client %d message %d", q, seq);
		ok &= !memcmp(server_buf[wc[i].wr_id], want, MSG);
	}
	tap_check(ok, "each receive: success, own buffer once, right QP, payload intact");
	tap_eq(async_event(300), -1, "no limit event while %d remain", LIMIT);

	tap_eq(client_send(0, 100), 0, "one more send takes the SRQ below %d",
	       LIMIT);
	tap_eq(poll_cq(server_cq, wc, 1, 5000), 1, "received");
	tap_eq(async_event(5000), IBV_EVENT_SRQ_LIMIT_REACHED,
	       "IBV_EVENT_SRQ_LIMIT_REACHED for our SRQ");
	memset(&sa, 0, sizeof(sa));
	if (can_query) {
		ibv_query_srq(srq, &sa);
		tap_eq(sa.srq_limit, 0, "the event disarmed the limit");
	}
	tap_eq(client_send(1, 101), 0, "another send");
	tap_eq(poll_cq(server_cq, wc, 1, 5000), 1, "received");
	tap_eq(async_event(300), -1, "no second event once disarmed");

	/* A QP in ERROR flushes nothing of the SRQ: it holds no entry. */
	{
		struct ibv_qp_attr qa = { .qp_state = IBV_QPS_ERR };

		tap_eq(ibv_modify_qp(server_ids[0]->qp, &qa, IBV_QP_STATE), 0,
		       "server QP 0 to ERROR");
	}
	tap_eq(poll_cq(server_cq, wc, SRQ_WR, 300), 0,
	       "no flush completions from the shared SRQ");
	tap_eq(client_send(2, 102), 0, "QP 2 still receives");
	n = poll_cq(server_cq, wc, 1, 5000);
	tap_check(n == 1 && wc[0].status == IBV_WC_SUCCESS &&
		  server_qp_index(wc[0].qp_num) == 2,
		  "its receive completes from the SRQ");
	errno = 0;
	tap_check(ibv_destroy_srq(srq) != 0,
		  "destroying an SRQ in use is refused (errno %d)", errno);
}

static void cleanup(void)
{
	int i;

	for (i = 0; i < NQP; i++) {
		struct client *c = &clients[i];

		if (c->id && c->id->qp)
			rdma_destroy_qp(c->id);
		if (c->mr)
			ibv_dereg_mr(c->mr);
		if (c->cq)
			ibv_destroy_cq(c->cq);
		if (c->pd)
			ibv_dealloc_pd(c->pd);
		if (c->id)
			rdma_destroy_id(c->id);
		if (c->ch)
			rdma_destroy_event_channel(c->ch);
		if (server_ids[i]) {
			rdma_destroy_qp(server_ids[i]);
			rdma_destroy_id(server_ids[i]);
		}
	}
	if (srq)
		tap_eq(ibv_destroy_srq(srq), 0, "destroy SRQ once its QPs are gone");
	if (server_mr)
		ibv_dereg_mr(server_mr);
	if (server_cq)
		ibv_destroy_cq(server_cq);
	if (server_pd)
		ibv_dealloc_pd(server_pd);
	if (listen_id)
		rdma_destroy_id(listen_id);
	if (server_ch)
		rdma_destroy_event_channel(server_ch);
}

/* In a child (siwtest_run_child()): librdmacm keeps the device open. */
static void run_connected(void)
{
	struct sockaddr_in sin;

	siwcm_addr(&sin, ADDR, PORT);
	server_ch = rdma_create_event_channel();
	tap_check(server_ch &&
		  !rdma_create_id(server_ch, &listen_id, NULL, RDMA_PS_TCP) &&
		  !rdma_bind_addr(listen_id, (struct sockaddr *)&sin) &&
		  !rdma_listen(listen_id, 8), "listen on %s:%d", ADDR, PORT);
	test_shared_traffic();
	cleanup();
}

int main(int argc, char **argv)
{
	struct ibv_context *ctx;

	(void)argc;
	ctx = siwtest_setup(argv[0], NETDEV, IBDEV);
	tap_eq(siwtest_sh("ip addr add %s/24 dev %s", ADDR, NETDEV), 0,
	       "address %s on %s", ADDR, NETDEV);
	test_srq_limits(ctx);

	siwtest_run_child(run_connected, "connection tests");
	tap_eq(siwtest_res_count("qp"), 0, "no QP left");
	siwtest_teardown();
	siwtest_check_dmesg();
	return tap_done();
}
