/* SPDX-License-Identifier: MIT */
/*
 * The one owner of "which VMCS02 and VMCS12 values agree" (docs/
 * architecture.md, "Who owns the sync state"). Entry, exit, the
 * instruction module, nested-state save/restore and the shadow EPT ask this
 * module; none of them keeps a per-field bitmap of its own.
 *
 * Three facts are kept, each in one place:
 *
 *  1. The VMCS02 shadow (struct nvmx_sync, per vCPU): for every field the
 *     value the library last wrote into VMCS02 and a "known" bit. The write
 *     wrapper (core.h, nvmx_vmcs02_put) updates it; every L2 exit
 *     (nvmx_sync_l2_ran) forgets the fields the processor changes while L2
 *     runs or when it exits (guest-state area, exit information, the
 *     VM-entry event-injection fields whose valid bit an exit clears, SDM
 *     28.2-28.3); control fields, which the processor never writes, stay
 *     known until something else may have written them
 *     (nvmx_sync_vmcs02_forget).
 *
 *  2. The VMCS12-side mask (inside struct nvmx_vmcs12, behind the
 *     accessors of vmcs12.h): the fields whose VMCS12 value may differ from
 *     what VMCS02 holds. VMWRITE and a load from memory set it; a field the
 *     exit copied from VMCS02 clears it; a field something wrote into VMCS02
 *     with a value VMCS12 does not hold sets it (nvmx_sync_vmcs02_diverge);
 *     the merge clears it all once VMCS02 is built.
 *
 *  3. The lazy copy: after a reflected exit the rarely read guest fields
 *     (segments, descriptor tables, SYSENTER MSRs, PDPTRs: the exit module
 *     says which) stay in VMCS02; VMCS02 holds the truth and VMCS12 gets it
 *     on first need (nvmx_sync_lazy_all, nvmx_sync_lazy_field).
 *
 * Hooks for the features that will plug in here (issue 12):
 *  - VMCS shadowing: a field L1 wrote into the shadow VMCS without an exit
 *    is, once the library copies it into VMCS12, an outside write:
 *    nvmx_sync_vmcs12_written_outside (sets its VMCS12-side bit: the next
 *    entry writes it into VMCS02 and a pending lazy copy leaves it alone).
 *  - Enlightened VMCS clean fields: L1 promises a group of fields unchanged
 *    since the last entry: nvmx_sync_vmcs12_mark_clean with the group's
 *    mask clears their VMCS12-side bits (the caller loads a copy marked all
 *    changed first and clears what the clean bits cover).
 *  - A host that writes VMCS02 behind the library's back:
 *    nvmx_sync_vmcs02_forget (the shadow no longer trusts the field).
 */
#ifndef NVMX_SYNC_H
#define NVMX_SYNC_H

#include "../deps.h"
#include "vmcs12.h"

struct nvmx_sync {
	/* 1. The VMCS02 shadow. */
	uint64_t v02[NVMX_FIELD_COUNT];
	uint64_t known[NVMX_FIELD_WORDS];
	/* Fields an L2 run or exit may change (computed at vCPU creation). */
	uint64_t volatile02[NVMX_FIELD_WORDS];
	/* A VMLAUNCH/VMRESUME was accepted and no exit of L2 was reported
	 * since: VMCS02 is exactly what the merge built from VMCS12 (event
	 * injection, MTF, pending debug exceptions and the timer value still
	 * as VMCS12 gives them). Nested-state save relies on it. */
	bool as_built;
	/* 3. The lazy copy of the VMCS12 at lazy_gpa. */
	bool lazy_pending;
	uint64_t lazy_gpa;
	uint64_t lazy[NVMX_FIELD_WORDS];        /* still to copy */
	/* Every lazily synced field of that exit (copied or not), and the mode
	 * bits the entry checks on them depend on, as the exit left them. */
	uint64_t lazy_set[NVMX_FIELD_WORDS];
	uint64_t lazy_key;
};

struct nvmx_vcpu;

/* Set up the shadow of a new vCPU (nothing known). */
void nvmx_sync_init(struct nvmx_sync *y);

/* ---- 1. the VMCS02 shadow ---- */

