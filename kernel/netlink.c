// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The siw generic-netlink family: devices (settings, object counts,
 * counters), QPs (state, addresses, queues, counters), TX threads, stats
 * reset, and the "monitor" multicast group. The spec is
 * Documentation/netlink/specs/siw.yaml; the UAPI header is generated from
 * it. Policies here follow the spec; every op validates strictly.
 *
 * Devices and QPs are only visible from their netdev's network namespace;
 * changes need CAP_NET_ADMIN over that namespace (GENL_UNS_ADMIN_PERM).
 */
#include <linux/in.h>
#include <linux/in6.h>
#include <net/genetlink.h>
#include <net/ipv6.h>
#include <net/sock.h>
#include <net/inet_sock.h>
#include <rdma/ib_verbs.h>
#include <linux/siw_netlink.h>

#include "siw.h"
#include "qp.h"
#include "stats.h"
#include "netlink.h"
#include "fault.h"
#include "compat.h"

static struct genl_family siw_nl_family;

enum siw_nl_mcgrp {
	SIW_NL_MCGRP_MONITOR,
};

static const struct genl_multicast_group siw_nl_mcgrps[] = {
	[SIW_NL_MCGRP_MONITOR] = { .name = SIW_MCGRP_MONITOR },
};

/* ------------------------------------------------------------------ */
/* Policies (Documentation/netlink/specs/siw.yaml)                     */

static const struct nla_policy siw_nl_dev_policy[SIW_A_DEV_MAX + 1] = {
	[SIW_A_DEV_INDEX] = { .type = NLA_U32 },
	[SIW_A_DEV_NAME] = { .type = NLA_NUL_STRING, .len = IB_DEVICE_NAME_MAX - 1 },
	[SIW_A_DEV_MPA_REV] = NLA_POLICY_RANGE(NLA_U8, 1, 2),
	[SIW_A_DEV_CRC_REQUIRED] = NLA_POLICY_MAX(NLA_U8, 1),
	[SIW_A_DEV_MARKERS] = NLA_POLICY_MAX(NLA_U8, 1),
	[SIW_A_DEV_PEER_TO_PEER] = NLA_POLICY_MAX(NLA_U8, 1),
	[SIW_A_DEV_TCP_NODELAY] = NLA_POLICY_MAX(NLA_U8, 1),
};

static const struct nla_policy siw_nl_qp_policy[SIW_A_QP_MAX + 1] = {
	[SIW_A_QP_DEV_INDEX] = { .type = NLA_U32 },
	[SIW_A_QP_NUM] = { .type = NLA_U32 },
	[SIW_A_QP_STATE] = NLA_POLICY_MAX(NLA_U32, SIW_NL_QP_STATE_ERROR),
	[SIW_A_QP_REMOTE_ADDR] = { .type = NLA_BINARY, .len = 16 },
};

static const struct nla_policy siw_nl_fault_policy[SIW_A_FAULT_MAX + 1] = {
	[SIW_A_FAULT_ID] = { .type = NLA_U32 },
	[SIW_A_FAULT_DEV_INDEX] = { .type = NLA_U32 },
	[SIW_A_FAULT_QP_NUM] = { .type = NLA_U32 },
	[SIW_A_FAULT_TYPE] = NLA_POLICY_MAX(NLA_U32, SIW_FAULT_TYPE_CORRUPT_PLACED),
	[SIW_A_FAULT_EVERY] = NLA_POLICY_MIN(NLA_U32, 1),
	/* 1..SIW_FAULT_PPM: beyond what a 6.1 range policy holds. */
	[SIW_A_FAULT_PROBABILITY] = { .type = NLA_U32 },
	[SIW_A_FAULT_DELAY_MS] = NLA_POLICY_MAX(NLA_U32, 10000),
	[SIW_A_FAULT_COUNT] = { .type = NLA_U32 },
};

static const struct nla_policy siw_nl_tx_policy[SIW_A_TX_MAX + 1] = {
	[SIW_A_TX_CPU_LIST] = { .type = NLA_NUL_STRING, .len = 255 },
};

/* ------------------------------------------------------------------ */
/* Devices                                                             */

static struct net *siw_nl_net(struct sk_buff *skb)
{
	return sock_net(skb->sk);
}

static bool siw_nl_dev_visible(struct siw_device *sdev, struct net *net)
{
	return net_eq(dev_net(sdev->netdev), net);
}

/* Caller holds siw_dev_mutex. NULL with extack set if there is none. */
static struct siw_device *siw_nl_find_dev(struct genl_info *info,
					  int index_attr, int name_attr)
{
	struct net *net = genl_info_net(info);
	struct siw_device *sdev;
	const char *name = NULL;
	u32 index = 0;
	bool by_index = info->attrs[index_attr];

	if (by_index) {
		index = nla_get_u32(info->attrs[index_attr]);
	} else if (name_attr >= 0 && info->attrs[name_attr]) {
		name = nla_data(info->attrs[name_attr]);
	} else {
		NL_SET_ERR_MSG(info->extack, "device index or name required");
		return NULL;
	}

	list_for_each_entry(sdev, &siw_dev_list, list) {
		if (!siw_nl_dev_visible(sdev, net))
			continue;
		if (by_index ? sdev->base_dev.index == index :
			       !strcmp(dev_name(&sdev->base_dev.dev), name))
			return sdev;
	}
	NL_SET_ERR_MSG_ATTR(info->extack,
			    info->attrs[by_index ? index_attr : name_attr],
			    "no such siw device in this network namespace");
	return NULL;
}

