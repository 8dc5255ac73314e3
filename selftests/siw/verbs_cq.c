// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * verbs_cq: completion queues through libibverbs and the stock libsiw
 * provider, plus the user mapping behind them (Documentation/cq.md).
 *
 * Sets up its own device like link.sh does: (re)loads siw.ko from this
 * checkout (<top>/build/$(uname -r)/kernel/siw.ko, <top> found from
 * argv[0] living in <top>/build/selftests/siw/), adds dummy netdev cqd0
 * and siw device siwcq0, and removes all three at the end.
 *
 * Runs only inside the test VM (hostname siw-vm): it loads modules.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <libgen.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <infiniband/verbs.h>
#include <rdma/ib_user_verbs.h>
#include <rdma/siw-abi.h>

#include "tap.h"

#define DEV_NAME	"siwcq0"
#define NETDEV		"cqd0"
#define MANY_CQS	1000

static char top[PATH_MAX];
static struct ibv_context *ctx, *ctx2;
static int have_module, have_netdev, have_link;

/* Run a shell command line; its output goes to the TAP log as comments. */
static int sh(const char *fmt, ...)
{
	char cmd[1024];
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

static void close_contexts(void)
{
	/* The device cannot go away while a user context is open. */
	if (ctx2)
		ibv_close_device(ctx2);
	if (ctx)
		ibv_close_device(ctx);
	ctx = ctx2 = NULL;
}

static void teardown(int report)
{
	int rc;

	close_contexts();
	if (have_link) {
		rc = sh("rdma link delete " DEV_NAME " 2>&1 | sed 's/^/# /'");
		if (report)
			tap_eq(rc, 0, "rdma link delete " DEV_NAME);
		have_link = 0;
	}
	if (have_netdev) {
		rc = sh("ip link del " NETDEV);
		if (report)
			tap_eq(rc, 0, "ip link del " NETDEV);
		have_netdev = 0;
	}
	if (have_module) {
		rc = sh("rmmod siw");
		if (report)
			tap_eq(rc, 0, "rmmod siw");
		have_module = 0;
	}
}

static void teardown_atexit(void)
{
	teardown(0);
}

/* <top> from argv[0] = <top>/build/selftests/siw/verbs_cq */
static int find_top(const char *argv0)
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
	snprintf(top, sizeof(top), "%s", path);
	return 0;
}

static int setup(void)
{
	int rc;

	if (access("/sys/module/siw", F_OK) == 0 && sh("rmmod siw") != 0)
		return -1;
	rc = sh("modprobe -a ib_core iw_cm ib_uverbs rdma_cm rdma_ucm libcrc32c && "
		"insmod %s/build/$(uname -r)/kernel/siw.ko", top);
	tap_eq(rc, 0, "load the RDMA core and this checkout's siw.ko");
	if (rc)
		return -1;
	have_module = 1;

	rc = sh("ip link add " NETDEV " type dummy && ip link set " NETDEV " up");
	tap_eq(rc, 0, "dummy netdev " NETDEV " up");
	if (rc)
		return -1;
	have_netdev = 1;

	rc = sh("rdma link add " DEV_NAME " type siw netdev " NETDEV);
	tap_eq(rc, 0, "rdma link add " DEV_NAME " on " NETDEV);
	if (rc)
		return -1;
	have_link = 1;
	return 0;
}

static struct ibv_context *open_siw(void)
{
	struct ibv_device **list;
	struct ibv_context *c = NULL;
	int i, n;

	list = ibv_get_device_list(&n);
	if (!list)
		return NULL;
	for (i = 0; i < n; i++)
		if (!strcmp(ibv_get_device_name(list[i]), DEV_NAME))
			c = ibv_open_device(list[i]);
	ibv_free_device_list(list);
	return c;
}

/* Live CQs of the device as the RDMA core's resource tracking counts them. */
static long res_cq_count(void)
{
	char line[512];
	long count = -1;
	FILE *f;

	f = popen("rdma resource show " DEV_NAME " 2>/dev/null", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *p = strstr(line, " cq ");

		if (p)
			count = strtol(p + 4, NULL, 10);
	}
	pclose(f);
	return count;
}

static unsigned int pow2_roundup(unsigned int n)
{
	unsigned int p = 1;

	while (p < n)
		p <<= 1;
	return p;
}

