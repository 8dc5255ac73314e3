// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * MPA connection setup: request/reply frames (RFC 5044 sec 7.1) with
 * the RFC 6581 enhanced header (IRD/ORD, peer-to-peer RTR), plus the
 * negotiation of CRC, markers, revision, IRD/ORD and RTR type.
 *
 * Frame: key (16) | M C R E G res(3) | rev (1) | PD_Length (2, BE) |
 * private data. With rev 2 and E set, the first 4 private data bytes
 * are |P|S| IRD (14) | W|R| ORD (14) | and count in PD_Length, as in
 * Linux siw (struct mpa_v2_data).
 */
#include "iwarp.h"

static u16 siw_min16(u16 a, u16 b)
{
	return a < b ? a : b;
}

static int siw_mpa_check_type(enum siw_mpa_type type)
{
	return type == SIW_MPA_REQ || type == SIW_MPA_REP ? 0 : -EINVAL;
}

/*
 * Parse the fixed 20 byte header only. Lets a receiver learn how much
 * private data follows before it has all of it: rr->frame_len is the
 * full frame length on success.
 */
int siw_mpa_parse_hdr(const void *buf, size_t len, enum siw_mpa_type type,
		      struct siw_mpa_rr *rr)
{
	const u8 *b = buf;
	const char *key;
	u16 pd_wire;

	if (!buf || !rr || siw_mpa_check_type(type))
		return -EINVAL;

	memset(rr, 0, sizeof(*rr));
	rr->type = (u8)type;

	if (len < SIW_MPA_HDR_LEN)
		return -EAGAIN;

	key = type == SIW_MPA_REQ ? SIW_MPA_KEY_REQ : SIW_MPA_KEY_REP;
	if (memcmp(b, key, SIW_MPA_KEY_LEN))
		return SIW_ERR_MPA_REQ_REP;

	rr->flags = b[SIW_MPA_OFF_FLAGS];
	rr->rev = b[SIW_MPA_OFF_REV];
	pd_wire = siw_get_be16(b + SIW_MPA_OFF_PDLEN);

	/* Revision 0 predates RFC 5044; nothing above 2 is defined. */
	if (rr->rev != SIW_MPA_REV_1 && rr->rev != SIW_MPA_REV_2)
		return SIW_ERR_MPA_REQ_REP;

	if (pd_wire > SIW_MPA_MAX_PD)
		return SIW_ERR_MPA_REQ_REP;

	rr->markers = !!(rr->flags & SIW_MPA_FLAG_M);
	rr->crc = !!(rr->flags & SIW_MPA_FLAG_C);
	rr->reject = !!(rr->flags & SIW_MPA_FLAG_R);
	rr->gso = !!(rr->flags & (type == SIW_MPA_REQ ? SIW_MPA_FLAG_GSO :
						   SIW_MPA_FLAG_GSO_ACK));
	rr->ext = !!(rr->flags & (type == SIW_MPA_REQ ? SIW_MPA_FLAG_EXT :
						   SIW_MPA_FLAG_EXT_ACK));

	/* Only a responder may reject. */
	if (rr->reject && type == SIW_MPA_REQ)
		return SIW_ERR_MPA_REQ_REP;

	/* E is a reserved bit in revision 1: ignore it there. */
	rr->enhanced = rr->rev == SIW_MPA_REV_2 &&
		       (rr->flags & SIW_MPA_FLAG_E);
	if (rr->enhanced && pd_wire < SIW_MPA_V2_HDR_LEN) {
		/*
		 * Linux siw rejects a malformed enhanced request with E
		 * echoed but no IRD/ORD: still a reject, not garbage.
		 */
		if (!rr->reject)
			return SIW_ERR_MPA_REQ_REP;
		rr->enhanced = false;
	}

	rr->pd_len = (u16)(pd_wire - (rr->enhanced ? SIW_MPA_V2_HDR_LEN : 0));
	rr->frame_len = SIW_MPA_HDR_LEN + pd_wire;

	return 0;
}

