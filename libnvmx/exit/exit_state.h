/* SPDX-License-Identifier: MIT */
/* Per-vCPU state of the VM-exit module (reflection and synthesized exits). */
#ifndef NVMX_EXIT_STATE_H
#define NVMX_EXIT_STATE_H

#include "../deps.h"

struct nvmx_exit_vcpu {
	uint64_t generation;   /* bumped on every reflected exit */
};

#endif
