// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * MPA full operation phase (RFC 5044 sec 4-6): FPDU length and pad
 * arithmetic, maximum ULPDU for a segment size, marker placement and
 * removal, and CRC32c framing.
 *
 * "Logical" offsets count FPDU bytes without markers, "wire" offsets
 * include them. Stream offsets count wire bytes from the first octet
 * of the first FPDU of this direction; markers sit at stream offsets
 * that are multiples of 512. The u32 arithmetic wraps like TCP
 * sequence numbers, which is fine as 2^32 is a multiple of 512.
 */
#include "iwarp.h"

/* logical bytes between two markers */
#define SIW_MPA_MARKER_GAP (SIW_MPA_MARKER_SPACING - SIW_MPA_MARKER_SIZE)

/* MPA CRC of a contiguous buffer, as carried in the FPDU trailer. */
u32 siw_mpa_crc(const void *p, size_t len)
{
	return ~siw_crc32c(~0U, p, len);
}

/* Pad aligning ULPDU_Length + ULPDU to 4 bytes. */
u32 siw_mpa_pad(u32 ulpdu_len)
{
	return (4 - ((ulpdu_len + SIW_MPA_LEN_SIZE) & 3)) & 3;
}

/* FPDU length without markers; the CRC field is always present. */
u32 siw_fpdu_len(u32 ulpdu_len)
{
	return SIW_MPA_LEN_SIZE + ulpdu_len + siw_mpa_pad(ulpdu_len) +
	       SIW_MPA_CRC_SIZE;
}

/*
 * Largest ULPDU that fits a TCP segment of emss bytes (RFC 5044 sec
 * 4.4, MULPDU):
 *   no markers: EMSS - (6 + EMSS mod 4)
 *   markers:    EMSS - (6 + 4 * ceil(EMSS / 512) + EMSS mod 4)
 * The marker term covers the worst case alignment: an FPDU starting
 * on a marker position. Capped at what ULPDU_Length can express.
 * Returns the MULPDU or -EINVAL if emss leaves no room for a ULPDU.
 */
int siw_mpa_mulpdu(u32 emss, bool markers)
{
	u32 overhead = SIW_MPA_LEN_SIZE + SIW_MPA_CRC_SIZE + (emss & 3);
	u32 mulpdu;

	if (markers)
		overhead += SIW_MPA_MARKER_SIZE *
			    ((emss + SIW_MPA_MARKER_SPACING - 1) /
			     SIW_MPA_MARKER_SPACING);
	if (emss <= overhead)
		return -EINVAL;

	mulpdu = emss - overhead;
	if (mulpdu > SIW_MPA_ULPDU_MAX)
		mulpdu = SIW_MPA_ULPDU_MAX;
	return (int)mulpdu;
}

/*
 * Compute where an FPDU of ulpdu_len starting at stream offset
 * stream_off lands on the wire. Marker k sits at wire offset
 * first_marker + 512 * k and precedes logical byte
 * first_marker + 508 * k. A marker position right after the last
 * logical byte belongs to the next FPDU.
 */
int siw_fpdu_layout(u32 stream_off, u32 ulpdu_len, bool markers,
		    struct siw_fpdu_layout *fl)
{
	u32 last;

	if (!fl)
		return -EINVAL;
	if (ulpdu_len > SIW_MPA_ULPDU_MAX)
		return -EMSGSIZE;
	/* all FPDU and marker sizes are multiples of 4 */
	if (markers && (stream_off & 3))
		return -EINVAL;

	memset(fl, 0, sizeof(*fl));
	fl->stream_off = stream_off;
	fl->ulpdu_len = ulpdu_len;
	fl->pad = siw_mpa_pad(ulpdu_len);
	fl->fpdu_len = siw_fpdu_len(ulpdu_len);
	fl->wire_len = fl->fpdu_len;
	if (!markers)
		return 0;

