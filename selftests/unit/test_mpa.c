// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* MPA request/reply frames and negotiation. */
#include <stddef.h>

#include "unit.h"

static const u8 key_req[16] = "MPA ID Req Frame";
static const u8 key_rep[16] = "MPA ID Rep Frame";

/* hand-assemble a frame: key, flags, rev, PD_Length, private data */
static size_t mk_frame(u8 *b, const u8 *key, u8 flags, u8 rev,
		       u16 pd_len, const u8 *pd, size_t n)
{
	memcpy(b, key, 16);
	b[16] = flags;
	b[17] = rev;
	b[18] = (u8)(pd_len >> 8);
	b[19] = (u8)pd_len;
	if (n)
		memcpy(b + 20, pd, n);
	return 20 + n;
}

/* Frames as Linux siw (siw_cm.c, struct mpa_rr + mpa_v2_data) sends. */
static void test_linux_images(void)
{
	static const u8 v2_default[4] = { 0x00, 0x10, 0x00, 0x08 };
	static const u8 v2_p2p[6] = { 0x80, 0x08, 0xc0, 0x04, 'h', 'i' };
	static const u8 v2_rep[4] = { 0x80, 0x10, 0x80, 0x08 };
	struct siw_mpa_rr rr, enc;
	u8 b[64], out[64];
	size_t n;

	/* mpa_version=1, no CRC, no private data */
	n = mk_frame(b, key_req, 0x00, 1, 0, NULL, 0);
	is_num(siw_mpa_parse(b, n, SIW_MPA_REQ, &rr), 0,
	       "Linux rev 1 request parses");
	ok(rr.rev == 1 && !rr.crc && !rr.markers && !rr.enhanced &&
	   !rr.pd_len && !rr.pd && rr.frame_len == 20,
	   "rev 1, no flags, no private data");

	/* default Linux request: rev 2, MPA_RR_FLAG_ENHANCED, ird 16/ord 8 */
	n = mk_frame(b, key_req, 0x10, 2, 4, v2_default, 4);
	is_num(siw_mpa_parse(b, n, SIW_MPA_REQ, &rr), 0,
	       "Linux enhanced request parses");
	ok(rr.enhanced && rr.ird == 16 && rr.ord == 8 && !rr.p2p &&
	   !rr.rtr && !rr.pd_len && rr.frame_len == 24,
	   "enhanced: IRD 16, ORD 8, no p2p, no ULP data");
	is_num(siw_mpa_encode(&rr, out, sizeof(out)), 24, "re-encodes");
	is_mem(out, b, 24, "re-encoding is byte identical");

	/* peer_to_peer=1, CRC: ird|P, ord|WRITE_RTR|READ_RTR, "hi" */
	n = mk_frame(b, key_req, 0x50, 2, 6, v2_p2p, 6);
	is_num(siw_mpa_parse(b, n, SIW_MPA_REQ, &rr), 0,
	       "Linux p2p request parses");
	ok(rr.crc && rr.enhanced && rr.p2p &&
	   rr.rtr == (SIW_RTR_WRITE | SIW_RTR_READ) && rr.ird == 8 &&
	   rr.ord == 4 && rr.pd_len == 2 && rr.pd == b + 24 &&
	   !memcmp(rr.pd, "hi", 2), "p2p, RTR write|read, IRD 8, ORD 4, pd");

	/* the same request built from fields */
	memset(&enc, 0, sizeof(enc));
	enc.type = SIW_MPA_REQ;
	enc.rev = 2;
	enc.crc = true;
	enc.enhanced = true;
	enc.p2p = true;
	enc.rtr = SIW_RTR_WRITE | SIW_RTR_READ;
	enc.ird = 8;
	enc.ord = 4;
	enc.pd = (const u8 *)"hi";
	enc.pd_len = 2;
	is_num(siw_mpa_encode(&enc, out, sizeof(out)), 26, "encode p2p req");
	is_mem(out, b, 26, "encoded p2p request equals Linux image");

	/* Linux reply selecting write RTR */
	n = mk_frame(b, key_rep, 0x10, 2, 4, v2_rep, 4);
	is_num(siw_mpa_parse(b, n, SIW_MPA_REP, &rr), 0,
	       "Linux p2p reply parses");
	ok(rr.p2p && rr.rtr == SIW_RTR_WRITE && rr.ird == 16 && rr.ord == 8,
	   "reply: p2p, write RTR, IRD 16, ORD 8");

	/* Linux reject: request bits | R, ~M, enhanced data kept */
	n = mk_frame(b, key_rep, 0x30, 2, 4, v2_default, 4);
	is_num(siw_mpa_parse(b, n, SIW_MPA_REP, &rr), 0,
	       "Linux reject parses");
	ok(rr.reject && rr.enhanced, "reject bit seen");

	/* try_gso: Linux private flag 0x08 */
	n = mk_frame(b, key_req, 0x48, 1, 0, NULL, 0);
	is_num(siw_mpa_parse(b, n, SIW_MPA_REQ, &rr), 0,
	       "GSO flag request parses");
	ok(rr.gso && rr.crc && rr.flags == 0x48, "GSO and CRC flags");
}

