/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Rings shared with a process: kernel memory from vmalloc_user() handed
 * out through the RDMA core's per-context mmap key space. CQs use it now;
 * QP send/receive rings and SRQs use it the same way.
 *
 * Ownership: after siw_mmap_insert() succeeds the memory belongs to the
 * mapping entry. Its owner (CQ, QP, SRQ) stops using it, then calls
 * siw_mmap_remove(); the memory is vfree()d once no mmap() call is still
 * looking at it. Pages a process has already mapped stay valid for that
 * process until it unmaps them (they are page-refcounted), so a process
 * that keeps a ring mapped after destroying its object sees stale memory,
 * never somebody else's.
 */
#ifndef _SIW_UMAP_H
#define _SIW_UMAP_H

#include <linux/types.h>
#include <rdma/ib_verbs.h>

#include "siw.h"

struct siw_user_mmap_entry {
	struct rdma_user_mmap_entry rdma_entry;
	void *address;			/* from vmalloc_user() */
	size_t length;			/* bytes the process may map */
};

/*
 * Make @len bytes at @addr (vmalloc_user() memory) mappable by the process
 * owning @ctx. *@offset gets the key to return to user space: the byte
 * offset for mmap() on the uverbs file. A NULL @addr or zero @len maps
 * nothing: *@offset = SIW_INVAL_UOBJ_KEY, returns 0, caller keeps @addr.
 * Returns 0 or -errno; on error the caller still owns @addr and *@offset
 * is SIW_INVAL_UOBJ_KEY. May sleep.
 */
int siw_mmap_insert(struct siw_ucontext *ctx, void *addr, size_t len,
		    u64 *offset);

/*
 * Withdraw a key returned by siw_mmap_insert(): no new mmap() of it
 * succeeds, and its memory is freed (now, or when an mmap() call racing
 * with this one is done). SIW_INVAL_UOBJ_KEY is a no-op.
 */
void siw_mmap_remove(struct siw_ucontext *ctx, u64 offset);

/* ib_device_ops .mmap and .mmap_free */
int siw_mmap(struct ib_ucontext *base_ctx, struct vm_area_struct *vma);
void siw_mmap_free(struct rdma_user_mmap_entry *rdma_entry);

#endif /* _SIW_UMAP_H */
