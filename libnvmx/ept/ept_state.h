/* SPDX-License-Identifier: MIT */
/* Per-VM and per-vCPU state of the shadow-EPT and VPID module. */
#ifndef NVMX_EPT_STATE_H
#define NVMX_EPT_STATE_H

#include "../deps.h"

struct nvmx_ept_sp;
struct nvmx_ept_rmap;

/* A node of a circular doubly linked list (a list head is a node too). */
struct nvmx_ept_dl {
	struct nvmx_ept_dl *prev, *next;
};

/* One VPID12 -> VPID02 assignment (SDM 29.4: VPIDs tag linear and combined
 * mappings; L2's VPID12 is virtual, the hardware sees VPID02). */
struct nvmx_vpid_slot {
	uint64_t lru;           /* 0: free */
	uint64_t gen;           /* == vpid_gen: flushed since the last all-context INVVPID */
	uint16_t vpid12;
	uint16_t vpid02;
};

struct nvmx_ept_vm {
	/* Shadow trees (one per root key, see ept_int.h): live ones by key,
	 * and the lists that make invalidation O(1): INVEPT moves trees from
	 * `live` to `obsolete`; the reclaimer frees obsolete trees' pages a few
	 * at a time and parks those whose root a vCPU still pins on `zombie`. */
	struct nvmx_ept_tree **tree_hash;
	struct nvmx_ept_dl live, obsolete, zombie;
	uint64_t tree_gen;              /* bumped by all-context INVEPT */
	uint64_t nlive;                 /* trees on `live` */
	/* Shadow pages: by (tree, EPT12 table GPA, level) and by table GPA. */
	struct nvmx_ept_sp **hash, **gpa_hash;
	uint32_t hash_mask;
	struct nvmx_ept_sp *lru_head, *lru_tail;   /* head: most recent */
	uint64_t nsp;
	uint64_t budget_pages;
	uint64_t epoch;                 /* marks the shadow pages an operation uses */
	/* Reverse map: L1 GPA (aligned to the leaf size) + level -> EPT02 leaves. */
	struct nvmx_ept_rmap **rmap;
	uint32_t rmap_mask;
	/* Work of the operation in progress: the hardware flush it owes
	 * (0 none, ~0 all-context, else the EPTP02 for single-context) and the
	 * shadow pages to free once that flush is done. */
	uint64_t flush_eptp02;
	struct nvmx_ept_sp *pending;
	bool wp;                        /* NVMX_VM_WRITE_PROTECT_EPT12 */
	uint64_t stats[10];             /* see nvmx_ept_stats order in ept.c */
	/* VPIDs */
	struct nvmx_vpid_slot *vpid;
	uint32_t nvpid;                 /* mapped slots (pool minus the no-VPID value) */
	uint16_t vpid_none;             /* L2's VPID02 when L1 enables no VPID */
	uint64_t vpid_clock;
	uint64_t vpid_gen;              /* bumped by all-context INVVPID */
	/* Bumped (atomically) by every invalidation: a fault that walked EPT12
	 * and EPT01 before one does not install what it found. */
	uint64_t inval_seq;
};

struct nvmx_ept_vcpu {
	struct nvmx_ept_sp *root;       /* pinned root for VMCS12's EPTP, or NULL */
	uint64_t eptp12;
	/* EPTP switching: the host page given to VMCS02 and the roots it names. */
	uint64_t *list_va;
	uint64_t list_hpa;
	struct nvmx_ept_sp **list_roots; /* 512, allocated with the page */
};

#endif
