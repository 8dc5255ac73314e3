// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * wr_check: one end of an rdma_cm connection that posts numbered work
 * requests and checks that each of them completes EXACTLY ONCE, with
 * success or an error (flush included), whatever happens to the
 * connection meanwhile. fault_matrix.sh runs a server and a client and
 * breaks things under them (faults, netdev down or removal, kill -9).
 *
 *   wr_check -s ADDR [options]     listen on ADDR:PORT, serve one client
 *   wr_check -c ADDR [options]     connect to ADDR:PORT
 *
 * Each end posts -n operations (send, write or read; -o), at most -d at
 * a time, -i microseconds apart; in write and read mode a final Send
 * ("fin") follows them. It posts a receive for every message the peer
 * sends plus -x extra receives, which can only end flushed. Every WR
 * has a unique wr_id; each completion is counted per wr_id. A received
 * message must carry the peer's next sequence number and pattern.
 *
 * After its own work and the peer's messages are all done, an end
 * disconnects. Once an error shows (an error completion, DISCONNECTED
 * or DEVICE_REMOVAL before that, a fatal async event) it posts nothing
 * more. Either way it then waits (-t seconds at most) until every WR
 * it posted has completed; it never moves the QP to ERROR itself, so
 * the flushes it counts are siw's own.
 *
 * An end whose device is removed (DEVICE_REMOVAL) stops at once: its
 * QP and CQ are gone, so WRs without a completion are not counted as
 * missing there; duplicates still are. -T bounds the whole run.
 *
 * Output: "wr_check: established" once connected (scripts wait for it),
 * and a summary line of key=value pairs. Exit status: 0 all WRs
 * completed exactly once and the -e expectation held, 1 a WR completed
 * twice, never, or with an unknown wr_id, or a message was corrupt,
 * 2 usage or setup failure, 3 exactly-once held but -e did not
 * ("ok": everything succeeded; "error": the application saw an error).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
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

#define RQ_BIT		(1ULL << 40)	/* wr_id bit of a receive */
#define CHECK_BYTES	64		/* pattern bytes verified per message */

enum op { OP_SEND, OP_WRITE, OP_READ };

struct peer_buf {
	uint64_t addr;
	uint32_t rkey;
	uint32_t pad;
};

static struct {
	bool server;
	const char *addr;
	int port;
	int n;			/* operations */
	int depth;		/* outstanding send-queue WRs */
	int extra;		/* receives that can only flush */
	int size;
	int interval_us;
	int timeout_s;
	int total_s;		/* the whole run, connected */
	enum op op;
	const char *expect;	/* ok, error, any */
} opt = {
	.port = 7990, .n = 1000, .depth = 16, .extra = 8, .size = 4096,
	.timeout_s = 30, .total_s = 120, .op = OP_SEND, .expect = "any",
};

static struct {
	struct rdma_event_channel *ch;
	struct rdma_cm_id *listen, *id;
	struct ibv_pd *pd;
	struct ibv_comp_channel *cc;
	struct ibv_cq *cq;
	struct ibv_mr *smr, *rmr;
	uint8_t *sbuf, *rbuf;
	struct peer_buf peer;
	int sq_total, rq_total;	/* WRs the run may post */
	uint8_t *sq_seen, *rq_seen;	/* completions per wr_id (saturating) */
	int sq_posted, rq_posted;
	int sq_done, rq_done;
	int sq_ok, sq_flush, sq_err, rq_ok, rq_flush, rq_err;
	int unknown, corrupt;
	int msgs_expected, msgs_got;
	int first_status;	/* -1: none */
	bool error_seen, disconnected, device_removed, disconnect_sent;
	char events[256];
} s = { .first_status = -1 };

/* Seconds to wait for a CM event once every WR has completed in error. */
#define CM_EVENT_GRACE_S 5

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void note_event(const char *what)
{
	size_t l = strlen(s.events);

	if (strstr(s.events, what))
		return;
	snprintf(s.events + l, sizeof(s.events) - l, "%s%s", l ? "," : "", what);
}

static int print_usage(void)
{
	fprintf(stderr,
		"usage: wr_check {-s|-c} ADDR [-p PORT] [-n OPS] [-o send|write|read]\n"
		"       [-d DEPTH] [-x EXTRA_RECVS] [-S SIZE] [-i USEC] [-t SECONDS]\n"
		"       [-T SECONDS] [-e ok|error|any]\n");
	return 2;
}

