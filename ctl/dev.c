// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * siwctl dev show|set|add|del: devices, their settings for new
 * connections, and creating or deleting them through the rdma tool.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "siwctl.h"

static const struct field dev_fields[] = {
	{ SIW_A_DEV_INDEX, "index", FT_U32, NULL },
	{ SIW_A_DEV_NAME, "name", FT_STR, NULL },
	{ SIW_A_DEV_NETDEV, "netdev", FT_STR, NULL },
	{ SIW_A_DEV_IFINDEX, "ifindex", FT_U32, NULL },
	{ SIW_A_DEV_PORT_STATE, "port_state", FT_ENUM, port_state_name },
	{ SIW_A_DEV_MTU, "mtu", FT_U32, NULL },
	{ SIW_A_DEV_NUM_QP, "num_qp", FT_U32, NULL },
	{ SIW_A_DEV_NUM_CQ, "num_cq", FT_U32, NULL },
	{ SIW_A_DEV_NUM_SRQ, "num_srq", FT_U32, NULL },
	{ SIW_A_DEV_NUM_MR, "num_mr", FT_U32, NULL },
	{ SIW_A_DEV_NUM_PD, "num_pd", FT_U32, NULL },
	{ SIW_A_DEV_NUM_CEP, "num_cep", FT_U32, NULL },
	{ SIW_A_DEV_NUM_UCONTEXT, "num_ucontext", FT_U32, NULL },
	{ SIW_A_DEV_MPA_REV, "mpa_rev", FT_U8, NULL },
	{ SIW_A_DEV_CRC_REQUIRED, "crc_required", FT_BOOL, NULL },
	{ SIW_A_DEV_MARKERS, "markers", FT_BOOL, NULL },
	{ SIW_A_DEV_PEER_TO_PEER, "peer_to_peer", FT_BOOL, NULL },
	{ SIW_A_DEV_TCP_NODELAY, "tcp_nodelay", FT_BOOL, NULL },
};

static int dev_reply(struct nlattr **tb, void *arg)
{
	rec_parse(recs_add(arg), tb, dev_fields, ARRAY_SIZE(dev_fields),
		  SIW_A_DEV_STATS);
	return 0;
}

static void cell_u(struct table *t, const struct rec *r, int attr)
{
	if (rec_has(r, attr))
		table_cell(t, "%llu", (unsigned long long)rec_u(r, attr));
	else
		table_cell(t, "-");
}

static void cell_onoff(struct table *t, const struct rec *r, int attr)
{
	if (rec_has(r, attr))
		table_cell(t, "%s", rec_u(r, attr) ? "on" : "off");
	else
		table_cell(t, "-");
}

static void dev_table(struct recs *rs)
{
	struct table *t = table_new();
	bool ops[N_OPCODES] = { false };
	char state[32];
	int i, j;

	for (i = 0; i < rs->n; i++)
		for (j = 0; j < N_OPCODES; j++)
			ops[j] |= stats_op_used(&rs->v[i].stats, j);

	table_col(t, "NAME", false);
	table_col(t, "NETDEV", false);
	table_col(t, "STATE", false);
	table_col(t, "MTU", true);
	table_col(t, "QP", true);
	table_col(t, "CQ", true);
	table_col(t, "SRQ", true);
	table_col(t, "MR", true);
	table_col(t, "PD", true);
	table_col(t, "CEP", true);
	table_col(t, "CTX", true);
	table_col(t, "MPA", true);
	table_col(t, "CRC", false);
	table_col(t, "MARKERS", false);
	table_col(t, "P2P", false);
	table_col(t, "NODELAY", false);
	table_col(t, "TX_BYTES", true);
	table_col(t, "RX_BYTES", true);
	if (ctl.stats)
		table_stats_cols(t, ops);

	for (i = 0; i < rs->n; i++) {
		const struct rec *r = &rs->v[i];

		table_row(t);
		table_cell(t, "%s", rec_s(r, SIW_A_DEV_NAME) ?: "-");
		table_cell(t, "%s", rec_s(r, SIW_A_DEV_NETDEV) ?: "-");
		upcase(state, port_state_name(rec_u(r, SIW_A_DEV_PORT_STATE)),
		       sizeof(state));
		table_cell(t, "%s", rec_has(r, SIW_A_DEV_PORT_STATE) ? state : "-");
		cell_u(t, r, SIW_A_DEV_MTU);
		cell_u(t, r, SIW_A_DEV_NUM_QP);
		cell_u(t, r, SIW_A_DEV_NUM_CQ);
		cell_u(t, r, SIW_A_DEV_NUM_SRQ);
		cell_u(t, r, SIW_A_DEV_NUM_MR);
		cell_u(t, r, SIW_A_DEV_NUM_PD);
		cell_u(t, r, SIW_A_DEV_NUM_CEP);
		cell_u(t, r, SIW_A_DEV_NUM_UCONTEXT);
		cell_u(t, r, SIW_A_DEV_MPA_REV);
		cell_onoff(t, r, SIW_A_DEV_CRC_REQUIRED);
		cell_onoff(t, r, SIW_A_DEV_MARKERS);
		cell_onoff(t, r, SIW_A_DEV_PEER_TO_PEER);
		cell_onoff(t, r, SIW_A_DEV_TCP_NODELAY);
		if (r->stats.present) {
			table_cell(t, "%llu", (unsigned long long)r->stats.tx_bytes);
			table_cell(t, "%llu", (unsigned long long)r->stats.rx_bytes);
		} else {
			table_cell(t, "-");
			table_cell(t, "-");
		}
		if (ctl.stats)
			table_stats_cells(t, &r->stats, ops);
	}
	table_print(t);
	table_free(t);
}