/* parse(encode(rr)) == rr for every flag combination */
static void test_roundtrip(void)
{
	static const u16 pds[] = { 0, 1, 3, 4, 100, 256, 508, 512 };
	static const u16 irds[] = { 0, 1, 0x1234, 0x3fff };
	static u8 pd[512], buf[SIW_MPA_MAX_FRAME];
	unsigned int type, rev, fl, e, p, rtr, i, j, cases, bad;
	struct siw_mpa_rr rr, back;

	for (i = 0; i < sizeof(pd); i++)
		pd[i] = (u8)(i * 13 + 1);

	for (type = SIW_MPA_REQ; type <= SIW_MPA_REP; type++)
	for (rev = 1; rev <= 2; rev++) {
		cases = 0;
		bad = 0;
		for (fl = 0; fl < 16; fl++)
		for (e = 0; e < (rev == 2 ? 2u : 1u); e++)
		for (p = 0; p < (e ? 2u : 1u); p++)
		for (rtr = 0; rtr < (e ? 8u : 1u); rtr++)
		for (i = 0; i < sizeof(pds) / sizeof(pds[0]); i++)
		for (j = 0; j < (e ? 4u : 1u); j++) {
			int n, want;

			memset(&rr, 0, sizeof(rr));
			rr.type = (u8)type;
			rr.rev = (u8)rev;
			rr.markers = fl & 1;
			rr.crc = fl & 2;
			rr.reject = (fl & 4) && type == SIW_MPA_REP;
			rr.gso = fl & 8;
			rr.enhanced = e;
			rr.p2p = p;
			rr.rtr = (u8)rtr;
			rr.ird = irds[j];
			rr.ord = irds[3 - j];
			rr.pd_len = pds[i];
			rr.pd = pds[i] ? pd : NULL;
			want = 20 + pds[i] + (e ? 4 : 0);
			cases++;

			n = siw_mpa_encode(&rr, buf, sizeof(buf));
			if (want > 20 + 512) {
				bad += n != -EMSGSIZE;
				continue;
			}
			if (n != want ||
			    siw_mpa_parse(buf, n, type, &back) ||
			    back.frame_len != n || back.rev != rr.rev ||
			    back.markers != rr.markers ||
			    back.crc != rr.crc ||
			    back.reject != rr.reject ||
			    back.gso != rr.gso ||
			    back.enhanced != rr.enhanced ||
			    back.p2p != rr.p2p || back.rtr != rr.rtr ||
			    back.ird != (e ? rr.ird : 0) ||
			    back.ord != (e ? rr.ord : 0) ||
			    back.pd_len != rr.pd_len ||
			    (rr.pd_len && memcmp(back.pd, pd, rr.pd_len))) {
				if (!bad)
					diag("  first bad: flags %u e %u p %u rtr %u pd %u n %d",
					     fl, e, p, rtr, pds[i], n);
				bad++;
			}
		}
		ok(!bad, "%s rev %u: encode/parse round trip, %u combinations",
		   type == SIW_MPA_REQ ? "request" : "reply", rev, cases);
	}
}

