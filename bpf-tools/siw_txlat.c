// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * siw_txlat: siw TX-path latency, from a send work request being posted
 * to its first FPDU handed to TCP, as log2 histograms.
 *
 * USAGE: siw_txlat [-h] [-T] [-m] [-P] [-v] [-C CPU] [-q QPN]
 *                  [-i SEC] [-c COUNT] [interval [count]]
 *
 * Kernel QPs (NVMe-oF, NFS/RDMA, ...) are timed per WR. User QPs post
 * into a mapped ring, which the kernel does not see; libsiw rings the
 * doorbell when the SQ was idle, and that doorbell is timed to the QP's
 * next FPDU: the latency of work that starts an idle SQ, not of WRs
 * queued behind others. With -P there is one histogram per CPU the FPDU
 * was sent on: its TX thread's, or (tx_direct=1) the posting process's. Without an interval it prints once
 * at Ctrl-C; with one, every interval, COUNT times. Each histogram is
 * followed by a line "count N avg X us" and the posts seen, timed and
 * not timed. SIGINT or SIGTERM print what was gathered and exit 0.
 *
 * Needs the siw module loaded, tracefs mounted and root. See
 * siw_txlat_example.txt.
 */
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
#include "siw_txlat.h"
#include "siw_txlat.skel.h"

#define PROG "siw_txlat"

static const char usage[] =
"Usage: siw_txlat [-h] [-T] [-m] [-P] [-v] [-C CPU] [-q QPN] [-i SEC] [-c COUNT]\n"
"                 [interval [count]]\n"
"siw TX latency, work request posted to its first FPDU on the wire.\n"
"\n"
"  -C CPU    only FPDUs sent on CPU (by its TX thread or a process)\n"
"  -q QPN    only QP number QPN\n"
"  -P        one histogram per CPU the FPDUs were sent on\n"
"  -m        milliseconds (default microseconds)\n"
"  -T        a timestamp before each output\n"
"  -i SEC    print every SEC seconds (also: first argument)\n"
"  -c COUNT  stop after COUNT outputs (also: second argument)\n"
"  -v        libbpf debug messages\n"
"  -h        this help\n"
"\n"
"Examples:\n"
"  siw_txlat             # one histogram at Ctrl-C\n"
"  siw_txlat -P 1 5      # per CPU, every second, 5 times\n"
"  siw_txlat -q 3 -m     # QP 3 only, in milliseconds\n";

static struct {
	long cpu;
	long qp;
	bool per_cpu;
	bool ms;
	bool timestamp;
	bool verbose;
	unsigned long interval;
	unsigned long count;
} env = { .cpu = -1, .qp = -1 };

static __u64 prev_counters[TXLAT_NR_COUNTERS];

static void print_stars(__u64 v, __u64 max, int width)
{
	int n = max ? (int)((v * width + max - 1) / max) : 0, i;

	if (n > width)
		n = width;
	for (i = 0; i < width; i++)
		putchar(i < n ? '*' : ' ');
}

/* Slot 0 holds 0, slot i (i >= 1) holds [2^(i-1), 2^i - 1]. */
static void print_hist(const struct txlat_hist *h, const char *unit)
{
	unsigned long long lo, hi;
	int i, first = -1, last = -1;
	__u64 max = 0;

	for (i = 0; i < TXLAT_SLOTS; i++) {
		if (!h->slots[i])
			continue;
		if (first < 0)
			first = i;
		last = i;
		if (h->slots[i] > max)
			max = h->slots[i];
	}
	if (last < 0)
		return;
	printf("%24s : %-10s %s\n", unit, "count", "distribution");
	for (i = first > 0 ? first : 0; i <= last; i++) {
		lo = i ? 1ULL << (i - 1) : 0;
		hi = i ? (1ULL << i) - 1 : 0;
		if (i == TXLAT_SLOTS - 1)
			printf("%10llu -> %-10s : %-10llu |", lo, "...",
			       (unsigned long long)h->slots[i]);
		else
			printf("%10llu -> %-10llu : %-10llu |", lo, hi,
			       (unsigned long long)h->slots[i]);
		print_stars(h->slots[i], max, 40);
		printf("|\n");
	}
}

