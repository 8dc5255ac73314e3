/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * siw wire-protocol library: iWARP MPA (RFC 5044, RFC 6581),
 * DDP (RFC 5041) and RDMAP (RFC 5040, RFC 7306 extensions) encoding,
 * parsing and validation.
 *
 * Plain C without allocation, floating point, recursion or global
 * mutable state, shared by the kernel module and the user space tests.
 *
 * Wire layouts are described by byte offsets plus the big-endian
 * accessors below instead of packed structs: every field is read
 * byte-wise, so a parser never does an unaligned or out-of-bounds load
 * whatever the peer sends.
 *
 * Return convention of all int-returning functions unless noted:
 *   0    success (or a length, where documented)
 *   < 0  negative errno: caller error (-EINVAL), short buffer
 *        (-EAGAIN: need more input, -ENOSPC: output too small),
 *        -EMSGSIZE for lengths over a protocol limit
 *   > 0  an enum siw_err_cause: the peer violated the protocol; map it
 *        with siw_err_to_term() to the Terminate to send.
 */
#ifndef _SIW_PROTO_IWARP_H
#define _SIW_PROTO_IWARP_H

#include "proto_types.h"

/*
 * Byte-wise big/little-endian field access. Used for everything that
 * comes from or goes to the wire.
 */
static inline u16 siw_get_be16(const u8 *p)
{
	return (u16)((u16)p[0] << 8 | p[1]);
}

static inline u32 siw_get_be32(const u8 *p)
{
	return (u32)p[0] << 24 | (u32)p[1] << 16 | (u32)p[2] << 8 | p[3];
}

static inline u64 siw_get_be64(const u8 *p)
{
	return (u64)siw_get_be32(p) << 32 | siw_get_be32(p + 4);
}

static inline void siw_put_be16(u8 *p, u16 v)
{
	p[0] = (u8)(v >> 8);
	p[1] = (u8)v;
}

static inline void siw_put_be32(u8 *p, u32 v)
{
	p[0] = (u8)(v >> 24);
	p[1] = (u8)(v >> 16);
	p[2] = (u8)(v >> 8);
	p[3] = (u8)v;
}

static inline void siw_put_be64(u8 *p, u64 v)
{
	siw_put_be32(p, (u32)(v >> 32));
	siw_put_be32(p + 4, (u32)v);
}

/* The MPA CRC travels in little-endian byte order (RFC 3720 B.4). */
static inline u32 siw_get_le32(const u8 *p)
{
	return (u32)p[3] << 24 | (u32)p[2] << 16 | (u32)p[1] << 8 | p[0];
}

static inline void siw_put_le32(u8 *p, u32 v)
{
	p[0] = (u8)v;
	p[1] = (u8)(v >> 8);
	p[2] = (u8)(v >> 16);
	p[3] = (u8)(v >> 24);
}

/*
 * ===================================================================
 * Protocol error causes and Terminate codes (RFC 5040 sec 7,
 * RFC 5041 sec 7, RFC 5044 sec 8, RFC 6581 sec 9)
 * ===================================================================
 */

/* Terminate "Layer" field */
enum siw_term_layer {
	SIW_TERM_LAYER_RDMAP = 0x0,
	SIW_TERM_LAYER_DDP = 0x1,
	SIW_TERM_LAYER_LLP = 0x2,	/* MPA */
};

/* RDMAP error types */
enum siw_rdmap_etype {
	SIW_RDMAP_ETYPE_CATASTROPHIC = 0x0,
	SIW_RDMAP_ETYPE_REMOTE_PROT = 0x1,
	SIW_RDMAP_ETYPE_REMOTE_OP = 0x2,
};

/* RDMAP error codes */
enum siw_rdmap_ecode {
	SIW_RDMAP_ECODE_INVALID_STAG = 0x00,
	SIW_RDMAP_ECODE_BASE_BOUNDS = 0x01,
	SIW_RDMAP_ECODE_ACCESS = 0x02,
	SIW_RDMAP_ECODE_STAG_NOT_ASSOC = 0x03,
	SIW_RDMAP_ECODE_TO_WRAP = 0x04,
	SIW_RDMAP_ECODE_VERSION = 0x05,
	SIW_RDMAP_ECODE_OPCODE = 0x06,
	SIW_RDMAP_ECODE_CATASTROPHIC_STREAM = 0x07,
	SIW_RDMAP_ECODE_CATASTROPHIC_GLOBAL = 0x08,
	SIW_RDMAP_ECODE_CANNOT_INVALIDATE = 0x09,
	SIW_RDMAP_ECODE_UNSPECIFIED = 0xff,
};

/* DDP error types */
enum siw_ddp_etype {
	SIW_DDP_ETYPE_CATASTROPHIC = 0x0,
	SIW_DDP_ETYPE_TAGGED = 0x1,
	SIW_DDP_ETYPE_UNTAGGED = 0x2,
	SIW_DDP_ETYPE_RSVD = 0x3,	/* reserved for use by the LLP */
};

