// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Terminate messages (RFC 5040 sec 4.8) and the mapping of siw error
 * causes to Terminate layer/type/code (RFC 5040 sec 7.2, RFC 5041 sec
 * 7.2, RFC 5044 sec 8, RFC 6581 sec 9), with names for logging.
 */
#include "iwarp.h"

struct siw_err_desc {
	const char *name;
	u8 layer;
	u8 etype;
	u8 ecode;
	u8 err;		/* errno for siw_err_to_errno() */
};

static const struct siw_err_desc siw_err_tab[SIW_ERR_MAX] = {
	[SIW_ERR_NONE] = { .name = "NONE" },
	[SIW_ERR_STREAM_LOST] = {
		.name = "STREAM_LOST",
		.layer = SIW_TERM_LAYER_LLP,
		.etype = SIW_LLP_ETYPE_MPA,
		.ecode = SIW_LLP_ECODE_STREAM_LOST,
		.err = ECONNRESET,
	},
	[SIW_ERR_CRC] = {
		.name = "CRC",
		.layer = SIW_TERM_LAYER_LLP,
		.etype = SIW_LLP_ETYPE_MPA,
		.ecode = SIW_LLP_ECODE_CRC,
		.err = EBADMSG,
	},
	[SIW_ERR_MARKER] = {
		.name = "MARKER",
		.layer = SIW_TERM_LAYER_LLP,
		.etype = SIW_LLP_ETYPE_MPA,
		.ecode = SIW_LLP_ECODE_FPDU_START,
		.err = EPROTO,
	},
	/* a ULPDU shorter than its header: framing lost, as Linux siw */
	[SIW_ERR_MPA_LEN] = {
		.name = "MPA_LEN",
		.layer = SIW_TERM_LAYER_LLP,
		.etype = SIW_LLP_ETYPE_MPA,
		.ecode = SIW_LLP_ECODE_FPDU_START,
		.err = EPROTO,
	},
	[SIW_ERR_MPA_REQ_REP] = {
		.name = "MPA_REQ_REP",
		.layer = SIW_TERM_LAYER_LLP,
		.etype = SIW_LLP_ETYPE_MPA,
		.ecode = SIW_LLP_ECODE_INVALID_REQ_REP,
		.err = EPROTO,
	},
	[SIW_ERR_MPA_LOCAL] = {
		.name = "MPA_LOCAL",
		.layer = SIW_TERM_LAYER_LLP,
		.etype = SIW_LLP_ETYPE_MPA,
		.ecode = SIW_LLP_ECODE_LOCAL_CATASTROPHIC,
		.err = EIO,
	},
	[SIW_ERR_MPA_IRD] = {
		.name = "MPA_IRD",
		.layer = SIW_TERM_LAYER_LLP,
		.etype = SIW_LLP_ETYPE_MPA,
		.ecode = SIW_LLP_ECODE_INSUFFICIENT_IRD,
		.err = ENOMEM,
	},
	[SIW_ERR_MPA_RTR] = {
		.name = "MPA_RTR",
		.layer = SIW_TERM_LAYER_LLP,
		.etype = SIW_LLP_ETYPE_MPA,
		.ecode = SIW_LLP_ECODE_NO_MATCHING_RTR,
		.err = EPROTO,
	},
	[SIW_ERR_STAG_INVALID] = {
		.name = "STAG_INVALID",
		.layer = SIW_TERM_LAYER_DDP,
		.etype = SIW_DDP_ETYPE_TAGGED,
		.ecode = SIW_DDP_ECODE_T_INVALID_STAG,
		.err = EACCES,
	},
	[SIW_ERR_BASE_BOUNDS] = {
		.name = "BASE_BOUNDS",
		.layer = SIW_TERM_LAYER_DDP,
		.etype = SIW_DDP_ETYPE_TAGGED,
		.ecode = SIW_DDP_ECODE_T_BASE_BOUNDS,
		.err = EACCES,
	},
	[SIW_ERR_STAG_NOT_ASSOC] = {
		.name = "STAG_NOT_ASSOC",
		.layer = SIW_TERM_LAYER_DDP,
		.etype = SIW_DDP_ETYPE_TAGGED,
		.ecode = SIW_DDP_ECODE_T_STAG_NOT_ASSOC,
		.err = EACCES,
	},
	[SIW_ERR_TO_WRAP] = {
		.name = "TO_WRAP",
		.layer = SIW_TERM_LAYER_DDP,
		.etype = SIW_DDP_ETYPE_TAGGED,
		.ecode = SIW_DDP_ECODE_T_TO_WRAP,
		.err = EACCES,
	},
	[SIW_ERR_DDP_VERSION_T] = {
		.name = "DDP_VERSION_T",
		.layer = SIW_TERM_LAYER_DDP,
		.etype = SIW_DDP_ETYPE_TAGGED,
		.ecode = SIW_DDP_ECODE_T_VERSION,
		.err = EPROTO,
	},
	[SIW_ERR_QN] = {
		.name = "QN",
		.layer = SIW_TERM_LAYER_DDP,
		.etype = SIW_DDP_ETYPE_UNTAGGED,
		.ecode = SIW_DDP_ECODE_UT_INVALID_QN,
		.err = EPROTO,
	},
	[SIW_ERR_NO_RECV_BUF] = {
		.name = "NO_RECV_BUF",
		.layer = SIW_TERM_LAYER_DDP,
		.etype = SIW_DDP_ETYPE_UNTAGGED,
		.ecode = SIW_DDP_ECODE_UT_MSN_NOBUF,
		.err = ENOBUFS,
	},
	[SIW_ERR_MSN_RANGE] = {
		.name = "MSN_RANGE",
		.layer = SIW_TERM_LAYER_DDP,
		.etype = SIW_DDP_ETYPE_UNTAGGED,
		.ecode = SIW_DDP_ECODE_UT_MSN_RANGE,
		.err = EPROTO,
	},
	[SIW_ERR_MO] = {
		.name = "MO",
		.layer = SIW_TERM_LAYER_DDP,
		.etype = SIW_DDP_ETYPE_UNTAGGED,
		.ecode = SIW_DDP_ECODE_UT_INVALID_MO,
		.err = EPROTO,
	},
	[SIW_ERR_MSG_TOO_BIG] = {
		.name = "MSG_TOO_BIG",
		.layer = SIW_TERM_LAYER_DDP,
		.etype = SIW_DDP_ETYPE_UNTAGGED,
		.ecode = SIW_DDP_ECODE_UT_TOO_LONG,
		.err = EMSGSIZE,
	},
	[SIW_ERR_DDP_VERSION] = {
		.name = "DDP_VERSION",
		.layer = SIW_TERM_LAYER_DDP,
		.etype = SIW_DDP_ETYPE_UNTAGGED,
		.ecode = SIW_DDP_ECODE_UT_VERSION,
		.err = EPROTO,
	},
	[SIW_ERR_DDP_LOCAL] = {
		.name = "DDP_LOCAL",
		.layer = SIW_TERM_LAYER_DDP,
		.etype = SIW_DDP_ETYPE_CATASTROPHIC,
		.ecode = SIW_DDP_ECODE_CATASTROPHIC,
		.err = EIO,
	},
	/* RFC 5040 leaves the code open; Linux siw sends 0xff here */
	[SIW_ERR_RDMAP_LOCAL] = {
		.name = "RDMAP_LOCAL",
		.layer = SIW_TERM_LAYER_RDMAP,
		.etype = SIW_RDMAP_ETYPE_CATASTROPHIC,
		.ecode = 0,
		.err = EIO,
	},
	[SIW_ERR_RDMAP_STAG_INVALID] = {
		.name = "RDMAP_STAG_INVALID",
		.layer = SIW_TERM_LAYER_RDMAP,
		.etype = SIW_RDMAP_ETYPE_REMOTE_PROT,
		.ecode = SIW_RDMAP_ECODE_INVALID_STAG,
		.err = EACCES,
	},
	[SIW_ERR_RDMAP_BASE_BOUNDS] = {
		.name = "RDMAP_BASE_BOUNDS",
		.layer = SIW_TERM_LAYER_RDMAP,
		.etype = SIW_RDMAP_ETYPE_REMOTE_PROT,
		.ecode = SIW_RDMAP_ECODE_BASE_BOUNDS,
		.err = EACCES,
	},
	[SIW_ERR_ACCESS] = {
		.name = "ACCESS",
		.layer = SIW_TERM_LAYER_RDMAP,
		.etype = SIW_RDMAP_ETYPE_REMOTE_PROT,
		.ecode = SIW_RDMAP_ECODE_ACCESS,
		.err = EACCES,
	},
	[SIW_ERR_RDMAP_STAG_NOT_ASSOC] = {
		.name = "RDMAP_STAG_NOT_ASSOC",
		.layer = SIW_TERM_LAYER_RDMAP,
		.etype = SIW_RDMAP_ETYPE_REMOTE_PROT,
		.ecode = SIW_RDMAP_ECODE_STAG_NOT_ASSOC,
		.err = EACCES,
	},
	[SIW_ERR_RDMAP_TO_WRAP] = {
		.name = "RDMAP_TO_WRAP",
		.layer = SIW_TERM_LAYER_RDMAP,
		.etype = SIW_RDMAP_ETYPE_REMOTE_PROT,
		.ecode = SIW_RDMAP_ECODE_TO_WRAP,
		.err = EACCES,
	},
	[SIW_ERR_INVALIDATE_PROT] = {
		.name = "INVALIDATE_PROT",
		.layer = SIW_TERM_LAYER_RDMAP,
		.etype = SIW_RDMAP_ETYPE_REMOTE_PROT,
		.ecode = SIW_RDMAP_ECODE_CANNOT_INVALIDATE,
		.err = EACCES,
	},
	[SIW_ERR_RDMAP_VERSION] = {
		.name = "RDMAP_VERSION",
		.layer = SIW_TERM_LAYER_RDMAP,
		.etype = SIW_RDMAP_ETYPE_REMOTE_OP,
		.ecode = SIW_RDMAP_ECODE_VERSION,
		.err = EPROTO,
	},
	[SIW_ERR_OPCODE] = {
		.name = "OPCODE",
		.layer = SIW_TERM_LAYER_RDMAP,
		.etype = SIW_RDMAP_ETYPE_REMOTE_OP,
		.ecode = SIW_RDMAP_ECODE_OPCODE,
		.err = EPROTO,
	},
	[SIW_ERR_OPCODE_TBIT] = {
		.name = "OPCODE_TBIT",
		.layer = SIW_TERM_LAYER_RDMAP,
		.etype = SIW_RDMAP_ETYPE_REMOTE_OP,
		.ecode = SIW_RDMAP_ECODE_OPCODE,
		.err = EPROTO,
	},
	/* no RFC code fits; Linux siw fails the stream as well */
	[SIW_ERR_NO_RREQ] = {
		.name = "NO_RREQ",
		.layer = SIW_TERM_LAYER_RDMAP,
		.etype = SIW_RDMAP_ETYPE_REMOTE_OP,
		.ecode = SIW_RDMAP_ECODE_CATASTROPHIC_STREAM,
		.err = EPROTO,
	},
	[SIW_ERR_IRD_EXCEEDED] = {
		.name = "IRD_EXCEEDED",
		.layer = SIW_TERM_LAYER_RDMAP,
		.etype = SIW_RDMAP_ETYPE_REMOTE_OP,
		.ecode = SIW_RDMAP_ECODE_CATASTROPHIC_STREAM,
		.err = EPROTO,
	},
	[SIW_ERR_INVALIDATE_OP] = {
		.name = "INVALIDATE_OP",
		.layer = SIW_TERM_LAYER_RDMAP,
		.etype = SIW_RDMAP_ETYPE_REMOTE_OP,
		.ecode = SIW_RDMAP_ECODE_CANNOT_INVALIDATE,
		.err = EPROTO,
	},
	[SIW_ERR_STREAM_CATASTROPHIC] = {
		.name = "STREAM_CATASTROPHIC",
		.layer = SIW_TERM_LAYER_RDMAP,
		.etype = SIW_RDMAP_ETYPE_REMOTE_OP,
		.ecode = SIW_RDMAP_ECODE_CATASTROPHIC_STREAM,
		.err = EIO,
	},
	[SIW_ERR_GLOBAL_CATASTROPHIC] = {
		.name = "GLOBAL_CATASTROPHIC",
		.layer = SIW_TERM_LAYER_RDMAP,
		.etype = SIW_RDMAP_ETYPE_REMOTE_OP,
		.ecode = SIW_RDMAP_ECODE_CATASTROPHIC_GLOBAL,
		.err = EIO,
	},
	[SIW_ERR_UNSPECIFIED] = {
		.name = "UNSPECIFIED",
		.layer = SIW_TERM_LAYER_RDMAP,
		.etype = SIW_RDMAP_ETYPE_REMOTE_OP,
		.ecode = SIW_RDMAP_ECODE_UNSPECIFIED,
		.err = EPROTO,
	},
};

