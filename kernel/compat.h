/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The one place where Debian's 6.1 and 6.12 kernels differ for siw.
 * Everything else in the module uses the spelling defined here.
 */
#ifndef _SIW_COMPAT_H
#define _SIW_COMPAT_H

#include <linux/version.h>
#include <linux/mm.h>
#include <rdma/ib_verbs.h>
#include <rdma/uverbs_ioctl.h>
#include <net/genetlink.h>

/*
 * 6.11 passes the whole uverbs attribute bundle to create_cq instead of
 * the driver udata; kernel consumers pass NULL in both spellings.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 11, 0)
#define SIW_CREATE_CQ_UARG	struct uverbs_attr_bundle *attrs
static inline struct ib_udata *siw_create_cq_udata(struct uverbs_attr_bundle *attrs)
{
	return attrs ? &attrs->driver_udata : NULL;
}
#else
#define SIW_CREATE_CQ_UARG	struct ib_udata *attrs
static inline struct ib_udata *siw_create_cq_udata(struct ib_udata *udata)
{
	return udata;
}
#endif

/* 6.3 made vma->vm_flags read-only behind helpers that take the VMA lock. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
static inline void siw_vma_flags_clear(struct vm_area_struct *vma,
				       vm_flags_t flags)
{
	vm_flags_clear(vma, flags);
}
#else
static inline void siw_vma_flags_clear(struct vm_area_struct *vma,
				       vm_flags_t flags)
{
	vma->vm_flags &= ~flags;
}
#endif

/* 6.2 (split genetlink ops) moved a dump's parsed attributes. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
static inline struct nlattr **siw_genl_dump_attrs(struct netlink_callback *cb)
{
	return genl_dumpit_info(cb)->info.attrs;
}
#else
static inline struct nlattr **siw_genl_dump_attrs(struct netlink_callback *cb)
{
	return genl_dumpit_info(cb)->attrs;
}
#endif

/*
 * 6.5 taught tcp_sendmsg_locked() MSG_SPLICE_PAGES: it then takes page
 * references instead of copying. Debian's 6.1 defines the flag (for
 * other callers) but its TCP ignores it and copies, so there we never
 * zero-copy (and never hold a completion for TCP's ACK).
 */
#define SIW_TCP_SPLICE_PAGES	(LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0))

#endif /* _SIW_COMPAT_H */
