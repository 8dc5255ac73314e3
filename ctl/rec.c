// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Records: one reply's attributes, taken apart by a table of fields,
 * and their JSON form (every field's key present, null when the kernel
 * did not send it).
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "siwctl.h"

struct rec *recs_add(struct recs *rs)
{
	if (rs->n == rs->cap) {
		int cap = rs->cap ? 2 * rs->cap : 16;
		struct rec *v = realloc(rs->v, cap * sizeof(*v));

		if (!v) {
			fprintf(stderr, "siwctl: out of memory\n");
			exit(EXIT_FAIL);
		}
		rs->v = v;
		rs->cap = cap;
	}
	memset(&rs->v[rs->n], 0, sizeof(rs->v[0]));
	return &rs->v[rs->n++];
}

void recs_free(struct recs *rs)
{
	int i, j;

	for (i = 0; i < rs->n; i++)
		for (j = 0; j < REC_ATTRS; j++)
			free(rs->v[i].str[j]);
	free(rs->v);
	rs->v = NULL;
	rs->n = 0;
	rs->cap = 0;
}

static uint64_t get_u64(struct nlattr *a)
{
	return a && nla_len(a) >= 8 ? nla_get_u64(a) : 0;
}

static void op_parse(struct stats *s, struct nlattr *nest)
{
	struct nlattr *tb[SIW_A_OP_STATS_MAX + 1];
	struct op_stats *o;
	uint32_t op;

	if (nla_parse_nested(tb, SIW_A_OP_STATS_MAX, nest, NULL) < 0 ||
	    !tb[SIW_A_OP_STATS_OPCODE])
		return;
	op = nla_get_u32(tb[SIW_A_OP_STATS_OPCODE]);
	if (op >= N_OPCODES)
		return;
	o = &s->op[op];
	o->tx_fpdus = get_u64(tb[SIW_A_OP_STATS_TX_FPDUS]);
	o->tx_bytes = get_u64(tb[SIW_A_OP_STATS_TX_BYTES]);
	o->rx_fpdus = get_u64(tb[SIW_A_OP_STATS_RX_FPDUS]);
	o->rx_bytes = get_u64(tb[SIW_A_OP_STATS_RX_BYTES]);
}

static void stats_parse(struct stats *s, struct nlattr *nest)
{
	struct nlattr *tb[SIW_A_STATS_MAX + 1];
	struct nlattr *pos;
	int rem;

	if (nla_parse_nested(tb, SIW_A_STATS_MAX, nest, NULL) < 0)
		return;
	s->present = true;
	s->tx_fpdus = get_u64(tb[SIW_A_STATS_TX_FPDUS]);
	s->tx_bytes = get_u64(tb[SIW_A_STATS_TX_BYTES]);
	s->rx_fpdus = get_u64(tb[SIW_A_STATS_RX_FPDUS]);
	s->rx_bytes = get_u64(tb[SIW_A_STATS_RX_BYTES]);
	s->crc_errors = get_u64(tb[SIW_A_STATS_CRC_ERRORS]);
	s->terms_sent = get_u64(tb[SIW_A_STATS_TERMS_SENT]);
	s->terms_received = get_u64(tb[SIW_A_STATS_TERMS_RECEIVED]);
	s->backpressure = get_u64(tb[SIW_A_STATS_BACKPRESSURE]);
	/* "op" is multi-attr: parsing kept only the last one. */
	nla_for_each_nested(pos, nest, rem)
		if (nla_type(pos) == SIW_A_STATS_OP)
			op_parse(s, pos);
}