/* DDP tagged buffer error codes */
enum siw_ddp_tagged_ecode {
	SIW_DDP_ECODE_CATASTROPHIC = 0x00,
	SIW_DDP_ECODE_T_INVALID_STAG = 0x00,
	SIW_DDP_ECODE_T_BASE_BOUNDS = 0x01,
	SIW_DDP_ECODE_T_STAG_NOT_ASSOC = 0x02,
	SIW_DDP_ECODE_T_TO_WRAP = 0x03,
	SIW_DDP_ECODE_T_VERSION = 0x04,
};

/* DDP untagged buffer error codes */
enum siw_ddp_untagged_ecode {
	SIW_DDP_ECODE_UT_INVALID_QN = 0x01,
	SIW_DDP_ECODE_UT_MSN_NOBUF = 0x02,
	SIW_DDP_ECODE_UT_MSN_RANGE = 0x03,
	SIW_DDP_ECODE_UT_INVALID_MO = 0x04,
	SIW_DDP_ECODE_UT_TOO_LONG = 0x05,
	SIW_DDP_ECODE_UT_VERSION = 0x06,
};

/* LLP (MPA) error type and codes; 0x05-0x07 from RFC 6581 */
enum siw_llp_etype {
	SIW_LLP_ETYPE_MPA = 0x0,
};

enum siw_llp_ecode {
	SIW_LLP_ECODE_STREAM_LOST = 0x01,
	SIW_LLP_ECODE_CRC = 0x02,
	SIW_LLP_ECODE_FPDU_START = 0x03,	/* marker/ULPDU_Length mismatch */
	SIW_LLP_ECODE_INVALID_REQ_REP = 0x04,
	SIW_LLP_ECODE_LOCAL_CATASTROPHIC = 0x05,
	SIW_LLP_ECODE_INSUFFICIENT_IRD = 0x06,
	SIW_LLP_ECODE_NO_MATCHING_RTR = 0x07,
};

/*
 * siw internal protocol error causes. Each one maps to exactly one
 * (layer, etype, ecode) triple, see siw_err_to_term(). Where RFC 5040
 * and RFC 5041 both define a code (e.g. invalid STag), the cause name
 * says which layer detected it: plain names are DDP tagged buffer
 * errors (inbound placement), SIW_ERR_RDMAP_* are RDMAP protection
 * errors (Read Request source, invalidation).
 */
enum siw_err_cause {
	SIW_ERR_NONE = 0,
	/* LLP / MPA */
	SIW_ERR_STREAM_LOST,	/* TCP connection closed/terminated/lost */
	SIW_ERR_CRC,		/* FPDU CRC mismatch */
	SIW_ERR_MARKER,		/* marker FPDUPTR disagrees with framing */
	SIW_ERR_MPA_LEN,	/* ULPDU_Length shorter than DDP header */
	SIW_ERR_MPA_REQ_REP,	/* bad key, revision, length, flags */
	SIW_ERR_MPA_LOCAL,	/* local catastrophic error (RFC 6581) */
	SIW_ERR_MPA_IRD,	/* insufficient IRD resources (RFC 6581) */
	SIW_ERR_MPA_RTR,	/* no matching RTR option (RFC 6581) */
	/* DDP, tagged buffer model */
	SIW_ERR_STAG_INVALID,
	SIW_ERR_BASE_BOUNDS,
	SIW_ERR_STAG_NOT_ASSOC,
	SIW_ERR_TO_WRAP,
	SIW_ERR_DDP_VERSION_T,	/* bad DDP version, T bit set */
	/* DDP, untagged buffer model */
	SIW_ERR_QN,		/* queue number invalid for the opcode */
	SIW_ERR_NO_RECV_BUF,	/* MSN valid but no receive buffer posted */
	SIW_ERR_MSN_RANGE,	/* MSN outside the valid range */
	SIW_ERR_MO,		/* message offset invalid */
	SIW_ERR_MSG_TOO_BIG,	/* message too long for the buffer */
	SIW_ERR_DDP_VERSION,	/* bad DDP version, T bit clear */
	SIW_ERR_DDP_LOCAL,	/* DDP local catastrophic error */
	/* RDMAP */
	SIW_ERR_RDMAP_LOCAL,	/* RDMAP local catastrophic error */
	SIW_ERR_RDMAP_STAG_INVALID,
	SIW_ERR_RDMAP_BASE_BOUNDS,
	SIW_ERR_ACCESS,		/* access rights violation */
	SIW_ERR_RDMAP_STAG_NOT_ASSOC,
	SIW_ERR_RDMAP_TO_WRAP,
	SIW_ERR_INVALIDATE_PROT, /* STag cannot be invalidated (rights) */
	SIW_ERR_RDMAP_VERSION,
	SIW_ERR_OPCODE,		/* unknown or unexpected opcode */
	SIW_ERR_OPCODE_TBIT,	/* DDP T bit contradicts the opcode */
	SIW_ERR_NO_RREQ,	/* Read Response without outstanding Read */
	SIW_ERR_IRD_EXCEEDED,	/* more inbound Read Requests than IRD */
	SIW_ERR_INVALIDATE_OP,	/* STag cannot be invalidated (state) */
	SIW_ERR_STREAM_CATASTROPHIC,
	SIW_ERR_GLOBAL_CATASTROPHIC,
	SIW_ERR_UNSPECIFIED,
	SIW_ERR_MAX
};

