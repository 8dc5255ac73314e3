/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Shared environment for siw's C selftests inside the test VM: load this
 * checkout's siw.ko, create a dummy netdev and a siw device on it, open
 * it with libibverbs, and undo all of that at exit.
 */
#ifndef _SIW_SELFTEST_SIWTEST_H
#define _SIW_SELFTEST_SIWTEST_H

#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include <infiniband/verbs.h>

#include "tap.h"

struct siwtest_env {
	char top[PATH_MAX];		/* the checkout */
	const char *netdev;
	const char *ibdev;
	bool loaded, have_netdev, linked;
	struct ibv_context *ctx;
};

static struct siwtest_env siwtest;

/* Run a shell command line; returns its exit status or -1. */
static inline int siwtest_sh(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	fflush(stdout);
	rc = system(cmd);
	if (rc == -1 || !WIFEXITED(rc))
		return -1;
	return WEXITSTATUS(rc);
}

/* First line of a command's output as a number, or -1. */
static inline long siwtest_sh_long(const char *cmd)
{
	char line[256];
	long v = -1;
	FILE *f;

	fflush(stdout);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	if (fgets(line, sizeof(line), f))
		v = strtol(line, NULL, 10);
	pclose(f);
	return v;
}

/*
 * Live objects of TYPE (qp, cq, mr, pd) on our device per rdma restrack:
 * QPs are listed per port ("link DEV/1"), the others per device.
 */
static inline long siwtest_res_count(const char *type)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd),
		 "rdma resource show %s 2>/dev/null | grep -Ec '(dev %s |link %s/)'",
		 type, siwtest.ibdev, siwtest.ibdev);
	return siwtest_sh_long(cmd);
}

static inline void siwtest_teardown(void)
{
	if (siwtest.ctx)
		ibv_close_device(siwtest.ctx);
	siwtest.ctx = NULL;
	if (siwtest.linked)
		siwtest_sh("rdma link delete %s", siwtest.ibdev);
	if (siwtest.have_netdev)
		siwtest_sh("ip link del %s", siwtest.netdev);
	if (siwtest.loaded)
		siwtest_sh("rmmod siw");
	siwtest.linked = siwtest.have_netdev = siwtest.loaded = false;
}

/* <top> from argv[0] = <top>/build/selftests/siw/<test> */
static inline int siwtest_find_top(const char *argv0)
{
	char path[PATH_MAX];
	int i;

	if (!realpath(argv0, path))
		return -1;
	for (i = 0; i < 4; i++) {
		char *slash = strrchr(path, '/');

		if (!slash || slash == path)
			return -1;
		*slash = '\0';
	}
	snprintf(siwtest.top, sizeof(siwtest.top), "%s", path);
	return 0;
}

static inline struct ibv_context *siwtest_open(const char *name)
{
	struct ibv_device **list;
	struct ibv_context *c = NULL;
	int i, n;

	list = ibv_get_device_list(&n);
	if (!list)
		return NULL;
	for (i = 0; i < n; i++)
		if (!strcmp(ibv_get_device_name(list[i]), name))
			c = ibv_open_device(list[i]);
	ibv_free_device_list(list);
	return c;
}

/*
 * Load siw, create NETDEV (dummy, up) and IBDEV on it, open it. Skips
 * the whole test outside the VM; a failing step is a test failure.
 */
static inline struct ibv_context *siwtest_setup(const char *argv0,
						const char *netdev,
						const char *ibdev)
{
	char hostname[64] = "";
	int rc;

	tap_init();
	gethostname(hostname, sizeof(hostname) - 1);
	if (strcmp(hostname, "siw-vm"))
		tap_skip_all("runs only inside the siw test VM");
	if (siwtest_find_top(argv0))
		tap_skip_all("cannot find the checkout from argv[0]");
	siwtest.netdev = netdev;
	siwtest.ibdev = ibdev;
	atexit(siwtest_teardown);

	if (access("/sys/module/siw", F_OK) == 0)
		siwtest_sh("rmmod siw");
	rc = siwtest_sh("modprobe -a ib_core iw_cm ib_uverbs rdma_cm rdma_ucm libcrc32c && "
			"insmod %s/build/$(uname -r)/kernel/siw.ko",
			siwtest.top);
	tap_eq(rc, 0, "load siw.ko");
	if (rc)
		exit(tap_done());
	siwtest.loaded = true;

	rc = siwtest_sh("ip link add %s type dummy && ip link set %s up",
			netdev, netdev);
	siwtest.have_netdev = !rc;
	if (!rc)
		rc = siwtest_sh("rdma link add %s type siw netdev %s",
				ibdev, netdev);
	siwtest.linked = !rc;
	tap_eq(rc, 0, "siw device %s on dummy %s", ibdev, netdev);
	if (rc)
		exit(tap_done());

	siwtest.ctx = siwtest_open(ibdev);
	tap_check(siwtest.ctx, "ibv_open_device(%s)", ibdev);
	if (!siwtest.ctx)
		exit(tap_done());
	return siwtest.ctx;
}

/*
 * Run @fn in a child and fold its TAP checks into ours. librdmacm keeps
 * every device open until its process exits, and a device cannot be
 * deleted while open: tests that connect through rdma_cm do that in a
 * child, so that the parent can tear the device down afterwards.
 */
static inline void siwtest_run_child(void (*fn)(void), const char *what)
{
	int counts[2], fds[2], status;
	pid_t pid;

	if (pipe(fds)) {
		tap_result(0, "%s: pipe", what);
		return;
	}
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		close(fds[0]);
		fn();
		counts[0] = tap_count;
		counts[1] = tap_failures;
		if (write(fds[1], counts, sizeof(counts)) != sizeof(counts))
			_exit(1);
		fflush(stdout);
		_exit(0);
	}
	close(fds[1]);
	if (pid < 0 || read(fds[0], counts, sizeof(counts)) != sizeof(counts)) {
		tap_result(0, "%s ran to the end", what);
	} else {
		tap_count = counts[0];
		tap_failures = counts[1];
	}
	close(fds[0]);
	if (pid > 0)
		waitpid(pid, &status, 0);
}

/* One completion from @cq within @seconds: 0, or -1 (said why). */
static inline int siwtest_poll_one(struct ibv_cq *cq, struct ibv_wc *wc,
				   int seconds)
{
	long i;
	int n;

	for (i = 0; i < seconds * 100000L; i++) {
		n = ibv_poll_cq(cq, 1, wc);
		if (n)
			return n == 1 ? 0 : -1;
		usleep(10);
	}
	tap_diag("no completion within %d s", seconds);
	return -1;
}

/* No WARN, BUG or oops in the kernel log so far. */
static inline void siwtest_check_dmesg(void)
{
	/* Not user-space crashes ("traps: PROG[PID] general protection") */
	long bad = siwtest_sh_long("dmesg | grep -v ' traps: ' | grep -Ec 'WARNING:|BUG:|Oops|general protection'");

	tap_eq(bad, 0, "no WARN, BUG or oops in the kernel log");
}

#endif /* _SIW_SELFTEST_SIWTEST_H */
