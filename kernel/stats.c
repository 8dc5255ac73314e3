// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Counters for the RDMA core's own tools: port hw_counters ("rdma
 * statistic show", /sys/class/infiniband/DEV/ports/1/hw_counters) with
 * the device's totals, and siw's fields in "rdma resource show qp -dd".
 * The same numbers come with more detail from the siw netlink family.
 */
#include <rdma/ib_verbs.h>
#include <rdma/restrack.h>
#include <rdma/rdma_netlink.h>
#include <uapi/rdma/rdma_netlink.h>

#include "siw.h"
#include "qp.h"
#include "stats.h"
#include "proto/iwarp.h"

atomic_t siw_live[SIW_OBJ_TYPES];

static const char * const siw_obj_names[SIW_OBJ_TYPES] = {
	[SIW_OBJ_DEVICE] = "devices",
	[SIW_OBJ_UCONTEXT] = "ucontexts",
	[SIW_OBJ_PD] = "PDs",
	[SIW_OBJ_CQ] = "CQs",
	[SIW_OBJ_SRQ] = "SRQs",
	[SIW_OBJ_QP] = "QPs",
	[SIW_OBJ_MR] = "MRs",
	[SIW_OBJ_CEP] = "connection endpoints",
	[SIW_OBJ_LISTENER] = "listeners",
	[SIW_OBJ_MMAP] = "mmap entries",
	[SIW_OBJ_TX_WORK] = "queued TX runs",
};

bool siw_live_report(const char *when)
{
	bool any = false;
	int i, n;

	for (i = 0; i < SIW_OBJ_TYPES; i++) {
		n = siw_live_read(i);
		if (!n)
			continue;
		pr_err("siw: %s: %d %s still live\n", when, n, siw_obj_names[i]);
		any = true;
	}
	return any;
}

enum siw_hw_counter {
	SIW_HW_TX_FPDUS,
	SIW_HW_TX_BYTES,
	SIW_HW_RX_FPDUS,
	SIW_HW_RX_BYTES,
	SIW_HW_CRC_ERRORS,
	SIW_HW_TERMS_SENT,
	SIW_HW_TERMS_RECEIVED,
	SIW_HW_BACKPRESSURE,
	SIW_HW_RX_WHOLE,
	SIW_HW_TX_ZCOPY_BYTES,
	SIW_HW_TX_ZCOPY_WRS,
	SIW_HW_TX_WRITE_BYTES,
	SIW_HW_TX_SEND_BYTES,
	SIW_HW_TX_READ_RESP_BYTES,
	SIW_HW_RX_WRITE_BYTES,
	SIW_HW_RX_SEND_BYTES,
	SIW_HW_RX_READ_RESP_BYTES,
	SIW_HW_QPS,
	SIW_HW_NUM
};

static const struct rdma_stat_desc siw_hw_descs[SIW_HW_NUM] = {
	[SIW_HW_TX_FPDUS] = { .name = "tx_fpdus" },
	[SIW_HW_TX_BYTES] = { .name = "tx_bytes" },
	[SIW_HW_RX_FPDUS] = { .name = "rx_fpdus" },
	[SIW_HW_RX_BYTES] = { .name = "rx_bytes" },
	[SIW_HW_CRC_ERRORS] = { .name = "crc_errors" },
	[SIW_HW_TERMS_SENT] = { .name = "terminates_sent" },
	[SIW_HW_TERMS_RECEIVED] = { .name = "terminates_received" },
	[SIW_HW_BACKPRESSURE] = { .name = "tx_backpressure" },
	[SIW_HW_RX_WHOLE] = { .name = "rx_fpdus_whole" },
	[SIW_HW_TX_ZCOPY_BYTES] = { .name = "tx_zcopy_bytes" },
	[SIW_HW_TX_ZCOPY_WRS] = { .name = "tx_zcopy_wrs" },
	[SIW_HW_TX_WRITE_BYTES] = { .name = "tx_write_bytes" },
	[SIW_HW_TX_SEND_BYTES] = { .name = "tx_send_bytes" },
	[SIW_HW_TX_READ_RESP_BYTES] = { .name = "tx_read_resp_bytes" },
	[SIW_HW_RX_WRITE_BYTES] = { .name = "rx_write_bytes" },
	[SIW_HW_RX_SEND_BYTES] = { .name = "rx_send_bytes" },
	[SIW_HW_RX_READ_RESP_BYTES] = { .name = "rx_read_resp_bytes" },
	[SIW_HW_QPS] = { .name = "qps" },
};

const struct siw_stats siw_stats_none;

void siw_device_stats(struct siw_device *sdev, struct siw_stats *sum)
{
	unsigned long index = 0;
	struct siw_qp *qp;

	spin_lock_bh(&sdev->stats_lock);
	*sum = sdev->retired;
	spin_unlock_bh(&sdev->stats_lock);

	while ((qp = siw_qp_get_next(sdev, &index))) {
		siw_stats_add_all(sum, siw_qp_stats(qp));
		siw_qp_put(qp);
		index++;
	}
}

