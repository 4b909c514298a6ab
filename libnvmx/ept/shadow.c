/* SPDX-License-Identifier: MIT */
/*
 * EPT02 tables: the shadow-page cache, its budget, and installing leaves.
 *
 * A shadow page shadows one EPT12 table, keyed by (root key, L1 GPA of the
 * EPT12 table, level) in an xxHash table, so that every path reaching the
 * same EPT12 table (and every switch back to an EPTP12 seen before) reuses
 * it. Its contents depend only on that table and on EPT01, never on the path,
 * which is what makes sharing sound: non-leaf EPT02 entries carry the EPT12
 * entry's rights and the hardware ANDs them along the walk as it does for
 * EPT12 (SDM 30.3.3.2). Split pages (role SP_ROLE_SPLIT) break an EPT12
 * large page that EPT01 maps with smaller pages; they hang off one parent
 * entry and are not shared.
 *
 * Freeing: a page that was reachable from a root the hardware may have used
 * is only handed back to the host after the INVEPT that makes the hardware
 * forget it (ept_commit).
 */
#include "ept_int.h"
#include <xxhash.h>

static uint32_t key_bucket(const struct nvmx_vm *vm, uint64_t root, uint64_t gpa12,
                           unsigned level)
{
	uint64_t k[3] = { root, gpa12, level };
	return (uint32_t)XXH3_64bits(k, sizeof(k)) & vm->ept.hash_mask;
}

static uint32_t gpa_bucket(const struct nvmx_vm *vm, uint64_t gpa12)
{
	return (uint32_t)XXH3_64bits(&gpa12, sizeof(gpa12)) & vm->ept.hash_mask;
}

struct nvmx_ept_sp *ept_sp_find(struct nvmx_vm *vm, uint64_t root, uint64_t gpa12,
                                unsigned level)
{
	for (struct nvmx_ept_sp *sp = vm->ept.hash[key_bucket(vm, root, gpa12, level)]; sp;
	     sp = sp->hnext)
		if (sp->root == root && sp->gpa12 == gpa12 && sp->level == level)
			return sp;
	return NULL;
}

struct nvmx_ept_sp *ept_root_find(struct nvmx_vm *vm, uint64_t root)
{
	return ept_sp_find(vm, root, root & EPT_ADDR_MASK, ept_levels_of(root));
}

uint64_t ept_eptp02(const struct nvmx_vm *vm, const struct nvmx_ept_sp *root)
{
	uint64_t hw = ept_hw_cap(vm);
	uint64_t mt = (hw & NVMX_EPT_CAP_MT_WB) ? 6u : 0u;
	uint64_t eptp = root->hpa | mt | ((uint64_t)(root->level - 1u) << 3);
	/* EPT A/D on in EPTP02 when L1 asked for it: the hardware then treats
	 * guest paging-structure accesses as writes (SDM 30.3.3.2) and reports
	 * them so, as L1's hardware would. The flags it sets are in our pages. */
	if ((root->root & (1u << 6)) && (hw & NVMX_EPT_CAP_AD))
		eptp |= 1u << 6;
	return eptp;
}

static void lru_unlink(struct nvmx_ept_vm *e, struct nvmx_ept_sp *sp)
{
	if (sp->lprev)
		sp->lprev->lnext = sp->lnext;
	else
		e->lru_head = sp->lnext;
	if (sp->lnext)
		sp->lnext->lprev = sp->lprev;
	else
		e->lru_tail = sp->lprev;
	sp->lprev = sp->lnext = NULL;
}

static void lru_push(struct nvmx_ept_vm *e, struct nvmx_ept_sp *sp)
{
	sp->lprev = NULL;
	sp->lnext = e->lru_head;
	if (e->lru_head)
		e->lru_head->lprev = sp;
	e->lru_head = sp;
	if (!e->lru_tail)
		e->lru_tail = sp;
}

static void lru_touch(struct nvmx_ept_vm *e, struct nvmx_ept_sp *sp)
{
	if (e->lru_head != sp) {
		lru_unlink(e, sp);
		lru_push(e, sp);
	}
}

static bool gpa_shadowed(struct nvmx_vm *vm, uint64_t gpa12)
{
	for (struct nvmx_ept_sp *o = vm->ept.gpa_hash[gpa_bucket(vm, gpa12)]; o; o = o->gnext)
		if (o->gpa12 == gpa12)
			return true;
	return false;
}

static void flush_merge(struct ept_ctx *c, uint64_t eptp02)
{
	uint64_t *f = &c->vm->ept.flush_eptp02;
	if (*f == 0)
		*f = eptp02;
	else if (*f != eptp02)
		*f = ~0ull;
}