static void pattern(uint8_t *p, uint32_t seq, int len)
{
	int k;

	memcpy(p, &seq, sizeof(seq));
	for (k = sizeof(seq); k < len && k < CHECK_BYTES; k++)
		p[k] = (uint8_t)(seq * 31 + k);
}

static bool pattern_ok(const uint8_t *p, uint32_t seq, int len)
{
	uint32_t got;
	int k;

	memcpy(&got, p, sizeof(got));
	if (got != seq)
		return false;
	for (k = sizeof(seq); k < len && k < CHECK_BYTES; k++)
		if (p[k] != (uint8_t)(seq * 31 + k))
			return false;
	return true;
}

/* Send-queue slot i: index i's buffer in the send ring. */
static uint8_t *sq_slot(int i)
{
	return s.sbuf + (size_t)(i % opt.depth) * opt.size;
}

static int setup_resources(struct ibv_context *verbs)
{
	struct ibv_qp_init_attr qa = { 0 };
	size_t rlen;

	s.msgs_expected = opt.op == OP_SEND ? opt.n : 1;
	s.sq_total = opt.n + (opt.op == OP_SEND ? 0 : 1);
	s.rq_total = s.msgs_expected + opt.extra;
	s.sq_seen = calloc(s.sq_total, 1);
	s.rq_seen = calloc(s.rq_total, 1);
	s.sbuf = calloc(opt.depth, opt.size);
	/* Every receive its own slot: no message lands on an unread one. */
	rlen = (size_t)s.rq_total * opt.size;
	s.rbuf = calloc(1, rlen);
	s.pd = ibv_alloc_pd(verbs);
	s.cc = ibv_create_comp_channel(verbs);
	if (!s.sq_seen || !s.rq_seen || !s.sbuf || !s.rbuf || !s.pd || !s.cc)
		return -1;
	s.cq = ibv_create_cq(verbs, opt.depth + s.rq_total + 1, NULL, s.cc, 0);
	s.smr = ibv_reg_mr(s.pd, s.sbuf, (size_t)opt.depth * opt.size,
			   IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_READ |
			   IBV_ACCESS_REMOTE_WRITE);
	s.rmr = ibv_reg_mr(s.pd, s.rbuf, rlen,
			   IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_READ |
			   IBV_ACCESS_REMOTE_WRITE);
	if (!s.cq || !s.smr || !s.rmr)
		return -1;
	fcntl(s.cc->fd, F_SETFL, fcntl(s.cc->fd, F_GETFL) | O_NONBLOCK);
	fcntl(verbs->async_fd, F_SETFL,
	      fcntl(verbs->async_fd, F_GETFL) | O_NONBLOCK);
	if (ibv_req_notify_cq(s.cq, 0))
		return -1;

	qa.send_cq = s.cq;
	qa.recv_cq = s.cq;
	qa.qp_type = IBV_QPT_RC;
	qa.cap.max_send_wr = opt.depth + 1;
	qa.cap.max_recv_wr = s.rq_total;
	qa.cap.max_send_sge = 1;
	qa.cap.max_recv_sge = 1;
	qa.sq_sig_all = 1;
	if (rdma_create_qp(s.id, s.pd, &qa)) {
		perror("wr_check: rdma_create_qp");
		return -1;
	}
	return 0;
}

static int post_recvs(void)
{
	struct ibv_recv_wr wr = { 0 }, *bad;
	struct ibv_sge sge;
	int i;

	for (i = 0; i < s.rq_total; i++) {
		sge.addr = (uintptr_t)(s.rbuf + (size_t)i * opt.size);
		sge.length = opt.size;
		sge.lkey = s.rmr->lkey;
		wr.wr_id = RQ_BIT | i;
		wr.sg_list = &sge;
		wr.num_sge = 1;
		if (ibv_post_recv(s.id->qp, &wr, &bad)) {
			perror("wr_check: ibv_post_recv");
			return -1;
		}
		s.rq_posted++;
	}
	return 0;
}