	fl->first_marker = (0U - stream_off) & (SIW_MPA_MARKER_SPACING - 1);
	if (fl->first_marker >= fl->fpdu_len)
		return 0;

	fl->nmarkers = (fl->fpdu_len - fl->first_marker - 1) /
		       SIW_MPA_MARKER_GAP + 1;
	fl->wire_len += fl->nmarkers * SIW_MPA_MARKER_SIZE;
	if (!fl->first_marker)
		fl->hdr_off = SIW_MPA_MARKER_SIZE;

	/* FPDUPTR is 16 bits wide */
	last = siw_fpdu_marker_off(fl, fl->nmarkers - 1);
	if (last && last - fl->hdr_off > 0xffff)
		return -EMSGSIZE;
	return 0;
}

/* Wire offset of marker k inside the FPDU. */
u32 siw_fpdu_marker_off(const struct siw_fpdu_layout *fl, u32 k)
{
	return fl->first_marker + k * SIW_MPA_MARKER_SPACING;
}

/*
 * FPDUPTR value of marker k: distance from ULPDU_Length to the marker,
 * 0 for a marker right in front of ULPDU_Length.
 */
u16 siw_fpdu_marker_ptr(const struct siw_fpdu_layout *fl, u32 k)
{
	u32 off = siw_fpdu_marker_off(fl, k);

	return off ? (u16)(off - fl->hdr_off) : 0;
}

/* End of the run of logical bytes in front of marker k, at most n. */
static u32 siw_fpdu_run_end(const struct siw_fpdu_layout *fl, u32 k, u32 n)
{
	u32 ins;

	if (k >= fl->nmarkers)
		return n;
	ins = fl->first_marker + k * SIW_MPA_MARKER_GAP;
	return ins < n ? ins : n;
}

/*
 * Write logical bytes [0, n) to the wire image, leaving the marker
 * slots alone. Bytes at or beyond src_len (pad, CRC) are zeroed.
 */
static void siw_fpdu_put(const struct siw_fpdu_layout *fl, u8 *wire,
			 const u8 *src, u32 src_len, u32 n)
{
	u32 l, k, stop, w;

	for (l = 0, k = 0; l < n; k++, l = stop) {
		stop = siw_fpdu_run_end(fl, k, n);
		/* k markers precede logical byte l */
		w = l + k * SIW_MPA_MARKER_SIZE;
		if (l >= src_len) {
			memset(wire + w, 0, stop - l);
		} else if (stop > src_len) {
			memcpy(wire + w, src + l, src_len - l);
			memset(wire + w + src_len - l, 0, stop - src_len);
		} else {
			memcpy(wire + w, src + l, stop - l);
		}
	}
}

/* Read logical bytes [0, n) from the wire image, skipping markers. */
static void siw_fpdu_get(const struct siw_fpdu_layout *fl, const u8 *wire,
			 u8 *dst, u32 n)
{
	u32 l, k, stop;

	for (l = 0, k = 0; l < n; k++, l = stop) {
		stop = siw_fpdu_run_end(fl, k, n);
		memcpy(dst + l, wire + l + k * SIW_MPA_MARKER_SIZE, stop - l);
	}
}

/*
 * Frame one FPDU for transmission. frame holds ULPDU_Length followed
 * by the ULPDU (as built by siw_iwarp_build() plus payload). Writes
 * markers, zero pad and the CRC (zero if crc is off) to out.
 * Returns the wire length.
 */
