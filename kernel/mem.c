// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Memory regions and the STag namespace: user MRs (pinned ib_umem),
 * fast-reg MRs (alloc_mr + map_mr_sg + REG_MR) and DMA MRs, the
 * per-device STag table, and the lookup/check/iterate API of mem.h that
 * the data path uses for every tagged access.
 */
#include <linux/errno.h>
#include <linux/highmem.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/moduleparam.h>
#include <linux/overflow.h>
#include <linux/random.h>
#include <linux/rcupdate.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>
#include <rdma/ib_umem.h>
#include <rdma/ib_verbs.h>

#include "siw.h"
#include "fault.h"
#include "compat.h"
#include "mem.h"
#include "proto/iwarp.h"

/* Access flags siw grants; the optional range is accepted and ignored. */
#define SIW_MEM_ACCESS_GRANTED						\
	(IB_ACCESS_LOCAL_WRITE | IB_ACCESS_REMOTE_WRITE |		\
	 IB_ACCESS_REMOTE_READ | IB_ACCESS_REMOTE_ATOMIC |		\
	 IB_ACCESS_MW_BIND)
#define SIW_MEM_ACCESS_ACCEPTED						\
	(SIW_MEM_ACCESS_GRANTED | IB_ZERO_BASED | IB_ACCESS_HUGETLB |	\
	 IB_ACCESS_OPTIONAL)

static int siw_mem_access_check(int access)
{
	/* Remote write or atomic would let a peer change read-only memory. */
	if ((access & (IB_ACCESS_REMOTE_WRITE | IB_ACCESS_REMOTE_ATOMIC)) &&
	    !(access & IB_ACCESS_LOCAL_WRITE))
		return -EINVAL;
	if (access & ~SIW_MEM_ACCESS_ACCEPTED)
		return -EOPNOTSUPP;
	return 0;
}

/* A random key makes a stale STag of a reused index fail the key check. */
static u8 siw_mem_new_key(void)
{
	return get_random_u32() & SIW_STAG_KEY_MASK;
}

static bool siw_mr_count_get(struct siw_device *sdev)
{
	if (siw_fault_alloc(sdev))
		return false;
	if (atomic_inc_return(&sdev->num.mr) > SIW_MAX_MR) {
		atomic_dec(&sdev->num.mr);
		return false;
	}
	return true;
}

static void siw_mr_count_put(struct siw_device *sdev)
{
	atomic_dec(&sdev->num.mr);
}

/* Process context, one RCU grace period after the last reference. */
static void siw_mem_free_work(struct work_struct *work)
{
	struct siw_mem *mem = container_of(to_rcu_work(work), struct siw_mem,
					   free_work);

	if (mem->umem)
		ib_umem_release(mem->umem);
	kvfree(mem->pages);
	kfree(mem->pbl);
	kfree(mem);
	siw_live_dec(SIW_OBJ_MR);
}

static void siw_mem_release(struct kref *ref)
{
	struct siw_mem *mem = container_of(ref, struct siw_mem, ref);

	/* Lookups may still hold the pointer under RCU; pages may sleep. */
	queue_rcu_work(mem->sdev->mem_wq, &mem->free_work);
}

void siw_mem_put(struct siw_mem *mem)
{
	kref_put(&mem->ref, siw_mem_release);
}

struct siw_mem *siw_mem_get(struct siw_device *sdev, u32 stag)
{
	struct siw_mem *mem;

	rcu_read_lock();
	mem = xa_load(&sdev->mem_xa, siw_stag_index(stag));
	if (mem && !kref_get_unless_zero(&mem->ref))
		mem = NULL;
	rcu_read_unlock();
	return mem;
}

static struct siw_mem *siw_mem_alloc(struct ib_pd *base_pd,
				     enum siw_mem_type type, int access)
{
	struct siw_mem *mem = kzalloc(sizeof(*mem), GFP_KERNEL);

	if (!mem)
		return NULL;
	mem->sdev = to_siw_dev(base_pd->device);
	mem->pd = to_siw_pd(base_pd);
	kref_init(&mem->ref);
	spin_lock_init(&mem->lock);
	INIT_RCU_WORK(&mem->free_work, siw_mem_free_work);
	mem->type = type;
	mem->is_dma = type == SIW_MEM_DMA;
	mem->access = access & SIW_MEM_ACCESS_GRANTED;
	siw_live_inc(SIW_OBJ_MR);
	return mem;
}

/* Reserve an STag index: lookups see nothing there until published. */
static int siw_mem_reserve(struct siw_mem *mem, u8 key)
{
	struct siw_device *sdev = mem->sdev;
	u32 index;
	int rv;

	rv = xa_alloc_cyclic_bh(&sdev->mem_xa, &index, NULL,
				XA_LIMIT(1, SIW_STAG_INDEX_MAX),
				&sdev->mem_next, GFP_KERNEL);
	if (rv < 0)
		return rv == -EBUSY ? -ENOMEM : rv;
	mem->stag = index << SIW_STAG_KEY_BITS | key;
	return 0;
}

