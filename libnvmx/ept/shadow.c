/* SPDX-License-Identifier: MIT */
/*
 * EPT02 tables: shadow trees, the shadow-page cache, its budget, installing
 * leaves, and the lazy reclaim of retired trees.
 *
 * A shadow page shadows one EPT12 table, keyed by (tree, L1 GPA of the
 * EPT12 table, level) in an xxHash table, so that every path reaching the
 * same EPT12 table (and every switch back to an EPTP12 seen before) reuses
 * it. A tree holds the pages built under one root key. A page's contents
 * depend only on its EPT12 table and on EPT01, never on the path, which is
 * what makes sharing sound: non-leaf EPT02 entries carry the EPT12 entry's
 * rights and the hardware ANDs them along the walk as it does for EPT12
 * (SDM 29.3.3.2). Split pages (role SP_ROLE_SPLIT) break an EPT12 large
 * page that EPT01 maps with smaller pages; they hang off one parent entry
 * and are not shared.
 *
 * Invalidation in O(1): INVEPT retires trees (unlinks them from the key
 * hash, or bumps the generation every live tree carries) without touching a
 * page. A retired tree is unreachable by lookups, so nothing new is built in
 * it; the vCPU that runs on its root switches to a fresh root at its next
 * VM entry or EPT violation. Its pages are freed a few per operation
 * (nvmx_ept_reclaim) or when the budget needs room, always after the
 * hardware INVEPT of the root's EPTP02: a page the hardware may have walked
 * is only handed back after the flush that makes it forget it
 * (nvmx_ept_commit).
 */
#include "ept_int.h"
#include <xxhash.h>

/* ---- lists ---- */

static void dl_init(struct nvmx_ept_dl *h)
{
	h->prev = h->next = h;
}

static bool dl_empty(const struct nvmx_ept_dl *h)
{
	return h->next == h;
}

static void dl_del(struct nvmx_ept_dl *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	n->prev = n->next = n;
}

static void dl_add_tail(struct nvmx_ept_dl *h, struct nvmx_ept_dl *n)
{
	n->prev = h->prev;
	n->next = h;
	h->prev->next = n;
	h->prev = n;
}

/* Move every node of `from` to the end of `to`: O(1). */
static void dl_splice_tail(struct nvmx_ept_dl *to, struct nvmx_ept_dl *from)
{
	if (dl_empty(from))
		return;
	struct nvmx_ept_dl *first = from->next, *last = from->prev;
	first->prev = to->prev;
	to->prev->next = first;
	last->next = to;
	to->prev = last;
	dl_init(from);
}

static struct nvmx_ept_tree *tree_of(struct nvmx_ept_dl *n)
{
	return (struct nvmx_ept_tree *)(void *)n;  /* node is the first member */
}

/* ---- hashes ---- */

static uint32_t key_bucket(const struct nvmx_vm *vm, const struct nvmx_ept_tree *t,
                           uint64_t gpa12, unsigned level)
{
	uint64_t k[3] = { (uint64_t)(uintptr_t)t, gpa12, level };
	return (uint32_t)XXH3_64bits(k, sizeof(k)) & vm->ept.hash_mask;
}

static uint32_t gpa_bucket(const struct nvmx_vm *vm, uint64_t gpa12)
{
	return (uint32_t)XXH3_64bits(&gpa12, sizeof(gpa12)) & vm->ept.hash_mask;
}

/* By EPTRTA only: the (up to 8) root keys of one EPTP12 address share a
 * bucket, so a single-context INVEPT reads one chain. */
static uint32_t tree_bucket(const struct nvmx_vm *vm, uint64_t key)
{
	uint64_t rta = key & EPT_ADDR_MASK;
	return (uint32_t)XXH3_64bits(&rta, sizeof(rta)) & vm->ept.hash_mask;
}

static struct nvmx_ept_sp *sp_find(struct nvmx_vm *vm, const struct nvmx_ept_tree *t,
                                   uint64_t gpa12, unsigned level)
{
	for (struct nvmx_ept_sp *sp = vm->ept.hash[key_bucket(vm, t, gpa12, level)]; sp;
	     sp = sp->hnext)
		if (sp->tree == t && sp->gpa12 == gpa12 && sp->level == level && sp->role == 0)
			return sp;
	return NULL;
}