static int siw_nl_put_stats(struct sk_buff *skb, int attr,
			    const struct siw_stats *s)
{
	struct nlattr *nest, *op;
	int i;

	nest = nla_nest_start(skb, attr);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u64_64bit(skb, SIW_A_STATS_TX_FPDUS, s->tx_fpdus, SIW_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, SIW_A_STATS_TX_BYTES, s->tx_bytes, SIW_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, SIW_A_STATS_RX_FPDUS, s->rx_fpdus, SIW_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, SIW_A_STATS_RX_BYTES, s->rx_bytes, SIW_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, SIW_A_STATS_CRC_ERRORS, s->crc_errors, SIW_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, SIW_A_STATS_TERMS_SENT, s->terms_sent, SIW_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, SIW_A_STATS_TERMS_RECEIVED, s->terms_received,
			      SIW_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, SIW_A_STATS_BACKPRESSURE, s->backpressure,
			      SIW_A_STATS_PAD))
		goto cancel;
	for (i = 0; i < SIW_STATS_OPCODES; i++) {
		const struct siw_op_stats *o = &s->op[i];

		if (!o->tx_fpdus && !o->rx_fpdus)
			continue;
		op = nla_nest_start(skb, SIW_A_STATS_OP);
		if (!op ||
		    nla_put_u32(skb, SIW_A_OP_STATS_OPCODE, i) ||
		    nla_put_u64_64bit(skb, SIW_A_OP_STATS_TX_FPDUS, o->tx_fpdus,
				      SIW_A_OP_STATS_PAD) ||
		    nla_put_u64_64bit(skb, SIW_A_OP_STATS_TX_BYTES, o->tx_bytes,
				      SIW_A_OP_STATS_PAD) ||
		    nla_put_u64_64bit(skb, SIW_A_OP_STATS_RX_FPDUS, o->rx_fpdus,
				      SIW_A_OP_STATS_PAD) ||
		    nla_put_u64_64bit(skb, SIW_A_OP_STATS_RX_BYTES, o->rx_bytes,
				      SIW_A_OP_STATS_PAD))
			goto cancel;
		nla_nest_end(skb, op);
	}
	nla_nest_end(skb, nest);
	return 0;

cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

static int siw_nl_fill_dev(struct sk_buff *skb, struct siw_device *sdev,
			   u32 portid, u32 seq, int flags, u8 cmd)
{
	struct siw_cm_config cfg;
	struct siw_stats *stats;
	void *hdr;
	int rv = -EMSGSIZE;

	stats = kmalloc(sizeof(*stats), GFP_KERNEL);
	if (!stats)
		return -ENOMEM;
	siw_device_stats(sdev, stats);
	siw_device_get_config(sdev, &cfg);

	hdr = genlmsg_put(skb, portid, seq, &siw_nl_family, flags, cmd);
	if (!hdr)
		goto out;
	if (nla_put_u32(skb, SIW_A_DEV_INDEX, sdev->base_dev.index) ||
	    nla_put_string(skb, SIW_A_DEV_NAME, dev_name(&sdev->base_dev.dev)) ||
	    nla_put_string(skb, SIW_A_DEV_NETDEV, sdev->netdev->name) ||
	    nla_put_u32(skb, SIW_A_DEV_IFINDEX, sdev->netdev->ifindex) ||
	    nla_put_u32(skb, SIW_A_DEV_PORT_STATE, READ_ONCE(sdev->port_state)) ||
	    nla_put_u32(skb, SIW_A_DEV_MTU, READ_ONCE(sdev->netdev->mtu)) ||
	    nla_put_u32(skb, SIW_A_DEV_NUM_QP, atomic_read(&sdev->num.qp)) ||
	    nla_put_u32(skb, SIW_A_DEV_NUM_CQ, atomic_read(&sdev->num.cq)) ||
	    nla_put_u32(skb, SIW_A_DEV_NUM_SRQ, atomic_read(&sdev->num.srq)) ||
	    nla_put_u32(skb, SIW_A_DEV_NUM_MR, atomic_read(&sdev->num.mr)) ||
	    nla_put_u32(skb, SIW_A_DEV_NUM_PD, atomic_read(&sdev->num.pd)) ||
	    nla_put_u32(skb, SIW_A_DEV_NUM_CEP, atomic_read(&sdev->num.cep)) ||
	    nla_put_u32(skb, SIW_A_DEV_NUM_UCONTEXT,
			atomic_read(&sdev->num.ucontext)) ||
	    nla_put_u8(skb, SIW_A_DEV_MPA_REV, cfg.mpa_rev) ||
	    nla_put_u8(skb, SIW_A_DEV_CRC_REQUIRED, cfg.crc_required) ||
	    nla_put_u8(skb, SIW_A_DEV_MARKERS, cfg.markers) ||
	    nla_put_u8(skb, SIW_A_DEV_PEER_TO_PEER, cfg.peer_to_peer) ||
	    nla_put_u8(skb, SIW_A_DEV_TCP_NODELAY, cfg.tcp_nodelay) ||
	    siw_nl_put_stats(skb, SIW_A_DEV_STATS, stats)) {
		genlmsg_cancel(skb, hdr);
		goto out;
	}
	genlmsg_end(skb, hdr);
	rv = 0;
out:
	kfree(stats);
	return rv;
}