/* Post send-queue WR number s.sq_posted; false once posting fails. */
static bool post_one(void)
{
	struct ibv_send_wr wr = { 0 }, *bad;
	struct ibv_sge sge;
	int i = s.sq_posted;
	bool fin = i == opt.n;	/* write/read mode: the closing Send */
	int rv;

	sge.addr = (uintptr_t)sq_slot(i);
	sge.length = opt.size;
	sge.lkey = s.smr->lkey;
	wr.wr_id = i;
	wr.sg_list = &sge;
	wr.num_sge = 1;
	if (opt.op == OP_SEND || fin) {
		wr.opcode = IBV_WR_SEND;
		pattern(sq_slot(i), fin ? 0 : i, opt.size);
	} else {
		wr.opcode = opt.op == OP_WRITE ? IBV_WR_RDMA_WRITE :
						 IBV_WR_RDMA_READ;
		if (opt.op == OP_WRITE)
			pattern(sq_slot(i), i, opt.size);
		/* Into the peer's receive area: any slot, never read there. */
		wr.wr.rdma.remote_addr = s.peer.addr +
			(uint64_t)(i % s.rq_total) * opt.size;
		wr.wr.rdma.rkey = s.peer.rkey;
	}
	rv = ibv_post_send(s.id->qp, &wr, &bad);
	if (rv) {
		/* The QP is in error: nothing posted, nothing to complete. */
		fprintf(stderr, "wr_check: post %d failed: %s\n", i,
			strerror(rv));
		s.error_seen = true;
		note_event("post-failed");
		return false;
	}
	s.sq_posted++;
	return true;
}

static void count(uint8_t *seen, int idx)
{
	if (seen[idx] < 255)
		seen[idx]++;
}

static void on_wc(const struct ibv_wc *wc)
{
	bool rq = wc->wr_id & RQ_BIT;
	uint64_t idx = wc->wr_id & (RQ_BIT - 1);

	if (wc->status != IBV_WC_SUCCESS) {
		s.error_seen = true;
		if (s.first_status < 0 && wc->status != IBV_WC_WR_FLUSH_ERR)
			s.first_status = wc->status;
	}
	if (rq ? idx >= (uint64_t)s.rq_posted : idx >= (uint64_t)s.sq_posted) {
		s.unknown++;
		return;
	}
	if (rq) {
		count(s.rq_seen, idx);
		s.rq_done++;
		if (wc->status == IBV_WC_SUCCESS) {
			uint32_t seq = opt.op == OP_SEND ? s.msgs_got : 0;

			s.rq_ok++;
			if (wc->byte_len != (uint32_t)opt.size ||
			    !pattern_ok(s.rbuf + idx * opt.size, seq, opt.size))
				s.corrupt++;
			s.msgs_got++;
		} else if (wc->status == IBV_WC_WR_FLUSH_ERR) {
			s.rq_flush++;
		} else {
			s.rq_err++;
		}
		return;
	}
	count(s.sq_seen, idx);
	s.sq_done++;
	if (wc->status == IBV_WC_SUCCESS)
		s.sq_ok++;
	else if (wc->status == IBV_WC_WR_FLUSH_ERR)
		s.sq_flush++;
	else
		s.sq_err++;
}

static void drain_cq(void)
{
	struct ibv_wc wc[32];
	int n, i;

	while ((n = ibv_poll_cq(s.cq, 32, wc)) > 0)
		for (i = 0; i < n; i++)
			on_wc(&wc[i]);
	if (n < 0) {
		s.error_seen = true;
		note_event("poll-failed");
	}
}

static void on_cm_event(struct rdma_cm_event *ev)
{
	switch (ev->event) {
	case RDMA_CM_EVENT_DISCONNECTED:
		s.disconnected = true;
		note_event("DISCONNECTED");
		break;
	case RDMA_CM_EVENT_DEVICE_REMOVAL:
		s.device_removed = true;
		s.error_seen = true;
		note_event("DEVICE_REMOVAL");
		break;
	default:
		note_event(rdma_event_str(ev->event));
		if (ev->event != RDMA_CM_EVENT_ESTABLISHED)
			s.error_seen = true;
		break;
	}
}