/* An entry of sp changed in a way the hardware may have cached: the EPTP02
 * of sp's root (if that root is alive; a dead root was flushed when it
 * died) must be invalidated before the operation ends. */
static void note_flush(struct ept_ctx *c, struct nvmx_ept_sp *sp)
{
	if (!c->nf_valid || c->nf_key != sp->root) {
		struct nvmx_ept_sp *r = ept_root_find(c->vm, sp->root);
		c->nf_key = sp->root;
		c->nf_eptp02 = r ? ept_eptp02(c->vm, r) : 0;
		c->nf_valid = true;
	}
	if (c->nf_eptp02)
		flush_merge(c, c->nf_eptp02);
}

static bool slot_is_child(const struct nvmx_ept_sp *sp, unsigned idx)
{
	return (sp->is_child[idx / 64u] >> (idx % 64u)) & 1u;
}

static void unlink_parent(struct nvmx_vm *vm, struct nvmx_ept_sp *child,
                          struct nvmx_ept_sp *parent, unsigned idx)
{
	for (struct ept_link **pl = &child->parents; *pl; pl = &(*pl)->next) {
		struct ept_link *l = *pl;
		if (l->parent == parent && l->idx == idx) {
			*pl = l->next;
			nvmx_vm_free(vm, l, sizeof(*l));
			return;
		}
	}
}

void ept_zap(struct ept_ctx *c, struct nvmx_ept_sp *sp, unsigned idx)
{
	void *s = sp->slot[idx];
	if (!s)
		return;
	if (slot_is_child(sp, idx)) {
		unlink_parent(c->vm, s, sp, idx);
		sp->is_child[idx / 64u] &= ~(1ull << (idx % 64u));
	} else {
		ept_rmap_del(c->vm, s);
	}
	sp->slot[idx] = NULL;
	sp->va[idx] = 0;
	sp->npresent--;
	note_flush(c, sp);
}

static bool is_root(const struct nvmx_ept_sp *sp)
{
	return sp->role == 0 && sp->level == ept_levels_of(sp->root) &&
	       sp->gpa12 == (sp->root & EPT_ADDR_MASK);
}

void ept_sp_drop(struct ept_ctx *c, struct nvmx_ept_sp *sp)
{
	struct nvmx_vm *vm = c->vm;
	struct nvmx_ept_vm *e = &vm->ept;
	/* Unreachable from now on: clear every parent entry naming it. */
	while (sp->parents) {
		struct ept_link *l = sp->parents;
		sp->parents = l->next;
		struct nvmx_ept_sp *p = l->parent;
		p->va[l->idx] = 0;
		p->slot[l->idx] = NULL;
		p->is_child[l->idx / 64u] &= ~(1ull << (l->idx % 64u));
		p->npresent--;
		note_flush(c, p);
		nvmx_vm_free(vm, l, sizeof(*l));
	}
	if (is_root(sp)) {
		flush_merge(c, ept_eptp02(vm, sp));
		c->nf_valid = false;
	}
	for (unsigned i = 0; i < EPT_ENTRIES; i++) {
		void *s = sp->slot[i];
		if (!s)
			continue;
		if (slot_is_child(sp, i))
			unlink_parent(vm, s, sp, i);
		else
			ept_rmap_del(vm, s);
		sp->slot[i] = NULL;
	}
	sp->is_child[0] = sp->is_child[1] = sp->is_child[2] = sp->is_child[3] = 0;
	sp->is_child[4] = sp->is_child[5] = sp->is_child[6] = sp->is_child[7] = 0;
	sp->npresent = 0;
	if (sp->role == 0) {
		struct nvmx_ept_sp **pp = &e->hash[key_bucket(vm, sp->root, sp->gpa12, sp->level)];
		while (*pp && *pp != sp)
			pp = &(*pp)->hnext;
		if (*pp)
			*pp = sp->hnext;
		pp = &e->gpa_hash[gpa_bucket(vm, sp->gpa12)];
		while (*pp && *pp != sp)
			pp = &(*pp)->gnext;
		if (*pp)
			*pp = sp->gnext;
		if (e->wp && !gpa_shadowed(vm, sp->gpa12))
			vm->ops.l0_write_protect(c->host, sp->gpa12, false);
	}
	lru_unlink(e, sp);
	e->nsp--;
	sp->pnext = e->pending;
	e->pending = sp;
}