struct siw_term_code {
	u8 layer;
	u8 etype;
	u8 ecode;
};

int siw_err_to_term(int cause, struct siw_term_code *tc);
int siw_err_to_errno(int cause);
const char *siw_err_name(int cause);
const char *siw_term_layer_name(u8 layer);
const char *siw_term_etype_name(u8 layer, u8 etype);
const char *siw_term_ecode_name(u8 layer, u8 etype, u8 ecode);

/*
 * ===================================================================
 * MPA connection setup: request/reply frames (RFC 5044 sec 7.1,
 * RFC 6581 sec 7, Linux siw compatible)
 * ===================================================================
 */
#define SIW_MPA_KEY_LEN		16
#define SIW_MPA_KEY_REQ		"MPA ID Req Frame"
#define SIW_MPA_KEY_REP		"MPA ID Rep Frame"
#define SIW_MPA_HDR_LEN		20	/* key, flags, rev, PD_Length */
#define SIW_MPA_OFF_FLAGS	16
#define SIW_MPA_OFF_REV		17
#define SIW_MPA_OFF_PDLEN	18
#define SIW_MPA_MAX_PD		512	/* RFC limit, incl. enhanced hdr */
#define SIW_MPA_MAX_FRAME	(SIW_MPA_HDR_LEN + SIW_MPA_MAX_PD)
/*
 * Linux siw refuses PD_Length above RDMA_MAX_PRIVATE_DATA (256); stay
 * below that when talking to it.
 */
#define SIW_MPA_LINUX_MAX_PD	256

#define SIW_MPA_REV_1		1
#define SIW_MPA_REV_2		2

/* flags byte (offset 16) */
#define SIW_MPA_FLAG_M		0x80	/* sender wants markers on its RX */
#define SIW_MPA_FLAG_C		0x40	/* CRC */
#define SIW_MPA_FLAG_R		0x20	/* reject (reply only) */
#define SIW_MPA_FLAG_E		0x10	/* RFC 6581 enhanced, rev 2 only */
/*
 * FPDUs larger than one MSS ("GSO FPDUs", up to 64 KiB, segmented by
 * TCP). RFC 5044 bounds an FPDU by the MSS so that a receiver can place
 * each segment on its own; a siw receiver reassembles the stream anyway,
 * so two siw peers may agree to drop the bound. A request offers with
 * GSO (the bit Linux's siw reserves for the same idea, its try_gso), a
 * reply accepts with GSO_ACK: a bit no request carries, because Linux's
 * siw echoes a request's reserved bits in its reply.
 */
#define SIW_MPA_FLAG_GSO	0x08
#define SIW_MPA_FLAG_GSO_ACK	0x01
/*
 * siw private: the RFC 7306 RDMAP extensions (atomics, immediate data).
 * RFC 7306 leaves discovery to the ULP; two reserved flags let two siw
 * peers agree without one and keep them off towards everyone else. A
 * request offers them with EXT, a reply accepts with EXT_ACK: a
 * different bit, because Linux's siw echoes a request's reserved bits
 * in its reply.
 */
#define SIW_MPA_FLAG_EXT	0x04
#define SIW_MPA_FLAG_EXT_ACK	0x02
#define SIW_MPA_FLAG_RES	0x1f	/* reserved in revision 1 */

/* RFC 6581 enhanced header: first 4 bytes of private data */
#define SIW_MPA_V2_HDR_LEN	4
#define SIW_MPA_V2_P		0x8000	/* IRD field: peer-to-peer */
#define SIW_MPA_V2_RTR_SEND	0x4000	/* IRD field: zero length Send */
#define SIW_MPA_V2_RTR_WRITE	0x8000	/* ORD field: zero length Write */
#define SIW_MPA_V2_RTR_READ	0x4000	/* ORD field: zero length Read */
#define SIW_MPA_V2_IRD_ORD_MASK	0x3fff

enum siw_mpa_type {
	SIW_MPA_REQ = 1,
	SIW_MPA_REP = 2,
};

