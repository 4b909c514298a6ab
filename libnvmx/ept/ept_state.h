/* SPDX-License-Identifier: MIT */
/* Per-VM and per-vCPU state of the shadow-EPT and VPID module. */
#ifndef NVMX_EPT_STATE_H
#define NVMX_EPT_STATE_H

#include "../deps.h"

struct nvmx_ept_vm {
	uint64_t generation;   /* bumped on every invalidation */
};

struct nvmx_ept_vcpu {
	uint64_t generation;
};

#endif
