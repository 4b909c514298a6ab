/* SPDX-License-Identifier: MIT */
/*
 * VMCS12: the VMCS L1 builds for L2, cached by the library.
 *
 * Layout of a VMCS12 region in L1 memory (layout version 1, stable):
 *   0   u32  revision identifier (bit 31: shadow-VMCS indicator)   [SDM 25.2]
 *   4   u32  VMX-abort indicator                                   [SDM 25.2]
 *   8   u32  magic "NVMX" (0x584d564e)
 *   12  u16  layout version (1)
 *   14  u8   launch state (0 clear, 1 launched)
 *   15  u8   reserved
 *   16  u64  field values, slot i = compact index i (nvmx/vmcs_fields.h)
 * A region without the magic or with another version holds no field data:
 * it loads as all fields zero and launch state clear.
 */
#ifndef NVMX_VMCS12_H
#define NVMX_VMCS12_H

#include "../deps.h"
#include <nvmx/status.h>
#include <nvmx/vmcs_fields.h>

#define NVMX_VMCS12_MAGIC 0x584d564eu
#define NVMX_VMCS12_LAYOUT_VERSION 1u
#define NVMX_VMCS12_FIELDS_OFFSET 16u
#define NVMX_VMCS12_BYTES (NVMX_VMCS12_FIELDS_OFFSET + 8u * NVMX_FIELD_COUNT)
/* Words of a per-field bitmap (compact field index bits). */
#define NVMX_FIELD_WORDS ((NVMX_FIELD_COUNT + 63u) / 64u)

struct nvmx_vmcs12 {
	uint64_t gpa;                   /* NVMX_NO_VMPTR when the slot is free */
	uint64_t lru;
	uint32_t revision;              /* first 32 bits of the region */
	uint32_t abort;                 /* VMX-abort indicator */
	bool launched;
	bool mem_dirty;                 /* L1 memory holds an older copy */
	uint64_t f[NVMX_FIELD_COUNT];
	/* The VMCS12 side of the sync state (vmcs/sync.h, fact 2): fields
	 * whose value here may differ from what VMCS02 holds. Only the
	 * accessors below touch it. */
	uint64_t differs02[NVMX_FIELD_WORDS];
	/* Bumped whenever a host-state field or the VM-exit controls may have
	 * changed (VMWRITE, a load from memory): the exit module keeps L1's
	 * host state built from them while it is unchanged (host_state.c). */
	uint64_t host_ver;
};

struct nvmx_vcpu;

/* The cached VMCS12 at `gpa`, or NULL. */
struct nvmx_vmcs12 *nvmx_vmcs12_find(struct nvmx_vcpu *v, uint64_t gpa);
/* The cached VMCS12 at `gpa`, reading it from L1 memory (and evicting the
 * least recently used non-current slot) when it is not cached. */
enum nvmx_status nvmx_vmcs12_load(struct nvmx_vcpu *v, uint64_t gpa, struct nvmx_vmcs12 **out);
/* Write a cached VMCS12 back to its region in L1 memory. */
enum nvmx_status nvmx_vmcs12_writeback(struct nvmx_vcpu *v, struct nvmx_vmcs12 *s);
/* VMCLEAR's data part: write back (or initialize) the region at `gpa` with
 * launch state clear, and drop it from the cache. */
enum nvmx_status nvmx_vmcs12_clear(struct nvmx_vcpu *v, uint64_t gpa);
/* Write back every cached VMCS12 whose L1-memory copy is older; they stay
 * cached (nvmx_vcpu_flush, nested-state save). */
enum nvmx_status nvmx_vmcs12_writeback_dirty(struct nvmx_vcpu *v);
/* Read the region at `gpa` from L1 memory into *s as VMPTRLD's load would
 * (fields, revision, abort indicator, launch state); s->gpa is set, the
 * cache is not touched. */
enum nvmx_status nvmx_vmcs12_read_region(struct nvmx_vcpu *v, uint64_t gpa, struct nvmx_vmcs12 *s);
/* Write back and drop every cached VMCS12. */
enum nvmx_status nvmx_vmcs12_flush_all(struct nvmx_vcpu *v);

