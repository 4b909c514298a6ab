/* SPDX-License-Identifier: MIT */
/* Per-vCPU state of the VM-exit module (reflection and synthesized exits). */
#ifndef NVMX_EXIT_STATE_H
#define NVMX_EXIT_STATE_H

#include "../deps.h"
#include "../vmcs/vmcs12.h"

struct nvmx_exit_vcpu {
	uint64_t generation;   /* bumped on every reflected exit */
	/*
	 * Rarely changing guest state (segments, descriptor tables, SYSENTER
	 * MSRs, PDPTRs) is copied from VMCS02 into VMCS12 lazily: after a
	 * reflected exit rare_pending is set and VMCS02 still holds the values;
	 * nvmx_exit_sync_rare() copies them all into the VMCS12 at rare_gpa,
 * nvmx_exit_sync_field() one of them (VMREAD).
	 */
	bool rare_pending;
	uint64_t rare_gpa;
	uint64_t rare_mask[NVMX_DIRTY_WORDS];   /* fields still to copy */
	/* Every lazily synced field (pending or not), and the mode bits the
	 * entry checks on those fields depend on, as the exit left them
	 * (nvmx_exit_rare_trusted). */
	uint64_t rare_set[NVMX_DIRTY_WORDS];
	uint64_t rare_key;
	/* The lazy field sets as bitmaps, built once (sync.c). */
	bool sets_ready;
	uint64_t rare_only[NVMX_DIRTY_WORDS], rare_all[NVMX_DIRTY_WORDS];
	/* VMCS12 fields (compact index bits) that, since the last reflected
	 * exit of the VMCS12 at synced_gpa, hold exactly what VMCS02 holds. */
	uint64_t synced_gpa;
	uint64_t synced[NVMX_DIRTY_WORDS];
};

#endif
