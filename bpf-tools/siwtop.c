// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * siwtop: live per-QP and per-TX-thread rates of siw, the software iWARP
 * driver, from its tracepoints.
 *
 * USAGE: siwtop [-h] [-j] [-p] [-v] [-i SEC] [-c COUNT] [-r ROWS]
 *
 * Every interval (-i, default 1 s) it prints, per CPU: its TX thread's
 * wakeups, work items run and share of the interval awake (BUSY%), the
 * FPDUs and payload bytes sent on the CPU, and the share of those bytes a
 * process sent itself (DIRECT%: tx_direct=1, its doorbell found the QP's
 * TX idle) rather than the TX thread; per QP: its state and the CPU of
 * its last FPDU sent, payload bytes
 * and FPDUs each way, posts (kernel WRs and user doorbells), how often TX
 * found the socket full and the share of the interval it stayed blocked
 * (BLK%). QPs are sorted by bytes moved. On a terminal the screen is
 * redrawn; otherwise (or with -p) tables follow each other; -j prints one
 * JSON object per interval with the raw counts of the interval. SIGINT or
 * SIGTERM print the interval so far and exit 0.
 *
 * Work items are counted when a TX thread runs out of work (siw_tx_idle),
 * BUSY% from its wakeup to then: a thread that never idles shows RUNS/s 0
 * and BUSY% 100. POSTS/s of user QPs are doorbells (libsiw rings one only
 * for an idle SQ), of kernel QPs work requests.
 *
 * Needs the siw module loaded, tracefs mounted and root (CAP_BPF and
 * CAP_PERFMON). See siwtop_example.txt.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "siw_common.h"
#include "siw_tp.h"
#include "siwtop.h"
#include "siwtop.skel.h"

#define PROG "siwtop"

static const char usage[] =
"Usage: siwtop [-h] [-j] [-p] [-v] [-i SEC] [-c COUNT] [-r ROWS]\n"
"Live per-QP and per-TX-thread rates of siw from its tracepoints.\n"
"\n"
"  -i SEC    interval in seconds (default 1, fractions allowed)\n"
"  -c COUNT  stop after COUNT intervals (default: until Ctrl-C)\n"
"  -r ROWS   show at most ROWS QPs (default: all)\n"
"  -j        one JSON object per interval (raw counts), for scripts\n"
"  -p        plain output: no screen redraw (default when not a tty)\n"
"  -v        libbpf debug messages\n"
"  -h        this help\n"
"\n"
"Examples:\n"
"  siwtop              # redraw every second\n"
"  siwtop -i 5 -c 3    # three 5 second intervals, then exit\n"
"  siwtop -j -c 10     # JSON lines for a script\n";

static struct {
	double interval;
	unsigned long count;
	unsigned long rows;
	bool json;
	bool plain;
	bool verbose;
} env = { .interval = 1.0 };

struct qp_row {
	__u32 qp;
	struct siwtop_qp cur;	/* counters now */
	struct siwtop_qp prev;	/* at the previous print (zero if new) */
	__u64 blk_ns;		/* blocked time in this interval */
	bool gone;		/* in ERROR: reported for the last time */
};

/* Previous snapshots, sorted by QP number. */
struct qp_prev {
	__u32 qp;
	struct siwtop_qp s;
	__u64 blk_total;	/* blocked_ns + the current period, at the print */
};

static struct qp_prev *prev_qps;
static size_t n_prev;

struct cpu_prev {
	struct siwtop_cpu s;
	__u64 busy_total;
	bool active;		/* has a TX thread or ever had work */
};

static struct cpu_prev *prev_cpus;
static struct siwtop_cpu *cur_cpus;
static int n_cpus;