/*
 * Parse a complete request or reply. Bytes beyond rr->frame_len are
 * not looked at: whether they are allowed is the caller's business
 * (Linux siw treats data before the reply is sent as a violation).
 * rr->pd points into buf.
 */
int siw_mpa_parse(const void *buf, size_t len, enum siw_mpa_type type,
		  struct siw_mpa_rr *rr)
{
	const u8 *b = buf;
	u16 ird, ord;
	int rv;

	rv = siw_mpa_parse_hdr(buf, len, type, rr);
	if (rv)
		return rv;

	if (len < rr->frame_len)
		return -EAGAIN;

	b += SIW_MPA_HDR_LEN;
	if (rr->enhanced) {
		ird = siw_get_be16(b);
		ord = siw_get_be16(b + 2);

		rr->p2p = !!(ird & SIW_MPA_V2_P);
		if (ird & SIW_MPA_V2_RTR_SEND)
			rr->rtr |= SIW_RTR_SEND;
		if (ord & SIW_MPA_V2_RTR_WRITE)
			rr->rtr |= SIW_RTR_WRITE;
		if (ord & SIW_MPA_V2_RTR_READ)
			rr->rtr |= SIW_RTR_READ;
		rr->ird = ird & SIW_MPA_V2_IRD_ORD_MASK;
		rr->ord = ord & SIW_MPA_V2_IRD_ORD_MASK;
		b += SIW_MPA_V2_HDR_LEN;
	}
	rr->pd = rr->pd_len ? b : NULL;

	return 0;
}

/* Validate an rr for encoding and return its frame length. */
int siw_mpa_frame_len(const struct siw_mpa_rr *rr)
{
	u32 pd_wire;

	if (!rr || siw_mpa_check_type(rr->type))
		return -EINVAL;
	if (rr->rev != SIW_MPA_REV_1 && rr->rev != SIW_MPA_REV_2)
		return -EINVAL;
	if (rr->reject && rr->type == SIW_MPA_REQ)
		return -EINVAL;
	if (rr->pd_len && !rr->pd)
		return -EINVAL;
	if (rr->enhanced) {
		if (rr->rev != SIW_MPA_REV_2 ||
		    rr->ird > SIW_MPA_V2_IRD_ORD_MASK ||
		    rr->ord > SIW_MPA_V2_IRD_ORD_MASK ||
		    (rr->rtr & ~SIW_RTR_MASK))
			return -EINVAL;
	} else if (rr->p2p || rr->rtr) {
		/* no place on the wire for them */
		return -EINVAL;
	}
	pd_wire = (u32)rr->pd_len + (rr->enhanced ? SIW_MPA_V2_HDR_LEN : 0);
	if (pd_wire > SIW_MPA_MAX_PD)
		return -EMSGSIZE;

	return (int)(SIW_MPA_HDR_LEN + pd_wire);
}

/*
 * Write rr as a wire frame. Reserved flag bits are sent as zero, as
 * RFC 5044 demands; rr->flags is ignored. Returns the frame length.
 */
