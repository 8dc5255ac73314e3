// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * RFC 7306 atomics and immediate data through our provider, on a
 * loopback pair: Fetch-and-Add and Compare-and-Swap results and the
 * memory they leave, misaligned and unpermitted targets, Write and Send
 * with Immediate (the value, byte counts, data, one receive consumed per
 * Send with Immediate), the ibv_wr_* builders, and a counter hit by 8
 * QPs in parallel plus a CPU thread that must end exactly at the sum,
 * with every returned original value distinct.
 *
 * With RDMAP_EXT_PEER=noext the server runs in a child process without
 * the extended ABI (LIBSIW_NO_EXT=1), a peer like the in-tree siw: the
 * client's atomic and immediate posts must fail with EOPNOTSUPP at post
 * time, and plain traffic must still work. RDMAP_EXT_SERVER/CLIENT_SRC
 * point that run at another device (interop.sh: the in-tree siw).
 *
 * Needs our provider (rdmap_ext.sh installs it); skips otherwise.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "siwtest.h"
#include "siwcm.h"

#define NETDEV	"extd0"
#define IBDEV	"siwext0"
#define ADDR	"10.99.10.1"
#define PORT	7420
#define BUF	8192
#define NQP	8
#define NOPS	300
#define NLOCAL	5000

#define ACCESS	(IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE | \
		 IBV_ACCESS_REMOTE_READ | IBV_ACCESS_REMOTE_ATOMIC)

struct pair {
	struct siwcm_pair cm;
	struct ibv_cq *ccq, *scq;
	struct ibv_qp *cqp, *sqp;
};

static struct ibv_pd *pd;
static uint8_t sbuf[BUF] __attribute__((aligned(64)));
static uint8_t cbuf[BUF] __attribute__((aligned(64)));
static struct ibv_mr *smr, *cmr;

static int pair_up(struct pair *p, const char *addr, int port, bool ex)
{
	struct ibv_qp_init_attr_ex qa = {
		.qp_type = IBV_QPT_RC,
		.cap = { .max_send_wr = 16, .max_recv_wr = 16,
			 .max_send_sge = 2, .max_recv_sge = 2,
			 .max_inline_data = 64 },
		.comp_mask = IBV_QP_INIT_ATTR_PD,
	};
	struct ibv_context *ctx;

	memset(p, 0, sizeof(*p));
	if (siwcm_pair_resolve(&p->cm, addr, port))
		return -1;
	ctx = p->cm.client->verbs;
	if (!pd)
		pd = ibv_alloc_pd(ctx);
	p->ccq = ibv_create_cq(ctx, 64, NULL, NULL, 0);
	p->scq = ibv_create_cq(ctx, 64, NULL, NULL, 0);
	if (!pd || !p->ccq || !p->scq)
		return -1;
	qa.pd = pd;
	qa.send_cq = qa.recv_cq = p->ccq;
	if (ex) {
		qa.comp_mask |= IBV_QP_INIT_ATTR_SEND_OPS_FLAGS;
		qa.send_ops_flags = IBV_QP_EX_WITH_ATOMIC_FETCH_AND_ADD |
				    IBV_QP_EX_WITH_ATOMIC_CMP_AND_SWP |
				    IBV_QP_EX_WITH_RDMA_WRITE_WITH_IMM |
				    IBV_QP_EX_WITH_SEND_WITH_IMM;
	}
	if (rdma_create_qp_ex(p->cm.client, &qa))
		return -1;
	qa.comp_mask = IBV_QP_INIT_ATTR_PD;
	qa.send_cq = qa.recv_cq = p->scq;
	if (siwcm_pair_connect(&p->cm, &qa))
		return -1;
	p->cqp = p->cm.client->qp;
	p->sqp = p->cm.server->qp;
	return 0;
}

static void pair_down(struct pair *p)
{
	siwcm_pair_destroy(&p->cm);
	if (p->ccq)
		ibv_destroy_cq(p->ccq);
	if (p->scq)
		ibv_destroy_cq(p->scq);
}

static int poll_one(struct ibv_cq *cq, struct ibv_wc *wc)
{
	return siwtest_poll_one(cq, wc, 5);
}

