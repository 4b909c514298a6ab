/* SPDX-License-Identifier: MIT */
/*
 * VM exits (issue "VM exits"): the L0-or-L1 decision for every exit reason,
 * reflection to L1, synthesized exits, and the loading of L1's host state.
 *
 *   decide.c      whether VMCS12 asks for an exit (SDM 26.1-26.2, 28.1)
 *   reflect.c     nvmx_vcpu_handle_exit, exit information (SDM 28.2),
 *                 re-injection of an interrupted event on L0's exits
 *   sync.c        L2 state VMCS02 -> VMCS12 (SDM 28.3), eager and lazy parts
 *   host_state.c  MSR-store (28.4), host state (28.5), MSR-load (28.6), abort (28.7)
 *   synth.c       nvmx_vcpu_inject_exit
 *   insninfo.c    exit information for instructions L0 emulated (nvmx_decode)
 */
#ifndef NVMX_EXIT_H
#define NVMX_EXIT_H

#include "../core.h"

/*
 * Load L1's host state from the current VMCS12 into L1 (SDM 28.5, "Loading
 * Host State"), then process the VM-exit MSR-load area (SDM 28.6). Used for
 * VM-entry failures that happen during or after loading guest state (SDM
 * 27.8) and for every exit reflected to L1. Sets *abort when the MSR-load
 * area fails: a VMX abort (SDM 28.7); the abort indicator (4) is then
 * already written to the VMCS12 region and the caller shuts L1 down.
 * Leaves v->in_l2 false.
 */
enum nvmx_status nvmx_exit_load_l1_host_state(struct nvmx_vcpu *v, bool *abort);
/* The known-VMCS01-content cache of NVMX_L1_SKIP_UNCHANGED (host_state.c):
 * forget it all (a policy change, INIT, RESET, nested-state restore, the
 * host's nvmx_vcpu_l1_state_changed); record L1's registers the
 * VMLAUNCH/VMRESUME instruction read (l1_mode: CR0, EFER, RFLAGS, CS and SS
 * access rights, interruptibility, and IA32_PAT when pat_known), valid
 * until L1 runs again (nvmx_exit_l1k_resumed, when the instruction leaves
 * L1 running). */
void nvmx_exit_l1k_forget(struct nvmx_vcpu *v);
void nvmx_exit_l1k_entering(struct nvmx_vcpu *v, const uint64_t l1_mode[7], bool pat_known);
void nvmx_exit_l1k_resumed(struct nvmx_vcpu *v);

/*
 * Copy the lazily synced guest state (segments, GDTR/IDTR, SYSENTER MSRs,
 * PDPTRs) from VMCS02 into VMCS12 if a reflected exit left it pending.
 * Must be called before L1's VMCS12 guest state is read or written through
 * anything but VMCS02: VMREAD and VMWRITE of guest-state fields, VMPTRLD,
 * VMCLEAR, VMXOFF, VM entry (before VMCS02 is rebuilt), saving nested state.
 * nvmx_vcpu_vmx_insn calls it before every VMX instruction but VMREAD,
 * VMWRITE and VMPTRST (VMREAD syncs its one field, VMWRITE marks its field
 * dirty, which the lazy copy respects), and nvmx_vmcs12_writeback for the
 * current VMCS12. Cheap when nothing
 * is pending. Fields L1 wrote (dirty) since the exit are left alone.
 */
enum nvmx_status nvmx_exit_sync_rare(struct nvmx_vcpu *v);

/*
 * For VMRESUME: true when the lazily synced fields may stay in VMCS02 and
 * their entry checks (SDM 27.3.1.1 SYSENTER, 27.3.1.2 segments, 27.3.1.3
 * GDTR/IDTR, 27.3.1.6 PDPTEs with EPT) be skipped, because
 *  - a reflected exit of the current VMCS12 left them pending (VMCS02 holds
 *    exactly what the processor saved from the running L2, SDM 28.3.2), and
 *  - L1 wrote none of them since (no dirty bit), and
 *  - the VMCS12 bits those checks depend on (RFLAGS.VM, CR0.PE/PG, CR4.PAE,
 *    "IA-32e mode guest", "unrestricted guest", "enable EPT") are those the
 *    exit left (nvmx_exit_rare_key).
 * The entry module adds its own conditions (VMCS02 built from this VMCS12
 * under the same policy, no stale field). VMCS02 keeps the values, so the
 * real VM entry checks them again (invariant 2 is unchanged for them).
 */
bool nvmx_exit_rare_trusted(const struct nvmx_vcpu *v);