static void test_sizes(const struct ibv_device_attr *attr)
{
	int sizes[] = { 1, 100, 4096, attr->max_cqe };
	unsigned int i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct ibv_cq *cq;
		struct ibv_wc wc;

		cq = ibv_create_cq(ctx, sizes[i], NULL, NULL, 0);
		tap_check(cq, "create CQ with %d entries", sizes[i]);
		if (!cq)
			continue;
		tap_check(cq->cqe >= sizes[i], "CQ of %d: cqe %d >= requested",
			  sizes[i], cq->cqe);
		tap_eq(cq->cqe, pow2_roundup(sizes[i]),
		       "CQ of %d: rounded up to a power of two", sizes[i]);
		tap_eq(ibv_poll_cq(cq, 1, &wc), 0,
		       "CQ of %d: poll on an empty CQ returns 0", sizes[i]);
		tap_eq(ibv_destroy_cq(cq), 0, "CQ of %d: destroy", sizes[i]);
	}
}

static void expect_create_fails(int cqe, int vector, int err, const char *what)
{
	struct ibv_cq *cq;

	errno = 0;
	cq = ibv_create_cq(ctx, cqe, NULL, NULL, vector);
	tap_check(!cq && errno == err, "%s fails with %s", what, strerror(err));
	if (cq)
		ibv_destroy_cq(cq);
}

static void test_limits(const struct ibv_device_attr *attr)
{
	struct ibv_cq *cq;

	expect_create_fails(attr->max_cqe + 1, 0, EINVAL, "CQ over max_cqe");
	expect_create_fails(0, 0, EINVAL, "CQ of 0 entries");
	expect_create_fails(-1, 0, EINVAL, "CQ of -1 entries");
	expect_create_fails(16, ctx->num_comp_vectors, EINVAL,
			    "comp_vector == num_comp_vectors");

	cq = ibv_create_cq(ctx, 16, NULL, NULL, ctx->num_comp_vectors - 1);
	tap_check(cq, "last comp_vector (%d) accepted",
		  ctx->num_comp_vectors - 1);
	if (cq)
		ibv_destroy_cq(cq);
}

static void test_channel(void)
{
	struct ibv_comp_channel *ch;
	struct ibv_cq *cq, *ev_cq;
	struct ibv_wc wc[4];
	void *ev_ctx;
	int flags;

	ch = ibv_create_comp_channel(ctx);
	tap_check(ch, "create completion channel");
	if (!ch)
		return;
	cq = ibv_create_cq(ctx, 64, (void *)0x5157, ch, 0);
	tap_check(cq, "create CQ on the channel");
	if (cq) {
		tap_eq(ibv_req_notify_cq(cq, 0), 0, "arm for next completion");
		tap_eq(ibv_req_notify_cq(cq, 1), 0, "arm for solicited only");
		tap_eq(ibv_poll_cq(cq, 4, wc), 0, "armed empty CQ polls 0");
		flags = fcntl(ch->fd, F_GETFL);
		fcntl(ch->fd, F_SETFL, flags | O_NONBLOCK);
		errno = 0;
		tap_check(ibv_get_cq_event(ch, &ev_cq, &ev_ctx) < 0 &&
			  errno == EAGAIN, "no event without a completion");
		tap_eq(ibv_destroy_cq(cq), 0, "destroy CQ on the channel");
	}
	tap_eq(ibv_destroy_comp_channel(ch), 0, "destroy completion channel");
}

/*
 * uverbs' legacy poll command, bypassing libsiw. The core only offers it
 * to drivers that ask (siw does not), and siw refuses it for user CQs
 * anyway: either way it must fail without reading the ring.
 */
static int cmd_poll(struct ibv_cq *cq)
{
	struct {
		struct ib_uverbs_poll_cq_resp hdr;
		struct ib_uverbs_wc wc[4];
	} resp;
	struct {
		struct ib_uverbs_cmd_hdr hdr;
		struct ib_uverbs_poll_cq cmd;
	} req = {
		.hdr.command = IB_USER_VERBS_CMD_POLL_CQ,
		.hdr.in_words = sizeof(req) / 4,
		.hdr.out_words = sizeof(resp) / 4,
		.cmd.cq_handle = cq->handle,
		.cmd.ne = 4,
	};

	memset(&resp, 0, sizeof(resp));
	req.cmd.response = (uintptr_t)&resp;
	if (write(cq->context->cmd_fd, &req, sizeof(req)) != sizeof(req))
		return -1;
	return resp.hdr.count;
}

/*
 * The ring libsiw maps, seen through a second mapping of our own: same
 * pages, same layout (slots, then the arming word), and the mmap rules.
 * The first key of a fresh context is the first page above
 * SIW_INVAL_UOBJ_KEY.
 */