/* RTR (ready to receive) message types, as a bit mask */
#define SIW_RTR_SEND	0x1
#define SIW_RTR_WRITE	0x2
#define SIW_RTR_READ	0x4
#define SIW_RTR_MASK	0x7

/*
 * Decoded MPA request or reply. siw_mpa_parse() fills it from the
 * wire, siw_mpa_encode() writes it back. pd/pd_len is the ULP private
 * data only, i.e. without the 4 enhanced bytes.
 */
struct siw_mpa_rr {
	u8 type;		/* enum siw_mpa_type */
	u8 rev;
	u8 flags;		/* raw flags byte as received */
	bool markers;
	bool crc;
	bool reject;
	bool enhanced;		/* rev 2 with E flag: ird/ord/p2p valid */
	bool gso;		/* GSO offered (request), accepted (reply) */
	bool ext;		/* RFC 7306: EXT offered, EXT_ACK accepted */
	bool p2p;
	u8 rtr;			/* SIW_RTR_* bits offered/selected */
	u16 ird;
	u16 ord;
	u16 pd_len;
	const u8 *pd;
	u16 frame_len;		/* parse: header + wire private data */
};

int siw_mpa_parse_hdr(const void *buf, size_t len, enum siw_mpa_type type,
		      struct siw_mpa_rr *rr);
int siw_mpa_parse(const void *buf, size_t len, enum siw_mpa_type type,
		  struct siw_mpa_rr *rr);
int siw_mpa_frame_len(const struct siw_mpa_rr *rr);
int siw_mpa_encode(const struct siw_mpa_rr *rr, void *buf, size_t len);

/* Local connection policy for MPA negotiation */
struct siw_mpa_policy {
	u8 rev;			/* highest revision spoken: 1 or 2 */
	bool crc_required;	/* insist on CRC */
	bool crc_allowed;	/* accept CRC if the peer asks for it */
	bool markers_rx;	/* want the peer to insert markers */
	bool markers_tx;	/* able to insert markers */
	bool enhanced;		/* RFC 6581 exchange (needs rev 2) */
	bool p2p;		/* request (initiator) / accept (responder) */
	bool ext;		/* offer / accept the RFC 7306 extensions */
	bool gso;		/* offer / accept FPDUs larger than the MSS */
	u8 rtr;			/* SIW_RTR_* we can send / accept */
	u16 ird;		/* wanted inbound read queue depth */
	u16 ord;		/* wanted outbound read queue depth */
	u16 max_ird;		/* device limit, allows raising ird */
};

/* Outcome of a negotiation */
struct siw_mpa_result {
	u8 rev;
	bool crc;
	bool markers_rx;	/* peer inserts markers towards us */
	bool markers_tx;	/* we insert markers towards the peer */
	bool enhanced;
	bool p2p;
	bool ext;		/* both sides speak the RFC 7306 extensions */
	bool gso;		/* both may send FPDUs larger than the MSS */
	u8 rtr;			/* selected RTR type (one bit) or 0 */
	u16 ird;
	u16 ord;
};

int siw_mpa_req_init(const struct siw_mpa_policy *pol, const void *pd,
		     u16 pd_len, struct siw_mpa_rr *req);
int siw_mpa_negotiate_req(const struct siw_mpa_policy *pol,
			  const struct siw_mpa_rr *req,
			  struct siw_mpa_result *res);
int siw_mpa_rep_init(const struct siw_mpa_result *res, const void *pd,
		     u16 pd_len, struct siw_mpa_rr *rep);
int siw_mpa_reject_init(const struct siw_mpa_rr *req, const void *pd,
			u16 pd_len, struct siw_mpa_rr *rep);
int siw_mpa_negotiate_rep(const struct siw_mpa_policy *pol,
			  const struct siw_mpa_rr *req,
			  const struct siw_mpa_rr *rep,
			  struct siw_mpa_result *res);

/*
 * ===================================================================
 * MPA full operation: FPDU framing, markers, CRC (RFC 5044 sec 4-6)
 * ===================================================================
 *
 * FPDU on the wire (markers omitted):
 *   ULPDU_Length (2, BE) | ULPDU | pad (0-3) | CRC (4, always present)
 * The CRC field exists even when CRC is not negotiated (then zero and
 * not checked), so the FPDU length never depends on the CRC setting.
 *
 * Markers (4 bytes: 2 reserved, 2 FPDUPTR) sit at every 512th octet of
 * the stream counted from the first octet of the first FPDU ("stream
 * offset"). They are inside the FPDU for CRC and length purposes but
 * not counted by ULPDU_Length. A marker at the very start of an FPDU
 * belongs to that FPDU and has FPDUPTR 0 (RFC 5044 sec 5: the first
 * marker of a stream has FPDUPTR 0); every other FPDUPTR is the
 * distance from the ULPDU_Length field to the marker.
 */
