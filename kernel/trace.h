/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * siw tracepoints (system "siw"). Documentation/tracepoints.md lists each
 * event's fields. Zero cost while disabled; CREATE_TRACE_POINTS only in
 * trace.c.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM siw

#if !defined(_SIW_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _SIW_TRACE_H

#include <linux/tracepoint.h>
#include <linux/smp.h>
#include <rdma/iw_cm.h>

#include "qp.h"

TRACE_DEFINE_ENUM(SIW_QP_STATE_IDLE);
TRACE_DEFINE_ENUM(SIW_QP_STATE_RTR);
TRACE_DEFINE_ENUM(SIW_QP_STATE_RTS);
TRACE_DEFINE_ENUM(SIW_QP_STATE_CLOSING);
TRACE_DEFINE_ENUM(SIW_QP_STATE_TERMINATE);
TRACE_DEFINE_ENUM(SIW_QP_STATE_ERROR);

#define siw_show_qp_state(s)					\
	__print_symbolic(s,					\
		{ SIW_QP_STATE_IDLE, "IDLE" },			\
		{ SIW_QP_STATE_RTR, "RTR" },			\
		{ SIW_QP_STATE_RTS, "RTS" },			\
		{ SIW_QP_STATE_CLOSING, "CLOSING" },		\
		{ SIW_QP_STATE_TERMINATE, "TERMINATE" },	\
		{ SIW_QP_STATE_ERROR, "ERROR" })

TRACE_DEFINE_ENUM(IW_CM_EVENT_CONNECT_REQUEST);
TRACE_DEFINE_ENUM(IW_CM_EVENT_CONNECT_REPLY);
TRACE_DEFINE_ENUM(IW_CM_EVENT_ESTABLISHED);
TRACE_DEFINE_ENUM(IW_CM_EVENT_DISCONNECT);
TRACE_DEFINE_ENUM(IW_CM_EVENT_CLOSE);

#define siw_show_cm_event(e)					\
	__print_symbolic(e,					\
		{ IW_CM_EVENT_CONNECT_REQUEST, "CONNECT_REQUEST" }, \
		{ IW_CM_EVENT_CONNECT_REPLY, "CONNECT_REPLY" },	\
		{ IW_CM_EVENT_ESTABLISHED, "ESTABLISHED" },	\
		{ IW_CM_EVENT_DISCONNECT, "DISCONNECT" },	\
		{ IW_CM_EVENT_CLOSE, "CLOSE" })

/* RDMAP opcodes as on the wire (RFC 5040 section 4.3). */
#define siw_show_opcode(o)					\
	__print_symbolic(o,					\
		{ 0, "WRITE" }, { 1, "READ_REQ" }, { 2, "READ_RESP" }, \
		{ 3, "SEND" }, { 4, "SEND_INV" }, { 5, "SEND_SE" }, \
		{ 6, "SEND_SE_INV" }, { 7, "TERMINATE" })

/* Connection management: what siw reports to iw_cm. */
TRACE_EVENT(siw_cm_event,
	TP_PROTO(u32 dev, int event, int status),
	TP_ARGS(dev, event, status),
	TP_STRUCT__entry(
		__field(u32, dev)
		__field(int, event)
		__field(int, status)
	),
	TP_fast_assign(
		__entry->dev = dev;
		__entry->event = event;
		__entry->status = status;
	),
	TP_printk("dev=%u event=%s status=%d", __entry->dev,
		  siw_show_cm_event(__entry->event), __entry->status)
);

/* MPA request, reply or reject frames sent or received. */
TRACE_EVENT(siw_mpa,
	TP_PROTO(u32 dev, bool sent, bool request, u8 flags, u8 rev,
		 u16 pd_len),
	TP_ARGS(dev, sent, request, flags, rev, pd_len),
	TP_STRUCT__entry(
		__field(u32, dev)
		__field(bool, sent)
		__field(bool, request)
		__field(u8, flags)
		__field(u8, rev)
		__field(u16, pd_len)
	),
	TP_fast_assign(
		__entry->dev = dev;
		__entry->sent = sent;
		__entry->request = request;
		__entry->flags = flags;
		__entry->rev = rev;
		__entry->pd_len = pd_len;
	),
	TP_printk("dev=%u %s %s flags=0x%02x rev=%u pd_len=%u", __entry->dev,
		  __entry->sent ? "sent" : "received",
		  __entry->request ? "request" : "reply", __entry->flags,
		  __entry->rev, __entry->pd_len)
);

