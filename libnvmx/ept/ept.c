/* SPDX-License-Identifier: MIT */
/*
 * Shadow EPT entry points: set-up, the shadow root for VMCS02, EPT
 * violations while L2 runs, and EPTP switching lists.
 *
 * Locking (include/nvmx/host.h, "What may run in parallel"): every entry
 * point that touches the VM's shadow state holds the VM lock; an EPT
 * violation walks EPT12 and asks EPT01 outside it and installs under it,
 * unless an invalidation ran in between (inval_seq), in which case L2
 * retries.
 */
#include "ept_int.h"
#include "../apic/emulate.h"

#define DEFAULT_BUDGET (64ull << 20)

static uint32_t pow2_at_least(uint64_t n, uint32_t lo, uint32_t hi)
{
	uint32_t p = lo;
	while (p < n && p < hi)
		p <<= 1;
	return p;
}

enum nvmx_status nvmx_ept_vm_init(struct nvmx_vm *vm)
{
	struct nvmx_ept_vm *e = &vm->ept;
	nvmx_memset(e, 0, sizeof(*e));
	if (vm->cfg.flags & NVMX_VM_WRITE_PROTECT_EPT12) {
		if (!vm->ops.l0_write_protect)
			return NVMX_STATUS_BAD_OPS;
		e->wp = true;
	}
	uint64_t budget = vm->cfg.shadow_ept_budget ? vm->cfg.shadow_ept_budget : DEFAULT_BUDGET;
	e->budget_pages = budget / 4096u;
	if (e->budget_pages < 8)
		return NVMX_STATUS_INVALID_ARGUMENT;
	uint32_t nh = pow2_at_least(e->budget_pages, 256, 1u << 16);
	uint32_t nr = pow2_at_least(e->budget_pages * 4u, 1024, 1u << 16);
	e->rmap_mask = nr - 1u;
	e->rmap = nvmx_vm_alloc(vm, sizeof(*e->rmap) * nr);
	if (!e->rmap)
		return NVMX_STATUS_NO_MEMORY;
	nvmx_memset(e->rmap, 0, sizeof(*e->rmap) * nr);
	enum nvmx_status s = nvmx_ept_shadow_init(vm, nh);
	if (s == NVMX_STATUS_OK) {
		s = nvmx_vpid_vm_init(vm);
		if (s == NVMX_STATUS_OK)
			return s;
		nvmx_ept_shadow_fini(vm);
	}
	nvmx_vm_free(vm, e->rmap, sizeof(*e->rmap) * nr);
	e->rmap = NULL;
	return s;
}

void nvmx_ept_vm_fini(struct nvmx_vm *vm)
{
	struct nvmx_ept_vm *e = &vm->ept;
	if (!e->hash)
		return;
	nvmx_ept_shadow_fini(vm);
	nvmx_vm_free(vm, e->rmap, sizeof(*e->rmap) * (e->rmap_mask + 1u));
	e->rmap = NULL;
	nvmx_vpid_vm_fini(vm);
}

enum nvmx_status nvmx_ept_vcpu_init(struct nvmx_vcpu *v)
{
	nvmx_memset(&v->ept, 0, sizeof(v->ept));
	return NVMX_STATUS_OK;
}

static void list_unpin(struct ept_ctx *c, struct nvmx_vcpu *v)
{
	if (!v->ept.list_roots)
		return;
	for (unsigned i = 0; i < EPT_ENTRIES; i++) {
		nvmx_ept_unpin(c, v->ept.list_roots[i]);
		v->ept.list_roots[i] = NULL;
	}
}

void nvmx_ept_vcpu_fini(struct nvmx_vcpu *v)
{
	struct ept_ctx c = { v->vm, v->host };
	nvmx_vm_lock(v->vm);
	nvmx_ept_unpin(&c, v->ept.root);
	v->ept.root = NULL;
	list_unpin(&c, v);
	nvmx_vm_unlock(v->vm);
	if (v->ept.list_va)
		nvmx_host_page_free(&v->vm->ops, v->host, v->ept.list_va, v->ept.list_hpa);
	nvmx_vm_free(v->vm, v->ept.list_roots, sizeof(*v->ept.list_roots) * EPT_ENTRIES);
	v->ept.list_va = NULL;
	v->ept.list_roots = NULL;
}

