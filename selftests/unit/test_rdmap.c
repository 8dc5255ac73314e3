// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* DDP/RDMAP headers: build/parse, Linux images, every error class. */
#include "unit.h"

struct op_expect {
	u8 op;
	const char *name;
	u8 hdr_len;	/* DDP + RDMAP */
	u8 ctrl0;	/* DDP control byte with L set */
	u8 ctrl1;	/* RDMAP control byte */
	u8 qn;
	bool ext;
};

/* RFC 5040 sec 4 / RFC 7306 table, Linux iwarp_pktinfo hdr_len - 2 */
static const struct op_expect ops[] = {
	{ SIW_RDMAP_OP_WRITE, "WRITE", 14, 0xc1, 0x40, SIW_QN_NONE, false },
	{ SIW_RDMAP_OP_READ_REQ, "READ_REQ", 46, 0x41, 0x41, 1, false },
	{ SIW_RDMAP_OP_READ_RESP, "READ_RESP", 14, 0xc1, 0x42, SIW_QN_NONE, false },
	{ SIW_RDMAP_OP_SEND, "SEND", 18, 0x41, 0x43, 0, false },
	{ SIW_RDMAP_OP_SEND_INV, "SEND_INV", 18, 0x41, 0x44, 0, false },
	{ SIW_RDMAP_OP_SEND_SE, "SEND_SE", 18, 0x41, 0x45, 0, false },
	{ SIW_RDMAP_OP_SEND_SE_INV, "SEND_SE_INV", 18, 0x41, 0x46, 0, false },
	{ SIW_RDMAP_OP_TERMINATE, "TERMINATE", 22, 0x41, 0x47, 2, false },
	{ SIW_RDMAP_OP_IMM_DATA, "IMM_DATA", 26, 0x41, 0x48, 0, true },
	{ SIW_RDMAP_OP_IMM_DATA_SE, "IMM_DATA_SE", 26, 0x41, 0x49, 0, true },
	{ SIW_RDMAP_OP_ATOMIC_REQ, "ATOMIC_REQ", 70, 0x41, 0x4a, 1, true },
	{ SIW_RDMAP_OP_ATOMIC_RESP, "ATOMIC_RESP", 30, 0x41, 0x4b, 3, true },
};

#define NOPS (sizeof(ops) / sizeof(ops[0]))

static void sample_hdr(struct siw_iwarp_hdr *h, const struct op_expect *e)
{
	const struct siw_opcode_info *oi = siw_rdmap_opcode_info(e->op);

	memset(h, 0, sizeof(*h));
	h->opcode = e->op;
	h->last = true;
	if (oi->flags & SIW_OPF_TAGGED) {
		h->stag = 0x12345678;
		h->to = 0x0123456789abcdefULL;
		h->payload_len = 1000;
		return;
	}
	h->qn = e->qn;
	h->msn = 0xdeadbeef;
	if (!(oi->flags & SIW_OPF_SINGLE))
		h->mo = 4096;
	if (!(oi->flags & SIW_OPF_NO_PAYLOAD) && e->op != SIW_RDMAP_OP_TERMINATE)
		h->payload_len = 333;
	if (oi->flags & SIW_OPF_INVAL)
		h->inval_stag = 0xcafe0001;
	if (e->op == SIW_RDMAP_OP_READ_REQ) {
		h->rreq.sink_stag = 0x11111111;
		h->rreq.sink_to = 0x2222222222222222ULL;
		h->rreq.read_size = 0x33333333;
		h->rreq.src_stag = 0x44444444;
		h->rreq.src_to = 0x5555555555555555ULL;
	}
	if (e->op == SIW_RDMAP_OP_IMM_DATA || e->op == SIW_RDMAP_OP_IMM_DATA_SE)
		h->imm = 0x0102030405060708ULL;
	if (e->op == SIW_RDMAP_OP_ATOMIC_REQ) {
		h->atomic.op = SIW_ATOMIC_CMP_SWAP;
		h->atomic.req_id = 0x0a0b0c0d;
		h->atomic.stag = 0x66666666;
		h->atomic.to = 0x7777777777777770ULL;
		h->atomic.add_swap = 0x8888888888888888ULL;
		h->atomic.add_swap_mask = 0x9999999999999999ULL;
		h->atomic.cmp = 0xaaaaaaaaaaaaaaaaULL;
		h->atomic.cmp_mask = 0xbbbbbbbbbbbbbbbbULL;
	}
	if (e->op == SIW_RDMAP_OP_ATOMIC_RESP) {
		h->atomic.req_id = 0x0a0b0c0d;
		h->atomic.orig = 0xfedcba9876543210ULL;
	}
}