struct nvmx_ept_sp *nvmx_ept_gpa_first(struct nvmx_vm *vm, uint64_t gpa12)
{
	for (struct nvmx_ept_sp *o = vm->ept.gpa_hash[gpa_bucket(vm, gpa12)]; o; o = o->gnext)
		if (o->gpa12 == gpa12)
			return o;
	return NULL;
}

bool nvmx_ept_gpa_shadowed(struct nvmx_vm *vm, uint64_t gpa12)
{
	return nvmx_ept_gpa_first(vm, gpa12) != NULL;
}

/* ---- trees ---- */

bool nvmx_ept_tree_live(const struct nvmx_vm *vm, const struct nvmx_ept_tree *t)
{
	return t->state == TREE_LIVE && t->gen == vm->ept.tree_gen;
}

/* Trees that an all-context INVEPT retired are still chained here; each
 * lookup that meets one unlinks it, so chains stay as short as the live
 * trees make them. */
struct nvmx_ept_tree *nvmx_ept_tree_find(struct nvmx_vm *vm, uint64_t key)
{
	struct nvmx_ept_tree **pp = &vm->ept.tree_hash[tree_bucket(vm, key)];
	while (*pp) {
		struct nvmx_ept_tree *t = *pp;
		if (!nvmx_ept_tree_live(vm, t)) {
			*pp = t->hnext;
			t->in_hash = false;
			continue;
		}
		if (t->key == key)
			return t;
		pp = &t->hnext;
	}
	return NULL;
}

static void tree_unhash(struct nvmx_vm *vm, struct nvmx_ept_tree *t)
{
	if (!t->in_hash)
		return;
	struct nvmx_ept_tree **pp = &vm->ept.tree_hash[tree_bucket(vm, t->key)];
	while (*pp && *pp != t)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = t->hnext;
	t->in_hash = false;
}

static struct nvmx_ept_tree *tree_new(struct nvmx_vm *vm, uint64_t key)
{
	struct nvmx_ept_vm *e = &vm->ept;
	struct nvmx_ept_tree *t = nvmx_vm_alloc(vm, sizeof(*t));
	if (!t)
		return NULL;
	nvmx_memset(t, 0, sizeof(*t));
	t->key = key;
	t->gen = e->tree_gen;
	t->state = TREE_LIVE;
	uint32_t b = tree_bucket(vm, key);
	t->hnext = e->tree_hash[b];
	e->tree_hash[b] = t;
	t->in_hash = true;
	dl_add_tail(&e->live, &t->node);
	e->nlive++;
	return t;
}

static void tree_free(struct nvmx_vm *vm, struct nvmx_ept_tree *t)
{
	if (nvmx_ept_tree_live(vm, t))
		vm->ept.nlive--;
	tree_unhash(vm, t);
	dl_del(&t->node);
	nvmx_vm_free(vm, t, sizeof(*t));
}

static void retire(struct nvmx_vm *vm, struct nvmx_ept_tree *t)
{
	struct nvmx_ept_vm *e = &vm->ept;
	dl_del(&t->node);
	t->state = TREE_OBSOLETE;
	dl_add_tail(&e->obsolete, &t->node);
	e->nlive--;
	e->stats[ST_OBSOLETED]++;
}

/* Single-context INVEPT: every tree whose root key has this EPTRTA goes
 * off the key hash and onto the obsolete list. One chain is read; no page
 * is visited. */
void nvmx_ept_retire_eptrta(struct nvmx_vm *vm, uint64_t eptp12)
{
	struct nvmx_ept_vm *e = &vm->ept;
	uint64_t rta = eptp12 & EPT_ADDR_MASK;
	struct nvmx_ept_tree **pp = &e->tree_hash[tree_bucket(vm, rta)];
	while (*pp) {
		struct nvmx_ept_tree *t = *pp;
		bool live = nvmx_ept_tree_live(vm, t);
		if (live && (t->key & EPT_ADDR_MASK) != rta) {
			pp = &t->hnext;
			continue;
		}
		/* This EPTRTA's, or retired by an all-context INVEPT already. */
		*pp = t->hnext;
		t->in_hash = false;
		if (live)
			retire(vm, t);
	}
}