static void siw_mem_publish(struct siw_mem *mem)
{
	/* Storing into a reserved slot does not allocate: cannot fail. */
	xa_store_bh(&mem->sdev->mem_xa, siw_stag_index(mem->stag), mem,
		    GFP_KERNEL);
}

static void siw_mem_unreserve(struct siw_mem *mem)
{
	xa_erase_bh(&mem->sdev->mem_xa, siw_stag_index(mem->stag));
}

/* Drops the MR's reference; in-flight users keep the pages until put. */
static void siw_mem_retire(struct siw_mem *mem)
{
	spin_lock_bh(&mem->lock);
	WRITE_ONCE(mem->valid, false);
	spin_unlock_bh(&mem->lock);
	siw_mem_unreserve(mem);
	siw_mem_put(mem);
}

static struct siw_mr *siw_mr_alloc(struct siw_mem *mem)
{
	struct siw_mr *mr = kzalloc(sizeof(*mr), GFP_KERNEL);

	if (!mr)
		return NULL;
	mr->mem = mem;
	mr->base_mr.lkey = mem->stag;
	mr->base_mr.rkey = mem->stag;
	return mr;
}

static struct ib_mr *siw_get_dma_mr(struct ib_pd *base_pd, int access)
{
	struct siw_device *sdev = to_siw_dev(base_pd->device);
	struct siw_mem *mem;
	struct siw_mr *mr;
	int rv;

	rv = siw_mem_access_check(access);
	if (rv)
		return ERR_PTR(rv);
	if (!siw_mr_count_get(sdev))
		return ERR_PTR(-ENOMEM);

	rv = -ENOMEM;
	mem = siw_mem_alloc(base_pd, SIW_MEM_DMA, access);
	if (!mem)
		goto err_count;
	mem->va = 0;
	mem->len = U64_MAX;
	mem->valid = true;

	rv = siw_mem_reserve(mem, siw_mem_new_key());
	if (rv)
		goto err_mem;
	mr = siw_mr_alloc(mem);
	if (!mr) {
		rv = -ENOMEM;
		goto err_unreserve;
	}
	siw_mem_publish(mem);
	return &mr->base_mr;

err_unreserve:
	siw_mem_unreserve(mem);
err_mem:
	siw_mem_put(mem);
err_count:
	siw_mr_count_put(sdev);
	return ERR_PTR(rv);
}

static int siw_mem_pin_pages(struct siw_mem *mem, struct ib_umem *umem)
{
	size_t npages = ib_umem_num_pages(umem);
	struct sg_page_iter piter;
	size_t i = 0;

	if (!npages || npages > U32_MAX)
		return -EINVAL;
	mem->pages = kvmalloc_array(npages, sizeof(*mem->pages), GFP_KERNEL);
	if (!mem->pages)
		return -ENOMEM;
	for_each_sgtable_page(&umem->sgt_append.sgt, &piter, 0) {
		if (i == npages)
			break;
		mem->pages[i++] = sg_page_iter_page(&piter);
	}
	if (i != npages)
		return -EFAULT;
	mem->nblocks = npages;
	return 0;
}

static struct ib_mr *siw_reg_user_mr(struct ib_pd *base_pd, u64 start,
				     u64 len, u64 iova, int access,
				     struct ib_udata *udata)
{
	struct siw_device *sdev = to_siw_dev(base_pd->device);
	struct siw_ureq_reg_mr ureq = {};
	struct siw_uresp_reg_mr uresp = {};
	struct ib_umem *umem;
	struct siw_mem *mem;
	struct siw_mr *mr;
	u64 last;
	u8 key;
	int rv;

	rv = siw_mem_access_check(access);
	if (rv)
		return ERR_PTR(rv);
	if (!len || check_add_overflow(iova, len - 1, &last) ||
	    check_add_overflow(start, len - 1, &last))
		return ERR_PTR(-EINVAL);

	/*
	 * Stock libsiw sends a zeroed siw_ureq_reg_mr and ignores the
	 * returned STag (it uses lkey/rkey); a nonzero stag_key is honoured.
	 */
	if (udata && udata->inlen) {
		rv = ib_copy_from_udata(&ureq, udata,
					min(udata->inlen, sizeof(ureq)));
		if (rv)
			return ERR_PTR(rv);
	}
	key = ureq.stag_key ? ureq.stag_key : siw_mem_new_key();

	if (!siw_mr_count_get(sdev))
		return ERR_PTR(-ENOMEM);

	rv = -ENOMEM;
	mem = siw_mem_alloc(base_pd, SIW_MEM_USER, access);
	if (!mem)
		goto err_count;