static void test_parse_errors(void)
{
	static u8 b[SIW_MPA_MAX_FRAME + 8], pd[520];
	struct siw_mpa_rr rr;
	size_t n;

	n = mk_frame(b, key_req, 0, 1, 0, NULL, 0);
	b[5] = 'X';
	is_num(siw_mpa_parse(b, n, SIW_MPA_REQ, &rr), SIW_ERR_MPA_REQ_REP,
	       "bad key byte");
	n = mk_frame(b, key_rep, 0, 1, 0, NULL, 0);
	is_num(siw_mpa_parse(b, n, SIW_MPA_REQ, &rr), SIW_ERR_MPA_REQ_REP,
	       "reply key where a request is due");
	n = mk_frame(b, key_req, 0, 1, 0, NULL, 0);
	is_num(siw_mpa_parse(b, n, SIW_MPA_REP, &rr), SIW_ERR_MPA_REQ_REP,
	       "request key where a reply is due");

	b[17] = 0;
	is_num(siw_mpa_parse(b, n, SIW_MPA_REQ, &rr), SIW_ERR_MPA_REQ_REP,
	       "revision 0 rejected");
	b[17] = 3;
	is_num(siw_mpa_parse(b, n, SIW_MPA_REQ, &rr), SIW_ERR_MPA_REQ_REP,
	       "revision 3 rejected");
	b[17] = 0xff;
	is_num(siw_mpa_parse(b, n, SIW_MPA_REQ, &rr), SIW_ERR_MPA_REQ_REP,
	       "revision 255 rejected");

	n = mk_frame(b, key_req, SIW_MPA_FLAG_R, 1, 0, NULL, 0);
	is_num(siw_mpa_parse(b, n, SIW_MPA_REQ, &rr), SIW_ERR_MPA_REQ_REP,
	       "reject bit in a request");

	n = mk_frame(b, key_req, 0x07, 1, 0, NULL, 0);
	is_num(siw_mpa_parse(b, n, SIW_MPA_REQ, &rr), 0,
	       "reserved flag bits ignored");
	n = mk_frame(b, key_req, SIW_MPA_FLAG_E, 1, 0, NULL, 0);
	is_num(siw_mpa_parse(b, n, SIW_MPA_REQ, &rr), 0,
	       "E flag in revision 1 is reserved");
	ok(!rr.enhanced, "... and not taken as enhanced");

	n = mk_frame(b, key_req, 0, 1, 512, pd, 512);
	is_num(siw_mpa_parse(b, n, SIW_MPA_REQ, &rr), 0,
	       "512 bytes private data (limit)");
	is_num(rr.pd_len, 512, "pd_len 512");
	n = mk_frame(b, key_req, 0, 1, 513, pd, 513);
	is_num(siw_mpa_parse(b, n, SIW_MPA_REQ, &rr), SIW_ERR_MPA_REQ_REP,
	       "513 bytes private data rejected");
	n = mk_frame(b, key_req, SIW_MPA_FLAG_E, 2, 512, pd, 512);
	is_num(siw_mpa_parse(b, n, SIW_MPA_REQ, &rr), 0,
	       "enhanced: 512 including the IRD/ORD header");
	is_num(rr.pd_len, 508, "leaves 508 bytes of ULP data");
	n = mk_frame(b, key_req, SIW_MPA_FLAG_E, 2, 0xffff, pd, 0);
	is_num(siw_mpa_parse_hdr(b, n, SIW_MPA_REQ, &rr), SIW_ERR_MPA_REQ_REP,
	       "PD_Length 0xffff rejected from the header alone");
	n = mk_frame(b, key_req, SIW_MPA_FLAG_E, 2, 3, pd, 3);
	is_num(siw_mpa_parse(b, n, SIW_MPA_REQ, &rr), SIW_ERR_MPA_REQ_REP,
	       "enhanced with 3 bytes private data rejected");
	n = mk_frame(b, key_rep, SIW_MPA_FLAG_E, 2, 0, pd, 0);
	is_num(siw_mpa_parse(b, n, SIW_MPA_REP, &rr), SIW_ERR_MPA_REQ_REP,
	       "enhanced reply without IRD/ORD rejected");
	n = mk_frame(b, key_rep, SIW_MPA_FLAG_E | SIW_MPA_FLAG_R, 2, 0, pd, 0);
	is_num(siw_mpa_parse(b, n, SIW_MPA_REP, &rr), 0,
	       "... but as a reject (Linux siw) it is a reject");
	ok(rr.reject && !rr.enhanced, "reject, not enhanced");

	n = mk_frame(b, key_req, 0, 1, 10, pd, 10);
	is_num(siw_mpa_parse_hdr(b, 20, SIW_MPA_REQ, &rr), 0,
	       "header alone parses");
	is_num(rr.frame_len, 30, "frame_len announces private data");
	is_num(siw_mpa_parse(b, 29, SIW_MPA_REQ, &rr), -EAGAIN,
	       "incomplete private data: need more");
	is_num(siw_mpa_parse(b, 19, SIW_MPA_REQ, &rr), -EAGAIN,
	       "incomplete header: need more");
	is_num(siw_mpa_parse(b, n + 5, SIW_MPA_REQ, &rr), 0,
	       "trailing bytes are the caller's business");
	is_num(siw_mpa_parse(b, n, 3, &rr), -EINVAL, "bad type");
	is_num(siw_mpa_parse(NULL, n, SIW_MPA_REQ, &rr), -EINVAL, "NULL buf");
}