/* All-context INVEPT: every live tree at once. The generation makes the
 * ones still in the key hash unreachable; the reclaimer unhashes them. */
void nvmx_ept_retire_all(struct nvmx_vm *vm)
{
	struct nvmx_ept_vm *e = &vm->ept;
	if (dl_empty(&e->live))
		return;
	e->tree_gen++;
	dl_splice_tail(&e->obsolete, &e->live);
	e->stats[ST_OBSOLETED] += e->nlive;
	e->nlive = 0;
}

uint64_t nvmx_ept_eptp02(const struct nvmx_vm *vm, const struct nvmx_ept_sp *root)
{
	uint64_t hw = ept_hw_cap(vm);
	uint64_t mt = (hw & NVMX_EPT_CAP_MT_WB) ? 6u : 0u;
	uint64_t eptp = root->hpa | mt | ((uint64_t)(root->level - 1u) << 3);
	/* EPT A/D on in EPTP02 when L1 asked for it: the hardware then treats
	 * guest paging-structure accesses as writes (SDM 29.3.3.2) and reports
	 * them so, as L1's hardware would. The flags it sets are in our pages. */
	if ((root->root & (1u << 6)) && (hw & NVMX_EPT_CAP_AD))
		eptp |= 1u << 6;
	return eptp;
}

/* ---- pages ---- */

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

static void flush_merge(struct ept_ctx *c, uint64_t eptp02)
{
	uint64_t *f = &c->vm->ept.flush_eptp02;
	if (*f == 0)
		*f = eptp02;
	else if (*f != eptp02)
		*f = ~0ull;
}

/*
 * An entry of sp changed in a way the hardware may have cached: the EPTP02
 * of sp's root must be invalidated before the operation ends, when the
 * hardware can still use it: the tree is live (its root can be handed out
 * again), or a vCPU pins the root. A retired tree nobody pins is flushed
 * once, when its root page is freed (nvmx_ept_sp_drop); a tree without a
 * root was flushed when the root went.
 */
static void note_flush(struct ept_ctx *c, struct nvmx_ept_sp *sp)
{
	struct nvmx_ept_sp *r = sp->tree->root;
	if (r && (r->pins || nvmx_ept_tree_live(c->vm, sp->tree)))
		flush_merge(c, nvmx_ept_eptp02(c->vm, r));
}

static bool slot_is_child(const struct nvmx_ept_sp *sp, unsigned idx)
{
	return (sp->is_child[idx / 64u] >> (idx % 64u)) & 1u;
}

static void unlink_parent(struct nvmx_vm *vm, struct nvmx_ept_sp *child,
                          struct nvmx_ept_sp *parent, unsigned idx)
{
	for (struct nvmx_ept_link **pl = &child->parents; *pl; pl = &(*pl)->next) {
		struct nvmx_ept_link *l = *pl;
		if (l->parent == parent && l->idx == idx) {
			*pl = l->next;
			nvmx_vm_free(vm, l, sizeof(*l));
			return;
		}
	}
}

void nvmx_ept_zap(struct ept_ctx *c, struct nvmx_ept_sp *sp, unsigned idx)
{
	void *s = sp->slot[idx];
	if (!s)
		return;
	if (slot_is_child(sp, idx)) {
		unlink_parent(c->vm, s, sp, idx);
		sp->is_child[idx / 64u] &= ~(1ull << (idx % 64u));
	} else {
		nvmx_ept_rmap_del(c->vm, s);
	}
	sp->slot[idx] = NULL;
	ept_set(sp, idx, 0);
	sp->npresent--;
	note_flush(c, sp);
}

