// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Writes the seed corpora of the fuzz targets:
 *   corpus/fuzz_mpa/  MPA requests/replies as Linux siw sends them
 *   corpus/fuzz_ddp/  config bytes + FPDU streams (all opcodes,
 *                     with/without markers and CRC)
 *   corpus/fuzz_rdmap/ parameter prefix + one ULPDU per opcode, RFC
 *                     7306 headers, Terminates with each header count
 * Usage: gen_corpus <corpus dir>
 */
#include <stdio.h>
#include <stdlib.h>

#include "iwarp.h"

static const char *dir;

static void put(const char *target, int idx, const u8 *b, size_t len)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s/seed-%02d.bin", dir, target, idx);
	f = fopen(path, "wb");
	if (!f || fwrite(b, 1, len, f) != len || fclose(f)) {
		perror(path);
		exit(1);
	}
}

static void mpa_seeds(void)
{
	static u8 pd[100];
	struct siw_mpa_rr rr;
	u8 b[SIW_MPA_MAX_FRAME];
	int i = 0;

	memset(&rr, 0, sizeof(rr));
	rr.type = SIW_MPA_REQ;
	rr.rev = 1;
	put("fuzz_mpa", i++, b, (size_t)siw_mpa_encode(&rr, b, sizeof(b)));

	rr.rev = 2;
	rr.enhanced = true;
	rr.ird = 16;
	rr.ord = 8;
	put("fuzz_mpa", i++, b, (size_t)siw_mpa_encode(&rr, b, sizeof(b)));

	rr.crc = true;
	rr.p2p = true;
	rr.rtr = SIW_RTR_WRITE | SIW_RTR_READ;
	rr.pd = (const u8 *)"hi";
	rr.pd_len = 2;
	put("fuzz_mpa", i++, b, (size_t)siw_mpa_encode(&rr, b, sizeof(b)));

	rr.type = SIW_MPA_REP;
	rr.rtr = SIW_RTR_WRITE;
	put("fuzz_mpa", i++, b, (size_t)siw_mpa_encode(&rr, b, sizeof(b)));

	memset(&rr, 0, sizeof(rr));
	rr.type = SIW_MPA_REP;
	rr.rev = 2;
	rr.reject = true;
	put("fuzz_mpa", i++, b, (size_t)siw_mpa_encode(&rr, b, sizeof(b)));

	/*
	 * Enhanced requests with every RTR offer, followed by a byte the
	 * target reads as the responder's policy.
	 */
	for (int rtr = 0; rtr < 8; rtr++) {
		static const u8 pol[] = { 0x00, 0x15, 0x3a, 0x47, 0x81, 0xf6 };
		size_t n;

		memset(&rr, 0, sizeof(rr));
		rr.type = SIW_MPA_REQ;
		rr.rev = 2;
		rr.enhanced = true;
		rr.crc = rtr & 1;
		rr.p2p = rtr != 0;
		rr.rtr = (u8)rtr;
		rr.ird = (u16)rtr;
		rr.ord = (u16)(7 - rtr);
		n = (size_t)siw_mpa_encode(&rr, b, sizeof(b));
		b[n] = pol[rtr % sizeof(pol)];
		put("fuzz_mpa", i++, b, n + 1);
	}

	/*
	 * Replies for the initiator check, followed by two bytes the
	 * target reads as the initiator's policy.
	 */
	for (int v = 0; v < 8; v++) {
		static const u8 pol[][2] = {
			{ 0x41, 0x02 }, { 0x41, 0x04 }, { 0xc1, 0x4a },
			{ 0x01, 0x00 }, { 0x00, 0x00 }, { 0x59, 0x27 },
			{ 0x41, 0xe1 }, { 0x81, 0x12 },
		};
		size_t n;

		memset(&rr, 0, sizeof(rr));
		rr.type = SIW_MPA_REP;
		rr.rev = v == 3 || v == 4 ? 1 : 2;
		rr.enhanced = rr.rev == 2;
		rr.crc = v & 1;
		rr.markers = v == 5;
		rr.ext = v == 7;
		rr.p2p = v < 3 || v == 6;
		rr.rtr = rr.p2p ? (u8)(1 << (v % 3)) : 0;
		rr.ird = (u16)v;
		rr.ord = (u16)(v * 3);
		n = (size_t)siw_mpa_encode(&rr, b, sizeof(b));
		b[n] = pol[v][1];
		b[n + 1] = pol[v][0];
		put("fuzz_mpa", i++, b, n + 2);
	}

	memset(pd, 'p', sizeof(pd));
	memset(&rr, 0, sizeof(rr));
	rr.type = SIW_MPA_REQ;
	rr.rev = 1;
	rr.markers = true;
	rr.crc = true;
	rr.gso = true;
	rr.pd = pd;
	rr.pd_len = sizeof(pd);
	put("fuzz_mpa", i++, b, (size_t)siw_mpa_encode(&rr, b, sizeof(b)));
}