static void test_encode_errors(void)
{
	static u8 pd[600], buf[SIW_MPA_MAX_FRAME];
	struct siw_mpa_rr rr;

	memset(&rr, 0, sizeof(rr));
	rr.type = SIW_MPA_REQ;
	rr.rev = 2;
	rr.enhanced = true;
	rr.pd = pd;
	rr.pd_len = 508;
	is_num(siw_mpa_encode(&rr, buf, sizeof(buf)), 532,
	       "enhanced + 508 ULP bytes = 512 fits");
	rr.pd_len = 509;
	is_num(siw_mpa_encode(&rr, buf, sizeof(buf)), -EMSGSIZE,
	       "enhanced + 509 ULP bytes too long");
	rr.enhanced = false;
	rr.pd_len = 512;
	is_num(siw_mpa_encode(&rr, buf, sizeof(buf)), 532,
	       "512 ULP bytes without enhanced header fits");
	rr.pd_len = 513;
	is_num(siw_mpa_encode(&rr, buf, sizeof(buf)), -EMSGSIZE,
	       "513 ULP bytes too long");
	rr.pd_len = 10;
	is_num(siw_mpa_encode(&rr, buf, 29), -ENOSPC, "buffer too small");
	rr.pd = NULL;
	is_num(siw_mpa_encode(&rr, buf, sizeof(buf)), -EINVAL,
	       "pd_len without pd");
	rr.pd_len = 0;
	rr.p2p = true;
	is_num(siw_mpa_encode(&rr, buf, sizeof(buf)), -EINVAL,
	       "p2p needs the enhanced header");
	rr.p2p = false;
	rr.rtr = SIW_RTR_READ;
	is_num(siw_mpa_encode(&rr, buf, sizeof(buf)), -EINVAL,
	       "RTR needs the enhanced header");
	rr.rtr = 0;
	rr.enhanced = true;
	rr.ird = 0x4000;
	is_num(siw_mpa_encode(&rr, buf, sizeof(buf)), -EINVAL,
	       "IRD over 14 bits");
	rr.ird = 0;
	rr.rtr = 0x8;
	is_num(siw_mpa_encode(&rr, buf, sizeof(buf)), -EINVAL,
	       "unknown RTR bit");
	rr.rtr = 0;
	rr.rev = 1;
	is_num(siw_mpa_encode(&rr, buf, sizeof(buf)), -EINVAL,
	       "enhanced needs revision 2");
	rr.enhanced = false;
	rr.rev = 3;
	is_num(siw_mpa_encode(&rr, buf, sizeof(buf)), -EINVAL, "revision 3");
	rr.rev = 1;
	rr.reject = true;
	is_num(siw_mpa_encode(&rr, buf, sizeof(buf)), -EINVAL,
	       "reject in a request");
	rr.type = SIW_MPA_REP;
	is_num(siw_mpa_encode(&rr, buf, sizeof(buf)), 20, "reject reply");
	is_num(buf[16], SIW_MPA_FLAG_R, "only R set");
	rr.flags = 0xff;
	rr.reject = false;
	is_num(siw_mpa_encode(&rr, buf, sizeof(buf)), 20,
	       "raw flags ignored on encode");
	is_num(buf[16], 0, "reserved bits sent as zero");
}

static void init_pol(struct siw_mpa_policy *p, u16 ird, u16 ord)
{
	memset(p, 0, sizeof(*p));
	p->rev = 2;
	p->enhanced = true;
	p->crc_allowed = true;
	p->ird = ird;
	p->ord = ord;
	p->rtr = SIW_RTR_MASK;
}

/*
 * Full exchange through the wire format. Returns the first non-zero
 * status; ires/rres hold the initiator's and responder's outcome.
 */
static int exchange(const struct siw_mpa_policy *ip,
		    const struct siw_mpa_policy *rp,
		    struct siw_mpa_result *ires, struct siw_mpa_result *rres)
{
	struct siw_mpa_rr req, rx_req, rep, rx_rep;
	u8 b1[SIW_MPA_MAX_FRAME], b2[SIW_MPA_MAX_FRAME];
	int rv, n;

	memset(ires, 0, sizeof(*ires));
	memset(rres, 0, sizeof(*rres));
	rv = siw_mpa_req_init(ip, "init", 4, &req);
	if (rv)
		return rv;
	n = siw_mpa_encode(&req, b1, sizeof(b1));
	if (n < 0)
		return n;
	rv = siw_mpa_parse(b1, n, SIW_MPA_REQ, &rx_req);
	if (rv)
		return rv;
	rv = siw_mpa_negotiate_req(rp, &rx_req, rres);
	if (rv < 0)
		return rv;
	if (rv > 0) {
		/* the reject must encode; the cause is the result */
		if (siw_mpa_reject_init(&rx_req, NULL, 0, &rep) ||
		    siw_mpa_encode(&rep, b2, sizeof(b2)) != 20)
			return -EBADMSG;
		return rv;
	}
	rv = siw_mpa_rep_init(rres, "resp", 4, &rep);
	if (rv)
		return rv;
	n = siw_mpa_encode(&rep, b2, sizeof(b2));
	if (n < 0)
		return n;
	rv = siw_mpa_parse(b2, n, SIW_MPA_REP, &rx_rep);
	if (rv)
		return rv;
	if (rx_rep.pd_len != 4 || memcmp(rx_rep.pd, "resp", 4))
		return -EBADMSG;
	return siw_mpa_negotiate_rep(ip, &req, &rx_rep, ires);
}

