// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Connection management for iw_cm: listeners, the active and passive
 * MPA handshake over kernel TCP sockets, handing the byte stream to the
 * QP, and teardown.
 *
 * Every endpoint (struct siw_cep) is driven by one work item on a
 * WQ_MEM_RECLAIM workqueue and by the iw_cm entry points, all under the
 * endpoint's mutex. Socket callbacks only queue that work. MPA frames
 * are read exactly: whatever follows a request or reply in the stream
 * stays in the socket for RX.
 */
#include <linux/errno.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/inetdevice.h>
#include <linux/net.h>
#include <linux/slab.h>
#include <linux/tcp.h>
#include <linux/xarray.h>
#include <net/addrconf.h>
#include <net/ipv6.h>
#include <net/sock.h>
#include <net/tcp.h>
#include <rdma/ib_verbs.h>
#include <rdma/iw_cm.h>
#include <rdma/rdma_cm.h>

#include "siw.h"
#include "qp.h"
#include "cm.h"
#include "trace.h"

/* iw_cm_event carries private data with a u8 length. */
#define SIW_CM_MAX_PD	U8_MAX

static struct siw_cm_config siw_cm_cfg;
static struct workqueue_struct *siw_cm_wq;

/* Every live endpoint by handle: provider_data lookups and module exit. */
static DEFINE_XARRAY_ALLOC1(siw_cep_xa);
static u32 siw_cep_next;

/*
 * Endpoint locks are one lockdep class but nest in one direction only: a
 * connection's lock is held while its listener's is taken (the MPA
 * request going to the ULP), and a wildcard listener's while its shared
 * port's is (joining it). Every other endpoint lock is taken alone.
 */
enum siw_cep_lock_nesting {
	SIW_CEP_LOCK_CONN,
	SIW_CEP_LOCK_LISTENER,
	SIW_CEP_LOCK_PORT,
};

static const char * const siw_cep_state_names[SIW_CEP_STATE_COUNT] = {
	[SIW_CEP_IDLE] = "IDLE",
	[SIW_CEP_LISTENING] = "LISTENING",
	[SIW_CEP_CONNECTING] = "CONNECTING",
	[SIW_CEP_AWAIT_MPA_REQ] = "AWAIT_MPA_REQ",
	[SIW_CEP_AWAIT_MPA_REP] = "AWAIT_MPA_REP",
	[SIW_CEP_RECVD_MPA_REQ] = "RECVD_MPA_REQ",
	[SIW_CEP_AWAIT_RTR] = "AWAIT_RTR",
	[SIW_CEP_CONNECTED] = "CONNECTED",
	[SIW_CEP_CLOSING] = "CLOSING",
	[SIW_CEP_CLOSED] = "CLOSED",
};

#define siw_cep_dbg(cep, fmt, ...)					\
	do {								\
		const struct siw_cep *__cep = (cep);			\
									\
		ibdev_dbg(&__cep->sdev->base_dev, "cep %u %s: " fmt,	\
			  __cep->id, siw_cep_state_names[__cep->state],	\
			  ##__VA_ARGS__);				\
	} while (0)

static void siw_cep_work(struct work_struct *work);
static void siw_cep_timeout(struct work_struct *work);

/*
 * ===================================================================
 * Endpoint objects
 * ===================================================================
 */

static struct siw_cep *siw_cep_alloc(struct siw_device *sdev)
{
	struct siw_cep *cep;
	int rv;

	cep = kzalloc(sizeof(*cep), GFP_KERNEL);
	if (!cep)
		return NULL;

	kref_init(&cep->ref);		/* dropped when CLOSED */
	mutex_init(&cep->lock);
	spin_lock_init(&cep->children_lock);
	INIT_LIST_HEAD(&cep->children);
	INIT_LIST_HEAD(&cep->child_entry);
	INIT_LIST_HEAD(&cep->members);
	INIT_LIST_HEAD(&cep->member_entry);
	INIT_LIST_HEAD(&cep->port_entry);
	INIT_WORK(&cep->work, siw_cep_work);
	INIT_DELAYED_WORK(&cep->timeout, siw_cep_timeout);
	cep->state = SIW_CEP_IDLE;
	cep->sdev = sdev;

	rv = xa_alloc_cyclic(&siw_cep_xa, &cep->id, cep, xa_limit_31b,
			     &siw_cep_next, GFP_KERNEL);
	if (rv < 0) {
		kfree(cep);
		return NULL;
	}
	/* Late events of a lingering endpoint still see the device. */
	get_device(&sdev->base_dev.dev);
	atomic_inc(&sdev->num.cep);
	siw_live_inc(SIW_OBJ_CEP);
	return cep;
}

static void siw_sock_free(struct socket *sock)
{
	kernel_sock_shutdown(sock, SHUT_RDWR);
	sock_release(sock);
}

static void siw_cep_release(struct kref *ref)
{
	struct siw_cep *cep = container_of(ref, struct siw_cep, ref);
	struct siw_device *sdev = cep->sdev;

	xa_erase(&siw_cep_xa, cep->id);
	if (cep->sock)
		siw_sock_free(cep->sock);
	if (cep->listener)
		siw_cep_put(cep->listener);
	if (cep->port)
		siw_cep_put(cep->port);
	kfree(cep->tx_frame);
	mutex_destroy(&cep->lock);
	atomic_dec(&sdev->num.cep);
	if (cep->listened)
		siw_live_dec(SIW_OBJ_LISTENER);
	siw_live_dec(SIW_OBJ_CEP);
	put_device(&sdev->base_dev.dev);
	kfree_rcu(cep, rcu);
}

static void siw_cep_get(struct siw_cep *cep)
{
	kref_get(&cep->ref);
}

void siw_cep_put(struct siw_cep *cep)
{
	kref_put(&cep->ref, siw_cep_release);
}

/* provider_data of an iw_cm_id holds the endpoint's handle. */
static void siw_cep_set_handle(struct iw_cm_id *id, struct siw_cep *cep)
{
	id->provider_data = cep ? (void *)(uintptr_t)cep->id : NULL;
}

static struct siw_cep *siw_cep_lookup(struct iw_cm_id *id)
{
	uintptr_t handle = (uintptr_t)id->provider_data;
	struct siw_cep *cep;

	if (!handle || handle > U32_MAX)
		return NULL;
	rcu_read_lock();
	cep = xa_load(&siw_cep_xa, handle);
	if (cep && (cep->sdev != to_siw_dev(id->device) ||
		    !kref_get_unless_zero(&cep->ref)))
		cep = NULL;
	rcu_read_unlock();
	return cep;
}

/* Run the endpoint's work for event @ev; any context. */
static void siw_cep_queue(struct siw_cep *cep, int ev)
{
	set_bit(ev, &cep->events);
	siw_cep_get(cep);
	if (!queue_work(siw_cm_wq, &cep->work))
		siw_cep_put(cep);	/* never the last: the caller has one */
}

/*
 * ===================================================================
 * Sockets
 * ===================================================================
 */

/* MPA frames as they go out or come in, decoded from their header. */
static void siw_cm_trace_mpa(struct siw_cep *cep, bool sent, const u8 *frame,
			     size_t len)
{
	if (!trace_siw_mpa_enabled() || len < SIW_MPA_HDR_LEN)
		return;
	/* "MPA ID Req Frame" and "MPA ID Rep Frame" differ at byte 9. */
	trace_siw_mpa(cep->sdev->base_dev.index, sent, frame[9] == 'q',
		      frame[SIW_MPA_OFF_FLAGS], frame[SIW_MPA_OFF_REV],
		      siw_get_be16(frame + SIW_MPA_OFF_PDLEN));
}

static int siw_sock_send(struct socket *sock, const void *buf, size_t len)
{
	struct kvec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr msg = { .msg_flags = MSG_DONTWAIT | MSG_NOSIGNAL };
	int rv;

	/* A few hundred bytes into a fresh connection: no partial sends. */
	rv = kernel_sendmsg(sock, &msg, &iov, 1, len);
	if (rv < 0)
		return rv;
	return rv == len ? 0 : -ECONNRESET;
}

/* At most @len bytes; 0 at end of stream, -EAGAIN when nothing is there. */
static int siw_sock_recv(struct socket *sock, void *buf, size_t len)
{
	struct kvec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = { .msg_flags = MSG_DONTWAIT };

	return kernel_recvmsg(sock, &msg, &iov, 1, len, MSG_DONTWAIT);
}

static int siw_addr_len(const struct sockaddr_storage *addr)
{
	switch (addr->ss_family) {
	case AF_INET:
		return sizeof(struct sockaddr_in);
	case AF_INET6:
		return sizeof(struct sockaddr_in6);
	default:
		return 0;
	}
}

static bool siw_addr_any(const struct sockaddr_storage *addr)
{
	if (addr->ss_family == AF_INET)
		return ((const struct sockaddr_in *)addr)->sin_addr.s_addr ==
		       htonl(INADDR_ANY);
	return ipv6_addr_any(&((const struct sockaddr_in6 *)addr)->sin6_addr);
}

static void siw_addr_set_port(struct sockaddr_storage *addr, u16 port)
{
	if (addr->ss_family == AF_INET)
		((struct sockaddr_in *)addr)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)addr)->sin6_port = htons(port);
}

