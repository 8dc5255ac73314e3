// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * siwctl objects: the module's live objects by type, all devices
 * together. After every user is gone each count should be 0; one that
 * stays up is a leak (Documentation/faults.md).
 */
#include "siwctl.h"

static const struct field obj_fields[] = {
	{ SIW_A_OBJECTS_DEVICES, "devices", FT_U32, NULL },
	{ SIW_A_OBJECTS_UCONTEXTS, "ucontexts", FT_U32, NULL },
	{ SIW_A_OBJECTS_PDS, "pds", FT_U32, NULL },
	{ SIW_A_OBJECTS_CQS, "cqs", FT_U32, NULL },
	{ SIW_A_OBJECTS_SRQS, "srqs", FT_U32, NULL },
	{ SIW_A_OBJECTS_QPS, "qps", FT_U32, NULL },
	{ SIW_A_OBJECTS_MRS, "mrs", FT_U32, NULL },
	{ SIW_A_OBJECTS_CEPS, "ceps", FT_U32, NULL },
	{ SIW_A_OBJECTS_LISTENERS, "listeners", FT_U32, NULL },
	{ SIW_A_OBJECTS_MMAP_ENTRIES, "mmap_entries", FT_U32, NULL },
	{ SIW_A_OBJECTS_TX_WORK, "tx_work", FT_U32, NULL },
};

static int objects_reply(struct nlattr **tb, void *arg)
{
	rec_parse(arg, tb, obj_fields, ARRAY_SIZE(obj_fields), 0);
	return 0;
}

/* objects [show] */
int cmd_objects_show(int argc, char **argv)
{
	struct rec rec = { 0 };
	struct table *t;
	unsigned int i;
	int r;

	if (argc)
		return usage_error("unexpected argument '%s'", argv[0]);
	r = ctl_exec(ctl_msg(SIW_CMD_OBJECTS_GET, false), SIW_A_OBJECTS_MAX,
		     objects_reply, &rec);
	if (r)
		return ctl_fail(r);
	if (ctl.json) {
		json_obj_open(NULL);
		rec_json(&rec, obj_fields, ARRAY_SIZE(obj_fields));
		json_obj_close();
		return EXIT_OK;
	}
	t = table_new();
	table_col(t, "OBJECT", false);
	table_col(t, "LIVE", true);
	for (i = 0; i < ARRAY_SIZE(obj_fields); i++) {
		table_row(t);
		table_cell(t, "%s", obj_fields[i].key);
		table_cell(t, "%llu",
			   (unsigned long long)rec_u(&rec, obj_fields[i].attr));
	}
	table_print(t);
	table_free(t);
	return EXIT_OK;
}