void ept_commit(struct ept_ctx *c)
{
	struct nvmx_vm *vm = c->vm;
	struct nvmx_ept_vm *e = &vm->ept;
	uint64_t f = e->flush_eptp02;
	if (f) {
		uint64_t hw = ept_hw_cap(vm);
		if (f != ~0ull && (hw & NVMX_EPT_CAP_INVEPT_SINGLE))
			vm->ops.hw_invept(c->host, 1, f);
		else
			vm->ops.hw_invept(c->host, 2, 0);
		e->stats[ST_INVEPT]++;
		e->generation++;
		e->flush_eptp02 = 0;
	}
	while (e->pending) {
		struct nvmx_ept_sp *sp = e->pending;
		e->pending = sp->pnext;
		vm->ops.page_free(c->host, sp->va, sp->hpa);
		nvmx_vm_free(vm, sp, sizeof(*sp));
	}
}

/* Evict the least recently used shadow page that is neither pinned nor on
 * the path of the current operation. */
static bool evict_one(struct ept_ctx *c)
{
	struct nvmx_ept_vm *e = &c->vm->ept;
	for (struct nvmx_ept_sp *sp = e->lru_tail; sp; sp = sp->lprev) {
		if (sp->pins || sp->epoch == e->epoch)
			continue;
		ept_sp_drop(c, sp);
		e->stats[ST_EVICTIONS]++;
		return true;
	}
	return false;
}

static enum nvmx_status sp_alloc(struct ept_ctx *c, uint64_t root, uint64_t gpa12, unsigned level,
                                 uint8_t role, struct nvmx_ept_sp **out)
{
	struct nvmx_vm *vm = c->vm;
	struct nvmx_ept_vm *e = &vm->ept;
	/* The budget bounds what a hostile L1 can make us hold. */
	while (e->nsp >= e->budget_pages)
		if (!evict_one(c))
			return NVMX_STATUS_BUDGET_EXCEEDED;
	void *va = NULL;
	uint64_t hpa = 0;
	enum nvmx_status s = vm->ops.page_alloc(c->host, &va, &hpa);
	if (s == NVMX_STATUS_NO_MEMORY && evict_one(c)) {
		ept_commit(c);
		s = vm->ops.page_alloc(c->host, &va, &hpa);
	}
	if (s != NVMX_STATUS_OK)
		return s == NVMX_STATUS_NO_MEMORY ? s : NVMX_STATUS_HOST_FAILURE;
	struct nvmx_ept_sp *sp = nvmx_vm_alloc(vm, sizeof(*sp));
	if (!sp) {
		vm->ops.page_free(c->host, va, hpa);
		return NVMX_STATUS_NO_MEMORY;
	}
	nvmx_memset(sp, 0, sizeof(*sp));
	sp->va = va;
	sp->hpa = hpa;
	sp->root = root;
	sp->gpa12 = gpa12;
	sp->level = (uint8_t)level;
	sp->role = role;
	sp->epoch = e->epoch;
	if (role == 0) {
		bool first = !gpa_shadowed(vm, gpa12);
		uint32_t b = key_bucket(vm, root, gpa12, level);
		sp->hnext = e->hash[b];
		e->hash[b] = sp;
		b = gpa_bucket(vm, gpa12);
		sp->gnext = e->gpa_hash[b];
		e->gpa_hash[b] = sp;
		/* Write-protect mode: L1's edits of this table page now fault to
		 * the host. A host that cannot protect leaves INVEPT as the rule. */
		if (e->wp && first) {
			(void)vm->ops.l0_write_protect(c->host, gpa12, true);
			/* EPT01 just lost write for this page, and the host cannot
			 * tell us from inside a callback: drop the EPT02 leaves that
			 * let L2 write it (they were built with EPT01's old rights). */
			ept_rmap_zap_range(c, gpa12, 4096);
		}
	}
	lru_push(e, sp);
	e->nsp++;
	if (e->nsp > e->stats[ST_PEAK])
		e->stats[ST_PEAK] = e->nsp;
	*out = sp;
	return NVMX_STATUS_OK;
}

enum nvmx_status ept_root_get(struct ept_ctx *c, uint64_t root, struct nvmx_ept_sp **out)
{
	struct nvmx_ept_sp *sp = ept_root_find(c->vm, root);
	if (!sp) {
		NVMX_CHECK(sp_alloc(c, root, root & EPT_ADDR_MASK, ept_levels_of(root), 0, &sp));
		c->nf_valid = false;
	}
	sp->epoch = c->vm->ept.epoch;
	lru_touch(&c->vm->ept, sp);
	*out = sp;
	return NVMX_STATUS_OK;
}

void ept_pin(struct nvmx_ept_sp *sp)
{
	sp->pins++;
}

