// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * ping_listener: a single-threaded rping server for fuzz_peer.sh.
 *
 *   ping_listener ADDR PORT [SIZE]
 *
 * Serves any number of rping clients (rping -c, any -S up to SIZE,
 * default 65536) at once from one thread: one rdma_cm event channel and
 * one CQ polled in the same loop. Per connection it does what rping -s
 * does: receive the client's source buffer (addr, rkey, len), RDMA Read
 * it, Send "go ahead", receive the sink buffer, RDMA Write the data
 * read, Send "go ahead", and again for the next round.
 *
 * Why not rping -s -P: its event thread and per-connection threads race
 * on a failing connection (rdma_reject or a second accept after a
 * successful rdma_accept), which can hit a BUG_ON in the kernel's iw_cm
 * (cm_conn_est_handler). Here a connection request is either accepted
 * or rejected, once, and a connection is only torn down from the event
 * loop, after its DISCONNECTED (or an error) event.
 *
 * Prints "listening" once bound, and on SIGTERM/SIGINT a summary:
 * "ping_listener: connections=N established=N rounds=N errors=N".
 */
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <infiniband/verbs.h>
#include <rdma/rdma_cma.h>

#define MAX_CONN	64
#define CQ_DEPTH	1024

/* rping's wire message: a buffer the peer may Read or Write, big endian. */
struct ping_info {
	uint64_t buf;
	uint32_t rkey;
	uint32_t size;
};

enum conn_step { WAIT_SOURCE, READING, WAIT_SINK, WRITING };

struct conn {
	struct rdma_cm_id *id;
	enum conn_step step;
	bool established;
	struct ping_info recv_msg;	/* what the client sent */
	struct ping_info send_msg;	/* "go ahead" */
	struct ibv_mr *recv_mr, *send_mr, *data_mr;
	char *data;
	uint32_t len;			/* bytes read this round */
};

static struct rdma_event_channel *chan;
static struct ibv_pd *pd;
static struct ibv_cq *cq;
static struct ibv_context *verbs;
static struct conn *conns[MAX_CONN];
static uint32_t max_size = 65536;
static volatile sig_atomic_t stop;
static unsigned long n_conn, n_est, n_rounds, n_err;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int post_recv(struct conn *c)
{
	struct ibv_sge sge = {
		.addr = (uintptr_t)&c->recv_msg,
		.length = sizeof(c->recv_msg),
		.lkey = c->recv_mr->lkey,
	};
	struct ibv_recv_wr wr = { .wr_id = (uintptr_t)c, .sg_list = &sge,
				  .num_sge = 1 }, *bad;

	return ibv_post_recv(c->id->qp, &wr, &bad);
}

static int post_send_op(struct conn *c, enum ibv_wr_opcode op)
{
	struct ibv_sge sge;
	struct ibv_send_wr wr = { .wr_id = (uintptr_t)c, .sg_list = &sge,
				  .num_sge = 1, .opcode = op,
				  .send_flags = IBV_SEND_SIGNALED }, *bad;

	if (op == IBV_WR_SEND) {
		sge.addr = (uintptr_t)&c->send_msg;
		sge.length = sizeof(c->send_msg);
		sge.lkey = c->send_mr->lkey;
	} else {
		sge.addr = (uintptr_t)c->data;
		sge.length = c->len;
		sge.lkey = c->data_mr->lkey;
		wr.wr.rdma.remote_addr = be64toh(c->recv_msg.buf);
		wr.wr.rdma.rkey = be32toh(c->recv_msg.rkey);
	}
	return ibv_post_send(c->id->qp, &wr, &bad);
}

/* The buffers and @c itself; not its QP or id. */
static void conn_free_bufs(struct conn *c)
{
	if (c->recv_mr)
		ibv_dereg_mr(c->recv_mr);
	if (c->send_mr)
		ibv_dereg_mr(c->send_mr);
	if (c->data_mr)
		ibv_dereg_mr(c->data_mr);
	free(c->data);
	free(c);
}