static const struct siw_err_desc *siw_err_desc(int cause)
{
	if (cause <= SIW_ERR_NONE || cause >= SIW_ERR_MAX)
		return NULL;
	return &siw_err_tab[cause];
}

/* Terminate layer/etype/ecode for a cause; -EINVAL if not a cause. */
int siw_err_to_term(int cause, struct siw_term_code *tc)
{
	const struct siw_err_desc *ed = siw_err_desc(cause);

	if (!ed || !tc)
		return -EINVAL;
	tc->layer = ed->layer;
	tc->etype = ed->etype;
	tc->ecode = ed->ecode;
	return 0;
}

/*
 * Negative errno for a return value of this library: 0 and negative
 * values pass through, causes map to the closest errno.
 */
int siw_err_to_errno(int cause)
{
	const struct siw_err_desc *ed;

	if (cause <= 0)
		return cause;
	ed = siw_err_desc(cause);
	return ed ? -(int)ed->err : -EINVAL;
}

const char *siw_err_name(int cause)
{
	if (cause == SIW_ERR_NONE)
		return siw_err_tab[SIW_ERR_NONE].name;
	return siw_err_desc(cause) ? siw_err_tab[cause].name : "UNKNOWN";
}

/* sizes of the name tables: highest defined value + 1 */
#define SIW_NR_LAYERS		(SIW_TERM_LAYER_LLP + 1)
#define SIW_NR_RDMAP_ETYPES	(SIW_RDMAP_ETYPE_REMOTE_OP + 1)
#define SIW_NR_DDP_ETYPES	(SIW_DDP_ETYPE_RSVD + 1)
#define SIW_NR_RDMAP_ECODES	(SIW_RDMAP_ECODE_CANNOT_INVALIDATE + 1)
#define SIW_NR_DDP_T_ECODES	(SIW_DDP_ECODE_T_VERSION + 1)
#define SIW_NR_DDP_UT_ECODES	(SIW_DDP_ECODE_UT_VERSION + 1)
#define SIW_NR_LLP_ECODES	(SIW_LLP_ECODE_NO_MATCHING_RTR + 1)