void nvmx_ept_sp_drop(struct ept_ctx *c, struct nvmx_ept_sp *sp)
{
	struct nvmx_vm *vm = c->vm;
	struct nvmx_ept_vm *e = &vm->ept;
	struct nvmx_ept_tree *t = sp->tree;
	/* Unreachable from now on: clear every parent entry naming it. */
	while (sp->parents) {
		struct nvmx_ept_link *l = sp->parents;
		sp->parents = l->next;
		struct nvmx_ept_sp *p = l->parent;
		ept_set(p, l->idx, 0);
		p->slot[l->idx] = NULL;
		p->is_child[l->idx / 64u] &= ~(1ull << (l->idx % 64u));
		p->npresent--;
		note_flush(c, p);
		nvmx_vm_free(vm, l, sizeof(*l));
	}
	if (t->root == sp) {
		/* The hardware may hold translations tagged with this EPTP02,
		 * and the page may come back as another root: flush it. */
		flush_merge(c, nvmx_ept_eptp02(vm, sp));
		t->root = NULL;
	}
	/* Slots below the reclaim cursor are clear already (a retired tree
	 * gains no entries). */
	for (unsigned i = sp->cursor; i < EPT_ENTRIES; i++) {
		void *s = sp->slot[i];
		if (!s)
			continue;
		if (slot_is_child(sp, i))
			unlink_parent(vm, s, sp, i);
		else
			nvmx_ept_rmap_del(vm, s);
		sp->slot[i] = NULL;
	}
	nvmx_memset(sp->is_child, 0, sizeof(sp->is_child));
	sp->npresent = 0;
	if (sp->role == 0) {
		/* O(1) unlinks: retired pages can make a table GPA's chain long. */
		*sp->hpprev = sp->hnext;
		if (sp->hnext)
			sp->hnext->hpprev = sp->hpprev;
		*sp->gpprev = sp->gnext;
		if (sp->gnext)
			sp->gnext->gpprev = sp->gpprev;
		if (e->wp && !nvmx_ept_gpa_shadowed(vm, sp->gpa12))
			nvmx_host_l0_write_protect(&vm->ops, c->host, sp->gpa12, false);
	}
	/* Off the tree; a tree left without pages goes too, unless the
	 * operation in progress is building in it. */
	if (sp->tprev)
		sp->tprev->tnext = sp->tnext;
	else
		t->pages = sp->tnext;
	if (sp->tnext)
		sp->tnext->tprev = sp->tprev;
	sp->tprev = sp->tnext = NULL;
	if (!t->pages && t->epoch != e->epoch)
		tree_free(vm, t);
	sp->tree = NULL;
	lru_unlink(e, sp);
	e->nsp--;
	sp->pnext = e->pending;
	e->pending = sp;
}

void nvmx_ept_commit(struct ept_ctx *c)
{
	struct nvmx_vm *vm = c->vm;
	struct nvmx_ept_vm *e = &vm->ept;
	uint64_t f = e->flush_eptp02;
	if (f) {
		uint64_t hw = ept_hw_cap(vm);
		if (f != ~0ull && (hw & NVMX_EPT_CAP_INVEPT_SINGLE))
			nvmx_host_hw_invept(&vm->ops, c->host, 1, f);
		else
			nvmx_host_hw_invept(&vm->ops, c->host, 2, 0);
		e->stats[ST_INVEPT]++;
		e->flush_eptp02 = 0;
	}
	while (e->pending) {
		struct nvmx_ept_sp *sp = e->pending;
		e->pending = sp->pnext;
		nvmx_host_page_free(&vm->ops, c->host, sp->va, sp->hpa);
		nvmx_vm_free(vm, sp, sizeof(*sp));
	}
}

/*
 * Free retired trees, `slots` work units at a time: the root's entries are
 * cleared first and the root dropped (which queues the flush of its
 * EPTP02, done by nvmx_ept_commit before any page goes back), then the
 * other pages one by one. A page is consistent after every step, so the
 * reverse map, eviction and table invalidation may meet a half-cleared one.
 * Trees whose root is still pinned move to the zombie list until their
 * last unpin. Returns the pages dropped.
 */
