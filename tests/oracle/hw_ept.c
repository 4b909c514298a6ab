/* SPDX-License-Identifier: MIT */
#include "hw_ept.h"

#include <stdlib.h>
#include <string.h>


#define ADDR_MASK 0x000ffffffffff000ull

void *refhost_page_va(const struct refhost *h, uint64_t hpa)
{
	h = h->vmh ? h->vmh : h;
	uint64_t page = hpa & ADDR_MASK;
	if (page < REFHOST_PAGE_HPA_BASE)
		return NULL;
	uint64_t i = (page - REFHOST_PAGE_HPA_BASE) >> 12;
	if (i >= h->page_index_cap)
		return NULL;
	return h->page_index[i];
}

bool refhost_wp_test(const struct refhost *h, uint64_t gpa)
{
	h = h->vmh ? h->vmh : h;
	uint64_t pfn = gpa >> 12;
	if (!h->wp_bits || pfn >= (h->mem_size >> 12))
		return false;
	return (h->wp_bits[pfn / 8] >> (pfn % 8)) & 1u;
}

bool refhost_l1_store(struct refhost *h, uint64_t gpa, const void *buf, size_t len)
{
	if (!len || gpa + len < gpa)
		return false;
	for (uint64_t p = gpa & ~0xfffull; p < gpa + len; p += 4096)
		if (refhost_wp_test(h, p))
			nvmx_vm_notify_l1_write(h->vm, p);
	return refhost_mem_write(h, gpa, buf, len);
}

static enum refhost_l2_result exit_with(struct refhost_l2_exit *ex, uint32_t reason, uint64_t q,
                                        uint64_t gpa)
{
	ex->reason = reason;
	ex->qualification = q;
	ex->gpa = gpa;
	return (enum refhost_l2_result)reason;
}

/* SDM 28.2.1 Table 28-7: the access bits and the linear-address bits. */
static uint64_t access_qual(unsigned access, bool ad)
{
	uint64_t q = access & 7u;
	if ((access & REFHOST_L2_GPAGING) && ad)
		q |= 2u;   /* guest paging accesses are writes with EPT A/D */
	if (!(access & REFHOST_L2_NOLINEAR)) {
		q |= 1ull << 7;
		if (!(access & REFHOST_L2_GPAGING)) {
			q |= 1ull << 8;
			if (access & REFHOST_L2_USER)
				q |= 1ull << 9;
		}
	}
	return q;
}

static enum refhost_l2_result via_ept01(struct refhost *h, uint64_t gpa, unsigned access,
                                        uint64_t *hpa_out, struct refhost_l2_exit *ex)
{
	struct nvmx_l0_map m;
	if (h->ops.gpa_to_hpa(h, gpa & ~0xfffull, &m) != NVMX_STATUS_OK)
		return exit_with(ex, REFHOST_L2_EPT_VIOLATION, access_qual(access, false), gpa);
	unsigned need = access & 7u;
	if (need & ~m.rights)
		return exit_with(ex, REFHOST_L2_EPT_VIOLATION,
		                 access_qual(access, false) | ((uint64_t)(m.rights & 7u) << 3), gpa);
	*hpa_out = (m.hpa & ADDR_MASK) + (gpa & 0xfffull);
	return REFHOST_L2_OK;
}

static enum refhost_l2_result walk(struct refhost *h, uint64_t l2_gpa, unsigned access,
                                   uint64_t *hpa_out, struct refhost_l2_exit *ex);

/* A walk runs as one processor's: an INVEPT (hw_invept) waits for it. */
enum refhost_l2_result refhost_l2_access(struct refhost *h, uint64_t l2_gpa, unsigned access,
                                         uint64_t *hpa_out, struct refhost_l2_exit *ex)
{
	refhost_walk_enter(h);
	enum refhost_l2_result r = walk(h, l2_gpa, access, hpa_out, ex);
	refhost_walk_leave(h);
	return r;
}

/* EPT02 entries change under the walk (other vCPUs' faults): each is read
 * once, whole, and A/D flags are set atomically, as the processor does. */
