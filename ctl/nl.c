// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Requests to the siw family and their replies, on libnl-genl-3.
 *
 * The socket asks for extended acks (NETLINK_EXT_ACK): when the kernel
 * refuses a request, its error message carries the reason as text
 * (NLMSGERR_ATTR_MSG), the offset of the offending attribute in our
 * request (NLMSGERR_ATTR_OFFS), a missing attribute's type and the
 * policy's valid range. ctl_fail() puts them into one line.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>

#include "siwctl.h"

#define TB_SIZE		64

struct req_state {
	struct nl_msg *req;
	int maxattr;
	ctl_reply_fn fn;
	void *arg;
	int err;		/* from the kernel, negative */
	int fn_err;		/* from fn */
	bool done;
};

/* What the kernel said about the last failed request. */
static struct {
	uint8_t cmd;
	char msg[256];
	int attr;		/* NLMSGERR_ATTR_OFFS pointed at this one */
	char subject[64];	/* the device name it pointed at */
	int miss;		/* NLMSGERR_ATTR_MISS_TYPE */
	bool urange, srange;
	uint64_t umin, umax;
	int64_t smin, smax;
} last;

int ctl_open(void)
{
	int one = 1;
	int r;

	ctl.sk = nl_socket_alloc();
	if (!ctl.sk)
		return fail("out of memory");
	r = genl_connect(ctl.sk);
	if (r < 0)
		return fail("cannot open a generic netlink socket: %s",
			    nl_geterror(r));
	/* Without extended acks (kernels before 4.12) errors lose their text. */
	setsockopt(nl_socket_get_fd(ctl.sk), SOL_NETLINK, NETLINK_EXT_ACK,
		   &one, sizeof(one));
	nl_socket_enable_msg_peek(ctl.sk);
	ctl.family = genl_ctrl_resolve(ctl.sk, SIW_FAMILY_NAME);
	if (ctl.family < 0)
		return fail("no generic netlink family \"%s\": is the siw module loaded?",
			    SIW_FAMILY_NAME);
	return 0;
}

void ctl_close(void)
{
	if (ctl.sk)
		nl_socket_free(ctl.sk);
	ctl.sk = NULL;
}

/* The socket opens with the first request: usage errors come first. */
static void ctl_need(void)
{
	int r;

	if (ctl.sk)
		return;
	r = ctl_open();
	if (r) {
		ctl_close();
		exit(r);
	}
}

int ctl_monitor_group(void)
{
	ctl_need();
	return genl_ctrl_resolve_grp(ctl.sk, SIW_FAMILY_NAME,
				     SIW_MCGRP_MONITOR);
}

struct nl_msg *ctl_msg(uint8_t cmd, bool dump)
{
	struct nl_msg *msg;

	ctl_need();
	msg = nlmsg_alloc();
	if (!msg) {
		fprintf(stderr, "siwctl: out of memory\n");
		exit(EXIT_FAIL);
	}
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, ctl.family, 0,
			 dump ? NLM_F_DUMP : 0, cmd, SIW_FAMILY_VERSION)) {
		fprintf(stderr, "siwctl: cannot build a netlink message\n");
		exit(EXIT_FAIL);
	}
	return msg;
}

static void parse_policy(struct nlattr *nest)
{
	struct nlattr *tb[NL_POLICY_TYPE_ATTR_MAX + 1];

	if (nla_parse_nested(tb, NL_POLICY_TYPE_ATTR_MAX, nest, NULL) < 0)
		return;
	if (tb[NL_POLICY_TYPE_ATTR_MIN_VALUE_U] &&
	    tb[NL_POLICY_TYPE_ATTR_MAX_VALUE_U]) {
		last.urange = true;
		last.umin = nla_get_u64(tb[NL_POLICY_TYPE_ATTR_MIN_VALUE_U]);
		last.umax = nla_get_u64(tb[NL_POLICY_TYPE_ATTR_MAX_VALUE_U]);
	} else if (tb[NL_POLICY_TYPE_ATTR_MIN_VALUE_S] &&
		   tb[NL_POLICY_TYPE_ATTR_MAX_VALUE_S]) {
		last.srange = true;
		last.smin = nla_get_s64(tb[NL_POLICY_TYPE_ATTR_MIN_VALUE_S]);
		last.smax = nla_get_s64(tb[NL_POLICY_TYPE_ATTR_MAX_VALUE_S]);
	}
}

