// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * DDP (RFC 5041) and RDMAP (RFC 5040) header build and validation,
 * with the RFC 7306 opcodes (atomics, immediate data) as extensions
 * that only SIW_PARSE_EXT accepts.
 *
 * ULPDU layout handled here, offsets from the DDP control byte:
 *   tagged:   ctrl (2) | STag (4) | TO (8)                 = 14
 *   untagged: ctrl (2) | rsvd/inval STag (4) | QN | MSN | MO = 18
 * preceded on the wire by the 2 byte MPA ULPDU_Length.
 */
#include "iwarp.h"

const struct siw_opcode_info siw_opcode_tab[SIW_RDMAP_OP_MAX] = {
	[SIW_RDMAP_OP_WRITE] = {
		.name = "WRITE",
		.hdr_len = SIW_DDP_TAGGED_HDR_LEN,
		.qn = SIW_QN_NONE,
		.flags = SIW_OPF_TAGGED,
	},
	[SIW_RDMAP_OP_READ_REQ] = {
		.name = "READ_REQ",
		.hdr_len = SIW_DDP_UNTAGGED_HDR_LEN + SIW_RREQ_HDR_LEN,
		.qn = SIW_QN_RREQ,
		.flags = SIW_OPF_SINGLE | SIW_OPF_NO_PAYLOAD,
	},
	[SIW_RDMAP_OP_READ_RESP] = {
		.name = "READ_RESP",
		.hdr_len = SIW_DDP_TAGGED_HDR_LEN,
		.qn = SIW_QN_NONE,
		.flags = SIW_OPF_TAGGED,
	},
	[SIW_RDMAP_OP_SEND] = {
		.name = "SEND",
		.hdr_len = SIW_DDP_UNTAGGED_HDR_LEN,
		.qn = SIW_QN_SEND,
	},
	[SIW_RDMAP_OP_SEND_INV] = {
		.name = "SEND_INV",
		.hdr_len = SIW_DDP_UNTAGGED_HDR_LEN,
		.qn = SIW_QN_SEND,
		.flags = SIW_OPF_INVAL,
	},
	[SIW_RDMAP_OP_SEND_SE] = {
		.name = "SEND_SE",
		.hdr_len = SIW_DDP_UNTAGGED_HDR_LEN,
		.qn = SIW_QN_SEND,
		.flags = SIW_OPF_SE,
	},
	[SIW_RDMAP_OP_SEND_SE_INV] = {
		.name = "SEND_SE_INV",
		.hdr_len = SIW_DDP_UNTAGGED_HDR_LEN,
		.qn = SIW_QN_SEND,
		.flags = SIW_OPF_SE | SIW_OPF_INVAL,
	},
	[SIW_RDMAP_OP_TERMINATE] = {
		.name = "TERMINATE",
		.hdr_len = SIW_DDP_UNTAGGED_HDR_LEN + SIW_TERM_CTRL_LEN,
		.qn = SIW_QN_TERMINATE,
		.flags = SIW_OPF_SINGLE,
	},
	/* RFC 7306 */
	[SIW_RDMAP_OP_IMM_DATA] = {
		.name = "IMM_DATA",
		.hdr_len = SIW_DDP_UNTAGGED_HDR_LEN + SIW_IMM_DATA_LEN,
		.qn = SIW_QN_SEND,
		.flags = SIW_OPF_EXT | SIW_OPF_SINGLE | SIW_OPF_NO_PAYLOAD,
	},
	[SIW_RDMAP_OP_IMM_DATA_SE] = {
		.name = "IMM_DATA_SE",
		.hdr_len = SIW_DDP_UNTAGGED_HDR_LEN + SIW_IMM_DATA_LEN,
		.qn = SIW_QN_SEND,
		.flags = SIW_OPF_EXT | SIW_OPF_SE | SIW_OPF_SINGLE |
			 SIW_OPF_NO_PAYLOAD,
	},
	[SIW_RDMAP_OP_ATOMIC_REQ] = {
		.name = "ATOMIC_REQ",
		.hdr_len = SIW_DDP_UNTAGGED_HDR_LEN + SIW_ATOMIC_REQ_LEN,
		.qn = SIW_QN_RREQ,
		.flags = SIW_OPF_EXT | SIW_OPF_SINGLE | SIW_OPF_NO_PAYLOAD,
	},
	[SIW_RDMAP_OP_ATOMIC_RESP] = {
		.name = "ATOMIC_RESP",
		.hdr_len = SIW_DDP_UNTAGGED_HDR_LEN + SIW_ATOMIC_RESP_LEN,
		.qn = SIW_QN_ATOMIC_RESP,
		.flags = SIW_OPF_EXT | SIW_OPF_SINGLE | SIW_OPF_NO_PAYLOAD,
	},
};