static void test_negotiation(void)
{
	struct siw_mpa_policy ip, rp;
	struct siw_mpa_result ir, rr;

	/* plain enhanced, IRD/ORD trimmed to what each side can take */
	init_pol(&ip, 8, 4);
	init_pol(&rp, 16, 16);
	is_num(exchange(&ip, &rp, &ir, &rr), 0, "enhanced exchange");
	ok(rr.ird == 16 && rr.ord == 8 && ir.ird == 8 && ir.ord == 4 &&
	   ir.enhanced && rr.enhanced && ir.rev == 2 && !ir.p2p,
	   "responder ORD 8 = initiator IRD; initiator keeps IRD 8/ORD 4");

	/* responder raises its IRD up to max_ird to cover initiator ORD */
	init_pol(&ip, 4, 6);
	init_pol(&rp, 2, 2);
	rp.max_ird = 8;
	is_num(exchange(&ip, &rp, &ir, &rr), 0, "IRD raised within max_ird");
	ok(rr.ird == 6 && rr.ord == 2 && ir.ord == 6, "responder IRD now 6");
	rp.max_ird = 5;
	is_num(exchange(&ip, &rp, &ir, &rr), SIW_ERR_MPA_IRD,
	       "insufficient IRD at the responder");

	/* initiator side IRD check against the reply's ORD */
	{
		struct siw_mpa_rr req, rep;

		init_pol(&ip, 8, 4);
		siw_mpa_req_init(&ip, NULL, 0, &req);
		memset(&rep, 0, sizeof(rep));
		rep.type = SIW_MPA_REP;
		rep.rev = 2;
		rep.enhanced = true;
		rep.ird = 4;
		rep.ord = 10;
		is_num(siw_mpa_negotiate_rep(&ip, &req, &rep, &ir),
		       SIW_ERR_MPA_IRD, "reply ORD 10 > initiator IRD 8");
		ip.max_ird = 16;
		is_num(siw_mpa_negotiate_rep(&ip, &req, &rep, &ir), 0,
		       "... fine with max_ird 16");
		ok(ir.ird == 10 && ir.ord == 4, "initiator IRD raised to 10");
		rep.ird = 2;
		siw_mpa_negotiate_rep(&ip, &req, &rep, &ir);
		is_num(ir.ord, 2, "initiator ORD capped by responder IRD");
		rep.enhanced = false;
		is_num(siw_mpa_negotiate_rep(&ip, &req, &rep, &ir),
		       SIW_ERR_MPA_REQ_REP, "enhanced request, plain reply");
		rep.rev = 1;
		is_num(siw_mpa_negotiate_rep(&ip, &req, &rep, &ir),
		       SIW_ERR_MPA_REQ_REP, "enhanced request, rev 1 reply");
	}

	/* CRC */
	init_pol(&ip, 1, 1);
	init_pol(&rp, 1, 1);
	is_num(exchange(&ip, &rp, &ir, &rr), 0, "no CRC anywhere");
	ok(!ir.crc && !rr.crc, "CRC off");
	ip.crc_required = true;
	is_num(exchange(&ip, &rp, &ir, &rr), 0, "initiator asks for CRC");
	ok(ir.crc && rr.crc, "CRC on at both ends");
	rp.crc_allowed = false;
	is_num(exchange(&ip, &rp, &ir, &rr), SIW_ERR_MPA_REQ_REP,
	       "responder refusing CRC rejects");
	ip.crc_required = false;
	rp.crc_allowed = true;
	rp.crc_required = true;
	is_num(exchange(&ip, &rp, &ir, &rr), 0, "responder asks for CRC");
	ok(ir.crc && rr.crc, "CRC on at both ends");
	ip.crc_allowed = false;
	is_num(exchange(&ip, &rp, &ir, &rr), SIW_ERR_MPA_REQ_REP,
	       "initiator refusing CRC fails the reply");
	{
		struct siw_mpa_rr req, rep;

		init_pol(&ip, 1, 1);
		ip.crc_required = true;
		siw_mpa_req_init(&ip, NULL, 0, &req);
		siw_mpa_req_init(&ip, NULL, 0, &rep);
		rep.type = SIW_MPA_REP;
		rep.crc = false;
		is_num(siw_mpa_negotiate_rep(&ip, &req, &rep, &ir),
		       SIW_ERR_MPA_REQ_REP, "reply dropping C is invalid");
	}

	/* markers */
	init_pol(&ip, 1, 1);
	init_pol(&rp, 1, 1);
	ip.markers_rx = true;
	is_num(exchange(&ip, &rp, &ir, &rr), SIW_ERR_MPA_REQ_REP,
	       "responder unable to insert markers rejects");
	rp.markers_tx = true;
	is_num(exchange(&ip, &rp, &ir, &rr), 0, "markers towards initiator");
	ok(ir.markers_rx && !ir.markers_tx && rr.markers_tx &&
	   !rr.markers_rx, "directions right");
	rp.markers_rx = true;
	is_num(exchange(&ip, &rp, &ir, &rr), SIW_ERR_MPA_REQ_REP,
	       "initiator unable to insert markers fails");
	ip.markers_tx = true;
	is_num(exchange(&ip, &rp, &ir, &rr), 0, "markers both ways");
	ok(ir.markers_rx && ir.markers_tx && rr.markers_rx && rr.markers_tx,
	   "markers both ways agreed");

	/* revisions */
	init_pol(&ip, 1, 1);
	init_pol(&rp, 1, 1);
	rp.rev = 1;
	rp.enhanced = false;
	is_num(exchange(&ip, &rp, &ir, &rr), SIW_ERR_MPA_REQ_REP,
	       "rev 1 responder fails an enhanced initiator");
	is_num(rr.rev, 1, "responder stepped down to rev 1");
	ip.rev = 1;
	ip.enhanced = false;
	rp.rev = 2;
	rp.enhanced = true;
	is_num(exchange(&ip, &rp, &ir, &rr), 0, "rev 1 initiator, rev 2 resp");
	ok(ir.rev == 1 && rr.rev == 1 && !rr.enhanced, "rev 1 spoken");
	{
		struct siw_mpa_rr req, rep;

		siw_mpa_req_init(&ip, NULL, 0, &req);
		siw_mpa_req_init(&ip, NULL, 0, &rep);
		rep.type = SIW_MPA_REP;
		rep.rev = 2;
		is_num(siw_mpa_negotiate_rep(&ip, &req, &rep, &ir),
		       SIW_ERR_MPA_REQ_REP, "reply revision above request");
		rep.rev = 2;
		rep.enhanced = true;
		req.rev = 2;
		is_num(siw_mpa_negotiate_rep(&ip, &req, &rep, &ir),
		       SIW_ERR_MPA_REQ_REP, "unsolicited enhanced reply");
		rep.enhanced = false;
		rep.reject = true;
		is_num(siw_mpa_negotiate_rep(&ip, &req, &rep, &ir),
		       -ECONNREFUSED, "reject: connection refused");
	}
}

