// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * siw devices and network namespaces. A siw device lives in the namespace
 * of its netdev: it is registered there (visible only there when the RDMA
 * core runs in exclusive netns mode), its sockets are made there (cm.c),
 * and when the netdev moves to another namespace the device follows it:
 * it is unregistered and registered again, under the same name and with
 * the same settings, in the new namespace. The netdev notifier runs under
 * RTNL, which neither step may hold, hence the work items.
 */
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <net/net_namespace.h>
#include <rdma/ib_verbs.h>

#include "siw.h"

struct siw_follow {
	struct work_struct work;
	struct siw_device *sdev;	/* holds a get_device() reference */
	struct net_device *netdev;	/* holds a dev_hold() reference */
	struct siw_cm_config cfg;
	char name[IB_DEVICE_NAME_MAX];
};

static struct workqueue_struct *siw_follow_wq;
static bool siw_follow_stopped;		/* module exit; under RTNL */

static void siw_follow_work(struct work_struct *work)
{
	struct siw_follow *f = container_of(work, struct siw_follow, work);
	bool registered;
	int rv;

	ib_unregister_device(&f->sdev->base_dev);
	put_device(&f->sdev->base_dev.dev);

	rtnl_lock();
	registered = f->netdev->reg_state == NETREG_REGISTERED &&
		     !siw_follow_stopped;
	rtnl_unlock();
	if (registered) {
		rv = siw_device_add(f->name, f->netdev, &f->cfg);
		if (rv)
			pr_warn("siw: %s: not recreated in the new namespace of %s: %d\n",
				f->name, f->netdev->name, rv);
	}
	dev_put(f->netdev);
	kfree(f);
}

/*
 * @sdev's netdev went away from under it: it is being unregistered, or it
 * is moving to another namespace, during which it stays registered.
 */
void siw_device_leave(struct siw_device *sdev)
{
	struct net_device *netdev = sdev->netdev;
	struct siw_follow *f;

	ASSERT_RTNL();
	if (sdev->leaving)
		return;
	sdev->leaving = true;

	if (netdev->reg_state == NETREG_REGISTERED && !siw_follow_stopped) {
		f = kzalloc(sizeof(*f), GFP_KERNEL);
		if (f) {
			INIT_WORK(&f->work, siw_follow_work);
			get_device(&sdev->base_dev.dev);
			f->sdev = sdev;
			dev_hold(netdev);
			f->netdev = netdev;
			siw_device_get_config(sdev, &f->cfg);
			strscpy(f->name, dev_name(&sdev->base_dev.dev),
				sizeof(f->name));
			queue_work(siw_follow_wq, &f->work);
			return;
		}
		pr_warn("siw: %s: no memory to follow %s, removing it\n",
			dev_name(&sdev->base_dev.dev), netdev->name);
	}
	/* Deferred: the core cannot unregister under RTNL. */
	ib_unregister_device_queued(&sdev->base_dev);
}

/* The namespace a new device on @netdev registers in. */
struct net *siw_device_net(struct net_device *netdev)
{
	struct net *net;

	rtnl_lock();
	net = dev_net(netdev);
	/* A dying namespace's netdevs go away or move on soon after. */
	if (!check_net(net))
		net = &init_net;
	rtnl_unlock();
	return net;
}

/*
 * Called once @sdev is registered: a move or removal of its netdev while
 * it registered was not seen by the notifier, which finds only
 * registered devices.
 */
void siw_device_recheck(struct siw_device *sdev)
{
	struct net *net = read_pnet(&sdev->base_dev.coredev.rdma_net);

	rtnl_lock();
	if (sdev->netdev->reg_state != NETREG_REGISTERED ||
	    !net_eq(dev_net(sdev->netdev), net))
		siw_device_leave(sdev);
	rtnl_unlock();
}

int siw_netns_init(void)
{
	siw_follow_wq = alloc_workqueue("siw_follow", WQ_UNBOUND, 0);
	return siw_follow_wq ? 0 : -ENOMEM;
}

/* No new follows; the ones under way finish. */
void siw_netns_exit(void)
{
	rtnl_lock();
	siw_follow_stopped = true;
	rtnl_unlock();
	destroy_workqueue(siw_follow_wq);
}
