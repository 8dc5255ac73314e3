// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Connection setup through librdmacm, client and server in one thread
 * over loopback: private data both ways (accept, reject, 255 bytes),
 * IRD/ORD as the responder sees them, a request the server drops, a
 * listener destroyed under a request the server still accepts, a connect
 * without a listener, and disconnect events on both sides.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <netinet/in.h>
#include <rdma/rdma_cma.h>

#include "siwtest.h"
#include "siwcm.h"

#define NETDEV	"cmpd0"
#define IBDEV	"siwcmpd0"
#define ADDR	"10.99.4.1"
#define PORT	7300

struct ep {
	struct rdma_event_channel *ch;
	struct rdma_cm_id *id;
	struct ibv_pd *pd;
	struct ibv_cq *cq;
};

static struct rdma_event_channel *server_ch;
static struct rdma_cm_id *listen_id;

/* Expect event @type on @ch; returns it (caller acks) or NULL. */
static struct rdma_cm_event *expect(struct rdma_event_channel *ch,
				    enum rdma_cm_event_type type,
				    const char *what)
{
	struct rdma_cm_event *ev = siwcm_next_event(ch);

	if (!ev) {
		tap_result(0, "%s: %s", what, rdma_event_str(type));
		tap_diag("  no event within 10 s");
		return NULL;
	}
	tap_result(ev->event == type, "%s: %s", what, rdma_event_str(type));
	if (ev->event != type) {
		tap_diag("  got %s, status %d", rdma_event_str(ev->event),
			 ev->status);
		rdma_ack_cm_event(ev);
		return NULL;
	}
	return ev;
}

static int ep_qp(struct ep *e)
{
	struct ibv_qp_init_attr qa = {
		.qp_type = IBV_QPT_RC,
		.cap = {
			.max_send_wr = 4, .max_recv_wr = 4,
			.max_send_sge = 1, .max_recv_sge = 1,
		},
	};

	e->pd = ibv_alloc_pd(e->id->verbs);
	e->cq = e->pd ? ibv_create_cq(e->id->verbs, 16, NULL, NULL, 0) : NULL;
	if (!e->cq)
		return -1;
	qa.send_cq = e->cq;
	qa.recv_cq = e->cq;
	return rdma_create_qp(e->id, e->pd, &qa);
}

static void ep_free(struct ep *e)
{
	if (e->id && e->id->qp)
		rdma_destroy_qp(e->id);
	if (e->cq)
		ibv_destroy_cq(e->cq);
	if (e->pd)
		ibv_dealloc_pd(e->pd);
	if (e->id)
		rdma_destroy_id(e->id);
	if (e->ch)
		rdma_destroy_event_channel(e->ch);
	memset(e, 0, sizeof(*e));
}

static int listen_on(int port)
{
	struct sockaddr_in sin;

	siwcm_addr(&sin, ADDR, port);
	if (rdma_create_id(server_ch, &listen_id, NULL, RDMA_PS_TCP))
		return -1;
	if (rdma_bind_addr(listen_id, (struct sockaddr *)&sin))
		return -1;
	return rdma_listen(listen_id, 8);
}

/* Client: resolve, QP, connect with @pd. */
static int client_connect(struct ep *c, int port, const void *pd, int pd_len,
			  int ird, int ord)
{
	struct rdma_conn_param cp = {
		.private_data = pd,
		.private_data_len = pd_len,
		.responder_resources = ird,
		.initiator_depth = ord,
	};
	struct rdma_cm_event *ev;
	struct sockaddr_in dst;

	siwcm_addr(&dst, ADDR, port);
	c->ch = rdma_create_event_channel();
	if (!c->ch || rdma_create_id(c->ch, &c->id, NULL, RDMA_PS_TCP))
		return -1;
	if (rdma_resolve_addr(c->id, NULL, (struct sockaddr *)&dst, 2000))
		return -1;
	ev = siwcm_next_event(c->ch);
	if (!ev || ev->event != RDMA_CM_EVENT_ADDR_RESOLVED)
		return -1;
	rdma_ack_cm_event(ev);
	if (rdma_resolve_route(c->id, 2000))
		return -1;
	ev = siwcm_next_event(c->ch);
	if (!ev || ev->event != RDMA_CM_EVENT_ROUTE_RESOLVED)
		return -1;
	rdma_ack_cm_event(ev);
	if (ep_qp(c))
		return -1;
	return rdma_connect(c->id, &cp);
}

/* Server: accept @id (the request's) with a QP and @pd. */
static int server_accept(struct ep *s, struct rdma_cm_id *id, const void *pd,
			 int pd_len)
{
	struct rdma_conn_param cp = {
		.private_data = pd,
		.private_data_len = pd_len,
		.responder_resources = 1,
		.initiator_depth = 1,
	};

	s->id = id;
	if (ep_qp(s))
		return -1;
	return rdma_accept(id, &cp);
}