static u16 siw_addr_port(const struct sockaddr_storage *addr)
{
	if (addr->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)addr)->sin_port);
	return ntohs(((const struct sockaddr_in6 *)addr)->sin6_port);
}

static int siw_sock_create(struct siw_cep *cep, int family)
{
	struct net *net = dev_net(cep->sdev->netdev);

	return sock_create_kern(net, family, SOCK_STREAM, IPPROTO_TCP,
				&cep->sock);
}

/*
 * IPv4 peers of a dual-stack IPv6 listener show as ::ffff:a.b.c.d; iw_cm
 * and rdma_cm resolve devices from plain IPv4 addresses.
 */
static void siw_addr_unmap(struct sockaddr_storage *addr)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)addr;
	struct sockaddr_in *sin = (struct sockaddr_in *)addr;
	__be32 a;
	__be16 port;

	if (addr->ss_family != AF_INET6 ||
	    !ipv6_addr_v4mapped(&sin6->sin6_addr))
		return;
	a = sin6->sin6_addr.s6_addr32[3];
	port = sin6->sin6_port;
	memset(addr, 0, sizeof(*addr));
	sin->sin_family = AF_INET;
	sin->sin_port = port;
	sin->sin_addr.s_addr = a;
}

static int siw_sock_getname(struct socket *sock, struct sockaddr_storage *addr,
			    bool peer)
{
	int rv;

	rv = peer ? kernel_getpeername(sock, (struct sockaddr *)addr) :
		    kernel_getsockname(sock, (struct sockaddr *)addr);
	if (rv < 0) {
		memset(addr, 0, sizeof(*addr));
		return rv;
	}
	siw_addr_unmap(addr);
	return 0;
}

static void siw_cep_getnames(struct siw_cep *cep)
{
	siw_sock_getname(cep->sock, &cep->laddr, false);
	siw_sock_getname(cep->sock, &cep->raddr, true);
}

/*
 * Socket callbacks: they only queue the endpoint's work. sk_user_data
 * holds an endpoint reference while they are installed.
 */
static void siw_cm_state_change(struct sock *sk)
{
	void (*orig)(struct sock *sk) = NULL;
	struct siw_cep *cep;

	read_lock_bh(&sk->sk_callback_lock);
	cep = sk->sk_user_data;
	if (cep) {
		orig = cep->sk_state_change;
		siw_cep_queue(cep, SIW_CEP_EV_STATE);
	}
	read_unlock_bh(&sk->sk_callback_lock);
	if (orig)
		orig(sk);
}

static void siw_cm_data_ready(struct sock *sk)
{
	struct siw_cep *cep;

	read_lock_bh(&sk->sk_callback_lock);
	cep = sk->sk_user_data;
	if (cep)
		siw_cep_queue(cep, SIW_CEP_EV_DATA);
	read_unlock_bh(&sk->sk_callback_lock);
}

/*
 * A listener's sk_data_ready reports new connections. Accepted sockets
 * inherit callbacks and sk_user_data from the listener until we adopt
 * them: for those, behave like the socket's own callback.
 */
static void siw_cm_listen_data_ready(struct sock *sk)
{
	void (*orig)(struct sock *sk) = NULL;
	struct siw_cep *cep;

	read_lock_bh(&sk->sk_callback_lock);
	cep = sk->sk_user_data;
	if (cep) {
		if (sk->sk_state == TCP_LISTEN)
			siw_cep_queue(cep, SIW_CEP_EV_DATA);
		else
			orig = cep->sk_data_ready;
	}
	read_unlock_bh(&sk->sk_callback_lock);
	if (orig)
		orig(sk);
}

/*
 * Install our callbacks. @orig_data_ready: the socket's own
 * sk_data_ready if what is installed now is inherited (accepted
 * sockets), else NULL.
 */
static void siw_cep_sk_attach(struct siw_cep *cep, bool listener,
			      void (*orig_data_ready)(struct sock *sk))
{
	struct sock *sk = cep->sock->sk;

	siw_cep_get(cep);
	write_lock_bh(&sk->sk_callback_lock);
	sk->sk_user_data = cep;
	cep->sk_state_change = sk->sk_state_change;
	cep->sk_data_ready = orig_data_ready ? orig_data_ready :
					       sk->sk_data_ready;
	if (listener) {
		sk->sk_data_ready = siw_cm_listen_data_ready;
	} else {
		sk->sk_state_change = siw_cm_state_change;
		sk->sk_data_ready = siw_cm_data_ready;
	}
	cep->own_data_ready = true;
	write_unlock_bh(&sk->sk_callback_lock);
}

/* Give the socket's own sk_data_ready back, for RX to take over. */
static void siw_cep_sk_yield_data(struct siw_cep *cep)
{
	struct sock *sk = cep->sock->sk;

	write_lock_bh(&sk->sk_callback_lock);
	if (cep->own_data_ready)
		sk->sk_data_ready = cep->sk_data_ready;
	cep->own_data_ready = false;
	write_unlock_bh(&sk->sk_callback_lock);
}

static void siw_cep_sk_detach(struct siw_cep *cep)
{
	struct sock *sk = cep->sock->sk;
	bool ours;

	write_lock_bh(&sk->sk_callback_lock);
	ours = sk->sk_user_data == cep;
	if (ours) {
		sk->sk_user_data = NULL;
		sk->sk_state_change = cep->sk_state_change;
		if (cep->own_data_ready)
			sk->sk_data_ready = cep->sk_data_ready;
		cep->own_data_ready = false;
	}
	write_unlock_bh(&sk->sk_callback_lock);
	if (ours)
		siw_cep_put(cep);	/* never the last: the caller has one */
}

/*
 * ===================================================================
 * Policy, events, timeouts, teardown
 * ===================================================================
 */

