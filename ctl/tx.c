// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * siwctl tx show|set: the per-CPU transmit threads and their CPU list.
 */
#include <string.h>

#include "siwctl.h"

static const struct field tx_fields[] = {
	{ SIW_A_TX_CPU, "cpu", FT_U32, NULL },
	{ SIW_A_TX_QPS, "qps", FT_U32, NULL },
	{ SIW_A_TX_RUNS, "runs", FT_U64, NULL },
	{ SIW_A_TX_WAKEUPS, "wakeups", FT_U64, NULL },
	{ SIW_A_TX_BUSY_NS, "busy_ns", FT_U64, NULL },
	{ SIW_A_TX_POLL_HITS, "poll_hits", FT_U64, NULL },
	{ SIW_A_TX_POLL_NS, "poll_ns", FT_U64, NULL },
};

static int tx_reply(struct nlattr **tb, void *arg)
{
	rec_parse(recs_add(arg), tb, tx_fields, ARRAY_SIZE(tx_fields), 0);
	return 0;
}

/* tx show */
int cmd_tx_show(int argc, char **argv)
{
	struct recs rs = { 0 };
	struct table *t;
	unsigned int j;
	int i, r;

	if (argc)
		return usage_error("unexpected argument '%s'", argv[0]);
	r = ctl_exec(ctl_msg(SIW_CMD_TX_GET, true), SIW_A_TX_MAX, tx_reply, &rs);
	if (r) {
		recs_free(&rs);
		return ctl_fail(r);
	}
	if (ctl.json) {
		json_arr_open(NULL);
		for (i = 0; i < rs.n; i++) {
			json_obj_open(NULL);
			rec_json(&rs.v[i], tx_fields, ARRAY_SIZE(tx_fields));
			json_obj_close();
		}
		json_arr_close();
		recs_free(&rs);
		return EXIT_OK;
	}
	t = table_new();
	table_col(t, "CPU", true);
	table_col(t, "QPS", true);
	table_col(t, "RUNS", true);
	table_col(t, "WAKEUPS", true);
	table_col(t, "BUSY_MS", true);
	table_col(t, "POLL_HITS", true);
	table_col(t, "POLL_MS", true);
	for (i = 0; i < rs.n; i++) {
		const struct rec *rec = &rs.v[i];

		table_row(t);
		for (j = 0; j < ARRAY_SIZE(tx_fields); j++) {
			unsigned int a = tx_fields[j].attr;
			unsigned long long v = rec_u(rec, a);

			/* Times in ns, shown in ms (the _MS columns). */
			if (a == SIW_A_TX_BUSY_NS || a == SIW_A_TX_POLL_NS)
				table_cell(t, "%.3f", v / 1e6);
			else
				table_cell(t, "%llu", v);
		}
	}
	table_print(t);
	table_free(t);
	recs_free(&rs);
	return EXIT_OK;
}

/* tx set cpus LIST */
int cmd_tx_set(int argc, char **argv)
{
	struct nl_msg *msg;
	int r;

	if (!argc || (strcmp(argv[0], "cpus") && strcmp(argv[0], "cpu-list")))
		return usage_error("expected: tx set cpus LIST");
	if (argc < 2)
		return usage_error("cpus: which CPUs (for example 0,2-3)?");
	if (argc > 2)
		return usage_error("unexpected argument '%s'", argv[2]);
	msg = ctl_msg(SIW_CMD_TX_SET, false);
	nla_put_string(msg, SIW_A_TX_CPU_LIST, argv[1]);
	r = ctl_exec(msg, SIW_A_TX_MAX, NULL, NULL);
	return r ? ctl_fail(r) : EXIT_OK;
}
