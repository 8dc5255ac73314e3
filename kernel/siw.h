/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * siw: software iWARP RDMA device. Objects shared by the module's rooms.
 */
#ifndef _SIW_H
#define _SIW_H

#include <linux/netdevice.h>
#include <linux/atomic.h>
#include <linux/llist.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <linux/idr.h>
#include <linux/mutex.h>
#include <linux/netlink.h>
#include <rdma/ib_verbs.h>
#include <rdma/siw-abi.h>

#include "stats.h"

#define SIW_DRV_NAME		"siw"
#define SIW_LINK_TYPE		"siw"

/* Device limits; SGE and inline sizes are fixed by <rdma/siw-abi.h>. */
#define SIW_VENDOR_ID		0x626d74	/* "bmt", as the in-tree siw */
#define SIW_VENDOR_PART_ID	0
#define SIW_MAX_QP		(1024 * 100)
#define SIW_MAX_QP_WR		(1024 * 32)
#define SIW_MAX_ORD_QP		128
#define SIW_MAX_IRD_QP		128
#define SIW_MAX_SGE_RD		1
#define SIW_MAX_CQ		(1024 * 100)
#define SIW_MAX_CQE		(SIW_MAX_QP_WR * 100)
#define SIW_MAX_MR		(SIW_MAX_QP * 10)
#define SIW_MAX_PD		SIW_MAX_QP
#define SIW_MAX_SRQ		SIW_MAX_QP
#define SIW_MAX_SRQ_WR		(SIW_MAX_QP_WR * 10)
#define SIW_MAX_CONTEXT		SIW_MAX_PD
#define SIW_MAX_FR_PAGES	256

/* Live objects per device: reported to operators, checked by tests. */
struct siw_obj_counts {
	atomic_t ucontext;
	atomic_t pd;
	atomic_t cq;
	atomic_t qp;
	atomic_t srq;
	atomic_t mr;
	atomic_t cep;		/* connection endpoints (cm.c) */
};

/* cm.c: connection management; policy from module parameters (main.c) */
struct siw_cm_config {
	unsigned int mpa_rev;		/* highest MPA revision: 1 or 2 */
	bool crc_required;		/* insist on MPA CRC */
	bool markers;			/* ask for and allow MPA markers */
	bool peer_to_peer;		/* RFC 6581 RTR (zero length Write) */
	bool tcp_nodelay;		/* TCP_NODELAY on connection sockets */
	unsigned int timeout_ms;	/* each connection setup step */
};

struct siw_device {
	struct ib_device base_dev;	/* must stay first: core allocates */
	struct list_head list;		/* siw_dev_list, under siw_dev_mutex */
	spinlock_t cfg_lock;
	struct siw_cm_config cfg;	/* for connections set up from now */
	spinlock_t stats_lock;
	struct siw_stats retired;	/* counters of destroyed QPs */
	struct list_head faults;	/* fault.c rules, RCU */
	spinlock_t fault_lock;
	u32 fault_next_id;
	struct net_device *netdev;	/* core holds the reference */
	u8 raw_gid[ETH_ALEN];
	enum ib_port_state port_state;	/* last state reported to the core */
	struct siw_obj_counts num;
	bool leaving;			/* netdev gone or moving; under RTNL */
	struct xarray qp_xa;		/* QP number -> struct siw_qp */

	/* STag index -> struct siw_mem (mem.c); RCU lookups from softirq. */
	struct xarray mem_xa;
	u32 mem_next;			/* cyclic STag index allocation */
	struct workqueue_struct *mem_wq;	/* deferred siw_mem release */
};

struct siw_ucontext {
	struct ib_ucontext base_ucontext;
	struct siw_device *sdev;
	bool ext_abi;			/* provider speaks siw_abi_ext.h */
	u8 *qp_state;			/* ext_abi: SIW_QPS_* per QP slot */
	u64 qp_state_key;
	struct ida qp_slots;
};

