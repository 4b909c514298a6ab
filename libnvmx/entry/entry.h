/* SPDX-License-Identifier: MIT */
/*
 * VM entry (issue "VM entry"): the checks of SDM 27.2-27.4 and the VMCS12 +
 * L0 merge into VMCS02.
 */
#ifndef NVMX_ENTRY_H
#define NVMX_ENTRY_H

#include "../core.h"

/*
 * VMLAUNCH (launch = true) or VMRESUME, called by the instruction module
 * after every pre-entry check of SDM 31.3 has passed (VMX operation, CPL,
 * current VMCS, launch state, MOV-SS blocking). Fills *res:
 *   RUN_L2 / L2_ENTERED            entry succeeded; VMCS02 is ready
 *   RESUME_L1 / VMFAIL_VALID 7, 8  control or host-state check failed
 *   RESUME_L1 / ENTRY_FAILED       guest-state or MSR-load failure: exit
 *                                  reason 33/34 | bit 31 written to VMCS12,
 *                                  L1's host state loaded through
 *                                  nvmx_exit_load_l1_host_state (exit/exit.h)
 * and RIP/RFLAGS of L1 as the SDM says for each case.
 */
enum nvmx_status nvmx_entry_enter(struct nvmx_vcpu *v, bool launch, struct nvmx_result *res);
/* Whether VMCS02 gets L1's IA32_PAT as L2's: VMCS02 has the PAT field and
 * VMCS12 does not load one (SDM 27.3.2.1: L2 then runs with L1's PAT). */
static inline bool nvmx_entry_l2_inherits_pat(const struct nvmx_vcpu *v,
                                              const struct nvmx_vmcs12 *s)
{
	return nvmx_caps_has(&v->vm->caps, NVMX_FEAT_PAT) &&
	       !(V12(s, VM_ENTRY_CONTROLS) & NVMX_ENTRY_CTL_LOAD_PAT);
}

/* What the caller of nvmx_entry_enter_l1 has read of L1's state at the
 * VMLAUNCH/VMRESUME (the instruction module reads it in one batch). */
struct nvmx_entry_l1 {
	uint64_t efer;          /* IA32_EFER */
	uint64_t cr0;           /* CR0, or NVMX_L1_CR0_UNKNOWN: the exit reads it */
	uint64_t pat;           /* IA32_PAT, when pat_known */
	bool pat_known;         /* otherwise the merge reads it if it needs it */
	bool traced;            /* the caller traces the outcome: no ENTRY trace
	                           for a successful entry */
};
/* The same, for a caller that has just read L1's IA32_EFER and CR0 (the
 * instruction module): the entry reads them no more, and the exit that
 * ends this L2 run (or this entry's failure) takes them as L1's (L1 does
 * not run meanwhile; exit.h, nvmx_exit_l1_snapshot). */
enum nvmx_status nvmx_entry_enter_l1(struct nvmx_vcpu *v, bool launch,
                                     const struct nvmx_entry_l1 *l1, struct nvmx_result *res);

/*
 * For nested-state restore (state/state.c). nvmx_entry_check_state runs the
 * checks of a VM entry (SDM 27.2 controls, 27.2.2-27.2.4 host state, 27.3
 * guest state, the control-page translations on pages of its own) on the
 * VMCS12 v->cur with L1's IA32_EFER l1_efer, and changes nothing:
 * *why is NVMX_REASON_NONE when they pass, else the entry reason.
 * nvmx_entry_rebuild builds VMCS02 from v->cur for an L2 that already runs
 * (translations, merged bitmaps, the full merge; no MSR loading, no launch
 * state change); *why is set when a translation fails (VMCS02 then is not
 * usable and the next entry rebuilds it).
 */
enum nvmx_status nvmx_entry_check_state(struct nvmx_vcpu *v, uint64_t l1_efer,
                                        enum nvmx_reason *why);
enum nvmx_status nvmx_entry_rebuild(struct nvmx_vcpu *v, uint64_t l1_efer,
                                    enum nvmx_reason *why);

/* Release the entry module's pages (called from nvmx_vcpu_destroy). */
void nvmx_entry_vcpu_fini(struct nvmx_vcpu *v);

#endif
