// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* FPDU framing: pad, lengths, MULPDU, markers, CRC. */
#include "unit.h"

#define BUF_MAX 4096

/*
 * Byte-at-a-time reference framer: before each logical byte, a marker
 * goes out if the stream position is a multiple of 512. FPDUPTR is 0
 * for a marker in front of ULPDU_Length, else the distance from it.
 */
static u32 ref_frame(u32 stream_off, const u8 *frame, u32 frame_len,
		     bool markers, bool crc, u8 *out)
{
	u32 ulpdu = frame_len - 2, pad = (4 - ((ulpdu + 2) & 3)) & 3;
	u32 l, w = 0, hdr_off = 0, logical = frame_len + pad + 4;

	for (l = 0; l < logical; l++) {
		if (markers && !((stream_off + w) & 511)) {
			u32 ptr = w ? w - hdr_off : 0;

			if (!w)
				hdr_off = 4;
			out[w] = 0;
			out[w + 1] = 0;
			out[w + 2] = (u8)(ptr >> 8);
			out[w + 3] = (u8)ptr;
			w += 4;
		}
		out[w++] = l < frame_len ? frame[l] : 0;
	}
	siw_put_le32(out + w - 4, crc ? ref_crc32c(out, w - 4) : 0);
	return w;
}

static void fill_frame(u8 *frame, u32 ulpdu_len, u32 seed)
{
	u32 i;

	siw_put_be16(frame, (u16)ulpdu_len);
	for (i = 0; i < ulpdu_len; i++)
		frame[2 + i] = (u8)(seed + i * 7);
}

static void test_pad_len(void)
{
	static const struct { u32 ulpdu, pad, fpdu; } v[] = {
		{ 0, 2, 8 }, { 1, 1, 8 }, { 2, 0, 8 }, { 3, 3, 12 },
		{ 14, 0, 20 }, { 15, 3, 24 }, { 18, 0, 24 }, { 22, 0, 28 },
		{ 23, 3, 32 }, { 1454, 0, 1460 }, { 65535, 3, 65544 },
	};
	unsigned int i, bad = 0;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		is_num(siw_mpa_pad(v[i].ulpdu), v[i].pad, "pad(%u) = %u",
		       v[i].ulpdu, v[i].pad);
		is_num(siw_fpdu_len(v[i].ulpdu), v[i].fpdu,
		       "fpdu_len(%u) = %u", v[i].ulpdu, v[i].fpdu);
	}
	for (i = 0; i <= 70000; i++)
		if ((2 + i + siw_mpa_pad(i)) % 4 || siw_mpa_pad(i) > 3 ||
		    siw_fpdu_len(i) != 2 + i + siw_mpa_pad(i) + 4)
			bad++;
	is_num(bad, 0, "pad aligns ULPDU_Length+ULPDU to 4 for 0..70000");
}

static void test_mulpdu(void)
{
	static const struct { u32 emss; int nom, mark; } v[] = {
		{ 1460, 1454, 1442 },	/* Ethernet, no TCP options */
		{ 1448, 1442, 1430 },	/* with timestamps */
		{ 1461, 1454, 1442 },
		{ 1463, 1454, 1442 },
		{ 536, 530, 522 },
		{ 512, 506, 502 },
		{ 513, 506, 498 },
		{ 8948, 8942, 8870 },	/* jumbo 9000 minus headers */
		{ 65535, 65526, 65014 },
		{ 70000, 65535, 65535 },	/* capped by ULPDU_Length */
		{ 8, 2, -EINVAL },
		{ 11, 2, -EINVAL },
		{ 12, 6, 2 },
		{ 6, -EINVAL, -EINVAL },
		{ 0, -EINVAL, -EINVAL },
	};
	unsigned int i, bad = 0;
	u32 emss, off;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		is_num(siw_mpa_mulpdu(v[i].emss, false), v[i].nom,
		       "MULPDU(emss %u, no markers)", v[i].emss);
		is_num(siw_mpa_mulpdu(v[i].emss, true), v[i].mark,
		       "MULPDU(emss %u, markers)", v[i].emss);
	}

	/* the marker formula holds for every FPDU alignment */
	for (emss = 12; emss <= 4200; emss++) {
		int m = siw_mpa_mulpdu(emss, true);
		struct siw_fpdu_layout fl;

		if (m < 0) {
			bad++;
			continue;
		}
		for (off = 0; off < 512; off += 4)
			if (siw_fpdu_layout(off, (u32)m, true, &fl) ||
			    fl.wire_len > emss)
				bad++;
		m = siw_mpa_mulpdu(emss, false);
		if (m < 0 || siw_fpdu_len((u32)m) > emss)
			bad++;
	}
	is_num(bad, 0, "FPDU of MULPDU fits EMSS 12..4200 at any offset");

	/* ddp payload per segment: MULPDU minus the opcode's header */
	is_num(siw_mpa_mulpdu(1460, false) -
	       siw_rdmap_opcode_info(SIW_RDMAP_OP_WRITE)->hdr_len, 1440,
	       "Write payload per 1460 byte segment");
	is_num(siw_mpa_mulpdu(1460, false) -
	       siw_rdmap_opcode_info(SIW_RDMAP_OP_SEND)->hdr_len, 1436,
	       "Send payload per 1460 byte segment");
}