	umem = ib_umem_get(base_pd->device, start, len, access);
	if (IS_ERR(umem)) {
		rv = PTR_ERR(umem);
		goto err_mem;
	}
	mem->umem = umem;
	rv = siw_mem_pin_pages(mem, umem);
	if (rv)
		goto err_mem;
	mem->va = iova;
	mem->len = len;
	mem->first_off = ib_umem_offset(umem);
	mem->page_shift = PAGE_SHIFT;
	mem->valid = true;

	rv = siw_mem_reserve(mem, key);
	if (rv)
		goto err_mem;
	mr = siw_mr_alloc(mem);
	if (!mr) {
		rv = -ENOMEM;
		goto err_unreserve;
	}
	mr->base_mr.iova = iova;
	mr->base_mr.length = len;

	if (udata && udata->outlen) {
		uresp.stag = mem->stag;
		rv = ib_copy_to_udata(udata, &uresp,
				      min(udata->outlen, sizeof(uresp)));
		if (rv)
			goto err_mr;
	}
	siw_mem_publish(mem);
	return &mr->base_mr;

err_mr:
	kfree(mr);
err_unreserve:
	siw_mem_unreserve(mem);
err_mem:
	siw_mem_put(mem);
err_count:
	siw_mr_count_put(sdev);
	return ERR_PTR(rv);
}

static struct ib_mr *siw_alloc_mr(struct ib_pd *base_pd,
				  enum ib_mr_type type, u32 max_num_sg)
{
	struct siw_device *sdev = to_siw_dev(base_pd->device);
	struct siw_mem *mem;
	struct siw_mr *mr;
	int rv;

	if (type != IB_MR_TYPE_MEM_REG)
		return ERR_PTR(-EOPNOTSUPP);
	if (!max_num_sg || max_num_sg > SIW_MAX_FR_PAGES)
		return ERR_PTR(-EINVAL);
	if (!siw_mr_count_get(sdev))
		return ERR_PTR(-ENOMEM);

	rv = -ENOMEM;
	mem = siw_mem_alloc(base_pd, SIW_MEM_FASTREG, 0);
	if (!mem)
		goto err_count;
	mem->pbl = kcalloc(max_num_sg, sizeof(*mem->pbl), GFP_KERNEL);
	if (!mem->pbl)
		goto err_mem;
	mem->pbl_max = max_num_sg;

	/* Invalid until a REG_MR work request registers a page list. */
	rv = siw_mem_reserve(mem, siw_mem_new_key());
	if (rv)
		goto err_mem;
	mr = siw_mr_alloc(mem);
	if (!mr) {
		rv = -ENOMEM;
		goto err_unreserve;
	}
	siw_mem_publish(mem);
	return &mr->base_mr;

err_unreserve:
	siw_mem_unreserve(mem);
err_mem:
	siw_mem_put(mem);
err_count:
	siw_mr_count_put(sdev);
	return ERR_PTR(rv);
}

static int siw_set_page(struct ib_mr *base_mr, u64 addr)
{
	struct siw_mem *mem = to_siw_mr(base_mr)->mem;

	if (mem->pbl_mapped >= mem->pbl_max)
		return -ENOMEM;
	WRITE_ONCE(mem->pbl[mem->pbl_mapped], addr);
	mem->pbl_mapped++;
	return 0;
}

static int siw_map_mr_sg(struct ib_mr *base_mr, struct scatterlist *sg,
			 int sg_nents, unsigned int *sg_offset)
{
	struct siw_mem *mem = to_siw_mr(base_mr)->mem;
	int rv;

	mem->pbl_mapped = 0;
	rv = ib_sg_to_pages(base_mr, sg, sg_nents, sg_offset, siw_set_page);
	if (rv > 0) {
		/* ib_map_mr_sg_zbva() zeroes iova afterwards: keep it now. */
		mem->pbl_first_off = base_mr->iova & (base_mr->page_size - 1);
		mem->pbl_shift = ilog2(base_mr->page_size);
	}
	return rv;
}

static int siw_dereg_mr(struct ib_mr *base_mr, struct ib_udata *udata)
{
	struct siw_mr *mr = to_siw_mr(base_mr);
	struct siw_device *sdev = mr->mem->sdev;

	siw_mem_retire(mr->mem);
	kfree(mr);
	siw_mr_count_put(sdev);
	return 0;
}

int siw_mem_check(const struct siw_mem *mem, const struct siw_pd *pd,
		  u32 stag, enum ib_access_flags perms, u64 addr, u64 len)
{
	u64 end, va, mlen;
	bool valid;

	if (unlikely(!mem))
		return -ENOENT;
	/* Pairs with the release in siw_mem_fastreg(). */
	valid = smp_load_acquire(&mem->valid);
	if (unlikely(siw_stag_key(READ_ONCE(mem->stag)) != siw_stag_key(stag)))
		return -EKEYREJECTED;
	if (unlikely(mem->pd != pd))
		return -EPERM;
	if (unlikely(!valid))
		return -ESTALE;
	if (unlikely((READ_ONCE(mem->access) & perms) != perms))
		return -EACCES;

	if (unlikely(check_add_overflow(addr, len, &end)))
		return -ERANGE;
	if (mem->is_dma)
		return 0;
	va = READ_ONCE(mem->va);
	mlen = READ_ONCE(mem->len);
	if (unlikely(addr < va || len > mlen || addr - va > mlen - len))
		return -ERANGE;
	return 0;
}

