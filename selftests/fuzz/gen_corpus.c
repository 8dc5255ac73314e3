// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Writes the seed corpora of the fuzz targets:
 *   corpus/fuzz_mpa/  MPA requests/replies as Linux siw sends them
 *   corpus/fuzz_ddp/  config bytes + FPDU streams (all opcodes,
 *                     with/without markers and CRC)
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

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s <corpus dir>\n", argv[0]);
		return 1;
	}
	dir = argv[1];
	mpa_seeds();
	ddp_seeds();
	return 0;
}