/* Mode-based execute control for EPT is in effect for L2 (SDM 25.6.2:
 * secondary controls count only when activated). */
static bool l2_mbec(const struct nvmx_vcpu *v)
{
	const struct nvmx_vmcs12 *s = v->cur;
	return s && (nvmx_vmcs12_proc2(s) & NVMX_PROC2_MODE_BASED_EPT_EXEC) &&
	       nvmx_caps_has(&v->vm->caps, NVMX_FEAT_EPT);
}

/* Called with the VM lock held. */
static enum nvmx_status root_locked(struct nvmx_vcpu *v, uint64_t eptp12, uint64_t *eptp02)
{
	struct ept_ctx c = { v->vm, v->host };
	v->vm->ept.epoch++;
	struct nvmx_ept_sp *r = NULL;
	enum nvmx_status s = nvmx_ept_root_get(&c, ept_root_key(eptp12, l2_mbec(v)), &r);
	if (s == NVMX_STATUS_OK && v->ept.root != r) {
		nvmx_ept_pin(r);
		nvmx_ept_unpin(&c, v->ept.root);
		v->ept.root = r;
	}
	/* Each VM entry frees a little of what INVEPT retired. */
	nvmx_ept_reclaim(&c, RECLAIM_PER_ENTRY);
	nvmx_ept_commit(&c);
	NVMX_CHECK(s);
	v->ept.eptp12 = eptp12;
	*eptp02 = nvmx_ept_eptp02(v->vm, r);
	return NVMX_STATUS_OK;
}

enum nvmx_status nvmx_ept_root(struct nvmx_vcpu *v, uint64_t eptp12, uint64_t *eptp02)
{
	*eptp02 = 0;
	if (!nvmx_ept_eptp_valid(v->vm, eptp12))
		return NVMX_STATUS_INVALID_ARGUMENT;
	nvmx_vm_lock(v->vm);
	enum nvmx_status s = root_locked(v, eptp12, eptp02);
	nvmx_vm_unlock(v->vm);
	return s;
}

/* The root L2 faulted under: the VMCS12 one (*slot = -1), or, after L2
 * switched EPTPs with VMFUNC, the list root VMCS02's EPT pointer names
 * (*slot = its index). */
static struct nvmx_ept_sp *current_root(struct nvmx_vcpu *v, int *slot)
{
	*slot = -1;
	if (!v->ept.list_roots || !v->ept.root)
		return v->ept.root;
	uint64_t hpa = nvmx_vmcs02_read(v, NVMX_F_EPT_POINTER) & EPT_ADDR_MASK;
	if (hpa == v->ept.root->hpa)
		return v->ept.root;
	for (unsigned i = 0; i < EPT_ENTRIES; i++) {
		if (v->ept.list_roots[i] && v->ept.list_roots[i]->hpa == hpa) {
			*slot = (int)i;
			return v->ept.list_roots[i];
		}
	}
	return v->ept.root;
}

/*
 * L2 faulted under a root whose tree INVEPT retired (this vCPU has not
 * entered L2 since, or another vCPU's INVEPT retired it): move it to the
 * live root of the same key now, as the next VM entry would, and point
 * VMCS02 (and the EPTP-list entry L2 switched to) at it. The merge is told
 * that VMCS02's EPT pointer changed behind it.
 */
static enum nvmx_status refresh_root(struct ept_ctx *c, struct nvmx_vcpu *v, int slot,
                                     struct nvmx_ept_sp **root)
{
	struct nvmx_ept_sp *old = *root, *r = NULL;
	NVMX_CHECK(nvmx_ept_root_get(c, old->root, &r));
	nvmx_ept_pin(r);
	nvmx_ept_unpin(c, old);
	uint64_t eptp02 = nvmx_ept_eptp02(v->vm, r);
	if (slot < 0) {
		v->ept.root = r;
	} else {
		v->ept.list_roots[slot] = r;
		v->ept.list_va[slot] = eptp02;
	}
	/* A value VMCS12's EPTP is not: the next entry rewrites it
	 * (vmcs/sync.h). */
	nvmx_sync_vmcs02_diverge(v, NVMX_IDX_EPT_POINTER, eptp02);
	*root = r;
	return NVMX_STATUS_OK;
}

