/* SPDX-License-Identifier: MIT */
/*
 * VM entry (issue "VM entry"): the checks of SDM 27.2-27.4, the VMCS12 + L0
 * merge into VMCS02, and the loading of L1's host state that both VM-entry
 * failures and reflected exits use.
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
 *                                  L1's host state loaded
 * and RIP/RFLAGS of L1 as the SDM says for each case.
 */
enum nvmx_status nvmx_entry_enter(struct nvmx_vcpu *v, bool launch, struct nvmx_result *res);

/*
 * Load L1's host state from the current VMCS12 into L1 (SDM 28.5, "Loading
 * Host State"), then the VM-exit MSR-load area (28.6). Used for VM-entry
 * failures after guest state was checked and for every exit reflected to L1.
 * Sets *abort when the MSR-load area fails (a VMX abort, SDM 28.7).
 */
enum nvmx_status nvmx_entry_load_l1_host_state(struct nvmx_vcpu *v, bool *abort);

#endif