static void read_events(int timeout_ms)
{
	struct ibv_context *verbs = s.id->verbs;
	struct pollfd pfd[3] = {
		{ .fd = s.ch->fd, .events = POLLIN },
		{ .fd = s.cc->fd, .events = POLLIN },
		{ .fd = verbs->async_fd, .events = POLLIN },
	};
	struct ibv_async_event aev;
	struct rdma_cm_event *ev;
	struct ibv_cq *cq;
	void *ctx;

	if (poll(pfd, 3, timeout_ms) <= 0)
		return;
	if (pfd[0].revents & POLLIN) {
		if (!rdma_get_cm_event(s.ch, &ev)) {
			on_cm_event(ev);
			rdma_ack_cm_event(ev);
		}
	}
	if (pfd[1].revents & POLLIN) {
		if (!ibv_get_cq_event(s.cc, &cq, &ctx)) {
			ibv_ack_cq_events(cq, 1);
			ibv_req_notify_cq(cq, 0);
		}
	}
	if (pfd[2].revents & POLLIN) {
		if (!ibv_get_async_event(verbs, &aev)) {
			note_event(ibv_event_type_str(aev.event_type));
			if (aev.event_type == IBV_EVENT_QP_FATAL ||
			    aev.event_type == IBV_EVENT_DEVICE_FATAL ||
			    aev.event_type == IBV_EVENT_QP_ACCESS_ERR ||
			    aev.event_type == IBV_EVENT_QP_REQ_ERR)
				s.error_seen = true;
			ibv_ack_async_event(&aev);
		}
	}
	/* POLLERR/POLLHUP (device gone): avoid spinning on it. */
	if ((pfd[1].revents | pfd[2].revents) & (POLLERR | POLLHUP)) {
		s.error_seen = true;
		note_event("fd-hangup");
		usleep(10000);
	}
}

static bool all_done(void)
{
	return s.sq_done >= s.sq_posted && s.rq_done >= s.rq_posted;
}

static void run(void)
{
	double next_post = 0, deadline = 0, end = now() + opt.total_s;
	double cm_grace = 0;
	bool work_done;

	for (;;) {
		drain_cq();
		/* Its CQ and QP are gone with the device: nothing will come. */
		if (s.device_removed)
			break;
		work_done = s.sq_ok == s.sq_total &&
			    s.msgs_got >= s.msgs_expected;
		if (!s.error_seen && !s.disconnected && !work_done) {
			while (s.sq_posted < s.sq_total &&
			       s.sq_posted - s.sq_done < opt.depth &&
			       now() >= next_post) {
				/* Write/read mode: fin once the rest is done. */
				if (s.sq_posted == opt.n && s.sq_done < opt.n)
					break;
				if (!post_one())
					break;
				if (opt.interval_us)
					next_post = now() + opt.interval_us / 1e6;
			}
		}
		if ((work_done || s.error_seen || s.disconnected) && !deadline)
			deadline = now() + opt.timeout_s;
		if (work_done && !s.disconnect_sent && !s.disconnected &&
		    !s.device_removed) {
			/* The extra receives flush when the QP leaves RTS. */
			rdma_disconnect(s.id);
			s.disconnect_sent = true;
		}
		/*
		 * Flushes and the CM event that explains them (DISCONNECTED,
		 * DEVICE_REMOVAL) come by separate paths in no fixed order:
		 * after the last flush, give the event a few seconds.
		 */
		if (deadline && all_done() && s.error_seen && !cm_grace)
			cm_grace = now() + CM_EVENT_GRACE_S;
		if (deadline && all_done() &&
		    (s.disconnected || s.device_removed ||
		     (s.error_seen && now() > cm_grace)))
			break;
		if ((deadline && now() > deadline) || now() > end) {
			note_event("timeout");
			break;
		}
		read_events(opt.interval_us && !s.error_seen ? 1 : 100);
	}
}

