// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * siwctl fault add|show|del: fault injection rules of the devices.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "siwctl.h"

static const struct field fault_fields[] = {
	{ SIW_A_FAULT_ID, "id", FT_U32, NULL },
	{ SIW_A_FAULT_DEV_INDEX, "dev_index", FT_U32, NULL },
	{ SIW_A_FAULT_QP_NUM, "qpn", FT_U32, NULL },
	{ SIW_A_FAULT_TYPE, "type", FT_ENUM, fault_type_name },
	{ SIW_A_FAULT_EVERY, "every", FT_U32, NULL },
	{ SIW_A_FAULT_PROBABILITY, "probability", FT_U32, NULL },
	{ SIW_A_FAULT_DELAY_MS, "delay_ms", FT_U32, NULL },
	{ SIW_A_FAULT_COUNT, "count", FT_U32, NULL },
	{ SIW_A_FAULT_CANDIDATES, "candidates", FT_U64, NULL },
	{ SIW_A_FAULT_HITS, "hits", FT_U64, NULL },
};

/* "250" parts per million, or "0.5%". */
static bool parse_probability(const char *s, uint32_t *ppm)
{
	size_t len = strlen(s);
	char *end;
	double pct;

	if (!len || s[len - 1] != '%')
		return parse_u32(s, ppm);
	pct = strtod(s, &end);
	if (end != s + len - 1 || end == s || !isfinite(pct) || pct < 0 ||
	    pct > 100)
		return false;
	*ppm = (uint32_t)llround(pct * 10000);
	return true;
}

static int fault_id_reply(struct nlattr **tb, void *arg)
{
	if (tb[SIW_A_FAULT_ID])
		*(uint32_t *)arg = nla_get_u32(tb[SIW_A_FAULT_ID]);
	return 0;
}

/*
 * fault add dev DEV type TYPE {every N | probability PPM|P%} [qpn N]
 *	     [delay MS] [count N]
 */
int cmd_fault_add(int argc, char **argv)
{
	static const struct {
		const char *key, *alias;
		int attr;
	} nums[] = {
		{ "every", NULL, SIW_A_FAULT_EVERY },
		{ "qpn", "qp", SIW_A_FAULT_QP_NUM },
		{ "delay", "delay-ms", SIW_A_FAULT_DELAY_MS },
		{ "count", "limit", SIW_A_FAULT_COUNT },
	};
	uint32_t val[SIW_A_FAULT_MAX + 1];
	bool set[SIW_A_FAULT_MAX + 1] = { false };
	const char *dev = NULL;
	struct nl_msg *msg;
	uint32_t index, id = 0;
	unsigned int k;
	int i, r, type = -1;

	for (i = 0; i < argc; i += 2) {
		r = need_arg(argc, argv, i);
		if (r)
			return r;
		if (!strcmp(argv[i], "dev")) {
			dev = argv[i + 1];
			continue;
		}
		if (!strcmp(argv[i], "type")) {
			type = fault_type_parse(argv[i + 1]);
			if (type < 0)
				return usage_error("unknown fault type '%s' (drop, corrupt, truncate, delay, reset, alloc-fail, corrupt-placed)",
						   argv[i + 1]);
			continue;
		}
		if (!strcmp(argv[i], "probability")) {
			if (!parse_probability(argv[i + 1],
					       &val[SIW_A_FAULT_PROBABILITY]))
				return usage_error("probability: '%s' is neither parts per million nor a percentage",
						   argv[i + 1]);
			set[SIW_A_FAULT_PROBABILITY] = true;
			continue;
		}
		for (k = 0; k < ARRAY_SIZE(nums); k++)
			if (!strcmp(argv[i], nums[k].key) ||
			    (nums[k].alias && !strcmp(argv[i], nums[k].alias)))
				break;
		if (k == ARRAY_SIZE(nums))
			return usage_error("unknown argument '%s'", argv[i]);
		if (!parse_u32(argv[i + 1], &val[nums[k].attr]))
			return usage_error("%s: '%s' is not a number", argv[i],
					   argv[i + 1]);
		set[nums[k].attr] = true;
	}
	if (!dev)
		return usage_error("which device (dev DEV)?");
	if (type < 0)
		return usage_error("which fault (type TYPE)?");

	r = dev_index_of(dev, &index);
	if (r)
		return ctl_fail(r);
	msg = ctl_msg(SIW_CMD_FAULT_ADD, false);
	nla_put_u32(msg, SIW_A_FAULT_DEV_INDEX, index);
	nla_put_u32(msg, SIW_A_FAULT_TYPE, type);
	for (i = 0; i <= SIW_A_FAULT_MAX; i++)
		if (set[i])
			nla_put_u32(msg, i, val[i]);
	r = ctl_exec(msg, SIW_A_FAULT_MAX, fault_id_reply, &id);
	if (r)
		return ctl_fail(r);
	if (ctl.json) {
		json_obj_open(NULL);
		json_u64("id", id);
		json_str("dev", dev);
		json_u64("dev_index", index);
		json_obj_close();
	} else {
		printf("fault rule %u added to %s\n", id, dev);
	}
	return EXIT_OK;
}

static int fault_reply(struct nlattr **tb, void *arg)
{
	rec_parse(recs_add(arg), tb, fault_fields, ARRAY_SIZE(fault_fields), 0);
	return 0;
}

static void cell_u(struct table *t, const struct rec *r, int attr)
{
	if (rec_has(r, attr))
		table_cell(t, "%llu", (unsigned long long)rec_u(r, attr));
	else
		table_cell(t, "-");
}