static bool same_hdr(const struct siw_iwarp_hdr *a,
		     const struct siw_iwarp_hdr *b)
{
	return a->opcode == b->opcode && a->last == b->last &&
	       a->stag == b->stag && a->to == b->to && a->qn == b->qn &&
	       a->msn == b->msn && a->mo == b->mo &&
	       a->inval_stag == b->inval_stag &&
	       a->payload_len == b->payload_len &&
	       a->rreq.sink_stag == b->rreq.sink_stag &&
	       a->rreq.sink_to == b->rreq.sink_to &&
	       a->rreq.read_size == b->rreq.read_size &&
	       a->rreq.src_stag == b->rreq.src_stag &&
	       a->rreq.src_to == b->rreq.src_to && a->imm == b->imm &&
	       a->imm_next == b->imm_next &&
	       !memcmp(&a->atomic, &b->atomic, sizeof(a->atomic));
}

static void test_table(void)
{
	unsigned int i;

	for (i = 0; i < NOPS; i++) {
		const struct siw_opcode_info *oi;

		oi = siw_rdmap_opcode_info(ops[i].op);
		ok(oi && oi->hdr_len == ops[i].hdr_len &&
		   oi->qn == ops[i].qn &&
		   !!(oi->flags & SIW_OPF_EXT) == ops[i].ext &&
		   !!(oi->flags & SIW_OPF_TAGGED) == (ops[i].ctrl0 >> 7),
		   "opcode %u %s: header %u bytes, QN %u%s", ops[i].op,
		   ops[i].name, ops[i].hdr_len, ops[i].qn,
		   ops[i].ext ? ", RFC 7306 extension" : "");
		is_str(siw_rdmap_opcode_name(ops[i].op), ops[i].name,
		       "name of opcode %u", ops[i].op);
	}
	for (i = 12; i < 16; i++)
		ok(!siw_rdmap_opcode_info((u8)i), "opcode %u undefined", i);
	ok(!siw_rdmap_opcode_info(200), "opcode 200 undefined");
	is_str(siw_rdmap_opcode_name(13), "UNKNOWN", "name of opcode 13");
}

static void test_roundtrip(void)
{
	struct siw_iwarp_hdr h, back;
	unsigned int i;
	u8 b[128];

	for (i = 0; i < NOPS; i++) {
		unsigned int fl = ops[i].ext ? SIW_PARSE_EXT : 0;
		int n;

		sample_hdr(&h, &ops[i]);
		memset(b, 0xee, sizeof(b));
		n = siw_iwarp_build(&h, fl, b, sizeof(b));
		is_num(n, 2 + ops[i].hdr_len, "%s: build writes %u bytes",
		       ops[i].name, 2 + ops[i].hdr_len);
		ok(b[2] == ops[i].ctrl0 && b[3] == ops[i].ctrl1 &&
		   siw_get_be16(b) == ops[i].hdr_len + h.payload_len,
		   "%s: control bytes %02x %02x, ULPDU_Length", ops[i].name,
		   ops[i].ctrl0, ops[i].ctrl1);
		is_num(siw_iwarp_parse(b, (size_t)n, fl, &back), 0,
		       "%s: parses", ops[i].name);
		ok(same_hdr(&h, &back) && back.hdr_len == ops[i].hdr_len &&
		   back.tagged == (ops[i].ctrl0 >> 7) &&
		   back.ulpdu_len == ops[i].hdr_len + h.payload_len,
		   "%s: parse(build(h)) == h", ops[i].name);
		if (ops[i].ext)
			is_num(siw_iwarp_parse(b, (size_t)n, 0, &back),
			       SIW_ERR_OPCODE,
			       "%s: refused without SIW_PARSE_EXT",
			       ops[i].name);
		/* non-last segments of multi-segment messages */
		if (!(siw_rdmap_opcode_info(ops[i].op)->flags &
		      SIW_OPF_SINGLE)) {
			h.last = false;
			siw_iwarp_build(&h, fl, b, sizeof(b));
			is_num(b[2], ops[i].ctrl0 & ~SIW_DDP_FLAG_L,
			       "%s: L clear in middle segments",
			       ops[i].name);
			siw_iwarp_parse(b, (size_t)n, fl, &back);
			ok(!back.last && same_hdr(&h, &back),
			   "%s: middle segment round trip", ops[i].name);
		}
	}
}