/* dev-get and dev-set name their device; a request without is malformed. */
static bool siw_nl_dev_named(struct genl_info *info)
{
	if (info->attrs[SIW_A_DEV_INDEX] || info->attrs[SIW_A_DEV_NAME])
		return true;
	NL_SET_ERR_MSG(info->extack, "device index or name required");
	return false;
}

static int siw_nl_dev_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct siw_device *sdev;
	struct sk_buff *msg;
	int rv;

	if (!siw_nl_dev_named(info))
		return -EINVAL;
	msg = nlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	mutex_lock(&siw_dev_mutex);
	sdev = siw_nl_find_dev(info, SIW_A_DEV_INDEX, SIW_A_DEV_NAME);
	rv = sdev ? siw_nl_fill_dev(msg, sdev, info->snd_portid, info->snd_seq,
				    0, SIW_CMD_DEV_GET) : -ENODEV;
	mutex_unlock(&siw_dev_mutex);
	if (rv) {
		nlmsg_free(msg);
		return rv;
	}
	return genlmsg_reply(msg, info);
}

/* cb->args[0]: devices already dumped. */
static int siw_nl_dev_get_dumpit(struct sk_buff *skb,
				 struct netlink_callback *cb)
{
	struct net *net = siw_nl_net(skb);
	struct siw_device *sdev;
	long n = 0;
	int rv = 0;

	mutex_lock(&siw_dev_mutex);
	list_for_each_entry(sdev, &siw_dev_list, list) {
		if (!siw_nl_dev_visible(sdev, net))
			continue;
		if (n++ < cb->args[0])
			continue;
		rv = siw_nl_fill_dev(skb, sdev, NETLINK_CB(cb->skb).portid,
				     cb->nlh->nlmsg_seq, NLM_F_MULTI,
				     SIW_CMD_DEV_GET);
		if (rv) {
			n--;
			break;
		}
	}
	mutex_unlock(&siw_dev_mutex);
	cb->args[0] = n;
	/* A full skb ends this part of the dump; the rest comes next call. */
	return rv == -EMSGSIZE ? skb->len : rv ?: skb->len;
}

static int siw_nl_dev_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct siw_device *sdev;
	struct siw_cm_config cfg;
	const char *why = NULL;
	int rv = -ENODEV;

	if (!siw_nl_dev_named(info))
		return -EINVAL;
	mutex_lock(&siw_dev_mutex);
	sdev = siw_nl_find_dev(info, SIW_A_DEV_INDEX, SIW_A_DEV_NAME);
	if (!sdev)
		goto out;
	siw_device_get_config(sdev, &cfg);
	if (info->attrs[SIW_A_DEV_MPA_REV])
		cfg.mpa_rev = nla_get_u8(info->attrs[SIW_A_DEV_MPA_REV]);
	if (info->attrs[SIW_A_DEV_CRC_REQUIRED])
		cfg.crc_required = nla_get_u8(info->attrs[SIW_A_DEV_CRC_REQUIRED]);
	if (info->attrs[SIW_A_DEV_MARKERS])
		cfg.markers = nla_get_u8(info->attrs[SIW_A_DEV_MARKERS]);
	if (info->attrs[SIW_A_DEV_PEER_TO_PEER])
		cfg.peer_to_peer = nla_get_u8(info->attrs[SIW_A_DEV_PEER_TO_PEER]);
	if (info->attrs[SIW_A_DEV_TCP_NODELAY])
		cfg.tcp_nodelay = nla_get_u8(info->attrs[SIW_A_DEV_TCP_NODELAY]);
	rv = siw_cm_config_check(&cfg, &why);
	if (rv) {
		/* why is a static string: what NL_SET_ERR_MSG() stores. */
		info->extack->_msg = why;
		goto out;
	}
	siw_device_set_config(sdev, &cfg);
out:
	mutex_unlock(&siw_dev_mutex);
	return rv;
}

/* ------------------------------------------------------------------ */
/* QPs                                                                 */

static int siw_nl_put_addr(struct sk_buff *skb, int addr_attr, int port_attr,
			   const void *addr, int len, __be16 port)
{
	if (nla_put(skb, addr_attr, len, addr) ||
	    nla_put_be16(skb, port_attr, port))
		return -EMSGSIZE;
	return 0;
}

/* Addresses of a connected QP's socket (stable while we hold the QP). */
static int siw_nl_put_qp_addrs(struct sk_buff *skb, struct siw_qp *qp)
{
	struct sock *sk = qp->sock ? qp->sock->sk : NULL;
	struct inet_sock *inet;

	if (!sk)
		return 0;
	inet = inet_sk(sk);
#if IS_ENABLED(CONFIG_IPV6)
	if (sk->sk_family == AF_INET6 &&
	    !ipv6_addr_v4mapped(&sk->sk_v6_daddr)) {
		if (siw_nl_put_addr(skb, SIW_A_QP_LOCAL_ADDR,
				    SIW_A_QP_LOCAL_PORT, &sk->sk_v6_rcv_saddr,
				    16, inet->inet_sport) ||
		    siw_nl_put_addr(skb, SIW_A_QP_REMOTE_ADDR,
				    SIW_A_QP_REMOTE_PORT, &sk->sk_v6_daddr,
				    16, inet->inet_dport))
			return -EMSGSIZE;
		return 0;
	}
#endif
	if (siw_nl_put_addr(skb, SIW_A_QP_LOCAL_ADDR, SIW_A_QP_LOCAL_PORT,
			    &inet->inet_saddr, 4, inet->inet_sport) ||
	    siw_nl_put_addr(skb, SIW_A_QP_REMOTE_ADDR, SIW_A_QP_REMOTE_PORT,
			    &inet->inet_daddr, 4, inet->inet_dport))
		return -EMSGSIZE;
	return 0;
}

