/* SPDX-License-Identifier: MIT */
/*
 * The reverse map: for each EPT02 leaf, the L1 physical range it was built
 * from (aligned to the leaf size, with its level). When L0 changes EPT01 for
 * an L1 range, exactly the leaves built from it are dropped.
 */
#include "ept_int.h"
#include <xxhash.h>

static uint32_t bucket(const struct nvmx_vm *vm, uint64_t key)
{
	return (uint32_t)XXH3_64bits(&key, sizeof(key)) & vm->ept.rmap_mask;
}

enum nvmx_status nvmx_ept_rmap_add(struct ept_ctx *c, struct nvmx_ept_sp *sp, unsigned idx,
                              uint64_t l1_base, unsigned level)
{
	struct nvmx_vm *vm = c->vm;
	struct nvmx_ept_rmap *n = nvmx_vm_alloc(vm, sizeof(*n));
	if (!n)
		return NVMX_STATUS_NO_MEMORY;
	n->key = l1_base | level;
	n->sp = sp;
	n->idx = (uint16_t)idx;
	uint32_t b = bucket(vm, n->key);
	n->next = vm->ept.rmap[b];
	n->pprev = &vm->ept.rmap[b];
	if (n->next)
		n->next->pprev = &n->next;
	vm->ept.rmap[b] = n;
	sp->slot[idx] = n;
	vm->ept.stats[ST_RMAP]++;
	return NVMX_STATUS_OK;
}

void nvmx_ept_rmap_del(struct nvmx_vm *vm, struct nvmx_ept_rmap *n)
{
	*n->pprev = n->next;
	if (n->next)
		n->next->pprev = n->pprev;
	vm->ept.stats[ST_RMAP]--;
	nvmx_vm_free(vm, n, sizeof(*n));
}

static uint64_t level_size(unsigned level)
{
	return 1ull << (12u + 9u * (level - 1u));
}

/* Drop every leaf built from L1 memory overlapping [gpa, gpa + len). The
 * caller checked that the range does not wrap. */
void nvmx_ept_rmap_zap_range(struct ept_ctx *c, uint64_t gpa, uint64_t len)
{
	struct nvmx_vm *vm = c->vm;
	uint64_t end = gpa + len;
	/* Probing each aligned key costs one lookup per 4 KiB of the range;
	 * past the number of leaves held, a scan of the whole map is cheaper. */
	uint64_t probes = (len >> 12) + 2 * 3;
	if (probes > vm->ept.stats[ST_RMAP] + (uint64_t)vm->ept.rmap_mask + 1u) {
		for (uint64_t b = 0; b <= vm->ept.rmap_mask; b++) {
			struct nvmx_ept_rmap *n = vm->ept.rmap[b], *next;
			for (; n; n = next) {
				next = n->next;
				unsigned level = (unsigned)(n->key & 7u);
				uint64_t base = n->key & ~0xfffull;
				if (base < end && gpa < base + level_size(level))
					nvmx_ept_zap(c, n->sp, n->idx);
			}
		}
		return;
	}
	for (unsigned level = 1; level <= 3; level++) {
		uint64_t size = level_size(level);
		for (uint64_t base = gpa & ~(size - 1); base < end; base += size) {
			uint64_t key = base | level;
			struct nvmx_ept_rmap *n = vm->ept.rmap[bucket(vm, key)], *next;
			for (; n; n = next) {
				next = n->next;
				if (n->key == key)
					nvmx_ept_zap(c, n->sp, n->idx);
			}
			if (base + size < base)
				break;
		}
	}
}