#define SIW_MPA_LEN_SIZE	2
#define SIW_MPA_CRC_SIZE	4
#define SIW_MPA_MARKER_SIZE	4
#define SIW_MPA_MARKER_SPACING	512
#define SIW_MPA_ULPDU_MAX	0xffff
/* CRC field + ULPDU_Length + max pad */
#define SIW_MPA_FPDU_OVERHEAD	(SIW_MPA_LEN_SIZE + 3 + SIW_MPA_CRC_SIZE)

/*
 * Raw CRC32c (Castagnoli, reflected polynomial 0x82f63b78) update,
 * without pre- or post-inversion: the semantics of Linux crc32c().
 * The MPA CRC of a buffer is ~siw_crc32c(~0U, buf, len). The kernel
 * maps it to <linux/crc32c.h>; user space links crc32c_sw.c.
 */
u32 siw_crc32c(u32 seed, const void *p, size_t len);
u32 siw_mpa_crc(const void *p, size_t len);

u32 siw_mpa_pad(u32 ulpdu_len);
u32 siw_fpdu_len(u32 ulpdu_len);
int siw_mpa_mulpdu(u32 emss, bool markers);

struct siw_fpdu_layout {
	u32 stream_off;		/* stream offset of the FPDU's 1st byte */
	u32 ulpdu_len;
	u32 pad;
	u32 fpdu_len;		/* without markers */
	u32 wire_len;		/* with markers */
	u32 hdr_off;		/* wire offset of ULPDU_Length (0 or 4) */
	u32 nmarkers;
	u32 first_marker;	/* wire offset of marker 0 */
};

int siw_fpdu_layout(u32 stream_off, u32 ulpdu_len, bool markers,
		    struct siw_fpdu_layout *fl);
u32 siw_fpdu_marker_off(const struct siw_fpdu_layout *fl, u32 k);
u16 siw_fpdu_marker_ptr(const struct siw_fpdu_layout *fl, u32 k);
int siw_fpdu_build(u32 stream_off, const void *frame, size_t frame_len,
		   bool markers, bool crc, void *out, size_t out_len);
int siw_fpdu_parse(const void *wire, size_t avail, u32 stream_off,
		   bool markers, bool crc, void *frame, size_t frame_len,
		   struct siw_fpdu_layout *fl);

/*
 * ===================================================================
 * DDP (RFC 5041) and RDMAP (RFC 5040, RFC 7306) headers
 * ===================================================================
 *
 * Offsets below are relative to the DDP control byte, i.e. the first
 * ULPDU byte; on the wire the 2 byte ULPDU_Length precedes it.
 */
#define SIW_DDP_VERSION		1
#define SIW_RDMAP_VERSION	1

/* DDP control byte (offset 0) */
#define SIW_DDP_FLAG_T		0x80
#define SIW_DDP_FLAG_L		0x40
#define SIW_DDP_RSVD_MASK	0x3c
#define SIW_DDP_DV_MASK		0x03
/* RDMAP control byte (offset 1) */
#define SIW_RDMAP_RV_MASK	0xc0
#define SIW_RDMAP_RV_SHIFT	6
#define SIW_RDMAP_RSVD_MASK	0x30
#define SIW_RDMAP_OPCODE_MASK	0x0f

#define SIW_DDP_TAGGED_HDR_LEN		14
#define SIW_DDP_UNTAGGED_HDR_LEN	18
#define SIW_DDP_OFF_STAG		2	/* tagged */
#define SIW_DDP_OFF_TO			6
#define SIW_DDP_OFF_RSVDULP		2	/* untagged: inval STag */
#define SIW_DDP_OFF_QN			6
#define SIW_DDP_OFF_MSN			10
#define SIW_DDP_OFF_MO			14
/* RDMA Read Request header, after the untagged DDP header */
#define SIW_RREQ_OFF_SINK_STAG		18
#define SIW_RREQ_OFF_SINK_TO		22
#define SIW_RREQ_OFF_SIZE		30
#define SIW_RREQ_OFF_SRC_STAG		34
#define SIW_RREQ_OFF_SRC_TO		38
#define SIW_RREQ_HDR_LEN		28
/* Terminate header, after the untagged DDP header */
#define SIW_TERM_OFF_CTRL		18
#define SIW_TERM_CTRL_LEN		4
#define SIW_TERM_SEGLEN_LEN		2
/*
 * RFC 7306 headers, after the untagged DDP header.
 * Atomic Request: reserved (28 bits) | AOpCode (4) | Request Identifier
 * (4) | Remote STag (4) | Remote Tagged Offset (8) | Add or Swap Data
 * (8) | Add or Swap Mask (8) | Compare Data (8) | Compare Mask (8).
 * Atomic Response: Original Request Identifier (4) | Original Remote
 * Data Value (8). Immediate Data: 8 bytes.
 */