static const char *state_name(__u32 s)
{
	static const char *const names[] = {
		"IDLE", "RTR", "RTS", "CLOSING", "TERM", "ERROR",
	};

	return s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

static int cmp_prev(const void *a, const void *b)
{
	const struct qp_prev *x = a, *y = b;

	return x->qp < y->qp ? -1 : x->qp > y->qp;
}

static struct qp_prev *find_prev(__u32 qp)
{
	struct qp_prev key = { .qp = qp };

	if (!n_prev)
		return NULL;
	return bsearch(&key, prev_qps, n_prev, sizeof(*prev_qps), cmp_prev);
}

static __u64 sub(__u64 a, __u64 b)
{
	return a > b ? a - b : 0;
}

/* Time in an open period (since @since, 0: none) up to @now. */
static __u64 open_ns(__u64 since, __u64 now)
{
	return since && now > since ? now - since : 0;
}

static int cmp_rows(const void *a, const void *b)
{
	const struct qp_row *x = a, *y = b;
	__u64 bx = sub(x->cur.tx_bytes, x->prev.tx_bytes) +
		   sub(x->cur.rx_bytes, x->prev.rx_bytes);
	__u64 by = sub(y->cur.tx_bytes, y->prev.tx_bytes) +
		   sub(y->cur.rx_bytes, y->prev.rx_bytes);

	if (bx != by)
		return bx > by ? -1 : 1;
	return x->qp < y->qp ? -1 : x->qp > y->qp;
}

/* CPUs that run a siw TX thread now ("siw_tx/N" kernel threads). */
static void mark_tx_threads(void)
{
	char path[64], comm[32];
	struct dirent *d;
	unsigned int cpu;
	DIR *dir;
	FILE *f;

	dir = opendir("/proc");
	if (!dir)
		return;
	while ((d = readdir(dir))) {
		if (d->d_name[0] < '0' || d->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%.20s/comm", d->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(comm, sizeof(comm), f) &&
		    sscanf(comm, "siw_tx/%u", &cpu) == 1 &&
		    cpu < (unsigned int)n_cpus)
			prev_cpus[cpu].active = true;
		fclose(f);
	}
	closedir(dir);
}

static int read_qps(int fd, struct qp_row **rowsp, size_t *np, __u64 now)
{
	struct qp_row *rows = NULL, *r;
	size_t n = 0, cap = 0;
	struct qp_prev *p;
	__u32 key, next;
	bool first = true;
	__u64 blk_total;

	while (bpf_map_get_next_key(fd, first ? NULL : &key, &next) == 0) {
		first = false;
		key = next;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			r = realloc(rows, cap * sizeof(*rows));
			if (!r) {
				free(rows);
				return -ENOMEM;
			}
			rows = r;
		}
		r = &rows[n];
		memset(r, 0, sizeof(*r));
		r->qp = key;
		if (bpf_map_lookup_elem(fd, &key, &r->cur))
			continue;	/* deleted meanwhile */
		p = find_prev(key);
		if (p)
			r->prev = p->s;
		blk_total = r->cur.blocked_ns +
			    open_ns(r->cur.blocked_since, now);
		r->blk_ns = sub(blk_total, p ? p->blk_total : 0);
		r->gone = r->cur.state == SIW_TP_QP_ERROR;
		n++;
	}
	*rowsp = rows;
	*np = n;
	return 0;
}

/* Remember this interval's counters; forget QPs that are gone. */
static int save_qps(int fd, struct qp_row *rows, size_t n, __u64 now)
{
	struct qp_prev *p;
	size_t i, k = 0;

	p = realloc(prev_qps, (n ? n : 1) * sizeof(*p));
	if (!p)
		return -ENOMEM;
	prev_qps = p;
	for (i = 0; i < n; i++) {
		if (rows[i].gone) {
			bpf_map_delete_elem(fd, &rows[i].qp);
			continue;
		}
		p[k].qp = rows[i].qp;
		p[k].s = rows[i].cur;
		p[k].blk_total = rows[i].cur.blocked_ns +
				 open_ns(rows[i].cur.blocked_since, now);
		k++;
	}
	n_prev = k;
	qsort(prev_qps, n_prev, sizeof(*prev_qps), cmp_prev);
	return 0;
}

static void read_cpus(int fd)
{
	__u32 cpu;

	for (cpu = 0; cpu < (__u32)n_cpus; cpu++) {
		if (bpf_map_lookup_elem(fd, &cpu, &cur_cpus[cpu]))
			memset(&cur_cpus[cpu], 0, sizeof(cur_cpus[cpu]));
		if (cur_cpus[cpu].wakeups || cur_cpus[cpu].tx_fpdus)
			prev_cpus[cpu].active = true;
	}
}