#define QUAL_LINEAR_VALID (1ull << 7)
#define QUAL_LINEAR_XLATE (1ull << 8)
#define QUAL_USER (1ull << 9)
#define QUAL_NMI_UNBLOCK (1ull << 12)

/* ---- the SDM's side of an EPT violation: no shadow state is touched ---- */

/* Walk flags from the hardware's exit qualification (SDM 28.2.1, Table
 * 28-7): bit 9 (user-mode linear address) is meaningful only with bits 7
 * and 8; bit 7 without bit 8 is an access to a guest paging structure. */
static unsigned walk_flags(bool mbec, uint64_t exit_qual)
{
	unsigned flags = mbec ? NVMX_EPT_WALK_MBEC : 0;
	if ((exit_qual & QUAL_LINEAR_VALID) && (exit_qual & QUAL_LINEAR_XLATE) &&
	    (exit_qual & QUAL_USER))
		flags |= NVMX_EPT_WALK_USER;
	if ((exit_qual & QUAL_LINEAR_VALID) && !(exit_qual & QUAL_LINEAR_XLATE))
		flags |= NVMX_EPT_WALK_GPAGING;
	return flags;
}

/* A walk that did not reach an allowed leaf: what L1 (or L0) gets. */
static void walk_outcome(const struct nvmx_vm *vm, const struct nvmx_ept_walk *w, bool mbec,
                         uint64_t exit_qual, struct nvmx_ept_outcome *out)
{
	switch (w->result) {
	case NVMX_EPT_WALK_VIOLATION: {
		/* SDM 28.2.1, Table 28-7. */
		uint64_t q = exit_qual & 7u;
		q |= (uint64_t)(w->rights & 7u) << 3;
		if (mbec && (w->rights & NVMX_EPT_UX))
			q |= 1ull << 6;
		q |= exit_qual & (QUAL_LINEAR_VALID | QUAL_LINEAR_XLATE | QUAL_NMI_UNBLOCK);
		if (ept_cap(vm) & NVMX_EPT_CAP_ADV_EXIT_INFO)
			q |= exit_qual & (7ull << 9);
		out->kind = NVMX_EPT_REFLECT_VIOLATION;
		out->exit_reason = NVMX_EXIT_REASON_EPT_VIOLATION;
		out->qualification = q;
		break;
	}
	case NVMX_EPT_WALK_MISCONFIG:
		out->kind = NVMX_EPT_REFLECT_MISCONFIG;
		out->exit_reason = NVMX_EXIT_REASON_EPT_MISCONFIG;
		break;
	case NVMX_EPT_WALK_UNBACKED:
		/* A table in memory L0 does not back: L0 decides (fault it in, or
		 * treat it as the MMIO access it is). */
		out->kind = NVMX_EPT_L0;
		out->l1_gpa = w->table_gpa[w->level - 1];
		break;
	default:
		out->kind = NVMX_EPT_RETRY;
		break;
	}
}

/* The EPT02 leaf composed from an allowed EPT12 walk and L0's mapping. */
struct leaf_plan {
	uint64_t leaf;
	uint64_t hpa_base;
	uint64_t size;
	unsigned level;
	uint8_t rights;
	uint8_t memtype;
};

static void compose_leaf(const struct nvmx_vm *vm, const struct nvmx_ept_walk *w,
                         const struct nvmx_l0_map *m, bool ad, uint64_t cap,
                         struct leaf_plan *p)
{
	/* Page size: the smaller of the two mappings, and one the hardware
	 * offers for EPT02. */
	uint64_t hw = ept_hw_cap(vm);
	uint64_t l1_page = w->l1_gpa & ~0xfffull;
	uint64_t s01 = m->page_size;
	if (s01 != (1ull << 30) && s01 != (2ull << 20))
		s01 = 4096;
	uint64_t size = w->page_size < s01 ? w->page_size : s01;
	if (size > cap)
		size = cap;
	if (size == (1ull << 30) && !(hw & NVMX_EPT_CAP_1GB))
		size = 2ull << 20;
	if (size == (2ull << 20) && !(hw & NVMX_EPT_CAP_2MB))
		size = 4096;
	uint64_t hpa_page = m->hpa & EPT_ADDR_MASK;
	uint64_t hpa_base = hpa_page - (l1_page & (size - 1));
	if (hpa_base & (size - 1)) {
		size = 4096;
		hpa_base = hpa_page;
	}
	unsigned level = size == 4096 ? 1u : size == (2ull << 20) ? 2u : 3u;