static const char * const siw_layer_names[SIW_NR_LAYERS] = {
	[SIW_TERM_LAYER_RDMAP] = "RDMAP",
	[SIW_TERM_LAYER_DDP] = "DDP",
	[SIW_TERM_LAYER_LLP] = "LLP",
};

static const char * const siw_rdmap_etype_names[SIW_NR_RDMAP_ETYPES] = {
	[SIW_RDMAP_ETYPE_CATASTROPHIC] = "local catastrophic",
	[SIW_RDMAP_ETYPE_REMOTE_PROT] = "remote protection",
	[SIW_RDMAP_ETYPE_REMOTE_OP] = "remote operation",
};

static const char * const siw_ddp_etype_names[SIW_NR_DDP_ETYPES] = {
	[SIW_DDP_ETYPE_CATASTROPHIC] = "local catastrophic",
	[SIW_DDP_ETYPE_TAGGED] = "tagged buffer",
	[SIW_DDP_ETYPE_UNTAGGED] = "untagged buffer",
	[SIW_DDP_ETYPE_RSVD] = "reserved for LLP",
};

static const char * const siw_rdmap_ecode_names[SIW_NR_RDMAP_ECODES] = {
	[SIW_RDMAP_ECODE_INVALID_STAG] = "invalid STag",
	[SIW_RDMAP_ECODE_BASE_BOUNDS] = "base or bounds violation",
	[SIW_RDMAP_ECODE_ACCESS] = "access rights violation",
	[SIW_RDMAP_ECODE_STAG_NOT_ASSOC] = "STag not associated with stream",
	[SIW_RDMAP_ECODE_TO_WRAP] = "TO wrap",
	[SIW_RDMAP_ECODE_VERSION] = "invalid RDMAP version",
	[SIW_RDMAP_ECODE_OPCODE] = "unexpected opcode",
	[SIW_RDMAP_ECODE_CATASTROPHIC_STREAM] = "catastrophic, stream",
	[SIW_RDMAP_ECODE_CATASTROPHIC_GLOBAL] = "catastrophic, global",
	[SIW_RDMAP_ECODE_CANNOT_INVALIDATE] = "STag cannot be invalidated",
};