/* append one FPDU carrying header h plus payload_len filler bytes */
static size_t fpdu(u8 *out, u32 off, bool markers, bool crc,
		   const struct siw_iwarp_hdr *h)
{
	static u8 frame[8192];
	int n = siw_iwarp_build(h, SIW_PARSE_EXT, frame, sizeof(frame));

	if (n < 0)
		exit(2);
	memset(frame + n, 0x5a, h->payload_len);
	n = siw_fpdu_build(off, frame, (size_t)n + h->payload_len, markers,
			   crc, out, 4096);
	if (n < 0)
		exit(3);
	return (size_t)n;
}

static size_t stream(u8 *b, u8 cfg0, u8 cfg1, u32 big)
{
	bool markers = cfg0 & 1, crc = cfg0 & 2;
	u32 off = ((u32)(cfg0 >> 2) << 8 | cfg1) << 2;
	struct siw_term_code tc;
	struct siw_iwarp_hdr h;
	size_t len = 2;
	u8 t[128];
	int n;

	b[0] = cfg0;
	b[1] = cfg1;
	memset(&h, 0, sizeof(h));
	h.opcode = SIW_RDMAP_OP_SEND;
	h.last = true;
	h.msn = 1;
	h.payload_len = (u16)(big ? big : 4);
	n = (int)fpdu(b + len, off, markers, crc, &h);
	len += (size_t)n;
	off += (u32)n;

	memset(&h, 0, sizeof(h));
	h.opcode = SIW_RDMAP_OP_WRITE;
	h.stag = 0x1234;
	h.to = 0x1000;
	h.payload_len = 8;
	n = (int)fpdu(b + len, off, markers, crc, &h);
	len += (size_t)n;
	off += (u32)n;

	memset(&h, 0, sizeof(h));
	h.opcode = SIW_RDMAP_OP_READ_REQ;
	h.last = true;
	h.qn = SIW_QN_RREQ;
	h.msn = 1;
	h.rreq.sink_stag = 0xaa;
	h.rreq.sink_to = 0x2000;
	h.rreq.read_size = 64;
	h.rreq.src_stag = 0xbb;
	h.rreq.src_to = 0x3000;
	n = (int)fpdu(b + len, off, markers, crc, &h);
	len += (size_t)n;
	off += (u32)n;

	memset(&h, 0, sizeof(h));
	h.opcode = SIW_RDMAP_OP_READ_RESP;
	h.last = true;
	h.stag = 0xaa;
	h.to = 0x2000;
	h.payload_len = 16;
	n = (int)fpdu(b + len, off, markers, crc, &h);
	len += (size_t)n;
	off += (u32)n;

	memset(&h, 0, sizeof(h));
	h.opcode = SIW_RDMAP_OP_SEND_SE_INV;
	h.last = true;
	h.msn = 2;
	h.inval_stag = 0x3a01;
	n = (int)fpdu(b + len, off, markers, crc, &h);
	len += (size_t)n;
	off += (u32)n;

	/* a bare Terminate (CRC error) ends the stream */
	siw_err_to_term(SIW_ERR_CRC, &tc);
	n = siw_term_build(&tc, 0, NULL, 0, 0, 1, t, sizeof(t));
	n = siw_fpdu_build(off, t, (size_t)n, markers, crc, b + len, 4096);
	if (n < 0)
		exit(4);
	len += (size_t)n;
	return len;
}