static int pd_is(const struct rdma_cm_event *ev, const void *want, int len)
{
	return ev->param.conn.private_data_len >= len &&
	       !memcmp(ev->param.conn.private_data, want, len);
}

static void test_accept_pd(void)
{
	static const char hello[] = "hello from the client";
	static const char welcome[] = "welcome, says the server";
	struct ep c = {}, s = {};
	struct rdma_cm_event *ev;
	struct rdma_cm_id *req;

	tap_eq(client_connect(&c, PORT, hello, sizeof(hello), 2, 3), 0,
	       "accept: client connects with %zu bytes of private data",
	       sizeof(hello));
	ev = expect(server_ch, RDMA_CM_EVENT_CONNECT_REQUEST, "accept: server");
	if (!ev)
		goto out;
	req = ev->id;
	tap_check(pd_is(ev, hello, sizeof(hello)),
		  "accept: request carries the client's private data (%u bytes)",
		  ev->param.conn.private_data_len);
	/* The client offered IRD 2, ORD 3 in its enhanced MPA request. */
	tap_eq(ev->param.conn.initiator_depth, 2,
	       "accept: initiator depth up to the client's IRD");
	tap_eq(ev->param.conn.responder_resources, 3,
	       "accept: responder resources for the client's ORD");
	rdma_ack_cm_event(ev);

	tap_eq(server_accept(&s, req, welcome, sizeof(welcome)), 0,
	       "accept: server accepts with private data");
	ev = expect(s.id->channel, RDMA_CM_EVENT_ESTABLISHED, "accept: server");
	if (ev)
		rdma_ack_cm_event(ev);
	ev = expect(c.ch, RDMA_CM_EVENT_ESTABLISHED, "accept: client");
	if (ev) {
		tap_check(pd_is(ev, welcome, sizeof(welcome)),
			  "accept: the reply carries the server's private data (%u bytes)",
			  ev->param.conn.private_data_len);
		rdma_ack_cm_event(ev);
	}

	tap_eq(rdma_disconnect(c.id), 0, "accept: client disconnects");
	ev = expect(c.ch, RDMA_CM_EVENT_DISCONNECTED, "accept: client");
	if (ev)
		rdma_ack_cm_event(ev);
	ev = expect(server_ch, RDMA_CM_EVENT_DISCONNECTED, "accept: server");
	if (ev)
		rdma_ack_cm_event(ev);
out:
	s.ch = NULL;	/* the server's channel is shared */
	ep_free(&s);
	ep_free(&c);
}

static void test_big_pd(void)
{
	unsigned char out[255], back[255];
	struct ep c = {}, s = {};
	struct rdma_cm_event *ev;
	struct rdma_cm_id *req;
	int i;

	for (i = 0; i < 255; i++) {
		out[i] = i;
		back[i] = 255 - i;
	}
	tap_eq(client_connect(&c, PORT, out, sizeof(out), 1, 1), 0,
	       "255 bytes: client connects");
	ev = expect(server_ch, RDMA_CM_EVENT_CONNECT_REQUEST, "255 bytes: server");
	if (!ev)
		goto out;
	req = ev->id;
	tap_check(pd_is(ev, out, sizeof(out)),
		  "255 bytes: request private data intact");
	rdma_ack_cm_event(ev);
	tap_eq(server_accept(&s, req, back, sizeof(back)), 0,
	       "255 bytes: server accepts with 255 bytes");
	ev = expect(c.ch, RDMA_CM_EVENT_ESTABLISHED, "255 bytes: client");
	if (ev) {
		tap_check(pd_is(ev, back, sizeof(back)),
			  "255 bytes: reply private data intact");
		rdma_ack_cm_event(ev);
	}
	ev = expect(server_ch, RDMA_CM_EVENT_ESTABLISHED, "255 bytes: server");
	if (ev)
		rdma_ack_cm_event(ev);
	/* This time the server ends it. */
	tap_eq(rdma_disconnect(s.id), 0, "255 bytes: server disconnects");
	ev = expect(server_ch, RDMA_CM_EVENT_DISCONNECTED, "255 bytes: server");
	if (ev)
		rdma_ack_cm_event(ev);
	ev = expect(c.ch, RDMA_CM_EVENT_DISCONNECTED, "255 bytes: client");
	if (ev)
		rdma_ack_cm_event(ev);
out:
	s.ch = NULL;
	ep_free(&s);
	ep_free(&c);
}