int siw_mpa_encode(const struct siw_mpa_rr *rr, void *buf, size_t len)
{
	u8 *b = buf;
	u16 ird, ord;
	u8 flags = 0;
	int flen;

	flen = siw_mpa_frame_len(rr);
	if (flen < 0)
		return flen;
	if (!buf)
		return -EINVAL;
	if (len < (size_t)flen)
		return -ENOSPC;

	if (rr->markers)
		flags |= SIW_MPA_FLAG_M;
	if (rr->crc)
		flags |= SIW_MPA_FLAG_C;
	if (rr->reject)
		flags |= SIW_MPA_FLAG_R;
	if (rr->enhanced)
		flags |= SIW_MPA_FLAG_E;
	if (rr->gso)
		flags |= rr->type == SIW_MPA_REQ ? SIW_MPA_FLAG_GSO :
						   SIW_MPA_FLAG_GSO_ACK;
	if (rr->ext && !rr->reject)
		flags |= rr->type == SIW_MPA_REQ ? SIW_MPA_FLAG_EXT :
						   SIW_MPA_FLAG_EXT_ACK;

	/* private data first: rr->pd may alias buf (in-place re-encode) */
	if (rr->pd_len)
		memmove(b + flen - rr->pd_len, rr->pd, rr->pd_len);

	memcpy(b, rr->type == SIW_MPA_REQ ? SIW_MPA_KEY_REQ : SIW_MPA_KEY_REP,
	       SIW_MPA_KEY_LEN);
	b[SIW_MPA_OFF_FLAGS] = flags;
	b[SIW_MPA_OFF_REV] = rr->rev;
	siw_put_be16(b + SIW_MPA_OFF_PDLEN, (u16)(flen - SIW_MPA_HDR_LEN));

	if (rr->enhanced) {
		ird = rr->ird;
		ord = rr->ord;
		if (rr->p2p)
			ird |= SIW_MPA_V2_P;
		if (rr->rtr & SIW_RTR_SEND)
			ird |= SIW_MPA_V2_RTR_SEND;
		if (rr->rtr & SIW_RTR_WRITE)
			ord |= SIW_MPA_V2_RTR_WRITE;
		if (rr->rtr & SIW_RTR_READ)
			ord |= SIW_MPA_V2_RTR_READ;
		siw_put_be16(b + SIW_MPA_HDR_LEN, ird);
		siw_put_be16(b + SIW_MPA_HDR_LEN + 2, ord);
	}
	return flen;
}

static int siw_mpa_check_policy(const struct siw_mpa_policy *pol)
{
	if (!pol)
		return -EINVAL;
	if (pol->rev != SIW_MPA_REV_1 && pol->rev != SIW_MPA_REV_2)
		return -EINVAL;
	if (pol->enhanced && pol->rev != SIW_MPA_REV_2)
		return -EINVAL;
	if (pol->crc_required && !pol->crc_allowed)
		return -EINVAL;
	if (pol->ird > SIW_MPA_V2_IRD_ORD_MASK ||
	    pol->ord > SIW_MPA_V2_IRD_ORD_MASK ||
	    pol->max_ird > SIW_MPA_V2_IRD_ORD_MASK)
		return -EINVAL;
	if (pol->rtr & ~SIW_RTR_MASK)
		return -EINVAL;
	/* peer-to-peer needs the enhanced exchange and some RTR type */
	if (pol->p2p && (!pol->enhanced || !pol->rtr))
		return -EINVAL;
	return 0;
}

static u16 siw_mpa_max_ird(const struct siw_mpa_policy *pol)
{
	return pol->max_ird > pol->ird ? pol->max_ird : pol->ird;
}

/*
 * Pick one RTR type from a mask. Zero length Write is preferred as it
 * needs neither a posted receive (Send) nor read credits (Read); the
 * same order Linux siw uses.
 */
static u8 siw_mpa_pick_rtr(u8 mask)
{
	if (mask & SIW_RTR_WRITE)
		return SIW_RTR_WRITE;
	if (mask & SIW_RTR_READ)
		return SIW_RTR_READ;
	if (mask & SIW_RTR_SEND)
		return SIW_RTR_SEND;
	return 0;
}

/* Initiator: build the request to send from the local policy. */
int siw_mpa_req_init(const struct siw_mpa_policy *pol, const void *pd,
		     u16 pd_len, struct siw_mpa_rr *req)
{
	int rv;

	rv = siw_mpa_check_policy(pol);
	if (rv)
		return rv;
	if (!req || (pd_len && !pd))
		return -EINVAL;

	memset(req, 0, sizeof(*req));
	req->type = SIW_MPA_REQ;
	req->rev = pol->rev;
	req->markers = pol->markers_rx;
	req->crc = pol->crc_required;
	req->ext = pol->ext;
	req->gso = pol->gso;
	req->enhanced = pol->enhanced;
	if (req->enhanced) {
		req->ird = pol->ird;
		req->ord = pol->ord;
		req->p2p = pol->p2p;
		req->rtr = pol->p2p ? pol->rtr : 0;
	}
	req->pd = pd;
	req->pd_len = pd_len;

	rv = siw_mpa_frame_len(req);
	return rv < 0 ? rv : 0;
}