static const char * const siw_ddp_t_ecode_names[SIW_NR_DDP_T_ECODES] = {
	[SIW_DDP_ECODE_T_INVALID_STAG] = "invalid STag",
	[SIW_DDP_ECODE_T_BASE_BOUNDS] = "base or bounds violation",
	[SIW_DDP_ECODE_T_STAG_NOT_ASSOC] = "STag not associated with stream",
	[SIW_DDP_ECODE_T_TO_WRAP] = "TO wrap",
	[SIW_DDP_ECODE_T_VERSION] = "invalid DDP version",
};

static const char * const siw_ddp_ut_ecode_names[SIW_NR_DDP_UT_ECODES] = {
	[SIW_DDP_ECODE_UT_INVALID_QN] = "invalid QN",
	[SIW_DDP_ECODE_UT_MSN_NOBUF] = "invalid MSN, no buffer",
	[SIW_DDP_ECODE_UT_MSN_RANGE] = "invalid MSN, range",
	[SIW_DDP_ECODE_UT_INVALID_MO] = "invalid MO",
	[SIW_DDP_ECODE_UT_TOO_LONG] = "message too long for buffer",
	[SIW_DDP_ECODE_UT_VERSION] = "invalid DDP version",
};

static const char * const siw_llp_ecode_names[SIW_NR_LLP_ECODES] = {
	[SIW_LLP_ECODE_STREAM_LOST] = "stream lost",
	[SIW_LLP_ECODE_CRC] = "CRC error",
	[SIW_LLP_ECODE_FPDU_START] = "marker and ULPDU length mismatch",
	[SIW_LLP_ECODE_INVALID_REQ_REP] = "invalid MPA request/reply",
	[SIW_LLP_ECODE_LOCAL_CATASTROPHIC] = "local catastrophic",
	[SIW_LLP_ECODE_INSUFFICIENT_IRD] = "insufficient IRD",
	[SIW_LLP_ECODE_NO_MATCHING_RTR] = "no matching RTR",
};

