// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Terminate: cause mapping, names, build/parse, Linux images. */
#include "unit.h"

/* RFC 5040 sec 7.2, RFC 5041 sec 7.2, RFC 5044 sec 8, RFC 6581 sec 9 */
static const struct {
	int cause;
	u8 layer, etype, ecode;
	int err;
	const char *name;
} expect[] = {
	{ SIW_ERR_STREAM_LOST, 2, 0, 0x01, -ECONNRESET, "STREAM_LOST" },
	{ SIW_ERR_CRC, 2, 0, 0x02, -EBADMSG, "CRC" },
	{ SIW_ERR_MARKER, 2, 0, 0x03, -EPROTO, "MARKER" },
	{ SIW_ERR_MPA_LEN, 2, 0, 0x03, -EPROTO, "MPA_LEN" },
	{ SIW_ERR_MPA_REQ_REP, 2, 0, 0x04, -EPROTO, "MPA_REQ_REP" },
	{ SIW_ERR_MPA_LOCAL, 2, 0, 0x05, -EIO, "MPA_LOCAL" },
	{ SIW_ERR_MPA_IRD, 2, 0, 0x06, -ENOMEM, "MPA_IRD" },
	{ SIW_ERR_MPA_RTR, 2, 0, 0x07, -EPROTO, "MPA_RTR" },
	{ SIW_ERR_STAG_INVALID, 1, 1, 0x00, -EACCES, "STAG_INVALID" },
	{ SIW_ERR_BASE_BOUNDS, 1, 1, 0x01, -EACCES, "BASE_BOUNDS" },
	{ SIW_ERR_STAG_NOT_ASSOC, 1, 1, 0x02, -EACCES, "STAG_NOT_ASSOC" },
	{ SIW_ERR_TO_WRAP, 1, 1, 0x03, -EACCES, "TO_WRAP" },
	{ SIW_ERR_DDP_VERSION_T, 1, 1, 0x04, -EPROTO, "DDP_VERSION_T" },
	{ SIW_ERR_QN, 1, 2, 0x01, -EPROTO, "QN" },
	{ SIW_ERR_NO_RECV_BUF, 1, 2, 0x02, -ENOBUFS, "NO_RECV_BUF" },
	{ SIW_ERR_MSN_RANGE, 1, 2, 0x03, -EPROTO, "MSN_RANGE" },
	{ SIW_ERR_MO, 1, 2, 0x04, -EPROTO, "MO" },
	{ SIW_ERR_MSG_TOO_BIG, 1, 2, 0x05, -EMSGSIZE, "MSG_TOO_BIG" },
	{ SIW_ERR_DDP_VERSION, 1, 2, 0x06, -EPROTO, "DDP_VERSION" },
	{ SIW_ERR_DDP_LOCAL, 1, 0, 0x00, -EIO, "DDP_LOCAL" },
	{ SIW_ERR_RDMAP_LOCAL, 0, 0, 0x00, -EIO, "RDMAP_LOCAL" },
	{ SIW_ERR_RDMAP_STAG_INVALID, 0, 1, 0x00, -EACCES,
	  "RDMAP_STAG_INVALID" },
	{ SIW_ERR_RDMAP_BASE_BOUNDS, 0, 1, 0x01, -EACCES,
	  "RDMAP_BASE_BOUNDS" },
	{ SIW_ERR_ACCESS, 0, 1, 0x02, -EACCES, "ACCESS" },
	{ SIW_ERR_RDMAP_STAG_NOT_ASSOC, 0, 1, 0x03, -EACCES,
	  "RDMAP_STAG_NOT_ASSOC" },
	{ SIW_ERR_RDMAP_TO_WRAP, 0, 1, 0x04, -EACCES, "RDMAP_TO_WRAP" },
	{ SIW_ERR_INVALIDATE_PROT, 0, 1, 0x09, -EACCES, "INVALIDATE_PROT" },
	{ SIW_ERR_RDMAP_VERSION, 0, 2, 0x05, -EPROTO, "RDMAP_VERSION" },
	{ SIW_ERR_OPCODE, 0, 2, 0x06, -EPROTO, "OPCODE" },
	{ SIW_ERR_OPCODE_TBIT, 0, 2, 0x06, -EPROTO, "OPCODE_TBIT" },
	{ SIW_ERR_NO_RREQ, 0, 2, 0x07, -EPROTO, "NO_RREQ" },
	{ SIW_ERR_IRD_EXCEEDED, 0, 2, 0x07, -EPROTO, "IRD_EXCEEDED" },
	{ SIW_ERR_INVALIDATE_OP, 0, 2, 0x09, -EPROTO, "INVALIDATE_OP" },
	{ SIW_ERR_STREAM_CATASTROPHIC, 0, 2, 0x07, -EIO,
	  "STREAM_CATASTROPHIC" },
	{ SIW_ERR_GLOBAL_CATASTROPHIC, 0, 2, 0x08, -EIO,
	  "GLOBAL_CATASTROPHIC" },
	{ SIW_ERR_UNSPECIFIED, 0, 2, 0xff, -EPROTO, "UNSPECIFIED" },
};