static void test_mapping(void)
{
	const int num = 256;
	long pg = sysconf(_SC_PAGESIZE);
	size_t len = num * sizeof(struct siw_cqe) + sizeof(struct siw_cq_ctrl);
	off_t key = (SIW_INVAL_UOBJ_KEY / pg + 1) * pg;
	volatile struct siw_cq_ctrl *ctrl;
	volatile struct siw_cqe *ring;
	struct ibv_cq *cq;
	struct ibv_wc wc;
	void *p;
	int fd, i, ok;

	ctx2 = open_siw();
	tap_check(ctx2, "open a second context");
	if (!ctx2)
		return;
	fd = ctx2->cmd_fd;
	cq = ibv_create_cq(ctx2, num, NULL, NULL, 0);
	tap_check(cq && cq->cqe == num, "create CQ of %d in the fresh context",
		  num);
	if (!cq || cq->cqe != num)
		goto out;

	/*
	 * Our provider's extended ABI gives a fresh context a one-page QP
	 * state area first (siw_abi_ext.h): the ring is then the next key.
	 */
	p = mmap(NULL, pg, PROT_READ, MAP_SHARED, fd, key);
	if (p != MAP_FAILED) {
		munmap(p, pg);
		key += pg;
		tap_diag("key %#lx is the QP state page: ring at the next",
			 (long)(key - pg));
	}

	errno = 0;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_SHARED,
		 fd, key);
	tap_check(p == MAP_FAILED && errno == EPERM,
		  "executable mapping refused (EPERM)");
	if (p != MAP_FAILED)
		munmap(p, len);
	errno = 0;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, key);
	tap_check(p == MAP_FAILED && errno == EINVAL,
		  "private mapping refused (EINVAL)");
	if (p != MAP_FAILED)
		munmap(p, len);
	errno = 0;
	p = mmap(NULL, len + pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, key);
	tap_check(p == MAP_FAILED && errno == EINVAL,
		  "mapping more than the ring refused (EINVAL)");
	if (p != MAP_FAILED)
		munmap(p, len + pg);
	errno = 0;
	p = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, key);
	tap_check(p == MAP_FAILED && errno == EINVAL,
		  "mapping part of the ring refused (EINVAL)");
	if (p != MAP_FAILED)
		munmap(p, pg);
	errno = 0;
	p = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	tap_check(p == MAP_FAILED && errno == EINVAL,
		  "offset 0 maps nothing (EINVAL)");
	if (p != MAP_FAILED)
		munmap(p, pg);
	errno = 0;
	p = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 SIW_INVAL_UOBJ_KEY);
	tap_check(p == MAP_FAILED && errno == EINVAL,
		  "SIW_INVAL_UOBJ_KEY maps nothing (EINVAL)");
	if (p != MAP_FAILED)
		munmap(p, pg);

	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, key);
	tap_check(p != MAP_FAILED, "second shared mapping of the ring at key %#lx",
		  (long)key);
	if (p == MAP_FAILED)
		goto out_cq;
	ring = p;
	ctrl = (volatile struct siw_cq_ctrl *)&ring[num];

	errno = 0;
	tap_check(mprotect(p, len, PROT_READ | PROT_EXEC) < 0 &&
		  errno == EACCES, "mprotect(PROT_EXEC) refused");

	ok = 1;
	for (i = 0; i < num; i++)
		ok &= ring[i].flags == 0;
	tap_check(ok, "all %d slots start empty", num);
	tap_eq(ctrl->flags, SIW_NOTIFY_NOT, "arming word after ring: not armed");

	ibv_req_notify_cq(cq, 0);
	tap_eq(ctrl->flags, SIW_NOTIFY_SOLICITED | SIW_NOTIFY_NEXT_COMPLETION,
	       "libsiw arms next completion in the shared word");
	ibv_req_notify_cq(cq, 1);
	tap_eq(ctrl->flags, SIW_NOTIFY_SOLICITED,
	       "libsiw arms solicited in the shared word");

	/* A slot written here is what libsiw polls. */
	ring[0].id = 0x1234;
	ring[0].opcode = SIW_OP_RECEIVE;
	ring[0].status = SIW_WC_SUCCESS;
	ring[0].bytes = 42;
	ring[0].qp_id = 7;
	__atomic_store_n(&ring[0].flags, SIW_WQE_VALID, __ATOMIC_RELEASE);
	memset(&wc, 0, sizeof(wc));
	tap_eq(ibv_poll_cq(cq, 1, &wc), 1, "libsiw polls a slot of our mapping");
	tap_check(wc.wr_id == 0x1234 && wc.opcode == IBV_WC_RECV &&
		  wc.status == IBV_WC_SUCCESS && wc.byte_len == 42 &&
		  wc.qp_num == 7, "polled entry carries the slot's contents");
	tap_eq(ring[0].flags, 0, "libsiw handed the slot back (flags cleared)");

	/* Garbage everywhere the process can write: the kernel must not care. */
	for (i = 0; i < num; i++) {
		ring[i].flags = 0xff;
		ring[i].opcode = 0xff;
		ring[i].status = 0xffff;
		ring[i].qp_id = ~0ULL;
	}
	ctrl->flags = ~0U;
	errno = 0;
	tap_check(cmd_poll(cq) < 0 && errno == EOPNOTSUPP,
		  "uverbs poll command on a scribbled user CQ: EOPNOTSUPP");
	tap_eq(ring[0].flags, 0xff, "kernel did not consume user slots");

	tap_eq(ibv_destroy_cq(cq), 0, "destroy the CQ while still mapped here");
	cq = NULL;
	ring[1].id = 0xabcdef;
	tap_check(ring[1].id == 0xabcdef,
		  "old mapping stays usable after destroy (pages held)");
	errno = 0;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, key);
	tap_check(p == MAP_FAILED && errno == EINVAL,
		  "destroyed CQ's key maps nothing (EINVAL)");
	if (p != MAP_FAILED)
		munmap(p, len);
	tap_eq(munmap((void *)ring, len), 0, "munmap the old mapping");
