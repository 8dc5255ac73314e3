// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The siw ib_device: creation on a netdev, attributes, port state that
 * follows the netdev, and the ops table handed to the RDMA core.
 */
#include <linux/netdevice.h>
#include <linux/etherdevice.h>
#include <linux/cpumask.h>
#include <net/addrconf.h>
#include <rdma/ib_verbs.h>
#include <rdma/iw_cm.h>
#include <linux/siw_netlink.h>

#include "siw.h"
#include "compat.h"
#include "netlink.h"
#include "fault.h"

/* Every registered siw device, for netlink dumps and TX moves. */
DEFINE_MUTEX(siw_dev_mutex);
LIST_HEAD(siw_dev_list);

static enum ib_port_state siw_netdev_port_state(struct net_device *netdev)
{
	if (netif_running(netdev) && netif_carrier_ok(netdev))
		return IB_PORT_ACTIVE;
	return IB_PORT_DOWN;
}

static void siw_device_set_gid(struct siw_device *sdev)
{
	struct net_device *netdev = sdev->netdev;

	memset(sdev->raw_gid, 0, sizeof(sdev->raw_gid));
	if (netdev->addr_len >= ETH_ALEN)
		ether_addr_copy(sdev->raw_gid, netdev->dev_addr);
	else if (netdev->addr_len)
		memcpy(sdev->raw_gid, netdev->dev_addr, netdev->addr_len);

	/* Interfaces without a MAC (tun, loopback) still need a unique GUID. */
	if (is_zero_ether_addr(sdev->raw_gid))
		eth_random_addr(sdev->raw_gid);

	addrconf_addr_eui48((u8 *)&sdev->base_dev.node_guid, sdev->raw_gid);
}

static int siw_query_device(struct ib_device *base_dev,
			    struct ib_device_attr *attr, struct ib_udata *udata)
{
	if (udata && (udata->inlen || udata->outlen))
		return -EINVAL;

	memset(attr, 0, sizeof(*attr));
	attr->fw_ver = 0;
	attr->sys_image_guid = base_dev->node_guid;
	attr->max_mr_size = rlimit(RLIMIT_MEMLOCK);
	attr->page_size_cap = PAGE_SIZE;
	attr->vendor_id = SIW_VENDOR_ID;
	attr->vendor_part_id = SIW_VENDOR_PART_ID;
	attr->hw_ver = 0;
	attr->max_qp = SIW_MAX_QP;
	attr->max_qp_wr = SIW_MAX_QP_WR;
	/* Lets "rdma link delete" remove the device. */
	attr->kernel_cap_flags = IBK_ALLOW_USER_UNREG;
	attr->max_send_sge = SIW_MAX_SGE;
	attr->max_recv_sge = SIW_MAX_SGE;
	attr->max_sge_rd = SIW_MAX_SGE_RD;
	attr->max_cq = SIW_MAX_CQ;
	attr->max_cqe = SIW_MAX_CQE;
	attr->max_mr = SIW_MAX_MR;
	attr->max_pd = SIW_MAX_PD;
	attr->max_qp_rd_atom = SIW_MAX_ORD_QP;
	attr->max_qp_init_rd_atom = SIW_MAX_IRD_QP;
	attr->max_res_rd_atom = SIW_MAX_QP * SIW_MAX_IRD_QP;
	attr->max_srq = SIW_MAX_SRQ;
	attr->max_srq_wr = SIW_MAX_SRQ_WR;
	attr->max_srq_sge = SIW_MAX_SGE;
	attr->max_fast_reg_page_list_len = SIW_MAX_FR_PAGES;
	/* alloc_mr, map_mr_sg and REG_MR/LOCAL_INV (mem.c). */
	attr->device_cap_flags |= IB_DEVICE_MEM_MGT_EXTENSIONS;
	attr->max_pkeys = 1;
	/*
	 * RFC 7306 atomics, done by compare-exchange on the target memory:
	 * atomic against every QP and the CPUs. Each connection still has
	 * to negotiate them (cm.c); otherwise posting one fails.
	 */
	attr->atomic_cap = IB_ATOMIC_GLOB;
	attr->masked_atomic_cap = IB_ATOMIC_GLOB;
	attr->max_ah = 0;
	attr->max_mw = 0;
	return 0;
}

static int siw_query_port(struct ib_device *base_dev, u32 port,
			  struct ib_port_attr *attr)
{
	struct siw_device *sdev = to_siw_dev(base_dev);
	struct net_device *netdev = sdev->netdev;
	int rv;

