// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * siwctl qp show and stats reset: QPs with their connection, queues and
 * counters; zeroing counters.
 */
#include <arpa/inet.h>
#include <string.h>

#include "siwctl.h"

const struct field qp_fields[] = {
	{ SIW_A_QP_DEV_INDEX, "dev_index", FT_U32, NULL },
	{ SIW_A_QP_NUM, "qpn", FT_U32, NULL },
	{ SIW_A_QP_STATE, "state", FT_ENUM, qp_state_name },
	{ SIW_A_QP_USER, "user", FT_BOOL, NULL },
	{ SIW_A_QP_LOCAL_ADDR, "local_addr", FT_ADDR, NULL },
	{ SIW_A_QP_LOCAL_PORT, "local_port", FT_BE16, NULL },
	{ SIW_A_QP_REMOTE_ADDR, "remote_addr", FT_ADDR, NULL },
	{ SIW_A_QP_REMOTE_PORT, "remote_port", FT_BE16, NULL },
	{ SIW_A_QP_TX_CPU, "tx_cpu", FT_S32, NULL },
	{ SIW_A_QP_IRD, "ird", FT_U32, NULL },
	{ SIW_A_QP_ORD, "ord", FT_U32, NULL },
	{ SIW_A_QP_ORQ_USED, "orq_used", FT_U32, NULL },
	{ SIW_A_QP_IRQ_USED, "irq_used", FT_U32, NULL },
	{ SIW_A_QP_SQ_SIZE, "sq_size", FT_U32, NULL },
	{ SIW_A_QP_RQ_SIZE, "rq_size", FT_U32, NULL },
	{ SIW_A_QP_MPA_REV, "mpa_rev", FT_U8, NULL },
	{ SIW_A_QP_CRC, "crc", FT_BOOL, NULL },
	{ SIW_A_QP_MARKERS_TX, "markers_tx", FT_BOOL, NULL },
	{ SIW_A_QP_MARKERS_RX, "markers_rx", FT_BOOL, NULL },
	{ SIW_A_QP_RDMAP_EXT, "rdmap_ext", FT_BOOL, NULL },
	{ SIW_A_QP_GSO, "gso", FT_BOOL, NULL },
	{ SIW_A_QP_SK_WMEM_QUEUED, "sk_wmem_queued", FT_U32, NULL },
	{ SIW_A_QP_SK_SNDBUF, "sk_sndbuf", FT_U32, NULL },
};

const int n_qp_fields = ARRAY_SIZE(qp_fields);

static int qp_reply(struct nlattr **tb, void *arg)
{
	rec_parse(recs_add(arg), tb, qp_fields, n_qp_fields, SIW_A_QP_STATS);
	return 0;
}

static void cell_u(struct table *t, const struct rec *r, int attr)
{
	if (rec_has(r, attr))
		table_cell(t, "%llu", (unsigned long long)rec_u(r, attr));
	else
		table_cell(t, "-");
}

/* A negotiated setting: "on", "off", or "-" before connecting. */
static void cell_onoff(struct table *t, const struct rec *r, int attr)
{
	if (rec_has(r, attr))
		table_cell(t, "%s", rec_u(r, attr) ? "on" : "off");
	else
		table_cell(t, "-");
}

/* "10.0.0.1:4791", "[fe80::1]:4791", "-" before connecting. */
static void cell_endpoint(struct table *t, const struct rec *r, int addr,
			  int port)
{
	const char *a = rec_s(r, addr);

	if (!a)
		table_cell(t, "-");
	else if (r->family[addr] == AF_INET6)
		table_cell(t, "[%s]:%llu", a, (unsigned long long)rec_u(r, port));
	else
		table_cell(t, "%s:%llu", a, (unsigned long long)rec_u(r, port));
}