/* Any context: the notification path formats QPs from softirq. */
static int siw_nl_fill_qp(struct sk_buff *skb, struct siw_qp *qp,
			  u32 portid, u32 seq, int flags, u8 cmd)
{
	struct sock *sk = qp->sock ? qp->sock->sk : NULL;
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &siw_nl_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u32(skb, SIW_A_QP_DEV_INDEX, qp->sdev->base_dev.index) ||
	    nla_put_u32(skb, SIW_A_QP_NUM, siw_qp_id(qp)) ||
	    nla_put_u32(skb, SIW_A_QP_STATE, READ_ONCE(qp->state)) ||
	    nla_put_u8(skb, SIW_A_QP_USER, qp->user) ||
	    siw_nl_put_qp_addrs(skb, qp) ||
	    nla_put_s32(skb, SIW_A_QP_TX_CPU, READ_ONCE(qp->tx_cpu)) ||
	    nla_put_u32(skb, SIW_A_QP_IRD, qp->ird) ||
	    nla_put_u32(skb, SIW_A_QP_ORD, qp->ord) ||
	    nla_put_u32(skb, SIW_A_QP_ORQ_USED,
			READ_ONCE(qp->orq.put) - READ_ONCE(qp->orq.get)) ||
	    nla_put_u32(skb, SIW_A_QP_IRQ_USED,
			READ_ONCE(qp->irq.put) - READ_ONCE(qp->irq.get)) ||
	    nla_put_u32(skb, SIW_A_QP_SQ_SIZE, qp->sq_size) ||
	    nla_put_u32(skb, SIW_A_QP_RQ_SIZE, qp->rq_size))
		goto cancel;
	if (qp->sock &&
	    (nla_put_u8(skb, SIW_A_QP_MPA_REV, qp->conn.mpa_rev) ||
	     nla_put_u8(skb, SIW_A_QP_CRC, qp->conn.crc) ||
	     nla_put_u8(skb, SIW_A_QP_MARKERS_TX, qp->conn.markers_tx) ||
	     nla_put_u8(skb, SIW_A_QP_MARKERS_RX, qp->conn.markers_rx) ||
	     nla_put_u8(skb, SIW_A_QP_RDMAP_EXT, qp->conn.ext) ||
	     nla_put_u8(skb, SIW_A_QP_GSO, qp->conn.gso)))
		goto cancel;
	if (sk &&
	    (nla_put_u32(skb, SIW_A_QP_SK_WMEM_QUEUED,
			 READ_ONCE(sk->sk_wmem_queued)) ||
	     nla_put_u32(skb, SIW_A_QP_SK_SNDBUF, READ_ONCE(sk->sk_sndbuf))))
		goto cancel;
	if (siw_nl_put_stats(skb, SIW_A_QP_STATS, siw_qp_stats(qp)))
		goto cancel;
	genlmsg_end(skb, hdr);
	return 0;

cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

static int siw_nl_qp_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct siw_device *sdev;
	struct siw_qp *qp = NULL;
	struct sk_buff *msg;
	int rv;

	if (GENL_REQ_ATTR_CHECK(info, SIW_A_QP_DEV_INDEX) ||
	    GENL_REQ_ATTR_CHECK(info, SIW_A_QP_NUM))
		return -EINVAL;
	msg = nlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	mutex_lock(&siw_dev_mutex);
	sdev = siw_nl_find_dev(info, SIW_A_QP_DEV_INDEX, -1);
	if (sdev) {
		qp = siw_qp_get_by_id(sdev,
				      nla_get_u32(info->attrs[SIW_A_QP_NUM]));
		if (!qp)
			NL_SET_ERR_MSG_ATTR(info->extack,
					    info->attrs[SIW_A_QP_NUM],
					    "no such QP on this device");
	}
	mutex_unlock(&siw_dev_mutex);
	if (!qp) {
		nlmsg_free(msg);
		return -ENOENT;
	}
	rv = siw_nl_fill_qp(msg, qp, info->snd_portid, info->snd_seq, 0,
			    SIW_CMD_QP_GET);
	siw_qp_put(qp);
	if (rv) {
		nlmsg_free(msg);
		return rv;
	}
	return genlmsg_reply(msg, info);
}

struct siw_nl_qp_filter {
	bool by_dev, by_state;
	u32 dev_index, state;
	int addr_len;
	u8 addr[16];
};

static bool siw_nl_qp_match(struct siw_qp *qp, const struct siw_nl_qp_filter *f)
{
	struct sock *sk = qp->sock ? qp->sock->sk : NULL;

	if (f->by_state && READ_ONCE(qp->state) != f->state)
		return false;
	if (!f->addr_len)
		return true;
	if (!sk)
		return false;
	if (f->addr_len == 4) {
		__be32 a;

		memcpy(&a, f->addr, 4);
#if IS_ENABLED(CONFIG_IPV6)
		if (sk->sk_family == AF_INET6)
			return ipv6_addr_v4mapped(&sk->sk_v6_daddr) &&
			       sk->sk_v6_daddr.s6_addr32[3] == a;
#endif
		return inet_sk(sk)->inet_daddr == a;
	}
#if IS_ENABLED(CONFIG_IPV6)
	return sk->sk_family == AF_INET6 &&
	       !memcmp(&sk->sk_v6_daddr, f->addr, 16);
#else
	return false;
#endif
}