void siw_mem_iter_init(struct siw_mem_iter *it, struct siw_mem *mem,
		       u64 addr, u64 len)
{
	it->mem = mem;
	it->left = len;
	if (mem->is_dma) {
		it->pos = addr;
		it->shift = PAGE_SHIFT;
	} else {
		it->pos = addr - READ_ONCE(mem->va) + READ_ONCE(mem->first_off);
		it->shift = READ_ONCE(mem->page_shift);
	}
}

int siw_mem_iter_next(struct siw_mem_iter *it, struct siw_mem_span *span)
{
	struct siw_mem *mem = it->mem;
	u64 block = it->pos >> it->shift;
	u64 boff = it->pos & (BIT_ULL(it->shift) - 1);
	unsigned long kva;
	u64 len;

	if (!it->left)
		return 0;

	if (mem->type == SIW_MEM_USER) {
		if (unlikely(block >= mem->nblocks))
			return -EFAULT;
		span->page = mem->pages[block];
		span->offset = boff;
		len = PAGE_SIZE - boff;
	} else {
		if (mem->type == SIW_MEM_FASTREG) {
			/* nblocks <= pbl_max whatever REG_MR did meanwhile. */
			if (unlikely(block >= READ_ONCE(mem->nblocks)))
				return -EFAULT;
			kva = READ_ONCE(mem->pbl[block]) + boff;
			len = min_t(u64, BIT_ULL(it->shift) - boff,
				    PAGE_SIZE - offset_in_page(kva));
		} else {
			kva = it->pos;
			len = PAGE_SIZE - offset_in_page(kva);
		}
		/* Virtual-DMA addresses are direct-map kernel addresses. */
		if (unlikely(!virt_addr_valid((void *)kva)))
			return -EFAULT;
		span->page = virt_to_page((void *)kva);
		span->offset = offset_in_page(kva);
	}
	span->len = min(len, it->left);
	it->pos += span->len;
	it->left -= span->len;
	return 1;
}

int siw_mem_copy(struct siw_mem *mem, u64 addr, void *buf, size_t len,
		 bool to_mem)
{
	struct siw_mem_span span;
	struct siw_mem_iter it;
	u64 pos, block;
	void *p;
	int rv;

	/* Most copies: a few bytes of a user MR, within one page. */
	if (mem->type == SIW_MEM_USER) {
		pos = addr - mem->va + mem->first_off;
		block = pos >> PAGE_SHIFT;
		pos &= ~PAGE_MASK;
		if (block < mem->nblocks && pos + len <= PAGE_SIZE) {
			p = kmap_local_page(mem->pages[block]) + pos;
			if (to_mem)
				memcpy(p, buf, len);
			else
				memcpy(buf, p, len);
			kunmap_local(p);
			return 0;
		}
	}

	siw_mem_iter_init(&it, mem, addr, len);
	while ((rv = siw_mem_iter_next(&it, &span)) > 0) {
		p = kmap_local_page(span.page);

		if (to_mem)
			memcpy(p + span.offset, buf, span.len);
		else
			memcpy(buf, p + span.offset, span.len);
		kunmap_local(p);
		buf += span.len;
	}
	return rv;
}

int siw_mem_atomic(struct siw_mem *mem, u64 addr,
		   const struct siw_atomic_fields *a, u64 *orig)
{
	struct siw_mem_span span;
	struct siw_mem_iter it;
	u64 old, new, prev;
	u64 *p;
	void *k;
	int rv;

	if (addr & (sizeof(u64) - 1))
		return -EINVAL;
	siw_mem_iter_init(&it, mem, addr, sizeof(u64));
	rv = siw_mem_iter_next(&it, &span);
	if (rv <= 0)
		return -EFAULT;
	/* Aligned, so in one page: one span of all 8 bytes. */
	if (span.len != sizeof(u64))
		return -EFAULT;

	k = kmap_local_page(span.page);
	p = k + span.offset;
	/*
	 * A compare-exchange loop on the memory itself: atomic against every
	 * other requester on any QP, and against the CPUs (IB_ATOMIC_GLOB).
	 */
	old = READ_ONCE(*p);
	for (;;) {
		new = siw_atomic_result(a, old);
		if (new == old)
			break;
		prev = cmpxchg64(p, old, new);
		if (prev == old)
			break;
		old = prev;
	}
	kunmap_local(k);
	*orig = old;
	return 0;
}

