// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * User-space helpers of the siw BPF tools: tracefs and tracepoint format
 * checks, signals, sleeping, libbpf logging.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "siw_common.h"

volatile sig_atomic_t siw_exiting;

static const char *const tracefs_dirs[] = {
	"/sys/kernel/tracing",
	"/sys/kernel/debug/tracing",
};

static const char *tracefs(void)
{
	char path[PATH_MAX];
	size_t i;

	for (i = 0; i < sizeof(tracefs_dirs) / sizeof(tracefs_dirs[0]); i++) {
		snprintf(path, sizeof(path), "%s/events", tracefs_dirs[i]);
		if (access(path, F_OK) == 0)
			return tracefs_dirs[i];
	}
	return NULL;
}

/* The "offset:N;" and "size:N;" of field @name in a format file. */
static int format_field(FILE *f, const char *name, size_t *off, size_t *size)
{
	char line[512], *p, *semi;
	size_t len = strlen(name);

	rewind(f);
	while (fgets(line, sizeof(line), f)) {
		p = strstr(line, "field:");
		if (!p)
			continue;
		semi = strchr(p, ';');
		if (!semi)
			continue;
		/* "field:TYPE NAME;": NAME ends right before the ';' */
		if ((size_t)(semi - p) <= len || semi[-(long)len - 1] != ' ' ||
		    strncmp(semi - len, name, len))
			continue;
		p = strstr(semi, "offset:");
		if (!p || sscanf(p, "offset:%zu;", off) != 1)
			return -1;
		p = strstr(p, "size:");
		if (!p || sscanf(p, "size:%zu;", size) != 1)
			return -1;
		return 0;
	}
	return -1;
}

int siw_tp_check(const char *prog, const char *event,
		 const struct siw_tp_field *fields, size_t n)
{
	const char *dir = tracefs();
	char path[PATH_MAX];
	size_t i, off, size;
	FILE *f;

	if (!dir) {
		fprintf(stderr, "%s: tracefs is not mounted (mount -t tracefs nodev /sys/kernel/tracing)\n",
			prog);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/events/siw/%s/format", dir, event);
	f = fopen(path, "r");
	if (!f) {
		snprintf(path, sizeof(path), "%s/events/siw", dir);
		if (access(path, F_OK))
			fprintf(stderr, "%s: no siw tracepoints in %s/events: is the siw module loaded?\n",
				prog, dir);
		else
			fprintf(stderr, "%s: no tracepoint siw:%s: siw module too old?\n",
				prog, event);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (format_field(f, fields[i].name, &off, &size) ||
		    off != fields[i].offset || size != fields[i].size) {
			fprintf(stderr, "%s: siw:%s field %s is not at offset %zu size %zu: siw module and %s do not match\n",
				prog, event, fields[i].name, fields[i].offset,
				fields[i].size, prog);
			fclose(f);
			return -1;
		}
	}
	fclose(f);
	return 0;
}

static void on_signal(int sig)
{
	(void)sig;
	siw_exiting = 1;
}

void siw_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a signal ends the sleep at once. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

__u64 siw_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

void siw_sleep(double secs)
{
	__u64 end = siw_now_ns() + (__u64)(secs * 1e9);
	struct timespec ts;
	__u64 now, left;

	while (!siw_exiting) {
		now = siw_now_ns();
		if (now >= end)
			return;
		left = end - now;
		ts.tv_sec = left / 1000000000ULL;
		ts.tv_nsec = left % 1000000000ULL;
		nanosleep(&ts, NULL);
	}
}

static bool libbpf_verbose;

static int libbpf_log(enum libbpf_print_level level, const char *fmt,
		      va_list ap)
{
	if (level != LIBBPF_WARN && !libbpf_verbose)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

void siw_libbpf_log(bool verbose)
{
	libbpf_verbose = verbose;
	libbpf_set_print(libbpf_log);
}

int siw_parse_ulong(const char *s, unsigned long max, unsigned long *v)
{
	char *end;

	if (!s || !*s || *s == '-')
		return -1;
	errno = 0;
	*v = strtoul(s, &end, 10);
	if (errno || *end || *v > max)
		return -1;
	return 0;
}

int siw_parse_double(const char *s, double min, double max, double *v)
{
	char *end;

	if (!s || !*s)
		return -1;
	errno = 0;
	*v = strtod(s, &end);
	if (errno || *end || isnan(*v) || *v < min || *v > max)
		return -1;
	return 0;
}
