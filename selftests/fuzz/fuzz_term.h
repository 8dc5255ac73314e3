/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Terminate invariants shared by fuzz_ddp and fuzz_rdmap. */
#ifndef _SIW_FUZZ_TERM_H
#define _SIW_FUZZ_TERM_H

#include "fuzz_common.h"

/* Every cause must turn into a well-formed Terminate. */
static inline void check_terminate_for(int cause, const u8 *seg,
				       size_t seg_len)
{
	struct siw_term_code tc;
	struct siw_term_msg tm;
	u8 t[128];
	u8 hc;
	int n;

	CHECK(cause > 0 && cause < SIW_ERR_MAX);
	CHECK(siw_err_to_term(cause, &tc) == 0);
	CHECK(siw_err_to_errno(cause) < 0);
	CHECK(strcmp(siw_err_name(cause), "UNKNOWN"));
	hc = siw_term_hdrct(&tc, seg, seg_len);
	n = siw_term_build(&tc, hc, seg, seg_len, (u16)seg_len, 1, t,
			   sizeof(t));
	CHECK(n >= 24);
	CHECK(siw_term_parse(t, (size_t)n, &tm) == 0);
	CHECK(tm.code.layer == tc.layer && tm.code.etype == tc.etype &&
	      tm.code.ecode == tc.ecode && tm.hdrct == hc);
	CHECK(!tm.ddp_hdr_len || !memcmp(tm.ddp_hdr, seg, tm.ddp_hdr_len));
}

static inline void check_terminate_msg(const u8 *f, size_t len)
{
	struct siw_term_msg tm, tm2;
	u8 seg[SIW_DDP_UNTAGGED_HDR_LEN + SIW_RREQ_HDR_LEN], t[128];
	u8 hc;
	int rv, n;

	rv = siw_term_parse(f, len, &tm);
	CHECK(rv == 0 || rv == -EPROTO);
	if (rv)
		return;
	CHECK(tm.ddp_hdr_len == 0 || tm.ddp_hdr_len == 14 ||
	      tm.ddp_hdr_len == 18);
	CHECK(tm.rdma_hdr_len == 0 || tm.rdma_hdr_len == 28);
	siw_term_layer_name(tm.code.layer);
	siw_term_etype_name(tm.code.layer, tm.code.etype);
	siw_term_ecode_name(tm.code.layer, tm.code.etype, tm.code.ecode);

	/* what we send must parse the same; skip Linux' bare R */
	hc = tm.hdrct;
	if ((hc & SIW_TERM_HDRCT_R) && !tm.rdma_hdr_len)
		return;
	memcpy(seg, tm.ddp_hdr, tm.ddp_hdr_len);
	memcpy(seg + tm.ddp_hdr_len, tm.rdma_hdr, tm.rdma_hdr_len);
	n = siw_term_build(&tm.code, hc, seg,
			   (size_t)tm.ddp_hdr_len + tm.rdma_hdr_len,
			   tm.ddp_seg_len, tm.msn, t, sizeof(t));
	if (n == -EINVAL) {
		/* M or R without D, or R not after a Read Request */
		CHECK((hc & (SIW_TERM_HDRCT_M | SIW_TERM_HDRCT_R)) &&
		      (!(hc & SIW_TERM_HDRCT_D) || tm.rdma_hdr_len));
		return;
	}
	CHECK(n == (int)len);
	CHECK(siw_term_parse(t, (size_t)n, &tm2) == 0);
	CHECK(!memcmp(&tm, &tm2, sizeof(tm)));
}

#endif /* _SIW_FUZZ_TERM_H */