out_cq:
	if (cq)
		ibv_destroy_cq(cq);
out:
	ibv_close_device(ctx2);
	ctx2 = NULL;
}

static void test_many(void)
{
	static struct ibv_cq *cqs[MANY_CQS];
	long before, during, after;
	int i, made = 0, destroyed = 0;

	before = res_cq_count();
	tap_check(before >= 0, "rdma resource show counts CQs (%ld)", before);
	for (i = 0; i < MANY_CQS; i++) {
		cqs[i] = ibv_create_cq(ctx, 1 + (i % 300), NULL, NULL,
				       i % ctx->num_comp_vectors);
		if (cqs[i])
			made++;
	}
	tap_eq(made, MANY_CQS, "create %d CQs", MANY_CQS);
	during = res_cq_count();
	tap_eq(during, before + made, "resource count up by %d", made);
	for (i = 0; i < MANY_CQS; i++)
		if (cqs[i] && ibv_destroy_cq(cqs[i]) == 0)
			destroyed++;
	tap_eq(destroyed, made, "destroy all %d CQs", made);
	after = res_cq_count();
	tap_eq(after, before, "resource count back to %ld", before);
}

int main(int argc, char **argv)
{
	struct ibv_device_attr attr;
	char host[64] = "";
	int rc, i;

	(void)argc;
	tap_init();
	gethostname(host, sizeof(host) - 1);
	if (strcmp(host, "siw-vm"))
		tap_skip_all("runs only inside the siw test VM");
	if (find_top(argv[0]))
		tap_skip_all("cannot find the checkout from argv[0]");
	if (sh("test -r %s/build/$(uname -r)/kernel/siw.ko", top))
		tap_skip_all("no siw.ko for this kernel: make module KVER=$(uname -r)");

	atexit(teardown_atexit);
	if (setup()) {
		teardown(1);
		return tap_done();
	}

	for (i = 0; i < 50 && !ctx; i++) {
		ctx = open_siw();
		if (!ctx)
			usleep(100000);
	}
	if (!ctx) {
		tap_diag("libibverbs does not see " DEV_NAME " (no libsiw?)");
		teardown(1);
		printf("1..%d # SKIP no siw device\n", tap_count);
		return KSFT_SKIP;
	}
	tap_check(1, "open " DEV_NAME " with libibverbs");
	rc = ibv_query_device(ctx, &attr);
	tap_eq(rc, 0, "query device");
	if (rc) {
		teardown(1);
		return tap_done();
	}
	tap_check(attr.max_cqe > 4096 && attr.max_cq > MANY_CQS,
		  "limits: max_cqe %d, max_cq %d", attr.max_cqe, attr.max_cq);

	test_sizes(&attr);
	test_limits(&attr);
	test_channel();
	test_mapping();
	test_many();

	teardown(1);
	rc = sh("! dmesg | grep -v ' traps: ' | grep -Eq 'WARNING:|BUG:|Oops|general protection|refcount_t|list_(add|del) corruption'");
	tap_eq(rc, 0, "no WARN or BUG in the kernel log");
	return tap_done();
}
