// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * qp_scale ADDR [-n CONNS] [-C CONCURRENT] [-k MSGS] [-S SIZE] [-p PORT]
 *          [-x CMD]:
 * N rdma_cm connections between a listener and N clients on ADDR, all
 * in this process and so on one siw device (2N QPs on it), with at most
 * C connection setups in flight at once; then K Sends on every
 * connection, each receiver checking it got exactly K messages that
 * carry its connection's number. scale.sh runs it.
 *
 * Prints key=value lines: how many connections came up, setup time and
 * peak setups in flight, traffic result, and the kernel memory the
 * connected QPs took (growth of Slab + VmallocUsed in /proc/meminfo over
 * 2N QPs: siw's QP objects, rings, TX/RX contexts and the TCP sockets).
 * With -x, CMD runs (system()) while every connection is up, after the
 * traffic: scale.sh reads siw's live-object counts there.
 * Exit status 0 if all came up and the traffic checked out, 1 otherwise,
 * 2 usage or setup failure.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <infiniband/verbs.h>
#include <rdma/rdma_cma.h>
#include "kmem.h"

struct conn {
	int idx;
	bool server;
	struct rdma_cm_id *id;
	bool established;
};

static struct {
	int n, conc, k, size, port;
	const char *addr, *hook;
} opt = { .n = 256, .conc = 256, .k = 4, .size = 1024, .port = 8500 };

static struct rdma_event_channel *ch;
static struct rdma_cm_id *listen_id;
static struct sockaddr_storage dst;
static struct ibv_context *verbs;
static struct ibv_pd *pd;
static struct ibv_cq *scq, *rcq;
static struct ibv_mr *smr, *rmr;
static uint8_t *sbuf, *rbuf;
static struct conn *clients, **servers;
static int started, c_est, s_est, failed, inflight, peak;
static int *recv_count, *send_count;
static int corrupt, errors;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* PD, CQs and buffers on the device rdma_cm picked, once. */
static int resources(struct ibv_context *ctx)
{
	size_t cqe = (size_t)opt.n * opt.k + 16;

	if (verbs)
		return ctx == verbs ? 0 : -1;
	verbs = ctx;
	pd = ibv_alloc_pd(ctx);
	scq = ibv_create_cq(ctx, cqe, NULL, NULL, 0);
	rcq = ibv_create_cq(ctx, cqe, NULL, NULL, 0);
	sbuf = calloc(opt.n, opt.size);
	rbuf = calloc((size_t)opt.n * opt.k, opt.size);
	if (!pd || !scq || !rcq || !sbuf || !rbuf)
		return -1;
	smr = ibv_reg_mr(pd, sbuf, (size_t)opt.n * opt.size, 0);
	rmr = ibv_reg_mr(pd, rbuf, (size_t)opt.n * opt.k * opt.size,
			 IBV_ACCESS_LOCAL_WRITE);
	return smr && rmr ? 0 : -1;
}

static int make_qp(struct rdma_cm_id *id)
{
	struct ibv_qp_init_attr qa = {
		.qp_type = IBV_QPT_RC,
		.cap = { .max_send_wr = opt.k, .max_recv_wr = opt.k,
			 .max_send_sge = 1, .max_recv_sge = 1 },
		.sq_sig_all = 1,
	};

	/* The CQs first: without them librdmacm would make its own. */
	if (resources(id->verbs))
		return -1;
	qa.send_cq = scq;
	qa.recv_cq = rcq;
	return rdma_create_qp(id, pd, &qa);
}

static void start_client(void)
{
	struct conn *c = &clients[started];

	c->idx = started++;
	inflight++;
	if (inflight > peak)
		peak = inflight;
	if (rdma_create_id(ch, &c->id, c, RDMA_PS_TCP) ||
	    rdma_resolve_addr(c->id, NULL, (struct sockaddr *)&dst, 10000)) {
		failed++;
		inflight--;
	}
}

static void client_failed(struct conn *c, const char *why, int status)
{
	if (failed < 5)
		fprintf(stderr, "qp_scale: connection %d: %s (%d)\n", c->idx,
			why, status);
	failed++;
	inflight--;
}

static void on_event(struct rdma_cm_event *ev)
{
	struct conn *c = ev->id->context;
	struct rdma_conn_param cp = { .responder_resources = 1,
				      .initiator_depth = 1 };
	struct ibv_recv_wr wr = { 0 }, *bad;
	struct ibv_sge sge;
	int idx, i;

	switch (ev->event) {
	case RDMA_CM_EVENT_ADDR_RESOLVED:
		if (rdma_resolve_route(c->id, 10000))
			client_failed(c, "resolve route", errno);
		break;
	case RDMA_CM_EVENT_ROUTE_RESOLVED:
		idx = c->idx;
		cp.private_data = &idx;
		cp.private_data_len = sizeof(idx);
		if (make_qp(c->id) || rdma_connect(c->id, &cp))
			client_failed(c, "QP or connect", errno);
		break;
	case RDMA_CM_EVENT_CONNECT_REQUEST:
		if (ev->param.conn.private_data_len < sizeof(idx)) {
			rdma_reject(ev->id, NULL, 0);
			break;
		}
		memcpy(&idx, ev->param.conn.private_data, sizeof(idx));
		if (idx < 0 || idx >= opt.n || servers[idx] ||
		    make_qp(ev->id)) {
			rdma_reject(ev->id, NULL, 0);
			break;
		}
		c = calloc(1, sizeof(*c));
		c->idx = idx;
		c->server = true;
		c->id = ev->id;
		ev->id->context = c;
		servers[idx] = c;
		for (i = 0; i < opt.k; i++) {
			sge.addr = (uintptr_t)rbuf +
				   ((size_t)idx * opt.k + i) * opt.size;
			sge.length = opt.size;
			sge.lkey = rmr->lkey;
			wr.wr_id = (uint64_t)idx * opt.k + i;
			wr.sg_list = &sge;
			wr.num_sge = 1;
			if (ibv_post_recv(ev->id->qp, &wr, &bad))
				errors++;
		}
		if (rdma_accept(ev->id, &cp))
			errors++;
		break;
	case RDMA_CM_EVENT_ESTABLISHED:
		if (!c)
			break;
		c->established = true;
		if (c->server) {
			s_est++;
		} else {
			c_est++;
			inflight--;
		}
		break;
	case RDMA_CM_EVENT_DISCONNECTED:
	case RDMA_CM_EVENT_TIMEWAIT_EXIT:
		break;
	default:
		if (c && !c->server && !c->established)
			client_failed(c, rdma_event_str(ev->event), ev->status);
		else
			errors++;
		break;
	}
}

static void pump(int timeout_ms)
{
	struct pollfd pfd = { .fd = ch->fd, .events = POLLIN };
	struct rdma_cm_event *ev;

	if (poll(&pfd, 1, timeout_ms) <= 0)
		return;
	while (!rdma_get_cm_event(ch, &ev)) {
		on_event(ev);
		rdma_ack_cm_event(ev);
	}
}

static int traffic(void)
{
	struct ibv_send_wr wr = { 0 }, *bad;
	struct ibv_wc wc[64];
	struct ibv_sge sge;
	long sends = 0, recvs = 0, want = (long)opt.n * opt.k;
	double end;
	int i, j, m;

	for (i = 0; i < opt.n; i++) {
		uint8_t *p = sbuf + (size_t)i * opt.size;

		memcpy(p, &i, sizeof(i));
		memset(p + sizeof(i), (uint8_t)i, opt.size - sizeof(i));
		for (j = 0; j < opt.k; j++) {
			sge.addr = (uintptr_t)p;
			sge.length = opt.size;
			sge.lkey = smr->lkey;
			wr.wr_id = i;
			wr.sg_list = &sge;
			wr.num_sge = 1;
			wr.opcode = IBV_WR_SEND;
			if (ibv_post_send(clients[i].id->qp, &wr, &bad))
				errors++;
		}
	}
	end = now() + 30;
	while ((sends < want || recvs < want) && now() < end) {
		m = ibv_poll_cq(scq, 64, wc);
		for (i = 0; i < m; i++, sends++) {
			errors += wc[i].status != IBV_WC_SUCCESS;
			if (wc[i].wr_id < (uint64_t)opt.n)
				send_count[wc[i].wr_id]++;
		}
		m = ibv_poll_cq(rcq, 64, wc);
		for (i = 0; i < m; i++, recvs++) {
			int idx = wc[i].wr_id / opt.k;
			uint8_t *p = rbuf + wc[i].wr_id * opt.size;
			int got;

			if (wc[i].status != IBV_WC_SUCCESS) {
				errors++;
				continue;
			}
			memcpy(&got, p, sizeof(got));
			if (got != idx || wc[i].byte_len != (uint32_t)opt.size ||
			    p[opt.size - 1] != (uint8_t)idx)
				corrupt++;
			recv_count[idx]++;
		}
		if (!m)
			usleep(1000);
	}
	printf("sends=%ld recvs=%ld want=%ld\n", sends, recvs, want);
	/* Which connections lack completions, and what siw says of them. */
	for (i = 0, j = 0; i < opt.n && j < 8; i++) {
		char cmd[256];

		if (send_count[i] == opt.k && recv_count[i] == opt.k)
			continue;
		j++;
		printf("conn %d: client qpn %u: %d of %d send completions, ", i,
		       clients[i].id->qp->qp_num, send_count[i], opt.k);
		printf("server qpn %u: %d receives\n",
		       servers[i] ? servers[i]->id->qp->qp_num : 0,
		       recv_count[i]);
		if (getenv("QP_SCALE_DIAG")) {
			snprintf(cmd, sizeof(cmd), "%s %u",
				 getenv("QP_SCALE_DIAG"),
				 clients[i].id->qp->qp_num);
			if (system(cmd))
				printf("(%s failed)\n", cmd);
		}
	}
	for (i = 0; i < opt.n; i++)
		if (recv_count[i] != opt.k)
			errors++;
	return sends == want && recvs == want && !errors && !corrupt ? 0 : -1;
}

int main(int argc, char **argv)
{
	long kib0, kib1;
	double t0, t1, t2;
	struct addrinfo *ai;
	int c, rc, i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((c = getopt(argc, argv, "n:C:k:S:p:x:")) != -1) {
		switch (c) {
		case 'n':
			opt.n = atoi(optarg);
			break;
		case 'C':
			opt.conc = atoi(optarg);
			break;
		case 'k':
			opt.k = atoi(optarg);
			break;
		case 'S':
			opt.size = atoi(optarg);
			break;
		case 'p':
			opt.port = atoi(optarg);
			break;
		case 'x':
			opt.hook = optarg;
			break;
		default:
			goto usage;
		}
	}
	if (optind != argc - 1 || opt.n < 1 || opt.conc < 1 || opt.k < 1 ||
	    opt.size < 8)
		goto usage;
	opt.addr = argv[optind];
	if (getaddrinfo(opt.addr, NULL, NULL, &ai))
		goto usage;
	memcpy(&dst, ai->ai_addr, ai->ai_addrlen);
	freeaddrinfo(ai);
	((struct sockaddr_in *)&dst)->sin_port = htons(opt.port);

	clients = calloc(opt.n, sizeof(*clients));
	servers = calloc(opt.n, sizeof(*servers));
	recv_count = calloc(opt.n, sizeof(*recv_count));
	send_count = calloc(opt.n, sizeof(*send_count));
	ch = rdma_create_event_channel();
	if (!clients || !servers || !recv_count || !send_count || !ch)
		return 2;
	fcntl(ch->fd, F_SETFL, fcntl(ch->fd, F_GETFL) | O_NONBLOCK);
	kib0 = kernel_kib();
	if (rdma_create_id(ch, &listen_id, NULL, RDMA_PS_TCP) ||
	    rdma_bind_addr(listen_id, (struct sockaddr *)&dst) ||
	    rdma_listen(listen_id, 1024)) {
		perror("qp_scale: listen");
		return 2;
	}

	t0 = now();
	while (c_est + failed < opt.n || s_est < c_est) {
		while (started < opt.n && inflight < opt.conc)
			start_client();
		pump(100);
		if (now() - t0 > 600) {
			fprintf(stderr, "qp_scale: setup timed out\n");
			break;
		}
	}
	t1 = now();
	kib1 = kernel_kib();
	printf("connections=%d/%d failed=%d setup_s=%.2f peak_inflight=%d\n",
	       c_est, opt.n, failed, t1 - t0, peak);
	printf("qps_on_device=%d kernel_kib=%ld kib_per_qp=%.1f\n", 2 * c_est,
	       kib1 - kib0, c_est ? (double)(kib1 - kib0) / (2 * c_est) : 0);
	rc = c_est == opt.n && s_est == opt.n && !failed ? 0 : 1;
	if (!rc) {
		rc = traffic() ? 1 : 0;
		t2 = now();
		printf("traffic=%s msgs_per_conn=%d errors=%d corrupt=%d traffic_s=%.2f\n",
		       rc ? "failed" : "ok", opt.k, errors, corrupt, t2 - t1);
		if (opt.hook && system(opt.hook))
			rc = 1;
	}

	/* Tear down: every client disconnects, every QP and id goes. */
	t2 = now();
	for (i = 0; i < started; i++)
		if (clients[i].id && clients[i].established)
			rdma_disconnect(clients[i].id);
	for (i = 0; i < opt.n; i++) {
		if (servers[i]) {
			rdma_destroy_qp(servers[i]->id);
			rdma_destroy_id(servers[i]->id);
		}
		if (clients[i].id) {
			if (clients[i].id->qp)
				rdma_destroy_qp(clients[i].id);
			rdma_destroy_id(clients[i].id);
		}
	}
	rdma_destroy_id(listen_id);
	if (smr)
		ibv_dereg_mr(smr);
	if (rmr)
		ibv_dereg_mr(rmr);
	if (scq)
		ibv_destroy_cq(scq);
	if (rcq)
		ibv_destroy_cq(rcq);
	if (pd)
		ibv_dealloc_pd(pd);
	rdma_destroy_event_channel(ch);
	printf("teardown_s=%.2f\n", now() - t2);
	return rc;

usage:
	fprintf(stderr, "usage: qp_scale ADDR [-n CONNS] [-C CONCURRENT] [-k MSGS]\n");
	fprintf(stderr, "                [-S SIZE] [-p PORT] [-x CMD]\n");
	return 2;
}
