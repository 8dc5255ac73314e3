// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * verbs_mr: memory registration on siw through libibverbs and the stock
 * libsiw provider: access-flag rules, sizes and alignment, bad buffers,
 * STag (lkey/rkey) uniqueness, many MRs, register/deregister stress,
 * cleanup at process exit, and rdma resource tracking. Also runs the
 * module's in-kernel test of the data-path memory API (mem_selftest=1).
 *
 * Runs inside the test VM only: it loads the freshly built siw.ko from
 * <top>/build/$(uname -r)/kernel/ and creates its own dummy netdev and
 * siw link, and removes them at the end. TAP output, exit 0/1/4.
 */
#define _GNU_SOURCE
#include <infiniband/verbs.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"

#define DEV	"siwmr0"
#define NETDEV	"mrd0"
#define MANY	2000
#define STRESS	10000
#define LEAKED	100

static char top[PATH_MAX];
static char ko[2 * PATH_MAX];
static bool loaded, linked;
static long page;

static int run(const char *fmt, ...)
{
	char cmd[4 * PATH_MAX];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	rc = system(cmd);
	if (rc == -1 || !WIFEXITED(rc))
		return -1;
	return WEXITSTATUS(rc);
}

/* First line of a command's output, without the newline. */
static bool run_line(const char *cmd, char *line, size_t size)
{
	FILE *f = popen(cmd, "r");
	bool ok;

	if (!f)
		return false;
	ok = fgets(line, size, f) != NULL;
	pclose(f);
	if (ok)
		line[strcspn(line, "\n")] = 0;
	return ok;
}

/* "mr N" of `rdma resource show DEV`; -1 if not found. */
static long res_mr_count(void)
{
	char line[512], *p;

	if (!run_line("rdma resource show " DEV " 2>/dev/null", line,
		      sizeof(line)))
		return -1;
	p = strstr(line, " mr ");
	return p ? strtol(p + 4, NULL, 10) : -1;
}

/* MRs of DEV listed one per line by `rdma resource show mr`. */
static long res_mr_lines(void)
{
	char line[64];

	if (!run_line("rdma resource show mr 2>/dev/null | grep -c 'dev " DEV " '",
		      line, sizeof(line)))
		return -1;
	return strtol(line, NULL, 10);
}

#define KERNEL_BAD "WARNING:|BUG:|Oops|refcount_t|still registered at removal"
static long bad_before;

/* Kernel log lines matching an extended regex. */
static long dmesg_count(const char *ere)
{
	char cmd[256], line[64];

	snprintf(cmd, sizeof(cmd), "dmesg | grep -Ec '%s'", ere);
	if (!run_line(cmd, line, sizeof(line)))
		return -1;
	return strtol(line, NULL, 10);
}

static void cleanup(void)
{
	if (linked)
		run("rdma link delete " DEV " 2>/dev/null");
	run("ip link del " NETDEV " 2>/dev/null");
	if (loaded)
		run("rmmod siw 2>/dev/null");
}

static struct ibv_context *open_dev(void)
{
	struct ibv_device **list = ibv_get_device_list(NULL);
	struct ibv_context *ctx = NULL;
	int i;

	for (i = 0; list && list[i]; i++)
		if (!strcmp(ibv_get_device_name(list[i]), DEV))
			ctx = ibv_open_device(list[i]);
	if (list)
		ibv_free_device_list(list);
	return ctx;
}

/* Child mode: register MRs and exit without deregistering them. */
static int leak_mrs(void)
{
	struct ibv_context *ctx = open_dev();
	struct ibv_pd *pd = ctx ? ibv_alloc_pd(ctx) : NULL;
	static char buf[4096];
	int i;

	if (!pd)
		return 2;
	for (i = 0; i < LEAKED; i++)
		if (!ibv_reg_mr(pd, buf, sizeof(buf), IBV_ACCESS_LOCAL_WRITE))
			return 3;
	return 0;
}

