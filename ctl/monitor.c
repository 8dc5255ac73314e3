// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * siwctl monitor: the "monitor" multicast group, one line (or one JSON
 * object) per event, until SIGINT or SIGTERM.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/time.h>

#include "siwctl.h"

static volatile sig_atomic_t stop;

struct monitor {
	struct devmap devs;
	bool by_dev;
	uint32_t dev;
};

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* "12:34:56.789 " for people, seconds since the epoch for machines. */
static void stamp(void)
{
	struct timeval tv;
	struct tm tm;
	char buf[16];

	gettimeofday(&tv, NULL);
	if (ctl.json) {
		json_double("time", tv.tv_sec + tv.tv_usec / 1e6);
		return;
	}
	localtime_r(&tv.tv_sec, &tm);
	strftime(buf, sizeof(buf), "%H:%M:%S", &tm);
	printf("%s.%03ld ", buf, (long)tv.tv_usec / 1000);
}

static const char *dev_label(struct monitor *mon, uint32_t index, char *buf,
			     size_t size)
{
	const char *name = devmap_name(&mon->devs, index, true);

	if (name)
		return name;
	snprintf(buf, size, "#%u", index);
	return buf;
}

static void qp_event(struct monitor *mon, struct nlattr **tb)
{
	char state[32], dev[32], local[64], remote[64];
	struct rec r = { 0 };
	int i;

	rec_parse(&r, tb, qp_fields, n_qp_fields, SIW_A_QP_STATS);
	if (mon->by_dev && rec_u(&r, SIW_A_QP_DEV_INDEX) != mon->dev)
		goto out;
	if (ctl.json) {
		json_obj_open(NULL);
		stamp();
		json_str("event", "qp-state");
		qp_json_members(&r, &mon->devs);
		json_obj_close();
		goto out;
	}
	stamp();
	upcase(state, qp_state_name(rec_u(&r, SIW_A_QP_STATE)), sizeof(state));
	printf("qp %s qpn %llu %s",
	       dev_label(mon, rec_u(&r, SIW_A_QP_DEV_INDEX), dev, sizeof(dev)),
	       (unsigned long long)rec_u(&r, SIW_A_QP_NUM), state);
	if (rec_s(&r, SIW_A_QP_LOCAL_ADDR) && rec_s(&r, SIW_A_QP_REMOTE_ADDR)) {
		const char *fmt6 = "[%s]:%llu", *fmt4 = "%s:%llu";
		bool v6 = r.family[SIW_A_QP_LOCAL_ADDR] == AF_INET6;

		snprintf(local, sizeof(local), v6 ? fmt6 : fmt4,
			 rec_s(&r, SIW_A_QP_LOCAL_ADDR),
			 (unsigned long long)rec_u(&r, SIW_A_QP_LOCAL_PORT));
		snprintf(remote, sizeof(remote), v6 ? fmt6 : fmt4,
			 rec_s(&r, SIW_A_QP_REMOTE_ADDR),
			 (unsigned long long)rec_u(&r, SIW_A_QP_REMOTE_PORT));
		printf(" local %s remote %s", local, remote);
	}
	if (rec_has(&r, SIW_A_QP_TX_CPU) &&
	    (int64_t)rec_u(&r, SIW_A_QP_TX_CPU) >= 0)
		printf(" cpu %lld", (long long)rec_u(&r, SIW_A_QP_TX_CPU));
	if (r.stats.present)
		printf(" tx %llu rx %llu bytes",
		       (unsigned long long)r.stats.tx_bytes,
		       (unsigned long long)r.stats.rx_bytes);
	putchar('\n');
	fflush(stdout);
out:
	for (i = 0; i < REC_ATTRS; i++)
		free(r.str[i]);
}

static uint32_t get_u32(struct nlattr *a)
{
	return a && nla_len(a) >= 4 ? nla_get_u32(a) : 0;
}

static uint8_t get_u8(struct nlattr *a)
{
	return a && nla_len(a) >= 1 ? nla_get_u8(a) : 0;
}

/* Terminate layers, types and codes: RFC 5040 section 7. */
static void term_event(struct monitor *mon, struct nlattr **tb)
{
	uint32_t index = get_u32(tb[SIW_A_TERM_DEV_INDEX]);
	uint32_t qpn = get_u32(tb[SIW_A_TERM_QP_NUM]);
	uint32_t dir = get_u32(tb[SIW_A_TERM_DIR]);
	uint8_t layer = get_u8(tb[SIW_A_TERM_LAYER]);
	uint8_t etype = get_u8(tb[SIW_A_TERM_ETYPE]);
	uint8_t ecode = get_u8(tb[SIW_A_TERM_ECODE]);
	const char *name = devmap_name(&mon->devs, index, true);
	char dev[32];

	if (mon->by_dev && index != mon->dev)
		return;
	if (ctl.json) {
		json_obj_open(NULL);
		stamp();
		json_str("event", "terminate");
		if (name)
			json_str("dev", name);
		else
			json_null("dev");
		json_u64("dev_index", index);
		json_u64("qpn", qpn);
		json_str("dir", term_dir_name(dir) ?: "?");
		json_u64("layer", layer);
		json_str("layer_name", term_layer_name(layer) ?: "?");
		json_u64("etype", etype);
		json_u64("ecode", ecode);
		json_obj_close();
		return;
	}
	stamp();
	printf("term %s qpn %u %s layer %s etype 0x%x ecode 0x%02x\n",
	       dev_label(mon, index, dev, sizeof(dev)), qpn,
	       term_dir_name(dir) ?: "?", term_layer_name(layer) ?: "?",
	       etype, ecode);
	fflush(stdout);
}