#define NEXPECT (sizeof(expect) / sizeof(expect[0]))

/* offending segments, from the DDP control byte on */
static const u8 seg_write[14 + 8] = {
	0xc1, 0x40, 0x00, 0x00, 0x12, 0x34,
	0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x10, 0x00,
	1, 2, 3, 4, 5, 6, 7, 8,
};
static const u8 seg_send[18] = {
	0x41, 0x46, 0x00, 0x00, 0x3a, 0x01, 0, 0, 0, 0, 0, 0, 0, 7,
	0, 0, 0, 0,
};
static const u8 seg_rreq[46] = {
	0x41, 0x41, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 3, 0, 0, 0, 0,
	0xaa, 0xbb, 0xcc, 0xdd, 0, 0, 0x7f, 0, 0, 0, 0, 0x40,
	0, 1, 0, 0, 1, 2, 3, 4, 0, 0, 0, 0, 0, 0, 0x20, 0,
};

static void test_mapping(void)
{
	struct siw_term_code tc;
	unsigned int i, j, dup = 0;

	is_num(SIW_ERR_MAX - 1, NEXPECT, "every cause has an expectation");
	for (i = 0; i < NEXPECT; i++) {
		int rv = siw_err_to_term(expect[i].cause, &tc);

		ok(!rv && tc.layer == expect[i].layer &&
		   tc.etype == expect[i].etype && tc.ecode == expect[i].ecode,
		   "%s -> layer %u etype %u ecode 0x%02x", expect[i].name,
		   expect[i].layer, expect[i].etype, expect[i].ecode);
		is_str(siw_err_name(expect[i].cause), expect[i].name,
		       "name of cause %d", expect[i].cause);
		is_num(siw_err_to_errno(expect[i].cause), expect[i].err,
		       "errno of %s", expect[i].name);
		for (j = 0; j < i; j++)
			dup += expect[i].cause == expect[j].cause;
	}
	is_num(dup, 0, "no cause listed twice");
	is_num(siw_err_to_term(SIW_ERR_NONE, &tc), -EINVAL, "NONE: no code");
	is_num(siw_err_to_term(SIW_ERR_MAX, &tc), -EINVAL, "MAX: no code");
	is_num(siw_err_to_term(-EINVAL, &tc), -EINVAL, "errno: no code");
	is_num(siw_err_to_term(SIW_ERR_CRC, NULL), -EINVAL, "NULL code");
	is_str(siw_err_name(SIW_ERR_NONE), "NONE", "name of NONE");
	is_str(siw_err_name(SIW_ERR_MAX), "UNKNOWN", "name past the end");
	is_str(siw_err_name(-5), "UNKNOWN", "name of an errno");
	is_num(siw_err_to_errno(0), 0, "errno of 0");
	is_num(siw_err_to_errno(-EAGAIN), -EAGAIN, "errno passes through");
	is_num(siw_err_to_errno(SIW_ERR_MAX), -EINVAL, "errno of a non-cause");
}

