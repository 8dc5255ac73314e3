// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A small JSON writer: compact output, one line per top-level value.
 * Callers open and close objects and arrays and put keyed (inside
 * objects) or unkeyed (inside arrays) values.
 */
#include <inttypes.h>
#include <string.h>

#include "siwctl.h"

#define JSON_DEPTH	16

static int depth;
static bool first[JSON_DEPTH];

static void json_string(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	putchar('"');
	for (; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", stdout);
			break;
		case '\\':
			fputs("\\\\", stdout);
			break;
		case '\n':
			fputs("\\n", stdout);
			break;
		case '\t':
			fputs("\\t", stdout);
			break;
		default:
			if (*p < 0x20)
				printf("\\u%04x", *p);
			else
				putchar(*p);
		}
	}
	putchar('"');
}

/* Separator and key before a value. */
static void json_key(const char *key)
{
	if (depth > 0) {
		if (!first[depth])
			putchar(',');
		first[depth] = false;
	}
	if (key) {
		json_string(key);
		putchar(':');
	}
}

static void json_open(const char *key, char c)
{
	json_key(key);
	putchar(c);
	if (depth < JSON_DEPTH - 1)
		depth++;
	first[depth] = true;
}

static void json_close(char c)
{
	putchar(c);
	if (depth > 0)
		depth--;
	if (!depth) {
		putchar('\n');
		fflush(stdout);
	}
}

void json_obj_open(const char *key)
{
	json_open(key, '{');
}

void json_obj_close(void)
{
	json_close('}');
}

void json_arr_open(const char *key)
{
	json_open(key, '[');
}

void json_arr_close(void)
{
	json_close(']');
}

void json_str(const char *key, const char *s)
{
	json_key(key);
	json_string(s);
}

void json_u64(const char *key, uint64_t v)
{
	json_key(key);
	printf("%" PRIu64, v);
}

void json_s64(const char *key, int64_t v)
{
	json_key(key);
	printf("%" PRId64, v);
}

void json_bool(const char *key, bool v)
{
	json_key(key);
	fputs(v ? "true" : "false", stdout);
}

void json_null(const char *key)
{
	json_key(key);
	fputs("null", stdout);
}

void json_double(const char *key, double v)
{
	json_key(key);
	printf("%.6f", v);
}
