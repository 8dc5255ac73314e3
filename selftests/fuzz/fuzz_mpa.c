// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target: MPA request/reply parsing and negotiation.
 *
 * Input: raw bytes, parsed as request and as reply. Invariants:
 *  - only -EAGAIN or SIW_ERR_MPA_REQ_REP may come back, and -EAGAIN
 *    only when the input is shorter than the frame;
 *  - a parsed frame re-encodes to the same bytes, except reserved
 *    flag bits, and parses back to the same fields;
 *  - if a responder accepts a request, the reply it builds is
 *    acceptable to the initiator that sent that request, and both
 *    ends agree on CRC, RTR type and IRD/ORD limits;
 *  - an initiator (policy from the last two input bytes) that checks
 *    any parsed reply against its own request either refuses it with
 *    a cause or ends up with settings both sides asked for or allow.
 */
#include "fuzz_common.h"

static void check_same(const struct siw_mpa_rr *a, const struct siw_mpa_rr *b)
{
	CHECK(a->type == b->type && a->rev == b->rev);
	CHECK(a->markers == b->markers && a->crc == b->crc);
	CHECK(a->reject == b->reject && a->gso == b->gso);
	CHECK(a->enhanced == b->enhanced && a->p2p == b->p2p);
	CHECK(a->ext == b->ext);
	CHECK(a->rtr == b->rtr && a->ird == b->ird && a->ord == b->ord);
	CHECK(a->pd_len == b->pd_len && a->frame_len == b->frame_len);
	CHECK(!a->pd_len || !memcmp(a->pd, b->pd, a->pd_len));
}

static void roundtrip(const uint8_t *data, size_t size,
		      const struct siw_mpa_rr *rr)
{
	static u8 buf[SIW_MPA_MAX_FRAME];
	struct siw_mpa_rr back;
	u8 known;
	int n;

	CHECK(rr->frame_len >= SIW_MPA_HDR_LEN && rr->frame_len <= size);
	CHECK(rr->frame_len <= SIW_MPA_MAX_FRAME);
	CHECK(rr->rev == 1 || rr->rev == 2);
	CHECK(!rr->enhanced || rr->rev == 2);
	CHECK(rr->pd_len + (rr->enhanced ? 4 : 0) + SIW_MPA_HDR_LEN ==
	      rr->frame_len);
	CHECK(!rr->pd_len || (rr->pd >= data &&
			      rr->pd + rr->pd_len <= data + size));
	CHECK(rr->ird <= SIW_MPA_V2_IRD_ORD_MASK);
	CHECK(rr->ord <= SIW_MPA_V2_IRD_ORD_MASK);

	n = siw_mpa_encode(rr, buf, sizeof(buf));
	CHECK(n == rr->frame_len);
	/* a reject never claims the RFC 7306 extensions */
	known = SIW_MPA_FLAG_M | SIW_MPA_FLAG_C | SIW_MPA_FLAG_R |
		(rr->type == SIW_MPA_REQ ? SIW_MPA_FLAG_GSO :
		 SIW_MPA_FLAG_GSO_ACK) |
		(rr->enhanced ? SIW_MPA_FLAG_E : 0) |
		(rr->reject ? 0 : rr->type == SIW_MPA_REQ ?
		 SIW_MPA_FLAG_EXT : SIW_MPA_FLAG_EXT_ACK);
	CHECK(!memcmp(buf, data, SIW_MPA_OFF_FLAGS));
	CHECK(buf[SIW_MPA_OFF_FLAGS] == (data[SIW_MPA_OFF_FLAGS] & known));
	CHECK(!memcmp(buf + SIW_MPA_OFF_REV, data + SIW_MPA_OFF_REV,
		      (size_t)n - SIW_MPA_OFF_REV));

	CHECK(siw_mpa_parse(buf, (size_t)n, rr->type, &back) == 0);
	back.flags = rr->flags;
	CHECK(back.ext == (rr->ext && !rr->reject));
	back.ext = rr->ext;
	check_same(rr, &back);
}