static bool setup(const char *argv0)
{
	struct utsname uts;
	char host[64] = "";
	char *p;
	int i;

	gethostname(host, sizeof(host) - 1);
	if (strcmp(host, "siw-vm"))
		tap_skip_all("runs only inside the siw test VM");
	if (!realpath(argv0, top))
		tap_skip_all("cannot resolve the test's path");
	/* <top>/build/selftests/siw/verbs_mr */
	for (i = 0; i < 4; i++) {
		p = strrchr(top, '/');
		if (!p)
			tap_skip_all("unexpected test path");
		*p = 0;
	}
	uname(&uts);
	snprintf(ko, sizeof(ko), "%s/build/%s/kernel/siw.ko", top,
		 uts.release);
	if (access(ko, R_OK))
		tap_skip_all("no siw.ko for this kernel: build with make KVER=$(uname -r)");
	if (!access("/sys/module/siw", F_OK) && run("rmmod siw"))
		tap_skip_all("siw is loaded and cannot be removed");
	if (run("modprobe -a ib_core iw_cm ib_uverbs rdma_cm rdma_ucm libcrc32c"))
		tap_skip_all("RDMA core modules missing");
	atexit(cleanup);
	bad_before = dmesg_count(KERNEL_BAD);

	loaded = !run("insmod %s mem_selftest=1", ko);
	tap_check(loaded, "load siw.ko (mem_selftest=1)");
	if (!loaded)
		return false;
	tap_check(!run("ip link add " NETDEV " type dummy && ip link set " NETDEV " up"),
		  "dummy netdev " NETDEV " up");
	linked = !run("rdma link add " DEV " type siw netdev " NETDEV);
	tap_check(linked, "rdma link add " DEV " on " NETDEV);
	return linked;
}

static void test_kernel_selftest(void)
{
	char line[256] = "";
	int passed = 0, failed = -1;
	char *p;

	run_line("dmesg | grep 'siw: mem selftest:' | tail -n 1", line,
		 sizeof(line));
	p = strstr(line, "mem selftest: ");
	if (p)
		sscanf(p, "mem selftest: %d passed, %d failed", &passed,
		       &failed);
	tap_check(passed > 0 && failed == 0,
		  "in-kernel memory API test: %d passed, %d failed", passed,
		  failed);
	if (failed)
		run("dmesg | grep 'siw: mem selftest' | sed 's/^/# /'");
}

static void test_device(struct ibv_context *ctx)
{
	struct ibv_device_attr attr;

	tap_check(!ibv_query_device(ctx, &attr) &&
		  (attr.device_cap_flags & IBV_DEVICE_MEM_MGT_EXTENSIONS) &&
		  attr.max_mr >= MANY,
		  "device: memory management extensions, max_mr >= %d",
		  MANY);
}

static bool keys_distinct(struct ibv_mr **mrs, int n)
{
	int i, j;

	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			if (mrs[i]->lkey == mrs[j]->lkey ||
			    mrs[i]->rkey == mrs[j]->rkey)
				return false;
	return true;
}

static void test_access(struct ibv_pd *pd, char *buf)
{
	static const int bits[] = {
		IBV_ACCESS_LOCAL_WRITE, IBV_ACCESS_REMOTE_WRITE,
		IBV_ACCESS_REMOTE_READ, IBV_ACCESS_REMOTE_ATOMIC,
		IBV_ACCESS_MW_BIND,
	};
	struct ibv_mr *mrs[32], *mr;
	int n = 0, combo, i, dereg = 0;

	for (combo = 0; combo < 32; combo++) {
		int access = 0;
		bool valid;

		for (i = 0; i < 5; i++)
			if (combo & (1 << i))
				access |= bits[i];
		valid = !(access & (IBV_ACCESS_REMOTE_WRITE |
				    IBV_ACCESS_REMOTE_ATOMIC)) ||
			(access & IBV_ACCESS_LOCAL_WRITE);
		errno = 0;
		mr = ibv_reg_mr(pd, buf, page, access);
		if (valid) {
			tap_check(mr && mr->lkey && mr->rkey == mr->lkey &&
				  mr->addr == buf && mr->length == (size_t)page,
				  "reg_mr access 0x%02x: ok, lkey == rkey != 0",
				  access);
			if (mr)
				mrs[n++] = mr;
		} else {
			tap_check(!mr && errno == EINVAL,
				  "reg_mr access 0x%02x (remote write/atomic without local write): EINVAL",
				  access);
			if (mr)
				ibv_dereg_mr(mr);
		}
	}
	tap_check(keys_distinct(mrs, n), "%d live MRs on one buffer: all STags distinct", n);
	for (i = 0; i < n; i++)
		dereg += !ibv_dereg_mr(mrs[i]);
	tap_eq(dereg, n, "dereg all %d", n);

	mr = ibv_reg_mr(pd, buf, page,
			IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_RELAXED_ORDERING);
	tap_check(mr, "optional flag (relaxed ordering) accepted");
	if (mr)
		ibv_dereg_mr(mr);
	errno = 0;
	mr = ibv_reg_mr(pd, buf, page,
			IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_ON_DEMAND);
	/* The core refuses it: EINVAL on 6.1, EOPNOTSUPP since 6.2. */
	tap_check(!mr && (errno == EOPNOTSUPP || errno == EINVAL),
		  "on-demand paging refused");
	if (mr)
		ibv_dereg_mr(mr);
}