static void ddp_seeds(void)
{
	static u8 b[16384];
	struct siw_iwarp_hdr h;
	struct siw_term_code tc;
	u8 t[128], seg[46];
	int i = 0, n;

	put("fuzz_ddp", i++, b, stream(b, 0, 0, 0));
	put("fuzz_ddp", i++, b, stream(b, 3, 0, 0));
	put("fuzz_ddp", i++, b, stream(b, 3, 125, 0));
	put("fuzz_ddp", i++, b, stream(b, 2, 0, 0));
	put("fuzz_ddp", i++, b, stream(b, 1, 1, 1400));
	put("fuzz_ddp", i++, b, stream(b, 3, 127, 3000));

	/* Terminate carrying a Read Request, CRC on */
	memset(&h, 0, sizeof(h));
	h.opcode = SIW_RDMAP_OP_READ_REQ;
	h.last = true;
	h.qn = SIW_QN_RREQ;
	h.rreq.read_size = 4096;
	siw_iwarp_build(&h, 0, t, sizeof(t));
	memcpy(seg, t + 2, sizeof(seg));
	siw_err_to_term(SIW_ERR_RDMAP_BASE_BOUNDS, &tc);
	n = siw_term_build(&tc, siw_term_hdrct(&tc, seg, sizeof(seg)), seg,
			   sizeof(seg), 0, 1, t, sizeof(t));
	b[0] = 2;
	b[1] = 0;
	n = siw_fpdu_build(0, t, (size_t)n, false, true, b + 2, 4096);
	put("fuzz_ddp", i++, b, (size_t)n + 2);

	/* RFC 7306 opcodes */
	memset(&h, 0, sizeof(h));
	h.opcode = SIW_RDMAP_OP_ATOMIC_REQ;
	h.last = true;
	h.qn = SIW_QN_RREQ;
	n = siw_iwarp_build(&h, SIW_PARSE_EXT, t, sizeof(t));
	b[0] = 0;
	b[1] = 0;
	n = siw_fpdu_build(0, t, (size_t)n, false, false, b + 2, 4096);
	memset(&h, 0, sizeof(h));
	h.opcode = SIW_RDMAP_OP_IMM_DATA_SE;
	h.last = true;
	h.qn = SIW_QN_SEND;
	put("fuzz_ddp", i++, b, (size_t)n + 2 +
	    fpdu(b + 2 + n, (u32)n, false, false, &h));
}

/*
 * fuzz_rdmap parameter prefix (see fuzz_rdmap.c for the layout): parse
 * flags and cut, an atomic target value, a header to build, a
 * Terminate to build, an error cause and an EMSS.
 */