#define SIW_ATOMIC_REQ_LEN		52
#define SIW_ATOMIC_RESP_LEN		12
#define SIW_IMM_DATA_LEN		8
#define SIW_AREQ_OFF_OPCODE		18
#define SIW_AREQ_OFF_REQ_ID		22
#define SIW_AREQ_OFF_STAG		26
#define SIW_AREQ_OFF_TO			30
#define SIW_AREQ_OFF_ADD_SWAP		38
#define SIW_AREQ_OFF_ADD_SWAP_MASK	46
#define SIW_AREQ_OFF_CMP		54
#define SIW_AREQ_OFF_CMP_MASK		62
#define SIW_ARESP_OFF_REQ_ID		18
#define SIW_ARESP_OFF_ORIG		22
#define SIW_IMM_OFF_DATA		18
#define SIW_AREQ_OPCODE_MASK		0xf

/* Atomic operation codes (AOpCode) */
enum siw_atomic_op {
	SIW_ATOMIC_FETCH_ADD = 0x0,
	SIW_ATOMIC_CMP_SWAP = 0x2,
};

/*
 * siw private, only when SIW_MPA_FLAG_EXT was negotiated: an RDMAP
 * reserved bit in the last segment of a Send saying that an Immediate
 * Data message follows and belongs to it ("Send with Immediate"): the
 * pair completes one receive, as the verbs define it.
 */
#define SIW_RDMAP_FLAG_IMM_NEXT		0x10

/* DDP untagged queue numbers used by RDMAP */
enum siw_ddp_qn {
	SIW_QN_SEND = 0,
	SIW_QN_RREQ = 1,	/* also RFC 7306 Atomic Request */
	SIW_QN_TERMINATE = 2,
	SIW_QN_ATOMIC_RESP = 3,	/* RFC 7306 */
	SIW_QN_COUNT = 4,
	SIW_QN_NONE = 0xff	/* tagged opcode */
};

enum siw_rdmap_opcode {
	SIW_RDMAP_OP_WRITE = 0x0,
	SIW_RDMAP_OP_READ_REQ = 0x1,
	SIW_RDMAP_OP_READ_RESP = 0x2,
	SIW_RDMAP_OP_SEND = 0x3,
	SIW_RDMAP_OP_SEND_INV = 0x4,
	SIW_RDMAP_OP_SEND_SE = 0x5,
	SIW_RDMAP_OP_SEND_SE_INV = 0x6,
	SIW_RDMAP_OP_TERMINATE = 0x7,
	/*
	 * RFC 7306 extensions. "Write/Send with Immediate" are carried
	 * as a Write or Send followed by an Immediate Data message.
	 */
	SIW_RDMAP_OP_IMM_DATA = 0x8,
	SIW_RDMAP_OP_IMM_DATA_SE = 0x9,
	SIW_RDMAP_OP_ATOMIC_REQ = 0xa,
	SIW_RDMAP_OP_ATOMIC_RESP = 0xb,
	SIW_RDMAP_OP_MAX = 0x10
};

/* opcode properties */
#define SIW_OPF_TAGGED		0x01	/* DDP tagged buffer model */
#define SIW_OPF_SINGLE		0x02	/* single segment: L=1, MO=0 */
#define SIW_OPF_INVAL		0x04	/* carries an invalidate STag */
#define SIW_OPF_SE		0x08	/* solicited event */
#define SIW_OPF_NO_PAYLOAD	0x10	/* header only */
#define SIW_OPF_EXT		0x20	/* RFC 7306, needs SIW_PARSE_EXT */

struct siw_opcode_info {
	const char *name;
	u8 hdr_len;		/* DDP + RDMAP header length */
	u8 qn;			/* SIW_QN_* */
	u8 flags;		/* SIW_OPF_* */
};

/* parse/build flags */
#define SIW_PARSE_EXT		0x1	/* accept RFC 7306 opcodes */

/* Terminate: max bytes after the terminate control field */
#define SIW_TERM_MAX_EXTRA	(SIW_TERM_SEGLEN_LEN + \
				 SIW_DDP_UNTAGGED_HDR_LEN + SIW_RREQ_HDR_LEN)

struct siw_rreq_fields {
	u32 sink_stag;
	u64 sink_to;
	u32 read_size;
	u32 src_stag;
	u64 src_to;
};

/* RFC 7306 Atomic Request (all fields) and Atomic Response (req_id, orig) */
struct siw_atomic_fields {
	u8 op;			/* enum siw_atomic_op */
	u32 req_id;
	u32 stag;
	u64 to;
	u64 add_swap;
	u64 add_swap_mask;
	u64 cmp;
	u64 cmp_mask;
	u64 orig;		/* response: the value before the operation */
};