static void save_cpus(__u64 now)
{
	int cpu;

	for (cpu = 0; cpu < n_cpus; cpu++) {
		prev_cpus[cpu].s = cur_cpus[cpu];
		prev_cpus[cpu].busy_total = cur_cpus[cpu].busy_ns +
			open_ns(cur_cpus[cpu].awake_since, now);
	}
}

static __u64 cpu_busy(int cpu, __u64 now)
{
	__u64 total = cur_cpus[cpu].busy_ns +
		      open_ns(cur_cpus[cpu].awake_since, now);

	return sub(total, prev_cpus[cpu].busy_total);
}

static double pct(__u64 part, __u64 whole)
{
	double p = whole ? 100.0 * part / whole : 0;

	return p > 100.0 ? 100.0 : p;
}

static void print_json(struct qp_row *rows, size_t n, __u64 now, __u64 dt,
		       const char *ts)
{
	const struct siwtop_cpu *c, *o;
	bool sep = false;
	size_t i;
	int cpu;

	printf("{\"time\":\"%s\",\"interval_s\":%.3f,\"cpus\":[", ts, dt / 1e9);
	for (cpu = 0; cpu < n_cpus; cpu++) {
		if (!prev_cpus[cpu].active)
			continue;
		c = &cur_cpus[cpu];
		o = &prev_cpus[cpu].s;
		printf("%s{\"cpu\":%d,\"wakeups\":%llu,\"runs\":%llu,\"busy_ns\":%llu,\"tx_bytes\":%llu,\"tx_fpdus\":%llu,\"direct_bytes\":%llu}",
		       sep ? "," : "", cpu,
		       (unsigned long long)sub(c->wakeups, o->wakeups),
		       (unsigned long long)sub(c->runs, o->runs),
		       (unsigned long long)cpu_busy(cpu, now),
		       (unsigned long long)sub(c->tx_bytes, o->tx_bytes),
		       (unsigned long long)sub(c->tx_fpdus, o->tx_fpdus),
		       (unsigned long long)sub(c->direct_bytes, o->direct_bytes));
		sep = true;
	}
	printf("],\"qps\":[");
	for (i = 0; i < n; i++) {
		const struct siwtop_qp *q = &rows[i].cur, *p = &rows[i].prev;

		printf("%s{\"qp\":%u,\"state\":\"%s\",\"cpu\":%d,\"tx_bytes\":%llu,\"tx_fpdus\":%llu,\"rx_bytes\":%llu,\"rx_fpdus\":%llu,\"posts\":%llu,\"blocked\":%llu,\"blocked_ns\":%llu}",
		       i ? "," : "", rows[i].qp, state_name(q->state), q->cpu,
		       (unsigned long long)sub(q->tx_bytes, p->tx_bytes),
		       (unsigned long long)sub(q->tx_fpdus, p->tx_fpdus),
		       (unsigned long long)sub(q->rx_bytes, p->rx_bytes),
		       (unsigned long long)sub(q->rx_fpdus, p->rx_fpdus),
		       (unsigned long long)sub(q->posts, p->posts),
		       (unsigned long long)sub(q->blocked, p->blocked),
		       (unsigned long long)rows[i].blk_ns);
	}
	printf("]}\n");
}

