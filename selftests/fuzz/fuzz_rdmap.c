// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target: DDP/RDMAP headers (RFC 5040/5041), the RFC 7306
 * Atomic Request/Response and Immediate Data headers, Terminate build
 * and parse, and the stateless helpers the RX path applies to peer
 * values (MSN, MO, tagged bounds, MULPDU, FPDU layout).
 *
 * Input: a fixed PREFIX_LEN byte prefix of parameters (zero padded if
 * the input is shorter), then a raw ULPDU starting at ULPDU_Length.
 * Invariants:
 *  - the raw ULPDU parses to 0, -EAGAIN (only when cut short) or a
 *    cause with a well-formed Terminate; an accepted header rebuilds
 *    and parses back to the same fields, with and without the RFC 7306
 *    extensions enabled;
 *  - a header built from arbitrary fields either fails with a caller
 *    errno or parses back to those fields;
 *  - a Terminate built from arbitrary codes, header counts and segment
 *    either fails with -EINVAL/-ENOSPC or parses back unchanged;
 *  - Fetch-and-Add with masks matches a field-by-field model,
 *    Compare-and-Swap only changes the swap-masked bits on a match;
 *  - the bounds checks agree with 128 bit arithmetic, MULPDU is the
 *    largest ULPDU whose FPDU fits the segment at any stream offset.
 */
#include "fuzz_common.h"
#include "fuzz_term.h"

#define PREFIX_LEN	64

/* Little cursor over the parameter prefix. */
struct rd {
	const u8 *p;
	size_t off;
};

static u8 get8(struct rd *r)
{
	return r->p[r->off++];
}

static u16 get16(struct rd *r)
{
	u16 v = siw_get_be16(r->p + r->off);

	r->off += 2;
	return v;
}

static u32 get32(struct rd *r)
{
	u32 v = siw_get_be32(r->p + r->off);

	r->off += 4;
	return v;
}

static u64 get64(struct rd *r)
{
	u64 v = siw_get_be64(r->p + r->off);

	r->off += 8;
	return v;
}

static bool is_cause(int rv)
{
	return rv > 0 && rv < SIW_ERR_MAX;
}

/* Fields a parse of h's build must give back. */
static void check_same_hdr(const struct siw_iwarp_hdr *a,
			   const struct siw_iwarp_hdr *b)
{
	const struct siw_opcode_info *oi = siw_rdmap_opcode_info(a->opcode);

	CHECK(oi && a->opcode == b->opcode && a->last == b->last);
	CHECK(b->hdr_len == oi->hdr_len);
	CHECK(b->tagged == !!(oi->flags & SIW_OPF_TAGGED));
	CHECK(a->payload_len == b->payload_len);
	if (b->tagged) {
		CHECK(a->stag == b->stag && a->to == b->to);
		return;
	}
	CHECK(a->qn == b->qn && a->msn == b->msn && a->mo == b->mo);
	if (oi->flags & SIW_OPF_INVAL)
		CHECK(a->inval_stag == b->inval_stag);
	switch (a->opcode) {
	case SIW_RDMAP_OP_READ_REQ:
		CHECK(!memcmp(&a->rreq, &b->rreq, sizeof(a->rreq)));
		break;
	case SIW_RDMAP_OP_IMM_DATA:
	case SIW_RDMAP_OP_IMM_DATA_SE:
		CHECK(a->imm == b->imm);
		break;
	case SIW_RDMAP_OP_ATOMIC_REQ:
		CHECK(a->atomic.op == b->atomic.op &&
		      a->atomic.req_id == b->atomic.req_id &&
		      a->atomic.stag == b->atomic.stag &&
		      a->atomic.to == b->atomic.to &&
		      a->atomic.add_swap == b->atomic.add_swap &&
		      a->atomic.add_swap_mask == b->atomic.add_swap_mask &&
		      a->atomic.cmp == b->atomic.cmp &&
		      a->atomic.cmp_mask == b->atomic.cmp_mask);
		break;
	case SIW_RDMAP_OP_ATOMIC_RESP:
		CHECK(a->atomic.req_id == b->atomic.req_id &&
		      a->atomic.orig == b->atomic.orig);
		break;
	}
}