/*
 * RFC 7306 atomics and immediate data, offered to (and accepted from)
 * peers that announce them the same way (SIW_MPA_FLAG_EXT). Read when a
 * connection is set up; writable so a host can stop offering them.
 */
static bool rdmap_ext = true;
module_param(rdmap_ext, bool, 0644);
MODULE_PARM_DESC(rdmap_ext,
		 "Offer RFC 7306 atomics and immediate data to siw peers (default: on)");

/*
 * FPDUs of up to 64 KiB, cut into segments by TCP (GSO/TSO), towards
 * peers that agree (SIW_MPA_FLAG_GSO: siw peers). One FPDU per MSS costs
 * a header, a CRC and a trip through TCP per 1.4 KiB on a 1500-byte MTU.
 */
static bool mpa_gso = true;
module_param(mpa_gso, bool, 0644);
MODULE_PARM_DESC(mpa_gso,
		 "Offer and accept FPDUs larger than the MSS with siw peers (default: on)");

/* The device's settings (siwctl dev set) as they are when a setup starts. */
static void siw_cm_policy(struct siw_device *sdev, struct siw_mpa_policy *pol,
			  u32 ird, u32 ord)
{
	struct siw_cm_config cfg;

	siw_device_get_config(sdev, &cfg);
	memset(pol, 0, sizeof(*pol));
	pol->rev = cfg.mpa_rev;
	pol->crc_required = cfg.crc_required;
	pol->crc_allowed = true;
	pol->markers_rx = cfg.markers;
	pol->markers_tx = cfg.markers;
	pol->enhanced = pol->rev == SIW_MPA_REV_2;
	/* cm.c sends and swallows RTRs itself: zero length Write only. */
	pol->p2p = cfg.peer_to_peer;
	pol->rtr = pol->p2p ? SIW_RTR_WRITE : 0;
	pol->ird = ird;
	pol->ord = ord;
	pol->max_ird = SIW_MAX_IRD_QP;
	pol->ext = READ_ONCE(rdmap_ext);
	pol->gso = READ_ONCE(mpa_gso);
}

static int siw_cep_upcall(struct siw_cep *cep, struct iw_cm_id *id,
			  enum iw_cm_event_type type, int status,
			  const void *pd, u16 pd_len)
{
	struct iw_cm_event ev = {
		.event = type,
		.status = status,
		.private_data = (void *)pd,
		.private_data_len = pd_len,
	};
	int rv;

	ev.local_addr = cep->laddr;
	ev.remote_addr = cep->raddr;
	trace_siw_cm_event(cep->sdev->base_dev.index, type, status);

	if (type == IW_CM_EVENT_CONNECT_REQUEST) {
		ev.provider_data = (void *)(uintptr_t)cep->id;
		/* What the ULP may use: ORD up to the peer's IRD, etc. */
		if (cep->req.enhanced) {
			ev.ird = min_t(u16, cep->req.ird, SIW_MAX_ORD_QP);
			ev.ord = min_t(u16, cep->req.ord, SIW_MAX_IRD_QP);
		} else {
			ev.ird = SIW_MAX_ORD_QP;
			ev.ord = SIW_MAX_IRD_QP;
		}
	} else if (type == IW_CM_EVENT_ESTABLISHED ||
		   (type == IW_CM_EVENT_CONNECT_REPLY && !status)) {
		ev.ird = cep->res.ird;
		ev.ord = cep->res.ord;
	}

	rv = id->event_handler(id, &ev);
	siw_cep_dbg(cep, "event %d status %d pd %u: %d\n", type, status,
		    pd_len, rv);
	return rv;
}

/* Socket options of the device's settings: small FPDUs go out at once. */
static void siw_cm_sock_options(struct siw_device *sdev, struct socket *sock)
{
	struct siw_cm_config cfg;

	siw_device_get_config(sdev, &cfg);
	if (cfg.tcp_nodelay)
		tcp_sock_set_nodelay(sock->sk);
}

static void siw_cep_arm_timeout(struct siw_cep *cep)
{
	unsigned long delay = msecs_to_jiffies(siw_cm_cfg.timeout_ms);

	cep->deadline = jiffies + delay;
	siw_cep_get(cep);
	if (mod_delayed_work(siw_cm_wq, &cep->timeout, delay))
		siw_cep_put(cep);	/* was armed: keeps its reference */
}

static void siw_cep_cancel_timeout(struct siw_cep *cep)
{
	if (cancel_delayed_work(&cep->timeout))
		siw_cep_put(cep);
}

/*
 * End an endpoint: no more events. Releases the socket (or shuts it down
 * if the QP owns it), the iw_cm_id and QP references, and the endpoint's
 * own reference. The caller holds the lock and another reference.
 */
static void siw_cep_finish(struct siw_cep *cep)
{
	struct siw_cep *lcep = cep->listener;

	siw_cep_cancel_timeout(cep);
	if (lcep) {
		spin_lock(&lcep->children_lock);
		list_del_init(&cep->child_entry);
		spin_unlock(&lcep->children_lock);
	}
	if (cep->sock) {
		if (cep->rx_attached)
			siw_rx_detach(cep->qp);
		cep->rx_attached = false;
		siw_cep_sk_detach(cep);
		if (cep->qp_bound) {
			/* qp->sock stays valid until the QP is destroyed */
			kernel_sock_shutdown(cep->sock, SHUT_RDWR);
		} else {
			siw_sock_free(cep->sock);
			cep->sock = NULL;
		}
	}
	if (cep->cm_id) {
		cep->cm_id->rem_ref(cep->cm_id);
		cep->cm_id = NULL;
	}
	if (cep->qp) {
		siw_qp_put(cep->qp);
		cep->qp = NULL;
	}
	if (cep->state != SIW_CEP_CLOSED) {
		siw_cep_dbg(cep, "closed\n");
		cep->state = SIW_CEP_CLOSED;
		siw_cep_put(cep);
	}
}

/* Active side: the connection did not come about. */
static void siw_cep_connect_failed(struct siw_cep *cep, int status,
				   const void *pd, u16 pd_len)
{
	if (cep->cm_id)
		siw_cep_upcall(cep, cep->cm_id, IW_CM_EVENT_CONNECT_REPLY,
			       status, pd, pd_len);
	siw_cep_finish(cep);
}

/*
 * The connection of a connected endpoint ends: @graceful when the peer
 * closed its side in order. The QP goes to ERROR, iw_cm learns it with
 * DISCONNECT (graceful only) and CLOSE.
 */
static void siw_cep_disconnect(struct siw_cep *cep, bool graceful)
{
	struct iw_cm_id *id = cep->cm_id;

	siw_cep_dbg(cep, "disconnect, %s\n", graceful ? "graceful" : "abort");
	cep->state = SIW_CEP_CLOSING;
	if (id && graceful)
		siw_cep_upcall(cep, id, IW_CM_EVENT_DISCONNECT, 0, NULL, 0);

	/* No more bytes either way, then RX lets go of the socket. */
	kernel_sock_shutdown(cep->sock, SHUT_RDWR);
	if (cep->rx_attached)
		siw_rx_detach(cep->qp);
	cep->rx_attached = false;
	if (cep->qp)
		siw_qp_llp_closed(cep->qp);

	if (id)
		siw_cep_upcall(cep, id, IW_CM_EVENT_CLOSE, 0, NULL, 0);
	siw_cep_finish(cep);
}