static void test_names(void)
{
	struct siw_term_code tc;
	unsigned int i, bad = 0;

	is_str(siw_term_layer_name(0), "RDMAP", "layer 0");
	is_str(siw_term_layer_name(1), "DDP", "layer 1");
	is_str(siw_term_layer_name(2), "LLP", "layer 2");
	is_str(siw_term_layer_name(3), "unknown", "layer 3");
	is_str(siw_term_etype_name(0, 1), "remote protection", "RDMAP etype 1");
	is_str(siw_term_etype_name(1, 2), "untagged buffer", "DDP etype 2");
	is_str(siw_term_etype_name(2, 0), "MPA", "LLP etype 0");
	is_str(siw_term_etype_name(2, 1), "unknown", "LLP etype 1");
	is_str(siw_term_etype_name(0, 3), "unknown", "RDMAP etype 3");
	is_str(siw_term_ecode_name(2, 0, 2), "CRC error", "LLP CRC");
	is_str(siw_term_ecode_name(2, 0, 7), "no matching RTR", "LLP RTR");
	is_str(siw_term_ecode_name(1, 1, 4), "invalid DDP version",
	       "DDP tagged version");
	is_str(siw_term_ecode_name(1, 2, 5), "message too long for buffer",
	       "DDP untagged too long");
	is_str(siw_term_ecode_name(1, 2, 0), "unknown", "DDP untagged 0");
	is_str(siw_term_ecode_name(0, 2, 6), "unexpected opcode",
	       "RDMAP opcode");
	is_str(siw_term_ecode_name(0, 1, 0xff), "unspecified",
	       "RDMAP unspecified");
	is_str(siw_term_ecode_name(0, 2, 0x0a), "unknown", "RDMAP 0x0a");
	is_str(siw_term_ecode_name(9, 0, 0), "unknown", "layer 9");
	/* every cause's code has a proper name */
	for (i = 1; i < SIW_ERR_MAX; i++) {
		siw_err_to_term((int)i, &tc);
		if (!strcmp(siw_term_ecode_name(tc.layer, tc.etype, tc.ecode),
			    "unknown") ||
		    !strcmp(siw_term_etype_name(tc.layer, tc.etype),
			    "unknown"))
			bad++;
	}
	is_num(bad, 0, "all mapped codes have names");
}

static void test_hdrct(void)
{
	struct siw_term_code tc;
	const u8 md = SIW_TERM_HDRCT_M | SIW_TERM_HDRCT_D;

	siw_err_to_term(SIW_ERR_CRC, &tc);
	is_num(siw_term_hdrct(&tc, seg_send, 18), 0, "LLP: no headers");
	siw_err_to_term(SIW_ERR_DDP_VERSION_T, &tc);
	is_num(siw_term_hdrct(&tc, seg_write, 22), 0, "tagged version: none");
	siw_err_to_term(SIW_ERR_DDP_VERSION, &tc);
	is_num(siw_term_hdrct(&tc, seg_send, 18), 0, "untagged version: none");
	siw_err_to_term(SIW_ERR_BASE_BOUNDS, &tc);
	is_num(siw_term_hdrct(&tc, seg_write, 22), md, "DDP tagged: M|D");
	siw_err_to_term(SIW_ERR_DDP_LOCAL, &tc);
	is_num(siw_term_hdrct(&tc, seg_send, 18), md, "DDP local: M|D");
	siw_err_to_term(SIW_ERR_RDMAP_LOCAL, &tc);
	is_num(siw_term_hdrct(&tc, seg_send, 18), 0, "RDMAP local: none");
	siw_err_to_term(SIW_ERR_ACCESS, &tc);
	is_num(siw_term_hdrct(&tc, seg_rreq, 46), md | SIW_TERM_HDRCT_R,
	       "RDMAP protection on Read Request: M|D|R");
	is_num(siw_term_hdrct(&tc, seg_rreq, 45), md,
	       "... R only with the whole Read Request header");
	siw_err_to_term(SIW_ERR_MSN_RANGE, &tc);
	is_num(siw_term_hdrct(&tc, seg_rreq, 46), md | SIW_TERM_HDRCT_R,
	       "DDP error on Read Request: M|D|R, as Linux siw reads it");
	siw_err_to_term(SIW_ERR_IRD_EXCEEDED, &tc);
	is_num(siw_term_hdrct(&tc, seg_rreq, 46), md | SIW_TERM_HDRCT_R,
	       "RDMAP operation error on Read Request: M|D|R");
	is_num(siw_term_hdrct(&tc, seg_send, 18), md,
	       "RDMAP protection on Send: M|D");
	siw_err_to_term(SIW_ERR_OPCODE, &tc);
	is_num(siw_term_hdrct(&tc, seg_send, 18), 0, "opcode: none");
	siw_err_to_term(SIW_ERR_RDMAP_VERSION, &tc);
	is_num(siw_term_hdrct(&tc, seg_send, 18), 0, "RDMAP version: none");
	siw_err_to_term(SIW_ERR_STREAM_CATASTROPHIC, &tc);
	is_num(siw_term_hdrct(&tc, seg_send, 18), md,
	       "RDMAP remote operation: M|D");
	is_num(siw_term_hdrct(&tc, NULL, 0), 0, "no segment: none");
	is_num(siw_term_hdrct(&tc, seg_send, 10), 0, "short segment: none");
	is_num(siw_term_hdrct(&tc, seg_write, 14), md, "tagged 14 suffices");
}

