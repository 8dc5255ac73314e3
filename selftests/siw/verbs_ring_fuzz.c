// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A process writing garbage into its mapped rings. Connected QP pairs over
 * loopback; the client's SQ and the server's RQ are found in
 * /proc/self/maps (the provider maps them from the uverbs device) and
 * filled with random entries: opcodes in and out of range, SGE counts
 * above the limit, wild addresses, lengths and keys, inline flags with
 * too much data, random flag bits, and the CQ arming word overwritten.
 * Each round rings the SQ doorbell itself (POST_SEND with no WRs, as
 * libsiw does), lets the client send valid messages into the fuzzed RQ,
 * then moves both QPs to ERROR. Whatever the garbage, every signalled
 * SQE must complete exactly once (success, error or flush), the kernel
 * must not WARN or crash, and nothing may be left behind.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <netinet/in.h>
#include <rdma/ib_user_verbs.h>
#include <rdma/rdma_cma.h>
#include <rdma/siw-abi.h>
#include <sys/wait.h>
#include <time.h>

#include "siwtest.h"
#include "siwcm.h"

#define NETDEV	"rfzd0"
#define IBDEV	"siwrfz0"
#define ADDR	"10.99.6.1"
#define PORT	7500

/* Ring sizes chosen so that each mapping's length tells which ring it is. */
#define CLIENT_SQ	64	/* 64 * 104 B -> 8 KiB mapping */
#define CLIENT_RQ	4
#define SERVER_SQ	4
#define SERVER_RQ	128	/* 128 * 104 B -> 16 KiB mapping */
#define FUZZ_SQES	16
#define FUZZ_RQES	8
#define ROUNDS		30	/* SIW_RING_FUZZ_ROUNDS overrides */
#define BUF		8192
#define CQ_SIZE		256	/* 256 * 32 B + the arming word -> 12 KiB */
#define CQ_MAP		((CQ_SIZE * sizeof(struct siw_cqe) + \
			  sizeof(struct siw_cq_ctrl) + 4095) & ~4095UL)

struct side {
	struct rdma_cm_id *id;
	struct ibv_pd *pd;
	struct ibv_cq *cq;
	struct ibv_mr *mr;
	char *buf;
	void *sq;		/* mapped rings found in /proc/self/maps */
	void *rq;
	void *cqring;
};

static struct rdma_event_channel *server_ch, *client_ch;
static struct rdma_cm_id *listen_id;
static uint64_t rng_state;
static int server_completions;	/* receives the fuzzed RQEs produced */

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* Collect (start, length) of uverbs mappings into @start/@len. */
static int uverbs_maps(unsigned long *start, unsigned long *len, int max)
{
	unsigned long a, b;
	char line[512];
	FILE *f = fopen("/proc/self/maps", "r");
	int n = 0;

	if (!f)
		return 0;
	while (n < max && fgets(line, sizeof(line), f)) {
		if (!strstr(line, "/dev/infiniband/uverbs"))
			continue;
		if (sscanf(line, "%lx-%lx", &a, &b) == 2) {
			start[n] = a;
			len[n++] = b - a;
		}
	}
	fclose(f);
	return n;
}

/* The new uverbs mapping of @len bytes that was not there before. */
static void *new_mapping(unsigned long *before, int nbefore,
			 unsigned long want_len)
{
	unsigned long start[256], len[256];
	int n = uverbs_maps(start, len, 256), i, j;

	for (i = 0; i < n; i++) {
		if (len[i] != want_len)
			continue;
		for (j = 0; j < nbefore; j++)
			if (before[j] == start[i])
				break;
		if (j == nbefore)
			return (void *)start[i];
	}
	return NULL;
}

