/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* What siwtop and siw_txlat share in user space. */
#ifndef SIW_COMMON_H
#define SIW_COMMON_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

/* A field of a siw tracepoint record: name, offset and size we assume. */
struct siw_tp_field {
	const char *name;
	size_t offset;
	size_t size;
};

#define SIW_TP_FIELD(type, member) \
	{ #member, offsetof(type, member), sizeof(((type *)0)->member) }

/*
 * Is tracefs there, is siw loaded, and does EVENT's format have each of
 * FIELDS at the offset and size we assume? 0, or -1 after saying why.
 */
int siw_tp_check(const char *prog, const char *event,
		 const struct siw_tp_field *fields, size_t n);

/* Set by SIGINT and SIGTERM (handlers installed by siw_signals()). */
extern volatile sig_atomic_t siw_exiting;
void siw_signals(void);

/* Sleep @secs seconds or until a signal sets siw_exiting. */
void siw_sleep(double secs);

/* CLOCK_MONOTONIC in ns: bpf_ktime_get_ns()'s clock. */
__u64 siw_now_ns(void);

/* libbpf messages: warnings and errors only, unless @verbose. */
void siw_libbpf_log(bool verbose);

/* Parse a non-negative decimal number: 0 or -1. */
int siw_parse_ulong(const char *s, unsigned long max, unsigned long *v);
int siw_parse_double(const char *s, double min, double max, double *v);

#endif /* SIW_COMMON_H */