	/* Rights: EPT12 (AND over its walk) intersected with EPT01. With EPT
	 * A/D, write stays off until the EPT12 leaf is dirty, so that the first
	 * write comes back here to set the dirty flag (SDM 29.3.5). */
	uint64_t r = w->rights & 7u & m->rights;
	if ((w->rights & NVMX_EPT_UX) && (m->rights & NVMX_ACCESS_EXEC))
		r |= EPT_UX;
	if (ad && !(w->entry[w->level - 1] & EPT_D))
		r &= ~(uint64_t)NVMX_EPT_W;
	if ((r & NVMX_EPT_W) && !(r & NVMX_EPT_R))
		r &= ~(uint64_t)NVMX_EPT_W;
	uint8_t mt = nvmx_ept_memtype_combine(w->memtype, m->memtype);
	p->leaf = hpa_base | r | ((uint64_t)mt << EPT_MT_SHIFT) | (w->ipat ? EPT_IPAT : 0) |
	          (level > 1 ? EPT_LARGE : 0);
	p->hpa_base = hpa_base;
	p->size = size;
	p->level = level;
	p->rights = (uint8_t)(r & 7u);
	p->memtype = mt;
}

/* ---- the cache's side: install under the VM lock ---- */

static enum nvmx_status install_locked(struct nvmx_vcpu *v, uint64_t seq, uint64_t key,
                                       const struct nvmx_ept_walk *w, uint64_t l2_gpa,
                                       const struct leaf_plan *p, bool *retry)
{
	struct nvmx_vm *vm = v->vm;
	struct ept_ctx c = { vm, v->host };
	*retry = false;
	vm->ept.epoch++;
	nvmx_ept_reclaim(&c, RECLAIM_PER_FAULT);
	int slot;
	struct nvmx_ept_sp *root = current_root(v, &slot);
	enum nvmx_status s = NVMX_STATUS_OK;
	if (!root) {
		s = NVMX_STATUS_WRONG_STATE;
	} else if (root->root != key || nvmx_atomic_load(&vm->ept.inval_seq) != seq) {
		/* What we walked may be stale: let L2 fault again. */
		*retry = true;
	} else {
		if (!nvmx_ept_tree_live(vm, root->tree))
			s = refresh_root(&c, v, slot, &root);
		if (s == NVMX_STATUS_OK)
			s = nvmx_ept_install(&c, root, w, l2_gpa, p->level, p->leaf);
	}
	nvmx_ept_commit(&c);
	return s;
}

static uint64_t fault_begin(struct nvmx_vcpu *v, uint64_t *key, bool *have_root)
{
	struct nvmx_vm *vm = v->vm;
	nvmx_vm_lock(vm);
	int slot;
	struct nvmx_ept_sp *root = current_root(v, &slot);
	*have_root = root != NULL;
	*key = root ? root->root : 0;
	vm->ept.stats[ST_FAULTS]++;
	uint64_t seq = nvmx_atomic_load(&vm->ept.inval_seq);
	nvmx_vm_unlock(vm);
	return seq;
}

/*
 * The EPT01 side of a fault the EPT12 walk allowed: how L0 backs L1's page
 * and whether L0's rights allow the access (with EPT A/D, guest
 * paging-structure accesses count as writes, SDM 29.3.3.2). *l0s is set
 * (and *out filled) when the fault is L0's own.
 */