/* Terminate for DDP base/bounds on a Write, as Linux siw sends it. */
static void test_linux_images(void)
{
	static const u8 ddp_bb[] = {
		0x00, 0x26, 0x41, 0x47,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
		0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
		0x11, 0x01, 0xc0, 0x00,	/* DDP, tagged, bounds, M|D */
		0x00, 0x08,		/* payload length, as Linux */
		0xc1, 0x40, 0x00, 0x00, 0x12, 0x34,
		0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x10, 0x00,
	};
	/* RDMAP protection error on Send w/ invalidate: Linux sets R */
	static const u8 send_prot[] = {
		0x00, 0x2a, 0x41, 0x47,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
		0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
		0x01, 0x09, 0xe0, 0x00,
		0x00, 0x00,
		0x41, 0x46, 0x00, 0x00, 0x3a, 0x01, 0, 0, 0, 0,
		0, 0, 0, 7, 0, 0, 0, 0,
	};
	static const u8 llp_crc[] = {
		0x00, 0x16, 0x41, 0x47,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
		0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
		0x20, 0x02, 0x00, 0x00,
	};
	struct siw_term_code tc;
	struct siw_term_msg tm;
	u8 b[128];
	u8 rreq_term[22 + 2 + 48];
	int n;

	siw_err_to_term(SIW_ERR_BASE_BOUNDS, &tc);
	n = siw_term_build(&tc, siw_term_hdrct(&tc, seg_write, 22), seg_write,
			   sizeof(seg_write), 8, 1, b, sizeof(b));
	is_num(n, sizeof(ddp_bb), "DDP bounds Terminate: 40 bytes");
	is_mem(b, ddp_bb, sizeof(ddp_bb), "byte image equals Linux siw's");
	is_num(siw_term_parse(ddp_bb, sizeof(ddp_bb), &tm), 0,
	       "Linux DDP Terminate parses");
	ok(tm.code.layer == 1 && tm.code.etype == 1 && tm.code.ecode == 1 &&
	   tm.hdrct == (SIW_TERM_HDRCT_M | SIW_TERM_HDRCT_D) &&
	   tm.ddp_seg_len == 8 && tm.ddp_hdr_len == 14 &&
	   !memcmp(tm.ddp_hdr, seg_write, 14) && !tm.rdma_hdr_len &&
	   tm.msn == 1, "fields as sent");

	is_num(siw_term_parse(send_prot, sizeof(send_prot), &tm), 0,
	       "Linux protection Terminate with R and a Send header");
	ok(tm.hdrct == 7 && tm.ddp_hdr_len == 18 && !tm.rdma_hdr_len &&
	   tm.code.layer == 0 && tm.code.etype == 1 && tm.code.ecode == 9,
	   "R without Read Request header accepted");

	is_num(siw_term_parse(llp_crc, sizeof(llp_crc), &tm), 0,
	       "Linux CRC Terminate parses");
	ok(tm.code.layer == 2 && tm.code.ecode == 2 && !tm.hdrct &&
	   !tm.ddp_hdr_len, "LLP CRC, no headers");

	/* Read Request protection error: Linux sends M|D|R, 48 bytes */
	memcpy(rreq_term, send_prot, 20);
	rreq_term[1] = 22 + 2 + 46;
	rreq_term[20] = 0x01;
	rreq_term[21] = 0x02;
	rreq_term[22] = 0xe0;
	rreq_term[23] = 0;
	rreq_term[24] = 0;
	rreq_term[25] = 0;
	memcpy(rreq_term + 26, seg_rreq, 46);
	is_num(siw_term_parse(rreq_term, sizeof(rreq_term), &tm), 0,
	       "Linux Read Request Terminate parses");
	ok(tm.ddp_hdr_len == 18 && tm.rdma_hdr_len == 28 &&
	   !memcmp(tm.rdma_hdr, seg_rreq + 18, 28), "Read Request header");
	siw_err_to_term(SIW_ERR_ACCESS, &tc);
	n = siw_term_build(&tc, siw_term_hdrct(&tc, seg_rreq, 46), seg_rreq,
			   46, 0, 1, b, sizeof(b));
	is_num(n, sizeof(rreq_term), "our Read Request Terminate: 72 bytes");
	is_mem(b, rreq_term, sizeof(rreq_term), "same bytes as Linux siw");
}