/*
 * Responder: decide on a received request. On success res describes
 * the connection and feeds siw_mpa_rep_init(). A positive return is
 * the reason to reject (send siw_mpa_reject_init()).
 *
 * IRD/ORD (RFC 6581 sec 8): our ORD never exceeds the initiator's IRD;
 * our IRD must cover the initiator's ORD and may be raised up to
 * max_ird for that, otherwise the IRD is insufficient.
 */
int siw_mpa_negotiate_req(const struct siw_mpa_policy *pol,
			  const struct siw_mpa_rr *req,
			  struct siw_mpa_result *res)
{
	u16 max_ird;
	u8 rtr;
	int rv;

	rv = siw_mpa_check_policy(pol);
	if (rv)
		return rv;
	if (!req || !res || req->type != SIW_MPA_REQ)
		return -EINVAL;

	memset(res, 0, sizeof(*res));

	/* A revision 2 responder talks revision 1 to old initiators. */
	res->rev = req->rev < pol->rev ? req->rev : pol->rev;

	/* M asks the receiver of the request to insert markers. */
	if (req->markers && !pol->markers_tx)
		return SIW_ERR_MPA_REQ_REP;
	res->markers_tx = req->markers;
	res->markers_rx = pol->markers_rx;

	/* RFC 5044: CRC is used if either side asks for it. */
	if (req->crc && !pol->crc_allowed)
		return SIW_ERR_MPA_REQ_REP;
	res->crc = req->crc || pol->crc_required;

	res->ird = pol->ird;
	res->ord = pol->ord;
	res->ext = req->ext && pol->ext;
	res->gso = req->gso && pol->gso;

	res->enhanced = req->enhanced && pol->enhanced &&
			res->rev == SIW_MPA_REV_2;
	if (!res->enhanced)
		return 0;

	max_ird = siw_mpa_max_ird(pol);
	res->ord = siw_min16(pol->ord, req->ird);
	if (req->ord > res->ird) {
		if (req->ord > max_ird)
			return SIW_ERR_MPA_IRD;
		res->ird = req->ord;
	}

	if (!req->p2p)
		return 0;
	if (!pol->p2p)
		return SIW_ERR_MPA_RTR;

	/*
	 * An initiator offering no type gets Write proposed, as Linux
	 * siw does.
	 */
	rtr = req->rtr ? req->rtr : SIW_RTR_WRITE;
	rtr &= pol->rtr;
	/* A zero length Read needs one inbound read credit. */
	if (!res->ird && !max_ird)
		rtr &= ~SIW_RTR_READ;
	rtr = siw_mpa_pick_rtr(rtr);
	if (!rtr)
		return SIW_ERR_MPA_RTR;
	if (rtr == SIW_RTR_READ && !res->ird)
		res->ird = 1;

	res->p2p = true;
	res->rtr = rtr;
	return 0;
}

/* Responder: build the accepting reply from the negotiation result. */
int siw_mpa_rep_init(const struct siw_mpa_result *res, const void *pd,
		     u16 pd_len, struct siw_mpa_rr *rep)
{
	int rv;

	if (!res || !rep || (pd_len && !pd))
		return -EINVAL;

	memset(rep, 0, sizeof(*rep));
	rep->type = SIW_MPA_REP;
	rep->rev = res->rev;
	rep->markers = res->markers_rx;
	rep->crc = res->crc;
	rep->ext = res->ext;
	rep->gso = res->gso;
	rep->enhanced = res->enhanced;
	if (rep->enhanced) {
		rep->ird = res->ird;
		rep->ord = res->ord;
		rep->p2p = res->p2p;
		rep->rtr = res->p2p ? res->rtr : 0;
	}
	rep->pd = pd;
	rep->pd_len = pd_len;

	rv = siw_mpa_frame_len(rep);
	return rv < 0 ? rv : 0;
}