static void test_sizes(struct ibv_pd *pd, char *buf)
{
	const size_t big = 64UL << 20;
	struct ibv_mr *mr, *mr2;
	char *mem, *ro;
	int rw = IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_READ |
		 IBV_ACCESS_REMOTE_WRITE;

	mr = ibv_reg_mr(pd, buf + 17, 1, rw);
	tap_check(mr && mr->length == 1 && mr->addr == buf + 17, "1 byte");
	if (mr)
		ibv_dereg_mr(mr);
	mr = ibv_reg_mr(pd, buf, page, rw);
	tap_check(mr, "1 page, page aligned");
	if (mr)
		ibv_dereg_mr(mr);
	mr = ibv_reg_mr(pd, buf + page - 100, page + 200, rw);
	tap_check(mr, "unaligned start and end, 3 pages touched");
	if (mr)
		ibv_dereg_mr(mr);
	mr = ibv_reg_mr_iova(pd, buf + 0x123, 2 * page, 0x123, rw);
	tap_check(mr, "iova other than the address (zero-based)");
	if (mr)
		ibv_dereg_mr(mr);

	mem = mmap(NULL, big, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem != MAP_FAILED) {
		mr = ibv_reg_mr(pd, mem, big, rw);
		tap_check(mr && mr->length == big, "64 MiB");
		mr2 = ibv_reg_mr(pd, mem + page, big - 2 * page, rw);
		tap_check(mr2 && mr && mr2->lkey != mr->lkey,
			  "overlapping 64 MiB registration, its own STag");
		if (mr2)
			ibv_dereg_mr(mr2);
		if (mr)
			ibv_dereg_mr(mr);
		munmap(mem, big);
	} else {
		tap_check(0, "mmap 64 MiB");
	}

	errno = 0;
	mr = ibv_reg_mr(pd, buf, 0, rw);
	tap_check(!mr && errno == EINVAL, "length 0: EINVAL");
	if (mr)
		ibv_dereg_mr(mr);

	/* Not mapped at all, and mapped only in part. */
	mem = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		tap_check(0, "mmap 2 pages");
		return;
	}
	memset(mem, 1, 2 * page);
	munmap(mem + page, page);
	errno = 0;
	mr = ibv_reg_mr(pd, mem + page, page, rw);
	tap_check(!mr && errno == EFAULT, "unmapped memory: EFAULT");
	if (mr)
		ibv_dereg_mr(mr);
	errno = 0;
	mr = ibv_reg_mr(pd, mem, 2 * page, rw);
	tap_check(!mr && errno == EFAULT, "partly unmapped memory: EFAULT");
	if (mr)
		ibv_dereg_mr(mr);

	/* Read-only memory: only a read-only registration pins it. */
	ro = mem;
	mprotect(ro, page, PROT_READ);
	mr = ibv_reg_mr(pd, ro, page, IBV_ACCESS_REMOTE_READ);
	tap_check(mr, "read-only memory, no write access: ok");
	if (mr)
		ibv_dereg_mr(mr);
	errno = 0;
	mr = ibv_reg_mr(pd, ro, page, IBV_ACCESS_LOCAL_WRITE);
	tap_check(!mr && errno == EFAULT, "read-only memory, local write: EFAULT");
	if (mr)
		ibv_dereg_mr(mr);
	munmap(mem, page);
}

static void test_pds(struct ibv_context *ctx, char *buf)
{
	struct ibv_pd *pd1 = ibv_alloc_pd(ctx), *pd2 = ibv_alloc_pd(ctx);
	struct ibv_mr *mrs[2] = {};
	int rv;

	if (!pd1 || !pd2) {
		tap_check(0, "two more PDs");
		return;
	}
	mrs[0] = ibv_reg_mr(pd1, buf, page, IBV_ACCESS_LOCAL_WRITE);
	mrs[1] = ibv_reg_mr(pd2, buf, page, IBV_ACCESS_LOCAL_WRITE);
	tap_check(mrs[0] && mrs[1] && keys_distinct(mrs, 2),
		  "same buffer in two PDs: distinct STags");
	rv = ibv_dealloc_pd(pd1);
	tap_eq(rv, EBUSY, "dealloc of a PD with a live MR: EBUSY");
	if (mrs[0])
		ibv_dereg_mr(mrs[0]);
	if (mrs[1])
		ibv_dereg_mr(mrs[1]);
	tap_check(!ibv_dealloc_pd(pd1) && !ibv_dealloc_pd(pd2),
		  "dealloc both PDs after dereg");
}

