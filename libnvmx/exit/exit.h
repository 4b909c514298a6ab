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

#endif