static void conn_free(struct conn *c)
{
	struct rdma_cm_id *id = c->id;
	int i;

	for (i = 0; i < MAX_CONN; i++)
		if (conns[i] == c)
			conns[i] = NULL;
	if (id->qp)
		rdma_destroy_qp(id);
	conn_free_bufs(c);
	rdma_destroy_id(id);
}

/* The rdma_cm context lives in the id; flush completions name @c too. */
static bool conn_live(struct conn *c)
{
	int i;

	for (i = 0; i < MAX_CONN; i++)
		if (conns[i] == c)
			return true;
	return false;
}

static int conn_setup(struct rdma_cm_id *id)
{
	struct ibv_qp_init_attr qpa = {
		.send_cq = cq, .recv_cq = cq, .qp_type = IBV_QPT_RC,
		.cap = { .max_send_wr = 4, .max_recv_wr = 2,
			 .max_send_sge = 1, .max_recv_sge = 1 },
	};
	struct rdma_conn_param param = { .responder_resources = 1,
					 .initiator_depth = 1 };
	struct conn *c;
	int slot;

	if (id->verbs != verbs)
		return -1;	/* one device: the listener's */
	for (slot = 0; slot < MAX_CONN && conns[slot]; slot++)
		;
	if (slot == MAX_CONN)
		return -1;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -1;
	c->id = id;
	c->data = malloc(max_size);
	if (!c->data)
		goto err;
	c->recv_mr = ibv_reg_mr(pd, &c->recv_msg, sizeof(c->recv_msg),
				IBV_ACCESS_LOCAL_WRITE);
	c->send_mr = ibv_reg_mr(pd, &c->send_msg, sizeof(c->send_msg), 0);
	c->data_mr = ibv_reg_mr(pd, c->data, max_size,
				IBV_ACCESS_LOCAL_WRITE);
	if (!c->recv_mr || !c->send_mr || !c->data_mr)
		goto err;
	if (rdma_create_qp(id, pd, &qpa))
		goto err;
	conns[slot] = c;
	id->context = c;
	if (post_recv(c) || rdma_accept(id, &param)) {
		/* Accept failed: the id is ours to destroy, nothing queued. */
		n_err++;
		conn_free(c);
		return 0;
	}
	return 0;
err:
	conn_free_bufs(c);
	return -1;
}

/* A completion moves the connection one step through rping's protocol. */
static void on_wc(struct ibv_wc *wc)
{
	struct conn *c = (struct conn *)(uintptr_t)wc->wr_id;

	if (!conn_live(c))
		return;
	if (wc->status != IBV_WC_SUCCESS) {
		if (wc->status != IBV_WC_WR_FLUSH_ERR)
			n_err++;
		return;		/* the CM event ends the connection */
	}
	switch (wc->opcode) {
	case IBV_WC_RECV:
		if (wc->byte_len != sizeof(c->recv_msg))
			goto bad;
		if (be32toh(c->recv_msg.size) > max_size)
			goto bad;
		if (c->step == WAIT_SOURCE) {
			c->len = be32toh(c->recv_msg.size);
			c->step = READING;
			if (post_send_op(c, IBV_WR_RDMA_READ))
				goto bad;
		} else if (c->step == WAIT_SINK) {
			/* Back what was read, as far as the sink holds it. */
			if (be32toh(c->recv_msg.size) < c->len)
				c->len = be32toh(c->recv_msg.size);
			c->step = WRITING;
			if (post_send_op(c, IBV_WR_RDMA_WRITE))
				goto bad;
		} else {
			goto bad;
		}
		break;
	case IBV_WC_RDMA_READ:
		/* Ready for the sink buffer; tell the client to go ahead. */
		c->step = WAIT_SINK;
		if (post_recv(c) || post_send_op(c, IBV_WR_SEND))
			goto bad;
		break;
	case IBV_WC_RDMA_WRITE:
		c->step = WAIT_SOURCE;
		n_rounds++;
		if (post_recv(c) || post_send_op(c, IBV_WR_SEND))
			goto bad;
		break;
	default:
		break;
	}
	return;
bad:
	/* A broken client: disconnect; DISCONNECTED then frees it. */
	n_err++;
	rdma_disconnect(c->id);
}