int siw_mem_fastreg(struct siw_mr *mr, u32 stag, int access)
{
	struct siw_mem *mem = mr->mem;
	u64 va = mr->base_mr.iova, len = mr->base_mr.length;
	u64 first_off = mem->pbl_first_off, end;
	u32 nblocks = mem->pbl_mapped;
	u8 shift = mem->pbl_shift;
	int rv;

	if (mem->type != SIW_MEM_FASTREG ||
	    siw_stag_index(stag) != siw_stag_index(mem->stag))
		return -EINVAL;
	rv = siw_mem_access_check(access);
	if (rv)
		return -EINVAL;
	if (!nblocks || nblocks > mem->pbl_max || !len ||
	    check_add_overflow(first_off, len, &end) ||
	    end > ((u64)nblocks << shift) ||
	    check_add_overflow(va, len - 1, &end))
		return -EINVAL;

	spin_lock_bh(&mem->lock);
	if (mem->valid) {
		spin_unlock_bh(&mem->lock);
		return -EBUSY;
	}
	WRITE_ONCE(mem->stag, stag);
	WRITE_ONCE(mem->access, access & SIW_MEM_ACCESS_GRANTED);
	WRITE_ONCE(mem->va, va);
	WRITE_ONCE(mem->len, len);
	WRITE_ONCE(mem->first_off, first_off);
	WRITE_ONCE(mem->page_shift, shift);
	WRITE_ONCE(mem->nblocks, nblocks);
	/* Fields before validity: pairs with siw_mem_check()'s acquire. */
	smp_store_release(&mem->valid, true);
	spin_unlock_bh(&mem->lock);
	return 0;
}

int siw_mem_invalidate(struct siw_device *sdev, struct siw_pd *pd, u32 stag)
{
	struct siw_mem *mem = siw_mem_get(sdev, stag);
	int rv = 0;

	if (!mem)
		return -ENOENT;
	spin_lock_bh(&mem->lock);
	if (siw_stag_key(mem->stag) != siw_stag_key(stag))
		rv = -EKEYREJECTED;
	else if (mem->pd != pd)
		rv = -EPERM;
	else if (mem->type != SIW_MEM_FASTREG)
		rv = -EINVAL;
	else
		WRITE_ONCE(mem->valid, false);
	spin_unlock_bh(&mem->lock);
	siw_mem_put(mem);
	return rv;
}

/*
 * In-kernel test of the data-path API (lookup, check, iterate, copy,
 * fast-reg, invalidate, deferred release) for DMA, fast-reg and user
 * MRs, run on each new device when siw is loaded with mem_selftest=1.
 * The VM selftest verbs_mr reads its verdict from the kernel log.
 */
static bool mem_selftest;
module_param(mem_selftest, bool, 0444);
MODULE_PARM_DESC(mem_selftest,
		 "Test the memory API on each new device and log the result (testing only)");

struct siw_mem_st {
	struct siw_device *sdev;
	struct siw_pd *pd, *pd2;
	int passed, failed;
};

#define ST(st, cond) siw_mem_st_result(st, cond, #cond, __LINE__)

static void siw_mem_st_result(struct siw_mem_st *st, bool ok,
			      const char *what, int line)
{
	if (ok) {
		st->passed++;
		return;
	}
	st->failed++;
	pr_err("siw: mem selftest: line %d failed: %s\n", line, what);
}

static bool siw_mem_st_spans(struct siw_mem *mem, u64 addr, u64 len,
			     const u8 *kva)
{
	struct siw_mem_span span;
	struct siw_mem_iter it;
	u64 done = 0;
	int rv;

	siw_mem_iter_init(&it, mem, addr, len);
	while ((rv = siw_mem_iter_next(&it, &span)) > 0) {
		const u8 *want = kva + done;

		if (span.page != virt_to_page(want) ||
		    span.offset != offset_in_page(want) || !span.len ||
		    span.offset + span.len > PAGE_SIZE)
			return false;
		done += span.len;
	}
	return rv == 0 && done == len;
}

