/* SPDX-License-Identifier: MIT */
/*
 * The EPT12 walker: L2 guest-physical -> L1 guest-physical through the EPT
 * paging structures L1 keeps in its memory (SDM 29.3.2), with the
 * violation and misconfiguration rules (SDM 29.3.3), accessed and dirty
 * flags (SDM 29.3.5) and the leaf memory type (SDM 29.3.7). L1 is hostile:
 * the walk reads at most 5 entries, each through the host, and refuses
 * tables in memory L0 does not back.
 */
#include "ept_int.h"

#define WALK_RETRIES 4u

static enum nvmx_status cmpxchg(struct nvmx_vcpu *v, uint64_t gpa, uint64_t old, uint64_t new_,
                                bool *swapped)
{
	struct nvmx_vm *vm = v->vm;
	if (vm->ops.gpa_cmpxchg64)
		return nvmx_host_gpa_cmpxchg64(&vm->ops, v->host, gpa, old, new_, swapped);
	/* Without the host's atomic op: correct only without concurrent
	 * writers to the entry (documented in host.h). */
	uint64_t cur;
	NVMX_CHECK(nvmx_gpa_read(v, gpa, &cur, 8));
	*swapped = cur == old;
	if (*swapped)
		NVMX_CHECK(nvmx_gpa_write(v, gpa, &new_, 8));
	return NVMX_STATUS_OK;
}

static void stop(struct nvmx_ept_walk *w, enum nvmx_ept_walk_result r, enum nvmx_reason why,
                 unsigned level)
{
	w->result = r;
	w->reason = why;
	w->level = (uint8_t)level;
}

/* SDM 29.3.3.1: the misconfiguration rules for a present entry. */
static enum nvmx_reason misconfigured(const struct nvmx_vm *vm, uint64_t e, unsigned level,
                                      bool *leaf)
{
	uint64_t cap = ept_cap(vm);
	unsigned maxphy = vm->caps.maxphyaddr;
	uint64_t beyond = maxphy >= 52 ? 0 : (EPT_ADDR_MASK & ~((1ull << maxphy) - 1));
	if ((e & 3u) == 2u)
		return NVMX_REASON_EPT12_WRITE_NO_READ;
	/* Present without read: execute-only (bit 2, or bit 10 with MBEC). */
	if (!(e & 1u) && !(cap & NVMX_EPT_CAP_EXECUTE_ONLY))
		return NVMX_REASON_EPT12_EXEC_ONLY;
	if (e & beyond)
		return NVMX_REASON_EPT12_RESERVED_BIT;
	bool large = (e & EPT_LARGE) != 0;
	*leaf = level == 1 || (large && (level == 2 || level == 3));
	if (level >= 4 && large)
		return NVMX_REASON_EPT12_RESERVED_BIT;  /* PML5E/PML4E bit 7 is reserved */
	if (level == 3 && large && !(cap & NVMX_EPT_CAP_1GB))
		return NVMX_REASON_EPT12_PAGE_SIZE;
	if (level == 2 && large && !(cap & NVMX_EPT_CAP_2MB))
		return NVMX_REASON_EPT12_PAGE_SIZE;
	if (!*leaf) {
		/* Non-leaf entries: bits 7:3 (PML5E/PML4E) or 6:3 reserved. */
		if (e & 0x78u)
			return NVMX_REASON_EPT12_RESERVED_BIT;
		return NVMX_REASON_NONE;
	}
	unsigned mt = (unsigned)(e >> EPT_MT_SHIFT) & 7u;
	if (mt == 2 || mt == 3 || mt == 7)
		return NVMX_REASON_EPT12_BAD_MEMTYPE;
	/* Large pages: the address bits below the page size are reserved. */
	if (level == 3 && (e & 0x3ffff000ull))
		return NVMX_REASON_EPT12_RESERVED_BIT;
	if (level == 2 && (e & 0x1ff000ull))
		return NVMX_REASON_EPT12_RESERVED_BIT;
	return NVMX_REASON_NONE;
}

