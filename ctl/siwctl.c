// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * siwctl [-j] [-s] OBJECT COMMAND [ARGS]: inspect and tune siw through
 * its generic-netlink family. Documentation/siwctl.md and siwctl(8).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "siwctl.h"

#ifndef SIWCTL_VERSION
#define SIWCTL_VERSION "unknown"
#endif

struct siwctl ctl;

struct command {
	const char *object;
	const char *command;	/* NULL: the object alone */
	const char *alias;
	int (*fn)(int argc, char **argv);
};

static int cmd_help(int argc, char **argv);

static const struct command commands[] = {
	{ "dev", "show", "list", cmd_dev_show },
	{ "dev", "set", NULL, cmd_dev_set },
	{ "dev", "add", NULL, cmd_dev_add },
	{ "dev", "del", "delete", cmd_dev_del },
	{ "qp", "show", "list", cmd_qp_show },
	{ "tx", "show", "list", cmd_tx_show },
	{ "tx", "set", NULL, cmd_tx_set },
	{ "stats", "reset", NULL, cmd_stats_reset },
	{ "fault", "add", NULL, cmd_fault_add },
	{ "fault", "show", "list", cmd_fault_show },
	{ "fault", "del", "delete", cmd_fault_del },
	{ "monitor", NULL, NULL, cmd_monitor },
	{ "objects", "show", "list", cmd_objects_show },
	{ "help", NULL, NULL, cmd_help },
};

static const char usage_text[] =
	"Usage: siwctl [-j] [-s] OBJECT COMMAND [ARGS]\n"
	"       siwctl -V | help\n"
	"\n"
	"  dev show [DEV]\n"
	"  dev set DEV [mpa-rev 1|2] [crc on|off] [markers on|off]\n"
	"              [p2p on|off] [tcp-nodelay on|off]\n"
	"  dev add NAME netdev IFNAME      (rdma link add NAME type siw netdev IFNAME)\n"
	"  dev del NAME                    (rdma link delete NAME)\n"
	"  qp show [dev DEV] [state STATE] [peer ADDR] [qpn N]\n"
	"  tx show\n"
	"  tx set cpus LIST                (for example 0,2-3)\n"
	"  stats reset [dev DEV [qpn N]]\n"
	"  fault add dev DEV type TYPE {every N | probability PPM|P%}\n"
	"            [qpn N] [delay MS] [count N]\n"
	"  fault show [dev DEV]\n"
	"  fault del [dev DEV [id N]]\n"
	"  monitor [dev DEV]\n"
	"  objects [show]                  (live objects of the module, all devices)\n"
	"  help\n"
	"\n"
	"  STATE: idle rtr rts closing terminate error\n"
	"  TYPE:  drop corrupt truncate delay reset alloc-fail corrupt-placed\n"
	"\n"
	"Options (anywhere on the line):\n"
	"  -j, --json     JSON output (one line per object list or event)\n"
	"  -s, --stats    statistics columns (dev show, qp show)\n"
	"  -V, --version  print the version\n"
	"  -h, --help     print this help\n"
	"\n"
	"Exit status: 0 success, 1 the kernel or the system refused,\n"
	"2 the command line is wrong.\n";

static void vmsg(const char *fmt, va_list ap)
{
	fputs("siwctl: ", stderr);
	if (ctl.what)
		fprintf(stderr, "%s: ", ctl.what);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

int usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
	fputs("Try 'siwctl help'.\n", stderr);
	return EXIT_USAGE;
}

int fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
	return EXIT_FAIL;
}

/* Decimal, all of @s, no sign. */
bool parse_u32(const char *s, uint32_t *v)
{
	unsigned long long n;
	char *end;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno || *end || n > UINT32_MAX)
		return false;
	*v = n;
	return true;
}

int parse_onoff(const char *key, const char *s, uint8_t *v)
{
	static const char *const on[] = { "on", "yes", "true", "1" };
	static const char *const off[] = { "off", "no", "false", "0" };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(on); i++) {
		if (!strcmp(s, on[i])) {
			*v = 1;
			return 0;
		}
		if (!strcmp(s, off[i])) {
			*v = 0;
			return 0;
		}
	}
	return usage_error("%s: expected on or off, not '%s'", key, s);
}