TRACE_EVENT(siw_cm_timeout,
	TP_PROTO(u32 dev, int cep_state),
	TP_ARGS(dev, cep_state),
	TP_STRUCT__entry(
		__field(u32, dev)
		__field(int, cep_state)
	),
	TP_fast_assign(
		__entry->dev = dev;
		__entry->cep_state = cep_state;
	),
	TP_printk("dev=%u cep_state=%d", __entry->dev, __entry->cep_state)
);

TRACE_EVENT(siw_qp_state,
	TP_PROTO(const struct siw_qp *qp, int old, int state),
	TP_ARGS(qp, old, state),
	TP_STRUCT__entry(
		__field(u32, qp)
		__field(int, old)
		__field(int, state)
	),
	TP_fast_assign(
		__entry->qp = qp->base_qp.qp_num;
		__entry->old = old;
		__entry->state = state;
	),
	TP_printk("qp=%u %s -> %s", __entry->qp,
		  siw_show_qp_state(__entry->old),
		  siw_show_qp_state(__entry->state))
);

/* A work request posted: kernel WRs one by one, user SQs by doorbell. */
TRACE_EVENT(siw_wr_post,
	TP_PROTO(const struct siw_qp *qp, u64 wr_id, int opcode, u32 len),
	TP_ARGS(qp, wr_id, opcode, len),
	TP_STRUCT__entry(
		__field(u32, qp)
		__field(u64, wr_id)
		__field(int, opcode)
		__field(u32, len)
	),
	TP_fast_assign(
		__entry->qp = qp->base_qp.qp_num;
		__entry->wr_id = wr_id;
		__entry->opcode = opcode;
		__entry->len = len;
	),
	TP_printk("qp=%u wr_id=0x%llx siw_opcode=%d len=%u", __entry->qp,
		  __entry->wr_id, __entry->opcode, __entry->len)
);

TRACE_EVENT(siw_doorbell,
	TP_PROTO(const struct siw_qp *qp),
	TP_ARGS(qp),
	TP_STRUCT__entry(
		__field(u32, qp)
	),
	TP_fast_assign(
		__entry->qp = qp->base_qp.qp_num;
	),
	TP_printk("qp=%u", __entry->qp)
);

DECLARE_EVENT_CLASS(siw_fpdu_class,
	TP_PROTO(const struct siw_qp *qp, u8 opcode, u32 len),
	TP_ARGS(qp, opcode, len),
	TP_STRUCT__entry(
		__field(u32, qp)
		__field(u8, opcode)
		__field(u32, len)
		__field(int, cpu)
	),
	TP_fast_assign(
		__entry->qp = qp->base_qp.qp_num;
		__entry->opcode = opcode;
		__entry->len = len;
		__entry->cpu = raw_smp_processor_id();
	),
	TP_printk("qp=%u op=%s len=%u cpu=%d", __entry->qp,
		  siw_show_opcode(__entry->opcode), __entry->len, __entry->cpu)
);

/* An FPDU handed to TCP completely (len: ULP payload bytes). */
DEFINE_EVENT(siw_fpdu_class, siw_fpdu_tx,
	TP_PROTO(const struct siw_qp *qp, u8 opcode, u32 len),
	TP_ARGS(qp, opcode, len));

/* An FPDU received whole and valid (CRC checked where negotiated). */
DEFINE_EVENT(siw_fpdu_class, siw_fpdu_rx,
	TP_PROTO(const struct siw_qp *qp, u8 opcode, u32 len),
	TP_ARGS(qp, opcode, len));

DECLARE_EVENT_CLASS(siw_tx_thread_class,
	TP_PROTO(int cpu, unsigned int items),
	TP_ARGS(cpu, items),
	TP_STRUCT__entry(
		__field(int, cpu)
		__field(unsigned int, items)
	),
	TP_fast_assign(
		__entry->cpu = cpu;
		__entry->items = items;
	),
	TP_printk("cpu=%d items=%u", __entry->cpu, __entry->items)
);