/* Decoded DDP/RDMAP header of one DDP segment */
struct siw_iwarp_hdr {
	u8 opcode;
	u8 hdr_len;		/* DDP + RDMAP header bytes */
	bool tagged;
	bool last;
	u16 ulpdu_len;		/* MPA ULPDU_Length */
	u16 payload_len;	/* ulpdu_len - hdr_len */
	u32 stag;		/* tagged: sink STag */
	u64 to;			/* tagged: sink tagged offset */
	u32 qn;			/* untagged */
	u32 msn;
	u32 mo;
	u32 inval_stag;		/* Send with Invalidate */
	bool imm_next;		/* Send: SIW_RDMAP_FLAG_IMM_NEXT (ext only) */
	u64 imm;		/* Immediate Data */
	struct siw_rreq_fields rreq;
	struct siw_atomic_fields atomic;
};

extern const struct siw_opcode_info siw_opcode_tab[SIW_RDMAP_OP_MAX];

/* An opcode's entry, NULL for one RFC 5040 and RFC 7306 do not define. */
static inline const struct siw_opcode_info *siw_rdmap_opcode_info(u8 opcode)
{
	/* Inline: the data path asks several times per FPDU. */
	if (opcode >= SIW_RDMAP_OP_MAX || !siw_opcode_tab[opcode].name)
		return NULL;
	return &siw_opcode_tab[opcode];
}

const char *siw_rdmap_opcode_name(u8 opcode);
int siw_iwarp_parse(const void *buf, size_t len, unsigned int flags,
		    struct siw_iwarp_hdr *h);
int siw_iwarp_build(const struct siw_iwarp_hdr *h, unsigned int flags,
		    void *buf, size_t len);

/*
 * siw_iwarp_parse() for the segment the data path receives most, a
 * tagged one (Write, Read Response) with DDP and RDMAP version 1 and no
 * reserved bit set, whole in @len bytes at @buf (ULPDU_Length first):
 * true with @h as siw_iwarp_parse() would fill it, except that
 * h->rreq and h->atomic, which only their opcodes read, are left as they
 * were (zeroing all 160 bytes costs more than the parse). False for
 * anything else: leave that to siw_iwarp_parse().
 */
static inline bool siw_iwarp_parse_tagged(const u8 *buf, size_t len,
					  struct siw_iwarp_hdr *h)
{
	const u8 *d = buf + SIW_MPA_LEN_SIZE;
	u16 ulpdu_len;

	if (len < SIW_MPA_LEN_SIZE + SIW_DDP_TAGGED_HDR_LEN ||
	    (d[0] & ~SIW_DDP_FLAG_L) != (SIW_DDP_FLAG_T | SIW_DDP_VERSION) ||
	    (d[1] != (SIW_RDMAP_VERSION << SIW_RDMAP_RV_SHIFT |
		      SIW_RDMAP_OP_WRITE) &&
	     d[1] != (SIW_RDMAP_VERSION << SIW_RDMAP_RV_SHIFT |
		      SIW_RDMAP_OP_READ_RESP)))
		return false;
	ulpdu_len = siw_get_be16(buf);
	if (ulpdu_len < SIW_DDP_TAGGED_HDR_LEN)
		return false;
	h->opcode = d[1] & SIW_RDMAP_OPCODE_MASK;
	h->hdr_len = SIW_DDP_TAGGED_HDR_LEN;
	h->tagged = true;
	h->last = !!(d[0] & SIW_DDP_FLAG_L);
	h->ulpdu_len = ulpdu_len;
	h->payload_len = ulpdu_len - SIW_DDP_TAGGED_HDR_LEN;
	h->stag = siw_get_be32(d + SIW_DDP_OFF_STAG);
	h->to = siw_get_be64(d + SIW_DDP_OFF_TO);
	h->qn = 0;
	h->msn = 0;
	h->mo = 0;
	h->inval_stag = 0;
	h->imm_next = false;
	h->imm = 0;
	return true;
}

/*
 * The two headers the data path sends most, without filling a struct
 * siw_iwarp_hdr for siw_iwarp_build(): the same bytes, ULPDU_Length
 * first, into @buf of at least SIW_MPA_LEN_SIZE + the opcode's hdr_len.
 * A tagged segment (Write, Read Response), or an untagged one of a Send
 * without the RFC 7306 flag (the Invalidate STag is sent only by the
 * *_INV opcodes, as siw_iwarp_build() does). Returns the bytes written,
 * -EINVAL for another opcode, -EMSGSIZE for too much payload.
 */