static const char *siw_name(const char * const *tab, unsigned int n,
			    unsigned int i)
{
	return i < n && tab[i] ? tab[i] : "unknown";
}

const char *siw_term_layer_name(u8 layer)
{
	return siw_name(siw_layer_names, SIW_NR_LAYERS, layer);
}

const char *siw_term_etype_name(u8 layer, u8 etype)
{
	switch (layer) {
	case SIW_TERM_LAYER_RDMAP:
		return siw_name(siw_rdmap_etype_names, SIW_NR_RDMAP_ETYPES,
				etype);
	case SIW_TERM_LAYER_DDP:
		return siw_name(siw_ddp_etype_names, SIW_NR_DDP_ETYPES, etype);
	case SIW_TERM_LAYER_LLP:
		return etype == SIW_LLP_ETYPE_MPA ? "MPA" : "unknown";
	}
	return "unknown";
}

const char *siw_term_ecode_name(u8 layer, u8 etype, u8 ecode)
{
	switch (layer) {
	case SIW_TERM_LAYER_RDMAP:
		if (etype == SIW_RDMAP_ETYPE_CATASTROPHIC)
			return "catastrophic";
		if (etype != SIW_RDMAP_ETYPE_REMOTE_PROT &&
		    etype != SIW_RDMAP_ETYPE_REMOTE_OP)
			break;
		if (ecode == SIW_RDMAP_ECODE_UNSPECIFIED)
			return "unspecified";
		return siw_name(siw_rdmap_ecode_names, SIW_NR_RDMAP_ECODES,
				ecode);
	case SIW_TERM_LAYER_DDP:
		if (etype == SIW_DDP_ETYPE_CATASTROPHIC)
			return "catastrophic";
		if (etype == SIW_DDP_ETYPE_TAGGED)
			return siw_name(siw_ddp_t_ecode_names,
					SIW_NR_DDP_T_ECODES, ecode);
		if (etype == SIW_DDP_ETYPE_UNTAGGED)
			return siw_name(siw_ddp_ut_ecode_names,
					SIW_NR_DDP_UT_ECODES, ecode);
		break;
	case SIW_TERM_LAYER_LLP:
		if (etype == SIW_LLP_ETYPE_MPA)
			return siw_name(siw_llp_ecode_names,
					SIW_NR_LLP_ECODES, ecode);
		break;
	}
	return "unknown";
}