/* The extended ack attributes at @data: keep what ctl_fail() reports. */
static void parse_ext_ack(struct req_state *st, void *data, int len)
{
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	struct nlmsghdr *req = nlmsg_hdr(st->req);

	if (len <= 0 ||
	    nla_parse(tb, NLMSGERR_ATTR_MAX, data, len, NULL) < 0)
		return;
	if (tb[NLMSGERR_ATTR_MSG])
		snprintf(last.msg, sizeof(last.msg), "%.*s",
			 nla_len(tb[NLMSGERR_ATTR_MSG]),
			 (char *)nla_data(tb[NLMSGERR_ATTR_MSG]));
	if (tb[NLMSGERR_ATTR_OFFS]) {
		uint32_t off = nla_get_u32(tb[NLMSGERR_ATTR_OFFS]);

		/* An offset into our request: the attribute it points at. */
		if (off >= NLMSG_HDRLEN + GENL_HDRLEN &&
		    off + NLA_HDRLEN <= req->nlmsg_len) {
			struct nlattr *a = (struct nlattr *)((char *)req + off);

			last.attr = nla_type(a);
			if ((last.cmd == SIW_CMD_DEV_GET ||
			     last.cmd == SIW_CMD_DEV_SET) &&
			    last.attr == SIW_A_DEV_NAME &&
			    off + nla_total_size(0) + nla_len(a) <= req->nlmsg_len)
				snprintf(last.subject, sizeof(last.subject),
					 "%.*s", nla_len(a),
					 (char *)nla_data(a));
		}
	}
	if (tb[NLMSGERR_ATTR_MISS_TYPE])
		last.miss = nla_get_u32(tb[NLMSGERR_ATTR_MISS_TYPE]);
	if (tb[NLMSGERR_ATTR_POLICY])
		parse_policy(tb[NLMSGERR_ATTR_POLICY]);
}

static int on_valid(struct nl_msg *msg, void *arg)
{
	struct req_state *st = arg;
	struct nlattr *tb[TB_SIZE];

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, st->maxattr, NULL) < 0)
		return NL_SKIP;
	if (st->fn && !st->fn_err)
		st->fn_err = st->fn(tb, st->arg);
	return NL_OK;
}

/*
 * The error message (libnl hands us its payload): struct nlmsgerr, our
 * request unless the kernel capped it, then the extended ack.
 */
static int on_error(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)((char *)e - NLMSG_HDRLEN);
	struct req_state *st = arg;
	int hlen = sizeof(*e);

	(void)nla;
	st->err = e->error ? e->error : -EIO;
	st->done = true;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return NL_STOP;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		hlen += NLMSG_ALIGN(e->msg.nlmsg_len - NLMSG_HDRLEN);
	parse_ext_ack(st, (char *)e + hlen,
		      (int)nlh->nlmsg_len - NLMSG_HDRLEN - hlen);
	return NL_STOP;
}

/* The end of a dump: NLMSG_DONE carries an error if it failed midway. */
static int on_finish(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct req_state *st = arg;
	int hlen = NLMSG_ALIGN(sizeof(int));
	int err;

	st->done = true;
	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(int)))
		return NL_STOP;
	memcpy(&err, nlmsg_data(nlh), sizeof(err));
	if (err >= 0)
		return NL_STOP;
	st->err = err;
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS)
		parse_ext_ack(st, (char *)nlmsg_data(nlh) + hlen,
			      (int)nlh->nlmsg_len - NLMSG_HDRLEN - hlen);
	return NL_STOP;
}

static int on_ack(struct nl_msg *msg, void *arg)
{
	struct req_state *st = arg;

	(void)msg;
	st->done = true;
	return NL_STOP;
}

int ctl_exec(struct nl_msg *msg, int maxattr, ctl_reply_fn fn, void *arg)
{
	struct req_state st = {
		.req = msg, .maxattr = maxattr, .fn = fn, .arg = arg,
	};
	struct nl_cb *cb;
	int r;

	memset(&last, 0, sizeof(last));
	last.cmd = genlmsg_hdr(nlmsg_hdr(msg))->cmd;
	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, &st);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, on_finish, &st);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_ack, &st);
	nl_cb_err(cb, NL_CB_CUSTOM, on_error, &st);

	r = nl_send_auto(ctl.sk, msg);
	if (r < 0) {
		snprintf(last.msg, sizeof(last.msg), "cannot send: %s",
			 nl_geterror(r));
		st.err = -EIO;
	}
	while (r >= 0 && !st.done) {
		r = nl_recvmsgs(ctl.sk, cb);
		if (r < 0 && !st.done) {
			snprintf(last.msg, sizeof(last.msg),
				 "cannot receive: %s", nl_geterror(r));
			st.err = -EIO;
		}
	}
	nl_cb_put(cb);
	nlmsg_free(msg);
	return st.err ? st.err : st.fn_err;
}

/*
 * Attribute names for messages: the words siwctl takes for them, so
 * that "mpa-rev: integer out of range" names what the user typed.
 */