static void test_many(struct ibv_pd *pd)
{
	struct ibv_mr **mrs = calloc(MANY, sizeof(*mrs));
	char *mem = mmap(NULL, MANY * page, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	long before = res_mr_count();
	int i, n = 0, dereg = 0;

	if (!mrs || mem == MAP_FAILED) {
		tap_check(0, "memory for %d MRs", MANY);
		return;
	}
	for (i = 0; i < MANY; i++) {
		mrs[i] = ibv_reg_mr(pd, mem + i * page, page,
				    IBV_ACCESS_LOCAL_WRITE |
				    IBV_ACCESS_REMOTE_READ);
		if (!mrs[i])
			break;
		n++;
	}
	tap_eq(n, MANY, "register %d MRs", MANY);
	tap_check(keys_distinct(mrs, n), "%d STags distinct", n);
	tap_eq(res_mr_count(), before + n, "rdma resource show: mr %ld", before + n);
	tap_eq(res_mr_lines(), before + n, "rdma resource show mr: %ld lines for " DEV,
	       before + n);
	for (i = 0; i < n; i++)
		dereg += !ibv_dereg_mr(mrs[i]);
	tap_eq(dereg, n, "dereg all %d", n);
	tap_eq(res_mr_count(), before, "rdma resource show: mr back to %ld", before);
	munmap(mem, MANY * page);
	free(mrs);
}

static void test_stress(struct ibv_pd *pd, char *buf)
{
	struct timespec t0, t1;
	int i, ok = 0;
	double s;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < STRESS; i++) {
		struct ibv_mr *mr = ibv_reg_mr(pd, buf, 2 * page,
					       IBV_ACCESS_LOCAL_WRITE |
					       IBV_ACCESS_REMOTE_WRITE);

		if (!mr)
			break;
		ok += !ibv_dereg_mr(mr);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	s = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	tap_eq(ok, STRESS, "register/deregister one buffer %d times", STRESS);
	tap_diag("%d cycles in %.2f s (%.1f us each)", ok, s,
		 ok ? s * 1e6 / ok : 0.0);
	tap_eq(res_mr_count(), 0, "rdma resource show: mr 0 after the stress");
}

static void test_exit_cleanup(const char *argv0)
{
	int rc = run("%s --leak", argv0);

	tap_eq(rc, 0, "child registered %d MRs and exited without dereg", LEAKED);
	tap_eq(res_mr_count(), 0, "the kernel deregistered them at exit");
}

int main(int argc, char **argv)
{
	struct ibv_context *ctx;
	struct ibv_pd *pd;
	char *buf;
	int ok;

	page = sysconf(_SC_PAGESIZE);
	if (argc > 1 && !strcmp(argv[1], "--leak"))
		return leak_mrs();

	tap_init();
	if (!setup(argv[0]))
		return tap_done();
	test_kernel_selftest();

	ctx = open_dev();
	tap_check(ctx, "open " DEV " with libibverbs");
	if (!ctx)
		return tap_done();
	pd = ibv_alloc_pd(ctx);
	buf = aligned_alloc(page, 4 * page);
	tap_check(pd && buf, "PD and buffer");
	if (!pd || !buf)
		return tap_done();
	memset(buf, 0x11, 4 * page);

	test_device(ctx);
	test_access(pd, buf);
	test_sizes(pd, buf);
	test_pds(ctx, buf);
	test_many(pd);
	test_stress(pd, buf);
	test_exit_cleanup(argv[0]);

	tap_check(!ibv_dealloc_pd(pd) && !ibv_close_device(ctx),
		  "dealloc PD, close device");
	free(buf);

	tap_check(!run("rdma link delete " DEV), "rdma link delete " DEV);
	linked = false;
	tap_check(!run("ip link del " NETDEV), "ip link del " NETDEV);
	ok = !run("rmmod siw");
	loaded = !ok;
	tap_check(ok, "rmmod siw");
	tap_eq(dmesg_count(KERNEL_BAD), bad_before,
	       "kernel log: no WARN, BUG or STag left registered at removal");
	return tap_done();
}