static void test_p2p(void)
{
	struct siw_mpa_policy ip, rp;
	struct siw_mpa_result ir, rr;
	struct siw_mpa_rr req, rep;

	init_pol(&ip, 1, 1);
	init_pol(&rp, 1, 1);
	ip.p2p = true;
	ip.rtr = SIW_RTR_WRITE | SIW_RTR_READ;
	rp.p2p = true;
	is_num(exchange(&ip, &rp, &ir, &rr), 0, "p2p exchange");
	ok(ir.p2p && rr.p2p && ir.rtr == SIW_RTR_WRITE &&
	   rr.rtr == SIW_RTR_WRITE, "zero length Write preferred");

	rp.rtr = SIW_RTR_READ | SIW_RTR_SEND;
	is_num(exchange(&ip, &rp, &ir, &rr), 0, "responder takes no Write");
	ok(ir.rtr == SIW_RTR_READ && rr.rtr == SIW_RTR_READ, "Read chosen");

	rp.rtr = SIW_RTR_SEND;
	is_num(exchange(&ip, &rp, &ir, &rr), SIW_ERR_MPA_RTR,
	       "no common RTR type");

	ip.rtr = SIW_RTR_SEND;
	is_num(exchange(&ip, &rp, &ir, &rr), 0, "Send RTR");
	ok(ir.rtr == SIW_RTR_SEND && rr.rtr == SIW_RTR_SEND, "Send chosen");

	rp.p2p = false;
	rp.rtr = 0;
	is_num(exchange(&ip, &rp, &ir, &rr), SIW_ERR_MPA_RTR,
	       "responder without p2p");

	/* Read RTR needs IRD at the responder, ORD at the initiator */
	init_pol(&ip, 1, 1);
	init_pol(&rp, 0, 1);
	ip.p2p = true;
	ip.rtr = SIW_RTR_READ;
	rp.p2p = true;
	rp.rtr = SIW_RTR_READ;
	ip.ord = 0;
	is_num(exchange(&ip, &rp, &ir, &rr), SIW_ERR_MPA_RTR,
	       "Read RTR, responder without IRD");
	rp.max_ird = 4;
	is_num(exchange(&ip, &rp, &ir, &rr), SIW_ERR_MPA_RTR,
	       "Read RTR, initiator without ORD");
	is_num(rr.ird, 1, "responder took one IRD for the Read RTR");
	ip.ord = 1;
	is_num(exchange(&ip, &rp, &ir, &rr), 0, "Read RTR with credits");

	/* Linux p2p request without RTR bits: Write proposed */
	init_pol(&rp, 4, 4);
	rp.p2p = true;
	memset(&req, 0, sizeof(req));
	req.type = SIW_MPA_REQ;
	req.rev = 2;
	req.enhanced = true;
	req.p2p = true;
	req.ird = 4;
	req.ord = 4;
	is_num(siw_mpa_negotiate_req(&rp, &req, &rr), 0,
	       "p2p request offering no RTR type");
	is_num(rr.rtr, SIW_RTR_WRITE, "Write proposed, as Linux siw");

	/* reply selecting a type we did not offer */
	init_pol(&ip, 1, 1);
	ip.p2p = true;
	ip.rtr = SIW_RTR_WRITE;
	siw_mpa_req_init(&ip, NULL, 0, &req);
	memset(&rep, 0, sizeof(rep));
	rep.type = SIW_MPA_REP;
	rep.rev = 2;
	rep.enhanced = true;
	rep.p2p = true;
	rep.rtr = SIW_RTR_READ;
	rep.ird = 1;
	rep.ord = 1;
	is_num(siw_mpa_negotiate_rep(&ip, &req, &rep, &ir), SIW_ERR_MPA_RTR,
	       "reply RTR not offered");
	rep.rtr = SIW_RTR_READ | SIW_RTR_WRITE;
	is_num(siw_mpa_negotiate_rep(&ip, &req, &rep, &ir), 0,
	       "reply with two types: the offered one is used");
	is_num(ir.rtr, SIW_RTR_WRITE, "Write");

	/* the request we build carries the offer */
	init_pol(&ip, 3, 2);
	ip.p2p = true;
	ip.rtr = SIW_RTR_WRITE | SIW_RTR_SEND;
	is_num(siw_mpa_req_init(&ip, NULL, 0, &req), 0, "p2p request init");
	ok(req.enhanced && req.p2p && req.ird == 3 && req.ord == 2 &&
	   req.rtr == (SIW_RTR_WRITE | SIW_RTR_SEND), "offer in request");
}