/* Fetch-and-Add reference: each field ends at a set mask bit. */
static u64 fadd_model(u64 orig, u64 add, u64 mask)
{
	u64 r = 0, fm;
	int lo = 0, i;

	for (i = 0; i < 64; i++) {
		if (!(mask & (1ULL << i)) && i != 63)
			continue;
		fm = (i == 63 ? ~0ULL : (2ULL << i) - 1) & ~((1ULL << lo) - 1);
		r |= ((orig & fm) + (add & fm)) & fm;
		lo = i + 1;
	}
	return r;
}

static void check_atomic(const struct siw_atomic_fields *a, u64 orig)
{
	u64 r = siw_atomic_result(a, orig);

	if (a->op == SIW_ATOMIC_FETCH_ADD) {
		CHECK(r == fadd_model(orig, a->add_swap, a->add_swap_mask));
		return;
	}
	/* Compare-and-Swap: bits outside the swap mask never change */
	CHECK(!((r ^ orig) & ~a->add_swap_mask));
	if ((orig ^ a->cmp) & a->cmp_mask)
		CHECK(r == orig);
	else
		CHECK(!((r ^ a->add_swap) & a->add_swap_mask));
}

/* Parse a raw ULPDU of which only len bytes are there. */
static void check_parse(const u8 *f, size_t len, size_t full,
			unsigned int flags, u64 orig)
{
	struct siw_iwarp_hdr h, h2, hx;
	struct siw_term_msg tm;
	u8 b[128];
	int rv, n;

	/* anything may claim to be a Terminate, even cut short */
	rv = siw_term_parse(f, len, &tm);
	CHECK(rv <= 0 || is_cause(rv));
	CHECK(rv != -EAGAIN || len < full || len < SIW_MPA_LEN_SIZE + 4u ||
	      len < SIW_MPA_LEN_SIZE + (size_t)siw_get_be16(f));

	rv = siw_iwarp_parse(f, len, flags, &h);
	/* the RX fast path's parse takes only what the full one accepts */
	if (siw_iwarp_parse_tagged(f, len, &hx)) {
		CHECK(rv == 0 && h.tagged && hx.tagged);
		CHECK(hx.opcode == h.opcode && hx.last == h.last &&
		      hx.hdr_len == h.hdr_len && hx.ulpdu_len == h.ulpdu_len &&
		      hx.payload_len == h.payload_len && hx.stag == h.stag &&
		      hx.to == h.to && !hx.qn && !hx.msn && !hx.mo &&
		      !hx.inval_stag && !hx.imm_next && !hx.imm);
	}
	if (rv == -EAGAIN) {
		CHECK(len < SIW_MPA_LEN_SIZE + 2 ||
		      len < SIW_MPA_LEN_SIZE + (size_t)h.hdr_len);
		return;
	}
	if (rv) {
		CHECK(is_cause(rv));
		/* as the RX path: report what there is of the segment */
		check_terminate_for(rv, len > 2 ? f + 2 : NULL,
				    len > 2 ? len - 2 : 0);
		return;
	}
	CHECK(!(siw_rdmap_opcode_info(h.opcode)->flags & SIW_OPF_EXT) ||
	      (flags & SIW_PARSE_EXT));
	CHECK(strcmp(siw_rdmap_opcode_name(h.opcode), "UNKNOWN"));
	CHECK(h.payload_len + (u32)h.hdr_len == h.ulpdu_len);
	CHECK(!h.imm_next || ((flags & SIW_PARSE_EXT) && h.last));

	/* what the base protocol accepts, the extended one accepts too */
	if (!(flags & SIW_PARSE_EXT)) {
		CHECK(siw_iwarp_parse(f, len, SIW_PARSE_EXT, &hx) == 0);
		hx.imm_next = false;
		CHECK(!memcmp(&h, &hx, sizeof(h)));
	}

	n = siw_iwarp_build(&h, flags, b, sizeof(b));
	CHECK(n == SIW_MPA_LEN_SIZE + h.hdr_len);
	CHECK(siw_iwarp_parse(b, (size_t)n, flags, &h2) == 0);
	CHECK(!memcmp(&h, &h2, sizeof(h)));

	if (h.opcode == SIW_RDMAP_OP_ATOMIC_REQ)
		check_atomic(&h.atomic, orig);
	if (h.opcode == SIW_RDMAP_OP_TERMINATE && len == full &&
	    full >= SIW_MPA_LEN_SIZE + (size_t)h.ulpdu_len)
		check_terminate_msg(f, SIW_MPA_LEN_SIZE + h.ulpdu_len);
}