static int post_atomic_lkey(struct ibv_qp *qp, enum ibv_wr_opcode op,
			    void *res, uint32_t lkey, uint64_t raddr,
			    uint64_t cmp_add, uint64_t swap)
{
	struct ibv_sge sge = {
		.addr = (uintptr_t)res, .length = 8, .lkey = lkey,
	};
	struct ibv_send_wr wr = {
		.wr_id = raddr, .opcode = op, .sg_list = &sge, .num_sge = 1,
		.send_flags = IBV_SEND_SIGNALED,
		.wr.atomic = { .remote_addr = raddr, .compare_add = cmp_add,
			       .swap = swap, .rkey = smr->rkey },
	}, *bad;

	return ibv_post_send(qp, &wr, &bad);
}

static int post_atomic(struct ibv_qp *qp, enum ibv_wr_opcode op, void *res,
		       uint64_t raddr, uint64_t cmp_add, uint64_t swap)
{
	return post_atomic_lkey(qp, op, res, cmr->lkey, raddr, cmp_add, swap);
}

static int post_recv(struct ibv_qp *qp, uint64_t id, void *buf, uint32_t len)
{
	struct ibv_sge sge = {
		.addr = (uintptr_t)buf, .length = len, .lkey = smr->lkey,
	};
	struct ibv_recv_wr wr = { .wr_id = id, .sg_list = &sge, .num_sge = 1 },
			   *bad;

	return ibv_post_recv(qp, &wr, &bad);
}

static int post_imm(struct ibv_qp *qp, enum ibv_wr_opcode op, void *src,
		    uint32_t len, uint64_t raddr, uint32_t imm, int flags)
{
	struct ibv_sge sge = {
		.addr = (uintptr_t)src, .length = len, .lkey = cmr->lkey,
	};
	struct ibv_send_wr wr = {
		.wr_id = 77, .opcode = op, .sg_list = &sge, .num_sge = 1,
		.send_flags = IBV_SEND_SIGNALED | flags,
		.imm_data = htonl(imm),
		.wr.rdma = { .remote_addr = raddr, .rkey = smr->rkey },
	}, *bad;

	return ibv_post_send(qp, &wr, &bad);
}

static void test_atomics(struct pair *p)
{
	volatile uint64_t *target = (uint64_t *)(sbuf + 64);
	uint64_t *res = (uint64_t *)cbuf;
	struct ibv_wc wc;

	*target = 100;
	*res = 0;
	tap_eq(post_atomic(p->cqp, IBV_WR_ATOMIC_FETCH_AND_ADD, res,
			   (uintptr_t)target, 5, 0), 0, "post Fetch-and-Add");
	tap_check(!poll_one(p->ccq, &wc) && wc.status == IBV_WC_SUCCESS &&
		  wc.opcode == IBV_WC_FETCH_ADD && wc.byte_len == 8,
		  "Fetch-and-Add completes (status %d opcode %d)", wc.status,
		  wc.opcode);
	tap_check(*res == 100 && *target == 105,
		  "Fetch-and-Add: original 100 returned, 105 left (%llu, %llu)",
		  (unsigned long long)*res, (unsigned long long)*target);

	tap_eq(post_atomic(p->cqp, IBV_WR_ATOMIC_CMP_AND_SWP, res,
			   (uintptr_t)target, 105, 7), 0, "post Compare-and-Swap");
	tap_check(!poll_one(p->ccq, &wc) && wc.status == IBV_WC_SUCCESS &&
		  wc.opcode == IBV_WC_COMP_SWAP && *res == 105 && *target == 7,
		  "Compare-and-Swap equal: 105 returned, 7 left (%llu, %llu)",
		  (unsigned long long)*res, (unsigned long long)*target);
	tap_eq(post_atomic(p->cqp, IBV_WR_ATOMIC_CMP_AND_SWP, res,
			   (uintptr_t)target, 999, 1), 0, "post Compare-and-Swap");
	tap_check(!poll_one(p->ccq, &wc) && wc.status == IBV_WC_SUCCESS &&
		  *res == 7 && *target == 7,
		  "Compare-and-Swap different: 7 returned, memory kept");
	tap_eq(post_atomic(p->cqp, IBV_WR_ATOMIC_FETCH_AND_ADD, res,
			   (uintptr_t)target + 4, 1, 0), EINVAL,
	       "misaligned target refused at post time");
}