/* Headers byte for byte as Linux siw's struct iwarp_* lay them out. */
static void test_linux_images(void)
{
	static const u8 write[] = {
		0x00, 0x16, 0xc1, 0x40,
		0x00, 0x00, 0x12, 0x34,		/* sink STag */
		0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x10, 0x00, /* sink TO */
	};
	static const u8 rreq[] = {
		0x00, 0x2e, 0x41, 0x41,
		0x00, 0x00, 0x00, 0x00,		/* rsvd */
		0x00, 0x00, 0x00, 0x01,		/* QN 1 */
		0x00, 0x00, 0x00, 0x05,		/* MSN 5 */
		0x00, 0x00, 0x00, 0x00,		/* MO 0 */
		0xaa, 0xbb, 0xcc, 0xdd,		/* sink STag */
		0x00, 0x00, 0x7f, 0x00, 0x00, 0x00, 0x00, 0x40,
		0x00, 0x01, 0x00, 0x00,		/* read size 65536 */
		0x01, 0x02, 0x03, 0x04,		/* source STag */
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x20, 0x00,
	};
	static const u8 send_inv[] = {
		0x00, 0x12, 0x41, 0x46,
		0x00, 0x00, 0x3a, 0x01,		/* STag to invalidate */
		0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x02,
		0x00, 0x00, 0x00, 0x00,
	};
	struct siw_iwarp_hdr h;
	u8 b[64];

	is_num(siw_iwarp_parse(write, sizeof(write), 0, &h), 0,
	       "Linux Write header parses");
	ok(h.opcode == SIW_RDMAP_OP_WRITE && h.tagged && h.last &&
	   h.stag == 0x1234 && h.to == 0x100001000ULL && h.payload_len == 8,
	   "Write: STag, TO, 8 byte payload");

	is_num(siw_iwarp_parse(rreq, sizeof(rreq), 0, &h), 0,
	       "Linux Read Request parses");
	ok(h.opcode == SIW_RDMAP_OP_READ_REQ && h.qn == 1 && h.msn == 5 &&
	   h.rreq.sink_stag == 0xaabbccdd &&
	   h.rreq.sink_to == 0x7f0000000040ULL &&
	   h.rreq.read_size == 65536 && h.rreq.src_stag == 0x01020304 &&
	   h.rreq.src_to == 0x2000 && !h.payload_len,
	   "Read Request fields");
	is_num(siw_iwarp_build(&h, 0, b, sizeof(b)), sizeof(rreq),
	       "Read Request rebuilt");
	is_mem(b, rreq, sizeof(rreq), "rebuilt Read Request identical");

	is_num(siw_iwarp_parse(send_inv, sizeof(send_inv), 0, &h), 0,
	       "Linux Send with SE and Invalidate parses");
	ok(h.opcode == SIW_RDMAP_OP_SEND_SE_INV && h.inval_stag == 0x3a01 &&
	   h.msn == 2 && !h.payload_len, "invalidate STag 0x3a01, MSN 2");
}