unsigned nvmx_ept_reclaim(struct ept_ctx *c, unsigned slots)
{
	struct nvmx_ept_vm *e = &c->vm->ept;
	unsigned dropped = 0;
	/* The parking moves are bounded by the trees on the list. */
	while (slots && !dl_empty(&e->obsolete)) {
		struct nvmx_ept_tree *t = tree_of(e->obsolete.next);
		t->state = TREE_OBSOLETE;
		tree_unhash(c->vm, t);
		if (t->root && t->root->pins) {
			dl_del(&t->node);
			t->state = TREE_ZOMBIE;
			dl_add_tail(&e->zombie, &t->node);
			continue;
		}
		struct nvmx_ept_sp *sp = t->root ? t->root : t->pages;
		if (!sp) {
			tree_free(c->vm, t);
			continue;
		}
		/* An entry cleared costs 8 units (a free of its reverse-map node
		 * or parent link), an empty slot passed 1. */
		/* npresent ends the scan early; were it ever short, the drop
		 * clears whatever lies past the cursor. */
		for (; sp->cursor < EPT_ENTRIES && slots && sp->npresent; sp->cursor++) {
			unsigned cost = 1;
			if (sp->slot[sp->cursor]) {
				nvmx_ept_zap(c, sp, sp->cursor);
				cost = 8;
			}
			slots = slots > cost ? slots - cost : 0;
		}
		if (sp->cursor < EPT_ENTRIES && sp->npresent)
			break;
		t->epoch = 0;
		nvmx_ept_sp_drop(c, sp);
		e->stats[ST_RECLAIMED]++;
		dropped++;
		slots = slots ? slots - 1 : 0;
	}
	return dropped;
}

/* Evict the least recently used shadow page that is neither pinned nor on
 * the path of the current operation. */
static bool evict_one(struct ept_ctx *c)
{
	struct nvmx_ept_vm *e = &c->vm->ept;
	for (struct nvmx_ept_sp *sp = e->lru_tail; sp; sp = sp->lprev) {
		if (sp->pins || sp->epoch == e->epoch)
			continue;
		nvmx_ept_sp_drop(c, sp);
		e->stats[ST_EVICTIONS]++;
		return true;
	}
	return false;
}

/* Room for one more page: retired trees' pages go first, then the least
 * recently used live ones. */
static bool make_room(struct ept_ctx *c)
{
	while (!dl_empty(&c->vm->ept.obsolete))
		if (nvmx_ept_reclaim(c, 8u * EPT_ENTRIES + 1u))
			return true;
	return evict_one(c);
}

static enum nvmx_status sp_alloc(struct ept_ctx *c, struct nvmx_ept_tree *t, uint64_t gpa12,
                                 unsigned level, uint8_t role, struct nvmx_ept_sp **out)
{
	struct nvmx_vm *vm = c->vm;
	struct nvmx_ept_vm *e = &vm->ept;
	/* Every allocation also frees a little of what INVEPT retired, so
	 * that retired pages never pile up faster than they go. */
	nvmx_ept_reclaim(c, RECLAIM_PER_ALLOC);
	/* The budget bounds what a hostile L1 can make us hold. */
	while (e->nsp >= e->budget_pages)
		if (!make_room(c))
			return NVMX_STATUS_BUDGET_EXCEEDED;
	void *va = NULL;
	uint64_t hpa = 0;
	enum nvmx_status s = nvmx_host_page_alloc(&vm->ops, c->host, &va, &hpa);
	if (s == NVMX_STATUS_NO_MEMORY && make_room(c)) {
		nvmx_ept_commit(c);
		s = nvmx_host_page_alloc(&vm->ops, c->host, &va, &hpa);
	}
	if (s != NVMX_STATUS_OK)
		return s == NVMX_STATUS_NO_MEMORY ? s : NVMX_STATUS_HOST_FAILURE;
	struct nvmx_ept_sp *sp = nvmx_vm_alloc(vm, sizeof(*sp));
	if (!sp) {
		nvmx_host_page_free(&vm->ops, c->host, va, hpa);
		return NVMX_STATUS_NO_MEMORY;
	}
	nvmx_memset(sp, 0, sizeof(*sp));
	sp->va = va;
	sp->hpa = hpa;
	sp->root = t->key;
	sp->tree = t;
	sp->gpa12 = gpa12;
	sp->level = (uint8_t)level;
	sp->role = role;
	sp->epoch = e->epoch;
	sp->tnext = t->pages;
	if (t->pages)
		t->pages->tprev = sp;
	t->pages = sp;
	if (role == 0) {
		bool first = !nvmx_ept_gpa_shadowed(vm, gpa12);
		uint32_t b = key_bucket(vm, t, gpa12, level);
		sp->hnext = e->hash[b];
		sp->hpprev = &e->hash[b];
		if (sp->hnext)
			sp->hnext->hpprev = &sp->hnext;
		e->hash[b] = sp;
		b = gpa_bucket(vm, gpa12);
		sp->gnext = e->gpa_hash[b];
		sp->gpprev = &e->gpa_hash[b];
		if (sp->gnext)
			sp->gnext->gpprev = &sp->gnext;
		e->gpa_hash[b] = sp;
		/* Write-protect mode: L1's edits of this table page now fault to
		 * the host. A host that cannot protect leaves INVEPT as the rule. */
		if (e->wp && first) {
			(void)nvmx_host_l0_write_protect(&vm->ops, c->host, gpa12, true);
			/* EPT01 just lost write for this page, and the host cannot
			 * tell us from inside a callback: drop the EPT02 leaves that
			 * let L2 write it (they were built with EPT01's old rights). */
			nvmx_ept_rmap_zap_range(c, gpa12, 4096);
		}
	}
	lru_push(e, sp);
	e->nsp++;
	if (e->nsp > e->stats[ST_PEAK])
		e->stats[ST_PEAK] = e->nsp;
	*out = sp;
	return NVMX_STATUS_OK;
}