static void test_policy_errors(void)
{
	struct siw_mpa_policy p;
	struct siw_mpa_rr rr;

	init_pol(&p, 1, 1);
	p.rev = 3;
	is_num(siw_mpa_req_init(&p, NULL, 0, &rr), -EINVAL, "policy rev 3");
	init_pol(&p, 1, 1);
	p.rev = 1;
	is_num(siw_mpa_req_init(&p, NULL, 0, &rr), -EINVAL,
	       "policy enhanced with rev 1");
	init_pol(&p, 1, 1);
	p.crc_required = true;
	p.crc_allowed = false;
	is_num(siw_mpa_req_init(&p, NULL, 0, &rr), -EINVAL,
	       "policy CRC required but not allowed");
	init_pol(&p, 0x4000, 1);
	is_num(siw_mpa_req_init(&p, NULL, 0, &rr), -EINVAL, "policy IRD");
	init_pol(&p, 1, 1);
	p.p2p = true;
	p.rtr = 0;
	is_num(siw_mpa_req_init(&p, NULL, 0, &rr), -EINVAL,
	       "policy p2p without RTR types");
	init_pol(&p, 1, 1);
	p.p2p = true;
	p.enhanced = false;
	is_num(siw_mpa_req_init(&p, NULL, 0, &rr), -EINVAL,
	       "policy p2p without enhanced");
	init_pol(&p, 1, 1);
	is_num(siw_mpa_req_init(&p, NULL, 509, &rr), -EINVAL,
	       "private data length without data");
	{
		static u8 pd[512];

		is_num(siw_mpa_req_init(&p, pd, 509, &rr), -EMSGSIZE,
		       "509 bytes private data with enhanced header");
		is_num(siw_mpa_req_init(&p, pd, 508, &rr), 0,
		       "508 bytes private data with enhanced header");
	}
}

/*
 * An optional feature (a bool at @pol_off in the policy, @res_off in the
 * result) is on only when both ends offer it.
 */
static void check_both_offer(const char *what, size_t pol_off, size_t res_off)
{
	struct siw_mpa_policy ip, rp;
	struct siw_mpa_result ir, rr;
	bool *ip_on = (bool *)((char *)&ip + pol_off);
	bool *rp_on = (bool *)((char *)&rp + pol_off);
	bool *ir_on = (bool *)((char *)&ir + res_off);
	bool *rr_on = (bool *)((char *)&rr + res_off);

	init_pol(&ip, 4, 4);
	init_pol(&rp, 4, 4);
	*ip_on = *rp_on = true;
	is_num(exchange(&ip, &rp, &ir, &rr), 0, "%s: both offer", what);
	ok(*ir_on && *rr_on, "%s: on at both ends", what);
	*rp_on = false;
	is_num(exchange(&ip, &rp, &ir, &rr), 0, "%s: responder lacks it", what);
	ok(!*ir_on && !*rr_on, "%s: off at both ends (responder lacks it)", what);
	*ip_on = false;
	*rp_on = true;
	is_num(exchange(&ip, &rp, &ir, &rr), 0, "%s: initiator lacks it", what);
	ok(!*ir_on && !*rr_on, "%s: off at both ends (initiator lacks it)", what);
}