static int connect_server(void)
{
	struct rdma_conn_param cp = { 0 };
	struct rdma_cm_event *ev;
	struct addrinfo *ai;
	int rv;

	if (getaddrinfo(opt.addr, NULL, NULL, &ai))
		return -1;
	((struct sockaddr_in *)ai->ai_addr)->sin_port = htons(opt.port);
	if (rdma_create_id(s.ch, &s.listen, NULL, RDMA_PS_TCP) ||
	    rdma_bind_addr(s.listen, ai->ai_addr) ||
	    rdma_listen(s.listen, 4)) {
		perror("wr_check: listen");
		freeaddrinfo(ai);
		return -1;
	}
	freeaddrinfo(ai);
	printf("wr_check: listening\n");
	fflush(stdout);
	if (rdma_get_cm_event(s.ch, &ev))
		return -1;
	if (ev->event != RDMA_CM_EVENT_CONNECT_REQUEST) {
		fprintf(stderr, "wr_check: %s instead of a connect request\n",
			rdma_event_str(ev->event));
		rdma_ack_cm_event(ev);
		return -1;
	}
	s.id = ev->id;
	if (ev->param.conn.private_data_len >= sizeof(s.peer))
		memcpy(&s.peer, ev->param.conn.private_data, sizeof(s.peer));
	rdma_ack_cm_event(ev);
	if (setup_resources(s.id->verbs) || post_recvs())
		return -1;
	{
		struct peer_buf me = { (uintptr_t)s.rbuf, s.rmr->rkey, 0 };

		cp.private_data = &me;
		cp.private_data_len = sizeof(me);
		cp.responder_resources = 4;
		cp.initiator_depth = 4;
		rv = rdma_accept(s.id, &cp);
	}
	if (rv) {
		perror("wr_check: rdma_accept");
		return -1;
	}
	if (rdma_get_cm_event(s.ch, &ev))
		return -1;
	rv = ev->event == RDMA_CM_EVENT_ESTABLISHED ? 0 : -1;
	if (rv)
		fprintf(stderr, "wr_check: %s instead of established\n",
			rdma_event_str(ev->event));
	rdma_ack_cm_event(ev);
	return rv;
}

static int wait_event(enum rdma_cm_event_type type, struct rdma_cm_event **out)
{
	struct rdma_cm_event *ev;

	if (rdma_get_cm_event(s.ch, &ev))
		return -1;
	if (ev->event != type) {
		fprintf(stderr, "wr_check: %s instead of %s (status %d)\n",
			rdma_event_str(ev->event), rdma_event_str(type),
			ev->status);
		rdma_ack_cm_event(ev);
		return -1;
	}
	if (out) {
		*out = ev;
		return 0;
	}
	rdma_ack_cm_event(ev);
	return 0;
}

static int connect_client(void)
{
	struct rdma_conn_param cp = { 0 };
	struct rdma_cm_event *ev;
	struct peer_buf me;
	struct addrinfo *ai;
	int rv;

	if (getaddrinfo(opt.addr, NULL, NULL, &ai))
		return -1;
	((struct sockaddr_in *)ai->ai_addr)->sin_port = htons(opt.port);
	rv = rdma_create_id(s.ch, &s.id, NULL, RDMA_PS_TCP) ||
	     rdma_resolve_addr(s.id, NULL, ai->ai_addr, 5000) ||
	     wait_event(RDMA_CM_EVENT_ADDR_RESOLVED, NULL) ||
	     rdma_resolve_route(s.id, 5000) ||
	     wait_event(RDMA_CM_EVENT_ROUTE_RESOLVED, NULL);
	freeaddrinfo(ai);
	if (rv || setup_resources(s.id->verbs) || post_recvs())
		return -1;
	me.addr = (uintptr_t)s.rbuf;
	me.rkey = s.rmr->rkey;
	me.pad = 0;
	cp.private_data = &me;
	cp.private_data_len = sizeof(me);
	cp.responder_resources = 4;
	cp.initiator_depth = 4;
	cp.retry_count = 7;
	if (rdma_connect(s.id, &cp) ||
	    wait_event(RDMA_CM_EVENT_ESTABLISHED, &ev))
		return -1;
	if (ev->param.conn.private_data_len >= sizeof(s.peer))
		memcpy(&s.peer, ev->param.conn.private_data, sizeof(s.peer));
	rdma_ack_cm_event(ev);
	return 0;
}

