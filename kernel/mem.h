/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * siw memory objects and the STag namespace.
 *
 * Every tagged access of the data path (RDMA Write placement, Read
 * Response source and sink, Send placement into receive SGEs, REG_MR,
 * LOCAL_INV and Send with Invalidate) goes through this API:
 *
 *	mem = siw_mem_get(sdev, stag);			// reference or NULL
 *	rv = siw_mem_check(mem, pd, stag, perms, addr, len);
 *	if (rv)						// map rv to a Terminate
 *		...
 *	siw_mem_iter_init(&it, mem, addr, len);
 *	while ((rv = siw_mem_iter_next(&it, &span)) > 0)
 *		... place or gather span.page + span.offset, span.len ...
 *	siw_mem_put(mem);
 *
 * None of these functions sleeps or allocates; all may run in softirq
 * (RX) or process context (TX threads, post_send). See
 * Documentation/memory.md.
 */
#ifndef _SIW_MEM_H
#define _SIW_MEM_H

#include <linux/kref.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <rdma/ib_umem.h>
#include <rdma/ib_verbs.h>

#include "siw.h"

/* STag: 24-bit index into sdev->mem_xa, then the 8-bit consumer key. */
#define SIW_STAG_KEY_BITS	8
#define SIW_STAG_KEY_MASK	0xffU
#define SIW_STAG_INDEX_MAX	((1U << (32 - SIW_STAG_KEY_BITS)) - 1)

static inline u32 siw_stag_index(u32 stag)
{
	return stag >> SIW_STAG_KEY_BITS;
}

static inline u8 siw_stag_key(u32 stag)
{
	return stag & SIW_STAG_KEY_MASK;
}

enum siw_mem_type {
	SIW_MEM_USER,		/* reg_user_mr: pinned user pages */
	SIW_MEM_FASTREG,	/* alloc_mr + map_mr_sg, made valid by REG_MR */
	SIW_MEM_DMA,		/* get_dma_mr: kernel virtual addresses */
};

/*
 * A memory object, named by its STag. Refcounted: the MR holds one
 * reference until dereg_mr; every data-path user holds one from
 * siw_mem_get() to siw_mem_put(). The last put releases the pages after
 * an RCU grace period, in process context.
 *
 * @valid is published with release semantics after the fields it guards
 * (stag key, access, va, len, first_off, page_shift, nblocks) and read
 * with acquire semantics by siw_mem_check(); @lock serializes the
 * transitions (REG_MR, invalidation, dereg).
 */
struct siw_mem {
	struct siw_device *sdev;
	struct siw_pd *pd;
	struct kref ref;
	spinlock_t lock;	/* REG_MR, invalidate, dereg */
	u32 stag;		/* index << 8 | key; REG_MR may change the key */
	bool valid;
	bool is_dma;		/* type == SIW_MEM_DMA */
	u8 type;		/* enum siw_mem_type */
	u8 page_shift;		/* log2 of the size of one pages[]/pbl[] block */
	int access;		/* IB_ACCESS_* granted */
	u64 va;			/* iova of the first byte */
	u64 len;		/* bytes; U64_MAX for DMA MRs */
	u64 first_off;		/* offset of the first byte in block 0 */
	u32 nblocks;		/* blocks of pages[]/pbl[] the registration uses */

	/* SIW_MEM_USER: the pinned umem and its pages, one per PAGE_SIZE. */
	struct ib_umem *umem;
	struct page **pages;

	/* SIW_MEM_FASTREG: kernel VAs of page_size blocks, from map_mr_sg. */
	u64 *pbl;
	u32 pbl_max;		/* capacity: max_num_sg of alloc_mr */
	u32 pbl_mapped;		/* entries the last map_mr_sg filled */
	u64 pbl_first_off;	/* iova offset in the first block at map time */
	u8 pbl_shift;		/* log2(page_size) at map time */

	struct rcu_work free_work;
};