static struct rdma_hw_stats *siw_alloc_hw_port_stats(struct ib_device *base_dev,
						     u32 port)
{
	return rdma_alloc_hw_stats_struct(siw_hw_descs, SIW_HW_NUM,
					  RDMA_HW_STATS_DEFAULT_LIFESPAN);
}

/* All four Send opcodes together. */
static u64 siw_send_bytes(const struct siw_stats *s, bool tx)
{
	static const u8 ops[] = { SIW_RDMAP_OP_SEND, SIW_RDMAP_OP_SEND_INV,
				  SIW_RDMAP_OP_SEND_SE, SIW_RDMAP_OP_SEND_SE_INV };
	u64 sum = 0;
	int i;

	for (i = 0; i < ARRAY_SIZE(ops); i++)
		sum += tx ? s->op[ops[i]].tx_bytes : s->op[ops[i]].rx_bytes;
	return sum;
}

static int siw_get_hw_stats(struct ib_device *base_dev,
			    struct rdma_hw_stats *hw, u32 port, int index)
{
	struct siw_device *sdev = to_siw_dev(base_dev);
	struct siw_stats *s;
	u64 *v = hw->value;

	s = kmalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	siw_device_stats(sdev, s);
	v[SIW_HW_TX_FPDUS] = s->tx_fpdus;
	v[SIW_HW_TX_BYTES] = s->tx_bytes;
	v[SIW_HW_RX_FPDUS] = s->rx_fpdus;
	v[SIW_HW_RX_BYTES] = s->rx_bytes;
	v[SIW_HW_CRC_ERRORS] = s->crc_errors;
	v[SIW_HW_TERMS_SENT] = s->terms_sent;
	v[SIW_HW_TERMS_RECEIVED] = s->terms_received;
	v[SIW_HW_BACKPRESSURE] = s->backpressure;
	v[SIW_HW_RX_WHOLE] = s->rx_whole;
	v[SIW_HW_TX_ZCOPY_BYTES] = s->tx_zcopy;
	v[SIW_HW_TX_ZCOPY_WRS] = s->tx_zcopy_wrs;
	v[SIW_HW_TX_WRITE_BYTES] = s->op[SIW_RDMAP_OP_WRITE].tx_bytes;
	v[SIW_HW_TX_SEND_BYTES] = siw_send_bytes(s, true);
	v[SIW_HW_TX_READ_RESP_BYTES] = s->op[SIW_RDMAP_OP_READ_RESP].tx_bytes;
	v[SIW_HW_RX_WRITE_BYTES] = s->op[SIW_RDMAP_OP_WRITE].rx_bytes;
	v[SIW_HW_RX_SEND_BYTES] = siw_send_bytes(s, false);
	v[SIW_HW_RX_READ_RESP_BYTES] = s->op[SIW_RDMAP_OP_READ_RESP].rx_bytes;
	v[SIW_HW_QPS] = atomic_read(&sdev->num.qp);
	kfree(s);
	return SIW_HW_NUM;
}

/* "rdma resource show qp -dd": what the core does not know of a QP. */
static int siw_fill_res_qp_entry(struct sk_buff *msg, struct ib_qp *base_qp)
{
	struct siw_qp *qp = to_siw_qp(base_qp);
	const struct siw_stats *stats = siw_qp_stats(qp);
	struct nlattr *table;

	/* Driver attributes travel in their own nest. */
	table = nla_nest_start(msg, RDMA_NLDEV_ATTR_DRIVER);
	if (!table)
		return -EMSGSIZE;
	if (rdma_nl_put_driver_string(msg, "siw_state",
				      siw_qp_state_name(READ_ONCE(qp->state))) ||
	    rdma_nl_put_driver_u32(msg, "tx_cpu", READ_ONCE(qp->tx_cpu)) ||
	    rdma_nl_put_driver_u32(msg, "ird", qp->ird) ||
	    rdma_nl_put_driver_u32(msg, "ord", qp->ord) ||
	    rdma_nl_put_driver_u32(msg, "crc", qp->conn.crc) ||
	    rdma_nl_put_driver_u32(msg, "markers", qp->conn.markers_tx) ||
	    rdma_nl_put_driver_u64(msg, "tx_bytes",
				   READ_ONCE(stats->tx_bytes)) ||
	    rdma_nl_put_driver_u64(msg, "rx_bytes",
				   READ_ONCE(stats->rx_bytes)) ||
	    rdma_nl_put_driver_u64(msg, "terminates",
				   READ_ONCE(stats->terms_sent) +
				   READ_ONCE(stats->terms_received))) {
		nla_nest_cancel(msg, table);
		return -EMSGSIZE;
	}
	nla_nest_end(msg, table);
	return 0;
}

const struct ib_device_ops siw_stats_ops = {
	.alloc_hw_port_stats = siw_alloc_hw_port_stats,
	.get_hw_stats = siw_get_hw_stats,
	.fill_res_qp_entry = siw_fill_res_qp_entry,
};