static enum nvmx_status l0_backing(struct nvmx_vcpu *v, const struct nvmx_ept_walk *w, bool ad,
                                   unsigned access, unsigned flags, struct nvmx_l0_map *m,
                                   struct nvmx_ept_outcome *out, bool *l0s)
{
	struct nvmx_vm *vm = v->vm;
	*l0s = true;
	nvmx_memset(m, 0, sizeof(*m));
	enum nvmx_status s = nvmx_host_gpa_to_hpa(&vm->ops, v->host, w->l1_gpa & ~0xfffull, m);
	if (s == NVMX_STATUS_NOT_MAPPED) {
		out->kind = NVMX_EPT_L0;
		out->reason = NVMX_REASON_EPT01_NOT_MAPPED;
		return NVMX_STATUS_OK;
	}
	if (s != NVMX_STATUS_OK)
		return NVMX_STATUS_HOST_FAILURE;
	unsigned need = access;
	if (ad && (flags & NVMX_EPT_WALK_GPAGING))
		need |= NVMX_ACCESS_WRITE;
	if (need & ~m->rights) {
		out->kind = NVMX_EPT_L0;
		out->reason = NVMX_REASON_EPT01_RIGHTS;
		return NVMX_STATUS_OK;
	}
	*l0s = false;
	return NVMX_STATUS_OK;
}

enum nvmx_status nvmx_ept_fault(struct nvmx_vcpu *v, uint64_t l2_gpa, uint64_t exit_qual,
                                uint64_t guest_linear, struct nvmx_ept_outcome *out)
{
	struct nvmx_vm *vm = v->vm;
	nvmx_memset(out, 0, sizeof(*out));
	out->l2_gpa = l2_gpa;
	out->guest_linear = guest_linear;
	uint64_t key;
	bool have_root;
	uint64_t seq = fault_begin(v, &key, &have_root);
	if (!have_root)
		return NVMX_STATUS_WRONG_STATE;
	bool mbec = (key & 1u) != 0;
	uint64_t eptp12 = key & ~1ull;
	unsigned access = (unsigned)(exit_qual & 7u);
	unsigned flags = walk_flags(mbec, exit_qual);

	struct nvmx_ept_walk w;
	NVMX_CHECK(nvmx_ept12_walk(v, eptp12, l2_gpa, access, flags, &w));
	out->reason = w.reason;
	if (w.result != NVMX_EPT_WALK_OK) {
		walk_outcome(vm, &w, mbec, exit_qual, out);
		goto done;
	}

	out->l1_gpa = w.l1_gpa;
	struct nvmx_l0_map m;
	bool ad = (eptp12 & (1u << 6)) && (ept_cap(vm) & NVMX_EPT_CAP_AD);
	bool l0s;
	NVMX_CHECK(l0_backing(v, &w, ad, access, flags, &m, out, &l0s));
	if (l0s)
		goto done;

	/* NVMX_L0_EMULATE_APIC_VIRT: L1's APIC-access page stays out of EPT02,
	 * and no large leaf covers it (apic/emulate.c). */
	uint64_t cap = 1ull << 30;
	if (nvmx_apic_ept_withhold(v, w.l1_gpa, &cap)) {
		out->kind = NVMX_EPT_L0;
		out->reason = NVMX_REASON_APIC_ACCESS_EMULATED;
		goto done;
	}
	struct leaf_plan p;
	compose_leaf(vm, &w, &m, ad, cap, &p);
	bool retry;
	nvmx_vm_lock(vm);
	enum nvmx_status s = install_locked(v, seq, key, &w, l2_gpa, &p, &retry);
	nvmx_vm_unlock(vm);
	if (s != NVMX_STATUS_OK)
		return s;
	if (retry) {
		out->kind = NVMX_EPT_RETRY;
		out->reason = NVMX_REASON_EPT_INVALIDATED;
		goto done;
	}
	out->kind = NVMX_EPT_MAPPED;
	out->reason = NVMX_REASON_EPT_MAPPED;
	out->hpa = p.hpa_base + (l2_gpa & (p.size - 1));
	out->page_size = p.size;
	out->rights = p.rights;
	out->memtype = p.memtype;
done:
	nvmx_trace(v, NVMX_TRACE_EPT, out->reason, l2_gpa, out->kind);
	return NVMX_STATUS_OK;
}

