// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target: an inbound FPDU stream.
 *
 * Input: 2 config bytes, then stream bytes. Config byte 0: bit 0
 * markers, bit 1 CRC, bits 2-7 and byte 1 the stream offset / 4 of the
 * first FPDU. The stream is cut into FPDUs (marker strip, FPDUPTR and
 * CRC checks) and each DDP/RDMAP header is parsed, as the RX path
 * would. Invariants:
 *  - framing errors are only CRC or marker causes, header errors only
 *    defined causes, and every cause yields a Terminate that builds
 *    and parses;
 *  - an accepted FPDU re-frames into a wire image that parses to the
 *    same ULPDU;
 *  - an accepted header rebuilds and parses back unchanged; Terminates
 *    parse without reading out of bounds.
 */
#include "fuzz_common.h"
#include "fuzz_term.h"

#define FRAME_MAX (SIW_MPA_LEN_SIZE + SIW_MPA_ULPDU_MAX)
#define WIRE_MAX (FRAME_MAX + 3 + SIW_MPA_CRC_SIZE + 4 * 132)

static u8 frame[FRAME_MAX], wire2[WIRE_MAX], frame2[FRAME_MAX];

static void check_header(const u8 *f, size_t len)
{
	struct siw_iwarp_hdr h, h2;
	u8 b[128];
	int rv, n;

	rv = siw_iwarp_parse(f, len, SIW_PARSE_EXT, &h);
	CHECK(rv != -EAGAIN);	/* the whole ULPDU is there */
	if (rv) {
		check_terminate_for(rv, f + SIW_MPA_LEN_SIZE,
				    len - SIW_MPA_LEN_SIZE);
		return;
	}
	CHECK(h.hdr_len <= h.ulpdu_len && h.ulpdu_len + 2u == len);
	CHECK(h.payload_len == h.ulpdu_len - h.hdr_len);
	CHECK(h.tagged == !!(f[2] & SIW_DDP_FLAG_T));

	n = siw_iwarp_build(&h, SIW_PARSE_EXT, b, sizeof(b));
	CHECK(n == SIW_MPA_LEN_SIZE + h.hdr_len);
	CHECK(siw_iwarp_parse(b, (size_t)n, SIW_PARSE_EXT, &h2) == 0);
	CHECK(!memcmp(&h, &h2, sizeof(h)));

	/* QP helpers on whatever the peer sent */
	if (!h.tagged) {
		rv = siw_ddp_check_msn(h.msn, 1, 4);
		CHECK(rv == 0 || rv == SIW_ERR_NO_RECV_BUF ||
		      rv == SIW_ERR_MSN_RANGE);
		rv = siw_ddp_check_mo(h.mo, h.payload_len, 4096);
		CHECK(rv == 0 || rv == SIW_ERR_MO ||
		      rv == SIW_ERR_MSG_TOO_BIG);
	} else {
		rv = siw_ddp_check_tagged(h.to, h.payload_len, 0x10000, 4096);
		CHECK(rv == 0 || rv == SIW_ERR_TO_WRAP ||
		      rv == SIW_ERR_BASE_BOUNDS);
	}
	if (h.opcode == SIW_RDMAP_OP_TERMINATE)
		check_terminate_msg(f, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct siw_fpdu_layout fl, fl2;
	bool markers, crc;
	u32 off;
	int rv, n;

	if (size < 2)
		return 0;
	markers = data[0] & 1;
	crc = data[0] & 2;
	off = ((u32)(data[0] >> 2) << 8 | data[1]) << 2;
	data += 2;
	size -= 2;

	while (size) {
		rv = siw_fpdu_parse(data, size, off, markers, crc, frame,
				    sizeof(frame), &fl);
		if (rv == -EAGAIN) {
			CHECK(fl.wire_len > size);
			break;
		}
		if (rv) {
			CHECK(rv == SIW_ERR_CRC || rv == SIW_ERR_MARKER);
			CHECK(crc || rv == SIW_ERR_MARKER);
			check_terminate_for(rv, NULL, 0);
			break;
		}
		CHECK(fl.wire_len <= size && fl.wire_len >= 8);
		CHECK(!(fl.wire_len & 3));
		CHECK(fl.wire_len == fl.fpdu_len + 4 * fl.nmarkers);
		CHECK(siw_get_be16(frame) == fl.ulpdu_len);

		/* our own framing of it must be accepted and identical */
		n = siw_fpdu_build(off, frame, 2 + fl.ulpdu_len, markers, crc,
				   wire2, sizeof(wire2));
		CHECK(n == (int)fl.wire_len);
		CHECK(siw_fpdu_parse(wire2, (size_t)n, off, markers, crc,
				     frame2, sizeof(frame2), &fl2) == 0);
		CHECK(!memcmp(frame, frame2, 2 + fl.ulpdu_len));

		check_header(frame, 2 + fl.ulpdu_len);

		data += fl.wire_len;
		size -= fl.wire_len;
		off += fl.wire_len;
	}
	return 0;
}