/*
 * The TX path's direct builders: where they build, the same bytes as
 * siw_iwarp_build() (@n, @b) for the same fields.
 */
static void check_fast_build(const struct siw_iwarp_hdr *h,
			     unsigned int flags, int n, const u8 *b)
{
	const struct siw_opcode_info *oi = siw_rdmap_opcode_info(h->opcode);
	u8 f[SIW_MPA_LEN_SIZE + SIW_DDP_UNTAGGED_HDR_LEN];
	int m;

	if (oi && (oi->flags & SIW_OPF_TAGGED))
		m = siw_iwarp_build_tagged(f, h->opcode, h->last, h->stag,
					   h->to, h->payload_len);
	else
		m = siw_iwarp_build_send(f, h->opcode, h->last,
					 h->inval_stag, h->msn, h->mo,
					 h->payload_len);
	if (m == -EINVAL) {
		CHECK(!oi || (!(oi->flags & SIW_OPF_TAGGED) &&
			      (oi->qn != SIW_QN_SEND ||
			       (oi->flags & SIW_OPF_EXT))));
		return;
	}
	if (m == -EMSGSIZE) {
		CHECK(n == -EMSGSIZE || n == -ENOSPC);
		return;
	}
	CHECK(m == SIW_MPA_LEN_SIZE + oi->hdr_len);
	/* qn and the Send-with-Immediate flag: only what the generic took */
	if (n != m || (!(oi->flags & SIW_OPF_TAGGED) && h->qn != oi->qn) ||
	    (h->imm_next && (flags & SIW_PARSE_EXT)))
		return;
	CHECK(!memcmp(f, b, (size_t)m));
}

/* A header from arbitrary fields: a caller errno or a faithful build. */
static void check_build(struct rd *r, unsigned int flags)
{
	const struct siw_opcode_info *oi;
	struct siw_iwarp_hdr h, back;
	u8 b[128], bits, qn;
	size_t out_len;
	u32 mo;
	int n, rv;

	memset(&h, 0, sizeof(h));
	h.opcode = get8(r);
	bits = get8(r);
	h.last = bits & 1;
	h.imm_next = bits & 2;
	/* mostly the right queue and MO, so that builds get through */
	qn = get8(r);
	oi = siw_rdmap_opcode_info(h.opcode);
	h.qn = bits & 4 || !oi ? qn : oi->qn;
	h.payload_len = get16(r);
	if (bits & 8)
		h.payload_len &= 0x3f;
	mo = get32(r);
	h.mo = bits & 16 ? mo : 0;
	h.msn = get32(r);
	h.stag = get32(r);
	h.to = get64(r);
	h.inval_stag = h.stag ^ 0x5a5a5a5a;
	h.imm = h.to ^ h.msn;
	h.rreq.sink_stag = h.stag;
	h.rreq.sink_to = h.to;
	h.rreq.read_size = h.msn;
	h.rreq.src_stag = h.inval_stag;
	h.rreq.src_to = ~h.to;
	h.atomic.op = bits >> 5;
	h.atomic.req_id = h.msn;
	h.atomic.stag = h.stag;
	h.atomic.to = h.to;
	h.atomic.add_swap = h.imm;
	h.atomic.add_swap_mask = ~h.to;
	h.atomic.cmp = h.to;
	h.atomic.cmp_mask = h.imm;
	h.atomic.orig = ~h.imm;
	out_len = get8(r);

	n = siw_iwarp_build(&h, flags, b, out_len < sizeof(b) ? out_len :
			    sizeof(b));
	check_fast_build(&h, flags, n, b);
	if (n < 0) {
		CHECK(n == -EINVAL || n == -EMSGSIZE || n == -ENOSPC);
		return;
	}
	/* whatever was built must be what the receiver takes */
	rv = siw_iwarp_parse(b, (size_t)n, flags, &back);
	CHECK(rv == 0);
	h.imm_next = h.imm_next && h.last && (flags & SIW_PARSE_EXT) &&
		     oi->qn == SIW_QN_SEND && !(oi->flags & SIW_OPF_EXT);
	CHECK(back.imm_next == h.imm_next);
	check_same_hdr(&h, &back);
}