static void siw_mem_st_dma(struct siw_mem_st *st, u8 *buf)
{
	struct siw_device *sdev = st->sdev;
	u64 addr = (uintptr_t)buf;
	struct siw_mem *mem;
	struct ib_mr *mr;
	u8 tmp[300];
	u32 stag;
	int rv;

	mr = siw_get_dma_mr(&st->pd->base_pd,
			    IB_ACCESS_LOCAL_WRITE | IB_ACCESS_REMOTE_READ);
	ST(st, !IS_ERR(mr));
	if (IS_ERR(mr))
		return;
	stag = mr->lkey;
	ST(st, mr->rkey == stag && siw_stag_index(stag) != 0);
	ST(st, !siw_mem_get(sdev, siw_stag_key(stag)));

	mem = siw_mem_get(sdev, stag);
	ST(st, mem && mem->is_dma);
	if (!mem)
		goto out;
	ST(st, siw_mem_check(mem, st->pd, stag, 0, addr, 100) == 0);
	ST(st, siw_mem_check(mem, st->pd, stag, IB_ACCESS_LOCAL_WRITE |
			     IB_ACCESS_REMOTE_READ, addr, 100) == 0);
	ST(st, siw_mem_check(NULL, st->pd, stag, 0, addr, 1) == -ENOENT);
	ST(st, siw_mem_check(mem, st->pd, stag ^ 1, 0, addr, 1) ==
	   -EKEYREJECTED);
	ST(st, siw_mem_check(mem, st->pd2, stag, 0, addr, 1) == -EPERM);
	ST(st, siw_mem_check(mem, st->pd, stag, IB_ACCESS_REMOTE_WRITE, addr,
			     1) == -EACCES);
	ST(st, siw_mem_check(mem, st->pd, stag, 0, U64_MAX - 10, 100) ==
	   -ERANGE);

	/* As RX would: in softirq-like context, across a page boundary. */
	local_bh_disable();
	rv = siw_mem_copy(mem, addr + PAGE_SIZE - 100, tmp, sizeof(tmp),
			  false);
	local_bh_enable();
	ST(st, rv == 0 && !memcmp(tmp, buf + PAGE_SIZE - 100, sizeof(tmp)));
	ST(st, siw_mem_st_spans(mem, addr + 100, 3 * PAGE_SIZE, buf + 100));
	ST(st, siw_mem_invalidate(sdev, st->pd, stag) == -EINVAL);
	siw_mem_put(mem);
out:
	ST(st, siw_dereg_mr(mr, NULL) == 0);
	ST(st, !siw_mem_get(sdev, stag));
}

