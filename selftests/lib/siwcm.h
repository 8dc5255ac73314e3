/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * rdma_cm helpers for the C selftests: wait for an event with a timeout,
 * and connect one client QP to one server QP over loopback in a single
 * process, with the caller creating both QPs on the device context
 * rdma_cm picked.
 */
#ifndef _SIW_SELFTEST_SIWCM_H
#define _SIW_SELFTEST_SIWCM_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <rdma/rdma_cma.h>
#include <string.h>

#include "tap.h"

/* The next event on @ch within 10 s, or NULL. */
static inline struct rdma_cm_event *siwcm_next_event(struct rdma_event_channel *ch)
{
	struct pollfd pfd = { .fd = ch->fd, .events = POLLIN };
	struct rdma_cm_event *ev;

	if (poll(&pfd, 1, 10000) != 1)
		return NULL;
	if (rdma_get_cm_event(ch, &ev))
		return NULL;
	return ev;
}

/* Wait for @type on @ch (its cm_id into @id); 0 if it came. */
static inline int siwcm_wait_event(struct rdma_event_channel *ch,
				   enum rdma_cm_event_type type,
				   struct rdma_cm_id **id)
{
	struct rdma_cm_event *ev = siwcm_next_event(ch);
	int ok;

	if (!ev) {
		tap_diag("no %s within 10 s", rdma_event_str(type));
		return -1;
	}
	ok = ev->event == type;
	if (!ok)
		tap_diag("wanted %s, got %s (status %d)", rdma_event_str(type),
			 rdma_event_str(ev->event), ev->status);
	if (id)
		*id = ev->id;
	rdma_ack_cm_event(ev);
	return ok ? 0 : -1;
}

static inline void siwcm_addr(struct sockaddr_in *sin, const char *addr,
			      int port)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	inet_pton(AF_INET, addr, &sin->sin_addr);
}

struct siwcm_pair {
	struct rdma_event_channel *server_ch, *client_ch;
	struct rdma_cm_id *listen, *server, *client;
};

/*
 * Listen on @addr:@port and resolve a client to it: afterwards
 * p->client->verbs is the context to create resources on.
 */
static inline int siwcm_pair_resolve(struct siwcm_pair *p, const char *addr,
				     int port)
{
	struct sockaddr_in sin;

	memset(p, 0, sizeof(*p));
	siwcm_addr(&sin, addr, port);
	p->server_ch = rdma_create_event_channel();
	p->client_ch = rdma_create_event_channel();
	if (!p->server_ch || !p->client_ch ||
	    rdma_create_id(p->server_ch, &p->listen, NULL, RDMA_PS_TCP) ||
	    rdma_bind_addr(p->listen, (struct sockaddr *)&sin) ||
	    rdma_listen(p->listen, 8) ||
	    rdma_create_id(p->client_ch, &p->client, NULL, RDMA_PS_TCP) ||
	    rdma_resolve_addr(p->client, NULL, (struct sockaddr *)&sin, 2000) ||
	    siwcm_wait_event(p->client_ch, RDMA_CM_EVENT_ADDR_RESOLVED, NULL) ||
	    rdma_resolve_route(p->client, 2000) ||
	    siwcm_wait_event(p->client_ch, RDMA_CM_EVENT_ROUTE_RESOLVED, NULL)) {
		tap_diag("listen/resolve %s:%d failed (errno %d)", addr, port,
			 errno);
		return -1;
	}
	return 0;
}

/*
 * Connect the client (its QP already created with rdma_create_qp*) and
 * accept on the server with a QP from @server_attr (pd set in it).
 */
static inline int siwcm_pair_connect(struct siwcm_pair *p,
				     struct ibv_qp_init_attr_ex *server_attr)
{
	struct rdma_conn_param cp = {
		.responder_resources = 4, .initiator_depth = 4,
	};

	if (rdma_connect(p->client, &cp) ||
	    siwcm_wait_event(p->server_ch, RDMA_CM_EVENT_CONNECT_REQUEST,
			     &p->server))
		return -1;
	if (rdma_create_qp_ex(p->server, server_attr)) {
		tap_diag("server QP failed (errno %d)", errno);
		return -1;
	}
	if (rdma_accept(p->server, &cp) ||
	    siwcm_wait_event(p->client_ch, RDMA_CM_EVENT_ESTABLISHED, NULL) ||
	    siwcm_wait_event(p->server_ch, RDMA_CM_EVENT_ESTABLISHED, NULL))
		return -1;
	return 0;
}

/* Disconnect and destroy the QPs and ids; resources stay the caller's. */
static inline void siwcm_pair_destroy(struct siwcm_pair *p)
{
	if (p->client && p->client->qp)
		rdma_disconnect(p->client);
	if (p->server) {
		if (p->server->qp)
			rdma_destroy_qp(p->server);
		rdma_destroy_id(p->server);
	}
	if (p->client) {
		if (p->client->qp)
			rdma_destroy_qp(p->client);
		rdma_destroy_id(p->client);
	}
	if (p->listen)
		rdma_destroy_id(p->listen);
	if (p->client_ch)
		rdma_destroy_event_channel(p->client_ch);
	if (p->server_ch)
		rdma_destroy_event_channel(p->server_ch);
	memset(p, 0, sizeof(*p));
}

#endif /* _SIW_SELFTEST_SIWCM_H */