/* Length of the DDP header a segment starts with, by its T bit. */
static u8 siw_term_ddp_len(const u8 *seg)
{
	return seg[0] & SIW_DDP_FLAG_T ? SIW_DDP_TAGGED_HDR_LEN :
					 SIW_DDP_UNTAGGED_HDR_LEN;
}

/* seg (at least 2 bytes) claims to be a Read Request */
static bool siw_term_rreq_op(const u8 *seg)
{
	return !(seg[0] & SIW_DDP_FLAG_T) &&
	       (seg[1] & SIW_RDMAP_OPCODE_MASK) == SIW_RDMAP_OP_READ_REQ;
}

/* seg holds a complete Read Request header */
static bool siw_term_is_rreq(const u8 *seg, size_t seg_len)
{
	return seg_len >= SIW_DDP_UNTAGGED_HDR_LEN + SIW_RREQ_HDR_LEN &&
	       siw_term_rreq_op(seg);
}

/*
 * Which headers of the offending segment to report, following Linux
 * siw: none for LLP errors, local catastrophic errors and version or
 * opcode errors (the header layout is unknown then), the DDP header
 * with its segment length otherwise. A Read Request always comes with
 * its RDMA header: Linux siw reads that much for a Read Request.
 * seg starts at the segment's DDP control byte and may be NULL.
 */
u8 siw_term_hdrct(const struct siw_term_code *tc, const void *seg,
		  size_t seg_len)
{
	const u8 md = SIW_TERM_HDRCT_M | SIW_TERM_HDRCT_D;
	const u8 *s = seg;

	if (!tc || !s || seg_len < 2 || seg_len < siw_term_ddp_len(s))
		return 0;

	switch (tc->layer) {
	case SIW_TERM_LAYER_DDP:
		if ((tc->etype == SIW_DDP_ETYPE_TAGGED &&
		     tc->ecode == SIW_DDP_ECODE_T_VERSION) ||
		    (tc->etype == SIW_DDP_ETYPE_UNTAGGED &&
		     tc->ecode == SIW_DDP_ECODE_UT_VERSION))
			return 0;
		break;
	case SIW_TERM_LAYER_RDMAP:
		if (tc->etype == SIW_RDMAP_ETYPE_CATASTROPHIC ||
		    (tc->etype == SIW_RDMAP_ETYPE_REMOTE_OP &&
		     (tc->ecode == SIW_RDMAP_ECODE_VERSION ||
		      tc->ecode == SIW_RDMAP_ECODE_OPCODE)))
			return 0;
		break;
	default:
		return 0;
	}
	if (siw_term_is_rreq(s, seg_len))
		return md | SIW_TERM_HDRCT_R;
	return md;
}

/*
 * Build a Terminate: ULPDU_Length, untagged DDP header (QN 2, MO 0,
 * L set, MSN msn), Terminate control and the headers hdrct asks for,
 * copied from seg (the offending segment from its DDP control byte).
 * ddp_seg_len is reported with M; Linux siw puts the payload length
 * of the offending segment there. Frame the result with
 * siw_fpdu_build(). Returns the bytes written.
 */