struct siw_mr {
	struct ib_mr base_mr;
	struct siw_mem *mem;
};

static inline struct siw_mr *to_siw_mr(struct ib_mr *base_mr)
{
	return container_of(base_mr, struct siw_mr, base_mr);
}

/* Look up an STag by its index; takes a reference. NULL if unknown. */
struct siw_mem *siw_mem_get(struct siw_device *sdev, u32 stag);
void siw_mem_put(struct siw_mem *mem);

/*
 * May @pd access [@addr, @addr + @len) of @mem through @stag with
 * @perms (IB_ACCESS_LOCAL_WRITE, _REMOTE_READ, _REMOTE_WRITE,
 * _REMOTE_ATOMIC; 0 for a local read)? Returns 0 or the first fault,
 * each mapping to an RFC 5040 Terminate code:
 *
 *   -ENOENT        no such STag (@mem NULL)      Invalid STag
 *   -EKEYREJECTED  STag key differs              Invalid STag
 *   -EPERM         STag belongs to another PD    STag not associated
 *                                                with RDMAP Stream
 *   -ESTALE        STag invalidated / not yet    Invalid STag
 *                  registered
 *   -EACCES        access rights missing         Access rights violation
 *   -ERANGE        outside the region (or the    Base or bounds violation
 *                  address range wraps)
 */
int siw_mem_check(const struct siw_mem *mem, const struct siw_pd *pd,
		  u32 stag, enum ib_access_flags perms, u64 addr, u64 len);

/*
 * Walk [addr, addr + len) of @mem as (page, offset, len) spans, each
 * within one page: place from an skb with skb_copy_bits() into
 * kmap_local_page(span.page) + span.offset, or hand the pages to the
 * socket. Check the range with siw_mem_check() first; the iterator only
 * guarantees that it never leaves the object's pages.
 */
struct siw_mem_span {
	struct page *page;
	unsigned int offset;
	unsigned int len;
};

struct siw_mem_iter {
	struct siw_mem *mem;
	u64 pos;		/* byte position from the start of block 0 */
	u64 left;		/* bytes still to walk */
	u8 shift;		/* block size at init */
};

void siw_mem_iter_init(struct siw_mem_iter *it, struct siw_mem *mem,
		       u64 addr, u64 len);
/* 1: @span filled; 0: done; -EFAULT: address not backed by the object. */
int siw_mem_iter_next(struct siw_mem_iter *it, struct siw_mem_span *span);

/* Copy between @buf and [addr, addr + len) of @mem. 0 or -EFAULT. */
int siw_mem_copy(struct siw_mem *mem, u64 addr, void *buf, size_t len,
		 bool to_mem);

/*
 * RFC 7306 Atomic Request at the 8 byte aligned @addr of @mem (checked
 * by the caller for REMOTE_ATOMIC): performs @a atomically and returns
 * the original value in *@orig. 0, -EINVAL (misaligned) or -EFAULT.
 */
struct siw_atomic_fields;
int siw_mem_atomic(struct siw_mem *mem, u64 addr,
		   const struct siw_atomic_fields *a, u64 *orig);

/*
 * REG_MR work request: make the fast-reg MR's current page list valid
 * under @stag (same index, the consumer's new key) with @access. The
 * caller checks that the MR's PD is the QP's. -EINVAL on a bad stag,
 * access or page list, -EBUSY if the MR is still valid.
 */
int siw_mem_fastreg(struct siw_mr *mr, u32 stag, int access);

/*
 * LOCAL_INV and Send with Invalidate: invalidate @stag of @pd. Only
 * fast-reg MRs can be invalidated (-EINVAL for user and DMA MRs);
 * -ENOENT, -EKEYREJECTED, -EPERM as for siw_mem_check(). Invalidating
 * an already invalid STag succeeds.
 */
int siw_mem_invalidate(struct siw_device *sdev, struct siw_pd *pd, u32 stag);

#endif /* _SIW_MEM_H */