struct layout_case {
	u32 off, ulpdu, wire, n, first, hdr_off;
	u16 ptr[4];
	const char *what;
};

static void test_layout(void)
{
	static const struct layout_case v[] = {
		{ 0, 14, 24, 1, 0, 4, { 0 }, "marker at the very first byte" },
		{ 512, 14, 24, 1, 0, 4, { 0 }, "FPDU starting on a boundary" },
		{ 500, 14, 24, 1, 12, 0, { 12 }, "marker inside the ULPDU" },
		{ 496, 14, 24, 1, 16, 0, { 16 }, "marker between pad and CRC" },
		{ 492, 14, 20, 0, 20, 0, { 0 }, "marker right after the FPDU" },
		{ 4, 14, 20, 0, 508, 0, { 0 }, "no marker in reach" },
		{ 0, 1440, 1460, 3, 0, 4, { 0, 508, 1020 },
		  "3 markers from byte 0" },
		{ 4, 2000, 2020, 3, 508, 0, { 508, 1020, 1532 },
		  "3 markers, none at the start" },
		{ 256, 1000, 1016, 2, 256, 0, { 256, 768 },
		  "2 markers mid-FPDU" },
		{ 0xfffffffc, 14, 24, 1, 4, 0, { 4 },
		  "stream offset wrapping 2^32" },
		{ 0, 65000, 65520, 128, 0, 4, { 0, 508 }, "128 markers" },
	};
	struct siw_fpdu_layout fl;
	unsigned int i, k;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		const struct layout_case *c = &v[i];
		int rv = siw_fpdu_layout(c->off, c->ulpdu, true, &fl);
		int good = !rv && fl.wire_len == c->wire &&
			   fl.nmarkers == c->n && fl.hdr_off == c->hdr_off &&
			   (!c->n || fl.first_marker == c->first) &&
			   fl.fpdu_len == siw_fpdu_len(c->ulpdu);

		/* ptr[] lists the first markers; a 0 past index 0 ends it */
		for (k = 0; good && k < c->n && k < 4 && (!k || c->ptr[k]);
		     k++)
			good = siw_fpdu_marker_ptr(&fl, k) == c->ptr[k] &&
			       siw_fpdu_marker_off(&fl, k) ==
			       c->first + 512 * k;
		if (!ok(good, "layout: %s (off %u, ulpdu %u)", c->what,
			c->off, c->ulpdu))
			diag("  rv %d wire %u n %u first %u hdr_off %u", rv,
			     fl.wire_len, fl.nmarkers, fl.first_marker,
			     fl.hdr_off);
	}
	siw_fpdu_layout(0, 65000, true, &fl);
	is_num(siw_fpdu_marker_ptr(&fl, 127), 512 * 127 - 4,
	       "last of 128 markers points back 65020 bytes");

	is_num(siw_fpdu_layout(2, 14, true, &fl), -EINVAL,
	       "markers need a 4 aligned stream offset");
	is_num(siw_fpdu_layout(2, 14, false, &fl), 0,
	       "no alignment needed without markers");
	is_num(fl.wire_len, 20, "no markers: wire length is FPDU length");
	is_num(siw_fpdu_layout(0, 65536, false, &fl), -EMSGSIZE,
	       "ULPDU over 65535 rejected");
	is_num(siw_fpdu_layout(4, 65535, true, &fl), -EMSGSIZE,
	       "FPDUPTR overflow rejected");
	is_num(siw_fpdu_layout(0, 14, true, NULL), -EINVAL, "NULL layout");
}