static void on_cm_event(struct rdma_cm_event *ev)
{
	struct rdma_cm_id *id = ev->id;
	enum rdma_cm_event_type type = ev->event;
	struct conn *c = id->context;

	switch (type) {
	case RDMA_CM_EVENT_CONNECT_REQUEST:
		n_conn++;
		rdma_ack_cm_event(ev);
		if (conn_setup(id)) {
			n_err++;
			rdma_reject(id, NULL, 0);
			rdma_destroy_id(id);
		}
		return;
	case RDMA_CM_EVENT_ESTABLISHED:
		n_est++;
		if (c)
			c->established = true;
		break;
	case RDMA_CM_EVENT_DISCONNECTED:
	case RDMA_CM_EVENT_CONNECT_ERROR:
	case RDMA_CM_EVENT_UNREACHABLE:
	case RDMA_CM_EVENT_REJECTED:
	case RDMA_CM_EVENT_TIMEWAIT_EXIT:
		rdma_ack_cm_event(ev);
		if (c && conn_live(c) && type != RDMA_CM_EVENT_TIMEWAIT_EXIT) {
			rdma_disconnect(id);
			conn_free(c);
		}
		return;
	case RDMA_CM_EVENT_DEVICE_REMOVAL:
		stop = 1;
		break;
	default:
		break;
	}
	rdma_ack_cm_event(ev);
}

int main(int argc, char **argv)
{
	struct rdma_addrinfo hints = { .ai_flags = RAI_PASSIVE,
				       .ai_port_space = RDMA_PS_TCP }, *res;
	struct rdma_cm_id *listen_id;
	struct pollfd pfd;
	struct ibv_wc wc[16];
	int n, i;

	if (argc < 3) {
		fprintf(stderr, "usage: ping_listener ADDR PORT [SIZE]\n");
		return 2;
	}
	if (argc > 3)
		max_size = strtoul(argv[3], NULL, 0);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	chan = rdma_create_event_channel();
	if (!chan || rdma_create_id(chan, &listen_id, NULL, RDMA_PS_TCP))
		return perror("rdma_create_id"), 2;
	if (rdma_getaddrinfo(argv[1], argv[2], &hints, &res))
		return perror("rdma_getaddrinfo"), 2;
	if (rdma_bind_addr(listen_id, res->ai_src_addr))
		return perror("rdma_bind_addr"), 2;
	rdma_freeaddrinfo(res);
	verbs = listen_id->verbs;
	if (!verbs)
		return fprintf(stderr, "not bound to a device\n"), 2;
	pd = ibv_alloc_pd(verbs);
	cq = pd ? ibv_create_cq(verbs, CQ_DEPTH, NULL, NULL, 0) : NULL;
	if (!cq)
		return perror("pd/cq"), 2;
	if (rdma_listen(listen_id, 16))
		return perror("rdma_listen"), 2;
	/* poll() says when; rdma_get_cm_event() must then not block. */
	fcntl(chan->fd, F_SETFL, fcntl(chan->fd, F_GETFL) | O_NONBLOCK);
	printf("listening\n");
	fflush(stdout);

	pfd.fd = chan->fd;
	pfd.events = POLLIN;
	while (!stop) {
		struct rdma_cm_event *ev;

		/* CQ first, then at most 1 ms in poll() for CM events. */
		while ((n = ibv_poll_cq(cq, 16, wc)) > 0)
			for (i = 0; i < n; i++)
				on_wc(&wc[i]);
		if (poll(&pfd, 1, 1) > 0 && !rdma_get_cm_event(chan, &ev))
			on_cm_event(ev);
	}
	for (i = 0; i < MAX_CONN; i++)
		if (conns[i]) {
			rdma_disconnect(conns[i]->id);
			conn_free(conns[i]);
		}
	rdma_destroy_id(listen_id);
	ibv_destroy_cq(cq);
	ibv_dealloc_pd(pd);
	rdma_destroy_event_channel(chan);
	printf("ping_listener: connections=%lu established=%lu rounds=%lu errors=%lu\n",
	       n_conn, n_est, n_rounds, n_err);
	return 0;
}