	/* The core zeroes *attr before calling us. */
	attr->state = siw_netdev_port_state(netdev);
	attr->phys_state = attr->state == IB_PORT_ACTIVE ?
		IB_PORT_PHYS_STATE_LINK_UP : IB_PORT_PHYS_STATE_DISABLED;
	attr->max_mtu = ib_mtu_int_to_enum(netdev->max_mtu ?
					   netdev->max_mtu : netdev->mtu);
	attr->active_mtu = ib_mtu_int_to_enum(netdev->mtu);
	attr->gid_tbl_len = 1;
	attr->pkey_tbl_len = 1;
	attr->port_cap_flags = IB_PORT_CM_SUP | IB_PORT_DEVICE_MGMT_SUP;
	attr->max_msg_sz = -1;

	rv = ib_get_eth_speed(base_dev, port, &attr->active_speed,
			      &attr->active_width);
	return rv;
}

static int siw_get_port_immutable(struct ib_device *base_dev, u32 port,
				  struct ib_port_immutable *immutable)
{
	struct ib_port_attr attr = {};
	int rv;

	rv = ib_query_port(base_dev, port, &attr);
	if (rv)
		return rv;

	immutable->gid_tbl_len = attr.gid_tbl_len;
	immutable->pkey_tbl_len = attr.pkey_tbl_len;
	immutable->core_cap_flags = RDMA_CORE_PORT_IWARP;
	return 0;
}

static int siw_query_gid(struct ib_device *base_dev, u32 port, int index,
			 union ib_gid *gid)
{
	struct siw_device *sdev = to_siw_dev(base_dev);

	if (index != 0)
		return -EINVAL;

	memset(gid, 0, sizeof(*gid));
	memcpy(gid->raw, sdev->raw_gid, ETH_ALEN);
	return 0;
}

static int siw_query_pkey(struct ib_device *base_dev, u32 port, u16 index,
			  u16 *pkey)
{
	if (index != 0)
		return -EINVAL;
	*pkey = 0xffff;
	return 0;
}

static struct net_device *siw_get_netdev(struct ib_device *base_dev, u32 port)
{
	struct net_device *netdev = to_siw_dev(base_dev)->netdev;

	dev_hold(netdev);
	return netdev;
}

static void siw_dealloc_driver(struct ib_device *base_dev)
{
	struct siw_device *sdev = to_siw_dev(base_dev);

	/* Never listed if registration failed. */
	mutex_lock(&siw_dev_mutex);
	if (!list_empty(&sdev->list)) {
		list_del_init(&sdev->list);
		siw_nl_dev_event(sdev, SIW_DEV_EVENT_REMOVED);
	}
	mutex_unlock(&siw_dev_mutex);

	siw_mem_dev_fini(sdev);
	siw_fault_dev_fini(sdev);
	pr_info("siw: %s: removed from %s\n", dev_name(&base_dev->dev),
		sdev->netdev->name);
	xa_destroy(&sdev->qp_xa);
	dev_put(sdev->netdev);
	siw_live_dec(SIW_OBJ_DEVICE);
}

const struct ib_device_ops siw_device_ops = {
	.owner = THIS_MODULE,
	.driver_id = RDMA_DRIVER_SIW,
	.uverbs_abi_ver = SIW_ABI_VERSION,

	.dealloc_driver = siw_dealloc_driver,
	.get_netdev = siw_get_netdev,
	.get_port_immutable = siw_get_port_immutable,
	.query_device = siw_query_device,
	.query_gid = siw_query_gid,
	.query_pkey = siw_query_pkey,
	.query_port = siw_query_port,
};

/* Report a port state change to the core only when it really changed. */
static void siw_device_update_port(struct siw_device *sdev)
{
	enum ib_port_state state = siw_netdev_port_state(sdev->netdev);
	struct ib_event event;

	if (state == sdev->port_state)
		return;
	sdev->port_state = state;

	event.device = &sdev->base_dev;
	event.element.port_num = 1;
	event.event = state == IB_PORT_ACTIVE ? IB_EVENT_PORT_ACTIVE :
						IB_EVENT_PORT_ERR;
	ib_dispatch_event(&event);
	siw_nl_dev_event(sdev, state == IB_PORT_ACTIVE ?
			 SIW_DEV_EVENT_PORT_ACTIVE : SIW_DEV_EVENT_PORT_DOWN);
}

/* Called under RTNL from the netdev notifier. */
void siw_device_netdev_event(struct siw_device *sdev, unsigned long event)
{
	struct ib_event ev = { .device = &sdev->base_dev,
			       .element.port_num = 1 };

	switch (event) {
	case NETDEV_UP:
	case NETDEV_DOWN:
	case NETDEV_GOING_DOWN:
	case NETDEV_CHANGE:
		siw_device_update_port(sdev);
		break;

	case NETDEV_CHANGEADDR:
		siw_device_set_gid(sdev);
		ev.event = IB_EVENT_GID_CHANGE;
		ib_dispatch_event(&ev);
		break;

	case NETDEV_CHANGENAME:
		memcpy(sdev->base_dev.iw_ifname, sdev->netdev->name,
		       sizeof(sdev->base_dev.iw_ifname));
		break;

	case NETDEV_UNREGISTER:
		siw_device_leave(sdev);
		break;

	default:
		break;
	}
}