/* The mode bits of VMCS12 the checks on the lazily synced fields depend on. */
static inline uint64_t nvmx_exit_rare_key(const struct nvmx_vmcs12 *s)
{
	uint64_t proc2 = (V12(s, CPU_BASED_VM_EXEC_CONTROL) & NVMX_PROC_SECONDARY_CONTROLS)
	                         ? V12(s, SECONDARY_VM_EXEC_CONTROL) : 0;
	return (V12(s, GUEST_RFLAGS) & NVMX_RFLAGS_VM) |
	       (V12(s, GUEST_CR0) & (NVMX_CR0_PE | NVMX_CR0_PG)) |
	       ((V12(s, GUEST_CR4) & NVMX_CR4_PAE) << 32) |
	       ((uint64_t)(V12(s, VM_ENTRY_CONTROLS) & NVMX_ENTRY_IA32E_MODE_GUEST) << 32) |
	       ((proc2 & (NVMX_PROC2_UNRESTRICTED_GUEST | NVMX_PROC2_EPT)) << 48);
}

/* The same for one field (compact index) of the current VMCS12: VMREAD
 * calls it before reading, so that a VMREAD costs at most one hardware
 * read. Cheap when the field is not pending. */
enum nvmx_status nvmx_exit_sync_field(struct nvmx_vcpu *v, unsigned idx);

/*
 * For the VMCS02 merge at the next entry: true when VMCS12 field `idx` of
 * the current VMCS12 holds exactly the value VMCS02 holds, because the last
 * reflected exit copied it from there, and L1 has not written it since (its
 * dirty bit is clear). The entry may then skip writing it into VMCS02.
 * Lazily synced fields count as current while their sync is pending: VMCS02
 * holds L2's values and VMCS12 will receive them from there.
 * Fields the exit changed to a value VMCS02 does not hold (GUEST_CR0 and
 * GUEST_CR4 as L1 sees them when that differs from the hardware value,
 * VM_ENTRY_INTR_INFO_FIELD with its valid bit cleared, the IA-32e-mode-guest
 * entry control) are marked dirty instead, so the merge rewrites them.
 */
static inline bool nvmx_exit_vmcs02_current(const struct nvmx_vcpu *v, unsigned idx)
{
	const struct nvmx_vmcs12 *s = v->cur;
	if (!s || idx >= NVMX_FIELD_COUNT || v->exit.synced_gpa != s->gpa)
		return false;
	uint64_t bit = 1ull << (idx % 64u);
	return (v->exit.synced[idx / 64u] & bit) && !(s->dirty[idx / 64u] & bit);
}

/* ---- internal, between the files of this module ---- */

/* Whether VMCS12 asks for exit `e` (decide.c). */
enum nvmx_status nvmx_exit_l1_wants(struct nvmx_vcpu *v, const struct nvmx_l2_exit *e,
                                    bool *wanted, enum nvmx_reason *why);

/* Reflect exit `e` (already in final form) to L1 (reflect.c). */
enum nvmx_status nvmx_exit_reflect(struct nvmx_vcpu *v, const struct nvmx_l2_exit *e,
                                   enum nvmx_reason why, struct nvmx_result *res);

/* Eager part of the guest-state sync (sync.c). `e` is the exit being
 * reflected (the preemption-timer exit saves 0). */
void nvmx_exit_sync_guest(struct nvmx_vcpu *v, const struct nvmx_l2_exit *e);

/* VM-exit MSR-store area (host_state.c): false on failure (VMX abort 1). */
bool nvmx_exit_msr_store(struct nvmx_vcpu *v, enum nvmx_status *st);

/* The rest of SDM 28 after the exit information and guest state are in
 * VMCS12: MSR-store, host state, MSR-load, the result (host_state.c). */
enum nvmx_status nvmx_exit_finish(struct nvmx_vcpu *v, const struct nvmx_l2_exit *e,
                                  enum nvmx_reason why, struct nvmx_result *res);

/* Write the VMX-abort indicator into the VMCS12 region and shut L1 down. */
enum nvmx_status nvmx_exit_vmx_abort(struct nvmx_vcpu *v, uint32_t indicator,
                                     enum nvmx_reason why, struct nvmx_result *res);

/* Fill insn_len, insn_info and the qualification of an L0-emulated
 * instruction from its bytes (insninfo.c). */
enum nvmx_status nvmx_exit_describe_emulated(struct nvmx_vcpu *v, struct nvmx_l2_exit *e);

/* Mark a VMCS12 field as synced with VMCS02 (sync.c). */
static inline void nvmx_exit_mark_synced(struct nvmx_vcpu *v, unsigned idx)
{
	v->exit.synced[idx / 64u] |= 1ull << (idx % 64u);
}

static inline void nvmx_exit_store_synced(struct nvmx_vcpu *v, unsigned idx, uint64_t value)
{
	nvmx_vmcs12_store(v->cur, idx, value);
	v->cur->dirty[idx / 64u] &= ~(1ull << (idx % 64u));
	nvmx_exit_mark_synced(v, idx);
}

/* A field changed by the exit to a value VMCS02 does not hold. */
static inline void nvmx_exit_store_changed(struct nvmx_vcpu *v, unsigned idx, uint64_t value)
{
	nvmx_vmcs12_store(v->cur, idx, value);
	v->cur->dirty[idx / 64u] |= 1ull << (idx % 64u);
	v->exit.synced[idx / 64u] &= ~(1ull << (idx % 64u));
}

#endif