static void dev_event(struct monitor *mon, struct nlattr **tb)
{
	uint32_t index = get_u32(tb[SIW_A_DEV_NTF_INDEX]);
	uint32_t event = get_u32(tb[SIW_A_DEV_NTF_EVENT]);
	const char *name = tb[SIW_A_DEV_NTF_NAME] ?
			   nla_get_string(tb[SIW_A_DEV_NTF_NAME]) : "?";

	if (mon->by_dev && index != mon->dev)
		return;
	/* Names of new devices for the events that follow. */
	if (event == SIW_DEV_EVENT_ADDED)
		devmap_load(&mon->devs);
	if (ctl.json) {
		json_obj_open(NULL);
		stamp();
		json_str("event", "dev");
		json_str("dev", name);
		json_u64("dev_index", index);
		json_str("dev_event", dev_event_name(event) ?: "?");
		json_obj_close();
		return;
	}
	stamp();
	printf("dev %s %s\n", name, dev_event_name(event) ?: "?");
	fflush(stdout);
}

static int on_event(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct genlmsghdr *g = nlmsg_data(nlh);
	struct nlattr *tb[SIW_A_QP_MAX + 1];
	struct monitor *mon = arg;

	if (nlh->nlmsg_type != ctl.family)
		return NL_SKIP;
	if (genlmsg_parse(nlh, 0, tb, SIW_A_QP_MAX, NULL) < 0)
		return NL_SKIP;
	switch (g->cmd) {
	case SIW_CMD_QP_STATE_NTF:
		qp_event(mon, tb);
		break;
	case SIW_CMD_TERM_NTF:
		term_event(mon, tb);
		break;
	case SIW_CMD_DEV_NTF:
		dev_event(mon, tb);
		break;
	}
	return NL_OK;
}

/* monitor [dev DEV] */
int cmd_monitor(int argc, char **argv)
{
	struct monitor mon = { 0 };
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t block, orig;
	struct nl_sock *sk;
	struct pollfd pfd;
	int grp, r;

	if (argc && strcmp(argv[0], "dev"))
		return usage_error("unknown argument '%s'", argv[0]);
	if (argc == 1)
		return usage_error("dev: which device?");
	if (argc > 2)
		return usage_error("unexpected argument '%s'", argv[2]);
	if (argc) {
		r = dev_index_of(argv[1], &mon.dev);
		if (r)
			return ctl_fail(r);
		mon.by_dev = true;
	}
	r = devmap_load(&mon.devs);
	if (r)
		return ctl_fail(r);
	grp = ctl_monitor_group();
	if (grp < 0)
		return fail("no multicast group \"%s\": %s", SIW_MCGRP_MONITOR,
			    nl_geterror(grp));

	sk = nl_socket_alloc();
	if (!sk)
		return fail("out of memory");
	r = genl_connect(sk);
	if (!r) {
		nl_socket_disable_seq_check(sk);
		nl_socket_set_buffer_size(sk, 1 << 20, 0);
		nl_socket_enable_msg_peek(sk);
		r = nl_socket_add_membership(sk, grp);
	}
	if (!r)
		r = nl_socket_set_nonblocking(sk);
	if (r) {
		nl_socket_free(sk);
		return fail("cannot subscribe to the monitor group: %s",
			    nl_geterror(r));
	}
	nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, on_event, &mon);

	/*
	 * The signals stay blocked except inside ppoll(): one that comes
	 * between the check of stop and the wait still ends the wait.
	 */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &orig);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	pfd.fd = nl_socket_get_fd(sk);
	pfd.events = POLLIN;
	r = EXIT_OK;
	while (!stop) {
		if (ppoll(&pfd, 1, NULL, &orig) < 0) {
			if (errno == EINTR)
				continue;
			r = fail("poll: %s", strerror(errno));
			break;
		}
		r = nl_recvmsgs_default(sk);
		if (r == -NLE_AGAIN) {
			r = EXIT_OK;
			continue;
		}
		if (r == -NLE_NOMEM) {
			/* ENOBUFS: the socket overflowed, events were lost. */
			fprintf(stderr, "siwctl: monitor: events lost (ENOBUFS)\n");
			r = EXIT_OK;
			continue;
		}
		if (r < 0) {
			r = fail("receive: %s", nl_geterror(r));
			break;
		}
		r = EXIT_OK;
	}
	fflush(stdout);
	nl_socket_free(sk);
	return r;
}
