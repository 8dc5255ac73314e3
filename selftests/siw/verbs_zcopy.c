// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Zero-copy Sends and Writes (tx_zcopy=3, CRC on): a buffer may be
 * reused as soon as its work request completes. Each round fills the
 * source with a pattern, posts a 64 KiB Write and a Send after it,
 * scribbles over the source the moment the Write completes, and the
 * receiver checks that the pattern arrived. A completion that came
 * before TCP was done with the pages would send the scribble: a wrong
 * byte in the target, or a CRC error and a broken connection. Over
 * plain loopback the receiver takes the bytes before the sender's
 * sendmsg() returns, so the rounds run again with netem holding every
 * packet 1 ms in lo's queue, TCP's pages with it: completing at the
 * push instead of the ACK fails there.
 *
 * Also: completions keep their order while held for the peer's ACK
 * (Write before Send; a Read after a Write after it), an unsignalled
 * Write is safe to reuse once a later signalled Send completed, and
 * tx_zcopy_wrs counts the zero-copied work requests (kernels from 6.5;
 * older ones copy, and the data checks still apply).
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <sys/utsname.h>

#include "siwtest.h"
#include "siwcm.h"

#define NETDEV	"zcd0"
#define IBDEV	"siwzc0"
#define ADDR	"10.99.11.1"
#define PORT	7430
#define MSG	65536
#define ROUNDS	200

#define ACCESS	(IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE | \
		 IBV_ACCESS_REMOTE_READ)

static struct siwcm_pair cm;
static struct ibv_pd *pd;
static struct ibv_cq *ccq, *scq;
static struct ibv_qp *cqp, *sqp;
static struct ibv_mr *cmr, *smr;
static uint8_t *cbuf;	/* client: source [0, MSG), Read sink [MSG, 2 MSG) */
static uint8_t *sbuf;	/* server: Write target [0, MSG), receive after it */
static const char *tag = "";	/* "[netem] " in the delayed runs */

static int pair_up(void)
{
	struct ibv_qp_init_attr qa = {
		.qp_type = IBV_QPT_RC,
		.cap = { .max_send_wr = 64, .max_recv_wr = 64,
			 .max_send_sge = 1, .max_recv_sge = 1,
			 .max_inline_data = 64 },
	};
	struct ibv_qp_init_attr_ex sa = {
		.qp_type = IBV_QPT_RC,
		.comp_mask = IBV_QP_INIT_ATTR_PD,
	};
	struct ibv_context *ctx;

	if (siwcm_pair_resolve(&cm, ADDR, PORT))
		return -1;
	ctx = cm.client->verbs;
	pd = ibv_alloc_pd(ctx);
	ccq = ibv_create_cq(ctx, 128, NULL, NULL, 0);
	scq = ibv_create_cq(ctx, 128, NULL, NULL, 0);
	/* Page-aligned: zero copy takes whole pages of user memory. */
	if (posix_memalign((void **)&cbuf, 4096, 2 * MSG) ||
	    posix_memalign((void **)&sbuf, 4096, 2 * MSG))
		return -1;
	if (!pd || !ccq || !scq)
		return -1;
	cmr = ibv_reg_mr(pd, cbuf, 2 * MSG, ACCESS);
	smr = ibv_reg_mr(pd, sbuf, 2 * MSG, ACCESS);
	if (!cmr || !smr)
		return -1;
	qa.send_cq = qa.recv_cq = ccq;
	if (rdma_create_qp(cm.client, pd, &qa))
		return -1;
	sa.cap = qa.cap;
	sa.send_cq = sa.recv_cq = scq;
	sa.pd = pd;
	if (siwcm_pair_connect(&cm, &sa))
		return -1;
	cqp = cm.client->qp;
	sqp = cm.server->qp;
	return 0;
}

static int poll_one(struct ibv_cq *cq, struct ibv_wc *wc)
{
	return siwtest_poll_one(cq, wc, 10);
}