static void dev_json(struct recs *rs)
{
	int i;

	json_arr_open(NULL);
	for (i = 0; i < rs->n; i++) {
		json_obj_open(NULL);
		rec_json(&rs->v[i], dev_fields, ARRAY_SIZE(dev_fields));
		stats_json(&rs->v[i].stats);
		json_obj_close();
	}
	json_arr_close();
}

/* dev show [DEV] */
int cmd_dev_show(int argc, char **argv)
{
	struct recs rs = { 0 };
	struct nl_msg *msg;
	int r;

	if (argc > 1)
		return usage_error("unexpected argument '%s'", argv[1]);
	if (argc == 1) {
		msg = ctl_msg(SIW_CMD_DEV_GET, false);
		nla_put_string(msg, SIW_A_DEV_NAME, argv[0]);
	} else {
		msg = ctl_msg(SIW_CMD_DEV_GET, true);
	}
	r = ctl_exec(msg, SIW_A_DEV_MAX, dev_reply, &rs);
	if (r) {
		recs_free(&rs);
		return ctl_fail(r);
	}
	if (ctl.json)
		dev_json(&rs);
	else
		dev_table(&rs);
	recs_free(&rs);
	return EXIT_OK;
}

static const struct {
	const char *key, *alias;
	int attr;
	bool onoff;
} dev_settings[] = {
	{ "mpa-rev", "mpa", SIW_A_DEV_MPA_REV, false },
	{ "crc", "crc-required", SIW_A_DEV_CRC_REQUIRED, true },
	{ "markers", NULL, SIW_A_DEV_MARKERS, true },
	{ "p2p", "peer-to-peer", SIW_A_DEV_PEER_TO_PEER, true },
	{ "tcp-nodelay", "nodelay", SIW_A_DEV_TCP_NODELAY, true },
};

/* dev set DEV SETTING VALUE... */
int cmd_dev_set(int argc, char **argv)
{
	uint8_t val[ARRAY_SIZE(dev_settings)];
	bool set[ARRAY_SIZE(dev_settings)] = { false };
	struct nl_msg *msg;
	unsigned int k;
	uint32_t n;
	int i, r;

	if (argc < 1)
		return usage_error("which device?");
	if (argc < 3)
		return usage_error("nothing to set");
	for (i = 1; i < argc; i += 2) {
		for (k = 0; k < ARRAY_SIZE(dev_settings); k++)
			if (!strcmp(argv[i], dev_settings[k].key) ||
			    (dev_settings[k].alias &&
			     !strcmp(argv[i], dev_settings[k].alias)))
				break;
		if (k == ARRAY_SIZE(dev_settings))
			return usage_error("unknown setting '%s'", argv[i]);
		r = need_arg(argc, argv, i);
		if (r)
			return r;
		if (dev_settings[k].onoff) {
			r = parse_onoff(argv[i], argv[i + 1], &val[k]);
			if (r)
				return r;
		} else {
			/* Any u8: the kernel checks the range and says so. */
			if (!parse_u32(argv[i + 1], &n) || n > UINT8_MAX)
				return usage_error("%s: '%s' is not a number from 0 to 255",
						   argv[i], argv[i + 1]);
			val[k] = n;
		}
		set[k] = true;
	}
	msg = ctl_msg(SIW_CMD_DEV_SET, false);
	nla_put_string(msg, SIW_A_DEV_NAME, argv[0]);
	for (k = 0; k < ARRAY_SIZE(dev_settings); k++)
		if (set[k])
			nla_put_u8(msg, dev_settings[k].attr, val[k]);
	r = ctl_exec(msg, SIW_A_DEV_MAX, NULL, NULL);
	return r ? ctl_fail(r) : EXIT_OK;
}