static void test_errors(void)
{
	static const u8 send[] = {
		0x00, 0x12, 0x41, 0x43, 0, 0, 0, 0, 0, 0, 0, 0,
		0, 0, 0, 1, 0, 0, 0, 0,
	};
	static const u8 write[] = {
		0x00, 0x0e, 0xc1, 0x40, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0,
	};
	struct siw_iwarp_hdr h;
	u8 b[128];
	int v;

	for (v = 0; v < 4; v++) {
		if (v == 1)
			continue;
		memcpy(b, send, sizeof(send));
		b[2] = (u8)((b[2] & ~3) | v);
		is_num(siw_iwarp_parse(b, sizeof(send), 0, &h),
		       SIW_ERR_DDP_VERSION, "untagged DDP version %d", v);
		memcpy(b, write, sizeof(write));
		b[2] = (u8)((b[2] & ~3) | v);
		is_num(siw_iwarp_parse(b, sizeof(write), 0, &h),
		       SIW_ERR_DDP_VERSION_T, "tagged DDP version %d", v);
		memcpy(b, send, sizeof(send));
		b[3] = (u8)((b[3] & 0x3f) | v << 6);
		is_num(siw_iwarp_parse(b, sizeof(send), 0, &h),
		       SIW_ERR_RDMAP_VERSION, "RDMAP version %d", v);
	}
	memcpy(b, send, sizeof(send));
	b[2] = 0x40;
	b[3] = 0x03;
	is_num(siw_iwarp_parse(b, sizeof(send), 0, &h), SIW_ERR_DDP_VERSION,
	       "DDP version checked before RDMAP version");

	for (v = 8; v < 16; v++) {
		memcpy(b, send, sizeof(send));
		b[3] = (u8)(0x40 | v);
		is_num(siw_iwarp_parse(b, sizeof(send), 0, &h), SIW_ERR_OPCODE,
		       "opcode %d refused by default", v);
	}
	for (v = 12; v < 16; v++) {
		memcpy(b, send, sizeof(send));
		b[3] = (u8)(0x40 | v);
		is_num(siw_iwarp_parse(b, sizeof(send), SIW_PARSE_EXT, &h),
		       SIW_ERR_OPCODE, "opcode %d refused with extensions", v);
	}

	memcpy(b, write, sizeof(write));
	b[2] &= ~SIW_DDP_FLAG_T;
	is_num(siw_iwarp_parse(b, 64, 0, &h), SIW_ERR_OPCODE_TBIT,
	       "Write with T clear");
	memcpy(b, send, sizeof(send));
	b[2] |= SIW_DDP_FLAG_T;
	is_num(siw_iwarp_parse(b, sizeof(send), 0, &h), SIW_ERR_OPCODE_TBIT,
	       "Send with T set");
	memcpy(b, write, sizeof(write));
	b[3] = 0x41;
	is_num(siw_iwarp_parse(b, 64, 0, &h), SIW_ERR_OPCODE_TBIT,
	       "Read Request with T set");

	memcpy(b, send, sizeof(send));
	b[1] = 17;
	is_num(siw_iwarp_parse(b, sizeof(send), 0, &h), SIW_ERR_MPA_LEN,
	       "ULPDU_Length 17 < Send header 18");
	b[1] = 0;
	is_num(siw_iwarp_parse(b, sizeof(send), 0, &h), SIW_ERR_MPA_LEN,
	       "ULPDU_Length 0");
	memcpy(b, write, sizeof(write));
	b[1] = 13;
	is_num(siw_iwarp_parse(b, sizeof(write), 0, &h), SIW_ERR_MPA_LEN,
	       "ULPDU_Length 13 < Write header 14");

	is_num(siw_iwarp_parse(send, 3, 0, &h), -EAGAIN, "3 bytes: need more");
	is_num(siw_iwarp_parse(send, 1, 0, &h), -EAGAIN, "1 byte: need more");
	b[0] = 0;
	b[1] = 1;
	b[2] = 0x41;
	is_num(siw_iwarp_parse(b, 3, 0, &h), SIW_ERR_MPA_LEN,
	       "ULPDU_Length 1: no room for the control bytes");
	b[1] = 0;
	is_num(siw_iwarp_parse(b, 2, 0, &h), SIW_ERR_MPA_LEN,
	       "ULPDU_Length 0: an error, not a wait");
	is_num(siw_iwarp_parse(send, 12, 0, &h), -EAGAIN,
	       "12 bytes of a Send header: need more");
	is_num(h.hdr_len, 18, "... and the header length is known");
	is_num(siw_iwarp_parse(NULL, 12, 0, &h), -EINVAL, "NULL buffer");

	memcpy(b, send, sizeof(send));
	b[11] = 1;
	is_num(siw_iwarp_parse(b, sizeof(send), 0, &h), SIW_ERR_QN,
	       "Send on QN 1");
	b[11] = 2;
	b[3] = 0x41;
	is_num(siw_iwarp_parse(b, 64, 0, &h), SIW_ERR_MPA_LEN,
	       "Read Request with a Send's ULPDU_Length");

	/* Read Request: single segment, no payload */
	{
		struct siw_iwarp_hdr r;

		sample_hdr(&r, &ops[1]);
		siw_iwarp_build(&r, 0, b, sizeof(b));
		b[11] = 0;
		is_num(siw_iwarp_parse(b, 48, 0, &h), SIW_ERR_QN,
		       "Read Request on QN 0");
		b[11] = 1;
		b[19] = 4;
		is_num(siw_iwarp_parse(b, 48, 0, &h), SIW_ERR_MO,
		       "Read Request with MO 4");
		b[19] = 0;
		b[2] &= ~SIW_DDP_FLAG_L;
		is_num(siw_iwarp_parse(b, 48, 0, &h), SIW_ERR_MSG_TOO_BIG,
		       "Read Request without L");
		b[2] |= SIW_DDP_FLAG_L;
		b[1] = 47;
		is_num(siw_iwarp_parse(b, 48, 0, &h), SIW_ERR_MSG_TOO_BIG,
		       "Read Request with payload");
		b[1] = 46;
		b[2] |= SIW_DDP_RSVD_MASK;
		b[3] |= SIW_RDMAP_RSVD_MASK;
		b[4] = 0xff;
		is_num(siw_iwarp_parse(b, 48, 0, &h), 0,
		       "reserved bits are not checked");
	}
	/* Terminate */
	{
		struct siw_iwarp_hdr t;

		sample_hdr(&t, &ops[7]);
		t.payload_len = SIW_TERM_MAX_EXTRA;
		is_num(siw_iwarp_build(&t, 0, b, sizeof(b)), 24,
		       "Terminate with 48 bytes of headers");
		siw_put_be16(b, 22 + 48);
		is_num(siw_iwarp_parse(b, 24, 0, &h), 0, "parses");
		siw_put_be16(b, 22 + 49);
		is_num(siw_iwarp_parse(b, 24, 0, &h), SIW_ERR_MSG_TOO_BIG,
		       "Terminate longer than any header set");
		siw_put_be16(b, 22);
		b[11] = 0;
		is_num(siw_iwarp_parse(b, 24, 0, &h), SIW_ERR_QN,
		       "Terminate on QN 0");
	}
}

