/* SPDX-License-Identifier: MIT */
/*
 * Shadow EPT, the host's side: tell the library when L0 changes how it backs
 * L1 memory (EPT01), or when L1 writes a write-protected EPT12 table page
 * (NVMX_VM_WRITE_PROTECT_EPT12). See docs/shadow-ept.md.
 *
 * Concurrency: a VM's shadow EPT is shared by its vCPUs; these calls may run
 * in parallel with the vCPUs' calls when the host gives the VM lock ops
 * (nvmx/host.h, "What may run in parallel").
 */
#ifndef NVMX_EPT_PUB_H
#define NVMX_EPT_PUB_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "status.h"

#include "api.h"

#ifdef __cplusplus
extern "C" {
#endif

struct nvmx_vm;

/* How L0 changed its backing of an L1 physical range. */
enum nvmx_mem_change {
	NVMX_MEM_UNMAPPED = 1,    /* no longer backed (MMIO now, or dropped) */
	NVMX_MEM_REMAPPED = 2,    /* backed by other host pages (migration, THP split) */
	NVMX_MEM_READ_ONLY = 3,   /* rights reduced (dirty logging, COW); contents kept */
	NVMX_MEM_BALLOONED = 4,   /* given back by L1's balloon driver */
	NVMX_MEM_HOT_REMOVED = 5, /* memory hot-remove */
};

/*
 * L0 changed EPT01 for [gpa, gpa + len). Call it after the change and before
 * running L2 again: the library drops exactly the EPT02 entries that were
 * built from that range (and, unless the contents were kept, the shadows of
 * EPT12 tables that lay in it), and issues the hardware INVEPT. Calls only
 * [vm] host callbacks, with the VM's host pointer.
 * INVALID_ARGUMENT for len 0, an overflowing range or an unknown kind.
 */
NVMX_API enum nvmx_status nvmx_vm_notify_l1_mem_changed(struct nvmx_vm *vm, uint64_t gpa, uint64_t len,
                                        enum nvmx_mem_change kind);

/*
 * With NVMX_VM_WRITE_PROTECT_EPT12, the host's write-fault handler calls
 * this when L1 writes a page the library write-protected through
 * l0_write_protect: the shadows of that EPT12 page are dropped and the page
 * unprotected (the host then lets L1's write complete). OK also when the page
 * holds no shadowed table (a stale protection).
 */
NVMX_API enum nvmx_status nvmx_vm_notify_l1_write(struct nvmx_vm *vm, uint64_t gpa);

/* Shadow-EPT counters, for benchmarks and researchers. */
struct nvmx_ept_stats {
	uint64_t pages;           /* shadow table pages held now */
	uint64_t pages_peak;
	uint64_t budget_pages;    /* cfg.shadow_ept_budget / 4096 */
	uint64_t evictions;       /* shadow pages evicted for the budget */
	uint64_t faults;          /* nvmx_ept_fault calls */
	uint64_t installs;        /* EPT02 leaves installed */
	uint64_t rmap_entries;    /* EPT02 leaves tracked by the reverse map */
	uint64_t hw_invept;       /* hardware INVEPTs issued */
	uint64_t pages_reclaimed; /* pages of trees retired by INVEPT freed since */
	uint64_t trees_retired;   /* shadow trees INVEPT retired (one per root key) */
	uint64_t reserved[6];
};
NVMX_API void nvmx_vm_get_ept_stats(const struct nvmx_vm *vm, struct nvmx_ept_stats *st);

#ifdef __cplusplus
}
#endif
#endif