/* Responder: tell the initiator no; the caller then ends the endpoint. */
static void siw_cep_send_reject(struct siw_cep *cep, const void *pd,
				u8 pd_len)
{
	struct siw_mpa_rr rep;
	u8 *frame;
	int len;

	if (siw_mpa_reject_init(&cep->req, pd, pd_len, &rep))
		return;
	frame = kmalloc(SIW_MPA_MAX_FRAME, GFP_KERNEL);
	if (!frame)
		return;
	len = siw_mpa_encode(&rep, frame, SIW_MPA_MAX_FRAME);
	if (len > 0) {
		siw_cm_trace_mpa(cep, true, frame, len);
		siw_sock_send(cep->sock, frame, len);
	}
	kfree(frame);
}

/*
 * Hand the socket to the QP: from here on it carries FPDUs only. The QP
 * keeps an endpoint reference (see cm.h).
 */
static int siw_cep_connect_qp(struct siw_cep *cep)
{
	struct siw_conn_params params = {
		.mpa_rev = cep->res.rev,
		.crc = cep->res.crc,
		.markers_tx = cep->res.markers_tx,
		.markers_rx = cep->res.markers_rx,
		.ext = cep->res.ext,
		.gso = cep->res.gso,
	};
	int rv;

	siw_cep_sk_yield_data(cep);
	siw_cep_get(cep);
	rv = siw_qp_connect(cep->qp, cep->sock, cep, &params, cep->res.ird,
			    cep->res.ord);
	if (rv) {
		siw_cep_put(cep);
		siw_cep_dbg(cep, "QP %u connect: %d\n", siw_qp_id(cep->qp), rv);
		return rv;
	}
	cep->qp_bound = true;
	siw_rx_attach(cep->qp);
	cep->rx_attached = true;
	siw_cep_dbg(cep, "QP %u connected, rev %u crc %d markers %d/%d ird %u ord %u ext %d gso %d\n",
		    siw_qp_id(cep->qp), params.mpa_rev, params.crc,
		    params.markers_tx, params.markers_rx, cep->res.ird,
		    cep->res.ord, params.ext, params.gso);
	return 0;
}

/*
 * Read the rest of an MPA request or reply into rx_frame, never beyond
 * its end. 0 when complete, -EAGAIN to wait for more, another negative
 * errno when the stream failed, a positive cause for a bad header.
 */
static int siw_cep_read_mpa(struct siw_cep *cep, enum siw_mpa_type type)
{
	struct siw_mpa_rr hdr;
	size_t want;
	int rv;

	for (;;) {
		want = SIW_MPA_HDR_LEN;
		if (cep->rx_len >= SIW_MPA_HDR_LEN) {
			rv = siw_mpa_parse_hdr(cep->rx_frame, cep->rx_len, type,
					       &hdr);
			if (rv)
				return rv;
			want = hdr.frame_len;
			if (cep->rx_len >= want) {
				siw_cm_trace_mpa(cep, false, cep->rx_frame,
						 cep->rx_len);
				return 0;
			}
		}
		rv = siw_sock_recv(cep->sock, cep->rx_frame + cep->rx_len,
				   want - cep->rx_len);
		if (rv <= 0)
			return rv ? rv : -ECONNRESET;
		cep->rx_len += rv;
	}
}

/*
 * Peer-to-peer (RFC 6581): the RTR is a zero length RDMA Write, the
 * initiator's first FPDU. cm.c sends and swallows it, so the QP never
 * sees it; without markers it is 20 bytes at stream offset 0.
 */
#define SIW_RTR_ULPDU_LEN	SIW_DDP_TAGGED_HDR_LEN

static int siw_cep_send_rtr(struct siw_cep *cep)
{
	struct siw_iwarp_hdr h = {
		.opcode = SIW_RDMAP_OP_WRITE,
		.last = true,
	};
	u8 frame[SIW_MPA_LEN_SIZE + SIW_RTR_ULPDU_LEN];
	u8 wire[SIW_MPA_LEN_SIZE + SIW_RTR_ULPDU_LEN + SIW_MPA_FPDU_OVERHEAD];
	int len;

	len = siw_iwarp_build(&h, 0, frame, sizeof(frame));
	if (len < 0)
		return len;
	len = siw_fpdu_build(0, frame, len, false, cep->res.crc, wire,
			     sizeof(wire));
	if (len < 0)
		return len;
	return siw_sock_send(cep->sock, wire, len);
}

/* 0 once the RTR is read and valid, -EAGAIN to wait, else failure. */
static int siw_cep_read_rtr(struct siw_cep *cep)
{
	size_t want = siw_fpdu_len(SIW_RTR_ULPDU_LEN);
	u8 frame[SIW_MPA_LEN_SIZE + SIW_RTR_ULPDU_LEN];
	struct siw_fpdu_layout fl;
	struct siw_iwarp_hdr h;
	int rv;

	while (cep->rx_len < want) {
		rv = siw_sock_recv(cep->sock, cep->rx_frame + cep->rx_len,
				   want - cep->rx_len);
		if (rv <= 0)
			return rv ? rv : -ECONNRESET;
		cep->rx_len += rv;
		/* Anything but an RTR shows in the length field. */
		if (cep->rx_len >= SIW_MPA_LEN_SIZE &&
		    siw_get_be16(cep->rx_frame) != SIW_RTR_ULPDU_LEN)
			return -EPROTO;
	}
	rv = siw_fpdu_parse(cep->rx_frame, cep->rx_len, 0, false, cep->res.crc,
			    frame, sizeof(frame), &fl);
	if (!rv)
		rv = siw_iwarp_parse(frame, sizeof(frame), 0, &h);
	if (rv)
		return -EPROTO;
	if (h.opcode != SIW_RDMAP_OP_WRITE || !h.last || h.payload_len)
		return -EPROTO;
	return 0;
}

/*
 * ===================================================================
 * Active side
 * ===================================================================
 */

static void siw_cep_proc_mpa_rep(struct siw_cep *cep)
{
	struct siw_mpa_rr rep;
	int rv;

	rv = siw_cep_read_mpa(cep, SIW_MPA_REP);
	if (rv == -EAGAIN)
		return;
	if (rv) {
		siw_cep_dbg(cep, "reading the reply: %d\n", rv);
		siw_cep_connect_failed(cep, -ECONNRESET, NULL, 0);
		return;
	}
	rv = siw_mpa_parse(cep->rx_frame, cep->rx_len, SIW_MPA_REP, &rep);
	if (!rv && rep.pd_len > SIW_CM_MAX_PD)
		rv = SIW_ERR_MPA_REQ_REP;
	if (!rv)
		rv = siw_mpa_negotiate_rep(&cep->pol, &cep->req, &rep,
					   &cep->res);
	if (rv == -ECONNREFUSED) {
		siw_cep_dbg(cep, "rejected by the peer\n");
		siw_cep_connect_failed(cep, -ECONNREFUSED, rep.pd, rep.pd_len);
		return;
	}
	if (rv) {
		siw_cep_dbg(cep, "unacceptable reply: %d\n", rv);
		siw_cep_connect_failed(cep, -ECONNRESET, NULL, 0);
		return;
	}
	if (cep->res.p2p) {
		rv = siw_cep_send_rtr(cep);
		if (rv) {
			siw_cep_connect_failed(cep, -ECONNRESET, NULL, 0);
			return;
		}
	}
	rv = siw_cep_connect_qp(cep);
	if (rv) {
		siw_cep_connect_failed(cep, -ECONNRESET, NULL, 0);
		return;
	}
	siw_cep_cancel_timeout(cep);
	cep->state = SIW_CEP_CONNECTED;
	siw_cep_upcall(cep, cep->cm_id, IW_CM_EVENT_CONNECT_REPLY, 0, rep.pd,
		       rep.pd_len);
}