enum nvmx_status nvmx_ept_root_get(struct ept_ctx *c, uint64_t key, struct nvmx_ept_sp **out)
{
	struct nvmx_vm *vm = c->vm;
	struct nvmx_ept_tree *t = nvmx_ept_tree_find(vm, key);
	if (!t && !(t = tree_new(vm, key)))
		return NVMX_STATUS_NO_MEMORY;
	t->epoch = vm->ept.epoch;
	if (!t->root) {
		struct nvmx_ept_sp *sp = NULL;
		enum nvmx_status s = sp_alloc(c, t, key & EPT_ADDR_MASK, ept_levels_of(key), 0, &sp);
		if (s != NVMX_STATUS_OK) {
			if (!t->pages)
				tree_free(vm, t);
			return s;
		}
		t->root = sp;
	}
	t->root->epoch = vm->ept.epoch;
	lru_touch(&vm->ept, t->root);
	*out = t->root;
	return NVMX_STATUS_OK;
}

void nvmx_ept_pin(struct nvmx_ept_sp *sp)
{
	sp->pins++;
}

/* The last unpin of a zombie's root makes the tree reclaimable. */
void nvmx_ept_unpin(struct ept_ctx *c, struct nvmx_ept_sp *sp)
{
	if (!sp || !sp->pins)
		return;
	if (--sp->pins == 0 && sp->tree->state == TREE_ZOMBIE) {
		struct nvmx_ept_tree *t = sp->tree;
		dl_del(&t->node);
		t->state = TREE_OBSOLETE;
		dl_add_tail(&c->vm->ept.obsolete, &t->node);
	}
}

static enum nvmx_status link_child(struct ept_ctx *c, struct nvmx_ept_sp *p, unsigned idx,
                                   struct nvmx_ept_sp *child, uint64_t rights)
{
	struct nvmx_ept_link *l = nvmx_vm_alloc(c->vm, sizeof(*l));
	if (!l)
		return NVMX_STATUS_NO_MEMORY;
	l->parent = p;
	l->idx = (uint16_t)idx;
	l->next = child->parents;
	child->parents = l;
	p->slot[idx] = child;
	p->is_child[idx / 64u] |= 1ull << (idx % 64u);
	ept_set(p, idx, child->hpa | rights);
	p->npresent++;
	return NVMX_STATUS_OK;
}

static unsigned index_of(uint64_t gpa, unsigned level)
{
	return (unsigned)(gpa >> (12u + 9u * (level - 1u))) & 511u;
}