/* cb->args[0]: device index to go on with, [1]: next QP number, [2..]: filter */
static int siw_nl_qp_get_start(struct netlink_callback *cb)
{
	struct nlattr **attrs = siw_genl_dump_attrs(cb);
	struct siw_nl_qp_filter *f;
	struct nlattr *a;

	f = kzalloc(sizeof(*f), GFP_KERNEL);
	if (!f)
		return -ENOMEM;
	a = attrs[SIW_A_QP_DEV_INDEX];
	if (a) {
		f->by_dev = true;
		f->dev_index = nla_get_u32(a);
	}
	a = attrs[SIW_A_QP_STATE];
	if (a) {
		f->by_state = true;
		f->state = nla_get_u32(a);
	}
	a = attrs[SIW_A_QP_REMOTE_ADDR];
	if (a) {
		if (nla_len(a) != 4 && nla_len(a) != 16) {
			NL_SET_ERR_MSG_ATTR(cb->extack, a,
					    "address must be 4 (IPv4) or 16 (IPv6) bytes");
			kfree(f);
			return -EINVAL;
		}
		f->addr_len = nla_len(a);
		memcpy(f->addr, nla_data(a), f->addr_len);
	}
	cb->args[2] = (long)f;
	return 0;
}

static int siw_nl_qp_get_done(struct netlink_callback *cb)
{
	kfree((void *)cb->args[2]);
	return 0;
}

static int siw_nl_qp_get_dumpit(struct sk_buff *skb,
				struct netlink_callback *cb)
{
	const struct siw_nl_qp_filter *f = (void *)cb->args[2];
	struct net *net = siw_nl_net(skb);
	struct siw_device *sdev;
	unsigned long index;
	struct siw_qp *qp;
	int rv = 0;

	mutex_lock(&siw_dev_mutex);
	list_for_each_entry(sdev, &siw_dev_list, list) {
		if (!siw_nl_dev_visible(sdev, net))
			continue;
		if (f->by_dev && sdev->base_dev.index != f->dev_index)
			continue;
		/* Devices are listed in index order: skip those done. */
		if (sdev->base_dev.index < cb->args[0])
			continue;
		if (sdev->base_dev.index > cb->args[0]) {
			cb->args[0] = sdev->base_dev.index;
			cb->args[1] = 0;
		}
		index = cb->args[1];
		for (;;) {
			qp = siw_qp_get_next(sdev, &index);
			if (!qp)
				break;
			rv = 0;
			if (siw_nl_qp_match(qp, f))
				rv = siw_nl_fill_qp(skb, qp,
						    NETLINK_CB(cb->skb).portid,
						    cb->nlh->nlmsg_seq,
						    NLM_F_MULTI, SIW_CMD_QP_GET);
			siw_qp_put(qp);
			if (rv)
				break;
			index++;
		}
		cb->args[1] = index;
		if (rv)
			break;
		cb->args[0] = sdev->base_dev.index + 1;
		cb->args[1] = 0;
	}
	mutex_unlock(&siw_dev_mutex);
	return rv == -EMSGSIZE ? skb->len : rv ?: skb->len;
}

static int siw_nl_stats_reset_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct siw_device *sdev;
	unsigned long index = 0;
	struct siw_qp *qp;
	int rv = 0;

	if (GENL_REQ_ATTR_CHECK(info, SIW_A_QP_DEV_INDEX))
		return -EINVAL;
	mutex_lock(&siw_dev_mutex);
	sdev = siw_nl_find_dev(info, SIW_A_QP_DEV_INDEX, -1);
	if (!sdev) {
		rv = -ENODEV;
		goto out;
	}
	if (info->attrs[SIW_A_QP_NUM]) {
		qp = siw_qp_get_by_id(sdev,
				      nla_get_u32(info->attrs[SIW_A_QP_NUM]));
		if (!qp) {
			NL_SET_ERR_MSG_ATTR(info->extack,
					    info->attrs[SIW_A_QP_NUM],
					    "no such QP on this device");
			rv = -ENOENT;
			goto out;
		}
		siw_qp_stats_zero(qp);
		siw_qp_put(qp);
		goto out;
	}
	spin_lock_bh(&sdev->stats_lock);
	siw_stats_zero(&sdev->retired);
	spin_unlock_bh(&sdev->stats_lock);
	for (;;) {
		qp = siw_qp_get_next(sdev, &index);
		if (!qp)
			break;
		siw_qp_stats_zero(qp);
		siw_qp_put(qp);
		index++;
	}
out:
	mutex_unlock(&siw_dev_mutex);
	return rv;
}

/* ------------------------------------------------------------------ */
/* TX threads                                                          */

static int siw_nl_tx_get_dumpit(struct sk_buff *skb,
				struct netlink_callback *cb)
{
	struct siw_tx_info ti;
	unsigned int cpu;
	void *hdr;