/* TCP connect finished one way or the other: send the MPA request. */
static void siw_cep_connecting(struct siw_cep *cep)
{
	struct sock *sk = cep->sock->sk;
	int state = READ_ONCE(sk->sk_state);
	int rv;

	if (state == TCP_SYN_SENT)
		return;
	if (state != TCP_ESTABLISHED) {
		rv = sock_error(sk);
		siw_cep_dbg(cep, "TCP connect failed: %d, state %d\n", rv,
			    state);
		siw_cep_connect_failed(cep, rv ? rv : -ECONNRESET, NULL, 0);
		return;
	}
	siw_cep_getnames(cep);
	siw_cm_trace_mpa(cep, true, cep->tx_frame, cep->tx_len);
	rv = siw_sock_send(cep->sock, cep->tx_frame, cep->tx_len);
	if (rv) {
		siw_cep_connect_failed(cep, -ECONNRESET, NULL, 0);
		return;
	}
	cep->state = SIW_CEP_AWAIT_MPA_REP;
	siw_cep_arm_timeout(cep);
	siw_cep_proc_mpa_rep(cep);
}

static int siw_iw_connect(struct iw_cm_id *id, struct iw_cm_conn_param *param)
{
	struct siw_device *sdev = to_siw_dev(id->device);
	struct sockaddr_storage laddr = id->m_local_addr;
	struct sockaddr_storage *raddr = &id->m_remote_addr;
	int alen = siw_addr_len(raddr);
	struct siw_cep *cep;
	struct siw_qp *qp;
	int rv;

	if (!alen || laddr.ss_family != raddr->ss_family)
		return -EAFNOSUPPORT;
	if (param->ird > SIW_MAX_IRD_QP || param->ord > SIW_MAX_ORD_QP ||
	    param->private_data_len > SIW_CM_MAX_PD ||
	    (param->private_data_len && !param->private_data))
		return -EINVAL;

	qp = siw_qp_get_by_id(sdev, param->qpn);
	if (!qp)
		return -EINVAL;
	cep = siw_cep_alloc(sdev);
	if (!cep) {
		siw_qp_put(qp);
		return -ENOMEM;
	}
	mutex_lock(&cep->lock);
	cep->qp = qp;
	cep->state = SIW_CEP_CONNECTING;

	/* The request goes out as soon as TCP is up. */
	siw_cm_policy(cep->sdev, &cep->pol, param->ird, param->ord);
	cep->pol.ext &= siw_qp_ext_capable(qp);
	rv = siw_mpa_req_init(&cep->pol, param->private_data,
			      param->private_data_len, &cep->req);
	if (rv)
		goto err;
	cep->tx_frame = kmalloc(SIW_MPA_MAX_FRAME, GFP_KERNEL);
	if (!cep->tx_frame) {
		rv = -ENOMEM;
		goto err;
	}
	rv = siw_mpa_encode(&cep->req, cep->tx_frame, SIW_MPA_MAX_FRAME);
	if (rv < 0)
		goto err;
	cep->tx_len = rv;
	cep->req.pd = cep->tx_frame + cep->tx_len - cep->req.pd_len;

	rv = siw_sock_create(cep, raddr->ss_family);
	if (rv)
		goto err;
	/* Bind the local address so that the route uses our netdev. */
	if (!siw_addr_any(&laddr) || siw_addr_port(&laddr)) {
		rv = kernel_bind(cep->sock, (struct sockaddr *)&laddr, alen);
		if (rv == -EADDRINUSE && siw_addr_port(&laddr)) {
			/* rdma_cm's port is not TCP's: take any free one */
			siw_addr_set_port(&laddr, 0);
			rv = kernel_bind(cep->sock, (struct sockaddr *)&laddr,
					 alen);
		}
		if (rv)
			goto err;
	}
	siw_cm_sock_options(cep->sdev, cep->sock);
	siw_cep_sk_attach(cep, false, NULL);

	cep->cm_id = id;
	id->add_ref(id);
	siw_cep_set_handle(id, cep);

	rv = kernel_connect(cep->sock, (struct sockaddr *)raddr, alen,
			    O_NONBLOCK);
	if (rv && rv != -EINPROGRESS) {
		siw_cep_set_handle(id, NULL);
		goto err;
	}
	siw_cep_dbg(cep, "connect %pISpc -> %pISpc, QP %u\n", &laddr, raddr,
		    siw_qp_id(qp));
	siw_cep_arm_timeout(cep);
	/* Loopback may be up already; the callback is installed anyway. */
	siw_cep_queue(cep, SIW_CEP_EV_STATE);
	mutex_unlock(&cep->lock);
	return 0;

err:
	/* iw_cm delivers no events when we fail here. */
	siw_cep_dbg(cep, "connect failed: %d\n", rv);
	siw_cep_finish(cep);
	mutex_unlock(&cep->lock);
	return rv;
}

/*
 * ===================================================================
 * Passive side
 * ===================================================================
 */

static void siw_cep_proc_mpa_req(struct siw_cep *cep)
{
	struct siw_cep *lcep = cep->listener;
	struct siw_mpa_policy pol;
	struct siw_mpa_result res;
	int rv;

	rv = siw_cep_read_mpa(cep, SIW_MPA_REQ);
	if (rv == -EAGAIN)
		return;
	if (!rv)
		rv = siw_mpa_parse(cep->rx_frame, cep->rx_len, SIW_MPA_REQ,
				   &cep->req);
	if (rv) {
		/* Not MPA or no request: nobody to tell. */
		siw_cep_dbg(cep, "reading the request: %d\n", rv);
		siw_cep_finish(cep);
		return;
	}

	/* Refuse what no accept could agree to before bothering the ULP. */
	siw_cm_policy(lcep->sdev, &pol, 0, 0);
	rv = siw_mpa_negotiate_req(&pol, &cep->req, &res);
	if (!rv && cep->req.pd_len > SIW_CM_MAX_PD)
		rv = SIW_ERR_MPA_REQ_REP;
	if (rv) {
		siw_cep_dbg(cep, "refusing the request: %d\n", rv);
		siw_cep_send_reject(cep, NULL, 0);
		siw_cep_finish(cep);
		return;
	}

	mutex_lock_nested(&lcep->lock, SIW_CEP_LOCK_LISTENER);
	if (lcep->state == SIW_CEP_LISTENING && lcep->cm_id) {
		cep->state = SIW_CEP_RECVD_MPA_REQ;
		rv = siw_cep_upcall(cep, lcep->cm_id,
				    IW_CM_EVENT_CONNECT_REQUEST, 0,
				    cep->req.pd, cep->req.pd_len);
	} else {
		rv = -ECONNABORTED;
	}
	mutex_unlock(&lcep->lock);
	if (rv) {
		/* The listener is gone or over its backlog. */
		siw_cep_send_reject(cep, NULL, 0);
		siw_cep_finish(cep);
		return;
	}

	/* The ULP has it: the listener's teardown leaves it alone. */
	spin_lock(&lcep->children_lock);
	list_del_init(&cep->child_entry);
	spin_unlock(&lcep->children_lock);
	siw_cep_arm_timeout(cep);
}

/*
 * Adopt a freshly accepted connection for listener @lcep. The accepting
 * endpoint's lock is held; @orig_data_ready is its socket's own callback.
 */