static void siw_mem_st_fastreg(struct siw_mem_st *st, u8 *buf)
{
	struct siw_device *sdev = st->sdev;
	struct scatterlist sg[2];
	u8 pat[800];
	struct siw_mem *mem;
	struct siw_mr *mr;
	struct ib_mr *ibmr;
	u64 iova = 0, len = 0;
	unsigned int i;
	u32 stag, old;

	ibmr = siw_alloc_mr(&st->pd->base_pd, IB_MR_TYPE_MEM_REG,
			    SIW_MAX_FR_PAGES + 1);
	ST(st, PTR_ERR(ibmr) == -EINVAL);
	ibmr = siw_alloc_mr(&st->pd->base_pd, IB_MR_TYPE_SG_GAPS, 4);
	ST(st, PTR_ERR(ibmr) == -EOPNOTSUPP);
	ibmr = siw_alloc_mr(&st->pd->base_pd, IB_MR_TYPE_MEM_REG, 4);
	ST(st, !IS_ERR(ibmr));
	if (IS_ERR(ibmr))
		return;
	mr = to_siw_mr(ibmr);
	stag = ibmr->rkey;
	mem = siw_mem_get(sdev, stag);
	ST(st, mem == mr->mem);
	if (!mem)
		goto out;
	ST(st, siw_mem_check(mem, st->pd, ibmr->rkey, 0, 0, 0) == -ESTALE);

	/* Pages 1 (from offset 100) and 3 of buf: a gap in between. */
	sg_init_table(sg, 2);
	sg_set_buf(&sg[0], buf + PAGE_SIZE + 100, PAGE_SIZE - 100);
	sg_set_buf(&sg[1], buf + 3 * PAGE_SIZE, 1000);
	for (i = 0; i < 2; i++) {
		sg_dma_address(&sg[i]) = (uintptr_t)sg_virt(&sg[i]);
		sg_dma_len(&sg[i]) = sg[i].length;
	}
	ibmr->page_size = PAGE_SIZE;
	ST(st, siw_map_mr_sg(ibmr, sg, 2, NULL) == 2);
	iova = ibmr->iova;
	len = ibmr->length;
	ST(st, iova == (uintptr_t)(buf + PAGE_SIZE + 100) &&
	   len == PAGE_SIZE - 100 + 1000);

	old = ibmr->rkey;
	ib_update_fast_reg_key(ibmr, ib_inc_rkey(ibmr->rkey));
	stag = ibmr->rkey;
	ST(st, siw_mem_fastreg(mr, stag, IB_ACCESS_REMOTE_WRITE) == -EINVAL);
	ST(st, siw_mem_fastreg(mr, stag + (1 << SIW_STAG_KEY_BITS),
			       IB_ACCESS_LOCAL_WRITE) == -EINVAL);
	ST(st, siw_mem_fastreg(mr, stag, IB_ACCESS_LOCAL_WRITE |
			       IB_ACCESS_REMOTE_WRITE) == 0);
	ST(st, siw_mem_fastreg(mr, stag, IB_ACCESS_LOCAL_WRITE) == -EBUSY);
	ST(st, siw_mem_check(mem, st->pd, old, 0, iova, 1) == -EKEYREJECTED);
	ST(st, siw_mem_check(mem, st->pd, stag, IB_ACCESS_REMOTE_WRITE, iova,
			     len) == 0);
	ST(st, siw_mem_check(mem, st->pd, stag, 0, iova, len + 1) == -ERANGE);
	ST(st, siw_mem_check(mem, st->pd, stag, 0, iova - 1, 1) == -ERANGE);
	ST(st, siw_mem_check(mem, st->pd, stag, 0, iova + len, 0) == 0);
	ST(st, siw_mem_check(mem, st->pd, stag, IB_ACCESS_REMOTE_READ, iova,
			     1) == -EACCES);

	/* 400 bytes at the end of page 1, then 400 at the start of page 3. */
	for (i = 0; i < sizeof(pat); i++)
		pat[i] = i * 13 + 1;
	memset(buf + 2 * PAGE_SIZE, 0x5a, PAGE_SIZE);
	local_bh_disable();
	ST(st, siw_mem_copy(mem, iova + PAGE_SIZE - 500, pat, sizeof(pat),
			    true) == 0);
	local_bh_enable();
	ST(st, !memcmp(buf + 2 * PAGE_SIZE - 400, pat, 400) &&
	   !memcmp(buf + 3 * PAGE_SIZE, pat + 400, 400) &&
	   buf[2 * PAGE_SIZE] == 0x5a && buf[3 * PAGE_SIZE - 1] == 0x5a);
	ST(st, siw_mem_st_spans(mem, iova + PAGE_SIZE - 100, 500,
				buf + 3 * PAGE_SIZE));
	{
		struct siw_mem_span span;
		struct siw_mem_iter it;
		int rv;

		/* Past the page list: the iterator stops, never overruns. */
		siw_mem_iter_init(&it, mem, iova, len + 2 * PAGE_SIZE);
		while ((rv = siw_mem_iter_next(&it, &span)) > 0)
			;
		ST(st, rv == -EFAULT);
	}

	ST(st, siw_mem_invalidate(sdev, st->pd2, stag) == -EPERM);
	ST(st, siw_mem_invalidate(sdev, st->pd, old) == -EKEYREJECTED);
	ST(st, siw_mem_invalidate(sdev, st->pd, stag) == 0);
	ST(st, siw_mem_check(mem, st->pd, stag, 0, iova, 1) == -ESTALE);
	ST(st, siw_mem_invalidate(sdev, st->pd, stag) == 0);
	ib_update_fast_reg_key(ibmr, ib_inc_rkey(ibmr->rkey));
	stag = ibmr->rkey;
	ST(st, siw_mem_fastreg(mr, stag, IB_ACCESS_LOCAL_WRITE) == 0);
	ST(st, siw_mem_check(mem, st->pd, stag, IB_ACCESS_LOCAL_WRITE, iova,
			     len) == 0);
out:
	/* Dereg with a reference in flight: the object outlives the MR. */
	ST(st, siw_dereg_mr(ibmr, NULL) == 0);
	ST(st, !siw_mem_get(sdev, stag));
	if (mem) {
		ST(st, siw_mem_check(mem, st->pd, stag, 0, iova, 1) ==
		   -ESTALE);
		siw_mem_put(mem);
	}
}