	for (cpu = cb->args[0]; cpu < nr_cpu_ids; cpu++) {
		if (!siw_tx_thread_info(cpu, &ti))
			continue;
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &siw_nl_family,
				  NLM_F_MULTI, SIW_CMD_TX_GET);
		if (!hdr)
			break;
		if (nla_put_u32(skb, SIW_A_TX_CPU, cpu) ||
		    nla_put_u32(skb, SIW_A_TX_QPS, ti.qps) ||
		    nla_put_u64_64bit(skb, SIW_A_TX_RUNS, ti.runs, SIW_A_TX_PAD) ||
		    nla_put_u64_64bit(skb, SIW_A_TX_WAKEUPS, ti.wakeups,
				      SIW_A_TX_PAD) ||
		    nla_put_u64_64bit(skb, SIW_A_TX_BUSY_NS, ti.busy_ns,
				      SIW_A_TX_PAD) ||
		    nla_put_u64_64bit(skb, SIW_A_TX_POLL_HITS, ti.poll_hits,
				      SIW_A_TX_PAD) ||
		    nla_put_u64_64bit(skb, SIW_A_TX_POLL_NS, ti.poll_ns,
				      SIW_A_TX_PAD)) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
	}
	cb->args[0] = cpu;
	return skb->len;
}

static int siw_nl_tx_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	if (GENL_REQ_ATTR_CHECK(info, SIW_A_TX_CPU_LIST))
		return -EINVAL;
	return siw_tx_threads_set(nla_data(info->attrs[SIW_A_TX_CPU_LIST]),
				  info->extack);
}

/* ------------------------------------------------------------------ */
/* Fault injection                                                     */

static int siw_nl_fault_add_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **a = info->attrs;
	struct siw_fault_spec spec = { .any_qp = true };
	struct siw_device *sdev;
	struct sk_buff *msg;
	void *hdr;
	u32 id;
	int rv;

	if (GENL_REQ_ATTR_CHECK(info, SIW_A_FAULT_DEV_INDEX) ||
	    GENL_REQ_ATTR_CHECK(info, SIW_A_FAULT_TYPE))
		return -EINVAL;
	if (!a[SIW_A_FAULT_EVERY] == !a[SIW_A_FAULT_PROBABILITY]) {
		NL_SET_ERR_MSG(info->extack,
			       "give exactly one of every and probability");
		return -EINVAL;
	}
	spec.type = nla_get_u32(a[SIW_A_FAULT_TYPE]);
	if (a[SIW_A_FAULT_QP_NUM]) {
		if (spec.type == SIW_FAULT_TYPE_ALLOC_FAIL) {
			NL_SET_ERR_MSG_ATTR(info->extack, a[SIW_A_FAULT_QP_NUM],
					    "allocation faults are per device");
			return -EINVAL;
		}
		spec.any_qp = false;
		spec.qp_num = nla_get_u32(a[SIW_A_FAULT_QP_NUM]);
	}
	if (a[SIW_A_FAULT_EVERY]) {
		spec.every = nla_get_u32(a[SIW_A_FAULT_EVERY]);
	} else {
		spec.probability = nla_get_u32(a[SIW_A_FAULT_PROBABILITY]);
		if (!spec.probability || spec.probability > SIW_FAULT_PPM) {
			NL_SET_ERR_MSG_ATTR(info->extack,
					    a[SIW_A_FAULT_PROBABILITY],
					    "probability is 1 to 1000000 parts per million");
			return -EINVAL;
		}
	}
	if (a[SIW_A_FAULT_DELAY_MS])
		spec.delay_ms = nla_get_u32(a[SIW_A_FAULT_DELAY_MS]);
	if (spec.type == SIW_FAULT_TYPE_DELAY && !spec.delay_ms) {
		NL_SET_ERR_MSG(info->extack, "a delay fault needs delay-ms");
		return -EINVAL;
	}
	if (a[SIW_A_FAULT_COUNT])
		spec.count = nla_get_u32(a[SIW_A_FAULT_COUNT]);

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	mutex_lock(&siw_dev_mutex);
	sdev = siw_nl_find_dev(info, SIW_A_FAULT_DEV_INDEX, -1);
	rv = sdev ? siw_fault_add(sdev, &spec, &id) : -ENODEV;
	mutex_unlock(&siw_dev_mutex);
	if (rv == -ENOSPC)
		NL_SET_ERR_MSG(info->extack, "too many fault rules on the device");
	if (rv)
		goto err;
	hdr = genlmsg_put(msg, info->snd_portid, info->snd_seq, &siw_nl_family,
			  0, SIW_CMD_FAULT_ADD);
	if (!hdr || nla_put_u32(msg, SIW_A_FAULT_ID, id)) {
		rv = -EMSGSIZE;
		goto err;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
err:
	nlmsg_free(msg);
	return rv;
}

