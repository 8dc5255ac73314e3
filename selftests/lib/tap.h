/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Minimal TAP for siw's C selftests (run inside the test VM). Exit codes
 * follow kselftest: 0 pass, 1 fail, 4 skip.
 */
#ifndef _SIW_SELFTEST_TAP_H
#define _SIW_SELFTEST_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>

#define KSFT_PASS 0
#define KSFT_FAIL 1
#define KSFT_SKIP 4

static int tap_count;
static int tap_failures;

static inline void tap_init(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("TAP version 13\n");
}

static inline void tap_result(int ok, const char *fmt, ...)
{
	va_list ap;

	tap_count++;
	if (!ok)
		tap_failures++;
	printf("%sok %d - ", ok ? "" : "not ", tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

#define tap_diag(...) do { printf("# "); printf(__VA_ARGS__); printf("\n"); } while (0)

/* Check a condition; on failure print where and errno. */
#define tap_check(cond, ...) do {					\
	int __ok = !!(cond);						\
	tap_result(__ok, __VA_ARGS__);					\
	if (!__ok)							\
		tap_diag("  %s:%d: %s (errno %d: %s)", __FILE__,	\
			 __LINE__, #cond, errno, strerror(errno));	\
} while (0)

/* Expect an int result equal to a value. */
#define tap_eq(actual, expected, ...) do {				\
	long long __a = (long long)(actual), __e = (long long)(expected); \
	tap_result(__a == __e, __VA_ARGS__);				\
	if (__a != __e)							\
		tap_diag("  %s:%d: %s = %lld, expected %lld", __FILE__,	\
			 __LINE__, #actual, __a, __e);			\
} while (0)

/* One check that cannot run here, counted as a pass with the reason. */
static inline void tap_skip(const char *what, const char *why)
{
	tap_count++;
	printf("ok %d - %s # SKIP %s\n", tap_count, what, why);
}

static inline void tap_skip_all(const char *why)
{
	printf("1..0 # SKIP %s\n", why);
	exit(KSFT_SKIP);
}

static inline int tap_done(void)
{
	printf("1..%d\n", tap_count);
	return tap_failures ? KSFT_FAIL : KSFT_PASS;
}

#endif /* _SIW_SELFTEST_TAP_H */