/* A Terminate from arbitrary codes and the raw bytes as segment. */
static void check_term_build(struct rd *r, const u8 *seg, size_t seg_avail)
{
	struct siw_term_code tc;
	struct siw_term_msg tm;
	u8 t[128], hdrct, rdma_len;
	size_t seg_len, out_len, need;
	u16 seg_field;
	int n;

	tc.layer = get8(r);
	tc.etype = get8(r);
	tc.ecode = get8(r);
	hdrct = get8(r);
	seg_len = get8(r);
	seg_field = get16(r);
	out_len = get8(r);
	if (seg_len > seg_avail)
		seg_len = seg_avail;
	if (out_len > sizeof(t))
		out_len = sizeof(t);

	siw_term_layer_name(tc.layer);
	siw_term_etype_name(tc.layer, tc.etype);
	siw_term_ecode_name(tc.layer, tc.etype, tc.ecode);
	/*
	 * Mostly the header count the RX path would pick for the code,
	 * sometimes an arbitrary one.
	 */
	if (hdrct & 0x80) {
		u8 hc = siw_term_hdrct(&tc, seg_len ? seg : NULL, seg_len);

		CHECK(!(hc & ~(SIW_TERM_HDRCT_M | SIW_TERM_HDRCT_D |
			       SIW_TERM_HDRCT_R)));
		if (hc)
			hdrct = hc;
	}

	n = siw_term_build(&tc, hdrct, seg_len ? seg : NULL, seg_len,
			   seg_field, 7, t, out_len);
	if (n < 0) {
		CHECK(n == -EINVAL || n == -ENOSPC);
		return;
	}
	rdma_len = hdrct & SIW_TERM_HDRCT_R ? SIW_RREQ_HDR_LEN : 0;
	need = SIW_MPA_LEN_SIZE + SIW_DDP_UNTAGGED_HDR_LEN +
	       SIW_TERM_CTRL_LEN + rdma_len;
	if (hdrct & SIW_TERM_HDRCT_D)
		need += SIW_TERM_SEGLEN_LEN +
			(seg[0] & SIW_DDP_FLAG_T ? SIW_DDP_TAGGED_HDR_LEN :
			 SIW_DDP_UNTAGGED_HDR_LEN);
	CHECK((size_t)n == need && need <= out_len);
	CHECK(siw_term_parse(t, (size_t)n, &tm) == 0);
	CHECK(tm.code.layer == tc.layer && tm.code.etype == tc.etype &&
	      tm.code.ecode == tc.ecode && tm.hdrct == hdrct && tm.msn == 7);
	CHECK(tm.ddp_seg_len == (hdrct & SIW_TERM_HDRCT_M ? seg_field : 0));
	CHECK(!tm.ddp_hdr_len || !memcmp(tm.ddp_hdr, seg, tm.ddp_hdr_len));
	CHECK(tm.rdma_hdr_len == rdma_len);
	CHECK(!rdma_len || !memcmp(tm.rdma_hdr,
				   seg + SIW_DDP_UNTAGGED_HDR_LEN, rdma_len));
}