static enum nvmx_status walk_once(struct nvmx_vcpu *v, uint64_t eptp12, uint64_t l2_gpa,
                                  unsigned access, unsigned flags, struct nvmx_ept_walk *w,
                                  bool *again)
{
	struct nvmx_vm *vm = v->vm;
	bool mbec = (flags & NVMX_EPT_WALK_MBEC) != 0;
	bool ad = (eptp12 & (1u << 6)) != 0 && (ept_cap(vm) & NVMX_EPT_CAP_AD);
	unsigned levels = ept_levels_of(eptp12);
	uint64_t eaddr[5] = { 0 };

	*again = false;
	nvmx_memset(w, 0, sizeof(*w));
	w->levels = (uint8_t)levels;
	w->rights = NVMX_EPT_R | NVMX_EPT_W | NVMX_EPT_X | (mbec ? NVMX_EPT_UX : 0);
	if (!(levels == 4 || (levels == 5 && (ept_cap(vm) & NVMX_EPT_CAP_PWL5)))) {
		stop(w, NVMX_EPT_WALK_MISCONFIG, NVMX_REASON_EPT_INVALID_EPTP, levels);
		return NVMX_STATUS_OK;
	}
	uint64_t table = eptp12 & EPT_ADDR_MASK;
	unsigned level = levels;
	uint64_t e = 0;
	/* At most `levels` (<= 5) iterations: a self-referencing EPT12 is read
	 * at most once per level and ends at level 1. */
	for (;; level--) {
		unsigned idx = (unsigned)(l2_gpa >> (12u + 9u * (level - 1u))) & 511u;
		uint64_t ea = table + 8u * idx;
		w->table_gpa[level - 1] = table;
		enum nvmx_status s = nvmx_gpa_read(v, ea, &e, 8);
		if (s == NVMX_STATUS_NOT_MAPPED) {
			stop(w, NVMX_EPT_WALK_UNBACKED, NVMX_REASON_EPT12_TABLE_UNBACKED, level);
			return NVMX_STATUS_OK;
		}
		if (s != NVMX_STATUS_OK)
			return NVMX_STATUS_HOST_FAILURE;
		eaddr[level - 1] = ea;
		w->entry[level - 1] = e;
		uint8_t r = (uint8_t)(e & 7u) | ((mbec && (e & EPT_UX)) ? NVMX_EPT_UX : 0);
		w->rights &= r;
		if (!r) {
			/* SDM 29.3.3.2: not present -> EPT violation. */
			stop(w, NVMX_EPT_WALK_VIOLATION, NVMX_REASON_EPT12_NOT_PRESENT, level);
			return NVMX_STATUS_OK;
		}
		bool leaf = false;
		enum nvmx_reason bad = misconfigured(vm, e, level, &leaf);
		if (bad != NVMX_REASON_NONE) {
			stop(w, NVMX_EPT_WALK_MISCONFIG, bad, level);
			return NVMX_STATUS_OK;
		}
		if (leaf || level == 1)
			break;
		table = e & EPT_ADDR_MASK;
	}
	w->level = (uint8_t)level;
	w->page_size = 1ull << (12u + 9u * (level - 1u));
	w->l1_gpa = (e & EPT_ADDR_MASK & ~(w->page_size - 1)) | (l2_gpa & (w->page_size - 1));
	w->memtype = (uint8_t)((e >> EPT_MT_SHIFT) & 7u);
	w->ipat = (e & EPT_IPAT) != 0;

	/* SDM 29.3.3.2: the access must be allowed by every entry; with EPT A/D
	 * enabled, accesses to guest paging structures count as writes. */
	bool write = (access & NVMX_ACCESS_WRITE) || (ad && (flags & NVMX_EPT_WALK_GPAGING));
	uint8_t need = 0;
	if (access & NVMX_ACCESS_READ)
		need |= NVMX_EPT_R;
	if (write)
		need |= NVMX_EPT_W;
	if (access & NVMX_ACCESS_EXEC)
		need |= (mbec && (flags & NVMX_EPT_WALK_USER)) ? NVMX_EPT_UX : NVMX_EPT_X;
	if ((w->rights & need) != need) {
		stop(w, NVMX_EPT_WALK_VIOLATION, NVMX_REASON_EPT12_ACCESS_DENIED, level);
		return NVMX_STATUS_OK;
	}

	/* SDM 29.3.5: accessed flag in every entry used, dirty flag in the leaf
	 * on a write; atomic, so a concurrent edit by L1 restarts the walk. */
	if (ad && !(flags & NVMX_EPT_WALK_PEEK)) {
		for (unsigned l = levels; l >= level; l--) {
			uint64_t old = w->entry[l - 1];
			uint64_t want = EPT_A | ((l == level && write) ? EPT_D : 0);
			if ((old & want) == want)
				continue;
			bool swapped = false;
			enum nvmx_status s = cmpxchg(v, eaddr[l - 1], old, old | want, &swapped);
			if (s == NVMX_STATUS_NOT_MAPPED) {
				stop(w, NVMX_EPT_WALK_UNBACKED, NVMX_REASON_EPT12_TABLE_UNBACKED, l);
				return NVMX_STATUS_OK;
			}
			if (s != NVMX_STATUS_OK)
				return NVMX_STATUS_HOST_FAILURE;
			if (!swapped) {
				*again = true;
				return NVMX_STATUS_OK;
			}
			w->entry[l - 1] = old | want;
		}
	}
	w->result = NVMX_EPT_WALK_OK;
	w->reason = NVMX_REASON_NONE;
	return NVMX_STATUS_OK;
}

enum nvmx_status nvmx_ept12_walk(struct nvmx_vcpu *v, uint64_t eptp12, uint64_t l2_gpa,
                                 unsigned access, unsigned flags, struct nvmx_ept_walk *w)
{
	for (unsigned i = 0; i < WALK_RETRIES; i++) {
		bool again = false;
		NVMX_CHECK(walk_once(v, eptp12, l2_gpa, access, flags, w, &again));
		if (!again)
			return NVMX_STATUS_OK;
	}
	w->result = NVMX_EPT_WALK_RACE;
	w->reason = NVMX_REASON_EPT12_AD_RACE;
	return NVMX_STATUS_OK;
}

bool nvmx_ept_eptp_valid(const struct nvmx_vm *vm, uint64_t eptp)
{
	return nvmx_caps_eptp_check(&vm->caps, eptp) == NVMX_REASON_NONE;
}

uint8_t nvmx_ept_memtype_combine(uint8_t mt12, uint8_t mt01)
{
	/* Strictness rank: UC 0, WC 1, WT 4 -> 2, WP 5 -> 3, WB 6 -> 4. */
	static const uint8_t rank[8] = { 0, 1, 4, 4, 2, 3, 4, 4 };
	mt12 &= 7u;
	mt01 &= 7u;
	if (mt12 == 2 || mt12 == 3 || mt12 == 7)
		mt12 = 0;
	if (mt01 == 2 || mt01 == 3 || mt01 == 7)
		mt01 = 0;
	return rank[mt12] <= rank[mt01] ? mt12 : mt01;
}