const char *siw_rdmap_opcode_name(u8 opcode)
{
	const struct siw_opcode_info *oi = siw_rdmap_opcode_info(opcode);

	return oi ? oi->name : "UNKNOWN";
}

/*
 * Decode and validate the DDP/RDMAP header of one DDP segment. buf
 * starts at the MPA ULPDU_Length field; len is how many bytes of it
 * are available (the payload need not be). flags: SIW_PARSE_EXT.
 *
 * Checks, in the order Linux siw applies them: DDP version, RDMAP
 * version, opcode, T bit, ULPDU_Length against the header length, then
 * the untagged queue number and the single-segment rules of Read
 * Request and Terminate. MSN and MO sequencing is left to the QP
 * (see siw_ddp_check_msn()/siw_ddp_check_mo()).
 *
 * Returns 0, a positive cause, or -EAGAIN when len does not cover the
 * header yet (h->hdr_len then tells the header length once the
 * opcode is known).
 */
int siw_iwarp_parse(const void *buf, size_t len, unsigned int flags,
		    struct siw_iwarp_hdr *h)
{
	const struct siw_opcode_info *oi;
	const u8 *b = buf, *d;
	u8 c0, c1;

	if (!buf || !h)
		return -EINVAL;

	memset(h, 0, sizeof(*h));
	if (len < SIW_MPA_LEN_SIZE)
		return -EAGAIN;
	h->ulpdu_len = siw_get_be16(b);
	/* not even the control bytes: waiting for more would not help */
	if (h->ulpdu_len < 2)
		return SIW_ERR_MPA_LEN;
	if (len < SIW_MPA_LEN_SIZE + 2)
		return -EAGAIN;

	d = b + SIW_MPA_LEN_SIZE;
	c0 = d[0];
	c1 = d[1];
	h->tagged = !!(c0 & SIW_DDP_FLAG_T);
	h->last = !!(c0 & SIW_DDP_FLAG_L);

	if ((c0 & SIW_DDP_DV_MASK) != SIW_DDP_VERSION)
		return h->tagged ? SIW_ERR_DDP_VERSION_T : SIW_ERR_DDP_VERSION;
	if ((c1 & SIW_RDMAP_RV_MASK) >> SIW_RDMAP_RV_SHIFT !=
	    SIW_RDMAP_VERSION)
		return SIW_ERR_RDMAP_VERSION;

	h->opcode = c1 & SIW_RDMAP_OPCODE_MASK;
	oi = siw_rdmap_opcode_info(h->opcode);
	if (!oi || ((oi->flags & SIW_OPF_EXT) && !(flags & SIW_PARSE_EXT)))
		return SIW_ERR_OPCODE;
	h->hdr_len = oi->hdr_len;

	if (h->tagged != !!(oi->flags & SIW_OPF_TAGGED))
		return SIW_ERR_OPCODE_TBIT;

	/* as Linux siw: a ULPDU shorter than its header breaks framing */
	if (h->ulpdu_len < oi->hdr_len)
		return SIW_ERR_MPA_LEN;
	if (len < SIW_MPA_LEN_SIZE + (size_t)oi->hdr_len)
		return -EAGAIN;
	h->payload_len = h->ulpdu_len - oi->hdr_len;