static size_t rdmap_prefix(u8 *b, int i, bool ext, u8 cut)
{
	static const u8 ops[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
	u8 *p = b;

	memset(b, 0, 64);
	*p++ = ext;
	*p++ = cut;
	siw_put_be64(p, 0x00ff00ff12345678ULL * (u64)(i + 1));
	p += 8;
	*p++ = ops[i % sizeof(ops)];		/* header to build */
	*p++ = (u8)(1 | (i & 1 ? 2 : 0) | (i & 4 ? 8 : 0) | (i % 3) << 5);
	*p++ = (u8)(i & 3);
	siw_put_be16(p, (u16)(i * 16));
	p += 2;
	siw_put_be32(p, 0);
	p += 4;
	siw_put_be32(p, (u32)i + 1);
	p += 4;
	siw_put_be32(p, 0x1000u + (u32)i);
	p += 4;
	siw_put_be64(p, 0x2000u * (u64)i);
	p += 8;
	*p++ = (u8)(i & 1 ? 128 : 30 + i);	/* out_len */
	*p++ = (u8)(i % 3);			/* Terminate layer */
	*p++ = (u8)(i % 4);			/* etype */
	*p++ = (u8)i;				/* ecode */
	*p++ = (u8)(i & 1 ? 0x80 : i & 7);	/* hdrct, 0x80: derive */
	*p++ = 46;				/* segment length */
	siw_put_be16(p, (u16)(100 + i));
	p += 2;
	*p++ = 128;
	siw_put_be32(p, (u32)(i % (SIW_ERR_MAX + 2)) - 1);
	p += 4;
	siw_put_be16(p, (u16)(1460 + 512 * i));	/* EMSS */
	p += 2;
	siw_put_be32(p, (u32)i * 508);
	p += 4;
	*p++ = (u8)(i & 1);
	return 64;
}

static void rdmap_seeds(void)
{
	static u8 b[512];
	struct siw_term_code tc;
	struct siw_iwarp_hdr h;
	u8 seg[64];
	size_t n;
	int i = 0, op, rv;

	for (op = 0; op < 12; op++) {
		bool ext = op >= SIW_RDMAP_OP_IMM_DATA;

		n = rdmap_prefix(b, i, ext, 0);
		memset(&h, 0, sizeof(h));
		h.opcode = (u8)op;
		h.last = true;
		h.qn = siw_rdmap_opcode_info((u8)op)->qn;
		h.msn = 1;
		h.stag = 0x3a00 + (u32)op;
		h.to = 0x10000;
		h.inval_stag = 0x4b00;
		h.imm = 0x1122334455667788ULL;
		h.imm_next = op == SIW_RDMAP_OP_SEND;
		h.rreq.sink_stag = 0xaa;
		h.rreq.read_size = 4096;
		h.rreq.src_stag = 0xbb;
		h.atomic.op = op & 1 ? SIW_ATOMIC_CMP_SWAP : SIW_ATOMIC_FETCH_ADD;
		h.atomic.req_id = 9;
		h.atomic.add_swap = 0x0101010101010101ULL;
		h.atomic.add_swap_mask = 0x8080808080808080ULL;
		h.atomic.cmp = 0x00ff00ff12345678ULL;
		h.atomic.cmp_mask = ~0ULL;
		h.atomic.orig = 42;
		if (op == SIW_RDMAP_OP_TERMINATE)
			continue;
		if (!(siw_rdmap_opcode_info((u8)op)->flags & SIW_OPF_NO_PAYLOAD))
			h.payload_len = 48;
		rv = siw_iwarp_build(&h, SIW_PARSE_EXT, b + n, sizeof(b) - n);
		if (rv < 0)
			exit(5);
		memset(b + n + rv, 0x5a, h.payload_len);
		put("fuzz_rdmap", i++, b, n + (size_t)rv + h.payload_len);
		/* the same cut short */
		rdmap_prefix(b, i, ext, (u8)(rv / 2));
		put("fuzz_rdmap", i++, b, n + (size_t)rv + h.payload_len);
	}

	/* Terminates with every header count the RX path sends */
	memset(&h, 0, sizeof(h));
	h.opcode = SIW_RDMAP_OP_READ_REQ;
	h.last = true;
	h.qn = SIW_QN_RREQ;
	h.rreq.read_size = 64;
	siw_iwarp_build(&h, 0, seg, sizeof(seg));
	for (int cause = 1; cause < SIW_ERR_MAX; cause += 3) {
		u8 hc;

		n = rdmap_prefix(b, i, false, 0);
		siw_err_to_term(cause, &tc);
		hc = siw_term_hdrct(&tc, seg + 2, 46);
		rv = siw_term_build(&tc, hc, seg + 2, 46, 46, 3, b + n,
				    sizeof(b) - n);
		if (rv < 0)
			exit(6);
		put("fuzz_rdmap", i++, b, n + (size_t)rv);
	}
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s <corpus dir>\n", argv[0]);
		return 1;
	}
	dir = argv[1];
	mpa_seeds();
	ddp_seeds();
	rdmap_seeds();
	return 0;
}
