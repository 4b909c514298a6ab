/* SPDX-License-Identifier: MIT */
/* Shared helpers of the ept tests: EPT12 tables built by hand in refhost L1
 * memory, and an L2 access loop (hardware model + library fault handler). */
#ifndef TESTS_EPT_HELPERS_H
#define TESTS_EPT_HELPERS_H

#include "refhost.h"
#include "hw_ept.h"
#include "ept/ept.h"

#define VMCS12_GPA 0x10000ull
#define TABLES 0x200000ull         /* EPT12 tables are bump-allocated from here */

struct ept12 {
	struct refhost *h;
	uint64_t root, next, eptp;
	unsigned levels;
};

static inline uint64_t ept12_table(struct ept12 *t)
{
	uint64_t g = t->next;
	t->next += 4096;
	static const uint8_t zero[4096];
	refhost_mem_write(t->h, g, zero, sizeof(zero));
	return g;
}

/* levels 4 or 5; eptp flags: AD (bit 6) if ad. WB paging-structure type. */
static inline void ept12_init(struct ept12 *t, struct refhost *h, uint64_t base, unsigned levels,
                              bool ad)
{
	t->h = h;
	t->next = base;
	t->levels = levels;
	t->root = ept12_table(t);
	t->eptp = t->root | 6u | ((uint64_t)(levels - 1) << 3) | (ad ? 1u << 6 : 0);
}

/* Map l2 -> l1 with a leaf at `level` (1 4K, 2 2M, 3 1G) and leaf bits
 * `flags` (rights, memtype, ...; bit 7 added for large leaves). Non-leaf
 * entries get `nl` (usually 7). Returns the L1 GPA of the leaf entry. */
static inline uint64_t ept12_map_nl(struct ept12 *t, uint64_t l2, uint64_t l1, unsigned level,
                                    uint64_t flags, uint64_t nl)
{
	uint64_t table = t->root;
	for (unsigned l = t->levels; l > level; l--) {
		uint64_t ea = table + 8 * ((l2 >> (12 + 9 * (l - 1))) & 511);
		uint64_t e = refhost_mem_r64(t->h, ea);
		if (!(e & 7)) {
			e = ept12_table(t) | nl;
			refhost_mem_w64(t->h, ea, e);
		}
		table = e & 0x000ffffffffff000ull;
	}
	uint64_t ea = table + 8 * ((l2 >> (12 + 9 * (level - 1))) & 511);
	refhost_mem_w64(t->h, ea, l1 | flags | (level > 1 ? 1u << 7 : 0));
	return ea;
}

static inline uint64_t ept12_map(struct ept12 *t, uint64_t l2, uint64_t l1, unsigned level,
                                 uint64_t flags)
{
	return ept12_map_nl(t, l2, l1, level, flags, 7);
}

#define WB_RWX (7u | (6u << 3))
#define WB_R (1u | (6u << 3))
#define WB_RW (3u | (6u << 3))

/* Make a VMCS12 current (with MBEC or not), as VMPTRLD would. */
static inline void vmcs12_current(struct refhost *h, bool mbec)
{
	struct nvmx_vmcs12 *s = NULL;
	nvmx_vmcs12_load(h->vcpu, VMCS12_GPA, &s);
	h->vcpu->cur = s;
	h->vcpu->current_vmptr = VMCS12_GPA;
	s->f[NVMX_IDX_CPU_BASED_VM_EXEC_CONTROL] = NVMX_PROC_SECONDARY_CONTROLS;
	s->f[NVMX_IDX_SECONDARY_VM_EXEC_CONTROL] =
		NVMX_PROC2_EPT | (mbec ? NVMX_PROC2_MODE_BASED_EPT_EXEC : 0);
	refhost_vmcs02_set(h, NVMX_F_CPU_BASED_VM_EXEC_CONTROL, NVMX_PROC_SECONDARY_CONTROLS);
	refhost_vmcs02_set(h, NVMX_F_SECONDARY_VM_EXEC_CONTROL,
	                   NVMX_PROC2_EPT | (mbec ? NVMX_PROC2_MODE_BASED_EPT_EXEC : 0));
}

/* What the VMCS02 merge does: shadow root into VMCS02's EPT pointer. */
static inline enum nvmx_status enter_l2(struct refhost *h, uint64_t eptp12)
{
	uint64_t eptp02 = 0;
	enum nvmx_status s = nvmx_ept_root(h->vcpu, eptp12, &eptp02);
	if (s == NVMX_STATUS_OK)
		refhost_vmcs02_set(h, NVMX_F_EPT_POINTER, eptp02);
	return s;
}

/* An L2 access run to completion: the hardware model, and on each EPT
 * violation the library's handler, until it maps or reflects. Returns -1
 * when the access completed (hpa in *hpa), else the outcome kind. */
static inline int l2_access(struct refhost *h, uint64_t l2, unsigned access, uint64_t *hpa,
                            struct nvmx_ept_outcome *o)
{
	struct nvmx_ept_outcome dummy;
	if (!o)
		o = &dummy;
	for (int i = 0; i < 4; i++) {
		struct refhost_l2_exit ex;
		enum refhost_l2_result r = refhost_l2_access(h, l2, access, hpa, &ex);
		if (r == REFHOST_L2_OK)
			return -1;
		if (r != REFHOST_L2_EPT_VIOLATION)
			return 100 + (int)r;
		if (nvmx_ept_fault(h->vcpu, l2, ex.qualification, 0x7000, o) != NVMX_STATUS_OK)
			return 99;
		if (o->kind != NVMX_EPT_MAPPED)
			return (int)o->kind;
	}
	return 98;
}

#endif