	if (h->tagged) {
		h->stag = siw_get_be32(d + SIW_DDP_OFF_STAG);
		h->to = siw_get_be64(d + SIW_DDP_OFF_TO);
		return 0;
	}

	/* RsvdULP is not checked on receive unless it is an STag */
	if (oi->flags & SIW_OPF_INVAL)
		h->inval_stag = siw_get_be32(d + SIW_DDP_OFF_RSVDULP);
	h->qn = siw_get_be32(d + SIW_DDP_OFF_QN);
	h->msn = siw_get_be32(d + SIW_DDP_OFF_MSN);
	h->mo = siw_get_be32(d + SIW_DDP_OFF_MO);

	if (h->qn != oi->qn)
		return SIW_ERR_QN;

	if (oi->flags & SIW_OPF_SINGLE) {
		if (h->mo)
			return SIW_ERR_MO;
		/* more segments cannot fit the one-header queue buffer */
		if (!h->last)
			return SIW_ERR_MSG_TOO_BIG;
	}
	if ((oi->flags & SIW_OPF_NO_PAYLOAD) && h->payload_len)
		return SIW_ERR_MSG_TOO_BIG;
	if (h->opcode == SIW_RDMAP_OP_TERMINATE &&
	    h->payload_len > SIW_TERM_MAX_EXTRA)
		return SIW_ERR_MSG_TOO_BIG;

	switch (h->opcode) {
	case SIW_RDMAP_OP_READ_REQ:
		h->rreq.sink_stag = siw_get_be32(d + SIW_RREQ_OFF_SINK_STAG);
		h->rreq.sink_to = siw_get_be64(d + SIW_RREQ_OFF_SINK_TO);
		h->rreq.read_size = siw_get_be32(d + SIW_RREQ_OFF_SIZE);
		h->rreq.src_stag = siw_get_be32(d + SIW_RREQ_OFF_SRC_STAG);
		h->rreq.src_to = siw_get_be64(d + SIW_RREQ_OFF_SRC_TO);
		break;
	case SIW_RDMAP_OP_SEND:
	case SIW_RDMAP_OP_SEND_INV:
	case SIW_RDMAP_OP_SEND_SE:
	case SIW_RDMAP_OP_SEND_SE_INV:
		/* reserved unless both sides speak the extensions */
		if (flags & SIW_PARSE_EXT)
			h->imm_next = h->last && (c1 & SIW_RDMAP_FLAG_IMM_NEXT);
		break;
	case SIW_RDMAP_OP_IMM_DATA:
	case SIW_RDMAP_OP_IMM_DATA_SE:
		h->imm = siw_get_be64(d + SIW_IMM_OFF_DATA);
		break;
	case SIW_RDMAP_OP_ATOMIC_REQ:
		h->atomic.op = d[SIW_AREQ_OFF_OPCODE + 3] &
			       SIW_AREQ_OPCODE_MASK;
		if (h->atomic.op != SIW_ATOMIC_FETCH_ADD &&
		    h->atomic.op != SIW_ATOMIC_CMP_SWAP)
			return SIW_ERR_OPCODE;
		h->atomic.req_id = siw_get_be32(d + SIW_AREQ_OFF_REQ_ID);
		h->atomic.stag = siw_get_be32(d + SIW_AREQ_OFF_STAG);
		h->atomic.to = siw_get_be64(d + SIW_AREQ_OFF_TO);
		h->atomic.add_swap = siw_get_be64(d + SIW_AREQ_OFF_ADD_SWAP);
		h->atomic.add_swap_mask =
			siw_get_be64(d + SIW_AREQ_OFF_ADD_SWAP_MASK);
		h->atomic.cmp = siw_get_be64(d + SIW_AREQ_OFF_CMP);
		h->atomic.cmp_mask = siw_get_be64(d + SIW_AREQ_OFF_CMP_MASK);
		break;
	case SIW_RDMAP_OP_ATOMIC_RESP:
		h->atomic.req_id = siw_get_be32(d + SIW_ARESP_OFF_REQ_ID);
		h->atomic.orig = siw_get_be64(d + SIW_ARESP_OFF_ORIG);
		break;
	default:
		break;
	}
	return 0;
}