struct siw_pd {
	struct ib_pd base_pd;
};

/* Completion queues: defined in cq.h. */
struct siw_cq;

static inline struct siw_device *to_siw_dev(struct ib_device *base_dev)
{
	return container_of(base_dev, struct siw_device, base_dev);
}

static inline struct siw_pd *to_siw_pd(struct ib_pd *base_pd)
{
	return container_of(base_pd, struct siw_pd, base_pd);
}

static inline struct siw_ucontext *to_siw_ctx(struct ib_ucontext *base_ctx)
{
	return container_of(base_ctx, struct siw_ucontext, base_ucontext);
}

/* device.c; the device list is for netlink.c, in index order */
extern struct mutex siw_dev_mutex;
extern struct list_head siw_dev_list;
int siw_device_add(const char *name, struct net_device *netdev,
		   const struct siw_cm_config *cfg);
void siw_device_get_config(struct siw_device *sdev, struct siw_cm_config *cfg);
void siw_device_set_config(struct siw_device *sdev,
			   const struct siw_cm_config *cfg);
void siw_device_netdev_event(struct siw_device *sdev, unsigned long event);
extern const struct ib_device_ops siw_device_ops;

/* netns.c: devices follow their netdev between namespaces */
void siw_device_leave(struct siw_device *sdev);
struct net *siw_device_net(struct net_device *netdev);
void siw_device_recheck(struct siw_device *sdev);
int siw_netns_init(void);
void siw_netns_exit(void);

/* verbs.c: ops the device table points at */
int siw_alloc_ucontext(struct ib_ucontext *base_ctx, struct ib_udata *udata);
void siw_dealloc_ucontext(struct ib_ucontext *base_ctx);
int siw_alloc_pd(struct ib_pd *base_pd, struct ib_udata *udata);
int siw_dealloc_pd(struct ib_pd *base_pd, struct ib_udata *udata);
extern const struct ib_device_ops siw_verbs_ops;

/* qp.c */
extern const struct ib_device_ops siw_qp_ops;

/* cq.c, srq.c */
extern const struct ib_device_ops siw_cq_ops;
extern const struct ib_device_ops siw_srq_ops;

/* stats.c: the device's totals, and hw_counters / restrack for the core */
void siw_device_stats(struct siw_device *sdev, struct siw_stats *sum);
extern const struct ib_device_ops siw_stats_ops;

struct siw_cep;

extern const struct ib_device_ops siw_cm_ops;
int siw_cm_init(const struct siw_cm_config *cfg);
void siw_cm_default_config(struct siw_cm_config *cfg);
int siw_cm_config_check(const struct siw_cm_config *cfg, const char **why);
void siw_cm_exit(void);
void siw_cep_put(struct siw_cep *cep);

/* mem.c; the data-path API is in mem.h */
extern const struct ib_device_ops siw_mem_ops;
int siw_mem_dev_init(struct siw_device *sdev);
void siw_mem_dev_fini(struct siw_device *sdev);

/* txthread.c: per-CPU transmit threads */
struct siw_tx_work {
	struct llist_node node;
	unsigned long queued;		/* bit 0: on a thread's list */
	void (*run)(struct siw_tx_work *work);
};

int siw_tx_threads_init(const char *cpu_list);
void siw_tx_threads_exit(void);
int siw_tx_cpu_get(void);
void siw_tx_cpu_put(int cpu);
void siw_tx_schedule(int cpu, struct siw_tx_work *work);
unsigned int siw_tx_thread_count(void);

struct siw_tx_info {
	unsigned int qps;
	u64 runs;
	u64 wakeups;
	u64 busy_ns;
	u64 poll_hits;
	u64 poll_ns;
};

bool siw_tx_thread_info(unsigned int cpu, struct siw_tx_info *info);
int siw_tx_threads_set(const char *cpu_list, struct netlink_ext_ack *extack);

#endif /* _SIW_H */