/* Initiator policy matching a request as if we had sent it. */
static int initiator_policy(const struct siw_mpa_rr *req,
			    struct siw_mpa_policy *ip)
{
	memset(ip, 0, sizeof(*ip));
	ip->rev = req->rev;
	ip->crc_required = req->crc;
	ip->crc_allowed = true;
	ip->markers_rx = req->markers;
	ip->markers_tx = true;
	ip->enhanced = req->enhanced;
	ip->p2p = req->p2p;
	ip->rtr = req->rtr;
	ip->ird = req->ird;
	ip->ord = req->ord;
	ip->gso = req->gso;
	ip->max_ird = SIW_MPA_V2_IRD_ORD_MASK;
	/* Linux-style p2p without offered types is not ours to send */
	return req->p2p && !req->rtr ? -EINVAL : 0;
}

static void negotiate(const struct siw_mpa_rr *req, const uint8_t *data,
		      size_t size)
{
	static u8 buf[SIW_MPA_MAX_FRAME];
	struct siw_mpa_policy rp, ip;
	struct siw_mpa_result rres, ires;
	struct siw_mpa_rr rep, rx_rep;
	u8 k = size > 20 ? data[size - 1] : 0;
	int rv, n;

	/* responder policy drawn from the last input byte */
	memset(&rp, 0, sizeof(rp));
	rp.rev = 2;
	rp.enhanced = true;
	rp.crc_allowed = !(k & 0x40) || (k & 0x01);
	rp.crc_required = k & 0x01;
	rp.markers_tx = !(k & 0x80);
	rp.markers_rx = k & 0x02;
	rp.p2p = !(k & 0x04);
	rp.rtr = rp.p2p ? (k >> 3 & SIW_RTR_MASK) | SIW_RTR_WRITE : 0;
	rp.ird = k & 0x0f;
	rp.ord = k >> 4;
	rp.max_ird = k & 0x20 ? 0 : 64;
	rp.gso = !(k & 0x08);

	rv = siw_mpa_negotiate_req(&rp, req, &rres);
	CHECK(rv == 0 || rv == SIW_ERR_MPA_REQ_REP || rv == SIW_ERR_MPA_IRD ||
	      rv == SIW_ERR_MPA_RTR);
	if (rv) {
		CHECK(siw_mpa_reject_init(req, NULL, 0, &rep) == 0);
		CHECK(siw_mpa_encode(&rep, buf, sizeof(buf)) == 20);
		return;
	}
	CHECK(rres.rev <= req->rev && rres.crc == (req->crc || rp.crc_required));
	CHECK(!rres.enhanced || rres.ord <= req->ird);
	CHECK(!rres.enhanced || rres.ird >= req->ord);
	CHECK(!rres.p2p || (rres.rtr && !(rres.rtr & (rres.rtr - 1))));

	n = req->pd_len > 500 ? 500 : req->pd_len;
	CHECK(siw_mpa_rep_init(&rres, req->pd, (u16)n, &rep) == 0);
	n = siw_mpa_encode(&rep, buf, sizeof(buf));
	CHECK(n >= 20);
	CHECK(siw_mpa_parse(buf, (size_t)n, SIW_MPA_REP, &rx_rep) == 0);

	if (initiator_policy(req, &ip))
		return;
	rv = siw_mpa_negotiate_rep(&ip, req, &rx_rep, &ires);
	/* a zero length Read RTR offered without ORD fails, rightly */
	if (rres.rtr == SIW_RTR_READ && !req->ord) {
		CHECK(rv == SIW_ERR_MPA_RTR);
		return;
	}
	CHECK(rv == 0);
	CHECK(ires.crc == rres.crc && ires.rev == rres.rev);
	CHECK(ires.enhanced == rres.enhanced && ires.p2p == rres.p2p);
	CHECK(ires.rtr == rres.rtr);
	CHECK(ires.gso == rres.gso && rres.gso == (req->gso && rp.gso));
	CHECK(ires.markers_tx == rres.markers_rx);
	CHECK(ires.markers_rx == rres.markers_tx);
	if (ires.enhanced) {
		CHECK(ires.ord <= rres.ird && rres.ord <= ires.ird);
		CHECK(ires.ord <= req->ord);
	}
}