/* Error cause helpers for any int, causes or not. */
static void check_causes(struct rd *r)
{
	struct siw_term_code tc;
	int cause = (int)get32(r), rv;

	rv = siw_err_to_term(cause, &tc);
	CHECK(rv == (is_cause(cause) ? 0 : -EINVAL));
	CHECK(siw_err_to_errno(cause) <= 0);
	CHECK(cause > 0 || siw_err_to_errno(cause) == cause);
	CHECK(!strcmp(siw_err_name(cause), "UNKNOWN") ==
	      (cause != SIW_ERR_NONE && !is_cause(cause)));
}

/* Peer values through the QP layer's stateless checks. */
static void check_bounds(struct rd *r)
{
	u32 msn = get32(r), exp = get32(r), nbufs = get32(r);
	u32 mo = get32(r), seg = get32(r), buf = get32(r);
	u64 to = get64(r), base = get64(r), size = get64(r);
	/* compared against arithmetic that cannot wrap */
	__uint128_t end = (__uint128_t)to + seg;
	int rv;

	rv = siw_ddp_check_msn(msn, exp, nbufs);
	CHECK((rv == 0) == (msn - exp < nbufs));
	CHECK(rv == 0 || rv == SIW_ERR_NO_RECV_BUF || rv == SIW_ERR_MSN_RANGE);
	CHECK(rv != SIW_ERR_MSN_RANGE || msn - exp >= 0x80000000U);

	rv = siw_ddp_check_mo(mo, seg, buf);
	CHECK((rv == 0) == ((u64)mo + seg <= buf));
	CHECK(rv != SIW_ERR_MO || mo > buf);
	CHECK(rv == 0 || rv == SIW_ERR_MO || rv == SIW_ERR_MSG_TOO_BIG);

	rv = siw_ddp_check_tagged(to, seg, base, size);
	if (end > ~0ULL) {
		CHECK(rv == SIW_ERR_TO_WRAP);
		return;
	}
	CHECK((rv == 0) == (to >= base &&
			    end <= (__uint128_t)base + size));
	CHECK(rv == 0 || rv == SIW_ERR_BASE_BOUNDS);
}

/* MULPDU is the largest ULPDU an EMSS sized segment carries. */
static void check_mulpdu(struct rd *r)
{
	u32 emss = get16(r), off = get32(r) & ~3U, overhead;
	bool markers = get8(r) & 1;
	struct siw_fpdu_layout fl;
	int m;

	m = siw_mpa_mulpdu(emss, markers);
	overhead = (markers ? 4 * ((emss + 511) / 512) : 0) + (emss & 3) + 6;
	if (emss <= overhead) {
		CHECK(m == -EINVAL);
		return;
	}
	CHECK(m > 0 && m <= SIW_MPA_ULPDU_MAX);
	CHECK(siw_fpdu_layout(off, (u32)m, markers, &fl) == 0);
	CHECK(fl.wire_len <= emss);
	if (m < SIW_MPA_ULPDU_MAX)
		CHECK(siw_fpdu_len((u32)m + 1) +
		      (markers ? 4 * ((emss + 511) / 512) : 0) > emss);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static u8 prefix[PREFIX_LEN];
	struct rd r = { .p = prefix };
	const u8 *f = data + PREFIX_LEN;
	size_t full, len;
	unsigned int flags;
	u64 orig;
	u8 cut;

	memset(prefix, 0, sizeof(prefix));
	memcpy(prefix, data, size < PREFIX_LEN ? size : PREFIX_LEN);
	full = size > PREFIX_LEN ? size - PREFIX_LEN : 0;

	flags = get8(&r) & 1 ? SIW_PARSE_EXT : 0;
	cut = get8(&r);
	orig = get64(&r);
	len = cut && cut < full ? cut : full;
	if (full)
		check_parse(f, len, full, flags, orig);

	check_build(&r, flags);		/* 24 bytes */
	check_term_build(&r, f, full);	/* 8 bytes */
	check_causes(&r);		/* 4 bytes */
	check_mulpdu(&r);		/* 7 bytes */
	CHECK(r.off <= PREFIX_LEN);
	/* the bounds take 48 bytes: from the frame, if there is one */
	if (full >= 48) {
		struct rd b = { .p = f };

		check_bounds(&b);
	}
	return 0;
}