/* A TX thread woke up to work (items: 0, counted on idle). */
DEFINE_EVENT(siw_tx_thread_class, siw_tx_wakeup,
	TP_PROTO(int cpu, unsigned int items),
	TP_ARGS(cpu, items));

/* A TX thread ran out of work after running @items. */
DEFINE_EVENT(siw_tx_thread_class, siw_tx_idle,
	TP_PROTO(int cpu, unsigned int items),
	TP_ARGS(cpu, items));

DECLARE_EVENT_CLASS(siw_sk_class,
	TP_PROTO(const struct siw_qp *qp, u32 queued),
	TP_ARGS(qp, queued),
	TP_STRUCT__entry(
		__field(u32, qp)
		__field(u32, queued)
	),
	TP_fast_assign(
		__entry->qp = qp->base_qp.qp_num;
		__entry->queued = queued;
	),
	TP_printk("qp=%u queued=%u", __entry->qp, __entry->queued)
);

/* TX found the socket's send buffer full (queued: bytes in it). */
DEFINE_EVENT(siw_sk_class, siw_sk_blocked,
	TP_PROTO(const struct siw_qp *qp, u32 queued),
	TP_ARGS(qp, queued));

/* The socket has room again and TX was kicked. */
DEFINE_EVENT(siw_sk_class, siw_sk_resumed,
	TP_PROTO(const struct siw_qp *qp, u32 queued),
	TP_ARGS(qp, queued));

TRACE_EVENT(siw_terminate,
	TP_PROTO(const struct siw_qp *qp, bool sent, u8 layer, u8 etype,
		 u8 ecode),
	TP_ARGS(qp, sent, layer, etype, ecode),
	TP_STRUCT__entry(
		__field(u32, qp)
		__field(bool, sent)
		__field(u8, layer)
		__field(u8, etype)
		__field(u8, ecode)
	),
	TP_fast_assign(
		__entry->qp = qp->base_qp.qp_num;
		__entry->sent = sent;
		__entry->layer = layer;
		__entry->etype = etype;
		__entry->ecode = ecode;
	),
	TP_printk("qp=%u %s layer=%u etype=%u ecode=0x%02x", __entry->qp,
		  __entry->sent ? "sent" : "received", __entry->layer,
		  __entry->etype, __entry->ecode)
);

TRACE_EVENT(siw_crc_error,
	TP_PROTO(const struct siw_qp *qp, u32 expected, u32 received),
	TP_ARGS(qp, expected, received),
	TP_STRUCT__entry(
		__field(u32, qp)
		__field(u32, expected)
		__field(u32, received)
	),
	TP_fast_assign(
		__entry->qp = qp->base_qp.qp_num;
		__entry->expected = expected;
		__entry->received = received;
	),
	TP_printk("qp=%u expected=0x%08x received=0x%08x", __entry->qp,
		  __entry->expected, __entry->received)
);

/* A completion written to a CQ (qp: its QP number, 0 if none). */
TRACE_EVENT(siw_cqe,
	TP_PROTO(u32 cq, u32 qp, u64 wr_id, u8 opcode, u16 status, u32 bytes),
	TP_ARGS(cq, qp, wr_id, opcode, status, bytes),
	TP_STRUCT__entry(
		__field(u32, cq)
		__field(u32, qp)
		__field(u64, wr_id)
		__field(u8, opcode)
		__field(u16, status)
		__field(u32, bytes)
	),
	TP_fast_assign(
		__entry->cq = cq;
		__entry->qp = qp;
		__entry->wr_id = wr_id;
		__entry->opcode = opcode;
		__entry->status = status;
		__entry->bytes = bytes;
	),
	TP_printk("cq=%u qp=%u wr_id=0x%llx siw_opcode=%u status=%u bytes=%u",
		  __entry->cq, __entry->qp, __entry->wr_id, __entry->opcode,
		  __entry->status, __entry->bytes)
);

#endif /* _SIW_TRACE_H */

/* Out of tree: the trace header is found next to this file. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
