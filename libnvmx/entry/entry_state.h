/* SPDX-License-Identifier: MIT */
/* Per-vCPU state of the VM-entry module (checks and the VMCS02 merge). */
#ifndef NVMX_ENTRY_STATE_H
#define NVMX_ENTRY_STATE_H

#include "../deps.h"

struct nvmx_entry_vcpu {
	uint64_t generation;   /* bumped on every VM entry */
};

#endif
