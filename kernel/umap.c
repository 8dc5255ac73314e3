// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Rings shared with a process (see umap.h for the ownership rules).
 *
 * Keys are the RDMA core's mmap offsets (rdma_user_mmap_entry), so they
 * are per user context, unique while an entry lives, and looked up under
 * the core's locking. The ABI reserves SIW_INVAL_UOBJ_KEY for "nothing
 * mapped"; keys start above it so a real key can never collide with it.
 */
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <rdma/ib_verbs.h>
#include <rdma/siw-abi.h>

#include "siw.h"
#include "compat.h"
#include "umap.h"

#define SIW_UMAP_MIN_PGOFF	DIV_ROUND_UP(SIW_INVAL_UOBJ_KEY + 1, PAGE_SIZE)

static struct siw_user_mmap_entry *
to_siw_mmap_entry(struct rdma_user_mmap_entry *rdma_entry)
{
	return container_of(rdma_entry, struct siw_user_mmap_entry, rdma_entry);
}

int siw_mmap_insert(struct siw_ucontext *ctx, void *addr, size_t len,
		    u64 *offset)
{
	struct siw_user_mmap_entry *entry;
	int rv;

	*offset = SIW_INVAL_UOBJ_KEY;
	if (!addr || !len)
		return 0;
	/* Only page-aligned vmalloc_user() memory can be remapped. */
	if (!is_vmalloc_addr(addr) || !PAGE_ALIGNED(addr))
		return -EINVAL;

	entry = kzalloc(sizeof(*entry), GFP_KERNEL);
	if (!entry)
		return -ENOMEM;
	entry->address = addr;
	entry->length = len;

	rv = rdma_user_mmap_entry_insert_range(&ctx->base_ucontext,
					       &entry->rdma_entry, len,
					       SIW_UMAP_MIN_PGOFF, U32_MAX);
	if (rv) {
		kfree(entry);
		return rv;
	}
	*offset = rdma_user_mmap_get_offset(&entry->rdma_entry);
	siw_live_inc(SIW_OBJ_MMAP);
	return 0;
}

void siw_mmap_remove(struct siw_ucontext *ctx, u64 offset)
{
	struct rdma_user_mmap_entry *rdma_entry;

	if (offset == SIW_INVAL_UOBJ_KEY)
		return;
	rdma_entry = rdma_user_mmap_entry_get_pgoff(&ctx->base_ucontext,
						    offset >> PAGE_SHIFT);
	if (!rdma_entry)
		return;
	/* Our lookup reference, then the one siw_mmap_insert() left. */
	rdma_user_mmap_entry_put(rdma_entry);
	rdma_user_mmap_entry_remove(rdma_entry);
}

/*
 * mmap() on the uverbs file: the whole of one entry, shared, never
 * executable. The core's lookup already insists on VM_SHARED and on a
 * length of exactly the entry's pages; remap_vmalloc_range() maps no
 * more than the vmalloc area holds.
 */
int siw_mmap(struct ib_ucontext *base_ctx, struct vm_area_struct *vma)
{
	struct rdma_user_mmap_entry *rdma_entry;
	struct siw_user_mmap_entry *entry;
	unsigned long size = vma->vm_end - vma->vm_start;
	int rv;

	if (vma->vm_flags & VM_EXEC)
		return -EPERM;

	rdma_entry = rdma_user_mmap_entry_get(base_ctx, vma);
	if (!rdma_entry)
		return -EINVAL;
	entry = to_siw_mmap_entry(rdma_entry);

	if (size != PAGE_ALIGN(entry->length)) {
		rv = -EINVAL;
		goto out;
	}
	siw_vma_flags_clear(vma, VM_MAYEXEC);
	rv = remap_vmalloc_range(vma, entry->address, 0);
out:
	rdma_user_mmap_entry_put(rdma_entry);
	return rv;
}

/* The last reference is gone: nobody can map the memory any more. */
void siw_mmap_free(struct rdma_user_mmap_entry *rdma_entry)
{
	struct siw_user_mmap_entry *entry = to_siw_mmap_entry(rdma_entry);

	vfree(entry->address);
	kfree(entry);
	siw_live_dec(SIW_OBJ_MMAP);
}