static void qp_table(struct recs *rs, struct devmap *m)
{
	struct table *t = table_new();
	bool ops[N_OPCODES] = { false };
	char state[32];
	int i, j;

	for (i = 0; i < rs->n; i++)
		for (j = 0; j < N_OPCODES; j++)
			ops[j] |= stats_op_used(&rs->v[i].stats, j);

	table_col(t, "DEV", false);
	table_col(t, "QPN", true);
	table_col(t, "STATE", false);
	table_col(t, "OWNER", false);
	table_col(t, "LOCAL", false);
	table_col(t, "REMOTE", false);
	table_col(t, "CPU", true);
	table_col(t, "IRD", true);
	table_col(t, "ORD", true);
	table_col(t, "ORQ", true);
	table_col(t, "IRQ", true);
	table_col(t, "SQ", true);
	table_col(t, "RQ", true);
	table_col(t, "MPA", true);
	table_col(t, "CRC", false);
	table_col(t, "MARKERS", false);
	table_col(t, "EXT", false);
	table_col(t, "GSO", false);
	table_col(t, "SNDQ", true);
	table_col(t, "SNDBUF", true);
	table_col(t, "TX_BYTES", true);
	table_col(t, "RX_BYTES", true);
	if (ctl.stats)
		table_stats_cols(t, ops);

	for (i = 0; i < rs->n; i++) {
		const struct rec *r = &rs->v[i];
		uint32_t dev = rec_u(r, SIW_A_QP_DEV_INDEX);
		const char *name = devmap_name(m, dev, true);
		bool mtx = rec_u(r, SIW_A_QP_MARKERS_TX);
		bool mrx = rec_u(r, SIW_A_QP_MARKERS_RX);

		table_row(t);
		if (name)
			table_cell(t, "%s", name);
		else
			table_cell(t, "#%u", dev);
		cell_u(t, r, SIW_A_QP_NUM);
		upcase(state, qp_state_name(rec_u(r, SIW_A_QP_STATE)),
		       sizeof(state));
		table_cell(t, "%s", rec_has(r, SIW_A_QP_STATE) ? state : "-");
		table_cell(t, "%s", rec_u(r, SIW_A_QP_USER) ? "user" : "kernel");
		cell_endpoint(t, r, SIW_A_QP_LOCAL_ADDR, SIW_A_QP_LOCAL_PORT);
		cell_endpoint(t, r, SIW_A_QP_REMOTE_ADDR, SIW_A_QP_REMOTE_PORT);
		if (rec_has(r, SIW_A_QP_TX_CPU) &&
		    (int64_t)rec_u(r, SIW_A_QP_TX_CPU) >= 0)
			table_cell(t, "%lld", (long long)rec_u(r, SIW_A_QP_TX_CPU));
		else
			table_cell(t, "-");
		cell_u(t, r, SIW_A_QP_IRD);
		cell_u(t, r, SIW_A_QP_ORD);
		cell_u(t, r, SIW_A_QP_ORQ_USED);
		cell_u(t, r, SIW_A_QP_IRQ_USED);
		cell_u(t, r, SIW_A_QP_SQ_SIZE);
		cell_u(t, r, SIW_A_QP_RQ_SIZE);
		cell_u(t, r, SIW_A_QP_MPA_REV);
		cell_onoff(t, r, SIW_A_QP_CRC);
		if (!rec_has(r, SIW_A_QP_MARKERS_TX))
			table_cell(t, "-");
		else
			table_cell(t, "%s", mtx && mrx ? "on" : mtx ? "tx" :
					    mrx ? "rx" : "off");
		cell_onoff(t, r, SIW_A_QP_RDMAP_EXT);
		cell_onoff(t, r, SIW_A_QP_GSO);
		cell_u(t, r, SIW_A_QP_SK_WMEM_QUEUED);
		cell_u(t, r, SIW_A_QP_SK_SNDBUF);
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

/* One QP's JSON members, also for the monitor's QP events. */
void qp_json_members(const struct rec *r, struct devmap *m)
{
	const char *name = devmap_name(m, rec_u(r, SIW_A_QP_DEV_INDEX), true);

	if (name)
		json_str("dev", name);
	else
		json_null("dev");
	rec_json(r, qp_fields, n_qp_fields);
	stats_json(&r->stats);
}

static void qp_json(struct recs *rs, struct devmap *m)
{
	int i;

	json_arr_open(NULL);
	for (i = 0; i < rs->n; i++) {
		json_obj_open(NULL);
		qp_json_members(&rs->v[i], m);
		json_obj_close();
	}
	json_arr_close();
}

struct qp_filter {
	bool by_dev, by_num;
	uint32_t dev, num;
	int state;			/* -1: any */
	int addr_len;			/* 0: any */
	uint8_t addr[16];
};

static bool qp_match(const struct rec *r, const struct qp_filter *f)
{
	char want[INET6_ADDRSTRLEN];
	const char *have;

	if (f->by_num && rec_u(r, SIW_A_QP_NUM) != f->num)
		return false;
	if (f->state >= 0 && (!rec_has(r, SIW_A_QP_STATE) ||
			      rec_u(r, SIW_A_QP_STATE) != (uint64_t)f->state))
		return false;
	if (!f->addr_len)
		return true;
	have = rec_s(r, SIW_A_QP_REMOTE_ADDR);
	if (!have || !inet_ntop(f->addr_len == 4 ? AF_INET : AF_INET6, f->addr,
				want, sizeof(want)))
		return false;
	return !strcmp(have, want);
}

/* qp show [dev DEV] [state STATE] [peer ADDR] [qpn N] */
int cmd_qp_show(int argc, char **argv)
{
	struct qp_filter f = { .state = -1 };
	const char *dev = NULL;
	struct devmap m;
	struct recs rs = { 0 };
	struct nl_msg *msg;
	int i, r, k;

	for (i = 0; i < argc; i += 2) {
		r = need_arg(argc, argv, i);
		if (r)
			return r;
		if (!strcmp(argv[i], "dev")) {
			dev = argv[i + 1];
		} else if (!strcmp(argv[i], "state")) {
			f.state = qp_state_parse(argv[i + 1]);
			if (f.state < 0)
				return usage_error("unknown QP state '%s' (idle, rtr, rts, closing, terminate, error)",
						   argv[i + 1]);
		} else if (!strcmp(argv[i], "peer")) {
			if (inet_pton(AF_INET, argv[i + 1], f.addr) == 1)
				f.addr_len = 4;
			else if (inet_pton(AF_INET6, argv[i + 1], f.addr) == 1)
				f.addr_len = 16;
			else
				return usage_error("peer: '%s' is not an IPv4 or IPv6 address",
						   argv[i + 1]);
		} else if (!strcmp(argv[i], "qpn")) {
			if (!parse_u32(argv[i + 1], &f.num))
				return usage_error("qpn: '%s' is not a number",
						   argv[i + 1]);
			f.by_num = true;
		} else {
			return usage_error("unknown argument '%s'", argv[i]);
		}
	}

	r = devmap_load(&m);
	if (r)
		return ctl_fail(r);
	if (dev) {
		r = dev_index_of(dev, &f.dev);
		if (r)
			return ctl_fail(r);
		f.by_dev = true;
	}
	if (f.by_dev && f.by_num) {
		msg = ctl_msg(SIW_CMD_QP_GET, false);
		nla_put_u32(msg, SIW_A_QP_DEV_INDEX, f.dev);
		nla_put_u32(msg, SIW_A_QP_NUM, f.num);
	} else {
		/* The kernel filters by device, state and peer; we by number. */
		msg = ctl_msg(SIW_CMD_QP_GET, true);
		if (f.by_dev)
			nla_put_u32(msg, SIW_A_QP_DEV_INDEX, f.dev);
		if (f.state >= 0)
			nla_put_u32(msg, SIW_A_QP_STATE, f.state);
		if (f.addr_len)
			nla_put(msg, SIW_A_QP_REMOTE_ADDR, f.addr_len, f.addr);
	}
	r = ctl_exec(msg, SIW_A_QP_MAX, qp_reply, &rs);
	if (r) {
		recs_free(&rs);
		return ctl_fail(r);
	}
	for (i = 0, k = 0; i < rs.n; i++) {
		if (!qp_match(&rs.v[i], &f)) {
			for (r = 0; r < REC_ATTRS; r++)
				free(rs.v[i].str[r]);
			continue;
		}
		rs.v[k++] = rs.v[i];
	}
	rs.n = k;
	if (ctl.json)
		qp_json(&rs, &m);
	else
		qp_table(&rs, &m);
	recs_free(&rs);
	return EXIT_OK;
}

static int stats_reset_one(uint32_t dev, bool by_num, uint32_t num)
{
	struct nl_msg *msg = ctl_msg(SIW_CMD_STATS_RESET, false);

	nla_put_u32(msg, SIW_A_QP_DEV_INDEX, dev);
	if (by_num)
		nla_put_u32(msg, SIW_A_QP_NUM, num);
	return ctl_exec(msg, SIW_A_QP_MAX, NULL, NULL);
}

/* stats reset [dev DEV [qpn N]]: without a device, every device. */
int cmd_stats_reset(int argc, char **argv)
{
	const char *dev = NULL;
	bool by_num = false;
	uint32_t index, num = 0;
	struct devmap m;
	int i, r;

	for (i = 0; i < argc; i += 2) {
		r = need_arg(argc, argv, i);
		if (r)
			return r;
		if (!strcmp(argv[i], "dev")) {
			dev = argv[i + 1];
		} else if (!strcmp(argv[i], "qpn")) {
			if (!parse_u32(argv[i + 1], &num))
				return usage_error("qpn: '%s' is not a number",
						   argv[i + 1]);
			by_num = true;
		} else {
			return usage_error("unknown argument '%s'", argv[i]);
		}
	}
	if (by_num && !dev)
		return usage_error("qpn needs dev: QP numbers are per device");
	if (dev) {
		r = dev_index_of(dev, &index);
		if (!r)
			r = stats_reset_one(index, by_num, num);
		return r ? ctl_fail(r) : EXIT_OK;
	}
	r = devmap_load(&m);
	for (i = 0; !r && i < m.n; i++)
		r = stats_reset_one(m.v[i].index, false, 0);
	return r ? ctl_fail(r) : EXIT_OK;
}