static int cmp_u32(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

static int print_hists(int fd)
{
	const char *unit = env.ms ? "msecs" : "usecs";
	__u32 keys[TXLAT_MAX_CPUS + 1], key, next;
	struct txlat_hist h;
	__u64 count = 0, sum = 0;
	size_t n = 0, i;
	bool first = true;

	while (n < sizeof(keys) / sizeof(keys[0]) &&
	       bpf_map_get_next_key(fd, first ? NULL : &key, &next) == 0) {
		first = false;
		key = next;
		keys[n++] = key;
	}
	qsort(keys, n, sizeof(keys[0]), cmp_u32);
	for (i = 0; i < n; i++) {
		if (bpf_map_lookup_elem(fd, &keys[i], &h))
			continue;
		/* Take it out before printing: new events start afresh. */
		bpf_map_delete_elem(fd, &keys[i]);
		if (keys[i] != TXLAT_ALL_CPUS)
			printf("\ncpu = %u\n", keys[i]);
		else
			printf("\n");
		print_hist(&h, unit);
		printf("count %llu avg %llu %s\n", (unsigned long long)h.count,
		       h.count ? (unsigned long long)(h.sum / h.count /
						     (env.ms ? 1000000 : 1000)) : 0ULL,
		       env.ms ? "ms" : "us");
		count += h.count;
		sum += h.sum;
	}
	if (!n)
		printf("\ncount 0\n");
	else if (n > 1)
		printf("\ntotal count %llu avg %llu %s\n",
		       (unsigned long long)count,
		       (unsigned long long)(sum / count / (env.ms ? 1000000 : 1000)),
		       env.ms ? "ms" : "us");
	return 0;
}

static void print_counters(int fd)
{
	__u64 cur[TXLAT_NR_COUNTERS], d[TXLAT_NR_COUNTERS];
	__u32 i;

	for (i = 0; i < TXLAT_NR_COUNTERS; i++) {
		if (bpf_map_lookup_elem(fd, &i, &cur[i]))
			cur[i] = prev_counters[i];
		d[i] = cur[i] - prev_counters[i];
		prev_counters[i] = cur[i];
	}
	printf("posts: %llu kernel WRs, %llu doorbells; timed %llu (other kind %llu), not timed: %llu FIFO full, %llu flushed\n",
	       (unsigned long long)d[TXLAT_POST_WR],
	       (unsigned long long)d[TXLAT_POST_DB],
	       (unsigned long long)d[TXLAT_MATCHED],
	       (unsigned long long)d[TXLAT_MISMATCH],
	       (unsigned long long)d[TXLAT_OVERFLOW],
	       (unsigned long long)d[TXLAT_FLUSHED]);
}

static void report(struct siw_txlat_bpf *obj)
{
	char ts[16];
	time_t t;

	if (env.timestamp) {
		t = time(NULL);
		strftime(ts, sizeof(ts), "%H:%M:%S", localtime(&t));
		printf("\n%s", ts);
	}
	print_hists(bpf_map__fd(obj->maps.hists));
	print_counters(bpf_map__fd(obj->maps.counters));
	fflush(stdout);
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
		SIW_TP_FIELD(struct siw_tp_wr_post, opcode),
		SIW_TP_FIELD(struct siw_tp_wr_post, len),
	};
	static const struct siw_tp_field db[] = {
		SIW_TP_FIELD(struct siw_tp_doorbell, qp),
	};
	static const struct siw_tp_field st[] = {
		SIW_TP_FIELD(struct siw_tp_qp_state, qp),
		SIW_TP_FIELD(struct siw_tp_qp_state, state),
	};
#define CHECK(ev, f) siw_tp_check(PROG, ev, f, sizeof(f) / sizeof(f[0]))
	return CHECK("siw_fpdu_tx", fpdu) || CHECK("siw_wr_post", wr) ||
	       CHECK("siw_doorbell", db) || CHECK("siw_qp_state", st) ? -1 : 0;
#undef CHECK
}

int main(int argc, char **argv)
{
	struct siw_txlat_bpf *obj;
	unsigned long v, done = 0;
	int opt, err;

	while ((opt = getopt(argc, argv, "hTmPvC:q:i:c:")) != -1) {
		switch (opt) {
		case 'C':
			if (siw_parse_ulong(optarg, TXLAT_MAX_CPUS - 1, &v)) {
				fprintf(stderr, PROG ": bad CPU '%s'\n", optarg);
				return 2;
			}
			env.cpu = v;
			break;
		case 'q':
			if (siw_parse_ulong(optarg, 0xffffffffUL, &v)) {
				fprintf(stderr, PROG ": bad QP number '%s'\n", optarg);
				return 2;
			}
			env.qp = v;
			break;
		case 'i':
			if (siw_parse_ulong(optarg, 86400, &env.interval) ||
			    !env.interval) {
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
		case 'P':
			env.per_cpu = true;
			break;
		case 'm':
			env.ms = true;
			break;
		case 'T':
			env.timestamp = true;
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
		if (siw_parse_ulong(argv[optind], 86400, &env.interval) ||
		    !env.interval) {
			fprintf(stderr, PROG ": bad interval '%s'\n", argv[optind]);
			return 2;
		}
		optind++;
	}
	if (optind < argc) {
		if (siw_parse_ulong(argv[optind], 1UL << 31, &env.count) ||
		    !env.count) {
			fprintf(stderr, PROG ": bad count '%s'\n", argv[optind]);
			return 2;
		}
		optind++;
	}
	if (optind < argc) {
		fprintf(stderr, PROG ": unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (env.count && !env.interval)
		env.interval = 1;

	siw_libbpf_log(env.verbose);
	if (check_tracepoints())
		return 1;
	obj = siw_txlat_bpf__open();
	if (!obj) {
		fprintf(stderr, PROG ": cannot open the BPF program: %s\n",
			strerror(errno));
		return 1;
	}
	obj->rodata->targ_cpu = env.cpu;
	obj->rodata->targ_qp_set = env.qp >= 0;
	obj->rodata->targ_qp = env.qp >= 0 ? (__u32)env.qp : 0;
	obj->rodata->targ_per_cpu = env.per_cpu;
	obj->rodata->targ_ms = env.ms;
	err = siw_txlat_bpf__load(obj);
	if (err) {
		fprintf(stderr, PROG ": cannot load the BPF program: %s\n",
			strerror(-err));
		goto out;
	}
	err = siw_txlat_bpf__attach(obj);
	if (err) {
		fprintf(stderr, PROG ": cannot attach to the siw tracepoints: %s\n",
			strerror(-err));
		goto out;
	}
	siw_signals();
	printf("Tracing siw TX latency (post -> first FPDU)... Hit Ctrl-C to end.\n");
	fflush(stdout);

	while (!siw_exiting) {
		siw_sleep(env.interval ? (double)env.interval : 86400.0 * 365);
		report(obj);
		if (!env.interval || (env.count && ++done >= env.count))
			break;
	}
	err = 0;
out:
	siw_txlat_bpf__destroy(obj);
	return err ? 1 : 0;
}