static void test_build_errors(void)
{
	struct siw_iwarp_hdr h;
	u8 b[128];

	sample_hdr(&h, &ops[3]);
	h.opcode = 12;
	is_num(siw_iwarp_build(&h, SIW_PARSE_EXT, b, sizeof(b)), -EINVAL,
	       "build: undefined opcode");
	h.opcode = SIW_RDMAP_OP_ATOMIC_REQ;
	is_num(siw_iwarp_build(&h, 0, b, sizeof(b)), -EINVAL,
	       "build: extension without SIW_PARSE_EXT");
	sample_hdr(&h, &ops[3]);
	h.payload_len = 65535 - 17;
	is_num(siw_iwarp_build(&h, 0, b, sizeof(b)), -EMSGSIZE,
	       "build: ULPDU over 65535");
	h.payload_len = 65535 - 18;
	is_num(siw_iwarp_build(&h, 0, b, sizeof(b)), 20,
	       "build: ULPDU of exactly 65535");
	h.qn = 1;
	is_num(siw_iwarp_build(&h, 0, b, sizeof(b)), -EINVAL,
	       "build: Send on QN 1");
	h.qn = 0;
	is_num(siw_iwarp_build(&h, 0, b, 19), -ENOSPC,
	       "build: buffer too small");
	sample_hdr(&h, &ops[1]);
	h.payload_len = 1;
	is_num(siw_iwarp_build(&h, 0, b, sizeof(b)), -EINVAL,
	       "build: Read Request with payload");
	h.payload_len = 0;
	h.last = false;
	is_num(siw_iwarp_build(&h, 0, b, sizeof(b)), -EINVAL,
	       "build: Read Request not last");
	h.last = true;
	h.mo = 1;
	is_num(siw_iwarp_build(&h, 0, b, sizeof(b)), -EINVAL,
	       "build: Read Request with MO");
	sample_hdr(&h, &ops[7]);
	h.payload_len = SIW_TERM_MAX_EXTRA + 1;
	is_num(siw_iwarp_build(&h, 0, b, sizeof(b)), -EMSGSIZE,
	       "build: oversized Terminate");
	is_num(siw_iwarp_build(NULL, 0, b, sizeof(b)), -EINVAL, "build: NULL");
}