static void siw_cep_adopt(struct siw_cep *lcep, struct socket *sock,
			  void (*orig_data_ready)(struct sock *sk))
{
	struct siw_cep *cep;

	cep = siw_cep_alloc(lcep->sdev);
	if (!cep) {
		siw_sock_free(sock);
		return;
	}
	siw_cep_get(lcep);
	cep->listener = lcep;
	cep->sock = sock;
	cep->state = SIW_CEP_AWAIT_MPA_REQ;
	siw_cm_sock_options(cep->sdev, sock);
	siw_cep_getnames(cep);

	spin_lock(&lcep->children_lock);
	list_add_tail(&cep->child_entry, &lcep->children);
	spin_unlock(&lcep->children_lock);

	siw_cep_dbg(cep, "accepted %pISpc <- %pISpc\n", &cep->laddr,
		    &cep->raddr);
	siw_cep_arm_timeout(cep);
	siw_cep_sk_attach(cep, false, orig_data_ready);
	/* The request may be queued already. */
	siw_cep_queue(cep, SIW_CEP_EV_DATA);
}

/* Does @netdev hold the address @addr? */
static bool siw_netdev_has_addr(struct net_device *netdev,
				const struct sockaddr_storage *addr)
{
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)addr;
	const struct sockaddr_in *sin = (const struct sockaddr_in *)addr;
	const struct in_ifaddr *ifa;
	struct in_device *in_dev;
	bool found = false;

	if (addr->ss_family == AF_INET6)
		return ipv6_chk_addr(dev_net(netdev), &sin6->sin6_addr, netdev,
				     1);
	if (addr->ss_family != AF_INET)
		return false;
	rcu_read_lock();
	in_dev = __in_dev_get_rcu(netdev);
	if (in_dev) {
		in_dev_for_each_ifa_rcu(ifa, in_dev) {
			if (ifa->ifa_local == sin->sin_addr.s_addr) {
				found = true;
				break;
			}
		}
	}
	rcu_read_unlock();
	return found;
}

/*
 * A shared wildcard socket's connection goes to the member listener of
 * the device that owns the local address, else to the first member (the
 * ULP then refuses what it cannot route). The port's lock is held: its
 * members' devices are registered.
 */
static struct siw_cep *siw_cm_port_pick(struct siw_cep *port,
					struct socket *sock)
{
	struct sockaddr_storage laddr;
	struct siw_cep *m;

	if (siw_sock_getname(sock, &laddr, false))
		return NULL;
	list_for_each_entry(m, &port->members, member_entry)
		if (siw_netdev_has_addr(m->sdev->netdev, &laddr))
			return m;
	return list_first_entry_or_null(&port->members, struct siw_cep,
					member_entry);
}

static void siw_cep_accept_all(struct siw_cep *lcep)
{
	struct siw_cep *target;
	struct socket *sock;

	while (!kernel_accept(lcep->sock, &sock, O_NONBLOCK)) {
		target = lcep->is_port ? siw_cm_port_pick(lcep, sock) : lcep;
		if (target)
			siw_cep_adopt(target, sock, lcep->sk_data_ready);
		else
			siw_sock_free(sock);
	}
}

/*
 * End shared port @cep from outside its lock, holding no reference of
 * one's own (a joining listener's lock may be held).
 */
static void siw_cm_port_end(struct siw_cep *cep)
{
	siw_cep_get(cep);
	mutex_lock_nested(&cep->lock, SIW_CEP_LOCK_PORT);
	siw_cep_finish(cep);
	mutex_unlock(&cep->lock);
	siw_cep_put(cep);
}

/* @cep is LISTENING from now on; counted once until it is freed. */
static void siw_cep_set_listening(struct siw_cep *cep)
{
	cep->state = SIW_CEP_LISTENING;
	if (!cep->listened) {
		cep->listened = true;
		siw_live_inc(SIW_OBJ_LISTENER);
	}
}

/* A listening socket for @cep, which then is LISTENING. */
static int siw_cep_listen(struct siw_cep *cep,
			  const struct sockaddr_storage *laddr, bool v6only,
			  int backlog)
{
	int rv;

	rv = siw_sock_create(cep, laddr->ss_family);
	if (rv)
		return rv;
	/* Allow a new listener while old connections sit in TIME_WAIT. */
	sock_set_reuseaddr(cep->sock->sk);
	if (laddr->ss_family == AF_INET6 && v6only) {
		rv = ip6_sock_set_v6only(cep->sock->sk);
		if (rv)
			return rv;
	}
	rv = kernel_bind(cep->sock, (struct sockaddr *)laddr,
			 siw_addr_len(laddr));
	if (rv)
		return rv;
	siw_cep_sk_attach(cep, true, NULL);
	rv = kernel_listen(cep->sock, backlog);
	if (rv)
		return rv;
	cep->laddr = *laddr;
	siw_cep_set_listening(cep);
	return 0;
}

/* Shared wildcard sockets (ports), by namespace, family, port, v6only. */
static LIST_HEAD(siw_cm_ports);
static DEFINE_MUTEX(siw_cm_ports_lock);

/* Make @member a wildcard listener on the shared socket of its port. */
static int siw_cm_port_join(struct siw_cep *member,
			    const struct sockaddr_storage *laddr, bool v6only,
			    int backlog)
{
	struct net *net = dev_net(member->sdev->netdev);
	struct siw_cep *port, *m;
	bool found = false;
	int rv = 0;

	mutex_lock(&siw_cm_ports_lock);
	list_for_each_entry(port, &siw_cm_ports, port_entry) {
		if (port->net == net && port->v6only == v6only &&
		    port->laddr.ss_family == laddr->ss_family &&
		    siw_addr_port(&port->laddr) == siw_addr_port(laddr)) {
			found = true;
			break;
		}
	}
	if (!found) {
		port = siw_cep_alloc(member->sdev);
		if (!port) {
			rv = -ENOMEM;
			goto out;
		}
		port->is_port = true;
		port->net = net;
		port->v6only = v6only;
		mutex_lock_nested(&port->lock, SIW_CEP_LOCK_PORT);
		rv = siw_cep_listen(port, laddr, v6only, backlog);
		mutex_unlock(&port->lock);
		if (rv) {
			siw_cm_port_end(port);
			goto out;
		}
		list_add_tail(&port->port_entry, &siw_cm_ports);
		siw_cep_dbg(port, "shared listen on %pISpc\n", laddr);
	}

	mutex_lock_nested(&port->lock, SIW_CEP_LOCK_PORT);
	list_for_each_entry(m, &port->members, member_entry)
		if (m->sdev == member->sdev)
			rv = -EADDRINUSE;
	if (!rv) {
		siw_cep_get(port);
		member->port = port;
		list_add_tail(&member->member_entry, &port->members);
	}
	mutex_unlock(&port->lock);
out:
	mutex_unlock(&siw_cm_ports_lock);
	return rv;
}

/* A member is done: the port's socket goes with its last member. */
static void siw_cm_port_leave(struct siw_cep *member)
{
	struct siw_cep *port = member->port;

	mutex_lock(&siw_cm_ports_lock);
	mutex_lock_nested(&port->lock, SIW_CEP_LOCK_PORT);
	list_del_init(&member->member_entry);
	if (list_empty(&port->members) && port->state == SIW_CEP_LISTENING) {
		list_del_init(&port->port_entry);
		siw_cep_finish(port);	/* the member still holds a ref */
	}
	mutex_unlock(&port->lock);
	mutex_unlock(&siw_cm_ports_lock);
}