static int make_qp(struct side *s, struct rdma_cm_id *id, int sq, int rq)
{
	struct ibv_qp_init_attr qa = {
		.qp_type = IBV_QPT_RC,
		.sq_sig_all = 0,
		.cap = { .max_send_wr = sq, .max_recv_wr = rq,
			 .max_send_sge = SIW_MAX_SGE, .max_recv_sge = SIW_MAX_SGE },
	};
	unsigned long before[256], blen[256];
	int nbefore;

	s->id = id;
	s->pd = ibv_alloc_pd(id->verbs);
	nbefore = uverbs_maps(before, blen, 256);
	s->cq = s->pd ? ibv_create_cq(id->verbs, CQ_SIZE, NULL, NULL, 0) : NULL;
	s->cqring = new_mapping(before, nbefore, CQ_MAP);
	s->buf = calloc(1, BUF);
	s->mr = s->cq ? ibv_reg_mr(s->pd, s->buf, BUF,
				   IBV_ACCESS_LOCAL_WRITE |
				   IBV_ACCESS_REMOTE_WRITE |
				   IBV_ACCESS_REMOTE_READ) : NULL;
	if (!s->mr)
		return -1;
	qa.send_cq = s->cq;
	qa.recv_cq = s->cq;
	nbefore = uverbs_maps(before, blen, 256);
	if (rdma_create_qp(id, s->pd, &qa))
		return -1;
	s->sq = new_mapping(before, nbefore,
			    (sq * sizeof(struct siw_sqe) + 4095) & ~4095UL);
	s->rq = new_mapping(before, nbefore,
			    (rq * sizeof(struct siw_rqe) + 4095) & ~4095UL);
	return 0;
}

static void free_side(struct side *s, int destroy_id)
{
	if (s->id && s->id->qp)
		rdma_destroy_qp(s->id);
	if (s->mr)
		ibv_dereg_mr(s->mr);
	if (s->cq)
		ibv_destroy_cq(s->cq);
	if (s->pd)
		ibv_dealloc_pd(s->pd);
	if (s->id && destroy_id)
		rdma_destroy_id(s->id);
	free(s->buf);
	memset(s, 0, sizeof(*s));
}

static int connect_pair(struct side *c, struct side *srv)
{
	struct rdma_conn_param cp = { .responder_resources = 4,
				      .initiator_depth = 4 };
	struct rdma_cm_id *id, *req;
	struct sockaddr_in dst = { .sin_family = AF_INET,
				   .sin_port = htons(PORT) };

	inet_pton(AF_INET, ADDR, &dst.sin_addr);
	if (rdma_create_id(client_ch, &id, NULL, RDMA_PS_TCP) ||
	    rdma_resolve_addr(id, NULL, (struct sockaddr *)&dst, 2000) ||
	    siwcm_wait_event(client_ch, RDMA_CM_EVENT_ADDR_RESOLVED, NULL) ||
	    rdma_resolve_route(id, 2000) ||
	    siwcm_wait_event(client_ch, RDMA_CM_EVENT_ROUTE_RESOLVED, NULL))
		return -1;
	if (make_qp(c, id, CLIENT_SQ, CLIENT_RQ) || rdma_connect(id, &cp))
		return -1;
	if (siwcm_wait_event(server_ch, RDMA_CM_EVENT_CONNECT_REQUEST, &req) ||
	    make_qp(srv, req, SERVER_SQ, SERVER_RQ) || rdma_accept(req, &cp))
		return -1;
	if (siwcm_wait_event(client_ch, RDMA_CM_EVENT_ESTABLISHED, NULL) ||
	    siwcm_wait_event(server_ch, RDMA_CM_EVENT_ESTABLISHED, NULL))
		return -1;
	return c->sq && srv->rq ? 0 : -2;
}

/* A random but plausible-looking SGE: sometimes valid, often not. */
static void fuzz_sge(struct siw_sge *sge, struct side *s)
{
	switch (rnd() % 5) {
	case 0:		/* valid */
		sge->laddr = (uintptr_t)s->buf + rnd() % 64;
		sge->length = rnd() % 1024;
		sge->lkey = s->mr->lkey;
		break;
	case 1:		/* valid key, out of bounds */
		sge->laddr = (uintptr_t)s->buf + rnd() % (2 * BUF);
		sge->length = rnd() % (4 * BUF);
		sge->lkey = s->mr->lkey;
		break;
	case 2:		/* wrapping address */
		sge->laddr = ~0ULL - rnd() % 4096;
		sge->length = (uint32_t)rnd();
		sge->lkey = s->mr->lkey;
		break;
	default:	/* anything */
		sge->laddr = rnd();
		sge->length = (uint32_t)rnd();
		sge->lkey = (uint32_t)rnd();
		break;
	}
}

static void fuzz_sqe(struct siw_sqe *sqe, uint64_t id, struct side *c,
		     struct side *srv)
{
	uint16_t flags;
	int i;