static void test_imm(struct pair *p)
{
	uint8_t *dst = sbuf + 1024, *rbuf = sbuf + 4096;
	struct ibv_wc wc;
	int i, ok;

	for (i = 0; i < 2048; i++)
		cbuf[512 + i] = (uint8_t)(i * 7 + 3);
	memset(dst, 0, 2048);
	/* Write with Immediate consumes a receive; its buffer stays unused. */
	tap_eq(post_recv(p->sqp, 1, rbuf, 1024), 0, "post a receive");
	tap_eq(post_imm(p->cqp, IBV_WR_RDMA_WRITE_WITH_IMM, cbuf + 512, 2048,
			(uintptr_t)dst, 0x12345678, 0), 0,
	       "post Write with Immediate");
	ok = !poll_one(p->ccq, &wc) && wc.status == IBV_WC_SUCCESS &&
	     wc.opcode == IBV_WC_RDMA_WRITE;
	tap_check(ok, "requester: RDMA_WRITE completion");
	ok = !poll_one(p->scq, &wc) && wc.status == IBV_WC_SUCCESS;
	tap_check(ok && wc.opcode == IBV_WC_RECV_RDMA_WITH_IMM &&
		  (wc.wc_flags & IBV_WC_WITH_IMM) &&
		  ntohl(wc.imm_data) == 0x12345678 && wc.byte_len == 2048 &&
		  wc.wr_id == 1,
		  "responder: RECV_RDMA_WITH_IMM, imm 0x%x, %u bytes",
		  ntohl(wc.imm_data), wc.byte_len);
	tap_check(!memcmp(dst, cbuf + 512, 2048), "written data arrived");

	/* Send with Immediate consumes exactly one receive. */
	tap_eq(post_recv(p->sqp, 2, rbuf, 2048) ||
	       post_recv(p->sqp, 3, rbuf + 2048, 2048), 0, "post 2 receives");
	memset(rbuf, 0, 4096);
	tap_eq(post_imm(p->cqp, IBV_WR_SEND_WITH_IMM, cbuf + 512, 1000, 0,
			0xcafe, IBV_SEND_SOLICITED), 0, "post Send with Immediate");
	tap_check(!poll_one(p->ccq, &wc) && wc.status == IBV_WC_SUCCESS &&
		  wc.opcode == IBV_WC_SEND, "requester: SEND completion");
	ok = !poll_one(p->scq, &wc) && wc.status == IBV_WC_SUCCESS;
	tap_check(ok && wc.opcode == IBV_WC_RECV && wc.wr_id == 2 &&
		  (wc.wc_flags & IBV_WC_WITH_IMM) &&
		  ntohl(wc.imm_data) == 0xcafe && wc.byte_len == 1000 &&
		  !memcmp(rbuf, cbuf + 512, 1000),
		  "responder: RECV with imm 0x%x, %u bytes, data intact",
		  ntohl(wc.imm_data), wc.byte_len);
	tap_eq(post_imm(p->cqp, IBV_WR_SEND, cbuf + 512, 100, 0, 0, 0), 0,
	       "post a plain Send");
	poll_one(p->ccq, &wc);
	ok = !poll_one(p->scq, &wc);
	tap_check(ok && wc.wr_id == 3 && !(wc.wc_flags & IBV_WC_WITH_IMM) &&
		  wc.byte_len == 100,
		  "the next Send takes the next receive (wr_id %llu)",
		  (unsigned long long)wc.wr_id);

	/* Inline: 64 bytes fit next to the immediate value, 65 do not. */
	tap_eq(post_recv(p->sqp, 4, rbuf, 2048), 0, "post a receive");
	tap_eq(post_imm(p->cqp, IBV_WR_SEND_WITH_IMM, cbuf + 512, 64, 0, 9,
			IBV_SEND_INLINE), 0, "inline Send with Immediate, 64 B");
	poll_one(p->ccq, &wc);
	tap_check(!poll_one(p->scq, &wc) && ntohl(wc.imm_data) == 9 &&
		  wc.byte_len == 64 && !memcmp(rbuf, cbuf + 512, 64),
		  "inline Send with Immediate arrives");
	tap_eq(post_imm(p->cqp, IBV_WR_SEND_WITH_IMM, cbuf + 512, 65, 0, 9,
			IBV_SEND_INLINE), EINVAL,
	       "65 inline bytes with immediate refused");
}