/* build == reference, parse(build) == frame, for many offsets/sizes */
static void test_build_parse(void)
{
	static const u32 sizes[] = { 0, 1, 2, 3, 13, 14, 18, 22, 503, 504,
				     505, 506, 507, 508, 509, 1000, 1442,
				     2040, 3000 };
	static u8 frame[BUF_MAX], wire[BUF_MAX], ref[BUF_MAX], back[BUF_MAX];
	struct siw_fpdu_layout fl;
	unsigned int i, mode;

	for (mode = 0; mode < 4; mode++) {
		bool markers = mode & 1, crc = mode & 2;
		unsigned int bad = 0, cases = 0;

		for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			u32 off, u = sizes[i];

			fill_frame(frame, u, i);
			for (off = 0; off < 1536; off += 4) {
				int w = siw_fpdu_build(off, frame, u + 2,
						       markers, crc, wire,
						       BUF_MAX);
				u32 rw = ref_frame(off, frame, u + 2, markers,
						   crc, ref);

				cases++;
				memset(back, 0xa5, sizeof(back));
				if (w != (int)rw || memcmp(wire, ref, rw) ||
				    siw_fpdu_parse(wire, rw, off, markers, crc,
						   back, BUF_MAX, &fl) ||
				    fl.wire_len != rw ||
				    fl.ulpdu_len != u ||
				    memcmp(back, frame, u + 2) ||
				    back[u + 2] != 0xa5) {
					if (!bad)
						diag("  first bad: ulpdu %u off %u w %d ref %u",
						     u, off, w, rw);
					bad++;
				}
				if (!markers)
					break;
			}
		}
		ok(!bad, "build matches reference framer, parse inverts it (%s markers, %s CRC, %u cases)",
		   markers ? "with" : "no", crc ? "with" : "no", cases);
	}
}