static int siw_nl_fault_fill(struct sk_buff *skb, struct netlink_callback *cb,
			     struct siw_device *sdev,
			     const struct siw_fault_spec *spec, u32 id,
			     u64 candidates, u64 hits)
{
	void *hdr;

	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &siw_nl_family, NLM_F_MULTI, SIW_CMD_FAULT_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u32(skb, SIW_A_FAULT_ID, id) ||
	    nla_put_u32(skb, SIW_A_FAULT_DEV_INDEX, sdev->base_dev.index) ||
	    (!spec->any_qp &&
	     nla_put_u32(skb, SIW_A_FAULT_QP_NUM, spec->qp_num)) ||
	    nla_put_u32(skb, SIW_A_FAULT_TYPE, spec->type) ||
	    (spec->every && nla_put_u32(skb, SIW_A_FAULT_EVERY, spec->every)) ||
	    (!spec->every &&
	     nla_put_u32(skb, SIW_A_FAULT_PROBABILITY, spec->probability)) ||
	    nla_put_u32(skb, SIW_A_FAULT_DELAY_MS, spec->delay_ms) ||
	    nla_put_u32(skb, SIW_A_FAULT_COUNT, spec->count) ||
	    nla_put_u64_64bit(skb, SIW_A_FAULT_CANDIDATES, candidates,
			      SIW_A_FAULT_PAD) ||
	    nla_put_u64_64bit(skb, SIW_A_FAULT_HITS, hits, SIW_A_FAULT_PAD)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

/* cb->args[0]: device index to go on with, [1]: rules of it done. */
static int siw_nl_fault_get_dumpit(struct sk_buff *skb,
				   struct netlink_callback *cb)
{
	struct net *net = siw_nl_net(skb);
	struct siw_device *sdev;
	int rv = 0;

	mutex_lock(&siw_dev_mutex);
	list_for_each_entry(sdev, &siw_dev_list, list) {
		if (!siw_nl_dev_visible(sdev, net) ||
		    sdev->base_dev.index < cb->args[0])
			continue;
		if (sdev->base_dev.index > cb->args[0]) {
			cb->args[0] = sdev->base_dev.index;
			cb->args[1] = 0;
		}
		rv = siw_fault_dump(sdev, skb, cb, &cb->args[1],
				    siw_nl_fault_fill);
		if (rv)
			break;
		cb->args[0] = sdev->base_dev.index + 1;
		cb->args[1] = 0;
	}
	mutex_unlock(&siw_dev_mutex);
	return rv == -EMSGSIZE ? skb->len : rv ?: skb->len;
}

static int siw_nl_fault_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct siw_device *sdev;
	int rv = -ENODEV;

	if (GENL_REQ_ATTR_CHECK(info, SIW_A_FAULT_DEV_INDEX))
		return -EINVAL;
	mutex_lock(&siw_dev_mutex);
	sdev = siw_nl_find_dev(info, SIW_A_FAULT_DEV_INDEX, -1);
	if (sdev) {
		rv = siw_fault_del(sdev,
				   info->attrs[SIW_A_FAULT_ID] ?
				   nla_get_u32(info->attrs[SIW_A_FAULT_ID]) : 0,
				   !info->attrs[SIW_A_FAULT_ID]);
		if (rv)
			NL_SET_ERR_MSG_ATTR(info->extack,
					    info->attrs[SIW_A_FAULT_ID],
					    "no such fault rule on this device");
	}
	mutex_unlock(&siw_dev_mutex);
	return rv;
}

/* ------------------------------------------------------------------ */
/* Live objects                                                        */

static const struct nla_policy siw_nl_objects_policy[SIW_A_OBJECTS_MAX + 1] = {
};

static const u8 siw_nl_objects_attr[SIW_OBJ_TYPES] = {
	[SIW_OBJ_DEVICE] = SIW_A_OBJECTS_DEVICES,
	[SIW_OBJ_UCONTEXT] = SIW_A_OBJECTS_UCONTEXTS,
	[SIW_OBJ_PD] = SIW_A_OBJECTS_PDS,
	[SIW_OBJ_CQ] = SIW_A_OBJECTS_CQS,
	[SIW_OBJ_SRQ] = SIW_A_OBJECTS_SRQS,
	[SIW_OBJ_QP] = SIW_A_OBJECTS_QPS,
	[SIW_OBJ_MR] = SIW_A_OBJECTS_MRS,
	[SIW_OBJ_CEP] = SIW_A_OBJECTS_CEPS,
	[SIW_OBJ_LISTENER] = SIW_A_OBJECTS_LISTENERS,
	[SIW_OBJ_MMAP] = SIW_A_OBJECTS_MMAP_ENTRIES,
	[SIW_OBJ_TX_WORK] = SIW_A_OBJECTS_TX_WORK,
};

/* Module-wide counts: no device, address or owner in them, so any caller. */
static int siw_nl_objects_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	void *hdr;
	int i;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put(msg, info->snd_portid, info->snd_seq, &siw_nl_family,
			  0, SIW_CMD_OBJECTS_GET);
	if (!hdr)
		goto err;
	for (i = 0; i < SIW_OBJ_TYPES; i++)
		if (nla_put_u32(msg, siw_nl_objects_attr[i],
				max(siw_live_read(i), 0)))
			goto err;
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
err:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

/* ------------------------------------------------------------------ */
/* Notifications                                                       */

static bool siw_nl_listeners(struct net *net)
{
	return genl_has_listeners(&siw_nl_family, net, SIW_NL_MCGRP_MONITOR);
}

static void siw_nl_multicast(struct sk_buff *msg, struct net *net)
{
	genlmsg_multicast_netns(&siw_nl_family, net, msg, 0,
				SIW_NL_MCGRP_MONITOR, GFP_ATOMIC);
}

void siw_nl_qp_state(struct siw_qp *qp)
{
	struct net *net = dev_net(qp->sdev->netdev);
	struct sk_buff *msg;

	if (!siw_nl_listeners(net))
		return;
	msg = nlmsg_new(NLMSG_GOODSIZE, GFP_ATOMIC);
	if (!msg)
		return;
	if (siw_nl_fill_qp(msg, qp, 0, 0, 0, SIW_CMD_QP_STATE_NTF)) {
		nlmsg_free(msg);
		return;
	}
	siw_nl_multicast(msg, net);
}

/* A notification for the monitor group, or NULL if nobody listens. */
static struct sk_buff *siw_nl_ntf_new(struct net *net, u8 cmd, void **hdr)
{
	struct sk_buff *msg;

