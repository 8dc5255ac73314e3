// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * siw module entry: parameters, RDMA link type, netdev notifier, and the
 * strict init/exit order everything else relies on.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/netdevice.h>
#include <linux/if_arp.h>
#include <rdma/ib_verbs.h>
#include <rdma/rdma_netlink.h>

#include "siw.h"
#include "qp.h"
#include "netlink.h"

static char *tx_cpu_list;
module_param(tx_cpu_list, charp, 0444);
MODULE_PARM_DESC(tx_cpu_list,
		 "CPUs running TX threads, e.g. \"0,2-3\" (default: all online CPUs)");

/* Connection setup policy (cm.c), fixed while the module is loaded. */
static uint mpa_rev = 2;
module_param(mpa_rev, uint, 0444);
MODULE_PARM_DESC(mpa_rev,
		 "Highest MPA revision to speak: 1 (RFC 5044) or 2 (RFC 6581, default)");

static bool mpa_crc_required;
module_param(mpa_crc_required, bool, 0444);
MODULE_PARM_DESC(mpa_crc_required,
		 "Insist on MPA CRC32c on every FPDU (default: only if the peer asks)");

static bool mpa_markers;
module_param(mpa_markers, bool, 0444);
MODULE_PARM_DESC(mpa_markers,
		 "Ask for MPA markers and insert them when the peer asks (default: off)");

static bool mpa_peer_to_peer;
module_param(mpa_peer_to_peer, bool, 0444);
MODULE_PARM_DESC(mpa_peer_to_peer,
		 "RFC 6581 peer-to-peer mode with a zero length Write RTR (default: off)");

static uint mpa_timeout_ms = 10000;
module_param(mpa_timeout_ms, uint, 0444);
MODULE_PARM_DESC(mpa_timeout_ms,
		 "Timeout of each connection setup step in ms (default: 10000)");

static int siw_newlink(const char *ibdev_name, struct net_device *netdev)
{
	struct ib_device *existing;

	/* Taken names fail early, before a device is half set up. */
	existing = ib_device_get_by_name(ibdev_name, RDMA_DRIVER_UNKNOWN);
	if (existing) {
		ib_device_put(existing);
		return -EEXIST;
	}
	if (netdev->type != ARPHRD_ETHER && netdev->type != ARPHRD_LOOPBACK &&
	    netdev->type != ARPHRD_NONE) {
		pr_warn("siw: %s: netdev type %u is not Ethernet\n",
			netdev->name, netdev->type);
		return -EINVAL;
	}
	/* One siw device per netdev: a second would shadow the first's GID. */
	existing = ib_device_get_by_netdev(netdev, RDMA_DRIVER_SIW);
	if (existing) {
		pr_warn("siw: %s: netdev already has siw device %s\n",
			netdev->name, dev_name(&existing->dev));
		ib_device_put(existing);
		return -EEXIST;
	}
	return siw_device_add(ibdev_name, netdev, NULL);
}

static struct rdma_link_ops siw_link_ops = {
	.type = SIW_LINK_TYPE,
	.newlink = siw_newlink,
};

static int siw_netdev_event(struct notifier_block *nb, unsigned long event,
			    void *arg)
{
	struct net_device *netdev = netdev_notifier_info_to_dev(arg);
	struct ib_device *base_dev;

	base_dev = ib_device_get_by_netdev(netdev, RDMA_DRIVER_SIW);
	if (!base_dev)
		return NOTIFY_DONE;

	siw_device_netdev_event(to_siw_dev(base_dev), event);
	ib_device_put(base_dev);

	return NOTIFY_OK;
}

static struct notifier_block siw_netdev_nb = {
	.notifier_call = siw_netdev_event,
};

static int __init siw_init(void)
{
	struct siw_cm_config cm_cfg = {
		.mpa_rev = mpa_rev,
		.crc_required = mpa_crc_required,
		.markers = mpa_markers,
		.peer_to_peer = mpa_peer_to_peer,
		.timeout_ms = mpa_timeout_ms,
		.tcp_nodelay = true,
	};
	int rv;

	rv = siw_tx_threads_init(tx_cpu_list);
	if (rv)
		goto err_tx;

	rv = siw_qp_wq_init();
	if (rv)
		goto err_qp_wq;

	rv = siw_cm_init(&cm_cfg);
	if (rv)
		goto err_cm;

	rv = siw_nl_init();
	if (rv)
		goto err_nl;

	rv = siw_netns_init();
	if (rv)
		goto err_netns;

	rv = register_netdevice_notifier(&siw_netdev_nb);
	if (rv)
		goto err_notifier;

	rdma_link_register(&siw_link_ops);

	pr_info("siw: software iWARP loaded, %u TX threads\n",
		siw_tx_thread_count());
	return 0;

err_notifier:
	siw_netns_exit();
err_netns:
	siw_nl_exit();
err_nl:
	siw_cm_exit();
err_cm:
	siw_qp_wq_exit();
err_qp_wq:
	siw_tx_threads_exit();
err_tx:
	pr_err("siw: init failed: %d\n", rv);
	return rv;
}

static void __exit siw_exit(void)
{
	/*
	 * No new links, no devices recreated in another namespace, then
	 * remove every device, then their notifier.
	 */
	rdma_link_unregister(&siw_link_ops);
	siw_netns_exit();
	ib_unregister_driver(RDMA_DRIVER_SIW);
	unregister_netdevice_notifier(&siw_netdev_nb);
	siw_nl_exit();
	siw_cm_exit();
	siw_qp_wq_exit();
	siw_tx_threads_exit();
	/* Every object should be gone with the devices: name any leak. */
	siw_live_report("unload");

	pr_info("siw: unloaded\n");
}

module_init(siw_init);
module_exit(siw_exit);

MODULE_AUTHOR("The siw developers");
MODULE_DESCRIPTION("Software iWARP (MPA/DDP/RDMAP over TCP) RDMA device");
MODULE_LICENSE("Dual BSD/GPL");
MODULE_ALIAS_RDMA_LINK(SIW_LINK_TYPE);