	memset(sqe, 0, sizeof(*sqe));
	sqe->id = id;
	sqe->opcode = rnd() % 4 ? rnd() % (SIW_NUM_OPCODES + 1) : rnd();
	sqe->num_sge = rnd() % 3 ? rnd() % (SIW_MAX_SGE + 1) : rnd();
	sqe->rkey = rnd() % 2 ? srv->mr->rkey : (uint32_t)rnd();
	sqe->raddr = rnd() % 2 ? (uintptr_t)srv->buf + rnd() % BUF : rnd();
	for (i = 0; i < SIW_MAX_SGE; i++)
		fuzz_sge(&sqe->sge[i], c);
	/* Signalled always, so that every SQE owes exactly one completion. */
	flags = (rnd() & ~SIW_WQE_VALID) | SIW_WQE_SIGNALLED;
	__atomic_store_n(&sqe->flags, flags | SIW_WQE_VALID, __ATOMIC_RELEASE);
}

static void fuzz_rqe(struct siw_rqe *rqe, uint64_t id, struct side *srv)
{
	int i;

	memset(rqe, 0, sizeof(*rqe));
	rqe->id = id;
	rqe->num_sge = rnd() % 3 ? rnd() % (SIW_MAX_SGE + 1) : rnd();
	rqe->opcode = rnd();
	for (i = 0; i < SIW_MAX_SGE; i++)
		fuzz_sge(&rqe->sge[i], srv);
	__atomic_store_n(&rqe->flags, (rnd() & 0xffff) | SIW_WQE_VALID,
			 __ATOMIC_RELEASE);
}

/* The SQ doorbell as libsiw rings it: POST_SEND carrying no WRs. */
static int doorbell(struct ibv_qp *qp)
{
	struct {
		struct ib_uverbs_cmd_hdr hdr;
		struct ib_uverbs_post_send cmd;
	} req = {};
	struct ib_uverbs_post_send_resp resp = {};

	req.hdr.command = IB_USER_VERBS_CMD_POST_SEND;
	req.hdr.in_words = sizeof(req) / 4;
	req.hdr.out_words = sizeof(resp) / 4;
	req.cmd.response = (uintptr_t)&resp;
	req.cmd.qp_handle = qp->handle;
	req.cmd.wqe_size = sizeof(struct ib_uverbs_send_wr);
	return write(qp->context->cmd_fd, &req, sizeof(req)) == sizeof(req) ?
	       0 : -errno;
}

static int drain(struct ibv_cq *cq, uint64_t *ids, int max, int ms)
{
	struct ibv_wc wc[16];
	int n = 0, rc, i;

	while (ms-- > 0) {
		rc = ibv_poll_cq(cq, 16, wc);
		if (rc < 0)
			return -1;
		if (!rc) {
			usleep(1000);
			continue;
		}
		for (i = 0; i < rc; i++) {
			if (n < max)
				ids[n] = wc[i].wr_id;
			n++;
		}
	}
	return n;
}

static int to_error(struct side *s)
{
	struct ibv_qp_attr a = { .qp_state = IBV_QPS_ERR };

	return ibv_modify_qp(s->id->qp, &a, IBV_QP_STATE);
}