void siw_device_get_config(struct siw_device *sdev, struct siw_cm_config *cfg)
{
	spin_lock_bh(&sdev->cfg_lock);
	*cfg = sdev->cfg;
	spin_unlock_bh(&sdev->cfg_lock);
}

/* @cfg was checked with siw_cm_config_check(). */
void siw_device_set_config(struct siw_device *sdev,
			   const struct siw_cm_config *cfg)
{
	spin_lock_bh(&sdev->cfg_lock);
	sdev->cfg = *cfg;
	spin_unlock_bh(&sdev->cfg_lock);
}

/* @cfg: settings to start with (a device following its netdev), or NULL */
int siw_device_add(const char *name, struct net_device *netdev,
		   const struct siw_cm_config *cfg)
{
	struct siw_device *sdev;
	struct ib_device *base_dev;
	int rv;

	sdev = ib_alloc_device(siw_device, base_dev);
	if (!sdev)
		return -ENOMEM;
	siw_live_inc(SIW_OBJ_DEVICE);
	base_dev = &sdev->base_dev;
	INIT_LIST_HEAD(&sdev->list);
	spin_lock_init(&sdev->cfg_lock);
	if (cfg)
		sdev->cfg = *cfg;
	else
		siw_cm_default_config(&sdev->cfg);
	spin_lock_init(&sdev->stats_lock);
	siw_fault_dev_init(sdev);
	/* Our own reference: the core drops its one before dealloc_driver. */
	dev_hold(netdev);
	sdev->netdev = netdev;
	xa_init_flags(&sdev->qp_xa, XA_FLAGS_ALLOC1);

	ib_set_device_ops(base_dev, &siw_device_ops);
	ib_set_device_ops(base_dev, &siw_verbs_ops);
	ib_set_device_ops(base_dev, &siw_cq_ops);
	ib_set_device_ops(base_dev, &siw_srq_ops);
	ib_set_device_ops(base_dev, &siw_qp_ops);
	ib_set_device_ops(base_dev, &siw_mem_ops);
	ib_set_device_ops(base_dev, &siw_cm_ops);
	ib_set_device_ops(base_dev, &siw_stats_ops);

	/* libsiw rings its send-queue doorbell with a bare post_send. */
	base_dev->uverbs_cmd_mask |= BIT_ULL(IB_USER_VERBS_CMD_POST_SEND);
	base_dev->node_type = RDMA_NODE_RNIC;
	base_dev->phys_port_cnt = 1;
	base_dev->num_comp_vectors = num_possible_cpus();
	base_dev->dev.parent = netdev->dev.parent;
	memcpy(base_dev->node_desc, SIW_NODE_DESC_COMMON,
	       sizeof(SIW_NODE_DESC_COMMON));
	memcpy(base_dev->iw_ifname, netdev->name, sizeof(base_dev->iw_ifname));
	/* siw listens on plain kernel sockets: no iwpmd port mapping. */
	base_dev->iw_driver_flags = IW_F_NO_PORT_MAP;

	siw_device_set_gid(sdev);
	sdev->port_state = siw_netdev_port_state(netdev);

	rv = siw_mem_dev_init(sdev);
	if (rv)
		goto err_free;

	rv = ib_device_set_netdev(base_dev, netdev, 1);
	if (rv)
		goto err_free;

	/* Registered in the netdev's namespace, not the core's default. */
	write_pnet(&base_dev->coredev.rdma_net, siw_device_net(netdev));

	/* NULL DMA device: the core uses virtual DMA for software devices. */
	rv = ib_register_device(base_dev, name, NULL);
	/*
	 * The core says ENFILE ("no free name") for a name that is taken;
	 * rdma link add never passes a '%' pattern, so that is EEXIST.
	 */
	if (rv == -ENFILE)
		rv = -EEXIST;
	if (rv) {
		pr_warn("siw: %s: register %s failed: %d\n", netdev->name,
			name, rv);
		goto err_free;
	}
	pr_info("siw: %s: attached to %s (%pM)\n", dev_name(&base_dev->dev),
		netdev->name, sdev->raw_gid);
	/* Indices only grow: appending keeps the list in index order. */
	mutex_lock(&siw_dev_mutex);
	list_add_tail(&sdev->list, &siw_dev_list);
	siw_nl_dev_event(sdev, SIW_DEV_EVENT_ADDED);
	mutex_unlock(&siw_dev_mutex);
	siw_device_recheck(sdev);
	return 0;

err_free:
	/* Calls siw_dealloc_driver(), which undoes siw_mem_dev_init(). */
	ib_dealloc_device(base_dev);
	return rv;
}