/* A write by L1 (VMWRITE): VMCS02 no longer agrees on the field. */
static inline void nvmx_vmcs12_set(struct nvmx_vmcs12 *s, unsigned idx, uint64_t value)
{
	s->f[idx] = value;
	s->differs02[idx / 64u] |= 1ull << (idx % 64u);
	s->mem_dirty = true;
	if (NVMX_FIELD_TYPE(nvmx_field_table[idx].encoding) == NVMX_FIELD_TYPE_HOST ||
	    idx == NVMX_IDX_VM_EXIT_CONTROLS)
		s->host_ver++;
}

/* A write by the library itself (exit information, VM-instruction error):
 * not a change VMCS02 needs to hear about. */
static inline void nvmx_vmcs12_store(struct nvmx_vmcs12 *s, unsigned idx, uint64_t value)
{
	s->f[idx] = value;
	s->mem_dirty = true;
}

/* A value read from VMCS02 (the exit's guest-state save, the lazy copy):
 * VMCS12 and VMCS02 now agree on the field. */
static inline void nvmx_vmcs12_store_as02(struct nvmx_vmcs12 *s, unsigned idx, uint64_t value)
{
	s->f[idx] = value;
	s->mem_dirty = true;
	s->differs02[idx / 64u] &= ~(1ull << (idx % 64u));
}

/* A value VMCS02 does not hold (CR0/CR4 as L1 sees them, the cleared
 * event-injection valid bit, the IA-32e-mode-guest control): the next
 * entry rewrites the field. */
static inline void nvmx_vmcs12_store_unlike02(struct nvmx_vmcs12 *s, unsigned idx, uint64_t value)
{
	s->f[idx] = value;
	s->mem_dirty = true;
	s->differs02[idx / 64u] |= 1ull << (idx % 64u);
}

/* Whether field idx may differ from VMCS02. */
static inline bool nvmx_vmcs12_differs(const struct nvmx_vmcs12 *s, unsigned idx)
{
	return (s->differs02[idx / 64u] >> (idx % 64u)) & 1u;
}

/* Word w of the mask (for loops over fields 64 at a time). */
static inline uint64_t nvmx_vmcs12_differs_word(const struct nvmx_vmcs12 *s, unsigned w)
{
	return s->differs02[w];
}

/* Whether any field of `mask` may differ from VMCS02. */
static inline bool nvmx_vmcs12_differs_any(const struct nvmx_vmcs12 *s, const uint64_t *mask)
{
	uint64_t any = 0;
	for (unsigned w = 0; w < NVMX_FIELD_WORDS; w++)
		any |= s->differs02[w] & mask[w];
	return any != 0;
}

/* Field idx: VMCS02 no longer holds VMCS12's value. */
static inline void nvmx_vmcs12_mark_differs(struct nvmx_vmcs12 *s, unsigned idx)
{
	s->differs02[idx / 64u] |= 1ull << (idx % 64u);
}

/* The fields of `mask` agree with VMCS02. */
static inline void nvmx_vmcs12_clear_differs(struct nvmx_vmcs12 *s, const uint64_t *mask)
{
	for (unsigned w = 0; w < NVMX_FIELD_WORDS; w++)
		s->differs02[w] &= ~mask[w];
}

/* VMCS02 was just built from this VMCS12: every field agrees. */
static inline void nvmx_vmcs12_merged(struct nvmx_vmcs12 *s)
{
	nvmx_memset(s->differs02, 0, sizeof(s->differs02));
}

/* Loaded from memory or restored: nothing is known to agree. */
static inline void nvmx_vmcs12_mark_all_dirty(struct nvmx_vmcs12 *s)
{
	for (unsigned i = 0; i < NVMX_FIELD_WORDS; i++)
		s->differs02[i] = ~0ull;
	s->host_ver++;
}

#define V12(s, name) ((s)->f[NVMX_IDX_##name])

/* The secondary processor-based controls in force: 0 unless the primary
 * controls activate them (bit 31, SDM 25.6.2). */
static inline uint32_t nvmx_vmcs12_proc2(const struct nvmx_vmcs12 *s)
{
	return (V12(s, CPU_BASED_VM_EXEC_CONTROL) & NVMX_PROC_SECONDARY_CONTROLS)
	               ? (uint32_t)V12(s, SECONDARY_VM_EXEC_CONTROL) : 0;
}

#endif
