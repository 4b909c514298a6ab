/* SPDX-License-Identifier: MIT */
/*
 * VM exits (issue "VM exits"): the L0-or-L1 decision for every exit reason,
 * reflection to L1, synthesized exits, and the loading of L1's host state.
 */
#ifndef NVMX_EXIT_H
#define NVMX_EXIT_H

#include "../core.h"

/*
 * Load L1's host state from the current VMCS12 into L1 (SDM 28.5, "Loading
 * Host State"), then process the VM-exit MSR-load area (SDM 28.6). Used for
 * VM-entry failures that happen during or after loading guest state (SDM
 * 27.8) and for every exit reflected to L1. Sets *abort when the MSR-load
 * area fails: a VMX abort (SDM 28.7); the caller then shuts L1 down.
 */
enum nvmx_status nvmx_exit_load_l1_host_state(struct nvmx_vcpu *v, bool *abort);

#endif