static void test_reject_pd(void)
{
	static const char no[] = "go away";
	struct ep c = {};
	struct rdma_cm_event *ev;
	struct rdma_cm_id *req;

	tap_eq(client_connect(&c, PORT, "knock", 6, 1, 1), 0,
	       "reject: client connects");
	ev = expect(server_ch, RDMA_CM_EVENT_CONNECT_REQUEST, "reject: server");
	if (!ev)
		goto out;
	req = ev->id;
	rdma_ack_cm_event(ev);
	tap_eq(rdma_reject(req, no, sizeof(no)), 0,
	       "reject: server rejects with private data");
	rdma_destroy_id(req);
	ev = expect(c.ch, RDMA_CM_EVENT_REJECTED, "reject: client");
	if (ev) {
		tap_eq(ev->status, -ECONNREFUSED, "reject: status ECONNREFUSED");
		tap_check(pd_is(ev, no, sizeof(no)),
			  "reject: the client sees the server's private data (%u bytes)",
			  ev->param.conn.private_data_len);
		rdma_ack_cm_event(ev);
	}
out:
	ep_free(&c);
}

/* The server destroys a request without answering: iw_cm rejects it. */
static void test_drop_request(void)
{
	struct ep c = {};
	struct rdma_cm_event *ev;
	struct rdma_cm_id *req;

	tap_eq(client_connect(&c, PORT, NULL, 0, 1, 1), 0,
	       "dropped request: client connects");
	ev = expect(server_ch, RDMA_CM_EVENT_CONNECT_REQUEST,
		    "dropped request: server");
	if (!ev)
		goto out;
	req = ev->id;
	rdma_ack_cm_event(ev);
	rdma_destroy_id(req);
	ev = expect(c.ch, RDMA_CM_EVENT_REJECTED, "dropped request: client");
	if (ev)
		rdma_ack_cm_event(ev);
out:
	ep_free(&c);
}

static void test_no_listener(void)
{
	struct ep c = {};
	struct rdma_cm_event *ev;

	tap_eq(client_connect(&c, PORT + 1, NULL, 0, 1, 1), 0,
	       "no listener: client connects");
	ev = expect(c.ch, RDMA_CM_EVENT_REJECTED, "no listener: client");
	if (ev) {
		tap_eq(ev->status, -ECONNREFUSED,
		       "no listener: status ECONNREFUSED");
		rdma_ack_cm_event(ev);
	}
	ep_free(&c);
}

/* A request the ULP holds outlives its listener. */
static void test_listener_gone(void)
{
	struct ep c = {}, s = {};
	struct rdma_cm_event *ev;
	struct rdma_cm_id *req;

	tap_eq(client_connect(&c, PORT, NULL, 0, 1, 1), 0,
	       "listener gone: client connects");
	ev = expect(server_ch, RDMA_CM_EVENT_CONNECT_REQUEST,
		    "listener gone: server");
	if (!ev)
		goto out;
	req = ev->id;
	rdma_ack_cm_event(ev);
	tap_eq(rdma_destroy_id(listen_id), 0,
	       "listener gone: listener destroyed before accepting");
	listen_id = NULL;
	tap_eq(server_accept(&s, req, NULL, 0), 0,
	       "listener gone: the request is still accepted");
	ev = expect(c.ch, RDMA_CM_EVENT_ESTABLISHED, "listener gone: client");
	if (ev)
		rdma_ack_cm_event(ev);
	ev = expect(server_ch, RDMA_CM_EVENT_ESTABLISHED,
		    "listener gone: server");
	if (ev)
		rdma_ack_cm_event(ev);
	rdma_disconnect(c.id);
	ev = expect(server_ch, RDMA_CM_EVENT_DISCONNECTED,
		    "listener gone: server");
	if (ev)
		rdma_ack_cm_event(ev);
out:
	s.ch = NULL;
	ep_free(&s);
	ep_free(&c);
}

/*
 * librdmacm keeps the device open until the process exits, and removing
 * the device waits for that: the connection tests run in a child.
 */
static void run_tests(void)
{
	server_ch = rdma_create_event_channel();
	tap_check(server_ch, "server event channel");
	if (!server_ch)
		return;
	tap_eq(listen_on(PORT), 0, "listen on %s:%d", ADDR, PORT);

	test_accept_pd();
	test_big_pd();
	test_reject_pd();
	test_drop_request();
	test_no_listener();
	test_listener_gone();

	if (listen_id)
		rdma_destroy_id(listen_id);
	rdma_destroy_event_channel(server_ch);
}

int main(int argc, char **argv)
{
	(void)argc;
	siwtest_setup(argv[0], NETDEV, IBDEV);
	tap_eq(siwtest_sh("ip addr add %s/24 dev %s", ADDR, NETDEV), 0,
	       "address %s on %s", ADDR, NETDEV);

	siwtest_run_child(run_tests, "connection tests");
	siwtest_check_dmesg();
	return tap_done();
}