static void test_qp_helpers(void)
{
	is_num(siw_ddp_check_msn(5, 5, 1), 0, "MSN = expected, 1 buffer");
	is_num(siw_ddp_check_msn(7, 5, 3), 0, "MSN within posted buffers");
	is_num(siw_ddp_check_msn(8, 5, 3), SIW_ERR_NO_RECV_BUF,
	       "MSN past posted buffers");
	is_num(siw_ddp_check_msn(5, 5, 0), SIW_ERR_NO_RECV_BUF,
	       "no buffer posted");
	is_num(siw_ddp_check_msn(4, 5, 8), SIW_ERR_MSN_RANGE,
	       "MSN behind expected");
	is_num(siw_ddp_check_msn(0x80000005U, 5, 8), SIW_ERR_MSN_RANGE,
	       "MSN 2^31 ahead is out of range");
	is_num(siw_ddp_check_msn(0x80000004U, 5, 8), SIW_ERR_NO_RECV_BUF,
	       "MSN 2^31 - 1 ahead lacks a buffer");
	is_num(siw_ddp_check_msn(1, 0xffffffffU, 4), 0, "MSN wraps");

	is_num(siw_ddp_check_mo(0, 100, 100), 0, "segment fills buffer");
	is_num(siw_ddp_check_mo(100, 0, 100), 0, "empty segment at the end");
	is_num(siw_ddp_check_mo(60, 41, 100), SIW_ERR_MSG_TOO_BIG,
	       "segment one byte over");
	is_num(siw_ddp_check_mo(101, 0, 100), SIW_ERR_MO, "MO past buffer");
	is_num(siw_ddp_check_mo(0xffffffffU, 2, 100), SIW_ERR_MO,
	       "MO near 2^32");
	is_num(siw_ddp_check_mo(50, 0xffffffffU, 100), SIW_ERR_MSG_TOO_BIG,
	       "length near 2^32");

	is_num(siw_ddp_check_tagged(0x1000, 0x100, 0x1000, 0x100), 0,
	       "tagged: exact fit");
	is_num(siw_ddp_check_tagged(0x1001, 0x100, 0x1000, 0x100),
	       SIW_ERR_BASE_BOUNDS, "tagged: one over the end");
	is_num(siw_ddp_check_tagged(0xfff, 1, 0x1000, 0x100),
	       SIW_ERR_BASE_BOUNDS, "tagged: below base");
	is_num(siw_ddp_check_tagged(0x1100, 0, 0x1000, 0x100), 0,
	       "tagged: zero length at the end");
	is_num(siw_ddp_check_tagged(~0ULL - 3, 8, 0, ~0ULL), SIW_ERR_TO_WRAP,
	       "tagged: TO wraps");
	is_num(siw_ddp_check_tagged(~0ULL - 8, 8, ~0ULL - 16, 16), 0,
	       "tagged: region at the top of the space");
}

/*
 * The data path's direct builders write what siw_iwarp_build() writes for
 * the same fields, and refuse what it would not send through them.
 */
static void test_fast_builders(void)
{
	static const u32 lens[] = { 0, 1, 8, 64, 1460,
				    SIW_MPA_ULPDU_MAX - SIW_DDP_TAGGED_HDR_LEN,
				    SIW_MPA_ULPDU_MAX - SIW_DDP_UNTAGGED_HDR_LEN };
	u8 want[64], got[64];
	struct siw_iwarp_hdr h;
	unsigned int i, l, last, bad = 0, refused = 0, n = 0;
	u32 seed = 12345;
	int rv, rg;

	for (i = 0; i < NOPS; i++) {
		const struct siw_opcode_info *oi =
			siw_rdmap_opcode_info(ops[i].op);

		for (l = 0; l < sizeof(lens) / sizeof(lens[0]); l++) {
			for (last = 0; last < 2; last++) {
				sample_hdr(&h, &ops[i]);
				seed = seed * 1103515245 + 12345;
				h.last = last;
				h.payload_len = (u16)lens[l];
				h.stag = seed;
				h.to = (u64)seed << 29 ^ 0x123456789abcdefULL;
				h.inval_stag = ~seed;
				h.msn = seed >> 3;
				h.mo = seed >> 7;
				memset(want, 0xa5, sizeof(want));
				memset(got, 0xa5, sizeof(got));
				if (oi->flags & SIW_OPF_TAGGED)
					rg = siw_iwarp_build_tagged(got,
						h.opcode, h.last, h.stag,
						h.to, h.payload_len);
				else
					rg = siw_iwarp_build_send(got,
						h.opcode, h.last,
						h.inval_stag, h.msn, h.mo,
						h.payload_len);
				rv = siw_iwarp_build(&h, 0, want, sizeof(want));
				n++;
				if (rg == -EINVAL || rg == -EMSGSIZE) {
					/* Only what they do not cover. */
					if (rg == -EINVAL &&
					    h.opcode != SIW_RDMAP_OP_WRITE &&
					    h.opcode != SIW_RDMAP_OP_READ_RESP &&
					    (oi->qn != SIW_QN_SEND ||
					     (oi->flags & SIW_OPF_EXT)))
						refused++;
					else if (rg == -EMSGSIZE && rv == -EMSGSIZE)
						refused++;
					else
						bad++;
					continue;
				}
				if (rg != rv || memcmp(want, got, sizeof(got)))
					bad++;
			}
		}
	}
	is_num(bad, 0, "direct builders: same bytes as siw_iwarp_build()");
	ok(refused > 0 && refused < n,
	   "direct builders: refuse the opcodes they do not build");
	is_num(siw_iwarp_build_tagged(got, SIW_RDMAP_OP_WRITE, true, 1, 2,
				      SIW_MPA_ULPDU_MAX), -EMSGSIZE,
	       "direct tagged builder: ULPDU_Length overflow refused");
	is_num(siw_iwarp_build_send(got, SIW_RDMAP_OP_SEND, true, 0, 1, 0,
				    SIW_MPA_ULPDU_MAX - 17), -EMSGSIZE,
	       "direct Send builder: ULPDU_Length overflow refused");
	is_num(siw_iwarp_build_send(got, SIW_RDMAP_OP_TERMINATE, true, 0, 1,
				    0, 0), -EINVAL,
	       "direct Send builder: a Terminate is not a Send");
}

