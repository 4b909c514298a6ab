/* SPDX-License-Identifier: MIT */
/* Internals shared by the files of the shadow-EPT module. */
#ifndef NVMX_EPT_INT_H
#define NVMX_EPT_INT_H

#include "ept.h"

#define EPT_ENTRIES 512u
#define EPT_ADDR_MASK 0x000ffffffffff000ull     /* bits 51:12 */
#define EPT_LARGE (1ull << 7)
#define EPT_A (1ull << 8)
#define EPT_D (1ull << 9)
#define EPT_UX (1ull << 10)
#define EPT_MT_SHIFT 3
#define EPT_IPAT (1ull << 6)

/* Work on retired trees per operation (nvmx_ept_reclaim units: 8 per entry
 * cleared, 1 per empty slot passed): a fault 32 entries, a VM entry and
 * each shadow-page allocation 16. A fault that builds a whole path after
 * an INVEPT thus clears at most 80 entries, whatever was retired; a retired
 * 1 GiB shadow (262144 leaves) is gone after about 8000 faults, and sooner
 * when the budget needs its pages (make_room frees whole pages). */
#define RECLAIM_PER_FAULT 256u
#define RECLAIM_PER_ENTRY 128u
#define RECLAIM_PER_ALLOC 128u

/* A parent entry that points at a shadow page. */
struct nvmx_ept_link {
	struct nvmx_ept_sp *parent;
	struct nvmx_ept_link *next;
	uint16_t idx;
};

/* A reverse-map node: EPT02 leaf (sp, idx) built from L1 GPA key. */
struct nvmx_ept_rmap {
	uint64_t key;                   /* L1 GPA aligned to the leaf size | level */
	struct nvmx_ept_sp *sp;
	struct nvmx_ept_rmap *next;
	struct nvmx_ept_rmap **pprev;   /* the pointer that points at this node */
	uint16_t idx;
};

/*
 * A shadow tree: every shadow page built under one root key (EPTP12 bits
 * 51:3 and the MBEC setting). Pages are shared only inside a tree, so
 * retiring a tree retires all of them at once: INVEPT (and the all-context
 * generation) only unlinks trees; their pages are freed later, a few per
 * operation (nvmx_ept_reclaim).
 *  LIVE     found by key; its root is what nvmx_ept_root hands out.
 *  OBSOLETE on the obsolete list, waiting for the reclaimer (or being freed).
 *  ZOMBIE   obsolete, but a vCPU or EPTP list still pins its root: the
 *           hardware may walk it, so nothing is freed until the last unpin.
 */
enum { TREE_LIVE = 0, TREE_OBSOLETE = 1, TREE_ZOMBIE = 2 };

struct nvmx_ept_tree {
	struct nvmx_ept_dl node;        /* on live, obsolete or zombie (first member) */
	uint64_t key;                   /* root key */
	uint64_t gen;                   /* tree_gen when made: live only while equal */
	uint64_t epoch;                 /* == vm epoch: used by the current operation */
	struct nvmx_ept_sp *root;       /* the root page, NULL after eviction */
	struct nvmx_ept_sp *pages;      /* all its pages (tnext/tprev) */
	struct nvmx_ept_tree *hnext;    /* tree_hash chain */
	uint8_t state;
	bool in_hash;
};

#define SP_ROLE_SPLIT 1u   /* breaks an EPT12 large page into smaller leaves */

/* A shadow (EPT02) table page. */
struct nvmx_ept_sp {
	uint64_t *va;
	uint64_t hpa;
	uint64_t root;          /* root key: EPTP12 bits 51:3 without 2:0, bit 0 = MBEC */
	uint64_t gpa12;         /* L1 GPA of the EPT12 table shadowed; split: L2 base */
	struct nvmx_ept_tree *tree;
	uint8_t level;          /* 1..5 */
	uint8_t role;
	uint16_t npresent;
	uint16_t cursor;        /* reclaim: slots below it are cleared already */
	uint32_t pins;
	uint64_t epoch;         /* == vm epoch: on the path of the current operation */
	struct nvmx_ept_sp *hnext, *gnext, *lprev, *lnext, *pnext, *tprev, *tnext;
	struct nvmx_ept_sp **hpprev, **gpprev;  /* the pointers naming it in hash, gpa_hash */
	struct nvmx_ept_link *parents;
	void *slot[EPT_ENTRIES];        /* child sp (is_child bit) or rmap node */
	uint64_t is_child[EPT_ENTRIES / 64];
};