static enum refhost_l2_result walk(struct refhost *h, uint64_t l2_gpa, unsigned access,
                                   uint64_t *hpa_out, struct refhost_l2_exit *ex)
{
	memset(ex, 0, sizeof(*ex));
	*hpa_out = 0;
	uint64_t eptp = refhost_vmcs02_get(h, NVMX_F_EPT_POINTER);
	uint64_t *table = refhost_page_va(h, eptp);
	uint64_t p1 = refhost_vmcs02_get(h, NVMX_F_CPU_BASED_VM_EXEC_CONTROL);
	uint64_t p2 = refhost_vmcs02_get(h, NVMX_F_SECONDARY_VM_EXEC_CONTROL);
	/* The EPT pointer counts only while VMCS02 enables EPT (SDM 25.6.11):
	 * a value left from an earlier entry is not used. */
	if (!table || !(p1 & NVMX_PROC_SECONDARY_CONTROLS) || !(p2 & NVMX_PROC2_EPT))
		return via_ept01(h, l2_gpa, access, hpa_out, ex);
	bool mbec = (p1 & NVMX_PROC_SECONDARY_CONTROLS) && (p2 & NVMX_PROC2_MODE_BASED_EPT_EXEC);
	bool ad = (eptp >> 6) & 1u;
	unsigned levels = (unsigned)((eptp >> 3) & 7u) + 1u;
	if (levels != 4 && levels != 5)
		return REFHOST_L2_BAD_TABLE;
	unsigned rights = 7u | (mbec ? 8u : 0u);
	uint64_t *ent[5];
	unsigned level = levels;
	uint64_t e = 0;
	for (;; level--) {
		unsigned idx = (unsigned)(l2_gpa >> (12u + 9u * (level - 1u))) & 511u;
		ent[level - 1] = &table[idx];
		e = __atomic_load_n(&table[idx], __ATOMIC_ACQUIRE);
		unsigned r = (unsigned)(e & 7u) | ((mbec && (e & (1ull << 10))) ? 8u : 0u);
		rights &= r;
		if (!r)
			return exit_with(ex, REFHOST_L2_EPT_VIOLATION,
			                 access_qual(access, ad) | ((uint64_t)(rights & 7u) << 3), l2_gpa);
		if ((e & 3u) == 2u)
			return exit_with(ex, REFHOST_L2_EPT_MISCONFIG, 0, l2_gpa);
		bool leaf = level == 1 || ((e >> 7) & 1u);
		if (leaf) {
			unsigned mt = (unsigned)(e >> 3) & 7u;
			if (mt == 2 || mt == 3 || mt == 7 || level > 3)
				return exit_with(ex, REFHOST_L2_EPT_MISCONFIG, 0, l2_gpa);
			break;
		}
		if (e & 0x78u)
			return exit_with(ex, REFHOST_L2_EPT_MISCONFIG, 0, l2_gpa);
		table = refhost_page_va(h, e);
		if (!table)
			return REFHOST_L2_BAD_TABLE;
	}
	bool write = (access & REFHOST_L2_WRITE) || (ad && (access & REFHOST_L2_GPAGING));
	unsigned need = 0;
	if (access & REFHOST_L2_READ)
		need |= 1u;
	if (write)
		need |= 2u;
	if (access & REFHOST_L2_EXEC)
		need |= (mbec && (access & REFHOST_L2_USER)) ? 8u : 4u;
	if ((rights & need) != need) {
		uint64_t q = access_qual(access, ad) | ((uint64_t)(rights & 7u) << 3);
		if (mbec && (rights & 8u))
			q |= 1ull << 6;
		return exit_with(ex, REFHOST_L2_EPT_VIOLATION, q, l2_gpa);
	}
	/* SDM 29.3.5: the processor sets A (and D on a write) in EPT02. */
	if (ad) {
		for (unsigned l = levels; l >= level; l--)
			__atomic_fetch_or(ent[l - 1], 1ull << 8, __ATOMIC_RELAXED);
		if (write)
			__atomic_fetch_or(ent[level - 1], 1ull << 9, __ATOMIC_RELAXED);
	}
	uint64_t size = 1ull << (12u + 9u * (level - 1u));
	*hpa_out = (e & ADDR_MASK & ~(size - 1)) + (l2_gpa & (size - 1));
	return REFHOST_L2_OK;
}