static void print_table(struct qp_row *rows, size_t n, __u64 now, __u64 dt,
			const char *ts)
{
	double secs = dt / 1e9, txb = 0, rxb = 0, txf = 0, rxf = 0;
	const struct siwtop_cpu *c, *o;
	size_t i, shown;
	int cpu;

	for (i = 0; i < n; i++) {
		txb += sub(rows[i].cur.tx_bytes, rows[i].prev.tx_bytes);
		rxb += sub(rows[i].cur.rx_bytes, rows[i].prev.rx_bytes);
		txf += sub(rows[i].cur.tx_fpdus, rows[i].prev.tx_fpdus);
		rxf += sub(rows[i].cur.rx_fpdus, rows[i].prev.rx_fpdus);
	}
	if (!env.plain)
		printf("\033[H\033[2J");
	printf("siwtop - %s  interval %.2f s  QPs %zu  TX %.2f MB/s %.0f FPDU/s  RX %.2f MB/s %.0f FPDU/s\n\n",
	       ts, secs, n, txb / secs / 1e6, txf / secs, rxb / secs / 1e6,
	       rxf / secs);
	printf("%4s %9s %9s %6s %10s %10s %8s\n", "CPU", "WAKEUP/s", "RUNS/s",
	       "BUSY%", "TX_MB/s", "TX_FPDU/s", "DIRECT%");
	for (cpu = 0; cpu < n_cpus; cpu++) {
		if (!prev_cpus[cpu].active)
			continue;
		c = &cur_cpus[cpu];
		o = &prev_cpus[cpu].s;
		printf("%4d %9.0f %9.0f %6.1f %10.2f %10.0f %8.1f\n", cpu,
		       sub(c->wakeups, o->wakeups) / secs,
		       sub(c->runs, o->runs) / secs,
		       pct(cpu_busy(cpu, now), dt),
		       sub(c->tx_bytes, o->tx_bytes) / secs / 1e6,
		       sub(c->tx_fpdus, o->tx_fpdus) / secs,
		       pct(sub(c->direct_bytes, o->direct_bytes),
			   sub(c->tx_bytes, o->tx_bytes)));
	}
	printf("\n%6s %-5s %3s %10s %10s %10s %10s %8s %7s %5s\n", "QPN",
	       "STATE", "CPU", "TX_MB/s", "TX_FPDU/s", "RX_MB/s",
	       "RX_FPDU/s", "POSTS/s", "BLKD/s", "BLK%");
	shown = env.rows && env.rows < n ? env.rows : n;
	for (i = 0; i < shown; i++) {
		const struct siwtop_qp *q = &rows[i].cur, *p = &rows[i].prev;
		char cpus[16];

		if (q->cpu >= 0)
			snprintf(cpus, sizeof(cpus), "%d", q->cpu);
		else
			snprintf(cpus, sizeof(cpus), "-");
		printf("%6u %-5s %3s %10.2f %10.0f %10.2f %10.0f %8.0f %7.0f %5.1f\n",
		       rows[i].qp, state_name(q->state), cpus,
		       sub(q->tx_bytes, p->tx_bytes) / secs / 1e6,
		       sub(q->tx_fpdus, p->tx_fpdus) / secs,
		       sub(q->rx_bytes, p->rx_bytes) / secs / 1e6,
		       sub(q->rx_fpdus, p->rx_fpdus) / secs,
		       sub(q->posts, p->posts) / secs,
		       sub(q->blocked, p->blocked) / secs,
		       pct(rows[i].blk_ns, dt));
	}
	if (shown < n)
		printf("(%zu more QPs)\n", n - shown);
	if (env.plain)
		printf("\n");
}

static int report(struct siwtop_bpf *obj, __u64 *last)
{
	int qfd = bpf_map__fd(obj->maps.qps);
	struct qp_row *rows = NULL;
	__u64 now = siw_now_ns(), dt = now - *last;
	char ts[16];
	time_t t;
	size_t n;
	int err;

	if (!dt)
		dt = 1;
	t = time(NULL);
	strftime(ts, sizeof(ts), "%H:%M:%S", localtime(&t));
	mark_tx_threads();
	read_cpus(bpf_map__fd(obj->maps.cpus));
	err = read_qps(qfd, &rows, &n, now);
	if (err)
		return err;
	qsort(rows, n, sizeof(*rows), cmp_rows);
	if (env.json)
		print_json(rows, n, now, dt, ts);
	else
		print_table(rows, n, now, dt, ts);
	fflush(stdout);
	save_cpus(now);
	err = save_qps(qfd, rows, n, now);
	free(rows);
	*last = now;
	return err;
}