/* Each posted WR exactly once; the summary line; the exit status. */
static int verdict(void)
{
	int sq_missing = 0, sq_dup = 0, rq_missing = 0, rq_dup = 0, i;
	bool expect_ok;
	int rc;

	for (i = 0; i < s.sq_posted; i++) {
		sq_missing += !s.sq_seen[i];
		sq_dup += s.sq_seen[i] > 1;
	}
	for (i = 0; i < s.rq_posted; i++) {
		rq_missing += !s.rq_seen[i];
		rq_dup += s.rq_seen[i] > 1;
	}
	/* One line, for the scripts: key=value pairs. */
	printf("wr_check: role=%s", opt.server ? "server" : "client");
	printf(" sq_posted=%d sq_ok=%d sq_flush=%d sq_err=%d", s.sq_posted,
	       s.sq_ok, s.sq_flush, s.sq_err);
	printf(" sq_missing=%d sq_dup=%d", sq_missing, sq_dup);
	printf(" rq_posted=%d rq_ok=%d rq_flush=%d rq_err=%d", s.rq_posted,
	       s.rq_ok, s.rq_flush, s.rq_err);
	printf(" rq_missing=%d rq_dup=%d", rq_missing, rq_dup);
	printf(" unknown=%d corrupt=%d msgs=%d/%d error_seen=%d", s.unknown,
	       s.corrupt, s.msgs_got, s.msgs_expected, s.error_seen);
	printf(" first_error=%s events=%s\n",
	       s.first_status < 0 ? "none" : ibv_wc_status_str(s.first_status),
	       s.events[0] ? s.events : "none");
	if (sq_dup || rq_dup || s.unknown || s.corrupt)
		return 1;
	/*
	 * With its device gone an end's QP and CQ went with it: the error
	 * reached it as DEVICE_REMOVAL, completions cannot. Its peer is
	 * the one that must account for every WR.
	 */
	if ((sq_missing || rq_missing) && !s.device_removed)
		return 1;
	/* All good: every op succeeded, the peer's messages all came. */
	expect_ok = s.sq_ok == s.sq_total && s.msgs_got == s.msgs_expected &&
		    !s.sq_err && !s.rq_err;
	rc = 0;
	if (!strcmp(opt.expect, "ok") && !expect_ok)
		rc = 3;
	if (!strcmp(opt.expect, "error") && expect_ok && !s.device_removed)
		rc = 3;
	return rc;
}

static void cleanup(void)
{
	if (s.id && s.id->qp)
		rdma_destroy_qp(s.id);
	if (s.smr)
		ibv_dereg_mr(s.smr);
	if (s.rmr)
		ibv_dereg_mr(s.rmr);
	if (s.cq)
		ibv_destroy_cq(s.cq);
	if (s.cc)
		ibv_destroy_comp_channel(s.cc);
	if (s.pd)
		ibv_dealloc_pd(s.pd);
	if (s.id)
		rdma_destroy_id(s.id);
	if (s.listen)
		rdma_destroy_id(s.listen);
	if (s.ch)
		rdma_destroy_event_channel(s.ch);
}

int main(int argc, char **argv)
{
	int c, rc;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((c = getopt(argc, argv, "s:c:p:n:o:d:x:S:i:t:T:e:")) != -1) {
		switch (c) {
		case 's':
		case 'c':
			opt.server = c == 's';
			opt.addr = optarg;
			break;
		case 'p':
			opt.port = atoi(optarg);
			break;
		case 'n':
			opt.n = atoi(optarg);
			break;
		case 'd':
			opt.depth = atoi(optarg);
			break;
		case 'x':
			opt.extra = atoi(optarg);
			break;
		case 'S':
			opt.size = atoi(optarg);
			break;
		case 'i':
			opt.interval_us = atoi(optarg);
			break;
		case 't':
			opt.timeout_s = atoi(optarg);
			break;
		case 'T':
			opt.total_s = atoi(optarg);
			break;
		case 'e':
			opt.expect = optarg;
			break;
		case 'o':
			if (!strcmp(optarg, "send"))
				opt.op = OP_SEND;
			else if (!strcmp(optarg, "write"))
				opt.op = OP_WRITE;
			else if (!strcmp(optarg, "read"))
				opt.op = OP_READ;
			else
				return print_usage();
			break;
		default:
			return print_usage();
		}
	}
	if (!opt.addr || opt.n < 1 || opt.depth < 1 || opt.extra < 0 ||
	    opt.size < 8 || opt.timeout_s < 1 ||
	    (strcmp(opt.expect, "ok") && strcmp(opt.expect, "error") &&
	     strcmp(opt.expect, "any")))
		return print_usage();

	s.ch = rdma_create_event_channel();
	if (!s.ch)
		return 2;
	if (opt.server ? connect_server() : connect_client()) {
		fprintf(stderr, "wr_check: connection setup failed\n");
		cleanup();
		return 2;
	}
	fcntl(s.ch->fd, F_SETFL, fcntl(s.ch->fd, F_GETFL) | O_NONBLOCK);
	printf("wr_check: established\n");
	run();
	rc = verdict();
	cleanup();
	return rc;
}
