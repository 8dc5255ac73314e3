/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Connection management: the endpoint (struct siw_cep) between an iw_cm
 * identifier and a kernel TCP socket, through MPA negotiation, the
 * connected phase and teardown. Documentation/connections.md has the
 * state machine and the rules below in prose.
 */
#ifndef _SIW_CM_H
#define _SIW_CM_H

#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/socket.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <net/sock.h>
#include <rdma/iw_cm.h>

#include "siw.h"
#include "proto/iwarp.h"

enum siw_cep_state {
	SIW_CEP_IDLE,
	SIW_CEP_LISTENING,	/* listener: accepting TCP connections */
	SIW_CEP_CONNECTING,	/* active: TCP connect in flight */
	SIW_CEP_AWAIT_MPA_REQ,	/* passive: accepted, reading the request */
	SIW_CEP_AWAIT_MPA_REP,	/* active: request sent, reading the reply */
	SIW_CEP_RECVD_MPA_REQ,	/* passive: the ULP accepts or rejects */
	SIW_CEP_AWAIT_RTR,	/* passive, peer-to-peer: reply sent, RTR due */
	SIW_CEP_CONNECTED,	/* the QP owns the byte stream */
	SIW_CEP_CLOSING,	/* teardown in progress */
	SIW_CEP_CLOSED,		/* done; may linger until the QP is destroyed */
	SIW_CEP_STATE_COUNT
};

/* Pending socket/QP events for the endpoint's work item (bit numbers) */
enum {
	SIW_CEP_EV_DATA,	/* sk_data_ready during the handshake */
	SIW_CEP_EV_STATE,	/* sk_state_change */
	SIW_CEP_EV_CLOSE,	/* siw_cm_close(): the QP left RTS */
};

struct siw_qp;

/*
 * References (kref): one while the endpoint is not CLOSED, one for
 * sk_user_data while siw's socket callbacks are installed, one per
 * queued work item or armed timeout, one held by the QP from a
 * successful siw_qp_connect() until the QP is destroyed (qp.c drops it
 * with siw_cep_put()), one per passive child on its listener, and
 * temporary ones of callers. Freed with kfree_rcu: iw_accept() and
 * iw_reject() find the endpoint through a handle in provider_data.
 */
struct siw_cep {
	struct kref ref;
	struct rcu_head rcu;
	u32 id;				/* handle in siw_cep_xa, provider_data */
	struct siw_device *sdev;	/* holds a device (struct device) ref */

	struct mutex lock;		/* everything below */
	enum siw_cep_state state;
	struct iw_cm_id *cm_id;		/* holds cm_id->add_ref() while set */
	struct socket *sock;
	struct siw_qp *qp;		/* holds a QP ref while set */
	bool qp_bound;			/* siw_qp_connect() succeeded */
	bool rx_attached;		/* siw_rx_attach() done */
	bool own_data_ready;		/* our sk_data_ready is installed */

	/* Listener: children not yet handed to the ULP. */
	struct siw_cep *listener;	/* passive: parent, ref held */
	struct list_head children;
	struct list_head child_entry;
	spinlock_t children_lock;	/* children, child_entry of those */

	/*
	 * Wildcard listeners of all siw devices on one port share a socket,
	 * owned by a port endpoint (is_port, no iw_cm_id) that hands each
	 * connection to the member whose netdev has the local address.
	 */
	bool is_port;
	bool listened;			/* counted as a live listener */
	bool v6only;			/* port: IPV6_V6ONLY */
	struct net *net;		/* port: namespace of the socket */
	struct siw_cep *port;		/* member: its port, ref held */
	struct list_head members;	/* port: member listeners */
	struct list_head member_entry;	/* member: in port->members */
	struct list_head port_entry;	/* port: in the list of ports */

	/* Socket callbacks saved while ours are installed */
	void (*sk_state_change)(struct sock *sk);
	void (*sk_data_ready)(struct sock *sk);

	struct work_struct work;	/* socket and QP events */
	unsigned long events;		/* SIW_CEP_EV_* bits */
	struct delayed_work timeout;	/* every handshake step */
	unsigned long deadline;		/* jiffies of the armed timeout */

	struct sockaddr_storage laddr;
	struct sockaddr_storage raddr;

	/* MPA negotiation */
	struct siw_mpa_policy pol;	/* local policy of this connection */
	struct siw_mpa_rr req;		/* sent (active) or received request */
	struct siw_mpa_result res;	/* outcome, fixed once connected */
	u8 *tx_frame;			/* active: encoded request */
	u16 tx_len;
	u16 rx_len;			/* bytes of rx_frame read so far */
	u8 rx_frame[SIW_MPA_MAX_FRAME];	/* request/reply being read */
};

/*
 * For RX: while siw owns a socket, sk->sk_user_data is its endpoint, and
 * ep->qp is the connected QP as long as RX is attached. Read it under
 * read_lock_bh(&sk->sk_callback_lock) (or in a callback).
 */
static inline struct siw_qp *siw_sk_to_qp(const struct sock *sk)
{
	struct siw_cep *cep = sk->sk_user_data;

	return cep ? cep->qp : NULL;
}

void siw_cep_put(struct siw_cep *cep);

#endif /* _SIW_CM_H */