/* RFC 7306 extensions: on only when both offer, refused if not offered */
static void test_ext(void)
{
	struct siw_mpa_policy ip;
	struct siw_mpa_result ir;
	struct siw_mpa_rr req, rep;
	u8 b[SIW_MPA_MAX_FRAME];
	int n;

	check_both_offer("ext", offsetof(struct siw_mpa_policy, ext),
			 offsetof(struct siw_mpa_result, ext));
	init_pol(&ip, 4, 4);

	/* the flag on the wire, and a reply accepting what nobody offered */
	ip.ext = true;
	siw_mpa_req_init(&ip, NULL, 0, &req);
	n = siw_mpa_encode(&req, b, sizeof(b));
	ok(n > 0 && (b[SIW_MPA_OFF_FLAGS] & SIW_MPA_FLAG_EXT),
	   "ext: request carries flag 0x04");
	ip.ext = false;
	siw_mpa_req_init(&ip, NULL, 0, &req);
	n = siw_mpa_encode(&req, b, sizeof(b));
	ok(n > 0 && !(b[SIW_MPA_OFF_FLAGS] & SIW_MPA_FLAG_EXT),
	   "ext: flag clear when not offered");
	memset(&rep, 0, sizeof(rep));
	rep.type = SIW_MPA_REP;
	rep.rev = 2;
	rep.enhanced = true;
	rep.ird = 4;
	rep.ord = 4;
	rep.ext = true;
	is_num(siw_mpa_negotiate_rep(&ip, &req, &rep, &ir),
	       SIW_ERR_MPA_REQ_REP, "ext: unsolicited acceptance refused");
	/* a reject never claims it */
	ip.ext = true;
	siw_mpa_req_init(&ip, NULL, 0, &req);
	siw_mpa_reject_init(&req, NULL, 0, &rep);
	rep.ext = true;
	n = siw_mpa_encode(&rep, b, sizeof(b));
	ok(n > 0 && !(b[SIW_MPA_OFF_FLAGS] &
		      (SIW_MPA_FLAG_EXT | SIW_MPA_FLAG_EXT_ACK)),
	   "ext: a reject does not carry the flag");

	/* Linux's siw echoes the request's reserved bits: not an accept */
	ip.ext = true;
	siw_mpa_req_init(&ip, NULL, 0, &req);
	n = siw_mpa_encode(&req, b, sizeof(b));
	memcpy(b, SIW_MPA_KEY_REP, SIW_MPA_KEY_LEN);
	is_num(siw_mpa_parse(b, (size_t)n, SIW_MPA_REP, &rep), 0,
	       "ext: an echoed request parses as a reply");
	ok(!rep.ext, "ext: the echoed offer is not an acceptance");
	/* an accepting reply carries 0x02, not 0x04 */
	rep.ext = true;
	n = siw_mpa_encode(&rep, b, sizeof(b));
	ok(n > 0 && (b[SIW_MPA_OFF_FLAGS] & SIW_MPA_FLAG_EXT_ACK) &&
	   !(b[SIW_MPA_OFF_FLAGS] & SIW_MPA_FLAG_EXT),
	   "ext: an accepting reply carries flag 0x02 only");
}

/* GSO FPDUs: like the extensions, with a reply bit no request carries */
static void test_gso(void)
{
	struct siw_mpa_policy ip;
	struct siw_mpa_result ir;
	struct siw_mpa_rr req, rep;
	u8 b[SIW_MPA_MAX_FRAME];
	int n;

	check_both_offer("gso", offsetof(struct siw_mpa_policy, gso),
			 offsetof(struct siw_mpa_result, gso));
	init_pol(&ip, 4, 4);

	/* the request carries 0x08; a reply that accepts carries 0x01 */
	ip.gso = true;
	siw_mpa_req_init(&ip, NULL, 0, &req);
	n = siw_mpa_encode(&req, b, sizeof(b));
	ok(n > 0 && (b[SIW_MPA_OFF_FLAGS] & SIW_MPA_FLAG_GSO) &&
	   !(b[SIW_MPA_OFF_FLAGS] & SIW_MPA_FLAG_GSO_ACK),
	   "gso: request carries flag 0x08 only");
	/* Linux's siw echoes 0x08 in its reply: that is no acceptance */
	memcpy(b, SIW_MPA_KEY_REP, SIW_MPA_KEY_LEN);
	is_num(siw_mpa_parse(b, (size_t)n, SIW_MPA_REP, &rep), 0,
	       "gso: an echoed request parses as a reply");
	ok(!rep.gso, "gso: the echoed offer is not an acceptance");
	is_num(siw_mpa_negotiate_rep(&ip, &req, &rep, &ir), 0,
	       "gso: negotiation with the echo succeeds");
	ok(!ir.gso, "gso: off after an echo");
	rep.gso = true;
	n = siw_mpa_encode(&rep, b, sizeof(b));
	ok(n > 0 && (b[SIW_MPA_OFF_FLAGS] & SIW_MPA_FLAG_GSO_ACK) &&
	   !(b[SIW_MPA_OFF_FLAGS] & SIW_MPA_FLAG_GSO),
	   "gso: an accepting reply carries flag 0x01 only");
	/* an acceptance nobody asked for */
	ip.gso = false;
	siw_mpa_req_init(&ip, NULL, 0, &req);
	is_num(siw_mpa_negotiate_rep(&ip, &req, &rep, &ir),
	       SIW_ERR_MPA_REQ_REP, "gso: unsolicited acceptance refused");
}

void test_mpa(void)
{
	diag("MPA request/reply");
	test_linux_images();
	test_roundtrip();
	test_parse_errors();
	test_encode_errors();
	test_negotiation();
	test_p2p();
	test_policy_errors();
	test_ext();
	test_gso();
}