static void siw_mem_st_user(struct siw_mem_st *st)
{
	const size_t size = 3 * PAGE_SIZE, off = 123;
	struct siw_device *sdev = st->sdev;
	u64 iova = 0x10000000 + off, len = 2 * PAGE_SIZE;
	unsigned long uaddr;
	struct siw_mem *mem;
	struct ib_mr *mr;
	u8 *pat, tmp[400];
	size_t i;

	if (!current->mm)
		return;
	pat = kmalloc(size, GFP_KERNEL);
	if (!pat)
		return;
	for (i = 0; i < size; i++)
		pat[i] = i * 7 + 3;
	uaddr = vm_mmap(NULL, 0, size, PROT_READ | PROT_WRITE,
			MAP_ANONYMOUS | MAP_PRIVATE, 0);
	ST(st, !IS_ERR_VALUE(uaddr));
	if (IS_ERR_VALUE(uaddr))
		goto out_free;
	ST(st, !copy_to_user((void __user *)uaddr, pat, size));

	mr = siw_reg_user_mr(&st->pd->base_pd, uaddr + off, 0, iova,
			     IB_ACCESS_LOCAL_WRITE, NULL);
	ST(st, PTR_ERR(mr) == -EINVAL);
	mr = siw_reg_user_mr(&st->pd->base_pd, uaddr + off, len, iova,
			     IB_ACCESS_REMOTE_WRITE, NULL);
	ST(st, PTR_ERR(mr) == -EINVAL);
	mr = siw_reg_user_mr(&st->pd->base_pd, uaddr + off, len, iova,
			     IB_ACCESS_LOCAL_WRITE | IB_ACCESS_REMOTE_READ,
			     NULL);
	ST(st, !IS_ERR(mr));
	if (IS_ERR(mr))
		goto out_unmap;
	mem = siw_mem_get(sdev, mr->rkey);
	ST(st, mem && mem->type == SIW_MEM_USER && mem->nblocks == 3);
	if (!mem)
		goto out_dereg;
	ST(st, siw_mem_check(mem, st->pd, mr->rkey, IB_ACCESS_REMOTE_READ,
			     iova, len) == 0);
	ST(st, siw_mem_check(mem, st->pd, mr->rkey, 0, iova + len, 1) ==
	   -ERANGE);
	ST(st, siw_mem_check(mem, st->pd, mr->rkey, 0, iova - 1, 2) ==
	   -ERANGE);
	ST(st, siw_mem_check(mem, st->pd, mr->rkey, IB_ACCESS_REMOTE_WRITE,
			     iova, 1) == -EACCES);

	local_bh_disable();
	ST(st, siw_mem_copy(mem, iova + PAGE_SIZE - 200, tmp, sizeof(tmp),
			    false) == 0);
	local_bh_enable();
	ST(st, !memcmp(tmp, pat + off + PAGE_SIZE - 200, sizeof(tmp)));
	memset(tmp, 0xa5, 50);
	ST(st, siw_mem_copy(mem, iova + len - 50, tmp, 50, true) == 0);
	ST(st, !copy_from_user(pat, (void __user *)(uaddr + off + len - 50),
			       50) && pat[0] == 0xa5 && pat[49] == 0xa5);
	ST(st, siw_mem_invalidate(sdev, st->pd, mr->rkey) == -EINVAL);
	siw_mem_put(mem);
out_dereg:
	ST(st, siw_dereg_mr(mr, NULL) == 0);
out_unmap:
	vm_munmap(uaddr, size);
out_free:
	kfree(pat);
}

static void siw_mem_selftest(struct siw_device *sdev)
{
	int live = siw_live_read(SIW_OBJ_MR);
	int mrs = atomic_read(&sdev->num.mr);
	struct siw_mem_st st = { .sdev = sdev };
	u8 *buf;

	st.pd = kzalloc(sizeof(*st.pd), GFP_KERNEL);
	st.pd2 = kzalloc(sizeof(*st.pd2), GFP_KERNEL);
	buf = (u8 *)__get_free_pages(GFP_KERNEL, 2);
	if (st.pd && st.pd2 && buf) {
		st.pd->base_pd.device = &sdev->base_dev;
		st.pd2->base_pd.device = &sdev->base_dev;
		get_random_bytes(buf, 4 * PAGE_SIZE);
		siw_mem_st_dma(&st, buf);
		siw_mem_st_fastreg(&st, buf);
		siw_mem_st_user(&st);
	} else {
		st.failed++;
	}
	ST(&st, atomic_read(&sdev->num.mr) == mrs);
	ST(&st, xa_empty(&sdev->mem_xa));
	/* Every released object is freed after a grace period. */
	rcu_barrier();
	flush_workqueue(sdev->mem_wq);
	ST(&st, siw_live_read(SIW_OBJ_MR) == live);

	free_pages((unsigned long)buf, 2);
	kfree(st.pd2);
	kfree(st.pd);
	pr_info("siw: mem selftest: %d passed, %d failed\n", st.passed,
		st.failed);
}

int siw_mem_dev_init(struct siw_device *sdev)
{
	xa_init_flags(&sdev->mem_xa, XA_FLAGS_ALLOC1 | XA_FLAGS_LOCK_BH);
	sdev->mem_wq = alloc_workqueue("siw_mem", WQ_UNBOUND, 0);
	if (!sdev->mem_wq)
		return -ENOMEM;
	if (mem_selftest)
		siw_mem_selftest(sdev);
	return 0;
}

/* All MRs are gone: the core and kernel ULPs dereg before unregister. */
void siw_mem_dev_fini(struct siw_device *sdev)
{
	struct siw_mem *mem;
	unsigned long index;

	if (!sdev->mem_wq)
		return;
	xa_for_each(&sdev->mem_xa, index, mem)
		pr_warn("siw: %s: STag 0x%08x still registered at removal\n",
			dev_name(&sdev->base_dev.dev), mem->stag);
	/* Let queued releases run before the workqueue and device go. */
	rcu_barrier();
	destroy_workqueue(sdev->mem_wq);
	sdev->mem_wq = NULL;
	xa_destroy(&sdev->mem_xa);
}

const struct ib_device_ops siw_mem_ops = {
	.alloc_mr = siw_alloc_mr,
	.dereg_mr = siw_dereg_mr,
	.get_dma_mr = siw_get_dma_mr,
	.map_mr_sg = siw_map_mr_sg,
	.reg_user_mr = siw_reg_user_mr,
};