static void test_rx_errors(void)
{
	static u8 frame[64], wire[128];
	struct siw_fpdu_layout fl;
	u8 out[64];
	int w;

	fill_frame(frame, 30, 1);
	/* off 0: marker at 0 (ptr 0) only */
	w = siw_fpdu_build(0, frame, 32, true, true, wire, sizeof(wire));
	is_num(w, 40, "30 byte ULPDU at offset 0: 4 + 36 wire bytes");
	is_num(siw_fpdu_parse(wire, w, 0, true, true, out, sizeof(out), &fl),
	       0, "clean FPDU parses");

	wire[10] ^= 0x01;
	is_num(siw_fpdu_parse(wire, w, 0, true, true, out, sizeof(out), &fl),
	       SIW_ERR_CRC, "payload bit flip: CRC error");
	is_num(siw_fpdu_parse(wire, w, 0, true, false, out, sizeof(out), &fl),
	       0, "payload bit flip unnoticed without CRC");
	wire[10] ^= 0x01;

	wire[w - 1] ^= 0x80;
	is_num(siw_fpdu_parse(wire, w, 0, true, true, out, sizeof(out), &fl),
	       SIW_ERR_CRC, "CRC field bit flip: CRC error");
	is_num(siw_fpdu_parse(wire, w, 0, true, false, NULL, 0, &fl), 0,
	       "CRC field not checked when CRC is off");
	wire[w - 1] ^= 0x80;

	wire[3] = 4;
	is_num(siw_fpdu_parse(wire, w, 0, true, false, out, sizeof(out), &fl),
	       SIW_ERR_MARKER, "bad FPDUPTR: marker error");
	is_num(siw_fpdu_parse(wire, w, 0, true, true, out, sizeof(out), &fl),
	       SIW_ERR_CRC, "bad FPDUPTR under CRC: CRC error first");
	wire[3] = 0;
	wire[0] = 0xff;
	is_num(siw_fpdu_parse(wire, w, 0, true, false, out, sizeof(out), &fl),
	       0, "marker reserved bits are not checked");
	wire[0] = 0;

	/* marker inside the FPDU, offset 500: marker at wire 12 */
	w = siw_fpdu_build(500, frame, 32, true, true, wire, sizeof(wire));
	is_num(w, 40, "30 byte ULPDU at offset 500: 36 + 4 wire bytes");
	is_num(siw_get_be16(wire + 12 + 2), 12, "FPDUPTR 12 at wire 12");
	wire[12 + 3] = 8;
	is_num(siw_fpdu_parse(wire, w, 500, true, false, out, sizeof(out),
			      &fl), SIW_ERR_MARKER, "mid-FPDU marker checked");
	wire[12 + 3] = 12;

	/* lengths */
	is_num(siw_fpdu_parse(wire, 1, 500, true, true, out, sizeof(out), &fl),
	       -EAGAIN, "1 byte: need more");
	is_num(fl.wire_len, 2, "needs ULPDU_Length first");
	is_num(siw_fpdu_parse(wire, 3, 0, true, true, out, sizeof(out), &fl),
	       -EAGAIN, "3 bytes after a boundary: need more");
	is_num(fl.wire_len, 6, "needs marker + ULPDU_Length");
	is_num(siw_fpdu_parse(wire, w - 1, 500, true, true, out, sizeof(out),
			      &fl), -EAGAIN, "FPDU minus 1 byte: need more");
	is_num(fl.wire_len, 40, "reports the full wire length");
	is_num(siw_fpdu_parse(wire, w, 500, true, true, out, 31, &fl),
	       -ENOSPC, "frame buffer too small");
	is_num(siw_fpdu_parse(wire, w, 502, true, true, out, sizeof(out),
			      &fl), -EINVAL, "unaligned stream offset");
	is_num(siw_fpdu_parse(NULL, w, 0, true, true, out, sizeof(out), &fl),
	       -EINVAL, "NULL wire");

	/* ULPDU_Length 65535 four bytes past a marker: FPDUPTR overflow */
	siw_put_be16(wire, 0xffff);
	is_num(siw_fpdu_parse(wire, 2, 4, true, true, out, sizeof(out), &fl),
	       SIW_ERR_MARKER, "unmarkable ULPDU_Length is a framing error");

	is_num(siw_fpdu_build(0, frame, 32, true, true, wire, 39), -ENOSPC,
	       "build: output too small");
	frame[1] = 29;
	is_num(siw_fpdu_build(0, frame, 32, true, true, wire, sizeof(wire)),
	       -EINVAL, "build: ULPDU_Length disagrees with frame");
	frame[1] = 30;
	is_num(siw_fpdu_build(0, frame, 1, false, true, wire, sizeof(wire)),
	       -EINVAL, "build: frame shorter than ULPDU_Length field");

	w = siw_fpdu_build(0, frame, 32, false, false, wire, sizeof(wire));
	is_num(siw_get_le32(wire + w - 4), 0, "CRC off: zero CRC field");
}

/* A Linux siw Send FPDU, byte for byte (struct iwarp_send + payload). */
static void test_linux_send_image(void)
{
	static const u8 frame[] = {
		0x00, 0x16,		/* ULPDU_Length 22 */
		0x41, 0x43,		/* L, DV 1 | RV 1, SEND */
		0x00, 0x00, 0x00, 0x00,	/* rsvd */
		0x00, 0x00, 0x00, 0x00,	/* QN 0 */
		0x00, 0x00, 0x00, 0x01,	/* MSN 1 */
		0x00, 0x00, 0x00, 0x00,	/* MO 0 */
		'a', 'b', 'c', 'd',
	};
	u8 exp[28], wire[64];
	struct siw_iwarp_hdr h;
	int w;

	memcpy(exp, frame, sizeof(frame));
	siw_put_le32(exp + 24, ref_crc32c(frame, sizeof(frame)));
	w = siw_fpdu_build(0, frame, sizeof(frame), false, true, wire,
			   sizeof(wire));
	is_num(w, 28, "Linux Send of 4 bytes: 28 byte FPDU, no pad");
	is_mem(wire, exp, 28, "Linux Send FPDU image incl. CRC");
	is_num(siw_iwarp_parse(wire, w, 0, &h), 0, "header parses");
	ok(h.opcode == SIW_RDMAP_OP_SEND && h.last && h.msn == 1 &&
	   h.payload_len == 4, "SEND, last, MSN 1, 4 byte payload");
}

void test_fpdu(void)
{
	diag("FPDU framing");
	test_pad_len();
	test_mulpdu();
	test_layout();
	test_build_parse();
	test_rx_errors();
	test_linux_send_image();
}