void ept_unpin(struct ept_ctx *c, struct nvmx_ept_sp *sp)
{
	NVMX_UNUSED(c);
	if (sp && sp->pins)
		sp->pins--;
}

static enum nvmx_status link_child(struct ept_ctx *c, struct nvmx_ept_sp *p, unsigned idx,
                                   struct nvmx_ept_sp *child, uint64_t rights)
{
	struct ept_link *l = nvmx_vm_alloc(c->vm, sizeof(*l));
	if (!l)
		return NVMX_STATUS_NO_MEMORY;
	l->parent = p;
	l->idx = (uint16_t)idx;
	l->next = child->parents;
	child->parents = l;
	p->slot[idx] = child;
	p->is_child[idx / 64u] |= 1ull << (idx % 64u);
	p->va[idx] = child->hpa | rights;
	p->npresent++;
	return NVMX_STATUS_OK;
}

static unsigned index_of(uint64_t gpa, unsigned level)
{
	return (unsigned)(gpa >> (12u + 9u * (level - 1u))) & 511u;
}

enum nvmx_status ept_install(struct ept_ctx *c, struct nvmx_ept_sp *root,
                             const struct nvmx_ept_walk *w, uint64_t l2_gpa,
                             unsigned leaf_level, uint64_t leaf)
{
	struct nvmx_vm *vm = c->vm;
	struct nvmx_ept_vm *e = &vm->ept;
	uint64_t all = 7u | ((root->root & 1u) ? EPT_UX : 0);
	struct nvmx_ept_sp *sp = root;
	root->epoch = e->epoch;
	lru_touch(e, root);
	for (unsigned lvl = root->level; lvl > leaf_level; lvl--) {
		unsigned idx = index_of(l2_gpa, lvl);
		/* EPT12 has a table below this level, or its leaf is being split. */
		bool table12 = lvl > w->level;
		uint64_t rights = table12 ? (w->entry[lvl - 1] & all) : all;
		uint64_t size = 1ull << (12u + 9u * (lvl - 1u));
		uint64_t cgpa = table12 ? w->table_gpa[lvl - 2] : (l2_gpa & ~(size - 1));
		uint8_t role = table12 ? 0 : SP_ROLE_SPLIT;
		struct nvmx_ept_sp *child = NULL;
		if (slot_is_child(sp, idx)) {
			struct nvmx_ept_sp *ch = sp->slot[idx];
			if (ch->role == role && ch->gpa12 == cgpa && ch->level == lvl - 1u)
				child = ch;
		}
		if (child) {
			child->epoch = e->epoch;
			/* The hardware's A/D flags in our entries do not count. */
			uint64_t want = child->hpa | rights;
			uint64_t have = sp->va[idx] & ~(EPT_A | EPT_D);
			if (have != want) {
				if (have & ~want)
					note_flush(c, sp);  /* rights taken away */
				sp->va[idx] = want;
			}
		} else {
			if (role == 0)
				child = ept_sp_find(vm, root->root, cgpa, lvl - 1u);
			if (child)
				child->epoch = e->epoch;
			ept_zap(c, sp, idx);
			if (!child)
				NVMX_CHECK(sp_alloc(c, root->root, cgpa, lvl - 1u, role, &child));
			NVMX_CHECK(link_child(c, sp, idx, child, rights));
		}
		lru_touch(e, child);
		sp = child;
	}
	unsigned idx = index_of(l2_gpa, leaf_level);
	if (slot_is_child(sp, idx)) {
		ept_zap(c, sp, idx);
	} else if (sp->slot[idx]) {
		uint64_t old = sp->va[idx];
		/* Fewer rights or another page: the hardware may hold the old one.
		 * More rights need no flush (an EPT violation invalidates the
		 * faulting translation, SDM 30.4.3.3 style). */
		if ((old & ~leaf & (7u | EPT_UX)) || ((old ^ leaf) & ~(7ull | EPT_UX | EPT_A | EPT_D)))
			note_flush(c, sp);
		ept_rmap_del(vm, sp->slot[idx]);
		sp->slot[idx] = NULL;
		sp->va[idx] = 0;
		sp->npresent--;
	}
	uint64_t size = 1ull << (12u + 9u * (leaf_level - 1u));
	uint64_t l1_base = (w->l1_gpa & ~(size - 1));
	NVMX_CHECK(ept_rmap_add(c, sp, idx, l1_base, leaf_level));
	sp->va[idx] = leaf;
	sp->npresent++;
	e->stats[ST_INSTALLS]++;
	return NVMX_STATUS_OK;
}