void rec_parse(struct rec *r, struct nlattr **tb, const struct field *f,
	       int nf, int stats_attr)
{
	char buf[INET6_ADDRSTRLEN];
	int i;

	for (i = 0; i < nf; i++) {
		struct nlattr *a = tb[f[i].attr];
		int len = a ? nla_len(a) : 0;
		uint64_t v = 0;

		if (!a || f[i].attr >= REC_ATTRS)
			continue;
		switch (f[i].type) {
		case FT_U8:
		case FT_BOOL:
			if (len < 1)
				continue;
			v = nla_get_u8(a);
			break;
		case FT_BE16:
			if (len < 2)
				continue;
			v = ntohs(nla_get_u16(a));
			break;
		case FT_U32:
		case FT_ENUM:
			if (len < 4)
				continue;
			v = nla_get_u32(a);
			break;
		case FT_S32:
			if (len < 4)
				continue;
			v = (uint64_t)(int64_t)(int32_t)nla_get_u32(a);
			break;
		case FT_U64:
			if (len < 8)
				continue;
			v = nla_get_u64(a);
			break;
		case FT_STR:
			r->str[f[i].attr] = strndup(nla_data(a), len);
			break;
		case FT_ADDR:
			if (len == 4)
				r->family[f[i].attr] = AF_INET;
			else if (len == 16)
				r->family[f[i].attr] = AF_INET6;
			else
				continue;
			if (!inet_ntop(r->family[f[i].attr], nla_data(a), buf,
				       sizeof(buf)))
				continue;
			r->str[f[i].attr] = strdup(buf);
			break;
		}
		r->num[f[i].attr] = v;
		r->has |= 1ULL << f[i].attr;
	}
	if (stats_attr && tb[stats_attr])
		stats_parse(&r->stats, tb[stats_attr]);
}

bool rec_has(const struct rec *r, int attr)
{
	return attr < REC_ATTRS && (r->has & (1ULL << attr));
}

uint64_t rec_u(const struct rec *r, int attr)
{
	return rec_has(r, attr) ? r->num[attr] : 0;
}

const char *rec_s(const struct rec *r, int attr)
{
	return rec_has(r, attr) && r->str[attr] ? r->str[attr] : NULL;
}

void rec_json(const struct rec *r, const struct field *f, int nf)
{
	const char *name;
	int i;

	for (i = 0; i < nf; i++) {
		int a = f[i].attr;

		if (!rec_has(r, a)) {
			json_null(f[i].key);
			continue;
		}
		switch (f[i].type) {
		case FT_BOOL:
			json_bool(f[i].key, r->num[a]);
			break;
		case FT_S32:
			json_s64(f[i].key, (int64_t)r->num[a]);
			break;
		case FT_STR:
		case FT_ADDR:
			json_str(f[i].key, r->str[a] ? r->str[a] : "");
			break;
		case FT_ENUM:
			name = f[i].name(r->num[a]);
			if (name)
				json_str(f[i].key, name);
			else
				json_u64(f[i].key, r->num[a]);
			break;
		default:
			json_u64(f[i].key, r->num[a]);
		}
	}
}

bool stats_op_used(const struct stats *s, int op)
{
	const struct op_stats *o = &s->op[op];

	return o->tx_fpdus || o->rx_fpdus || o->tx_bytes || o->rx_bytes;
}

/* "stats": totals and "ops", every opcode (zeros for those not seen). */
void stats_json(const struct stats *s)
{
	char key[32];
	int i;

	if (!s->present) {
		json_null("stats");
		return;
	}
	json_obj_open("stats");
	json_u64("tx_fpdus", s->tx_fpdus);
	json_u64("tx_bytes", s->tx_bytes);
	json_u64("rx_fpdus", s->rx_fpdus);
	json_u64("rx_bytes", s->rx_bytes);
	json_u64("crc_errors", s->crc_errors);
	json_u64("terms_sent", s->terms_sent);
	json_u64("terms_received", s->terms_received);
	json_u64("backpressure", s->backpressure);
	json_obj_open("ops");
	for (i = 0; i < N_OPCODES; i++) {
		const struct op_stats *o = &s->op[i];
		char *p;

		snprintf(key, sizeof(key), "%s", opcode_name(i));
		for (p = key; *p; p++)
			if (*p == '-')
				*p = '_';
		json_obj_open(key);
		json_u64("tx_fpdus", o->tx_fpdus);
		json_u64("tx_bytes", o->tx_bytes);
		json_u64("rx_fpdus", o->rx_fpdus);
		json_u64("rx_bytes", o->rx_bytes);
		json_obj_close();
	}
	json_obj_close();
	json_obj_close();
}