/* Initiator side: our request (policy from k, k2), the peer's reply. */
static void initiate(const struct siw_mpa_rr *rep, u8 k, u8 k2)
{
	static u8 buf[SIW_MPA_MAX_FRAME];
	struct siw_mpa_rr req, back;
	struct siw_mpa_policy ip;
	struct siw_mpa_result res;
	u16 max_ird;
	int rv, n;

	memset(&ip, 0, sizeof(ip));
	ip.rev = k & 1 ? SIW_MPA_REV_2 : SIW_MPA_REV_1;
	ip.enhanced = ip.rev == SIW_MPA_REV_2 && !(k & 2);
	ip.crc_required = k & 8;
	ip.crc_allowed = ip.crc_required || !(k & 4);
	ip.markers_rx = k & 0x10;
	ip.markers_tx = !(k & 0x20);
	ip.p2p = ip.enhanced && (k & 0x40);
	ip.rtr = ip.p2p ? ((k2 & SIW_RTR_MASK) ? k2 & SIW_RTR_MASK :
			   SIW_RTR_WRITE) : 0;
	ip.ext = k & 0x80;
	ip.gso = (k ^ k2) & 4;
	ip.ird = k2 >> 3 & 7;
	ip.ord = k2 >> 6;
	max_ird = k2 & 0x20 ? 0 : 32;
	ip.max_ird = max_ird;
	max_ird = max_ird > ip.ird ? max_ird : ip.ird;

	CHECK(siw_mpa_req_init(&ip, "pd", 2, &req) == 0);
	n = siw_mpa_encode(&req, buf, sizeof(buf));
	CHECK(n == siw_mpa_frame_len(&req));
	CHECK(siw_mpa_parse(buf, (size_t)n, SIW_MPA_REQ, &back) == 0);
	back.flags = 0;
	req.frame_len = back.frame_len;
	check_same(&req, &back);

	rv = siw_mpa_negotiate_rep(&ip, &req, rep, &res);
	if (rep->reject) {
		CHECK(rv == -ECONNREFUSED);
		return;
	}
	CHECK(rv == 0 || rv == SIW_ERR_MPA_REQ_REP || rv == SIW_ERR_MPA_IRD ||
	      rv == SIW_ERR_MPA_RTR);
	if (rv)
		return;
	CHECK(res.rev == rep->rev && res.rev <= req.rev);
	CHECK(res.crc == rep->crc && (!req.crc || res.crc));
	CHECK(!res.crc || ip.crc_allowed);
	CHECK(res.markers_tx == rep->markers);
	CHECK(!res.markers_tx || ip.markers_tx);
	CHECK(res.markers_rx == req.markers);
	CHECK(!res.ext || (req.ext && rep->ext));
	CHECK(res.gso == (req.gso && rep->gso));
	CHECK(res.enhanced == req.enhanced);
	if (!res.enhanced)
		return;
	CHECK(res.ord <= rep->ird && res.ord <= req.ord);
	CHECK(res.ird >= rep->ord && res.ird <= max_ird);
	CHECK(res.p2p == req.p2p);
	if (!res.p2p)
		return;
	CHECK(res.rtr && !(res.rtr & (res.rtr - 1)));
	CHECK(res.rtr & req.rtr & rep->rtr);
	CHECK(res.rtr != SIW_RTR_READ || res.ord);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct siw_mpa_rr rr, hdr;
	int type, rv;

	for (type = SIW_MPA_REQ; type <= SIW_MPA_REP; type++) {
		rv = siw_mpa_parse(data, size, type, &rr);
		if (rv == -EAGAIN) {
			CHECK(size < SIW_MPA_HDR_LEN || size < rr.frame_len);
			continue;
		}
		if (rv) {
			CHECK(rv == SIW_ERR_MPA_REQ_REP);
			continue;
		}
		CHECK(siw_mpa_parse_hdr(data, size, type, &hdr) == 0 &&
		      hdr.frame_len == rr.frame_len);
		roundtrip(data, size, &rr);
		if (type == SIW_MPA_REQ)
			negotiate(&rr, data, size);
		else
			initiate(&rr, size > 20 ? data[size - 1] : 0,
				 size > 21 ? data[size - 2] : 0);
	}
	return 0;
}