/*
 * Run the rdma tool (iproute2) with @argv; its error message becomes
 * ours. Also from /usr/sbin and /sbin: not every PATH holds them.
 */
static int run_rdma(char *const argv[])
{
	char buf[2048], *msg, *p;
	size_t len = 0;
	int pfd[2], status;
	ssize_t n;
	pid_t pid;

	fflush(stdout);
	if (pipe(pfd))
		return fail("pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		return fail("fork: %s", strerror(errno));
	if (!pid) {
		close(pfd[0]);
		dup2(pfd[1], STDERR_FILENO);
		close(pfd[1]);
		execvp("rdma", argv);
		execv("/usr/sbin/rdma", argv);
		execv("/sbin/rdma", argv);
		fprintf(stderr, "cannot run rdma: %s", strerror(errno));
		_exit(127);
	}
	close(pfd[1]);
	for (;;) {
		n = read(pfd[0], buf + len, sizeof(buf) - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += n;
		if (len == sizeof(buf) - 1) {
			/* Keep what we have, drain the rest. */
			char sink[512];

			while (read(pfd[0], sink, sizeof(sink)) > 0)
				;
			break;
		}
	}
	close(pfd[0]);
	buf[len] = '\0';
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return fail("waitpid: %s", strerror(errno));
	if (WIFEXITED(status) && !WEXITSTATUS(status)) {
		fputs(buf, stderr);
		return EXIT_OK;
	}

	/* One line: "error: " dropped, lines joined. */
	msg = buf;
	while (*msg == ' ' || *msg == '\n')
		msg++;
	if (!strncmp(msg, "error: ", 7))
		msg += 7;
	for (p = msg + strlen(msg); p > msg && (p[-1] == '\n' || p[-1] == ' ');)
		*--p = '\0';
	for (p = msg; *p; p++)
		if (*p == '\n')
			*p = ';';
	if (WIFEXITED(status))
		return fail("rdma %s %s: %s%sexit %d", argv[1], argv[2], msg,
			    *msg ? ", " : "", WEXITSTATUS(status));
	return fail("rdma %s %s: killed by signal %d", argv[1], argv[2],
		    WTERMSIG(status));
}

/* dev add NAME netdev IFNAME: rdma link add NAME type siw netdev IFNAME */
int cmd_dev_add(int argc, char **argv)
{
	char *rdma[] = { "rdma", "link", "add", NULL, "type", "siw",
			 "netdev", NULL, NULL };
	char path[256];

	if (argc < 1)
		return usage_error("which name?");
	if (argc < 2 || strcmp(argv[1], "netdev"))
		return usage_error("expected: dev add NAME netdev IFNAME");
	if (argc < 3)
		return usage_error("netdev: which interface?");
	if (argc > 3)
		return usage_error("unexpected argument '%s'", argv[3]);
	/* The RDMA core says ENFILE ("Too many open files") for a taken name. */
	snprintf(path, sizeof(path), "/sys/class/infiniband/%s", argv[0]);
	if (!access(path, F_OK))
		return fail("%s: an RDMA device of that name exists (EEXIST)",
			    argv[0]);
	rdma[3] = argv[0];
	rdma[7] = argv[2];
	return run_rdma(rdma);
}

/* dev del NAME: rdma link delete NAME */
int cmd_dev_del(int argc, char **argv)
{
	char *rdma[] = { "rdma", "link", "delete", NULL, NULL };

	if (argc < 1)
		return usage_error("which device?");
	if (argc > 1)
		return usage_error("unexpected argument '%s'", argv[1]);
	rdma[3] = argv[0];
	return run_rdma(rdma);
}