static int post_recv(uint64_t id)
{
	struct ibv_sge sge = {
		.addr = (uintptr_t)sbuf + MSG, .length = 64, .lkey = smr->lkey,
	};
	struct ibv_recv_wr wr = { .wr_id = id, .sg_list = &sge, .num_sge = 1 },
			   *bad;

	return ibv_post_recv(sqp, &wr, &bad);
}

static int post_rdma(enum ibv_wr_opcode op, uint64_t id, void *local,
		     void *remote, uint32_t len, int flags)
{
	struct ibv_sge sge = {
		.addr = (uintptr_t)local, .length = len, .lkey = cmr->lkey,
	};
	struct ibv_send_wr wr = {
		.wr_id = id, .opcode = op, .sg_list = &sge, .num_sge = 1,
		.send_flags = flags,
		.wr.rdma = { .remote_addr = (uintptr_t)remote,
			     .rkey = smr->rkey },
	}, *bad;

	return ibv_post_send(cqp, &wr, &bad);
}

static int post_send_inline(uint64_t id, uint32_t round)
{
	struct ibv_sge sge = {
		.addr = (uintptr_t)&round, .length = sizeof(round),
	};
	struct ibv_send_wr wr = {
		.wr_id = id, .opcode = IBV_WR_SEND, .sg_list = &sge,
		.num_sge = 1,
		.send_flags = IBV_SEND_SIGNALED | IBV_SEND_INLINE,
	}, *bad;

	return ibv_post_send(cqp, &wr, &bad);
}

/* First offset in @p that is not @v, or -1. */
static long first_not(const uint8_t *p, uint8_t v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != v)
			return i;
	return -1;
}

static uint8_t pattern(int round)
{
	return 0x11 + round % 200;	/* never the scribble 0xee */
}

/*
 * ROUNDS of Write, Send; scribble over the source as soon as the
 * Write (signalled) or the Send after it (unsignalled Write) completes.
 */
static void test_reuse(bool signalled)
{
	const char *what = signalled ? "signalled" : "unsignalled";
	char desc[64];
	int round, bad_order = 0, bad_data = 0, bad_wc = 0;
	struct ibv_wc wc;
	long at = -1;

	snprintf(desc, sizeof(desc), "%s%s", tag, what);
	what = desc;
	for (round = 0; round < ROUNDS; round++) {
		memset(cbuf, pattern(round), MSG);
		if (post_recv(round) ||
		    post_rdma(IBV_WR_RDMA_WRITE, 1000 + round, cbuf, sbuf, MSG,
			      signalled ? IBV_SEND_SIGNALED : 0) ||
		    post_send_inline(2000 + round, round)) {
			tap_result(0, "%s: post round %d", what, round);
			return;
		}
		if (signalled) {
			if (poll_one(ccq, &wc) || wc.status != IBV_WC_SUCCESS) {
				bad_wc++;
				break;
			}
			if (wc.wr_id != 1000u + round ||
			    wc.opcode != IBV_WC_RDMA_WRITE)
				bad_order++;
			memset(cbuf, 0xee, MSG);
		}
		if (poll_one(ccq, &wc) || wc.status != IBV_WC_SUCCESS) {
			bad_wc++;
			break;
		}
		if (wc.wr_id != 2000u + round || wc.opcode != IBV_WC_SEND)
			bad_order++;
		memset(cbuf, 0xee, MSG);
		if (poll_one(scq, &wc) || wc.status != IBV_WC_SUCCESS) {
			bad_wc++;
			break;
		}
		at = first_not(sbuf, pattern(round), MSG);
		if (at >= 0 && !bad_data++)
			tap_diag("%s round %d: byte %ld is 0x%02x, not 0x%02x",
				 what, round, at, sbuf[at], pattern(round));
	}
	tap_check(!bad_wc, "%s Writes: %d rounds complete (last status %d)",
		  what, round, wc.status);
	tap_check(!bad_data,
		  "%s Writes: the receiver got the pattern, not the scribble after the completion (%d bad rounds)",
		  what, bad_data);
	tap_check(!bad_order, "%s Writes: completions in posting order (%d out)",
		  what, bad_order);
}

