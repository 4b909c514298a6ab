/* SPDX-License-Identifier: MIT */
/*
 * L0's requirements on VMCS02 (the VMCS that runs L2), and notifications
 * that keep the VMCS02 merge cache right. See docs/vm-entry-checks.md.
 *
 * VMCS02 host-state fields (HOST_*) belong to L0: the library never writes
 * them. The host sets them once, as for any VMCS it runs, before the first
 * entry to L2.
 */
#ifndef NVMX_ENTRY_PUBLIC_H
#define NVMX_ENTRY_PUBLIC_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "status.h"

#include "api.h"

#ifdef __cplusplus
extern "C" {
#endif

struct nvmx_vcpu;

/* L0 emulates L1's VMX-preemption timer itself: VMCS02 never runs it. */
#define NVMX_L0_EMULATE_PREEMPTION_TIMER (1u << 0)
/* Check L1's bitmap pages by an xxHash of their content at every entry,
 * instead of relying on nvmx_vcpu_notify_l1_page_changed (slower, needs no hook). */
#define NVMX_L0_HASH_L1_BITMAPS (1u << 1)
/*
 * Refuse a VM entry (VMfailValid 7, ENTRY_CTL_ADDR_NOT_BACKED) whose
 * control-structure address (I/O or MSR bitmap, virtual-APIC, APIC-access,
 * posted-interrupt descriptor, PML, #VE information) names L1 memory that
 * L0 does not back. Without the flag the library does what the processor
 * does for a physical access that hits no memory (the SDM checks these
 * addresses for alignment and width only): L1's bitmap pages read as all
 * ones, so every access they govern exits; the other pages are replaced in
 * VMCS02 by a library page filled with ones at each full entry, whose
 * writes never reach L1 (docs/vm-entry-checks.md, "Addresses L0 does not
 * back").
 */
#define NVMX_L0_REFUSE_UNBACKED_CONTROL_PAGES (1u << 2)
/*
 * L0's CPU does not virtualize the APIC for L2: the library emulates it
 * (include/nvmx/apic.h, docs/apic-virtualization.md, "Library emulation
 * mode"). VMCS02 then never holds L1's "virtualize APIC accesses", "use TPR
 * shadow", "APIC-register virtualization", "virtual-interrupt delivery",
 * "virtualize x2APIC mode" or "process posted interrupts"; instead MOV
 * to/from CR8 exits when L1 uses a TPR shadow, every x2APIC MSR (800H-8FFH)
 * exits when L1 virtualizes x2APIC mode, and EPT02 never maps L1's
 * APIC-access page (nvmx_ept_fault answers NVMX_EPT_L0 with
 * NVMX_REASON_APIC_ACCESS_EMULATED; the host calls nvmx_vcpu_apic_access).
 * The exits this produces come to L0 (L1 did not ask for them); L0 hands
 * them to nvmx_vcpu_apic_cr8, nvmx_vcpu_apic_msr and nvmx_vcpu_apic_access.
 */
#define NVMX_L0_EMULATE_APIC_VIRT (1u << 3)

struct nvmx_l0_policy {
	uint32_t size;                  /* sizeof(struct nvmx_l0_policy) */
	uint32_t flags;                 /* NVMX_L0_* */
	/* Controls L0 requires set in VMCS02, whatever L1 asks. */
	uint32_t pin_set, proc_set, proc2_set;
	uint32_t exit_set, entry_set;
	uint32_t exception_bitmap;      /* exceptions L0 intercepts */
	uint64_t cr0_mask, cr4_mask;    /* CR bits L0 owns */
	/* L0's MSR bitmap (4 KiB, SDM 25.6.9), NULL: L0 wants no MSR exits. */
	const uint8_t *msr_bitmap;
	/* L0's I/O bitmaps A and B (4 KiB each), NULL: no I/O exits for L0. */
	const uint8_t *io_bitmap_a, *io_bitmap_b;
	/* L1's TSC offset and multiplier as L0 runs L1 (VMCS01); the multiplier
	 * is fixed point with 48 fraction bits, 0 meaning 1.0. */
	uint64_t tsc_offset, tsc_multiplier;
	/* EPT01: the EPTP VMCS02 uses when L1 does not enable EPT (then L2's
	 * physical addresses are L1's). 0: L0 does not use EPT. */
	uint64_t eptp01;
	/* L1's VPID in VMCS01, 0 when L0 runs L1 without VPID. When VMCS12
	 * does not enable VPID, the library invalidates it (INVVPID through
	 * hw_invvpid) on every exit it reflects to L1, as SDM 29.4.3.3 asks of
	 * VM exits for VPID 0000H (docs/shadow-ept.md). */
	uint64_t vpid01;
	/*
	 * What L0 intercepts of L1 in VMCS01, so that a reflected exit skips
	 * the VMCS01 writes of L1's host state (SDM 28.5) that cannot change
	 * anything (docs/exit-reflection.md, "Fewer VMCS01 writes"). All 0,
	 * the default (and what a host built before these members gets): every
	 * field is written at every exit.
	 */
	uint32_t l1_flags;              /* NVMX_L1_* */
	uint32_t l1_reserved;           /* 0 */
	/* VMCS01's CR0 and CR4 guest/host masks (SDM 25.6.6): the bits L1
	 * cannot change without a VM exit to L0. */
	uint64_t l1_cr0_mask, l1_cr4_mask;
	/* VMCS01's MSR bitmap (4 KiB, SDM 25.6.9), read for its write bits;
	 * NULL: no MSR write is known to exit. A VMCS01 without "use MSR
	 * bitmaps" makes every WRMSR exit: pass a page of ones. */
	const uint8_t *l1_msr_bitmap;
	uint64_t reserved[3];
};

/*
 * l1_flags. SKIP_UNCHANGED turns the skipping on: the host then promises
 * to call nvmx_vcpu_l1_state_changed whenever it writes L1's guest state in
 * VMCS01 itself (emulating an instruction of L1, injecting a reset, loading
 * a saved VMCS01, rebuilding VMCS01), so that the library forgets what it
 * knew. The *_EXITING flags say which VMCS01 controls L0 sets.
 */
#define NVMX_L1_SKIP_UNCHANGED (1u << 0)
/* Verification (tests, the reference host): the skipped fields are still
 * passed to l1_write_n, flagged NVMX_FV_REDUNDANT, for the host to check
 * that VMCS01 holds them already; they count as skipped. */
#define NVMX_L1_VERIFY_SKIPS (1u << 1)
/* "MOV-DR exiting" is 1 in VMCS01 (SDM 26.1.3). */
#define NVMX_L1_MOV_DR_EXITING (1u << 2)
/* "Descriptor-table exiting" is 1 in VMCS01 (LGDT, LIDT, LLDT, LTR exit). */
#define NVMX_L1_DESC_TABLE_EXITING (1u << 3)
/* "CR3-load exiting" is 1 and the CR3-target count 0 in VMCS01. */
#define NVMX_L1_CR3_LOAD_EXITING (1u << 4)
#define NVMX_L1_FLAGS_ALL 0x1fu

/* L0's defaults: external-interrupt and NMI exiting, a 64-bit host, CR4.VMXE
 * owned, #MC intercepted, no MSR or I/O exits, TSC untouched, no EPT01. */
NVMX_API void nvmx_l0_policy_default(struct nvmx_l0_policy *p);

/* Set L0's requirements for this vCPU (copied). Bitmap pages stay owned by
 * the host and must live as long as the policy; after changing their content
 * call this again. INVALID_ARGUMENT for a short struct. */
NVMX_API enum nvmx_status nvmx_vcpu_set_l0_policy(struct nvmx_vcpu *vcpu, const struct nvmx_l0_policy *p);

/* L0 wrote L1's guest state in VMCS01 itself, or reloaded or rebuilt
 * VMCS01: the library forgets what it knew VMCS01 holds, and the next
 * reflected exit writes every field of L1's host state
 * (NVMX_L1_SKIP_UNCHANGED). Cheap; calling it too often is always safe. */
NVMX_API void nvmx_vcpu_l1_state_changed(struct nvmx_vcpu *vcpu);

/* L1 wrote (or L0 remapped) the L1 page at `gpa`: a merged MSR or I/O bitmap
 * built from it is redone at the next entry. */
NVMX_API void nvmx_vcpu_notify_l1_page_changed(struct nvmx_vcpu *vcpu, uint64_t gpa);

/* The host replaces or reinitializes the hardware VMCS02 of this vCPU (the
 * library assumes one VMCS02 per vCPU that keeps its content): the next
 * entry writes every field again. Call it while VMCS02 still holds its old
 * content (it reads L2's segment, descriptor-table and SYSENTER state that
 * an exit left there into VMCS12, see docs/exit-reflection.md). */
NVMX_API void nvmx_vcpu_vmcs02_reset(struct nvmx_vcpu *vcpu);

#ifdef __cplusplus
}
#endif
#endif