/* Every field but rreq and atomic, which the tagged fast parse leaves. */
static bool same_scalars(const struct siw_iwarp_hdr *a,
		     const struct siw_iwarp_hdr *b)
{
	return a->opcode == b->opcode && a->hdr_len == b->hdr_len &&
	       a->tagged == b->tagged && a->last == b->last &&
	       a->ulpdu_len == b->ulpdu_len &&
	       a->payload_len == b->payload_len && a->stag == b->stag &&
	       a->to == b->to && a->qn == b->qn && a->msn == b->msn &&
	       a->mo == b->mo && a->inval_stag == b->inval_stag &&
	       a->imm_next == b->imm_next && a->imm == b->imm;
}

/*
 * The tagged fast parse takes only headers siw_iwarp_parse() accepts and
 * reads them the same; everything else it leaves to the full parser.
 */
static void test_fast_parse(void)
{
	unsigned int i, j, taken = 0, bad = 0, left = 0;
	struct siw_iwarp_hdr full, fast;
	u32 seed = 777;
	u8 b[32];
	int rv;

	for (i = 0; i < 20000; i++) {
		for (j = 0; j < sizeof(b); j++) {
			seed = seed * 1103515245 + 12345;
			b[j] = (u8)(seed >> 16);
		}
		/* Mostly near-valid tagged headers, some anything at all. */
		if (i % 4) {
			b[2] = (u8)((i & 8 ? 0xc1 : 0x81) ^
				    (i % 7 == 0 ? 1u << (i % 8) : 0));
			b[3] = (u8)((i & 16 ? 0x42 : 0x40) ^
				    (i % 5 == 0 ? 1u << (i % 8) : 0));
			if (i % 3 == 0)
				b[0] = 0;
		}
		memset(&fast, 0x5a, sizeof(fast));
		rv = siw_iwarp_parse(b, i % 11 ? sizeof(b) : 15, 0, &full);
		if (!siw_iwarp_parse_tagged(b, i % 11 ? sizeof(b) : 15,
					    &fast)) {
			left++;
			continue;
		}
		taken++;
		if (rv || !same_scalars(&full, &fast))
			bad++;
	}
	is_num(bad, 0, "tagged fast parse: same header as siw_iwarp_parse()");
	ok(taken > 5000 && left > 5000,
	   "tagged fast parse: takes the common case, leaves the rest");
}