/*
 * Write ULPDU_Length and the DDP/RDMAP header for h to buf.
 * ULPDU_Length is hdr_len + h->payload_len; h->tagged and h->hdr_len
 * are taken from the opcode table, not from h. Header bytes this
 * function does not know (Terminate control, RFC 7306 fields) are
 * zeroed for the caller to fill in. Returns the bytes written.
 */
int siw_iwarp_build(const struct siw_iwarp_hdr *h, unsigned int flags,
		    void *buf, size_t len)
{
	const struct siw_opcode_info *oi;
	u8 *b = buf, *d;

	if (!h || !buf)
		return -EINVAL;
	oi = siw_rdmap_opcode_info(h->opcode);
	if (!oi || ((oi->flags & SIW_OPF_EXT) && !(flags & SIW_PARSE_EXT)))
		return -EINVAL;
	if ((u32)oi->hdr_len + h->payload_len > SIW_MPA_ULPDU_MAX)
		return -EMSGSIZE;
	if (!(oi->flags & SIW_OPF_TAGGED) && h->qn != oi->qn)
		return -EINVAL;
	if ((oi->flags & SIW_OPF_SINGLE) && (!h->last || h->mo))
		return -EINVAL;
	if ((oi->flags & SIW_OPF_NO_PAYLOAD) && h->payload_len)
		return -EINVAL;
	if (h->opcode == SIW_RDMAP_OP_TERMINATE &&
	    h->payload_len > SIW_TERM_MAX_EXTRA)
		return -EMSGSIZE;
	if (len < SIW_MPA_LEN_SIZE + (size_t)oi->hdr_len)
		return -ENOSPC;

	siw_put_be16(b, (u16)(oi->hdr_len + h->payload_len));
	d = b + SIW_MPA_LEN_SIZE;
	d[0] = SIW_DDP_VERSION;
	if (oi->flags & SIW_OPF_TAGGED)
		d[0] |= SIW_DDP_FLAG_T;
	if (h->last)
		d[0] |= SIW_DDP_FLAG_L;
	d[1] = SIW_RDMAP_VERSION << SIW_RDMAP_RV_SHIFT | h->opcode;
	if (h->imm_next && h->last && (flags & SIW_PARSE_EXT) &&
	    oi->qn == SIW_QN_SEND && !(oi->flags & SIW_OPF_EXT))
		d[1] |= SIW_RDMAP_FLAG_IMM_NEXT;

	if (oi->flags & SIW_OPF_TAGGED) {
		siw_put_be32(d + SIW_DDP_OFF_STAG, h->stag);
		siw_put_be64(d + SIW_DDP_OFF_TO, h->to);
		return SIW_MPA_LEN_SIZE + oi->hdr_len;
	}

	siw_put_be32(d + SIW_DDP_OFF_RSVDULP,
		     oi->flags & SIW_OPF_INVAL ? h->inval_stag : 0);
	siw_put_be32(d + SIW_DDP_OFF_QN, h->qn);
	siw_put_be32(d + SIW_DDP_OFF_MSN, h->msn);
	siw_put_be32(d + SIW_DDP_OFF_MO, h->mo);
	memset(d + SIW_DDP_UNTAGGED_HDR_LEN, 0,
	       oi->hdr_len - SIW_DDP_UNTAGGED_HDR_LEN);

	switch (h->opcode) {
	case SIW_RDMAP_OP_READ_REQ:
		siw_put_be32(d + SIW_RREQ_OFF_SINK_STAG, h->rreq.sink_stag);
		siw_put_be64(d + SIW_RREQ_OFF_SINK_TO, h->rreq.sink_to);
		siw_put_be32(d + SIW_RREQ_OFF_SIZE, h->rreq.read_size);
		siw_put_be32(d + SIW_RREQ_OFF_SRC_STAG, h->rreq.src_stag);
		siw_put_be64(d + SIW_RREQ_OFF_SRC_TO, h->rreq.src_to);
		break;
	case SIW_RDMAP_OP_IMM_DATA:
	case SIW_RDMAP_OP_IMM_DATA_SE:
		siw_put_be64(d + SIW_IMM_OFF_DATA, h->imm);
		break;
	case SIW_RDMAP_OP_ATOMIC_REQ:
		if (h->atomic.op != SIW_ATOMIC_FETCH_ADD &&
		    h->atomic.op != SIW_ATOMIC_CMP_SWAP)
			return -EINVAL;
		d[SIW_AREQ_OFF_OPCODE + 3] = h->atomic.op;
		siw_put_be32(d + SIW_AREQ_OFF_REQ_ID, h->atomic.req_id);
		siw_put_be32(d + SIW_AREQ_OFF_STAG, h->atomic.stag);
		siw_put_be64(d + SIW_AREQ_OFF_TO, h->atomic.to);
		siw_put_be64(d + SIW_AREQ_OFF_ADD_SWAP, h->atomic.add_swap);
		siw_put_be64(d + SIW_AREQ_OFF_ADD_SWAP_MASK,
			     h->atomic.add_swap_mask);
		siw_put_be64(d + SIW_AREQ_OFF_CMP, h->atomic.cmp);
		siw_put_be64(d + SIW_AREQ_OFF_CMP_MASK, h->atomic.cmp_mask);
		break;
	case SIW_RDMAP_OP_ATOMIC_RESP:
		siw_put_be32(d + SIW_ARESP_OFF_REQ_ID, h->atomic.req_id);
		siw_put_be64(d + SIW_ARESP_OFF_ORIG, h->atomic.orig);
		break;
	default:
		break;
	}
	return SIW_MPA_LEN_SIZE + oi->hdr_len;
}