static void fault_table(struct recs *rs, struct devmap *m)
{
	struct table *t = table_new();
	const char *name;
	int i;

	table_col(t, "DEV", false);
	table_col(t, "ID", true);
	table_col(t, "TYPE", false);
	table_col(t, "QPN", true);
	table_col(t, "EVERY", true);
	table_col(t, "PPM", true);
	table_col(t, "DELAY_MS", true);
	table_col(t, "COUNT", true);
	table_col(t, "CANDIDATES", true);
	table_col(t, "HITS", true);
	for (i = 0; i < rs->n; i++) {
		const struct rec *r = &rs->v[i];
		uint32_t dev = rec_u(r, SIW_A_FAULT_DEV_INDEX);

		table_row(t);
		name = devmap_name(m, dev, true);
		if (name)
			table_cell(t, "%s", name);
		else
			table_cell(t, "#%u", dev);
		cell_u(t, r, SIW_A_FAULT_ID);
		name = fault_type_name(rec_u(r, SIW_A_FAULT_TYPE));
		if (name)
			table_cell(t, "%s", name);
		else
			cell_u(t, r, SIW_A_FAULT_TYPE);
		if (rec_has(r, SIW_A_FAULT_QP_NUM))
			cell_u(t, r, SIW_A_FAULT_QP_NUM);
		else
			table_cell(t, "any");
		cell_u(t, r, SIW_A_FAULT_EVERY);
		cell_u(t, r, SIW_A_FAULT_PROBABILITY);
		cell_u(t, r, SIW_A_FAULT_DELAY_MS);
		cell_u(t, r, SIW_A_FAULT_COUNT);
		cell_u(t, r, SIW_A_FAULT_CANDIDATES);
		cell_u(t, r, SIW_A_FAULT_HITS);
	}
	table_print(t);
	table_free(t);
}

/* fault show [dev DEV] */
int cmd_fault_show(int argc, char **argv)
{
	struct recs rs = { 0 };
	struct devmap m;
	uint32_t index = 0;
	bool by_dev = false;
	int i, k, r;

	if (argc && strcmp(argv[0], "dev"))
		return usage_error("unknown argument '%s'", argv[0]);
	if (argc == 1)
		return usage_error("dev: which device?");
	if (argc > 2)
		return usage_error("unexpected argument '%s'", argv[2]);
	r = devmap_load(&m);
	if (r)
		return ctl_fail(r);
	if (argc) {
		r = dev_index_of(argv[1], &index);
		if (r)
			return ctl_fail(r);
		by_dev = true;
	}
	r = ctl_exec(ctl_msg(SIW_CMD_FAULT_GET, true), SIW_A_FAULT_MAX,
		     fault_reply, &rs);
	if (r) {
		recs_free(&rs);
		return ctl_fail(r);
	}
	for (i = 0, k = 0; i < rs.n; i++) {
		if (by_dev && rec_u(&rs.v[i], SIW_A_FAULT_DEV_INDEX) != index)
			continue;
		rs.v[k++] = rs.v[i];
	}
	rs.n = k;
	if (ctl.json) {
		json_arr_open(NULL);
		for (i = 0; i < rs.n; i++) {
			const char *name = devmap_name(&m,
				rec_u(&rs.v[i], SIW_A_FAULT_DEV_INDEX), true);

			json_obj_open(NULL);
			if (name)
				json_str("dev", name);
			else
				json_null("dev");
			rec_json(&rs.v[i], fault_fields, ARRAY_SIZE(fault_fields));
			json_obj_close();
		}
		json_arr_close();
	} else {
		fault_table(&rs, &m);
	}
	recs_free(&rs);
	return EXIT_OK;
}

static int fault_del_one(uint32_t index, bool by_id, uint32_t id)
{
	struct nl_msg *msg = ctl_msg(SIW_CMD_FAULT_DEL, false);

	nla_put_u32(msg, SIW_A_FAULT_DEV_INDEX, index);
	if (by_id)
		nla_put_u32(msg, SIW_A_FAULT_ID, id);
	return ctl_exec(msg, SIW_A_FAULT_MAX, NULL, NULL);
}

/* fault del [dev DEV [id N]]: without an id all of DEV's, or everyone's. */
int cmd_fault_del(int argc, char **argv)
{
	const char *dev = NULL;
	bool by_id = false;
	uint32_t index, id = 0;
	struct devmap m;
	int i, r;

	for (i = 0; i < argc; i += 2) {
		r = need_arg(argc, argv, i);
		if (r)
			return r;
		if (!strcmp(argv[i], "dev")) {
			dev = argv[i + 1];
		} else if (!strcmp(argv[i], "id")) {
			if (!parse_u32(argv[i + 1], &id))
				return usage_error("id: '%s' is not a number",
						   argv[i + 1]);
			by_id = true;
		} else {
			return usage_error("unknown argument '%s'", argv[i]);
		}
	}
	if (by_id && !dev)
		return usage_error("id needs dev: rule ids are per device");
	if (dev) {
		r = dev_index_of(dev, &index);
		if (!r)
			r = fault_del_one(index, by_id, id);
		return r ? ctl_fail(r) : EXIT_OK;
	}
	r = devmap_load(&m);
	for (i = 0; !r && i < m.n; i++)
		r = fault_del_one(m.v[i].index, false, 0);
	return r ? ctl_fail(r) : EXIT_OK;
}