/*
 * Responder: build a reject reply. It mirrors revision and CRC flag of
 * the request and carries no enhanced header: initiators, Linux siw
 * included, look at R before anything else.
 */
int siw_mpa_reject_init(const struct siw_mpa_rr *req, const void *pd,
			u16 pd_len, struct siw_mpa_rr *rep)
{
	int rv;

	if (!req || !rep || (pd_len && !pd))
		return -EINVAL;

	memset(rep, 0, sizeof(*rep));
	rep->type = SIW_MPA_REP;
	rep->rev = req->rev == SIW_MPA_REV_2 ? SIW_MPA_REV_2 : SIW_MPA_REV_1;
	rep->crc = req->crc;
	rep->reject = true;
	rep->pd = pd;
	rep->pd_len = pd_len;

	rv = siw_mpa_frame_len(rep);
	return rv < 0 ? rv : 0;
}

/*
 * Initiator: check the reply against what we requested (req) and the
 * local policy. Returns -ECONNREFUSED if the peer rejected, a positive
 * cause if the reply is unacceptable (send a Terminate), 0 otherwise.
 */
int siw_mpa_negotiate_rep(const struct siw_mpa_policy *pol,
			  const struct siw_mpa_rr *req,
			  const struct siw_mpa_rr *rep,
			  struct siw_mpa_result *res)
{
	u8 rtr;
	int rv;

	rv = siw_mpa_check_policy(pol);
	if (rv)
		return rv;
	if (!req || !rep || !res || req->type != SIW_MPA_REQ ||
	    rep->type != SIW_MPA_REP)
		return -EINVAL;

	memset(res, 0, sizeof(*res));

	if (rep->reject)
		return -ECONNREFUSED;

	/* The responder may step down, never up. */
	if (rep->rev > req->rev)
		return SIW_ERR_MPA_REQ_REP;

	if (rep->markers && !pol->markers_tx)
		return SIW_ERR_MPA_REQ_REP;

	/* RFC 5044: a responder must echo C if the initiator set it. */
	if (req->crc && !rep->crc)
		return SIW_ERR_MPA_REQ_REP;
	if (rep->crc && !pol->crc_allowed)
		return SIW_ERR_MPA_REQ_REP;

	/* Nobody may accept an extension that was not offered. */
	if (rep->ext && !req->ext)
		return SIW_ERR_MPA_REQ_REP;
	res->ext = rep->ext;
	if (rep->gso && !req->gso)
		return SIW_ERR_MPA_REQ_REP;
	res->gso = rep->gso;

	res->rev = rep->rev;
	res->crc = rep->crc;
	res->markers_tx = rep->markers;
	res->markers_rx = req->markers;
	res->ird = pol->ird;
	res->ord = pol->ord;

	if (!req->enhanced) {
		/* enhanced data we did not ask for cannot be trusted */
		if (rep->enhanced)
			return SIW_ERR_MPA_REQ_REP;
		return 0;
	}
	/* Linux siw: an enhanced request requires an enhanced reply. */
	if (!rep->enhanced)
		return SIW_ERR_MPA_REQ_REP;

	res->enhanced = true;
	res->ird = req->ird;
	res->ord = siw_min16(req->ord, rep->ird);
	if (rep->ord > res->ird) {
		if (rep->ord > siw_mpa_max_ird(pol))
			return SIW_ERR_MPA_IRD;
		res->ird = rep->ord;
	}

	if (!req->p2p)
		return 0;

	/* The reply must select one of the types we offered. */
	rtr = siw_mpa_pick_rtr(rep->rtr & req->rtr);
	if (!rtr)
		return SIW_ERR_MPA_RTR;
	/* A zero length Read needs an outbound read credit. */
	if (rtr == SIW_RTR_READ && !res->ord)
		return SIW_ERR_MPA_RTR;

	res->p2p = true;
	res->rtr = rtr;
	return 0;
}