/* ibv_wr_*: a batch of Fetch-and-Add and Write with Immediate. */
static void test_wr_api(struct pair *p)
{
	struct ibv_qp_ex *qx = ibv_qp_to_qp_ex(p->cqp);
	volatile uint64_t *target = (uint64_t *)(sbuf + 128);
	uint64_t *res = (uint64_t *)(cbuf + 8);
	struct ibv_wc wc;
	int seen, i;

	*target = 40;
	tap_eq(post_recv(p->sqp, 5, sbuf + 4096, 16), 0, "post a receive");
	ibv_wr_start(qx);
	qx->wr_id = 10;
	qx->wr_flags = IBV_SEND_SIGNALED;
	ibv_wr_atomic_fetch_add(qx, smr->rkey, (uintptr_t)target, 2);
	ibv_wr_set_sge(qx, cmr->lkey, (uintptr_t)res, 8);
	qx->wr_id = 11;
	ibv_wr_rdma_write_imm(qx, smr->rkey, (uintptr_t)(sbuf + 256),
			      htonl(0xabc));
	ibv_wr_set_sge(qx, cmr->lkey, (uintptr_t)cbuf + 512, 32);
	tap_eq(ibv_wr_complete(qx), 0, "ibv_wr_complete of the batch");
	/*
	 * The Write may complete before the atomic's response is back: siw,
	 * like Linux's siw, completes a Write once sent, an atomic once
	 * answered (Documentation/datapath.md).
	 */
	seen = 0;
	for (i = 0; i < 2; i++) {
		if (poll_one(p->ccq, &wc) || wc.status != IBV_WC_SUCCESS)
			break;
		if (wc.wr_id == 10 && wc.opcode == IBV_WC_FETCH_ADD)
			seen |= 1;
		else if (wc.wr_id == 11)
			seen |= 2;
	}
	tap_check(seen == 3 && *res == 40 && *target == 42,
		  "builder Fetch-and-Add: 40 returned, 42 left");
	tap_check(!poll_one(p->scq, &wc) && ntohl(wc.imm_data) == 0xabc &&
		  wc.byte_len == 32 && !memcmp(sbuf + 256, cbuf + 512, 32),
		  "builder Write with Immediate arrives");

	ibv_wr_start(qx);
	qx->wr_flags = IBV_SEND_SIGNALED;
	ibv_wr_atomic_cmp_swp(qx, smr->rkey, (uintptr_t)target, 42, 1);
	tap_eq(ibv_wr_complete(qx), EINVAL,
	       "builder atomic without its result buffer refused");
}

/* 8 QPs and a CPU thread add to one counter at once. */
struct hammer {
	struct pair *p;
	uint64_t *res;
	uint32_t lkey;
	int fails;
};

static volatile uint64_t *counter;

static void *hammer_qp(void *arg)
{
	struct hammer *h = arg;
	struct ibv_wc wc;
	int i, out = 0, done = 0, n;

	for (i = 0; i < NOPS || out; ) {
		while (i < NOPS && out < 4) {
			if (post_atomic_lkey(h->p->cqp,
					     IBV_WR_ATOMIC_FETCH_AND_ADD,
					     &h->res[i], h->lkey,
					     (uintptr_t)counter, 1, 0)) {
				h->fails++;
				return NULL;
			}
			i++;
			out++;
		}
		n = ibv_poll_cq(h->p->ccq, 1, &wc);
		if (n < 0 || (n && wc.status != IBV_WC_SUCCESS)) {
			h->fails++;
			return NULL;
		}
		out -= n;
		done += n;
		if (!n)
			usleep(20);
	}
	return NULL;
}