int siw_term_build(const struct siw_term_code *tc, u8 hdrct,
		   const void *seg, size_t seg_len, u16 ddp_seg_len, u32 msn,
		   void *buf, size_t len)
{
	struct siw_iwarp_hdr h;
	const u8 *s = seg;
	u8 *p, ddp_len = 0;
	int rv;

	if (!tc || !buf || tc->layer > 0xf || tc->etype > 0xf)
		return -EINVAL;
	if (hdrct & ~(SIW_TERM_HDRCT_M | SIW_TERM_HDRCT_D | SIW_TERM_HDRCT_R))
		return -EINVAL;
	/* M and R qualify an included DDP header */
	if ((hdrct & (SIW_TERM_HDRCT_M | SIW_TERM_HDRCT_R)) &&
	    !(hdrct & SIW_TERM_HDRCT_D))
		return -EINVAL;
	if (hdrct & SIW_TERM_HDRCT_D) {
		if (!s || seg_len < 2)
			return -EINVAL;
		ddp_len = siw_term_ddp_len(s);
		if (seg_len < ddp_len)
			return -EINVAL;
	}
	if ((hdrct & SIW_TERM_HDRCT_R) && !siw_term_is_rreq(s, seg_len))
		return -EINVAL;

	memset(&h, 0, sizeof(h));
	h.opcode = SIW_RDMAP_OP_TERMINATE;
	h.last = true;
	h.qn = SIW_QN_TERMINATE;
	h.msn = msn;
	if (hdrct & SIW_TERM_HDRCT_D)
		h.payload_len = SIW_TERM_SEGLEN_LEN + ddp_len;
	if (hdrct & SIW_TERM_HDRCT_R)
		h.payload_len += SIW_RREQ_HDR_LEN;

	if (len < SIW_MPA_LEN_SIZE + SIW_DDP_UNTAGGED_HDR_LEN +
		  SIW_TERM_CTRL_LEN + (size_t)h.payload_len)
		return -ENOSPC;
	rv = siw_iwarp_build(&h, 0, buf, len);
	if (rv < 0)
		return rv;

	p = (u8 *)buf + SIW_MPA_LEN_SIZE + SIW_TERM_OFF_CTRL;
	p[0] = (u8)(tc->layer << 4 | tc->etype);
	p[1] = tc->ecode;
	p[2] = (u8)(hdrct << 5);
	p[3] = 0;
	p += SIW_TERM_CTRL_LEN;

	if (hdrct & SIW_TERM_HDRCT_D) {
		siw_put_be16(p, hdrct & SIW_TERM_HDRCT_M ? ddp_seg_len : 0);
		memcpy(p + SIW_TERM_SEGLEN_LEN, s, ddp_len);
		p += SIW_TERM_SEGLEN_LEN + ddp_len;
	}
	if (hdrct & SIW_TERM_HDRCT_R)
		memcpy(p, s + SIW_DDP_UNTAGGED_HDR_LEN, SIW_RREQ_HDR_LEN);

	return rv + h.payload_len;
}

/*
 * Parse a received Terminate; buf starts at ULPDU_Length and must
 * hold the whole ULPDU. DDP header errors come back as causes like
 * from siw_iwarp_parse(); a malformed Terminate body is -EPROTO (no
 * Terminate answers a Terminate). Unknown layer/type/code values are
 * kept as they are. Accepts R without Read Request header after a
 * non Read Request DDP header: Linux siw sets R on every RDMAP
 * protection error.
 */
int siw_term_parse(const void *buf, size_t len, struct siw_term_msg *tm)
{
	struct siw_iwarp_hdr h;
	const u8 *p;
	u32 rem;
	int rv;

	if (!buf || !tm)
		return -EINVAL;
	memset(tm, 0, sizeof(*tm));

	rv = siw_iwarp_parse(buf, len, 0, &h);
	if (rv)
		return rv;
	if (h.opcode != SIW_RDMAP_OP_TERMINATE)
		return -EINVAL;
	if (len < SIW_MPA_LEN_SIZE + (size_t)h.ulpdu_len)
		return -EAGAIN;

	p = (const u8 *)buf + SIW_MPA_LEN_SIZE + SIW_TERM_OFF_CTRL;
	tm->code.layer = p[0] >> 4;
	tm->code.etype = p[0] & 0xf;
	tm->code.ecode = p[1];
	tm->hdrct = p[2] >> 5;
	tm->msn = h.msn;
	p += SIW_TERM_CTRL_LEN;
	rem = h.payload_len;

	if (tm->hdrct & SIW_TERM_HDRCT_D) {
		if (rem < SIW_TERM_SEGLEN_LEN + 1)
			return -EPROTO;
		if (tm->hdrct & SIW_TERM_HDRCT_M)
			tm->ddp_seg_len = siw_get_be16(p);
		p += SIW_TERM_SEGLEN_LEN;
		rem -= SIW_TERM_SEGLEN_LEN;
		tm->ddp_hdr_len = siw_term_ddp_len(p);
		if (rem < tm->ddp_hdr_len)
			return -EPROTO;
		memcpy(tm->ddp_hdr, p, tm->ddp_hdr_len);
		p += tm->ddp_hdr_len;
		rem -= tm->ddp_hdr_len;
	}
	if (tm->hdrct & SIW_TERM_HDRCT_R) {
		if (rem >= SIW_RREQ_HDR_LEN) {
			memcpy(tm->rdma_hdr, p, SIW_RREQ_HDR_LEN);
			tm->rdma_hdr_len = SIW_RREQ_HDR_LEN;
			rem -= SIW_RREQ_HDR_LEN;
		} else if (!tm->ddp_hdr_len || siw_term_rreq_op(tm->ddp_hdr)) {
			return -EPROTO;
		}
	}
	if (rem)
		return -EPROTO;
	return 0;
}