u64 siw_atomic_result(const struct siw_atomic_fields *a, u64 orig)
{
	u64 sum = 0, carry = 0, bit, x, y;
	int i;

	if (a->op == SIW_ATOMIC_CMP_SWAP) {
		if ((orig ^ a->cmp) & a->cmp_mask)
			return orig;
		return (orig & ~a->add_swap_mask) |
		       (a->add_swap & a->add_swap_mask);
	}
	if (!a->add_swap_mask)
		return orig + a->add_swap;
	/* Fields: add bit by bit, the carry stops at each field's end. */
	for (i = 0; i < 64; i++) {
		bit = 1ULL << i;
		x = !!(orig & bit);
		y = !!(a->add_swap & bit);
		if ((x + y + carry) & 1)
			sum |= bit;
		carry = (x + y + carry) >> 1;
		if (a->add_swap_mask & bit)
			carry = 0;
	}
	return sum;
}

/*
 * MSN check for an untagged segment (RFC 5041 sec 5.3). expected is
 * the next MSN of the queue, nbufs how many receive buffers are
 * posted from there on. An MSN ahead of the buffers lacks a buffer;
 * one behind expected (more than 2^31 ahead, modulo 2^32) is out of
 * range.
 */
int siw_ddp_check_msn(u32 msn, u32 expected, u32 nbufs)
{
	u32 d = msn - expected;

	if (d < nbufs)
		return 0;
	if (d < 0x80000000U)
		return SIW_ERR_NO_RECV_BUF;
	return SIW_ERR_MSN_RANGE;
}

/* Does a segment at message offset mo fit a buf_len byte buffer? */
int siw_ddp_check_mo(u32 mo, u32 seg_len, u32 buf_len)
{
	if (mo > buf_len)
		return SIW_ERR_MO;
	if (seg_len > buf_len - mo)
		return SIW_ERR_MSG_TOO_BIG;
	return 0;
}

/*
 * Tagged placement bounds: len bytes at tagged offset to must lie in
 * the region [base, base + size). Written to avoid u64 overflow.
 */
int siw_ddp_check_tagged(u64 to, u32 len, u64 base, u64 size)
{
	if (to > ~0ULL - len)
		return SIW_ERR_TO_WRAP;
	if (to < base || to - base > size || len > size - (to - base))
		return SIW_ERR_BASE_BOUNDS;
	return 0;
}