static int check_tracepoints(void)
{
	static const struct siw_tp_field fpdu[] = {
		SIW_TP_FIELD(struct siw_tp_fpdu, qp),
		SIW_TP_FIELD(struct siw_tp_fpdu, opcode),
		SIW_TP_FIELD(struct siw_tp_fpdu, len),
		SIW_TP_FIELD(struct siw_tp_fpdu, cpu),
	};
	static const struct siw_tp_field wr[] = {
		SIW_TP_FIELD(struct siw_tp_wr_post, qp),
	};
	static const struct siw_tp_field db[] = {
		SIW_TP_FIELD(struct siw_tp_doorbell, qp),
	};
	static const struct siw_tp_field sk[] = {
		SIW_TP_FIELD(struct siw_tp_sk, qp),
		SIW_TP_FIELD(struct siw_tp_sk, queued),
	};
	static const struct siw_tp_field st[] = {
		SIW_TP_FIELD(struct siw_tp_qp_state, qp),
		SIW_TP_FIELD(struct siw_tp_qp_state, state),
	};
	static const struct siw_tp_field thr[] = {
		SIW_TP_FIELD(struct siw_tp_tx_thread, cpu),
		SIW_TP_FIELD(struct siw_tp_tx_thread, items),
	};
#define CHECK(ev, f) siw_tp_check(PROG, ev, f, sizeof(f) / sizeof(f[0]))
	return CHECK("siw_fpdu_tx", fpdu) || CHECK("siw_fpdu_rx", fpdu) ||
	       CHECK("siw_wr_post", wr) || CHECK("siw_doorbell", db) ||
	       CHECK("siw_sk_blocked", sk) || CHECK("siw_sk_resumed", sk) ||
	       CHECK("siw_qp_state", st) || CHECK("siw_tx_wakeup", thr) ||
	       CHECK("siw_tx_idle", thr) ? -1 : 0;
#undef CHECK
}

int main(int argc, char **argv)
{
	struct siwtop_bpf *obj;
	unsigned long done = 0;
	__u64 last;
	int opt, err;

	while ((opt = getopt(argc, argv, "hjpvi:c:r:")) != -1) {
		switch (opt) {
		case 'i':
			if (siw_parse_double(optarg, 0.01, 86400, &env.interval)) {
				fprintf(stderr, PROG ": bad interval '%s'\n", optarg);
				return 2;
			}
			break;
		case 'c':
			if (siw_parse_ulong(optarg, 1UL << 31, &env.count) ||
			    !env.count) {
				fprintf(stderr, PROG ": bad count '%s'\n", optarg);
				return 2;
			}
			break;
		case 'r':
			if (siw_parse_ulong(optarg, 1UL << 20, &env.rows)) {
				fprintf(stderr, PROG ": bad rows '%s'\n", optarg);
				return 2;
			}
			break;
		case 'j':
			env.json = true;
			break;
		case 'p':
			env.plain = true;
			break;
		case 'v':
			env.verbose = true;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			fputs(usage, stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, PROG ": unexpected argument '%s'\n", argv[optind]);
		fputs(usage, stderr);
		return 2;
	}
	if (!isatty(STDOUT_FILENO))
		env.plain = true;

	siw_libbpf_log(env.verbose);
	if (check_tracepoints())
		return 1;
	n_cpus = libbpf_num_possible_cpus();
	if (n_cpus <= 0) {
		fprintf(stderr, PROG ": cannot tell the number of CPUs\n");
		return 1;
	}
	if (n_cpus > SIWTOP_MAX_CPUS)
		n_cpus = SIWTOP_MAX_CPUS;
	prev_cpus = calloc(n_cpus, sizeof(*prev_cpus));
	cur_cpus = calloc(n_cpus, sizeof(*cur_cpus));
	if (!prev_cpus || !cur_cpus) {
		fprintf(stderr, PROG ": out of memory\n");
		return 1;
	}

	obj = siwtop_bpf__open_and_load();
	if (!obj) {
		fprintf(stderr, PROG ": cannot load the BPF program: %s\n",
			strerror(errno));
		return 1;
	}
	err = siwtop_bpf__attach(obj);
	if (err) {
		fprintf(stderr, PROG ": cannot attach to the siw tracepoints: %s\n",
			strerror(-err));
		siwtop_bpf__destroy(obj);
		return 1;
	}
	siw_signals();
	fprintf(stderr, "Tracing siw... Hit Ctrl-C to end.\n");

	last = siw_now_ns();
	while (!siw_exiting) {
		siw_sleep(env.interval);
		err = report(obj, &last);
		if (err) {
			fprintf(stderr, PROG ": %s\n", strerror(-err));
			break;
		}
		if (env.count && ++done >= env.count)
			break;
	}
	siwtop_bpf__destroy(obj);
	free(prev_qps);
	free(prev_cpus);
	free(cur_cpus);
	return err ? 1 : 0;
}