/* One round: 0 if every rule held. */
static int round_once(int r, int *sq_completions)
{
	struct side c = {}, srv = {};
	uint64_t ids[512];
	int seen[FUZZ_SQES] = {}, n, i, ok = 1, rc;
	struct siw_cq_ctrl *ctrl;

	rc = connect_pair(&c, &srv);
	if (rc) {
		tap_diag("round %d: connect failed (%d), rings %p %p", r, rc,
			 c.sq, srv.rq);
		ok = 0;
		goto out;
	}

	/* The server's RQ: garbage entries the client's Sends will land in. */
	for (i = 0; i < FUZZ_RQES; i++)
		fuzz_rqe((struct siw_rqe *)srv.rq + i, 1000 + i, &srv);
	/*
	 * The arming word of both CQs, anything at all. (CQE slots are not
	 * touched: a slot the process marks valid is one the kernel may not
	 * fill, and the resulting overflow is the process's own doing.)
	 */
	if (c.cqring && srv.cqring) {
		ctrl = (struct siw_cq_ctrl *)((struct siw_cqe *)c.cqring +
					      CQ_SIZE);
		ctrl->flags = rnd();
		ctrl = (struct siw_cq_ctrl *)((struct siw_cqe *)srv.cqring +
					      CQ_SIZE);
		ctrl->flags = rnd();
	} else {
		tap_diag("round %d: CQ rings not found", r);
		ok = 0;
	}

	for (i = 0; i < FUZZ_SQES; i++)
		fuzz_sqe((struct siw_sqe *)c.sq + i, i, &c, &srv);
	rc = doorbell(c.id->qp);
	if (rc && rc != -EINVAL && rc != -ENOTCONN)
		tap_diag("round %d: doorbell %d", r, rc);

	n = drain(c.cq, ids, 512, 300);
	to_error(&c);
	to_error(&srv);
	n += drain(c.cq, ids + (n < 512 ? n : 512), 512 - (n < 512 ? n : 512),
		   300);
	/* Exactly one completion per SQE, whatever it held. */
	for (i = 0; i < n && i < 512; i++) {
		if (ids[i] >= FUZZ_SQES || seen[ids[i]]++) {
			tap_diag("round %d: completion for id %llu (duplicate or unknown)",
				 r, (unsigned long long)ids[i]);
			ok = 0;
		}
	}
	for (i = 0; i < FUZZ_SQES; i++)
		if (!seen[i]) {
			tap_diag("round %d: SQE %d never completed", r, i);
			ok = 0;
		}
	*sq_completions += n;
	/* Server side: whatever it completed, it must not be more than posted. */
	n = drain(srv.cq, ids, 512, 100);
	server_completions += n;
	if (n > FUZZ_RQES) {
		tap_diag("round %d: %d receive completions for %d RQEs", r, n,
			 FUZZ_RQES);
		ok = 0;
	}
out:
	free_side(&c, 1);
	free_side(&srv, 1);
	return ok ? 0 : -1;
}

static void run_connected(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons(PORT) };
	int r, failed = 0, completions = 0, rounds = ROUNDS;
	time_t end = time(NULL) + 120;

	inet_pton(AF_INET, ADDR, &sin.sin_addr);
	server_ch = rdma_create_event_channel();
	client_ch = rdma_create_event_channel();
	tap_check(server_ch && client_ch &&
		  !rdma_create_id(server_ch, &listen_id, NULL, RDMA_PS_TCP) &&
		  !rdma_bind_addr(listen_id, (struct sockaddr *)&sin) &&
		  !rdma_listen(listen_id, 8), "listen on %s:%d", ADDR, PORT);
	if (getenv("SIW_RING_FUZZ_ROUNDS"))
		rounds = atoi(getenv("SIW_RING_FUZZ_ROUNDS"));
	for (r = 0; r < rounds && time(NULL) < end; r++)
		failed += round_once(r, &completions) != 0;
	tap_check(r >= 10, "%d rounds of %d garbage SQEs and %d garbage RQEs",
		  r, FUZZ_SQES, FUZZ_RQES);
	tap_eq(failed, 0, "every round: each SQE completed exactly once (%d completions)",
	       completions);
	tap_check(server_completions > 0,
		  "fuzzed RQEs were consumed (%d receive completions)",
		  server_completions);
	rdma_destroy_id(listen_id);
	rdma_destroy_event_channel(server_ch);
	rdma_destroy_event_channel(client_ch);
}

int main(int argc, char **argv)
{
	(void)argc;
	rng_state = getenv("SIW_FUZZ_SEED") ?
		    strtoull(getenv("SIW_FUZZ_SEED"), NULL, 0) :
		    (uint64_t)time(NULL) * 2654435761u;
	if (!rng_state)
		rng_state = 1;
	siwtest_setup(argv[0], NETDEV, IBDEV);
	tap_diag("seed %llu (SIW_FUZZ_SEED= to repeat)",
		 (unsigned long long)rng_state);
	tap_eq(siwtest_sh("ip addr add %s/24 dev %s", ADDR, NETDEV), 0,
	       "address %s on %s", ADDR, NETDEV);

	siwtest_run_child(run_connected, "fuzz rounds");
	tap_eq(siwtest_res_count("qp"), 0, "no QP left");
	siwtest_teardown();
	siwtest_check_dmesg();
	return tap_done();
}