int siw_fpdu_build(u32 stream_off, const void *frame, size_t frame_len,
		   bool markers, bool crc, void *out, size_t out_len)
{
	struct siw_fpdu_layout fl;
	u8 *w = out;
	u32 k, v = 0;
	int rv;

	if (!frame || !out || frame_len < SIW_MPA_LEN_SIZE ||
	    frame_len > SIW_MPA_LEN_SIZE + SIW_MPA_ULPDU_MAX)
		return -EINVAL;
	/* the length field must describe the frame handed in */
	if (siw_get_be16(frame) != frame_len - SIW_MPA_LEN_SIZE)
		return -EINVAL;

	rv = siw_fpdu_layout(stream_off, (u32)(frame_len - SIW_MPA_LEN_SIZE),
			     markers, &fl);
	if (rv)
		return rv;
	if (out_len < fl.wire_len)
		return -ENOSPC;

	siw_fpdu_put(&fl, w, frame, (u32)frame_len, fl.fpdu_len);
	for (k = 0; k < fl.nmarkers; k++) {
		u8 *m = w + siw_fpdu_marker_off(&fl, k);

		siw_put_be16(m, 0);
		siw_put_be16(m + 2, siw_fpdu_marker_ptr(&fl, k));
	}
	/* CRC covers everything before it, markers and pad included */
	if (crc)
		v = siw_mpa_crc(w, fl.wire_len - SIW_MPA_CRC_SIZE);
	siw_put_le32(w + fl.wire_len - SIW_MPA_CRC_SIZE, v);

	return (int)fl.wire_len;
}

/*
 * Receive one FPDU starting at stream offset stream_off: read its
 * ULPDU_Length, check the CRC (if crc) and every marker's FPDUPTR (if
 * markers), and copy ULPDU_Length + ULPDU without markers to frame
 * (skipped if frame is NULL). fl describes the FPDU on return.
 *
 * Returns 0, -EAGAIN if avail is short of fl->wire_len (or of the
 * ULPDU_Length field, then fl->wire_len says how much is needed),
 * -ENOSPC if frame is too small, SIW_ERR_CRC or SIW_ERR_MARKER (also
 * for an FPDU too long for any FPDUPTR to reach its end).
 * As in RFC 5044 sec 8, a CRC error is reported in preference to a
 * marker mismatch.
 */
int siw_fpdu_parse(const void *wire, size_t avail, u32 stream_off,
		   bool markers, bool crc, void *frame, size_t frame_len,
		   struct siw_fpdu_layout *fl)
{
	const u8 *w = wire;
	u32 hdr_off = 0, k;
	int rv;

	if (!wire || !fl)
		return -EINVAL;
	if (markers && (stream_off & 3))
		return -EINVAL;

	memset(fl, 0, sizeof(*fl));
	if (markers && !(stream_off & (SIW_MPA_MARKER_SPACING - 1)))
		hdr_off = SIW_MPA_MARKER_SIZE;
	if (avail < hdr_off + SIW_MPA_LEN_SIZE) {
		fl->wire_len = hdr_off + SIW_MPA_LEN_SIZE;
		return -EAGAIN;
	}

	rv = siw_fpdu_layout(stream_off, siw_get_be16(w + hdr_off), markers,
			     fl);
	/* no FPDUPTR can reach that far: the peer's framing is broken */
	if (rv == -EMSGSIZE)
		return SIW_ERR_MARKER;
	if (rv)
		return rv;
	if (avail < fl->wire_len)
		return -EAGAIN;

	if (crc && siw_mpa_crc(w, fl->wire_len - SIW_MPA_CRC_SIZE) !=
		   siw_get_le32(w + fl->wire_len - SIW_MPA_CRC_SIZE))
		return SIW_ERR_CRC;

	/* reserved marker bits are not checked (RFC 5044 sec 4.3) */
	for (k = 0; k < fl->nmarkers; k++) {
		u32 off = siw_fpdu_marker_off(fl, k);

		if (siw_get_be16(w + off + 2) != siw_fpdu_marker_ptr(fl, k))
			return SIW_ERR_MARKER;
	}

	if (!frame)
		return 0;
	if (frame_len < SIW_MPA_LEN_SIZE + fl->ulpdu_len)
		return -ENOSPC;
	siw_fpdu_get(fl, w, frame, SIW_MPA_LEN_SIZE + fl->ulpdu_len);
	return 0;
}