static inline int siw_iwarp_build_tagged(u8 *buf, u8 opcode, bool last,
					 u32 stag, u64 to, u32 payload_len)
{
	u8 *d = buf + SIW_MPA_LEN_SIZE;

	if (opcode != SIW_RDMAP_OP_WRITE && opcode != SIW_RDMAP_OP_READ_RESP)
		return -EINVAL;
	if (payload_len > SIW_MPA_ULPDU_MAX - SIW_DDP_TAGGED_HDR_LEN)
		return -EMSGSIZE;
	siw_put_be16(buf, (u16)(SIW_DDP_TAGGED_HDR_LEN + payload_len));
	d[0] = SIW_DDP_VERSION | SIW_DDP_FLAG_T | (last ? SIW_DDP_FLAG_L : 0);
	d[1] = SIW_RDMAP_VERSION << SIW_RDMAP_RV_SHIFT | opcode;
	siw_put_be32(d + SIW_DDP_OFF_STAG, stag);
	siw_put_be64(d + SIW_DDP_OFF_TO, to);
	return SIW_MPA_LEN_SIZE + SIW_DDP_TAGGED_HDR_LEN;
}

static inline int siw_iwarp_build_send(u8 *buf, u8 opcode, bool last,
				       u32 inval_stag, u32 msn, u32 mo,
				       u32 payload_len)
{
	u8 *d = buf + SIW_MPA_LEN_SIZE;

	switch (opcode) {
	case SIW_RDMAP_OP_SEND:
	case SIW_RDMAP_OP_SEND_SE:
		inval_stag = 0;
		break;
	case SIW_RDMAP_OP_SEND_INV:
	case SIW_RDMAP_OP_SEND_SE_INV:
		break;
	default:
		return -EINVAL;
	}
	if (payload_len > SIW_MPA_ULPDU_MAX - SIW_DDP_UNTAGGED_HDR_LEN)
		return -EMSGSIZE;
	siw_put_be16(buf, (u16)(SIW_DDP_UNTAGGED_HDR_LEN + payload_len));
	d[0] = SIW_DDP_VERSION | (last ? SIW_DDP_FLAG_L : 0);
	d[1] = SIW_RDMAP_VERSION << SIW_RDMAP_RV_SHIFT | opcode;
	siw_put_be32(d + SIW_DDP_OFF_RSVDULP, inval_stag);
	siw_put_be32(d + SIW_DDP_OFF_QN, SIW_QN_SEND);
	siw_put_be32(d + SIW_DDP_OFF_MSN, msn);
	siw_put_be32(d + SIW_DDP_OFF_MO, mo);
	return SIW_MPA_LEN_SIZE + SIW_DDP_UNTAGGED_HDR_LEN;
}

/*
 * The value an Atomic Request leaves at its target, given the original
 * one. Fetch-and-Add: a set bit in add_swap_mask ends a field, its carry
 * is dropped (0: one 64 bit add). Compare-and-Swap: if orig equals cmp
 * in the bits of cmp_mask, the bits of add_swap_mask are taken from
 * add_swap; otherwise orig stays.
 */
u64 siw_atomic_result(const struct siw_atomic_fields *a, u64 orig);

/* Stateless checks for the QP layer */
int siw_ddp_check_msn(u32 msn, u32 expected, u32 nbufs);
int siw_ddp_check_mo(u32 mo, u32 seg_len, u32 buf_len);
int siw_ddp_check_tagged(u64 to, u32 len, u64 base, u64 size);

/*
 * ===================================================================
 * Terminate message (RFC 5040 sec 4.8)
 * ===================================================================
 *
 * Terminate Control: Layer (4) | EType (4) | ECode (8) | HdrCt (3) |
 * Reserved (13), then optionally DDP Segment Length (2) and the
 * terminated DDP header (present iff D), then the terminated RDMA
 * Read Request header (28 bytes, iff R).
 */
#define SIW_TERM_HDRCT_M	0x4	/* DDP Segment Length valid */
#define SIW_TERM_HDRCT_D	0x2	/* DDP header included */
#define SIW_TERM_HDRCT_R	0x1	/* RDMA header included */

struct siw_term_msg {
	struct siw_term_code code;
	u8 hdrct;		/* SIW_TERM_HDRCT_* */
	u16 ddp_seg_len;	/* valid with M */
	u8 ddp_hdr_len;		/* 0, 14 or 18 */
	u8 rdma_hdr_len;	/* 0 or 28 */
	u32 msn;		/* MSN of the Terminate itself */
	u8 ddp_hdr[SIW_DDP_UNTAGGED_HDR_LEN];
	u8 rdma_hdr[SIW_RREQ_HDR_LEN];
};

u8 siw_term_hdrct(const struct siw_term_code *tc, const void *seg,
		  size_t seg_len);
int siw_term_build(const struct siw_term_code *tc, u8 hdrct,
		   const void *seg, size_t seg_len, u16 ddp_seg_len, u32 msn,
		   void *buf, size_t len);
int siw_term_parse(const void *buf, size_t len, struct siw_term_msg *tm);

#endif /* _SIW_PROTO_IWARP_H */