/*
 * The namespace of the listener behind @id, or NULL if unknown. rdma_cm,
 * iw_cm's only user, listens on every iWARP device for a wildcard
 * address whatever namespace the device's netdev is in; the context of
 * its iw_cm_id is its rdma_id_private, which starts with the rdma_cm_id
 * naming the namespace. The device check guards that assumption.
 */
static struct net *siw_listen_net(struct iw_cm_id *id)
{
	struct rdma_cm_id *cm_id = id->context;

	if (!cm_id || cm_id->device != id->device)
		return NULL;
	return cm_id->route.addr.dev_addr.net;
}

static int siw_iw_create_listen(struct iw_cm_id *id, int backlog)
{
	struct siw_device *sdev = to_siw_dev(id->device);
	struct sockaddr_storage *laddr = &id->m_local_addr;
	struct net *net = siw_listen_net(id);
	struct siw_cep *cep;
	int rv;

	if (!siw_addr_len(laddr))
		return -EAFNOSUPPORT;
	cep = siw_cep_alloc(sdev);
	if (!cep)
		return -ENOMEM;
	mutex_lock(&cep->lock);

	if (net && !net_eq(net, dev_net(sdev->netdev))) {
		/*
		 * Another namespace's listener: no connection for it can
		 * arrive on this device, and taking the port here would
		 * steal it from this namespace's own listeners.
		 */
		cep->laddr = *laddr;
		cep->state = SIW_CEP_LISTENING;
	} else if (siw_addr_any(laddr)) {
		rv = siw_cm_port_join(cep, laddr, id->afonly, backlog);
		if (rv)
			goto err;
		cep->laddr = *laddr;
		siw_cep_set_listening(cep);
	} else {
		rv = siw_cep_listen(cep, laddr, id->afonly, backlog);
		if (rv)
			goto err;
	}
	cep->cm_id = id;
	id->add_ref(id);
	siw_cep_set_handle(id, cep);
	siw_cep_dbg(cep, "listen on %pISpc, backlog %d\n", laddr, backlog);
	mutex_unlock(&cep->lock);
	return 0;

err:
	siw_cep_dbg(cep, "listen on %pISpc failed: %d\n", laddr, rv);
	siw_cep_finish(cep);
	mutex_unlock(&cep->lock);
	return rv;
}

static int siw_iw_destroy_listen(struct iw_cm_id *id)
{
	struct siw_cep *lcep, *cep;
	bool got;

	lcep = siw_cep_lookup(id);
	if (!lcep)
		return 0;

	mutex_lock(&lcep->lock);
	siw_cep_dbg(lcep, "destroy listener\n");
	if (lcep->state == SIW_CEP_LISTENING)
		siw_cep_finish(lcep);
	mutex_unlock(&lcep->lock);
	siw_cep_set_handle(id, NULL);
	if (lcep->port)
		siw_cm_port_leave(lcep);

	/* Connections the ULP has not seen yet go with the listener. */
	for (;;) {
		spin_lock(&lcep->children_lock);
		cep = list_first_entry_or_null(&lcep->children,
					       struct siw_cep, child_entry);
		if (!cep) {
			spin_unlock(&lcep->children_lock);
			break;
		}
		list_del_init(&cep->child_entry);
		got = kref_get_unless_zero(&cep->ref);
		spin_unlock(&lcep->children_lock);
		if (!got)
			continue;

		mutex_lock(&cep->lock);
		if (cep->state == SIW_CEP_AWAIT_MPA_REQ)
			siw_cep_finish(cep);
		mutex_unlock(&cep->lock);
		siw_cep_put(cep);
	}
	siw_cep_put(lcep);
	return 0;
}

static int siw_iw_accept(struct iw_cm_id *id, struct iw_cm_conn_param *param)
{
	struct siw_device *sdev = to_siw_dev(id->device);
	struct siw_mpa_rr rep;
	struct siw_cep *cep;
	u8 *frame = NULL;
	int rv, len;

	cep = siw_cep_lookup(id);
	if (!cep)
		return -ECONNRESET;
	mutex_lock(&cep->lock);
	if (cep->state != SIW_CEP_RECVD_MPA_REQ) {
		rv = -ECONNRESET;
		goto out;
	}
	/* iw_cm sends no events after a failed accept: refuse the peer. */
	if (param->ird > SIW_MAX_IRD_QP || param->ord > SIW_MAX_ORD_QP ||
	    param->private_data_len > SIW_CM_MAX_PD ||
	    (param->private_data_len && !param->private_data)) {
		rv = -EINVAL;
		goto reject;
	}
	cep->qp = siw_qp_get_by_id(sdev, param->qpn);
	if (!cep->qp) {
		rv = -EINVAL;
		goto reject;
	}

	siw_cm_policy(cep->sdev, &cep->pol, param->ird, param->ord);
	cep->pol.ext &= siw_qp_ext_capable(cep->qp);
	rv = siw_mpa_negotiate_req(&cep->pol, &cep->req, &cep->res);
	if (rv) {
		rv = rv > 0 ? -ECONNREFUSED : rv;
		goto reject;
	}
	rv = siw_mpa_rep_init(&cep->res, param->private_data,
			      param->private_data_len, &rep);
	if (rv)
		goto reject;
	frame = kmalloc(SIW_MPA_MAX_FRAME, GFP_KERNEL);
	if (!frame) {
		rv = -ENOMEM;
		goto reject;
	}
	len = siw_mpa_encode(&rep, frame, SIW_MPA_MAX_FRAME);
	if (len < 0) {
		rv = len;
		goto reject;
	}

	cep->cm_id = id;
	id->add_ref(id);
	siw_cm_trace_mpa(cep, true, frame, len);
	rv = siw_sock_send(cep->sock, frame, len);
	if (rv)
		goto abort;

	if (cep->res.p2p) {
		/* ESTABLISHED once the initiator's RTR is in. */
		cep->rx_len = 0;
		cep->state = SIW_CEP_AWAIT_RTR;
		siw_cep_arm_timeout(cep);
		siw_cep_queue(cep, SIW_CEP_EV_DATA);
		goto out;
	}
	rv = siw_cep_connect_qp(cep);
	if (rv)
		goto abort;
	siw_cep_cancel_timeout(cep);
	cep->state = SIW_CEP_CONNECTED;
	siw_cep_upcall(cep, id, IW_CM_EVENT_ESTABLISHED, 0, NULL, 0);
	goto out;

reject:
	siw_cep_send_reject(cep, NULL, 0);
abort:
	siw_cep_dbg(cep, "accept failed: %d\n", rv);
	siw_cep_finish(cep);
out:
	mutex_unlock(&cep->lock);
	kfree(frame);
	siw_cep_put(cep);
	return rv;
}

static int siw_iw_reject(struct iw_cm_id *id, const void *pd, u8 pd_len)
{
	struct siw_cep *cep;
	int rv = 0;

	cep = siw_cep_lookup(id);
	if (!cep)
		return -ECONNRESET;
	mutex_lock(&cep->lock);
	if (cep->state == SIW_CEP_RECVD_MPA_REQ) {
		siw_cep_dbg(cep, "reject, pd %u\n", pd_len);
		siw_cep_send_reject(cep, pd, pd_len);
		siw_cep_finish(cep);
	} else {
		rv = -ECONNRESET;
	}
	mutex_unlock(&cep->lock);
	siw_cep_put(cep);
	return rv;
}

/*
 * Responder, peer-to-peer: iw_accept() returned 0, so iw_cm waits for
 * ESTABLISHED whatever happens; a failure follows it with CLOSE.
 */