/* A keyword at argv[i] needs its value at argv[i + 1]. */
int need_arg(int argc, char **argv, int i)
{
	if (i + 1 < argc)
		return 0;
	return usage_error("%s: value missing", argv[i]);
}

static int cmd_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fputs(usage_text, stdout);
	return EXIT_OK;
}

/* One option letter (or a long option's first one): -1 to go on. */
static int option(char c)
{
	switch (c) {
	case 'j':
		ctl.json = true;
		return -1;
	case 's':
		ctl.stats = true;
		return -1;
	case 'V':
		printf("siwctl %s\n", SIWCTL_VERSION);
		return EXIT_OK;
	case 'h':
		return cmd_help(0, NULL);
	}
	return usage_error("unknown option '-%c'", c);
}

/*
 * Take the options out of argv wherever they are ("siwctl qp show -s"
 * works as well as "siwctl -s qp show"); "--" ends them. Returns -1 to
 * go on, or an exit code.
 */
static int options(int *argc, char **argv)
{
	static const char *const longopts[] = {
		"--json", "--stats", "--version", "--help"
	};
	int i, n = 1, k, r;
	bool more = true;
	unsigned int l;

	for (i = 1; i < *argc; i++) {
		const char *a = argv[i];

		if (!more || a[0] != '-' || !a[1]) {
			argv[n++] = argv[i];
			continue;
		}
		if (!strcmp(a, "--")) {
			more = false;
			continue;
		}
		if (a[1] == '-') {
			for (l = 0; l < ARRAY_SIZE(longopts); l++)
				if (!strcmp(a, longopts[l]))
					break;
			if (l == ARRAY_SIZE(longopts))
				return usage_error("unknown option '%s'", a);
			r = option(a[2] == 'v' ? 'V' : a[2]);
			if (r >= 0)
				return r;
			continue;
		}
		/* Short options, also together: -js. */
		for (k = 1; a[k]; k++) {
			r = option(a[k]);
			if (r >= 0)
				return r;
		}
	}
	*argc = n;
	argv[n] = NULL;
	return -1;
}

int main(int argc, char **argv)
{
	const struct command *c = NULL;
	static char what[64];
	const char *obj, *cmd;
	unsigned int i;
	int r, used;

	r = options(&argc, argv);
	if (r >= 0)
		return r;
	if (argc < 2) {
		fputs(usage_text, stderr);
		return EXIT_USAGE;
	}
	obj = argv[1];
	cmd = argc > 2 ? argv[2] : NULL;
	for (i = 0; i < ARRAY_SIZE(commands); i++) {
		if (strcmp(obj, commands[i].object))
			continue;
		if (!commands[i].command) {
			c = &commands[i];
			used = 2;
			break;
		}
		/* "siwctl dev" is "siwctl dev show". */
		if (!cmd && !strcmp(commands[i].command, "show")) {
			c = &commands[i];
			used = 2;
			break;
		}
		if (cmd && (!strcmp(cmd, commands[i].command) ||
			    (commands[i].alias &&
			     !strcmp(cmd, commands[i].alias)))) {
			c = &commands[i];
			used = 3;
			break;
		}
	}
	if (!c) {
		for (i = 0; i < ARRAY_SIZE(commands); i++)
			if (!strcmp(obj, commands[i].object))
				break;
		if (i == ARRAY_SIZE(commands))
			return usage_error("unknown object '%s'", obj);
		ctl.what = obj;
		if (!cmd)
			return usage_error("which command?");
		return usage_error("unknown command '%s'", cmd);
	}
	if (c->command)
		snprintf(what, sizeof(what), "%s %s", c->object, c->command);
	else
		snprintf(what, sizeof(what), "%s", c->object);
	ctl.what = what;

	r = c->fn(argc - used, argv + used);
	ctl_close();
	return r;
}