/* Called by the write wrapper only (core.h). */
static inline void nvmx_sync_note_write(struct nvmx_sync *y, unsigned idx, uint64_t value)
{
	y->v02[idx] = value;
	y->known[idx / 64u] |= 1ull << (idx % 64u);
}

/* VMCS02 field idx as the library last wrote it: true with *val when the
 * shadow knows it, so the caller need not read the hardware VMCS. */
static inline bool nvmx_sync_vmcs02_known(const struct nvmx_sync *y, unsigned idx, uint64_t *val)
{
	if (idx >= NVMX_FIELD_COUNT || !((y->known[idx / 64u] >> (idx % 64u)) & 1u))
		return false;
	*val = y->v02[idx];
	return true;
}

/* Whether VMCS02 is known to hold `val` in field idx (the merge skips the
 * write then). */
static inline bool nvmx_sync_vmcs02_holds(const struct nvmx_sync *y, unsigned idx, uint64_t val)
{
	return ((y->known[idx / 64u] >> (idx % 64u)) & 1u) && y->v02[idx] == val;
}

/* Hook: VMCS02 field idx may hold neither what the library wrote nor what
 * VMCS12 holds (written outside the library, or by another module with a
 * value of its own): the shadow forgets it and the next entry rewrites it
 * from VMCS12, taking no shortcut past it. */
void nvmx_sync_vmcs02_forget(struct nvmx_vcpu *v, unsigned idx);

/* VMCS02 is the host's to reset, or will be rebuilt: nothing is known. */
static inline void nvmx_sync_vmcs02_forget_all(struct nvmx_sync *y)
{
	nvmx_memset(y->known, 0, sizeof(y->known));
}

/* ---- the L2 run ---- */

/* The merge built VMCS02 and L2 is about to run on it. */
static inline void nvmx_sync_entered(struct nvmx_sync *y)
{
	y->as_built = true;
}

/* An exit of L2 was reported (or L1 left L2 otherwise): VMCS02 holds L2's
 * state, not the merge's; the shadow forgets what the run may change. */
static inline void nvmx_sync_l2_ran(struct nvmx_sync *y)
{
	y->as_built = false;
	for (unsigned w = 0; w < NVMX_FIELD_WORDS; w++)
		y->known[w] &= ~y->volatile02[w];
	/* SDM 28.3.1: PAT and EFER are saved per VMCS02's exit controls (all
	 * of them when those are unknown). */
	uint64_t exitc;
	if (!nvmx_sync_vmcs02_known(y, NVMX_IDX_VM_EXIT_CONTROLS, &exitc))
		exitc = ~0ull;
	if (exitc & NVMX_EXIT_CTL_SAVE_PAT)
		y->known[NVMX_IDX_GUEST_IA32_PAT / 64u] &= ~(1ull << (NVMX_IDX_GUEST_IA32_PAT % 64u));
	if (exitc & NVMX_EXIT_CTL_SAVE_EFER)
		y->known[NVMX_IDX_GUEST_IA32_EFER / 64u] &= ~(1ull << (NVMX_IDX_GUEST_IA32_EFER % 64u));
}

static inline bool nvmx_sync_as_built(const struct nvmx_sync *y)
{
	return y->as_built;
}

/* Nested-state restore: the saved "as built" flag. */
static inline void nvmx_sync_set_as_built(struct nvmx_sync *y, bool as_built)
{
	y->as_built = as_built;
}

/* Write VMCS02 field idx with a value VMCS12 does not hold (nested-state
 * restore of L2's pending event, the shadow EPT's new root), then forget it
 * as above. */
void nvmx_sync_vmcs02_diverge(struct nvmx_vcpu *v, unsigned idx, uint64_t value);

/* ---- 2. VMCS12 side: see vmcs12.h (nvmx_vmcs12_differs and friends) ---- */

/* Whether field idx of the current VMCS12 holds exactly what VMCS02 holds
 * (or, for a pending lazy field, what VMCS02 will give it). */
static inline bool nvmx_sync_vmcs12_agrees(const struct nvmx_vmcs12 *cur, unsigned idx)
{
	return cur && idx < NVMX_FIELD_COUNT && !nvmx_vmcs12_differs(cur, idx);
}