enum nvmx_status nvmx_ept_install(struct ept_ctx *c, struct nvmx_ept_sp *root,
                                  const struct nvmx_ept_walk *w, uint64_t l2_gpa,
                                  unsigned leaf_level, uint64_t leaf)
{
	struct nvmx_vm *vm = c->vm;
	struct nvmx_ept_vm *e = &vm->ept;
	struct nvmx_ept_tree *t = root->tree;
	uint64_t all = 7u | ((root->root & 1u) ? EPT_UX : 0);
	struct nvmx_ept_sp *sp = root;
	root->epoch = e->epoch;
	t->epoch = e->epoch;
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
			uint64_t have = ept_get(sp, idx) & ~(EPT_A | EPT_D);
			if (have != want) {
				if (have & ~want)
					note_flush(c, sp);  /* rights taken away */
				ept_set(sp, idx, want);
			}
		} else {
			if (role == 0)
				child = sp_find(vm, t, cgpa, lvl - 1u);
			if (child)
				child->epoch = e->epoch;
			nvmx_ept_zap(c, sp, idx);
			if (!child)
				NVMX_CHECK(sp_alloc(c, t, cgpa, lvl - 1u, role, &child));
			NVMX_CHECK(link_child(c, sp, idx, child, rights));
		}
		lru_touch(e, child);
		sp = child;
	}
	unsigned idx = index_of(l2_gpa, leaf_level);
	if (slot_is_child(sp, idx)) {
		nvmx_ept_zap(c, sp, idx);
	} else if (sp->slot[idx]) {
		uint64_t old = ept_get(sp, idx);
		/* Fewer rights or another page: the hardware may hold the old one.
		 * More rights need no flush (an EPT violation invalidates the
		 * faulting translation, SDM 29.4.3.3 style). */
		if ((old & ~leaf & (7u | EPT_UX)) || ((old ^ leaf) & ~(7ull | EPT_UX | EPT_A | EPT_D)))
			note_flush(c, sp);
		nvmx_ept_rmap_del(vm, sp->slot[idx]);
		sp->slot[idx] = NULL;
		ept_set(sp, idx, 0);
		sp->npresent--;
	}
	uint64_t size = 1ull << (12u + 9u * (leaf_level - 1u));
	uint64_t l1_base = (w->l1_gpa & ~(size - 1));
	NVMX_CHECK(nvmx_ept_rmap_add(c, sp, idx, l1_base, leaf_level));
	ept_set(sp, idx, leaf);
	sp->npresent++;
	e->stats[ST_INSTALLS]++;
	return NVMX_STATUS_OK;
}

/* ---- set-up ---- */

enum nvmx_status nvmx_ept_shadow_init(struct nvmx_vm *vm, uint32_t nbuckets)
{
	struct nvmx_ept_vm *e = &vm->ept;
	e->hash_mask = nbuckets - 1u;
	dl_init(&e->live);
	dl_init(&e->obsolete);
	dl_init(&e->zombie);
	e->tree_gen = 1;
	size_t sz = sizeof(void *) * nbuckets;
	e->hash = nvmx_vm_alloc(vm, sz);
	e->gpa_hash = nvmx_vm_alloc(vm, sz);
	e->tree_hash = nvmx_vm_alloc(vm, sz);
	if (!e->hash || !e->gpa_hash || !e->tree_hash) {
		nvmx_ept_shadow_fini(vm);
		return NVMX_STATUS_NO_MEMORY;
	}
	nvmx_memset(e->hash, 0, sz);
	nvmx_memset(e->gpa_hash, 0, sz);
	nvmx_memset(e->tree_hash, 0, sz);
	return NVMX_STATUS_OK;
}

/* Every page and tree goes (no vCPU is left to pin a root). */
void nvmx_ept_shadow_fini(struct nvmx_vm *vm)
{
	struct nvmx_ept_vm *e = &vm->ept;
	struct ept_ctx c = { vm, vm->host };
	e->epoch++;
	while (e->lru_head) {
		e->lru_head->pins = 0;
		nvmx_ept_sp_drop(&c, e->lru_head);
	}
	nvmx_ept_commit(&c);
	struct nvmx_ept_dl *lists[3] = { &e->live, &e->obsolete, &e->zombie };
	for (unsigned i = 0; i < 3; i++)
		while (lists[i]->next && !dl_empty(lists[i]))
			tree_free(vm, tree_of(lists[i]->next));
	size_t sz = sizeof(void *) * (e->hash_mask + 1u);
	nvmx_vm_free(vm, e->hash, sz);
	nvmx_vm_free(vm, e->gpa_hash, sz);
	nvmx_vm_free(vm, e->tree_hash, sz);
	e->hash = e->gpa_hash = NULL;
	e->tree_hash = NULL;
}