static const char *attr_name(uint8_t cmd, int attr)
{
	static const char *const dev[SIW_A_DEV_MAX + 1] = {
		[SIW_A_DEV_INDEX] = "index",
		[SIW_A_DEV_NAME] = "name",
		[SIW_A_DEV_MPA_REV] = "mpa-rev",
		[SIW_A_DEV_CRC_REQUIRED] = "crc",
		[SIW_A_DEV_MARKERS] = "markers",
		[SIW_A_DEV_PEER_TO_PEER] = "p2p",
		[SIW_A_DEV_TCP_NODELAY] = "tcp-nodelay",
	};
	static const char *const qp[SIW_A_QP_MAX + 1] = {
		[SIW_A_QP_DEV_INDEX] = "dev",
		[SIW_A_QP_NUM] = "qpn",
		[SIW_A_QP_STATE] = "state",
		[SIW_A_QP_REMOTE_ADDR] = "peer",
	};
	static const char *const tx[SIW_A_TX_MAX + 1] = {
		[SIW_A_TX_CPU_LIST] = "cpus",
	};
	static const char *const fault[SIW_A_FAULT_MAX + 1] = {
		[SIW_A_FAULT_ID] = "id",
		[SIW_A_FAULT_DEV_INDEX] = "dev",
		[SIW_A_FAULT_QP_NUM] = "qpn",
		[SIW_A_FAULT_TYPE] = "type",
		[SIW_A_FAULT_EVERY] = "every",
		[SIW_A_FAULT_PROBABILITY] = "probability",
		[SIW_A_FAULT_DELAY_MS] = "delay",
		[SIW_A_FAULT_COUNT] = "count",
	};
	const char *const *names;
	int n;

	switch (cmd) {
	case SIW_CMD_DEV_GET:
	case SIW_CMD_DEV_SET:
		names = dev;
		n = ARRAY_SIZE(dev);
		break;
	case SIW_CMD_QP_GET:
	case SIW_CMD_STATS_RESET:
		names = qp;
		n = ARRAY_SIZE(qp);
		break;
	case SIW_CMD_TX_GET:
	case SIW_CMD_TX_SET:
		names = tx;
		n = ARRAY_SIZE(tx);
		break;
	case SIW_CMD_FAULT_ADD:
	case SIW_CMD_FAULT_GET:
	case SIW_CMD_FAULT_DEL:
		names = fault;
		n = ARRAY_SIZE(fault);
		break;
	default:
		return NULL;
	}
	return attr > 0 && attr < n ? names[attr] : NULL;
}

int ctl_fail(int err)
{
	const char *errname, *name;
	char text[512], range[96] = "";

	err = err < 0 ? -err : err;
	errname = strerrorname_np(err);
	if (last.urange)
		snprintf(range, sizeof(range), ", valid %llu to %llu",
			 (unsigned long long)last.umin,
			 (unsigned long long)last.umax);
	else if (last.srange)
		snprintf(range, sizeof(range), ", valid %lld to %lld",
			 (long long)last.smin, (long long)last.smax);

	if (last.msg[0])
		snprintf(text, sizeof(text), "%s%s", last.msg, range);
	else if (last.miss)
		snprintf(text, sizeof(text), "missing attribute %s",
			 attr_name(last.cmd, last.miss) ?: "?");
	else if (err == EPERM)
		snprintf(text, sizeof(text), "%s, needs CAP_NET_ADMIN",
			 strerror(err));
	else
		snprintf(text, sizeof(text), "%s%s", strerror(err), range);

	if (last.subject[0])
		name = last.subject;
	else
		name = last.attr ? attr_name(last.cmd, last.attr) : NULL;
	if (errname)
		return fail("%s%s%s (%s)", name ?: "", name ? ": " : "", text,
			    errname);
	return fail("%s%s%s (error %d)", name ?: "", name ? ": " : "", text,
		    err);
}

static int dev_index_reply(struct nlattr **tb, void *arg)
{
	if (tb[SIW_A_DEV_INDEX])
		*(uint32_t *)arg = nla_get_u32(tb[SIW_A_DEV_INDEX]);
	return 0;
}

/* The kernel resolves the name, and says so if there is no such device. */
int dev_index_of(const char *name, uint32_t *index)
{
	struct nl_msg *msg = ctl_msg(SIW_CMD_DEV_GET, false);

	*index = UINT32_MAX;
	nla_put_string(msg, SIW_A_DEV_NAME, name);
	return ctl_exec(msg, SIW_A_DEV_MAX, dev_index_reply, index);
}

static int devmap_reply(struct nlattr **tb, void *arg)
{
	struct devmap *m = arg;

	if (!tb[SIW_A_DEV_INDEX] || !tb[SIW_A_DEV_NAME] ||
	    m->n == (int)ARRAY_SIZE(m->v))
		return 0;
	m->v[m->n].index = nla_get_u32(tb[SIW_A_DEV_INDEX]);
	snprintf(m->v[m->n].name, sizeof(m->v[0].name), "%s",
		 nla_get_string(tb[SIW_A_DEV_NAME]));
	m->n++;
	return 0;
}

int devmap_load(struct devmap *m)
{
	m->n = 0;
	return ctl_exec(ctl_msg(SIW_CMD_DEV_GET, true), SIW_A_DEV_MAX,
		       devmap_reply, m);
}

/* NULL if there is no such device (even after a fresh dump if @reload). */
const char *devmap_name(struct devmap *m, uint32_t index, bool reload)
{
	int i;

	for (i = 0; i < m->n; i++)
		if (m->v[i].index == index)
			return m->v[i].name;
	if (!reload || devmap_load(m))
		return NULL;
	return devmap_name(m, index, false);
}