static void siw_cep_proc_rtr(struct siw_cep *cep, bool timeout)
{
	struct iw_cm_id *id = cep->cm_id;
	int rv;

	rv = timeout ? -ETIMEDOUT : siw_cep_read_rtr(cep);
	if (rv == -EAGAIN)
		return;
	if (!rv)
		rv = siw_cep_connect_qp(cep);
	siw_cep_cancel_timeout(cep);
	cep->state = SIW_CEP_CONNECTED;
	siw_cep_upcall(cep, id, IW_CM_EVENT_ESTABLISHED, 0, NULL, 0);
	if (rv) {
		siw_cep_dbg(cep, "no RTR: %d\n", rv);
		siw_cep_disconnect(cep, false);
	}
}

/*
 * ===================================================================
 * Event processing
 * ===================================================================
 */

static void siw_cep_connected_event(struct siw_cep *cep, unsigned long ev)
{
	int state = READ_ONCE(cep->sock->sk->sk_state);

	if (ev & BIT(SIW_CEP_EV_CLOSE))
		siw_cep_disconnect(cep, false);
	else if (state == TCP_CLOSE_WAIT)
		siw_cep_disconnect(cep, true);
	else if (state == TCP_CLOSE)
		siw_cep_disconnect(cep, false);
}

static void siw_cep_work(struct work_struct *work)
{
	struct siw_cep *cep = container_of(work, struct siw_cep, work);
	unsigned long ev;

	mutex_lock(&cep->lock);
	ev = xchg(&cep->events, 0);
	switch (cep->state) {
	case SIW_CEP_LISTENING:
		if (cep->sock)	/* wildcard members have none */
			siw_cep_accept_all(cep);
		break;
	case SIW_CEP_CONNECTING:
		siw_cep_connecting(cep);
		break;
	case SIW_CEP_AWAIT_MPA_REP:
		siw_cep_proc_mpa_rep(cep);
		break;
	case SIW_CEP_AWAIT_MPA_REQ:
		siw_cep_proc_mpa_req(cep);
		break;
	case SIW_CEP_RECVD_MPA_REQ:
		/* The peer gave up before the ULP decided. */
		if (READ_ONCE(cep->sock->sk->sk_state) != TCP_ESTABLISHED)
			siw_cep_finish(cep);
		break;
	case SIW_CEP_AWAIT_RTR:
		siw_cep_proc_rtr(cep, false);
		break;
	default:
		break;
	}
	/* Also right after connecting: a close may have come with it. */
	if (cep->state == SIW_CEP_CONNECTED)
		siw_cep_connected_event(cep, ev);
	mutex_unlock(&cep->lock);
	siw_cep_put(cep);
}

static void siw_cep_timeout(struct work_struct *work)
{
	struct siw_cep *cep = container_of(to_delayed_work(work),
					   struct siw_cep, timeout);

	mutex_lock(&cep->lock);
	/* Re-armed for a later step while this one was running? */
	if (time_before(jiffies, cep->deadline))
		goto out;
	siw_cep_dbg(cep, "timeout\n");
	trace_siw_cm_timeout(cep->sdev->base_dev.index, cep->state);
	switch (cep->state) {
	case SIW_CEP_CONNECTING:
	case SIW_CEP_AWAIT_MPA_REP:
		siw_cep_connect_failed(cep, -ETIMEDOUT, NULL, 0);
		break;
	case SIW_CEP_AWAIT_MPA_REQ:
	case SIW_CEP_RECVD_MPA_REQ:
		siw_cep_finish(cep);
		break;
	case SIW_CEP_AWAIT_RTR:
		siw_cep_proc_rtr(cep, true);
		break;
	default:
		break;
	}
out:
	mutex_unlock(&cep->lock);
	siw_cep_put(cep);
}

/* qp.h: the QP left RTS (or sent a Terminate): close the connection. */
void siw_cm_close(struct siw_cep *cep)
{
	/*
	 * CLOSED is final: a close then only costs a worker wakeup (QP
	 * destroy after a disconnect). A stale other state just queues.
	 */
	if (cep && data_race(cep->state) != SIW_CEP_CLOSED)
		siw_cep_queue(cep, SIW_CEP_EV_CLOSE);
}

/*
 * ===================================================================
 * Module
 * ===================================================================
 */

const struct ib_device_ops siw_cm_ops = {
	.iw_accept = siw_iw_accept,
	.iw_connect = siw_iw_connect,
	.iw_create_listen = siw_iw_create_listen,
	.iw_destroy_listen = siw_iw_destroy_listen,
	.iw_reject = siw_iw_reject,
};

/* 0, or -EINVAL and in *@why what is wrong with @cfg. */
int siw_cm_config_check(const struct siw_cm_config *cfg, const char **why)
{
	if (cfg->mpa_rev != SIW_MPA_REV_1 && cfg->mpa_rev != SIW_MPA_REV_2)
		*why = "MPA revision must be 1 or 2";
	else if (cfg->peer_to_peer && (cfg->mpa_rev != SIW_MPA_REV_2 ||
				       cfg->markers))
		*why = "peer-to-peer mode needs MPA revision 2 and no markers";
	else if (!cfg->timeout_ms)
		*why = "the MPA timeout must not be 0";
	else
		return 0;
	return -EINVAL;
}

/* The module parameters' settings, which new devices start with. */
void siw_cm_default_config(struct siw_cm_config *cfg)
{
	*cfg = siw_cm_cfg;
}

int siw_cm_init(const struct siw_cm_config *cfg)
{
	const char *why;

	if (siw_cm_config_check(cfg, &why)) {
		pr_err("siw: module parameters: %s\n", why);
		return -EINVAL;
	}
	siw_cm_cfg = *cfg;

	/*
	 * Ordered: connection requests reach iw_cm in the order their MPA
	 * requests arrived, as the peer issued its connects. Applications
	 * that open several connections at once rely on that order to pair
	 * up their QPs (perftest -q N with rdma_cm numbers both ends' QPs by
	 * it, and a mismatch stalls its credit flow for good). No work item
	 * waits for long: sockets are non-blocking, the rest is event-driven.
	 * Kernel ULPs (NVMe-oF, NFS) connect while reclaiming memory.
	 */
	siw_cm_wq = alloc_ordered_workqueue("siw_cm", WQ_MEM_RECLAIM);
	if (!siw_cm_wq)
		return -ENOMEM;
	return 0;
}

/*
 * After every device is gone. What is left are endpoints whose QP never
 * dropped its reference, or passive ones whose CONNECT_REQUEST iw_cm
 * discarded: end them, then free what no one will put anymore.
 */
void siw_cm_exit(void)
{
	struct siw_cep *cep;
	unsigned long i;
	unsigned int left = 0;

	xa_for_each(&siw_cep_xa, i, cep) {
		if (!kref_get_unless_zero(&cep->ref))
			continue;
		mutex_lock(&cep->lock);
		siw_cep_finish(cep);
		mutex_unlock(&cep->lock);
		siw_cep_put(cep);
	}
	drain_workqueue(siw_cm_wq);

	/* Parents first or last: they all go, without their child refs. */
	xa_for_each(&siw_cep_xa, i, cep) {
		cep->listener = NULL;
		cep->port = NULL;
	}
	xa_for_each(&siw_cep_xa, i, cep) {
		left++;
		siw_cep_release(&cep->ref);
	}
	if (left)
		pr_warn("siw: %u connection endpoints were still referenced\n",
			left);
	destroy_workqueue(siw_cm_wq);
	rcu_barrier();
}