static void *hammer_cpu(void *arg)
{
	int i;

	for (i = 0; i < NLOCAL; i++)
		__atomic_fetch_add(counter, 1, __ATOMIC_SEQ_CST);
	return arg;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void test_parallel(void)
{
	static struct pair pairs[NQP];
	static uint64_t res[NQP * NOPS];
	struct hammer h[NQP];
	pthread_t t[NQP + 1];
	struct ibv_mr *rmr;
	int i, up = 0, fails = 0, dups = 0;

	counter = (uint64_t *)(sbuf + 192);
	*counter = 0;
	for (i = 0; i < NQP; i++)
		up += !pair_up(&pairs[i], ADDR, PORT + 1 + i, false);
	tap_eq(up, NQP, "%d more connected pairs", NQP);
	rmr = ibv_reg_mr(pd, res, sizeof(res), IBV_ACCESS_LOCAL_WRITE);
	if (up == NQP && rmr) {
		pthread_create(&t[NQP], NULL, hammer_cpu, NULL);
		for (i = 0; i < NQP; i++) {
			h[i] = (struct hammer){ &pairs[i], res + i * NOPS,
						rmr->lkey, 0 };
			pthread_create(&t[i], NULL, hammer_qp, &h[i]);
		}
		for (i = 0; i <= NQP; i++)
			pthread_join(t[i], NULL);
		for (i = 0; i < NQP; i++)
			fails += h[i].fails;
		tap_eq(fails, 0, "%d x %d Fetch-and-Add completed", NQP, NOPS);
		tap_check(*counter == NQP * NOPS + NLOCAL,
			  "counter is exactly %d (%llu)", NQP * NOPS + NLOCAL,
			  (unsigned long long)*counter);
		qsort(res, NQP * NOPS, sizeof(res[0]), cmp_u64);
		for (i = 1; i < NQP * NOPS; i++)
			dups += res[i] == res[i - 1];
		tap_eq(dups, 0, "every original value distinct (atomicity)");
	}
	for (i = 0; i < NQP; i++)
		pair_down(&pairs[i]);
	if (rmr)
		ibv_dereg_mr(rmr);
}

/* No REMOTE_ATOMIC on the target: the requester's work fails. */
static void test_no_access(void)
{
	struct ibv_mr *ro = ibv_reg_mr(pd, sbuf + 4096, 4096,
				       IBV_ACCESS_LOCAL_WRITE |
				       IBV_ACCESS_REMOTE_WRITE);
	struct ibv_sge sge = {
		.addr = (uintptr_t)cbuf, .length = 8, .lkey = cmr->lkey,
	};
	struct ibv_send_wr wr = {
		.wr_id = 99, .opcode = IBV_WR_ATOMIC_FETCH_AND_ADD,
		.sg_list = &sge, .num_sge = 1, .send_flags = IBV_SEND_SIGNALED,
	}, *bad;
	struct ibv_wc wc = {};
	struct pair p;

	if (!ro || pair_up(&p, ADDR, PORT + 20, false)) {
		tap_result(0, "pair for the access test");
		return;
	}
	wr.wr.atomic.remote_addr = (uintptr_t)(sbuf + 4096);
	wr.wr.atomic.rkey = ro->rkey;
	wr.wr.atomic.compare_add = 1;
	tap_eq(ibv_post_send(p.cqp, &wr, &bad), 0, "post to a non-atomic MR");
	tap_check(!poll_one(p.ccq, &wc) && wc.wr_id == 99 &&
		  wc.status == IBV_WC_REM_ACCESS_ERR,
		  "it completes with REM_ACCESS_ERR (status %d)", wc.status);
	pair_down(&p);
	ibv_dereg_mr(ro);
}

static int listen_fd = -1;	/* the server child says "listening" */

/* The peer does not speak the extensions: errors at post time. */
static void noext_server(const char *addr)
{
	struct rdma_event_channel *ch = rdma_create_event_channel();
	struct rdma_cm_id *listen = NULL, *id = NULL;
	struct rdma_conn_param cp = { .responder_resources = 4,
				      .initiator_depth = 4 };
	struct ibv_qp_init_attr qa = {
		.qp_type = IBV_QPT_RC,
		.cap = { .max_send_wr = 4, .max_recv_wr = 4,
			 .max_send_sge = 1, .max_recv_sge = 1 },
	};
	struct sockaddr_in sin;
	static uint8_t buf[256];
	struct ibv_mr *mr;
	struct ibv_wc wc;
	struct ibv_cq *cq;
	int rc = 1;

	siwcm_addr(&sin, addr, PORT + 30);
	if (rdma_create_id(ch, &listen, NULL, RDMA_PS_TCP) ||
	    rdma_bind_addr(listen, (struct sockaddr *)&sin) ||
	    rdma_listen(listen, 1))
		_exit(2);
	/* Tell the parent we listen. */
	if (write(listen_fd, "L", 1) != 1 ||
	    siwcm_wait_event(ch, RDMA_CM_EVENT_CONNECT_REQUEST, &id))
		_exit(3);
	pd = ibv_alloc_pd(id->verbs);
	cq = ibv_create_cq(id->verbs, 8, NULL, NULL, 0);
	qa.send_cq = qa.recv_cq = cq;
	mr = ibv_reg_mr(pd, buf, sizeof(buf), IBV_ACCESS_LOCAL_WRITE);
	if (!mr || rdma_create_qp(id, pd, &qa))
		_exit(4);
	{
		struct ibv_sge sge = { (uintptr_t)buf, sizeof(buf), mr->lkey };
		struct ibv_recv_wr wr = { .sg_list = &sge, .num_sge = 1 }, *bad;

		if (ibv_post_recv(id->qp, &wr, &bad))
			_exit(5);
	}
	if (rdma_accept(id, &cp) ||
	    siwcm_wait_event(ch, RDMA_CM_EVENT_ESTABLISHED, NULL))
		_exit(6);
	if (!poll_one(cq, &wc) && wc.status == IBV_WC_SUCCESS &&
	    wc.byte_len == 100 && !(wc.wc_flags & IBV_WC_WITH_IMM))
		rc = 0;
	siwcm_wait_event(ch, RDMA_CM_EVENT_DISCONNECTED, NULL);
	_exit(rc);
}

static void test_noext(void)
{
	const char *server = getenv("RDMAP_EXT_SERVER") ?: ADDR;
	const char *src = getenv("RDMAP_EXT_CLIENT_SRC");
	struct rdma_event_channel *ch;
	struct rdma_cm_id *id = NULL;
	struct rdma_conn_param cp = { .responder_resources = 4,
				      .initiator_depth = 4 };
	struct ibv_qp_init_attr qa = {
		.qp_type = IBV_QPT_RC,
		.cap = { .max_send_wr = 8, .max_recv_wr = 4,
			 .max_send_sge = 1, .max_recv_sge = 1 },
	};
	struct sockaddr_in dst, sin;
	int fds[2], status = -1;
	struct ibv_wc wc;
	char c;
	pid_t pid;

	if (pipe(fds)) {
		tap_result(0, "pipe");
		return;
	}
	listen_fd = fds[1];
	fflush(stdout);
	pid = fork();
	if (!pid) {
		close(fds[0]);
		setenv("LIBSIW_NO_EXT", "1", 1);
		noext_server(server);
	}
	close(fds[1]);
	tap_check(read(fds[0], &c, 1) == 1, "peer without the extensions listens");

	siwcm_addr(&dst, server, PORT + 30);
	ch = rdma_create_event_channel();
	if (src)
		siwcm_addr(&sin, src, 0);
	if (rdma_create_id(ch, &id, NULL, RDMA_PS_TCP) ||
	    rdma_resolve_addr(id, src ? (struct sockaddr *)&sin : NULL,
			      (struct sockaddr *)&dst, 2000) ||
	    siwcm_wait_event(ch, RDMA_CM_EVENT_ADDR_RESOLVED, NULL) ||
	    rdma_resolve_route(id, 2000) ||
	    siwcm_wait_event(ch, RDMA_CM_EVENT_ROUTE_RESOLVED, NULL)) {
		tap_result(0, "resolve %s", server);
		goto out;
	}
	pd = ibv_alloc_pd(id->verbs);
	qa.send_cq = qa.recv_cq = ibv_create_cq(id->verbs, 16, NULL, NULL, 0);
	smr = cmr = ibv_reg_mr(pd, cbuf, sizeof(cbuf), ACCESS);
	if (!cmr || rdma_create_qp(id, pd, &qa) || rdma_connect(id, &cp) ||
	    siwcm_wait_event(ch, RDMA_CM_EVENT_ESTABLISHED, NULL)) {
		tap_result(0, "connect to the peer without extensions");
		goto out;
	}
	tap_eq(post_atomic(id->qp, IBV_WR_ATOMIC_FETCH_AND_ADD, cbuf, 0x1000,
			   1, 0), EOPNOTSUPP, "Fetch-and-Add: EOPNOTSUPP at post");
	tap_eq(post_atomic(id->qp, IBV_WR_ATOMIC_CMP_AND_SWP, cbuf, 0x1000,
			   1, 2), EOPNOTSUPP, "Compare-and-Swap: EOPNOTSUPP at post");
	tap_eq(post_imm(id->qp, IBV_WR_RDMA_WRITE_WITH_IMM, cbuf, 8, 0x1000, 1,
			0), EOPNOTSUPP, "Write with Immediate: EOPNOTSUPP at post");
	tap_eq(post_imm(id->qp, IBV_WR_SEND_WITH_IMM, cbuf, 8, 0, 1, 0),
	       EOPNOTSUPP, "Send with Immediate: EOPNOTSUPP at post");
	tap_eq(post_imm(id->qp, IBV_WR_SEND, cbuf, 100, 0, 0, 0), 0,
	       "a plain Send still posts");
	tap_check(!poll_one(qa.send_cq, &wc) && wc.status == IBV_WC_SUCCESS,
		  "and completes (status %d)", wc.status);
	rdma_disconnect(id);
out:
	waitpid(pid, &status, 0);
	tap_check(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		  "peer received the Send, no Terminate (status 0x%x)", status);
	if (id && id->qp)
		rdma_destroy_qp(id);
}

/* Our provider (installed in /usr/local) on our module (atomics). */
static bool ours_active(struct ibv_context *ctx)
{
	struct ibv_device_attr_ex dx = {};
	Dl_info info;

	if (!dladdr((void *)ctx->ops.post_send, &info) || !info.dli_fname ||
	    !strstr(info.dli_fname, "/usr/local/lib/libibverbs/"))
		return false;
	if (ibv_query_device_ex(ctx, NULL, &dx))
		return false;
	tap_check(dx.orig_attr.atomic_cap == IBV_ATOMIC_GLOB,
		  "device reports atomic_cap GLOB (%d)",
		  dx.orig_attr.atomic_cap);
	return true;
}

static void run(void)
{
	struct pair p;

	if (getenv("RDMAP_EXT_PEER")) {
		test_noext();
		return;
	}
	if (pair_up(&p, ADDR, PORT, true)) {
		tap_result(0, "connected pair");
		return;
	}
	smr = ibv_reg_mr(pd, sbuf, sizeof(sbuf), ACCESS);
	cmr = ibv_reg_mr(pd, cbuf, sizeof(cbuf), ACCESS);
	tap_check(smr && cmr, "MRs with remote atomic access");
	if (!smr || !cmr)
		return;
	test_atomics(&p);
	test_imm(&p);
	test_wr_api(&p);
	pair_down(&p);
	test_parallel();
	test_no_access();
}

int main(int argc __attribute__((unused)), char **argv)
{
	struct ibv_context *ctx;

	if (getenv("RDMAP_EXT_SERVER")) {
		/* interop.sh: devices and addresses are set up already. */
		tap_init();
		test_noext();
		return tap_done();
	}
	ctx = siwtest_setup(argv[0], NETDEV, IBDEV);
	if (!ours_active(ctx))
		tap_skip_all("needs our provider and siw.ko (rdmap_ext.sh)");
	if (siwtest_sh("ip addr add %s/24 dev %s", ADDR, NETDEV))
		tap_result(0, "address on %s", NETDEV);
	siwtest_run_child(run, "RFC 7306 extensions");
	return tap_done();
}