/* A Read after a zero-copied Write: their completions in that order. */
static void test_write_then_read(void)
{
	int round, bad = 0, failed = 0;
	struct ibv_wc wc[2];

	memset(sbuf, 0x5a, MSG);
	for (round = 0; round < 50; round++) {
		memset(cbuf, pattern(round), MSG);
		if (post_rdma(IBV_WR_RDMA_WRITE, 1, cbuf, sbuf, MSG,
			      IBV_SEND_SIGNALED) ||
		    post_rdma(IBV_WR_RDMA_READ, 2, cbuf + MSG, sbuf, MSG,
			      IBV_SEND_SIGNALED) ||
		    poll_one(ccq, &wc[0]) || poll_one(ccq, &wc[1]) ||
		    wc[0].status || wc[1].status) {
			failed++;
			break;
		}
		if (wc[0].wr_id != 1 || wc[1].wr_id != 2)
			bad++;
		if (first_not(cbuf + MSG, pattern(round), MSG) >= 0)
			bad++;
	}
	tap_check(!failed, "%sWrite then Read: 50 rounds complete", tag);
	tap_check(!bad,
		  "%sWrite then Read: Write completes first, the Read returns what it wrote (%d bad)",
		  tag, bad);
}

static bool zcopy_kernel(void)
{
	struct utsname u;
	int major = 0, minor = 0;

	uname(&u);
	sscanf(u.release, "%d.%d", &major, &minor);
	return major > 6 || (major == 6 && minor >= 5);
}

static long zcopy_wrs(void)
{
	return siwtest_sh_long("cat /sys/class/infiniband/" IBDEV
			       "/ports/1/hw_counters/tx_zcopy_wrs");
}

static void run(void)
{
	long wrs0, wrs;

	if (pair_up()) {
		tap_result(0, "connect a QP pair over " IBDEV);
		return;
	}
	tap_result(1, "connect a QP pair over " IBDEV);
	wrs0 = zcopy_wrs();
	test_reuse(true);
	test_reuse(false);
	test_write_then_read();
	if (!siwtest_sh("modprobe sch_netem && tc qdisc add dev lo root netem delay 1ms")) {
		tag = "[netem] ";
		test_reuse(true);
		test_reuse(false);
		test_write_then_read();
		siwtest_sh("tc qdisc del dev lo root");
	} else {
		tap_skip("the same with lo delayed by netem", "no sch_netem");
	}
	wrs = zcopy_wrs() - wrs0;
	if (zcopy_kernel())
		tap_check(wrs >= 2 * ROUNDS + 50,
			  "tx_zcopy_wrs: %ld Writes went by reference (at least %d)",
			  wrs, 2 * ROUNDS + 50);
	else
		tap_eq(wrs, 0, "tx_zcopy_wrs: none before 6.5 (TCP copies)");
	tap_eq(siwtest_sh_long("cat /sys/class/infiniband/" IBDEV
			       "/ports/1/hw_counters/crc_errors"),
	       0, "no CRC error");
	siwcm_pair_destroy(&cm);
	ibv_dereg_mr(cmr);
	ibv_dereg_mr(smr);
	ibv_destroy_cq(ccq);
	ibv_destroy_cq(scq);
	ibv_dealloc_pd(pd);
}

int main(int argc __attribute__((unused)), char **argv)
{
	siwtest_setup(argv[0], NETDEV, IBDEV);
	if (siwtest_sh("ip addr add %s/24 dev %s", ADDR, NETDEV))
		tap_result(0, "address on %s", NETDEV);
	tap_eq(siwtest_sh("echo 3 > /sys/module/siw/parameters/tx_zcopy && "
			  "%s/build/ctl/siwctl dev set %s crc on",
			  siwtest.top, IBDEV),
	       0, "tx_zcopy=3, CRC on");
	siwtest_run_child(run, "zero-copy reuse");
	siwtest_sh("tc qdisc del dev lo root 2> /dev/null");	/* a child that died */
	tap_eq(siwtest_res_count("qp"), 0, "no QP left");
	siwtest_check_dmesg();
	return tap_done();
}