/* every cause: build with the recommended headers, parse back */
static void test_roundtrip(void)
{
	static const struct { const u8 *seg; size_t len; } segs[] = {
		{ seg_write, sizeof(seg_write) },
		{ seg_send, sizeof(seg_send) },
		{ seg_rreq, sizeof(seg_rreq) },
	};
	struct siw_term_code tc;
	struct siw_term_msg tm;
	unsigned int i, s, bad = 0, cases = 0;
	u8 b[128];

	for (i = 1; i < SIW_ERR_MAX; i++)
	for (s = 0; s < 3; s++) {
		u8 hc;
		int n;

		siw_err_to_term((int)i, &tc);
		hc = siw_term_hdrct(&tc, segs[s].seg, segs[s].len);
		n = siw_term_build(&tc, hc, segs[s].seg, segs[s].len,
				   (u16)(i * 3), 100 + i, b, sizeof(b));
		cases++;
		if (n < 24 || siw_term_parse(b, (size_t)n, &tm) ||
		    tm.code.layer != tc.layer || tm.code.etype != tc.etype ||
		    tm.code.ecode != tc.ecode || tm.hdrct != hc ||
		    tm.msn != 100 + i ||
		    (hc & SIW_TERM_HDRCT_M && tm.ddp_seg_len != i * 3) ||
		    (hc & SIW_TERM_HDRCT_D &&
		     memcmp(tm.ddp_hdr, segs[s].seg, tm.ddp_hdr_len)) ||
		    (hc & SIW_TERM_HDRCT_R &&
		     memcmp(tm.rdma_hdr, seg_rreq + 18, 28))) {
			if (!bad)
				diag("  first bad: cause %u seg %u n %d", i, s,
				     n);
			bad++;
		}
	}
	ok(!bad, "build/parse round trip for every cause (%u cases)", cases);
}

