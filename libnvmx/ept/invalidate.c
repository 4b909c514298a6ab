/* SPDX-License-Identifier: MIT */
/*
 * Invalidation of the shadow EPT: INVEPT (SDM 30.4.3.1, INVEPT in chapter
 * 32), L0's changes to EPT01, and L1's writes to write-protected EPT12
 * table pages.
 */
#include "ept_int.h"

/* A root that a vCPU runs with (or an EPTP list names) is emptied in place;
 * every other shadow page is freed. */
static void drop_or_clear(struct ept_ctx *c, struct nvmx_ept_sp *sp)
{
	if (!sp->pins) {
		ept_sp_drop(c, sp);
		return;
	}
	for (unsigned i = 0; i < EPT_ENTRIES; i++)
		ept_zap(c, sp, i);
}

static void drop_where(struct ept_ctx *c, bool (*match)(const struct nvmx_ept_sp *, uint64_t),
                       uint64_t arg)
{
	struct nvmx_ept_sp *sp = c->vm->ept.lru_head, *next;
	for (; sp; sp = next) {
		next = sp->lnext;
		if (match(sp, arg))
			drop_or_clear(c, sp);
	}
}

static bool match_eptrta(const struct nvmx_ept_sp *sp, uint64_t eptp12)
{
	return (sp->root & EPT_ADDR_MASK) == (eptp12 & EPT_ADDR_MASK);
}

static bool match_all(const struct nvmx_ept_sp *sp, uint64_t arg)
{
	NVMX_UNUSED(sp);
	NVMX_UNUSED(arg);
	return true;
}

enum nvmx_status nvmx_ept_invept(struct nvmx_vcpu *v, uint64_t type, uint64_t eptp12)
{
	struct ept_ctx c = { v->vm, v->host };
	struct nvmx_ept_vm *e = &v->vm->ept;
	if (type == 1) {
		/* Single-context: mappings tagged with this EPTRTA (bits 51:12),
		 * whatever the other EPTP bits were. The live roots for it (one
		 * per MBEC setting) are flushed in hardware even when empty. */
		drop_where(&c, match_eptrta, eptp12);
		for (int mbec = 0; mbec < 2; mbec++) {
			for (unsigned lv = 4; lv <= 5; lv++) {
				for (unsigned ad = 0; ad < 2; ad++) {
					uint64_t key = (eptp12 & EPT_ADDR_MASK) | ((uint64_t)(lv - 1u) << 3) |
					               ((uint64_t)ad << 6) | (uint64_t)mbec;
					struct nvmx_ept_sp *r = ept_root_find(v->vm, key);
					if (r) {
						uint64_t f = ept_eptp02(v->vm, r);
						e->flush_eptp02 = !e->flush_eptp02 || e->flush_eptp02 == f ? f : ~0ull;
					}
				}
			}
		}
	} else if (type == 2) {
		drop_where(&c, match_all, 0);
		e->flush_eptp02 = ~0ull;
	} else {
		return NVMX_STATUS_INVALID_ARGUMENT;
	}
	ept_commit(&c);
	return NVMX_STATUS_OK;
}

/* Drop the shadows of EPT12 tables lying in [gpa, gpa + len). */
static void drop_tables(struct ept_ctx *c, uint64_t gpa, uint64_t len)
{
	struct nvmx_vm *vm = c->vm;
	uint64_t first = gpa & EPT_ADDR_MASK, end = gpa + len;
	struct nvmx_ept_sp *sp = vm->ept.lru_head, *next;
	/* The shadow pages are at most the budget: scanning them is bounded. */
	for (; sp; sp = next) {
		next = sp->lnext;
		if (sp->role == 0 && sp->gpa12 >= first && sp->gpa12 < end)
			drop_or_clear(c, sp);
	}
}

NVMX_EXPORT enum nvmx_status nvmx_vm_l1_mem_changed(struct nvmx_vm *vm, uint64_t gpa,
                                                    uint64_t len, enum nvmx_mem_change kind)
{
	if (!vm || len == 0 || gpa + len < gpa || kind < NVMX_MEM_UNMAPPED ||
	    kind > NVMX_MEM_HOT_REMOVED)
		return NVMX_STATUS_INVALID_ARGUMENT;
	struct ept_ctx c = { vm, vm->host };
	vm->ept.epoch++;
	vm->map_gen++;
	ept_rmap_zap_range(&c, gpa, len);
	/* Reduced rights keep the contents: the shadows of EPT12 tables there
	 * stay valid. Every other change may change what L1 reads there. */
	if (kind != NVMX_MEM_READ_ONLY)
		drop_tables(&c, gpa, len);
	ept_commit(&c);
	return NVMX_STATUS_OK;
}

NVMX_EXPORT enum nvmx_status nvmx_vm_l1_write(struct nvmx_vm *vm, uint64_t gpa)
{
	if (!vm)
		return NVMX_STATUS_INVALID_ARGUMENT;
	struct ept_ctx c = { vm, vm->host };
	vm->ept.epoch++;
	uint64_t page = gpa & EPT_ADDR_MASK;
	drop_tables(&c, page, 4096);
	/* Pinned roots stay shadowed (emptied): keep those protected. */
	bool still = false;
	for (struct nvmx_ept_sp *sp = vm->ept.lru_head; sp; sp = sp->lnext)
		if (sp->role == 0 && sp->gpa12 == page)
			still = true;
	if (vm->ept.wp && !still)
		vm->ops.l0_write_protect(vm->host, page, false);
	ept_commit(&c);
	return NVMX_STATUS_OK;
}
