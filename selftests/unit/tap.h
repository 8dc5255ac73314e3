/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Minimal TAP producer for the siw proto unit tests.
 *
 * One translation unit defines TAP_MAIN before including this header
 * to instantiate the counters. Every check prints one test point; on
 * failure the "got"/"expected" values follow as TAP diagnostics.
 * tap_done() prints the plan, the summary line and returns the exit
 * status.
 */
#ifndef _SIW_UNIT_TAP_H
#define _SIW_UNIT_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

extern unsigned int tap_count, tap_failed;

#ifdef TAP_MAIN
unsigned int tap_count, tap_failed;
#endif

static inline void tap_vreport(int pass, const char *fmt, va_list ap)
{
	tap_count++;
	if (!pass)
		tap_failed++;
	printf("%sok %u - ", pass ? "" : "not ", tap_count);
	vprintf(fmt, ap);
	putchar('\n');
}

__attribute__((format(printf, 1, 2)))
static inline void diag(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

__attribute__((format(printf, 2, 3)))
static inline int ok(int pass, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_vreport(pass, fmt, ap);
	va_end(ap);
	return pass;
}

/* integers compared as long long: covers every u8..u64 and int */
__attribute__((format(printf, 3, 4)))
static inline int is_num(long long got, long long exp, const char *fmt, ...)
{
	va_list ap;
	int pass = got == exp;

	va_start(ap, fmt);
	tap_vreport(pass, fmt, ap);
	va_end(ap);
	if (!pass)
		diag("  got: %lld (0x%llx), expected: %lld (0x%llx)", got,
		     (unsigned long long)got, exp, (unsigned long long)exp);
	return pass;
}

__attribute__((format(printf, 4, 5)))
static inline int is_mem(const void *got, const void *exp, size_t len,
			 const char *fmt, ...)
{
	const unsigned char *g = got, *e = exp;
	va_list ap;
	size_t i;
	int pass = !memcmp(got, exp, len);

	va_start(ap, fmt);
	tap_vreport(pass, fmt, ap);
	va_end(ap);
	if (!pass) {
		for (i = 0; i < len && g[i] == e[i]; i++)
			;
		diag("  first difference at byte %zu: got 0x%02x, expected 0x%02x",
		     i, g[i], e[i]);
	}
	return pass;
}

__attribute__((format(printf, 3, 4)))
static inline int is_str(const char *got, const char *exp, const char *fmt,
			 ...)
{
	va_list ap;
	int pass = got && exp && !strcmp(got, exp);

	va_start(ap, fmt);
	tap_vreport(pass, fmt, ap);
	va_end(ap);
	if (!pass)
		diag("  got: \"%s\", expected: \"%s\"", got ? got : "(null)",
		     exp ? exp : "(null)");
	return pass;
}

/* trailing plan (valid TAP), then the summary line for scripts */
static inline int tap_done(const char *suite)
{
	printf("1..%u\n", tap_count);
	printf("%s: %u passed, %u failed\n", suite, tap_count - tap_failed,
	       tap_failed);
	return tap_failed ? 1 : 0;
}

#endif /* _SIW_UNIT_TAP_H */
