/* SPDX-License-Identifier: MIT */
/*
 * Invalidation of the shadow EPT: INVEPT (SDM 29.4.3.1, INVEPT in chapter
 * 31), L0's changes to EPT01, and L1's writes to write-protected EPT12
 * table pages.
 *
 * INVEPT retires shadow trees in constant time (shadow.c): no page is
 * visited. L0's changes go through the reverse map, which covers the pages
 * of retired trees too (a vCPU may still run on one until its next entry),
 * so that EPT02 never maps a host page L0 took away.
 */
#include "ept_int.h"

static void bump_seq(struct nvmx_vm *vm)
{
	nvmx_atomic_store(&vm->ept.inval_seq, vm->ept.inval_seq + 1u);
}

static void invept_locked(struct nvmx_vm *vm, uint64_t type, uint64_t eptp12)
{
	bump_seq(vm);
	if (type == 2) {
		nvmx_ept_retire_all(vm);
		return;
	}
	/* Single-context: mappings tagged with this EPTRTA (bits 51:12),
	 * whatever the other EPTP bits were: the trees of every root key with
	 * that address (walk length 4 or 5, A/D on or off, MBEC on or off). */
	nvmx_ept_retire_eptrta(vm, eptp12);
}

/*
 * The hardware INVEPT the instruction owes is not issued here: the vCPU
 * leaves the retired roots at its next VM entry (or EPT violation), and
 * every retired root's EPTP02 is flushed before its pages are handed back,
 * so no translation built before the INVEPT is used again by this vCPU.
 */
enum nvmx_status nvmx_ept_invept(struct nvmx_vcpu *v, uint64_t type, uint64_t eptp12)
{
	if (type != 1 && type != 2)
		return NVMX_STATUS_INVALID_ARGUMENT;
	nvmx_vm_lock(v->vm);
	invept_locked(v->vm, type, eptp12);
	nvmx_vm_unlock(v->vm);
	return NVMX_STATUS_OK;
}

/* A shadow whose EPT12 table changed: a pinned root is emptied in place
 * (VMCS02 points at it), every other page is dropped. */
static void drop_or_clear(struct ept_ctx *c, struct nvmx_ept_sp *sp)
{
	if (!sp->pins) {
		nvmx_ept_sp_drop(c, sp);
		return;
	}
	for (unsigned i = 0; i < EPT_ENTRIES; i++)
		nvmx_ept_zap(c, sp, i);
}

/* Drop the shadows (in any tree) of EPT12 tables lying in
 * [gpa, gpa + len): by table GPA for short ranges, else by one scan of the
 * pages held (at most the budget). */
static void drop_tables(struct ept_ctx *c, uint64_t gpa, uint64_t len)
{
	struct nvmx_vm *vm = c->vm;
	uint64_t first = gpa & EPT_ADDR_MASK, end = gpa + len;
	if (((end - first) >> 12) <= vm->ept.nsp) {
		for (uint64_t p = first; p < end && p >= first; p += 4096) {
			struct nvmx_ept_sp *sp = nvmx_ept_gpa_first(vm, p), *next;
			/* Emptied pinned roots stay in the index: skip past them. */
			for (; sp; sp = next) {
				next = sp->gnext;
				while (next && next->gpa12 != p)
					next = next->gnext;
				if (sp->gpa12 == p)
					drop_or_clear(c, sp);
			}
		}
		return;
	}
	struct nvmx_ept_sp *sp = vm->ept.lru_head, *next;
	for (; sp; sp = next) {
		next = sp->lnext;
		if (sp->role == 0 && sp->gpa12 >= first && sp->gpa12 < end)
			drop_or_clear(c, sp);
	}
}

NVMX_EXPORT enum nvmx_status nvmx_vm_notify_l1_mem_changed(struct nvmx_vm *vm, uint64_t gpa,
                                                    uint64_t len, enum nvmx_mem_change kind)
{
	if (!vm || len == 0 || gpa + len < gpa || kind < NVMX_MEM_UNMAPPED ||
	    kind > NVMX_MEM_HOT_REMOVED)
		return NVMX_STATUS_INVALID_ARGUMENT;
	struct ept_ctx c = { vm, vm->host };
	nvmx_vm_lock(vm);
	bump_seq(vm);
	vm->ept.epoch++;
	nvmx_atomic_store(&vm->map_gen, vm->map_gen + 1u);
	nvmx_ept_rmap_zap_range(&c, gpa, len);
	/* Reduced rights keep the contents: the shadows of EPT12 tables there
	 * stay valid. Every other change may change what L1 reads there. */
	if (kind != NVMX_MEM_READ_ONLY)
		drop_tables(&c, gpa, len);
	nvmx_ept_commit(&c);
	nvmx_vm_unlock(vm);
	return NVMX_STATUS_OK;
}

void nvmx_ept_zap_l1_page(struct nvmx_vm *vm, uint64_t gpa)
{
	struct ept_ctx c = { vm, vm->host };
	nvmx_vm_lock(vm);
	/* A fill racing with this one retries (install_locked checks it). */
	bump_seq(vm);
	nvmx_ept_rmap_zap_range(&c, gpa & ~0xfffull, 0x1000);
	nvmx_ept_commit(&c);
	nvmx_vm_unlock(vm);
}

NVMX_EXPORT enum nvmx_status nvmx_vm_notify_l1_write(struct nvmx_vm *vm, uint64_t gpa)
{
	if (!vm)
		return NVMX_STATUS_INVALID_ARGUMENT;
	struct ept_ctx c = { vm, vm->host };
	nvmx_vm_lock(vm);
	bump_seq(vm);
	vm->ept.epoch++;
	uint64_t page = gpa & EPT_ADDR_MASK;
	drop_tables(&c, page, 4096);
	/* Pinned roots stay shadowed (emptied): keep those protected. */
	if (vm->ept.wp && !nvmx_ept_gpa_shadowed(vm, page))
		nvmx_host_l0_write_protect(&vm->ops, vm->host, page, false);
	nvmx_ept_commit(&c);
	nvmx_vm_unlock(vm);
	return NVMX_STATUS_OK;
}