/* RFC 7306: wire images, AOpCodes, the Send-with-Immediate flag. */
static void test_ext(void)
{
	struct siw_iwarp_hdr h, back;
	struct siw_atomic_fields a;
	u8 b[128];
	int n;

	sample_hdr(&h, &ops[10]);
	n = siw_iwarp_build(&h, SIW_PARSE_EXT, b, sizeof(b));
	is_num(n, 72, "Atomic Request: 72 bytes with ULPDU_Length");
	ok(b[2 + 21] == SIW_ATOMIC_CMP_SWAP && siw_get_be32(b + 2 + 22) ==
	   0x0a0b0c0d && siw_get_be32(b + 2 + 26) == 0x66666666 &&
	   siw_get_be64(b + 2 + 30) == 0x7777777777777770ULL &&
	   siw_get_be64(b + 2 + 62) == 0xbbbbbbbbbbbbbbbbULL,
	   "Atomic Request: AOpCode, request id, STag, TO, compare mask");
	b[2 + 21] = 0x1;
	is_num(siw_iwarp_parse(b, (size_t)n, SIW_PARSE_EXT, &back),
	       SIW_ERR_OPCODE, "Atomic Request: reserved AOpCode refused");
	h.atomic.op = 0x3;
	is_num(siw_iwarp_build(&h, SIW_PARSE_EXT, b, sizeof(b)), -EINVAL,
	       "Atomic Request: build refuses a reserved AOpCode");

	sample_hdr(&h, &ops[11]);
	n = siw_iwarp_build(&h, SIW_PARSE_EXT, b, sizeof(b));
	ok(n == 32 && siw_get_be32(b + 2 + 6) == 3 &&
	   siw_get_be64(b + 2 + 22) == 0xfedcba9876543210ULL,
	   "Atomic Response: QN 3, original value");

	/* Send with Immediate: the flag only with EXT and on the last segment */
	sample_hdr(&h, &ops[3]);
	h.imm_next = true;
	siw_iwarp_build(&h, SIW_PARSE_EXT, b, sizeof(b));
	ok(b[3] == (0x43 | SIW_RDMAP_FLAG_IMM_NEXT), "Send: IMM_NEXT set");
	is_num(siw_iwarp_parse(b, sizeof(b), SIW_PARSE_EXT, &back), 0,
	       "Send with IMM_NEXT parses");
	ok(back.imm_next, "Send: IMM_NEXT seen with EXT");
	siw_iwarp_parse(b, sizeof(b), 0, &back);
	ok(!back.imm_next, "Send: IMM_NEXT ignored without EXT");
	siw_iwarp_build(&h, 0, b, sizeof(b));
	ok(b[3] == 0x43, "Send: IMM_NEXT not sent without EXT");
	h.last = false;
	siw_iwarp_build(&h, SIW_PARSE_EXT, b, sizeof(b));
	ok(b[3] == 0x43, "Send: IMM_NEXT only on the last segment");

	/* what the responder computes */
	memset(&a, 0, sizeof(a));
	a.op = SIW_ATOMIC_FETCH_ADD;
	a.add_swap = 5;
	is_num(siw_atomic_result(&a, 10) == 15, 1, "FetchAdd 10 + 5");
	a.add_swap = 1;
	ok(siw_atomic_result(&a, ~0ULL) == 0, "FetchAdd wraps modulo 2^64");
	a.add_swap_mask = 0x80000000ULL;	/* two 32 bit fields */
	ok(siw_atomic_result(&a, 0x00000001ffffffffULL) ==
	   0x0000000100000000ULL, "masked FetchAdd: carry stops at bit 31");
	a.add_swap = 0x0000000100000001ULL;
	ok(siw_atomic_result(&a, 0x00000001ffffffffULL) ==
	   0x0000000200000000ULL, "masked FetchAdd: both fields add");
	memset(&a, 0, sizeof(a));
	a.op = SIW_ATOMIC_CMP_SWAP;
	a.cmp = 7;
	a.add_swap = 9;
	a.cmp_mask = ~0ULL;
	a.add_swap_mask = ~0ULL;
	ok(siw_atomic_result(&a, 7) == 9, "CmpSwap: equal swaps");
	ok(siw_atomic_result(&a, 8) == 8, "CmpSwap: different keeps");
	a.cmp_mask = 0xff;
	a.add_swap_mask = 0xff00;
	a.cmp = 0x11;
	a.add_swap = 0xabcd;
	ok(siw_atomic_result(&a, 0x123411) == 0x12ab11,
	   "masked CmpSwap: compares low byte, swaps second byte");
}

void test_rdmap(void)
{
	diag("DDP/RDMAP headers");
	test_table();
	test_roundtrip();
	test_linux_images();
	test_errors();
	test_build_errors();
	test_qp_helpers();
	test_ext();
	test_fast_builders();
	test_fast_parse();
}