static void test_errors(void)
{
	struct siw_term_code tc = { 1, 1, 1 };
	struct siw_term_msg tm;
	u8 b[128];
	int n;

	is_num(siw_term_build(&tc, SIW_TERM_HDRCT_M, seg_write, 22, 0, 1, b,
			      sizeof(b)), -EINVAL, "build: M without D");
	is_num(siw_term_build(&tc, SIW_TERM_HDRCT_R, seg_rreq, 46, 0, 1, b,
			      sizeof(b)), -EINVAL, "build: R without D");
	is_num(siw_term_build(&tc, 7, seg_send, 18, 0, 1, b, sizeof(b)),
	       -EINVAL, "build: R on a Send");
	is_num(siw_term_build(&tc, 0x8, NULL, 0, 0, 1, b, sizeof(b)),
	       -EINVAL, "build: unknown header control bit");
	is_num(siw_term_build(&tc, SIW_TERM_HDRCT_D, seg_send, 17, 0, 1, b,
			      sizeof(b)), -EINVAL, "build: short segment");
	is_num(siw_term_build(&tc, SIW_TERM_HDRCT_D, NULL, 0, 0, 1, b,
			      sizeof(b)), -EINVAL, "build: D without segment");
	tc.layer = 16;
	is_num(siw_term_build(&tc, 0, NULL, 0, 0, 1, b, sizeof(b)), -EINVAL,
	       "build: layer over 4 bits");
	tc.layer = 1;
	is_num(siw_term_build(&tc, 0, NULL, 0, 0, 1, b, 23), -ENOSPC,
	       "build: buffer too small");
	is_num(siw_term_build(&tc, 0, NULL, 0, 0, 1, b, 24), 24,
	       "build: bare Terminate is 24 bytes");

	n = siw_term_build(&tc, 6, seg_send, 18, 0, 1, b, sizeof(b));
	is_num(n, 44, "Terminate with Send header: 44 bytes");
	is_num(siw_term_parse(b, (size_t)n - 1, &tm), -EAGAIN,
	       "parse: incomplete");
	b[1] -= 1;
	is_num(siw_term_parse(b, (size_t)n, &tm), -EPROTO,
	       "parse: DDP header cut short");
	b[1] += 1;
	b[22] = 0;	/* hdrct cleared: 20 unexplained bytes */
	is_num(siw_term_parse(b, (size_t)n, &tm), -EPROTO,
	       "parse: trailing bytes");
	b[22] = 0xe0;	/* R after a complete Read Request? no: a Send */
	is_num(siw_term_parse(b, (size_t)n, &tm), 0,
	       "parse: R after a Send header (Linux)");
	b[26 + 1] = 0x41;	/* claims to be a Read Request */
	is_num(siw_term_parse(b, (size_t)n, &tm), -EPROTO,
	       "parse: R after a Read Request without its header");
	b[3] = 0x43;
	b[11] = 0;
	is_num(siw_term_parse(b, (size_t)n, &tm), -EINVAL,
	       "parse: a valid Send is not a Terminate");
	b[3] = 0x47;
	is_num(siw_term_parse(b, (size_t)n, &tm), SIW_ERR_QN,
	       "parse: DDP errors come back as causes");
	is_num(siw_term_parse(NULL, 4, &tm), -EINVAL, "parse: NULL");
}

/* Terminate through the framing layer, with markers and CRC */
static void test_framed(void)
{
	struct siw_fpdu_layout fl;
	struct siw_term_code tc;
	struct siw_term_msg tm;
	u8 t[128], w[160], back[128];
	int n, wl;

	siw_err_to_term(SIW_ERR_RDMAP_BASE_BOUNDS, &tc);
	n = siw_term_build(&tc, siw_term_hdrct(&tc, seg_rreq, 46), seg_rreq,
			   46, 0, 9, t, sizeof(t));
	wl = siw_fpdu_build(508, t, (size_t)n, true, true, w, sizeof(w));
	is_num(wl, 2 + 70 + 4 + 4, "framed Terminate with a marker");
	is_num(siw_fpdu_parse(w, (size_t)wl, 508, true, true, back,
			      sizeof(back), &fl), 0, "deframes");
	is_num(siw_term_parse(back, 2 + fl.ulpdu_len, &tm), 0,
	       "and parses");
	ok(tm.code.ecode == 1 && tm.msn == 9 && tm.rdma_hdr_len == 28,
	   "code, MSN and Read Request header survive");
}

void test_term(void)
{
	diag("Terminate");
	test_mapping();
	test_names();
	test_hdrct();
	test_linux_images();
	test_roundtrip();
	test_errors();
	test_framed();
}
