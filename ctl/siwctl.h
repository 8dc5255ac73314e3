/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * siwctl: the operator's command line tool for siw's generic-netlink
 * family (Documentation/netlink/specs/siw.yaml).
 */
#ifndef SIWCTL_H
#define SIWCTL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <netlink/netlink.h>
#include <netlink/genl/genl.h>
#include <linux/siw_netlink.h>

/* Exit codes (Documentation/siwctl.md). */
#define EXIT_OK		0
#define EXIT_FAIL	1
#define EXIT_USAGE	2

#define __printf(a, b)	__attribute__((format(printf, a, b)))
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

struct siwctl {
	bool json;		/* -j */
	bool stats;		/* -s */
	const char *what;	/* "dev set": prefix of error messages */
	struct nl_sock *sk;	/* requests */
	int family;		/* generic-netlink id of "siw" */
};

extern struct siwctl ctl;

/* siwctl.c: messages; each returns the exit code to end with. */
int usage_error(const char *fmt, ...) __printf(1, 2);
int fail(const char *fmt, ...) __printf(1, 2);

/* Argument parsing. */
bool parse_u32(const char *s, uint32_t *v);
int parse_onoff(const char *key, const char *s, uint8_t *v);
int need_arg(int argc, char **argv, int i);

/* names.c: enum values as the spec names them. */
const char *qp_state_name(uint32_t v);
const char *port_state_name(uint32_t v);
const char *opcode_name(uint32_t v);
const char *fault_type_name(uint32_t v);
const char *term_dir_name(uint32_t v);
const char *dev_event_name(uint32_t v);
const char *term_layer_name(uint32_t v);
int qp_state_parse(const char *s);
int fault_type_parse(const char *s);
void upcase(char *dst, const char *src, size_t size);

/* nl.c: requests and their replies. */
typedef int (*ctl_reply_fn)(struct nlattr **tb, void *arg);

int ctl_open(void);
void ctl_close(void);
struct nl_msg *ctl_msg(uint8_t cmd, bool dump);
/* Send @msg (freed here), feed each reply to @fn; 0 or a negative errno. */
int ctl_exec(struct nl_msg *msg, int maxattr, ctl_reply_fn fn, void *arg);
/* Print the last error with the kernel's extack message; returns 1. */
int ctl_fail(int err);
int ctl_monitor_group(void);
int dev_index_of(const char *name, uint32_t *index);

/* A record: the attributes of one reply, for the printers. */
enum ftype {
	FT_U8,		/* number */
	FT_BOOL,	/* u8 0/1 */
	FT_U32,
	FT_S32,
	FT_U64,
	FT_BE16,	/* port */
	FT_STR,
	FT_ADDR,	/* 4 or 16 bytes: IPv4 or IPv6 */
	FT_ENUM,	/* u32 with a name */
};

struct field {
	int attr;
	const char *key;	/* JSON key */
	enum ftype type;
	const char *(*name)(uint32_t v);	/* FT_ENUM */
};

#define REC_ATTRS	32
#define N_OPCODES	(SIW_NL_OPCODE_ATOMIC_RESPONSE + 1)

struct op_stats {
	uint64_t tx_fpdus, tx_bytes, rx_fpdus, rx_bytes;
};

struct stats {
	bool present;
	uint64_t tx_fpdus, tx_bytes, rx_fpdus, rx_bytes;
	uint64_t crc_errors, terms_sent, terms_received, backpressure;
	struct op_stats op[N_OPCODES];
};

struct rec {
	uint64_t has;			/* bit per attribute present */
	uint64_t num[REC_ATTRS];
	char *str[REC_ATTRS];
	int family[REC_ATTRS];		/* FT_ADDR: AF_INET or AF_INET6 */
	struct stats stats;
};

struct recs {
	struct rec *v;
	int n, cap;
};

/* rec.c */
struct rec *recs_add(struct recs *rs);
void recs_free(struct recs *rs);
void rec_parse(struct rec *r, struct nlattr **tb, const struct field *f,
	       int nf, int stats_attr);
bool rec_has(const struct rec *r, int attr);
uint64_t rec_u(const struct rec *r, int attr);
const char *rec_s(const struct rec *r, int attr);
void rec_json(const struct rec *r, const struct field *f, int nf);
void stats_json(const struct stats *s);
bool stats_op_used(const struct stats *s, int op);

/* Device names by index, from a dump. */
struct devmap {
	int n;
	struct {
		uint32_t index;
		char name[64];
	} v[64];
};

int devmap_load(struct devmap *m);
const char *devmap_name(struct devmap *m, uint32_t index, bool reload);

/* json.c: one JSON value per top-level call sequence, to stdout. */
void json_obj_open(const char *key);
void json_obj_close(void);
void json_arr_open(const char *key);
void json_arr_close(void);
void json_str(const char *key, const char *s);
void json_u64(const char *key, uint64_t v);
void json_s64(const char *key, int64_t v);
void json_bool(const char *key, bool v);
void json_null(const char *key);
void json_double(const char *key, double v);

/* table.c: aligned columns for people. */
struct table;

struct table *table_new(void);
void table_col(struct table *t, const char *hdr, bool right);
void table_row(struct table *t);
void table_cell(struct table *t, const char *fmt, ...)
	__printf(2, 3);
void table_print(struct table *t);
void table_free(struct table *t);
/* Columns of struct stats (totals, then per opcode used in any row). */
void table_stats_cols(struct table *t, const bool *ops_used);
void table_stats_cells(struct table *t, const struct stats *s,
		       const bool *ops_used);

/* The commands. */
int cmd_dev_show(int argc, char **argv);
int cmd_dev_set(int argc, char **argv);
int cmd_dev_add(int argc, char **argv);
int cmd_dev_del(int argc, char **argv);
int cmd_qp_show(int argc, char **argv);
int cmd_tx_show(int argc, char **argv);
int cmd_tx_set(int argc, char **argv);
int cmd_stats_reset(int argc, char **argv);
int cmd_fault_add(int argc, char **argv);
int cmd_fault_show(int argc, char **argv);
int cmd_fault_del(int argc, char **argv);
int cmd_monitor(int argc, char **argv);
int cmd_objects_show(int argc, char **argv);

extern const struct field qp_fields[];
extern const int n_qp_fields;
void qp_json_members(const struct rec *r, struct devmap *m);

#endif /* SIWCTL_H */