	if (!siw_nl_listeners(net))
		return NULL;
	msg = nlmsg_new(NLMSG_DEFAULT_SIZE, GFP_ATOMIC);
	if (!msg)
		return NULL;
	*hdr = genlmsg_put(msg, 0, 0, &siw_nl_family, 0, cmd);
	if (!*hdr) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

/* Send a notification whose attributes all fitted (@err 0), else drop it. */
static void siw_nl_ntf_send(struct sk_buff *msg, void *hdr, struct net *net,
			    int err)
{
	if (err) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_end(msg, hdr);
	siw_nl_multicast(msg, net);
}

void siw_nl_term(struct siw_qp *qp, bool sent, u8 layer, u8 etype, u8 ecode)
{
	struct net *net = dev_net(qp->sdev->netdev);
	struct sk_buff *msg;
	void *hdr;

	msg = siw_nl_ntf_new(net, SIW_CMD_TERM_NTF, &hdr);
	if (!msg)
		return;
	siw_nl_ntf_send(msg, hdr, net,
			nla_put_u32(msg, SIW_A_TERM_DEV_INDEX,
				    qp->sdev->base_dev.index) ||
			nla_put_u32(msg, SIW_A_TERM_QP_NUM, siw_qp_id(qp)) ||
			nla_put_u32(msg, SIW_A_TERM_DIR,
				    sent ? SIW_TERM_DIR_SENT :
					   SIW_TERM_DIR_RECEIVED) ||
			nla_put_u8(msg, SIW_A_TERM_LAYER, layer) ||
			nla_put_u8(msg, SIW_A_TERM_ETYPE, etype) ||
			nla_put_u8(msg, SIW_A_TERM_ECODE, ecode));
}

void siw_nl_dev_event(struct siw_device *sdev, u32 event)
{
	struct net *net = dev_net(sdev->netdev);
	struct sk_buff *msg;
	void *hdr;

	msg = siw_nl_ntf_new(net, SIW_CMD_DEV_NTF, &hdr);
	if (!msg)
		return;
	siw_nl_ntf_send(msg, hdr, net,
			nla_put_u32(msg, SIW_A_DEV_NTF_INDEX,
				    sdev->base_dev.index) ||
			nla_put_string(msg, SIW_A_DEV_NTF_NAME,
				       dev_name(&sdev->base_dev.dev)) ||
			nla_put_u32(msg, SIW_A_DEV_NTF_EVENT, event));
}

/* ------------------------------------------------------------------ */
/* Family                                                              */

static const struct genl_ops siw_nl_ops[] = {
	{
		.cmd = SIW_CMD_DEV_GET,
		.doit = siw_nl_dev_get_doit,
		.dumpit = siw_nl_dev_get_dumpit,
		.policy = siw_nl_dev_policy,
		.maxattr = SIW_A_DEV_MAX,
	},
	{
		.cmd = SIW_CMD_DEV_SET,
		.doit = siw_nl_dev_set_doit,
		.policy = siw_nl_dev_policy,
		.maxattr = SIW_A_DEV_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = SIW_CMD_QP_GET,
		.doit = siw_nl_qp_get_doit,
		.start = siw_nl_qp_get_start,
		.dumpit = siw_nl_qp_get_dumpit,
		.done = siw_nl_qp_get_done,
		.policy = siw_nl_qp_policy,
		.maxattr = SIW_A_QP_MAX,
	},
	{
		.cmd = SIW_CMD_TX_GET,
		.dumpit = siw_nl_tx_get_dumpit,
		.policy = siw_nl_tx_policy,
		.maxattr = SIW_A_TX_MAX,
	},
	{
		.cmd = SIW_CMD_TX_SET,
		.doit = siw_nl_tx_set_doit,
		.policy = siw_nl_tx_policy,
		.maxattr = SIW_A_TX_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = SIW_CMD_FAULT_ADD,
		.doit = siw_nl_fault_add_doit,
		.policy = siw_nl_fault_policy,
		.maxattr = SIW_A_FAULT_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = SIW_CMD_FAULT_GET,
		.dumpit = siw_nl_fault_get_dumpit,
		.policy = siw_nl_fault_policy,
		.maxattr = SIW_A_FAULT_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = SIW_CMD_FAULT_DEL,
		.doit = siw_nl_fault_del_doit,
		.policy = siw_nl_fault_policy,
		.maxattr = SIW_A_FAULT_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = SIW_CMD_STATS_RESET,
		.doit = siw_nl_stats_reset_doit,
		.policy = siw_nl_qp_policy,
		.maxattr = SIW_A_QP_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = SIW_CMD_OBJECTS_GET,
		.doit = siw_nl_objects_get_doit,
		.policy = siw_nl_objects_policy,
		.maxattr = SIW_A_OBJECTS_MAX,
	},
};

static struct genl_family siw_nl_family __ro_after_init = {
	.name = SIW_FAMILY_NAME,
	.version = SIW_FAMILY_VERSION,
	.netnsok = true,
	.module = THIS_MODULE,
	.ops = siw_nl_ops,
	.n_ops = ARRAY_SIZE(siw_nl_ops),
	/* resv_start_op 0: strict validation for every op. */
	.mcgrps = siw_nl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(siw_nl_mcgrps),
};

int siw_nl_init(void)
{
	return genl_register_family(&siw_nl_family);
}

void siw_nl_exit(void)
{
	genl_unregister_family(&siw_nl_family);
}