/* Hook (VMCS shadowing): field idx of VMCS12 s got a value from outside
 * VMWRITE's path. */
void nvmx_sync_vmcs12_written_outside(struct nvmx_vcpu *v, struct nvmx_vmcs12 *s, unsigned idx);

/* Hook (eVMCS clean fields): the fields of `mask` are unchanged since the
 * last entry built VMCS02 from s. */
static inline void nvmx_sync_vmcs12_mark_clean(struct nvmx_vmcs12 *s, const uint64_t *mask)
{
	nvmx_vmcs12_clear_differs(s, mask);
}

/* ---- 3. the lazy copy ---- */

/* The mode bits of VMCS12 the entry checks on the lazily synced fields
 * depend on (RFLAGS.VM, CR0.PE/PG, CR4.PAE, "IA-32e mode guest",
 * "unrestricted guest", "enable EPT"). */
static inline uint64_t nvmx_sync_lazy_key(const struct nvmx_vmcs12 *s)
{
	uint64_t proc2 = nvmx_vmcs12_proc2(s);
	return (V12(s, GUEST_RFLAGS) & NVMX_RFLAGS_VM) |
	       (V12(s, GUEST_CR0) & (NVMX_CR0_PE | NVMX_CR0_PG)) |
	       ((V12(s, GUEST_CR4) & NVMX_CR4_PAE) << 32) |
	       ((uint64_t)(V12(s, VM_ENTRY_CONTROLS) & NVMX_ENTRY_CTL_IA32E_MODE_GUEST) << 32) |
	       ((proc2 & (NVMX_PROC2_UNRESTRICTED_GUEST | NVMX_PROC2_EPT)) << 48);
}

/* After a reflected exit (exit/sync.c): the fields of `mask` stay in VMCS02
 * for the current VMCS12 and are copied on first need. The caller has
 * cleared their VMCS12-side bits (VMCS02 holds L2's values: whatever L1
 * wrote before the entry was consumed by it). */
void nvmx_sync_lazy_begin(struct nvmx_vcpu *v, const uint64_t *mask);

/* Nothing lazily pending any more (VMX abort, reset, restore). */
static inline void nvmx_sync_lazy_drop(struct nvmx_sync *y)
{
	y->lazy_pending = false;
}

/*
 * Copy every pending lazy field from VMCS02 into the current VMCS12. Must
 * be called before L1's VMCS12 guest state is read or written through
 * anything but VMCS02: VMREAD and VMWRITE of guest-state fields, VMPTRLD,
 * VMCLEAR, VMXOFF, VM entry (before VMCS02 is rebuilt), saving nested state,
 * writing the current VMCS12 back. Cheap when nothing is pending. Fields L1
 * wrote since the exit (their VMCS12-side bit set) are left alone.
 */
enum nvmx_status nvmx_sync_lazy_all(struct nvmx_vcpu *v);

/* The same for one field (compact index) of the current VMCS12: VMREAD
 * calls it before reading, so that a VMREAD costs at most one hardware
 * read. */
enum nvmx_status nvmx_sync_lazy_field(struct nvmx_vcpu *v, unsigned idx);

/*
 * For VMRESUME: true when the lazily synced fields may stay in VMCS02 and
 * their entry checks (SDM 27.3.1.1 SYSENTER, 27.3.1.2 segments, 27.3.1.3
 * GDTR/IDTR, 27.3.1.6 PDPTEs with EPT) be skipped, because
 *  - a reflected exit of the current VMCS12 left them pending (VMCS02 holds
 *    exactly what the processor saved from the running L2, SDM 28.3.2), and
 *  - neither L1 nor another module changed any of them since (no
 *    VMCS12-side bit), and
 *  - the mode bits those checks depend on are those the exit left
 *    (nvmx_sync_lazy_key).
 * The entry module adds its own conditions (VMCS02 built from this VMCS12
 * under the same policy). VMCS02 keeps the values, so the real VM entry
 * checks them again.
 */
bool nvmx_sync_lazy_trusted(const struct nvmx_vcpu *v);

#endif