static enum nvmx_status list_locked(struct nvmx_vcpu *v, uint64_t list12_gpa)
{
	struct nvmx_vm *vm = v->vm;
	struct ept_ctx c = { vm, v->host };
	list_unpin(&c, v);
	uint64_t *list = v->ept.list_va;
	/* Read L1's list into the host page, then replace each entry in place;
	 * any failure leaves the page all zero (every VMFUNC then exits). */
	enum nvmx_status s = nvmx_gpa_read(v, list12_gpa & EPT_ADDR_MASK, list, 4096);
	if (s != NVMX_STATUS_OK) {
		nvmx_memset(list, 0, 4096);
		return s == NVMX_STATUS_NOT_MAPPED ? s : NVMX_STATUS_HOST_FAILURE;
	}
	vm->ept.epoch++;
	bool mbec = l2_mbec(v);
	for (unsigned i = 0; i < EPT_ENTRIES && s == NVMX_STATUS_OK; i++) {
		uint64_t e12 = list[i];
		list[i] = 0;
		if (!nvmx_ept_eptp_valid(vm, e12))
			continue;
		struct nvmx_ept_sp *r = NULL;
		s = nvmx_ept_root_get(&c, ept_root_key(e12, mbec), &r);
		if (s != NVMX_STATUS_OK)
			break;
		nvmx_ept_pin(r);
		v->ept.list_roots[i] = r;
		list[i] = nvmx_ept_eptp02(vm, r);
	}
	if (s != NVMX_STATUS_OK) {
		list_unpin(&c, v);
		nvmx_memset(list, 0, 4096);
	}
	nvmx_ept_commit(&c);
	return s;
}

enum nvmx_status nvmx_ept_eptp_list(struct nvmx_vcpu *v, uint64_t list12_gpa,
                                    uint64_t *list02_hpa)
{
	struct nvmx_vm *vm = v->vm;
	*list02_hpa = 0;
	if (!v->ept.list_va) {
		void *va = NULL;
		uint64_t hpa = 0;
		enum nvmx_status s = nvmx_host_page_alloc(&vm->ops, v->host, &va, &hpa);
		if (s != NVMX_STATUS_OK)
			return s == NVMX_STATUS_NO_MEMORY ? s : NVMX_STATUS_HOST_FAILURE;
		v->ept.list_roots = nvmx_vm_alloc(vm, sizeof(*v->ept.list_roots) * EPT_ENTRIES);
		if (!v->ept.list_roots) {
			nvmx_host_page_free(&vm->ops, v->host, va, hpa);
			return NVMX_STATUS_NO_MEMORY;
		}
		nvmx_memset(v->ept.list_roots, 0, sizeof(*v->ept.list_roots) * EPT_ENTRIES);
		v->ept.list_va = va;
		v->ept.list_hpa = hpa;
	}
	nvmx_vm_lock(vm);
	enum nvmx_status s = list_locked(v, list12_gpa);
	nvmx_vm_unlock(vm);
	NVMX_CHECK(s);
	*list02_hpa = v->ept.list_hpa;
	return NVMX_STATUS_OK;
}

NVMX_EXPORT void nvmx_vm_get_ept_stats(const struct nvmx_vm *vm, struct nvmx_ept_stats *st)
{
	nvmx_memset(st, 0, sizeof(*st));
	struct nvmx_vm *mvm = (struct nvmx_vm *)(uintptr_t)vm;  /* the lock only */
	nvmx_vm_lock(mvm);
	const struct nvmx_ept_vm *e = &vm->ept;
	st->pages = e->nsp;
	st->pages_peak = e->stats[ST_PEAK];
	st->budget_pages = e->budget_pages;
	st->evictions = e->stats[ST_EVICTIONS];
	st->faults = e->stats[ST_FAULTS];
	st->installs = e->stats[ST_INSTALLS];
	st->rmap_entries = e->stats[ST_RMAP];
	st->hw_invept = e->stats[ST_INVEPT];
	st->pages_reclaimed = e->stats[ST_RECLAIMED];
	st->trees_retired = e->stats[ST_OBSOLETED];
	nvmx_vm_unlock(mvm);
}