/* EPT02 entries are read by the processors of other vCPUs while this one
 * changes them: single 8-byte stores and loads (release/acquire, so that a
 * walker that sees a new entry sees the zeroed page it names). */
static inline void ept_set(struct nvmx_ept_sp *sp, unsigned idx, uint64_t v)
{
	nvmx_atomic_store(&sp->va[idx], v);
}

static inline uint64_t ept_get(const struct nvmx_ept_sp *sp, unsigned idx)
{
	return nvmx_atomic_load(&sp->va[idx]);
}

enum {
	ST_FAULTS, ST_INSTALLS, ST_EVICTIONS, ST_PEAK, ST_RMAP, ST_INVEPT, ST_RECLAIMED,
	ST_OBSOLETED,
};

/* Which host pointer to call the [vm] callbacks with. */
struct ept_ctx {
	struct nvmx_vm *vm;
	void *host;
};

static inline unsigned ept_levels_of(uint64_t eptp) { return (unsigned)((eptp >> 3) & 7u) + 1u; }
static inline uint64_t ept_root_key(uint64_t eptp12, bool mbec)
{
	return (eptp12 & (EPT_ADDR_MASK | 0x78ull)) | (mbec ? 1u : 0u);
}
static inline uint64_t ept_cap(const struct nvmx_vm *vm)
{
	return nvmx_caps_msr(&vm->caps, NVMX_MSR_IA32_VMX_EPT_VPID_CAP);
}
static inline uint64_t ept_hw_cap(const struct nvmx_vm *vm)
{
	return vm->cfg.hw.vmx_msr[NVMX_MSR_IA32_VMX_EPT_VPID_CAP - NVMX_CAP_MSR_FIRST];
}

/* shadow.c */
struct nvmx_ept_tree *nvmx_ept_tree_find(struct nvmx_vm *vm, uint64_t key);
bool nvmx_ept_tree_live(const struct nvmx_vm *vm, const struct nvmx_ept_tree *t);
void nvmx_ept_retire_eptrta(struct nvmx_vm *vm, uint64_t eptp12);
void nvmx_ept_retire_all(struct nvmx_vm *vm);
enum nvmx_status nvmx_ept_root_get(struct ept_ctx *c, uint64_t key, struct nvmx_ept_sp **out);
uint64_t nvmx_ept_eptp02(const struct nvmx_vm *vm, const struct nvmx_ept_sp *root);
void nvmx_ept_sp_drop(struct ept_ctx *c, struct nvmx_ept_sp *sp);
void nvmx_ept_zap(struct ept_ctx *c, struct nvmx_ept_sp *sp, unsigned idx);
void nvmx_ept_commit(struct ept_ctx *c);
unsigned nvmx_ept_reclaim(struct ept_ctx *c, unsigned slots);
bool nvmx_ept_gpa_shadowed(struct nvmx_vm *vm, uint64_t gpa12);
struct nvmx_ept_sp *nvmx_ept_gpa_first(struct nvmx_vm *vm, uint64_t gpa12);
enum nvmx_status nvmx_ept_install(struct ept_ctx *c, struct nvmx_ept_sp *root,
                                  const struct nvmx_ept_walk *w, uint64_t l2_gpa,
                                  unsigned leaf_level, uint64_t leaf);
void nvmx_ept_pin(struct nvmx_ept_sp *sp);
void nvmx_ept_unpin(struct ept_ctx *c, struct nvmx_ept_sp *sp);
enum nvmx_status nvmx_ept_shadow_init(struct nvmx_vm *vm, uint32_t nbuckets);
void nvmx_ept_shadow_fini(struct nvmx_vm *vm);

/* rmap.c */
enum nvmx_status nvmx_ept_rmap_add(struct ept_ctx *c, struct nvmx_ept_sp *sp, unsigned idx,
                                   uint64_t l1_base, unsigned level);
void nvmx_ept_rmap_del(struct nvmx_vm *vm, struct nvmx_ept_rmap *n);
void nvmx_ept_rmap_zap_range(struct ept_ctx *c, uint64_t gpa, uint64_t len);

/* vpid.c */
enum nvmx_status nvmx_vpid_vm_init(struct nvmx_vm *vm);
void nvmx_vpid_vm_fini(struct nvmx_vm *vm);

#endif
